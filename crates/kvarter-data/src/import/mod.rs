//! Importing a layer into a data folder (`kvarter layers import`): read a source in any of the
//! formats planners have ([`read`]), convert and repair it into a layer, and write it atomically.

pub mod read;

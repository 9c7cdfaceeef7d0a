//! Kvarter's data layer: reading source files, coordinate systems, validation and repair,
//! FlatGeobuf, the manifest of the embedded dataset, and the reproducible build.

pub mod crs;

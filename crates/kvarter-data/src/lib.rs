//! Kvarter's data layer: reading source files, validation and repair, FlatGeobuf, the manifest
//! of a data folder, loading it, where a service's data comes from ([`store`]: a data folder or
//! the embedded files), the indicator tables converted from statistics files, the offline
//! gazetteer converted from address, place, street and postcode sources, and the reproducible
//! build. Coordinate systems are `kvarter-crs`'s.
//!
//! ```no_run
//! use kvarter_data::store::{DataDir, DataSource};
//! let snapshot = DataDir::new("geodata").load().unwrap();
//! println!(
//!     "data version {}: {} layers, {} addresses",
//!     snapshot.dataset.version,
//!     snapshot.manifest.layers.len(),
//!     snapshot.addresses.len()
//! );
//! ```

pub mod build;
pub mod dataset;
pub mod fgb;
pub mod gazetteer;
pub mod import;
pub mod manifest;
mod names;
pub mod recipe;
pub mod repair;
pub mod source;
pub mod store;
pub mod synthetic;
pub mod tables;

//! Kvarter's data layer: reading source files, coordinate systems, validation and repair,
//! FlatGeobuf, the manifest of a data folder, loading it, the indicator tables converted from
//! statistics files, the offline gazetteer converted from address, place, street and postcode
//! sources, and the reproducible build.
//!
//! ```no_run
//! use std::path::Path;
//! let (dataset, manifest) = kvarter_data::dataset::load_dir(Path::new("geodata")).unwrap();
//! println!("data version {}: {} layers", dataset.version, manifest.layers.len());
//! ```

pub mod build;
pub mod dataset;
pub mod fgb;
pub mod gazetteer;
pub mod manifest;
pub mod recipe;
pub mod repair;
pub mod source;
pub mod synthetic;
pub mod tables;

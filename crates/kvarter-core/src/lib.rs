//! Kvarter's domain types: layers, their metadata and provenance, and the areas they hold.
//!
//! This crate does no I/O and knows nothing about HTTP. Everything else in Kvarter speaks in these
//! types: the data crate reads and writes them, the index answers questions over them, the server
//! turns them into JSON.
//!
//! ```
//! use kvarter_core::{Date, Status};
//! let adopted: Date = "2017-06-22".parse().unwrap();
//! assert!(adopted < "2025-01-01".parse().unwrap());
//! assert_eq!(Status::Reconstructed.as_str(), "reconstructed");
//! ```

pub mod area;
pub mod dataset;
pub mod date;
pub mod designation;
pub mod layer;

pub use area::{Area, Properties};
pub use dataset::Dataset;
pub use date::{Date, DateError};
pub use layer::{
    Bounds, Layer, LayerId, LayerIdError, LayerKind, LayerMeta, Source, Status, Title,
};

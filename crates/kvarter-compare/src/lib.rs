//! The designation diff: what of one area layer (say the 2011 udsatte byområder) was kept,
//! removed and added in another (the 2017 ones).
//!
//! Areas are matched across the layers **by overlap, not by name**, so an area that was
//! renamed, split or merged is still followed. All geometry work and every m² is in
//! EPSG:25832 (through [`kvarter_overlay::Projected`]); geometry comes back in EPSG:4326. See
//! [`compare`] for the steps, [`Comparison`] for the report, and its encoders
//! [`Comparison::to_csv`], [`Comparison::to_geojson`] and [`Comparison::layer`] (the pieces as
//! a layer for the tile renderer).
//!
//! A comparison always carries both layers' provenance ([`LayerRef`]) and the weaker of their
//! statuses: comparing with a reconstructed layer gives a `reconstructed` comparison.
//!
//! ```
//! use geo::{Geometry, MapCoords, MultiPolygon, polygon};
//! use kvarter_compare::{AreaStatus, compare};
//! use kvarter_core::{Area, Layer, LayerKind, LayerMeta, Properties};
//! use kvarter_crs::utm32_to_wgs84;
//!
//! // One 100 m square per layer, given in EPSG:25832 metres; the later one is 50 m further east.
//! let layer = |id: &str, x0: f64| {
//!     let utm = polygon![(x: x0, y: 6_175_000.0), (x: x0 + 100.0, y: 6_175_000.0),
//!                        (x: x0 + 100.0, y: 6_175_100.0), (x: x0, y: 6_175_100.0)];
//!     let lon_lat = utm.map_coords(|c| utm32_to_wgs84(c.x, c.y).unwrap().into());
//!     Layer {
//!         meta: LayerMeta::synthetic(id.parse().unwrap(), LayerKind::MunicipalDesignation),
//!         areas: vec![Area {
//!             id: "a".into(), name: Some("Nørrebro".into()), parent: None, area_m2: None,
//!             properties: Properties::new(),
//!             geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![lon_lat])),
//!         }],
//!     }
//! };
//! let diff = compare(&layer("before", 724_000.0), &layer("after", 724_050.0)).unwrap();
//! assert!((diff.summary.kept_m2 - 5_000.0).abs() < 0.01);
//! assert!((diff.summary.removed_m2 - 5_000.0).abs() < 0.01);
//! assert!((diff.summary.added_m2 - 5_000.0).abs() < 0.01);
//! assert_eq!(diff.from_areas[0].status, AreaStatus::Matched);
//! assert_eq!(diff.pieces.len(), 3); // kept, removed, added
//! ```

pub mod changes_layer;
pub mod csv_rows;
pub mod diff;
pub mod feature_collection;
pub mod report;

pub use diff::{CompareError, compare, compare_projected, is_sliver};
pub use report::{
    AreaStatus, Change, Comparison, FromArea, LayerRef, Match, Pair, Piece, Summary, ToArea,
    weakest,
};

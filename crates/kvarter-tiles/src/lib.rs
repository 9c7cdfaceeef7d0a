//! Kvarter's vector tiles: Web Mercator tiling of the indexed layers, simplification that keeps
//! shared borders shared, clipping, Mapbox Vector Tile (MVT 2.1) encoding, TileJSON and PMTiles.
//!
//! This crate knows nothing about HTTP; the server crate adapts it.
//!
//! ```
//! use kvarter_tiles::{TileCoord, TileConfig, Tiler};
//! # let dataset = kvarter_core::Dataset { version: "v".into(), layers: vec![] };
//! let index = kvarter_index::Index::new(dataset);
//! let tiler = Tiler::new(&index, TileConfig::default());
//! assert!(tiler.layer_set(&index, "no-such-layer").is_err());
//! ```

#![allow(
    clippy::many_single_char_names,
    reason = "geometry code names points and coordinates a, b, p, x, y as the literature does"
)]

mod clip;
pub mod coord;
pub mod mercator;
mod mvt;
pub mod pmtiles;
mod prepared;
mod simplify;
pub mod tilejson;
pub mod tiler;
mod topology;

pub use coord::{MAX_ZOOM, TileCoord, TileCoordError, ZoomRange, ZoomRangeError};
pub use mvt::Value;
pub use prepared::feature_id;
pub use tilejson::{TileJson, VectorLayer};
pub use tiler::{
    ExtraAttributes, LayerSet, LayerSetError, MAX_LAYERS_PER_TILE, TileConfig, TileConfigError,
    Tiler,
};

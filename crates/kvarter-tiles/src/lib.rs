//! Kvarter's vector tiles: Web Mercator tiling of the indexed layers, simplification that keeps
//! shared borders shared, clipping, Mapbox Vector Tile (MVT 2.1) encoding, TileJSON and PMTiles.
//!
//! This crate knows nothing about HTTP; the server crate adapts it.

pub mod coord;
pub mod mercator;

pub use coord::{MAX_ZOOM, TileCoord, TileCoordError, ZoomRange, ZoomRangeError};

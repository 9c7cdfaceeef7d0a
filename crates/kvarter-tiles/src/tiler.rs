//! Rendering: a [`Tiler`] turns a [`LayerSet`] and a [`TileCoord`] into MVT bytes.

use std::sync::OnceLock;

use geo::{Intersects as _, Rect};
use kvarter_core::Layer;
use kvarter_index::Index;
use serde::{Deserialize, Serialize};

use crate::clip::{GridPoint, GridRect, clip_line, clip_polygon, contains_rect, intersects_rect};
use crate::mercator::{MAX_LATITUDE, grid_scale, lon_lat};
use crate::mvt::{GeomType, GeometryWriter, LayerWriter, Value};
use crate::prepared::{PreparedArea, PreparedLayer, ZoomArea, snap};
use crate::{TileCoord, ZoomRange};

/// How tiles are cut. Every key is optional; unknown keys are rejected.
///
/// ```
/// let config: kvarter_tiles::TileConfig = serde_json::from_str(r#"{"buffer": 128}"#).unwrap();
/// assert_eq!((config.extent, config.buffer), (4096, 128));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TileConfig {
    /// Grid units across a tile (MVT `extent`). Default 4096.
    pub extent: u32,
    /// Grid units of geometry kept beyond each side of the tile, so lines and outlines join
    /// seamlessly across tile edges. Default 64.
    pub buffer: u32,
    /// Douglas–Peucker tolerance in grid units (1 = a 4096th of a tile). Default 1.
    pub simplify: f64,
    /// The deepest zoom level offered in TileJSON (tiles deeper than this are still served, up
    /// to zoom 20). Default 20.
    pub maxzoom: u8,
}

impl Default for TileConfig {
    fn default() -> Self {
        TileConfig {
            extent: 4096,
            buffer: 64,
            simplify: 1.0,
            maxzoom: crate::MAX_ZOOM,
        }
    }
}

/// Why a [`TileConfig`] cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TileConfigError {
    /// The extent must be a power of two from 256 to 16 384 (MVT readers assume so).
    #[error("tiles.extent = {0}: use a power of two from 256 to 16384 (default 4096)")]
    Extent(u32),
    /// The buffer must be at most half the extent.
    #[error("tiles.buffer = {buffer}: use 0 to {max} (half the extent; default 64)")]
    Buffer {
        /// As given.
        buffer: u32,
        /// Half the extent.
        max: u32,
    },
    /// The tolerance must be a finite number ≥ 0.
    #[error("tiles.simplify = {0}: use a number of grid units ≥ 0 (default 1)")]
    Simplify(f64),
    /// `maxzoom` must be at most 20.
    #[error("tiles.maxzoom = {0}: use 0 to 20")]
    MaxZoom(u8),
}

impl TileConfig {
    /// Checks the settings; call at start-up so a bad value stops the service with a message.
    pub fn validate(&self) -> Result<(), TileConfigError> {
        if !self.extent.is_power_of_two() || !(256..=16_384).contains(&self.extent) {
            return Err(TileConfigError::Extent(self.extent));
        }
        if self.buffer > self.extent / 2 {
            return Err(TileConfigError::Buffer {
                buffer: self.buffer,
                max: self.extent / 2,
            });
        }
        if !self.simplify.is_finite() || self.simplify < 0.0 {
            return Err(TileConfigError::Simplify(self.simplify));
        }
        if self.maxzoom > crate::MAX_ZOOM {
            return Err(TileConfigError::MaxZoom(self.maxzoom));
        }
        Ok(())
    }
}

/// Attributes a tile's features get beyond their own: indicator values for a choropleth, or the
/// `change` of a comparison piece. The renderer asks once per feature, so an implementation
/// should look values up, not compute them.
pub trait ExtraAttributes: Sync {
    /// Appends the extra attributes of area `area` (its position in the layer) of the layer at
    /// position `layer` in the index.
    fn extend(&self, layer: usize, area: usize, out: &mut Vec<(String, Value)>);
}

/// No extra attributes.
impl ExtraAttributes for () {
    fn extend(&self, _layer: usize, _area: usize, _out: &mut Vec<(String, Value)>) {}
}

/// The most layers one tile request may combine.
pub const MAX_LAYERS_PER_TILE: usize = 32;

/// The layers of one tile request, checked: known, distinct, in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LayerSet {
    positions: Vec<usize>,
    name: String,
}

impl LayerSet {
    /// The layer ids joined by commas, as in the tile URL: the set's name in cache keys and
    /// TileJSON.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The layers' positions in the index.
    pub fn positions(&self) -> &[usize] {
        &self.positions
    }
}

/// Why a text is not a layer set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayerSetError {
    /// No layer was named, or an id between commas is empty; name one or more layer ids
    /// separated by single commas.
    #[error("a layer id is empty; give one or more layer ids separated by single commas")]
    Empty,
    /// A layer id is not in the dataset.
    #[error("unknown layer {id:?}")]
    Unknown {
        /// The id as given (shortened).
        id: String,
    },
    /// A layer is named twice.
    #[error("layer {id:?} is named twice")]
    Repeated {
        /// The id.
        id: String,
    },
    /// More than [`MAX_LAYERS_PER_TILE`] layers.
    #[error("{count} layers named; one tile combines at most {MAX_LAYERS_PER_TILE}")]
    TooMany {
        /// How many were named.
        count: usize,
    },
}

/// Renders vector tiles from an [`Index`].
///
/// Holds each layer's tiling preparation ([`PreparedLayer`]: shared arcs, labels, ids, and per
/// zoom level the simplified, snapped areas), built on first use and kept. Rendering a tile:
///
/// 1. **Select** each layer's areas with a part whose bounding box meets the buffered tile, from
///    the R-tree alone ([`Index::query_bbox_candidates`]).
/// 2. **Clip** each area's shapes at the tile's zoom level to the buffered tile (rings and lines;
///    see [`crate::clip`]); shapes wholly inside are not touched.
/// 3. **Keep small areas**: an area whose shapes clip to nothing (too small, or moved by
///    simplification) but whose geometry does intersect the buffered tile (tested exactly, only
///    then) gets a minimal square (one 512th of the tile across) at its label point, or at the
///    middle of its bounds within the tile.
/// 4. **Label**: an area whose label point lies in the tile (not the buffer) gets a point in the
///    `{layer}_labels` layer, so each area is labelled once per zoom level.
/// 5. **Encode** one MVT layer per source layer and one label layer after it, leaving out empty
///    layers.
pub struct Tiler {
    config: TileConfig,
    version: String,
    prepared: Vec<OnceLock<PreparedLayer>>,
}

impl std::fmt::Debug for Tiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tiler")
            .field("config", &self.config)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Tiler {
    /// A tiler for the layers of `index`, cutting tiles as `config` says. Prepares nothing yet.
    pub fn new(index: &Index, config: TileConfig) -> Tiler {
        Tiler {
            config,
            version: index.dataset().version.clone(),
            prepared: index.layers().iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// The settings tiles are cut with.
    pub fn config(&self) -> &TileConfig {
        &self.config
    }

    /// Parses `a,b,c` into a [`LayerSet`] of the index's layers.
    pub fn layer_set(&self, index: &Index, text: &str) -> Result<LayerSet, LayerSetError> {
        let ids: Vec<&str> = text.split(',').collect();
        if ids.iter().any(|id| id.is_empty()) {
            return Err(LayerSetError::Empty);
        }
        if ids.len() > MAX_LAYERS_PER_TILE {
            return Err(LayerSetError::TooMany { count: ids.len() });
        }
        let mut positions = Vec::with_capacity(ids.len());
        for id in &ids {
            let position = index.position(id).ok_or_else(|| LayerSetError::Unknown {
                id: id.chars().take(64).collect(),
            })?;
            if positions.contains(&position) {
                return Err(LayerSetError::Repeated {
                    id: (*id).to_owned(),
                });
            }
            positions.push(position);
        }
        Ok(LayerSet {
            positions,
            name: ids.join(","),
        })
    }

    /// Prepares the layers of `set` for zoom levels `zooms` now rather than on first use.
    pub fn prepare(&self, index: &Index, set: &LayerSet, zooms: ZoomRange) {
        for &position in set.positions() {
            if let Some(layer) = self.layer(index, position) {
                for z in zooms.levels() {
                    layer.zoom(z, self.config.extent, self.config.simplify);
                }
            }
        }
    }

    fn layer(&self, index: &Index, position: usize) -> Option<&PreparedLayer> {
        let slot = self.prepared.get(position)?;
        let layer = index.layers().get(position)?;
        Some(slot.get_or_init(|| PreparedLayer::new(layer)))
    }

    /// The tile's MVT bytes: empty when no layer has a feature in it.
    ///
    /// `index` must be the index the tiler was made for.
    pub fn render(&self, index: &Index, set: &LayerSet, tile: TileCoord) -> Vec<u8> {
        self.render_with(index, set, tile, &())
    }

    /// [`Tiler::render`], with `extra` attributes added to every feature (and label).
    pub fn render_with(
        &self,
        index: &Index,
        set: &LayerSet,
        tile: TileCoord,
        extra: &dyn ExtraAttributes,
    ) -> Vec<u8> {
        debug_assert_eq!(
            index.dataset().version,
            self.version,
            "tiler used with another index"
        );
        let extent = i64::from(self.config.extent);
        let buffer = i64::from(self.config.buffer);
        let origin: GridPoint = [i64::from(tile.x()) * extent, i64::from(tile.y()) * extent];
        let tile_rect: GridRect = [origin[0], origin[1], origin[0] + extent, origin[1] + extent];
        let rect: GridRect = [
            tile_rect[0] - buffer,
            tile_rect[1] - buffer,
            tile_rect[2] + buffer,
            tile_rect[3] + buffer,
        ];
        let scale = grid_scale(tile.z(), self.config.extent);
        let query = lon_lat_rect(rect, scale);
        let mut out = Vec::new();
        let mut geometry = GeometryWriter::default();
        let mut extras = Vec::new();
        for &position in set.positions() {
            let (Some(layer), Some(prepared)) =
                (index.layers().get(position), self.layer(index, position))
            else {
                continue;
            };
            let shapes = prepared.zoom(tile.z(), self.config.extent, self.config.simplify);
            let id = layer.meta.id.as_str();
            let mut features = LayerWriter::new(id, self.config.extent);
            let mut labels = LayerWriter::new(&format!("{id}_labels"), self.config.extent);
            for area_ix in index.query_bbox_candidates(&layer.meta.id, query) {
                let (Some(area), Some(shape), Some(source)) = (
                    prepared.areas.get(area_ix),
                    shapes.areas.get(area_ix),
                    layer.areas.get(area_ix),
                ) else {
                    continue;
                };
                geometry.clear_at(origin);
                let mut kind = self.draw(area, shape, rect, &mut geometry);
                if geometry.is_empty() {
                    // Nothing of the area's shapes at this zoom level is in the tile. If the
                    // area itself is (exactly), it must not vanish: draw a stand-in.
                    if !source.geometry.intersects(&query) {
                        continue;
                    }
                    kind = self.stand_in(area, rect, scale, &mut geometry);
                }
                extras.clear();
                extra.extend(position, area_ix, &mut extras);
                features.add(area.id, &area.attributes, &extras, kind, &geometry);
                if let Some(label) = area.label.map(|p| snap(p, scale))
                    && in_half_open(tile_rect, label)
                {
                    geometry.clear_at(origin);
                    geometry.add_points(&[label]);
                    labels.add(
                        area.id,
                        &area.attributes,
                        &extras,
                        GeomType::Point,
                        &geometry,
                    );
                }
            }
            for writer in [features, labels] {
                if writer.len() > 0 {
                    writer.finish(&mut out);
                }
            }
        }
        out
    }

    /// Writes one area's shapes clipped to `rect` (possibly nothing) and says what they are.
    #[expect(
        clippy::unused_self,
        reason = "kept as a method beside stand_in for reading"
    )]
    fn draw(
        &self,
        area: &PreparedArea,
        shape: &ZoomArea,
        rect: GridRect,
        geometry: &mut GeometryWriter,
    ) -> GeomType {
        let inside = shape.bounds.is_some_and(|b| contains_rect(rect, b));
        let touches = shape.bounds.is_some_and(|b| intersects_rect(rect, b));
        if area.is_polygonal() {
            if touches {
                for polygon in &shape.polygons {
                    if inside {
                        for ring in polygon {
                            geometry.add_ring(ring);
                        }
                        continue;
                    }
                    for piece in clip_polygon(polygon, rect) {
                        for ring in &piece {
                            geometry.add_ring(ring);
                        }
                    }
                }
            }
            return GeomType::Polygon;
        }
        if !shape.lines.is_empty() || shape.points.is_empty() {
            if touches {
                for line in &shape.lines {
                    if inside {
                        geometry.add_line(line);
                    } else {
                        for piece in clip_line(line, rect) {
                            geometry.add_line(&piece);
                        }
                    }
                }
            }
            return GeomType::LineString;
        }
        let points: Vec<GridPoint> = shape
            .points
            .iter()
            .copied()
            .filter(|p| contains_rect(rect, [p[0], p[1], p[0], p[1]]))
            .collect();
        geometry.add_points(&points);
        GeomType::Point
    }

    /// Writes a minimal stand-in for an area that intersects the tile but whose shapes at this
    /// zoom level clip to nothing: a square one 512th of the tile across (polygons), a one-unit
    /// line (lines) or a point.
    fn stand_in(
        &self,
        area: &PreparedArea,
        rect: GridRect,
        scale: f64,
        geometry: &mut GeometryWriter,
    ) -> GeomType {
        let [x, y] = self.stand_in_point(area, rect, scale);
        if area.is_polygonal() {
            let side = i64::from((self.config.extent / 512).max(2));
            let (x0, y0) = ((x - side / 2).max(rect[0]), (y - side / 2).max(rect[1]));
            let (x1, y1) = ((x0 + side).min(rect[2]), (y0 + side).min(rect[3]));
            geometry.add_ring(&[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
            GeomType::Polygon
        } else if area.is_lineal() {
            let x1 = (x + 1).min(rect[2]);
            geometry.add_line(&[[x1 - 1, y], [x1, y]]);
            GeomType::LineString
        } else {
            geometry.add_points(&[[x, y]]);
            GeomType::Point
        }
    }

    /// Where a stand-in for an area that clipped to nothing goes: its label point if that lies
    /// in `rect`, else the middle of the part of its bounds within `rect`.
    #[expect(
        clippy::unused_self,
        reason = "kept as a method beside draw for reading"
    )]
    fn stand_in_point(&self, area: &PreparedArea, rect: GridRect, scale: f64) -> GridPoint {
        if let Some(label) = area.label.map(|p| snap(p, scale))
            && contains_rect(rect, [label[0], label[1], label[0], label[1]])
        {
            return label;
        }
        let [x0, y0, x1, y1] = area.world_bounds.map_or(rect, |b| {
            let [a0, a1] = [snap([b[0], b[1]], scale), snap([b[2], b[3]], scale)];
            [
                a0[0].max(rect[0]),
                a0[1].max(rect[1]),
                a1[0].min(rect[2]),
                a1[1].min(rect[3]),
            ]
        });
        [
            i64::midpoint(x0, x1).clamp(rect[0], rect[2]),
            i64::midpoint(y0, y1).clamp(rect[1], rect[3]),
        ]
    }

    /// The tiles of zoom levels `zooms` that the layers of `set` may have features in: those
    /// within the layers' bounds, row by row.
    pub fn tiles_covering(
        &self,
        index: &Index,
        set: &LayerSet,
        zooms: ZoomRange,
    ) -> Vec<TileCoord> {
        let Some(bounds) = set_bounds(index.layers(), set) else {
            return Vec::new();
        };
        let mut tiles = Vec::new();
        for z in zooms.levels() {
            let north_west = TileCoord::containing(bounds[0], bounds[3], z);
            let south_east = TileCoord::containing(bounds[2], bounds[1], z);
            for y in north_west.y()..=south_east.y() {
                for x in north_west.x()..=south_east.x() {
                    if let Ok(tile) = TileCoord::new(u64::from(z), u64::from(x), u64::from(y)) {
                        tiles.push(tile);
                    }
                }
            }
        }
        tiles
    }
}

/// The union of the bounds of the set's layers, `[west, south, east, north]`.
pub(crate) fn set_bounds(layers: &[Layer], set: &LayerSet) -> Option<[f64; 4]> {
    set.positions()
        .iter()
        .filter_map(|&position| layers.get(position)?.bounds())
        .map(<[f64; 4]>::from)
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

/// Whether `p` lies in `rect` with the right and bottom edges left out.
fn in_half_open(rect: GridRect, p: GridPoint) -> bool {
    rect[0] <= p[0] && p[0] < rect[2] && rect[1] <= p[1] && p[1] < rect[3]
}

/// A grid rectangle in lon/lat, clamped to the Web Mercator square.
fn lon_lat_rect(rect: GridRect, scale: f64) -> Rect<f64> {
    #[expect(
        clippy::cast_precision_loss,
        reason = "grid coordinates are below 2^45"
    )]
    let world = |v: i64| (v as f64 / scale).clamp(0.0, 1.0);
    let (west, north) = lon_lat(world(rect[0]), world(rect[1]));
    let (east, south) = lon_lat(world(rect[2]), world(rect[3]));
    Rect::new(
        (west, south.max(-MAX_LATITUDE)),
        (east, north.min(MAX_LATITUDE)),
    )
}

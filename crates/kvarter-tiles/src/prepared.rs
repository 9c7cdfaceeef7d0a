//! A layer made ready for tiling: its areas in world coordinates, its polygons as shared arcs,
//! one label point and one feature id per area, and, per zoom level on first use, every area
//! simplified and snapped to that zoom level's integer grid.

use std::sync::OnceLock;

use geo::{Geometry, InteriorPoint, LineString, Polygon, Validation};
use kvarter_core::{Area, Layer};

use crate::MAX_ZOOM;
use crate::clip::{GridPoint, GridRect, bounds, clean, dedup_ring, doubled_area};
use crate::mercator::{grid_scale, world};
use crate::mvt::Value;
use crate::simplify::simplify;
use crate::topology::{PolygonArcs, Topology, WorldPoint};

/// A layer ready for tiling. Built once per layer, on first use.
///
/// # Pipeline
///
/// [`PreparedLayer::new`]:
/// 1. **Project** every area to world coordinates (Web Mercator in the unit square), splitting
///    it into polygons (rings without closing points or repeated points), lines and points.
/// 2. **Share arcs**: cut all the layer's rings into arcs at junctions ([`Topology`]).
/// 3. **Label** each area with geo's interior point (a point on the surface, inside the area),
///    and give it a feature id ([`feature_id`]) and its MVT attributes.
///
/// [`PreparedLayer::zoom`] (once per zoom level):
/// 1. **Simplify** each arc and each line once, Douglas–Peucker with the tolerance in grid units,
///    end points fixed, and **snap** it to the zoom level's integer grid (`extent · 2^z` units
///    across the world).
/// 2. **Assemble** each ring from its arcs; drop rings left with under three points or no area;
///    turn exteriors clockwise and holes counter-clockwise on screen (MVT 2.1 winding); drop the
///    holes of dropped exteriors.
pub(crate) struct PreparedLayer {
    pub(crate) areas: Vec<PreparedArea>,
    topology: Topology,
    zooms: [OnceLock<ZoomShapes>; MAX_ZOOM as usize + 1],
}

/// One area, prepared.
pub(crate) struct PreparedArea {
    /// Stable feature id.
    pub(crate) id: u64,
    /// MVT attributes, in key order.
    pub(crate) attributes: Vec<(&'static str, Value)>,
    /// Label point (world), inside the area; `None` for an empty geometry.
    pub(crate) label: Option<WorldPoint>,
    /// Bounding box in world coordinates `[min_x, min_y, max_x, max_y]`.
    pub(crate) world_bounds: Option<[f64; 4]>,
    polygons: Vec<PolygonArcs>,
    lines: Vec<Vec<WorldPoint>>,
    points: Vec<WorldPoint>,
}

impl PreparedArea {
    /// Whether the area is (multi)polygonal; areas of lines or points are not.
    pub(crate) fn is_polygonal(&self) -> bool {
        !self.polygons.is_empty() || (self.lines.is_empty() && self.points.is_empty())
    }

    /// Whether the area is made of lines (and not polygons).
    pub(crate) fn is_lineal(&self) -> bool {
        !self.is_polygonal() && !self.lines.is_empty()
    }
}

/// Every area of a layer at one zoom level, in the zoom level's integer grid.
pub(crate) struct ZoomShapes {
    pub(crate) areas: Vec<ZoomArea>,
}

/// One area at one zoom level.
#[derive(Default)]
pub(crate) struct ZoomArea {
    /// Polygons as rings (exterior first), each without its closing point.
    pub(crate) polygons: Vec<Vec<Vec<GridPoint>>>,
    /// Lines with at least two points.
    pub(crate) lines: Vec<Vec<GridPoint>>,
    /// Points.
    pub(crate) points: Vec<GridPoint>,
    /// Bounding box of all of the above.
    pub(crate) bounds: Option<GridRect>,
}

/// The area's pieces in world coordinates.
#[derive(Default)]
struct Pieces {
    polygons: Vec<Vec<Vec<WorldPoint>>>,
    lines: Vec<Vec<WorldPoint>>,
    points: Vec<WorldPoint>,
}

impl PreparedLayer {
    /// Prepares `layer` (steps 1–3 of the pipeline).
    pub(crate) fn new(layer: &Layer) -> PreparedLayer {
        let pieces: Vec<Pieces> = layer
            .areas
            .iter()
            .map(|area| {
                let mut pieces = Pieces::default();
                collect(&area.geometry, &mut pieces);
                pieces
            })
            .collect();
        // All polygons of the layer, flattened, for the topology.
        let all: Vec<Vec<Vec<WorldPoint>>> = pieces
            .iter()
            .flat_map(|p| p.polygons.iter().cloned())
            .collect();
        let (topology, mut shapes) = Topology::build(&all);
        let mut shapes = shapes.drain(..);
        let areas = layer
            .areas
            .iter()
            .zip(pieces)
            .map(|(area, pieces)| {
                let polygons: Vec<PolygonArcs> =
                    shapes.by_ref().take(pieces.polygons.len()).collect();
                let world_bounds = world_bounds(&pieces);
                PreparedArea {
                    id: feature_id(layer.meta.id.as_str(), &area.id),
                    attributes: attributes(layer, area),
                    label: area.geometry.interior_point().map(|p| {
                        let (x, y) = world(p.x(), p.y());
                        [x, y]
                    }),
                    world_bounds,
                    polygons,
                    lines: pieces.lines,
                    points: pieces.points,
                }
            })
            .collect();
        PreparedLayer {
            areas,
            topology,
            zooms: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    /// The areas at zoom `z`, simplified with `tolerance` grid units on a grid of `extent` units
    /// per tile; worked out on first use and kept.
    pub(crate) fn zoom(&self, z: u8, extent: u32, tolerance: f64) -> &ZoomShapes {
        let slot = &self.zooms[usize::from(z.min(MAX_ZOOM))];
        slot.get_or_init(|| self.build_zoom(z, extent, tolerance))
    }

    fn build_zoom(&self, z: u8, extent: u32, tolerance: f64) -> ZoomShapes {
        let scale = grid_scale(z, extent);
        let mut tolerances = vec![tolerance; self.topology.arcs.len()];
        let mut arcs: Vec<Vec<GridPoint>> = self
            .topology
            .arcs
            .iter()
            .map(|arc| snap_simplified(arc, scale, tolerance))
            .collect();
        let mut areas: Vec<ZoomArea> = self
            .areas
            .iter()
            .map(|area| assemble(area, &arcs, scale, tolerance))
            .collect();
        // Simplifying arcs one by one can make rings cross themselves or each other. Such areas
        // get their arcs back unsimplified (only snapped) — and so do their neighbours along
        // those arcs, which keeps the borders shared. Twice at most: the second round catches
        // neighbours made invalid by the first.
        for _ in 0..2 {
            let mut changed = false;
            for (area, shapes) in self.areas.iter().zip(&areas) {
                if is_valid(shapes) {
                    continue;
                }
                for arc in area.polygons.iter().flatten().flatten() {
                    let slot = &mut tolerances[arc.arc as usize];
                    if *slot > 0.0 {
                        *slot = 0.0;
                        arcs[arc.arc as usize] =
                            snap_simplified(&self.topology.arcs[arc.arc as usize], scale, 0.0);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
            for (area, shapes) in self.areas.iter().zip(areas.iter_mut()) {
                let touched = area
                    .polygons
                    .iter()
                    .flatten()
                    .flatten()
                    .any(|arc| tolerances[arc.arc as usize] == 0.0);
                if touched {
                    *shapes = assemble(area, &arcs, scale, tolerance);
                }
            }
        }
        // What is still invalid was made so by snapping to the grid (rings thinner than a grid
        // unit): rebuild those areas' polygons as valid ones. This may move a shared border by
        // part of a grid unit where it crosses itself, nowhere else.
        for shapes in &mut areas {
            if !is_valid(shapes) {
                let rings: Vec<Vec<GridPoint>> = shapes.polygons.concat();
                shapes.polygons = clean(&rings);
                shapes.bounds = shape_bounds(shapes);
            }
        }
        ZoomShapes { areas }
    }
}

/// Whether an area's polygons at a zoom level are valid (OGC rules: no ring crossing itself or
/// another, holes inside their exterior, polygons not overlapping).
fn is_valid(shapes: &ZoomArea) -> bool {
    if shapes.polygons.is_empty() {
        return true;
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "grid coordinates are below 2^45"
    )]
    let ring = |points: &Vec<GridPoint>| {
        let mut coords: Vec<geo::Coord<f64>> = points
            .iter()
            .map(|p| geo::Coord {
                x: p[0] as f64,
                y: p[1] as f64,
            })
            .collect();
        coords.extend(coords.first().copied());
        LineString::new(coords)
    };
    let polygons: Vec<Polygon<f64>> = shapes
        .polygons
        .iter()
        .map(|rings| Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect()))
        .collect();
    geo::MultiPolygon::new(polygons).is_valid()
}

/// One area's shapes at a zoom level, from the zoom level's arcs (step 2 of the pipeline), its
/// lines simplified with `tolerance`.
fn assemble(area: &PreparedArea, arcs: &[Vec<GridPoint>], scale: f64, tolerance: f64) -> ZoomArea {
    let mut shapes = ZoomArea::default();
    for polygon in &area.polygons {
        let mut rings: Vec<Vec<GridPoint>> = Vec::with_capacity(polygon.len());
        for (ring_ix, ring) in polygon.iter().enumerate() {
            let mut points = Vec::new();
            for r in ring {
                let arc = &arcs[r.arc as usize];
                if r.reversed {
                    points.extend(arc.iter().rev());
                } else {
                    points.extend(arc.iter());
                }
            }
            dedup_ring(&mut points);
            let area2 = if points.len() >= 3 {
                doubled_area(&points)
            } else {
                0
            };
            if area2 == 0 {
                if ring_ix == 0 {
                    break;
                }
                continue;
            }
            let exterior = ring_ix == 0;
            if (area2 > 0) != exterior {
                points.reverse();
            }
            rings.push(points);
        }
        if !rings.is_empty() {
            shapes.polygons.push(rings);
        }
    }
    for line in &area.lines {
        let mut points = snap_simplified(line, scale, tolerance);
        points.dedup();
        if points.len() >= 2 {
            shapes.lines.push(points);
        }
    }
    shapes.points = area.points.iter().map(|p| snap(*p, scale)).collect();
    shapes.bounds = shape_bounds(&shapes);
    shapes
}

/// The bounds of all an area's shapes at a zoom level.
fn shape_bounds(shapes: &ZoomArea) -> Option<GridRect> {
    shapes
        .polygons
        .iter()
        .filter_map(|rings| rings.first())
        .chain(shapes.lines.iter())
        .chain(std::iter::once(&shapes.points))
        .filter_map(|points| bounds(points))
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

/// A world point on the grid with `scale` units per world unit.
pub(crate) fn snap(point: WorldPoint, scale: f64) -> GridPoint {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "world coordinates are in [0, 1] and the scale at most 2^32, well within i64"
    )]
    let cell = |v: f64| (v * scale).round() as i64;
    [cell(point[0]), cell(point[1])]
}

/// An arc or line simplified in grid units and snapped to the grid, without repeated points
/// (but keeping a closed arc's last point).
fn snap_simplified(points: &[WorldPoint], scale: f64, tolerance: f64) -> Vec<GridPoint> {
    let scaled: Vec<[f64; 2]> = points
        .iter()
        .map(|p| [p[0] * scale, p[1] * scale])
        .collect();
    let mut snapped: Vec<GridPoint> = simplify(&scaled, tolerance)
        .into_iter()
        .map(|p| snap(p, 1.0))
        .collect();
    snapped.dedup();
    snapped
}

fn world_bounds(pieces: &Pieces) -> Option<[f64; 4]> {
    pieces
        .polygons
        .iter()
        .flatten()
        .flatten()
        .chain(pieces.lines.iter().flatten())
        .chain(pieces.points.iter())
        .fold(None, |b: Option<[f64; 4]>, p| {
            Some(match b {
                None => [p[0], p[1], p[0], p[1]],
                Some(b) => [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ],
            })
        })
}

/// Splits a geometry into world-coordinate polygons, lines and points.
fn collect(geometry: &Geometry<f64>, pieces: &mut Pieces) {
    match geometry {
        Geometry::Polygon(polygon) => push_polygon(polygon, pieces),
        Geometry::MultiPolygon(multi) => multi.iter().for_each(|p| push_polygon(p, pieces)),
        Geometry::Rect(rect) => push_polygon(&rect.to_polygon(), pieces),
        Geometry::Triangle(triangle) => push_polygon(&triangle.to_polygon(), pieces),
        Geometry::LineString(line) => push_line(line, pieces),
        Geometry::MultiLineString(multi) => multi.iter().for_each(|l| push_line(l, pieces)),
        Geometry::Line(line) => push_line(&LineString::from(vec![line.start, line.end]), pieces),
        Geometry::Point(point) => pieces.points.extend(project(&[point.0])),
        Geometry::MultiPoint(multi) => {
            pieces
                .points
                .extend(multi.iter().flat_map(|p| project(&[p.0])));
        }
        Geometry::GeometryCollection(collection) => {
            collection.iter().for_each(|g| collect(g, pieces));
        }
    }
}

fn push_polygon(polygon: &Polygon<f64>, pieces: &mut Pieces) {
    let ring = |line: &LineString<f64>| {
        let mut points = project(&line.0);
        points.dedup();
        while points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        points
    };
    let exterior = ring(polygon.exterior());
    if exterior.len() < 3 {
        return;
    }
    let mut rings = vec![exterior];
    rings.extend(
        polygon
            .interiors()
            .iter()
            .map(ring)
            .filter(|points| points.len() >= 3),
    );
    pieces.polygons.push(rings);
}

fn push_line(line: &LineString<f64>, pieces: &mut Pieces) {
    let mut points = project(&line.0);
    points.dedup();
    if points.len() >= 2 {
        pieces.lines.push(points);
    }
}

/// Lon/lat coordinates to world points, leaving out non-finite ones.
fn project(coords: &[geo::Coord<f64>]) -> Vec<WorldPoint> {
    coords
        .iter()
        .filter(|c| c.x.is_finite() && c.y.is_finite())
        .map(|c| {
            let (x, y) = world(c.x, c.y);
            [x, y]
        })
        .collect()
}

/// A feature id that depends only on the layer id and the area id: the same at every zoom level,
/// across restarts and even across data versions while the area keeps its id. It is the 64-bit
/// FNV-1a hash of `layer id`, a zero byte and `area id`, cut to 53 bits so JavaScript numbers
/// (MapLibre's feature state) hold it exactly.
///
/// ```
/// use kvarter_tiles::feature_id;
/// assert_eq!(feature_id("roder-2023", "1"), feature_id("roder-2023", "1"));
/// assert!(feature_id("roder-2023", "1") < 1 << 53);
/// ```
pub fn feature_id(layer: &str, area: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let hash = layer
        .bytes()
        .chain(std::iter::once(0))
        .chain(area.bytes())
        .fold(OFFSET, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(PRIME)
        });
    hash & ((1 << 53) - 1)
}

/// The MVT attributes of an area: its own (id, name, parent, area in m²) and its layer's (id,
/// status, source, vintage, licence, and the confidence of a reconstruction).
fn attributes(layer: &Layer, area: &Area) -> Vec<(&'static str, Value)> {
    let meta = &layer.meta;
    let text = |s: &str| Value::String(s.to_owned());
    let mut attributes = vec![("id", text(&area.id))];
    if let Some(name) = &area.name {
        attributes.push(("name", text(name)));
    }
    attributes.push(("layer", text(meta.id.as_str())));
    attributes.push(("status", text(meta.status.as_str())));
    if let Some(parent) = &area.parent {
        attributes.push(("parent", text(parent)));
    }
    if let Some(area_m2) = area.area_m2 {
        attributes.push(("area_m2", Value::Double(area_m2.round())));
    }
    attributes.push(("source", text(&meta.source.publisher)));
    attributes.push(("vintage", text(&meta.source.vintage)));
    attributes.push(("licence", text(&meta.licence)));
    if let Some(confidence) = &meta.confidence {
        attributes.push(("confidence", text(confidence)));
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_ids_fit_in_a_javascript_number_and_depend_on_layer_and_area() {
        let a = feature_id("roder-2023", "101");
        assert!(a < 1 << 53);
        assert_eq!(a, feature_id("roder-2023", "101"));
        assert_ne!(a, feature_id("roder-2023", "102"));
        assert_ne!(a, feature_id("kvarterer-2023", "101"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(feature_id("ab", "c"), feature_id("a", "bc"));
    }
}

//! Validation and repair of source geometries.
//!
//! Every polygon goes through the same steps, each recorded as a [`Repair`] when it changes
//! something:
//! 1. single polygons become multipolygons (one type per layer);
//! 2. rings are closed and consecutive duplicate points removed;
//! 3. rings left with fewer than three distinct points are dropped (a degenerate exterior drops
//!    its whole part);
//! 4. if the result is still not a valid OGC multipolygon (self-intersections, self-touching
//!    rings, holes outside their shell, overlapping parts), each part is rebuilt from its rings with
//!    the even-odd rule and the parts are unioned (via `i_overlay`, the engine behind geo's boolean
//!    operations); the geometry is validated again and refused if that did not help;
//! 5. rings are oriented as RFC 7946 asks (exterior counter-clockwise, holes clockwise).
//!
//! What cannot be repaired — a geometry of the wrong type, nothing left after the steps above,
//! no area — is an error naming the reason; the build fails on it rather than ship a guess.

use std::collections::HashMap;
use std::fmt;

use geo::orient::{Direction, Orient};
use geo::{
    Contains, Coord, Geometry, InteriorPoint, LineString, MultiLineString, MultiPolygon, Polygon,
    Validation, Winding,
};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::float::overlay::FloatOverlay;

/// One change the repair made to a geometry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Rings whose last point did not equal the first were closed.
    ClosedRings(usize),
    /// Consecutive duplicate points were removed.
    RemovedDuplicatePoints(usize),
    /// Rings with fewer than three distinct points were dropped.
    DroppedDegenerateRings(usize),
    /// Lines with fewer than two distinct points were dropped.
    DroppedDegenerateLines(usize),
    /// The geometry was invalid for these reasons and was rebuilt.
    MadeValid(Vec<String>),
    /// Ring orientation was changed to RFC 7946's.
    Reoriented,
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClosedRings(n) => write!(f, "closed {n} unclosed ring(s)"),
            Self::RemovedDuplicatePoints(n) => write!(f, "removed {n} duplicate point(s)"),
            Self::DroppedDegenerateRings(n) => write!(f, "dropped {n} degenerate ring(s)"),
            Self::DroppedDegenerateLines(n) => write!(f, "dropped {n} degenerate line(s)"),
            Self::MadeValid(reasons) => write!(f, "made valid ({})", reasons.join("; ")),
            Self::Reoriented => f.write_str("reoriented rings (exterior counter-clockwise)"),
        }
    }
}

/// Why a geometry could not be repaired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepairError {
    /// The feature has no geometry at all.
    #[error("the geometry is null")]
    Null,
    /// The layer holds areas but the feature is something else.
    #[error("expected a Polygon or MultiPolygon, found a {0}")]
    NotPolygonal(&'static str),
    /// The layer holds lines but the feature is something else.
    #[error("expected a LineString or MultiLineString, found a {0}")]
    NotLinear(&'static str),
    /// Nothing was left after dropping degenerate rings or lines.
    #[error("nothing is left after removing degenerate rings/lines")]
    Empty,
    /// The geometry stayed invalid after the rebuild.
    #[error("still invalid after repair: {0}")]
    Unrepairable(String),
}

/// Validates and repairs an areal geometry into a valid, RFC 7946-oriented multipolygon.
/// `unclosed_rings` is how many rings the source left open (geo closes them on reading).
pub fn repair_polygonal(
    geometry: Option<Geometry<f64>>,
    unclosed_rings: usize,
) -> Result<(MultiPolygon<f64>, Vec<Repair>), RepairError> {
    let mut repairs = Vec::new();
    if unclosed_rings > 0 {
        repairs.push(Repair::ClosedRings(unclosed_rings));
    }
    let shape = match geometry.ok_or(RepairError::Null)? {
        Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
        Geometry::MultiPolygon(mp) => mp,
        other => return Err(RepairError::NotPolygonal(type_name(&other))),
    };

    let mut duplicates = 0;
    let mut dropped = 0;
    let mut parts = Vec::with_capacity(shape.0.len());
    for polygon in shape {
        let (exterior, interiors) = polygon.into_inner();
        let Some(exterior) = clean_ring(exterior, &mut duplicates) else {
            dropped += 1;
            continue;
        };
        let interiors: Vec<_> = interiors
            .into_iter()
            .filter_map(|ring| {
                let ring = clean_ring(ring, &mut duplicates);
                dropped += usize::from(ring.is_none());
                ring
            })
            .collect();
        parts.push(Polygon::new(exterior, interiors));
    }
    if duplicates > 0 {
        repairs.push(Repair::RemovedDuplicatePoints(duplicates));
    }
    if dropped > 0 {
        repairs.push(Repair::DroppedDegenerateRings(dropped));
    }
    if parts.is_empty() {
        return Err(RepairError::Empty);
    }
    let mut shape = MultiPolygon::new(parts);

    let problems: Vec<String> = shape
        .validation_errors()
        .iter()
        .map(ToString::to_string)
        .collect();
    if !problems.is_empty() {
        shape = rebuild(&shape);
        if shape.0.is_empty() {
            return Err(RepairError::Empty);
        }
        if let Err(problem) = shape.check_validation() {
            return Err(RepairError::Unrepairable(problem.to_string()));
        }
        repairs.push(Repair::MadeValid(problems));
    }

    let oriented = shape.orient(Direction::Default);
    if oriented != shape {
        repairs.push(Repair::Reoriented);
    }
    Ok((oriented, repairs))
}

/// Validates and cleans a linear geometry into a multilinestring.
pub fn repair_linear(
    geometry: Option<Geometry<f64>>,
) -> Result<(MultiLineString<f64>, Vec<Repair>), RepairError> {
    let lines = match geometry.ok_or(RepairError::Null)? {
        Geometry::LineString(l) => MultiLineString::new(vec![l]),
        Geometry::MultiLineString(ml) => ml,
        other => return Err(RepairError::NotLinear(type_name(&other))),
    };
    let mut duplicates = 0;
    let mut dropped = 0;
    let kept: Vec<LineString<f64>> = lines
        .into_iter()
        .filter_map(|line| {
            let coords = dedup(line.0, &mut duplicates);
            if coords.len() < 2 {
                dropped += 1;
                None
            } else {
                Some(LineString::new(coords))
            }
        })
        .collect();
    let mut repairs = Vec::new();
    if duplicates > 0 {
        repairs.push(Repair::RemovedDuplicatePoints(duplicates));
    }
    if dropped > 0 {
        repairs.push(Repair::DroppedDegenerateLines(dropped));
    }
    if kept.is_empty() {
        return Err(RepairError::Empty);
    }
    Ok((MultiLineString::new(kept), repairs))
}

/// Removes consecutive duplicates from a closed ring; `None` when fewer than three distinct
/// points remain.
fn clean_ring(ring: LineString<f64>, duplicates: &mut usize) -> Option<LineString<f64>> {
    let mut coords = dedup(ring.0, duplicates);
    // `dedup` keeps the closing point; a ring needs 3 distinct points + the closing one.
    if coords.len() < 4 {
        return None;
    }
    if coords.first() != coords.last() {
        coords.push(coords[0]);
    }
    Some(LineString::new(coords))
}

fn dedup(mut coords: Vec<Coord<f64>>, duplicates: &mut usize) -> Vec<Coord<f64>> {
    let before = coords.len();
    coords.dedup();
    *duplicates += before - coords.len();
    coords
}

/// Rebuilds an invalid multipolygon: each part from its rings with the even-odd rule (which
/// resolves self-intersections and self-touching rings), then all parts unioned (non-zero rule,
/// which merges overlapping parts).
pub fn rebuild(shape: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let mut pieces: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
    for polygon in shape {
        let rings: Vec<Vec<[f64; 2]>> = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(ring_path)
            .collect();
        let rebuilt =
            FloatOverlay::with_subj(&rings).overlay(OverlayRule::Subject, FillRule::EvenOdd);
        pieces.extend(rebuilt);
    }
    // i_overlay returns shells clockwise and holes counter-clockwise; the union with the
    // non-zero rule keeps that consistent.
    let merged = FloatOverlay::with_subj(&pieces).overlay(OverlayRule::Subject, FillRule::NonZero);
    shapes_to_multipolygon(merged)
}

/// Unions multipolygons (e.g. the roder of a reconstructed area) into one multipolygon.
pub fn union_all<'a>(shapes: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> MultiPolygon<f64> {
    let paths: Vec<Vec<Vec<[f64; 2]>>> = shapes
        .into_iter()
        .flat_map(MultiPolygon::iter)
        .map(|polygon| {
            // Orient each part the same way so the non-zero rule adds them up.
            let polygon = polygon.orient(Direction::Default);
            std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .map(ring_path)
                .collect()
        })
        .collect();
    let merged = FloatOverlay::with_subj(&paths).overlay(OverlayRule::Subject, FillRule::NonZero);
    shapes_to_multipolygon(merged).orient(Direction::Default)
}

fn ring_path(ring: &LineString<f64>) -> Vec<[f64; 2]> {
    let coords = &ring.0[..ring.0.len().saturating_sub(1)];
    coords.iter().map(|c| [c.x, c.y]).collect()
}

fn shapes_to_multipolygon(shapes: Vec<Vec<Vec<[f64; 2]>>>) -> MultiPolygon<f64> {
    let mut polygons = Vec::with_capacity(shapes.len());
    for shape in shapes {
        let mut rings = shape.into_iter().map(|path| {
            let coords: Vec<Coord<f64>> = path.into_iter().map(|[x, y]| Coord { x, y }).collect();
            LineString::new(coords)
        });
        if let Some(exterior) = rings.next() {
            let polygon = Polygon::new(exterior, rings.collect()).orient(Direction::Default);
            polygons.extend(split_self_touching(&polygon));
        }
    }
    MultiPolygon::new(polygons)
}

/// The overlay engine may return a ring that touches itself at a vertex (a shell with an
/// "inverted hole", or two shells meeting at a point). OGC asks for simple rings, so each such
/// ring is cut at its repeated vertices into loops: loops turning like the shell become shells,
/// loops turning the other way become holes of the shell that contains them.
fn split_self_touching(polygon: &Polygon<f64>) -> Vec<Polygon<f64>> {
    let mut shells = Vec::new();
    let mut holes = Vec::new();
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        for piece in split_ring(ring) {
            if piece.is_ccw() {
                shells.push(piece);
            } else {
                holes.push(piece);
            }
        }
    }
    let mut polygons: Vec<Polygon<f64>> = shells
        .into_iter()
        .map(|shell| Polygon::new(shell, vec![]))
        .collect();
    for hole in holes {
        let probe = Polygon::new(hole.clone(), vec![]).interior_point();
        let owner = probe.and_then(|p| polygons.iter().position(|shell| shell.contains(&p)));
        if let Some(owner) = owner {
            polygons[owner].interiors_push(hole);
        }
    }
    polygons
}

/// Cuts a closed ring at every vertex it visits twice; returns closed loops of at least three
/// distinct points.
fn split_ring(ring: &LineString<f64>) -> Vec<LineString<f64>> {
    let key = |c: &Coord<f64>| (c.x.to_bits(), c.y.to_bits());
    let open = &ring.0[..ring.0.len().saturating_sub(1)];
    let mut stack: Vec<Coord<f64>> = Vec::with_capacity(open.len());
    let mut seen: HashMap<(u64, u64), usize> = HashMap::new();
    let mut loops = Vec::new();
    for &coord in open {
        if let Some(&start) = seen.get(&key(&coord)) {
            let cut: Vec<Coord<f64>> = stack.drain(start..).collect();
            for c in &cut {
                seen.remove(&key(c));
            }
            loops.push(cut);
        }
        seen.insert(key(&coord), stack.len());
        stack.push(coord);
    }
    loops.push(stack);
    loops
        .into_iter()
        .filter(|points| points.len() >= 3)
        .map(|mut points| {
            points.push(points[0]);
            LineString::new(points)
        })
        .collect()
}

/// The geometry's GeoJSON-style type name, for messages.
pub(crate) fn type_name(geometry: &Geometry<f64>) -> &'static str {
    match geometry {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

#[cfg(test)]
mod tests {
    use geo::{Area, polygon, wkt};

    use super::*;

    #[test]
    fn a_valid_counter_clockwise_polygon_passes_unchanged() {
        let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
        let (shape, repairs) = repair_polygonal(Some(square.clone().into()), 0).unwrap();
        assert!(repairs.is_empty(), "{repairs:?}");
        assert_eq!(shape, MultiPolygon::new(vec![square]));
    }

    #[test]
    fn a_clockwise_polygon_is_reoriented() {
        let square = polygon![(x: 0., y: 0.), (x: 0., y: 1.), (x: 1., y: 1.), (x: 1., y: 0.)];
        let (_, repairs) = repair_polygonal(Some(square.into()), 0).unwrap();
        assert_eq!(repairs, vec![Repair::Reoriented]);
    }

    #[test]
    fn duplicate_points_are_removed_and_reported() {
        let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
        let (shape, repairs) = repair_polygonal(Some(square.into()), 0).unwrap();
        assert_eq!(repairs, vec![Repair::RemovedDuplicatePoints(1)]);
        assert_eq!(shape.0[0].exterior().0.len(), 5);
    }

    #[test]
    fn a_bowtie_is_split_into_its_two_triangles() {
        let bowtie: Geometry<f64> = wkt!(POLYGON((0. 0., 2. 2., 2. 0., 0. 2., 0. 0.))).into();
        let (shape, repairs) = repair_polygonal(Some(bowtie), 0).unwrap();
        assert!(matches!(repairs[0], Repair::MadeValid(_)), "{repairs:?}");
        assert!(shape.is_valid());
        assert_eq!(shape.0.len(), 2);
        assert!((shape.unsigned_area() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn overlapping_parts_are_merged() {
        let parts: Geometry<f64> = wkt!(MULTIPOLYGON(((0. 0., 2. 0., 2. 2., 0. 2., 0. 0.)), ((1. 1., 3. 1., 3. 3., 1. 3., 1. 1.)))).into();
        let (shape, repairs) = repair_polygonal(Some(parts), 0).unwrap();
        assert!(matches!(repairs[0], Repair::MadeValid(_)));
        assert_eq!(shape.0.len(), 1);
        assert!((shape.unsigned_area() - 7.0).abs() < 1e-9);
    }

    #[test]
    fn a_ring_touching_itself_becomes_a_shell_with_a_hole() {
        // Exterior that returns to (1 0) to enclose an inner triangle: an "inverted hole".
        let touching: Geometry<f64> =
            wkt!(POLYGON((0. 0., 1. 0., 1.5 0.5, 1. 1., 0.5 0.5, 1. 0., 2. 0., 2. 2., 0. 2., 0. 0.))).into();
        let (shape, _) = repair_polygonal(Some(touching), 0).unwrap();
        assert!(shape.is_valid());
        assert!(
            (shape.unsigned_area() - 3.5).abs() < 1e-9,
            "{}",
            shape.unsigned_area()
        );
    }

    #[test]
    fn a_degenerate_polygon_cannot_be_repaired() {
        let line_like = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 0., y: 0.)];
        assert_eq!(
            repair_polygonal(Some(line_like.into()), 0),
            Err(RepairError::Empty)
        );
    }

    #[test]
    fn wrong_geometry_types_are_refused_by_name() {
        let point: Geometry<f64> = geo::Point::new(1.0, 2.0).into();
        assert_eq!(
            repair_polygonal(Some(point.clone()), 0),
            Err(RepairError::NotPolygonal("Point"))
        );
        assert_eq!(
            repair_linear(Some(point)),
            Err(RepairError::NotLinear("Point"))
        );
        assert_eq!(repair_polygonal(None, 0), Err(RepairError::Null));
    }

    #[test]
    fn unclosed_rings_reported_by_the_reader_are_recorded() {
        let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)];
        let (_, repairs) = repair_polygonal(Some(square.into()), 1).unwrap();
        assert_eq!(repairs, vec![Repair::ClosedRings(1)]);
    }

    #[test]
    fn neighbouring_squares_union_into_one_rectangle() {
        let a = MultiPolygon::new(vec![
            polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)],
        ]);
        let b = MultiPolygon::new(vec![
            polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)],
        ]);
        let merged = union_all([&a, &b]);
        assert_eq!(merged.0.len(), 1);
        assert!((merged.unsigned_area() - 2.0).abs() < 1e-12);
    }
}

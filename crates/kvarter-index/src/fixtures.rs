//! Small helper-built layers and geometries for the unit tests.

#![allow(clippy::unwrap_used)]

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use kvarter_core::{Area, Date, Layer, LayerKind, LayerMeta, Properties};

/// The axis-aligned square (rectangle) `[x0, x1] × [y0, y1]`, counter-clockwise.
pub(crate) fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(rectangle_ring(x0, y0, x1, y1), vec![])
}

fn rectangle_ring(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
    LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
}

/// The square `[lo, hi]²` with the square hole `[hole_lo, hole_hi]²`.
pub(crate) fn square_with_hole(lo: f64, hi: f64, hole_lo: f64, hole_hi: f64) -> Polygon<f64> {
    Polygon::new(
        rectangle_ring(lo, lo, hi, hi),
        vec![rectangle_ring(hole_lo, hole_lo, hole_hi, hole_hi)],
    )
}

/// The unit square `[0, 1]²`.
pub(crate) fn ring() -> Polygon<f64> {
    square(0.0, 0.0, 1.0, 1.0)
}

/// An area whose geometry is the one-part multipolygon `polygon`.
pub(crate) fn area(id: &str, polygon: Polygon<f64>) -> Area {
    multi_area(id, vec![polygon])
}

/// An area whose geometry is the multipolygon of `parts`.
pub(crate) fn multi_area(id: &str, parts: Vec<Polygon<f64>>) -> Area {
    with_geometry(id, Geometry::MultiPolygon(MultiPolygon::new(parts)))
}

/// A street: an area whose geometry is the one-line multi-line string through `coords`.
pub(crate) fn line_area(id: &str, coords: Vec<Coord<f64>>) -> Area {
    with_geometry(
        id,
        Geometry::MultiLineString(MultiLineString::new(vec![LineString::new(coords)])),
    )
}

fn with_geometry(id: &str, geometry: Geometry<f64>) -> Area {
    Area {
        id: id.to_owned(),
        name: None,
        parent: None,
        area_m2: None,
        properties: Properties::new(),
        geometry,
    }
}

/// A synthetic layer of the given kind.
pub(crate) fn layer(id: &str, kind: LayerKind, areas: Vec<Area>) -> Layer {
    Layer {
        meta: LayerMeta::synthetic(id.parse().unwrap(), kind),
        areas,
    }
}

/// A municipal designation layer of one area, in force from `from` (inclusive) to `to`
/// (exclusive).
pub(crate) fn designation(
    id: &str,
    from: Option<&str>,
    to: Option<&str>,
    polygon: Polygon<f64>,
) -> Layer {
    let mut layer = layer(
        id,
        LayerKind::MunicipalDesignation,
        vec![area("a", polygon)],
    );
    layer.meta.valid_from = from.map(day);
    layer.meta.valid_to = to.map(day);
    layer
}

/// The date `YYYY-MM-DD`.
pub(crate) fn day(text: &str) -> Date {
    text.parse().unwrap()
}

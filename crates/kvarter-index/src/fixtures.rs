//! Small helper-built points, geometries, areas and layers, and the committed default dataset:
//! the one place the crate's tests and benchmarks build their data. The unit tests include this
//! file with `#[cfg(test)] mod fixtures;` in `lib.rs`; the integration tests and the benchmarks
//! with `#[path = "../src/fixtures.rs"] mod fixtures;`. So it is no part of the library's API and
//! needs no feature flag.

#![expect(
    dead_code,
    reason = "the unit tests, the integration tests and the benchmarks each use a different subset"
)]
#![allow(
    clippy::unwrap_used,
    reason = "the ids and dates parsed here are literals written by the tests and benchmarks"
)]

use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use kvarter_core::{Area, Bounds, Dataset, Date, Layer, LayerKind, LayerMeta, Properties};
use rand::Rng;

/// The point `(x, y)`.
pub(crate) fn at(x: f64, y: f64) -> Coord<f64> {
    Coord { x, y }
}

/// A random point in `bounds` (x drawn first, then y).
pub(crate) fn point_in(rng: &mut impl Rng, bounds: Bounds) -> Coord<f64> {
    at(
        rng.gen_range(bounds.west..bounds.east),
        rng.gen_range(bounds.south..bounds.north),
    )
}

/// The axis-aligned square (rectangle) `[x0, x1] × [y0, y1]`, counter-clockwise.
pub(crate) fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(rectangle_ring(x0, y0, x1, y1), vec![])
}

/// The closed ring around the rectangle `[x0, x1] × [y0, y1]`, counter-clockwise from
/// `(x0, y0)`: an exterior or a hole.
pub(crate) fn rectangle_ring(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
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
    multi_line_area(id, vec![LineString::new(coords)])
}

/// A street: an area whose geometry is the multi-line string of `lines`.
pub(crate) fn multi_line_area(id: &str, lines: Vec<LineString<f64>>) -> Area {
    with_geometry(id, Geometry::MultiLineString(MultiLineString::new(lines)))
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
    in_force(
        layer(
            id,
            LayerKind::MunicipalDesignation,
            vec![area("a", polygon)],
        ),
        from,
        to,
    )
}

/// `layer`, in force from `from` (inclusive) to `to` (exclusive), each a date `YYYY-MM-DD` or
/// `None` for no limit.
pub(crate) fn in_force(mut layer: Layer, from: Option<&str>, to: Option<&str>) -> Layer {
    layer.meta.valid_from = from.map(day);
    layer.meta.valid_to = to.map(day);
    layer
}

/// The date `YYYY-MM-DD`.
pub(crate) fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// The committed default dataset (`geodata/`), as the service loads it.
pub(crate) fn default_dataset() -> Dataset {
    let geodata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    let (dataset, _) = kvarter_data::dataset::load_dir(&geodata).expect("geodata/ loads");
    dataset
}

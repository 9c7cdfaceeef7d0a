//! Parts: the pieces of an area's geometry that each get their own R-tree entry — one per polygon
//! of a multipolygon, one per line string of a multi-line string — so each entry's envelope is
//! tight and a lookup tests only the polygons whose own envelope holds the point.

use std::borrow::Cow;

use geo::{BoundingRect, Geometry, Intersects, Polygon, Rect};
use rstar::{AABB, RTreeObject};

use crate::layer_box::{LayerBox, layer_bit};
use crate::prepared::Banding;

/// One leaf of a geometry: a polygon-like piece that can contain points, or anything else
/// (lines, points), which never does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Leaf<'a> {
    /// A polygon.
    Polygon(&'a Polygon<f64>),
    /// A rectangle (treated as the polygon it bounds).
    Rect(&'a Rect<f64>),
    /// A triangle (treated as the polygon it bounds).
    Triangle(&'a geo::Triangle<f64>),
    /// A line, line string or point: in the tree for bbox queries, never contains a point.
    Other(&'a Geometry<f64>),
    /// A line string of a multi-line string.
    LineString(&'a geo::LineString<f64>),
    /// A point of a multi-point.
    Point(&'a geo::Point<f64>),
}

impl<'a> Leaf<'a> {
    /// The polygon this leaf bounds, if it is polygon-like.
    pub(crate) fn polygon(self) -> Option<Cow<'a, Polygon<f64>>> {
        match self {
            Leaf::Polygon(polygon) => Some(Cow::Borrowed(polygon)),
            Leaf::Rect(rect) => Some(Cow::Owned(rect.to_polygon())),
            Leaf::Triangle(triangle) => Some(Cow::Owned(triangle.to_polygon())),
            Leaf::Other(_) | Leaf::LineString(_) | Leaf::Point(_) => None,
        }
    }

    /// The leaf's bounding rectangle, or `None` when it has no coordinates.
    pub(crate) fn bounding_rect(self) -> Option<Rect<f64>> {
        match self {
            Leaf::Polygon(polygon) => polygon.bounding_rect(),
            Leaf::Rect(rect) => Some(*rect),
            Leaf::Triangle(triangle) => Some(triangle.bounding_rect()),
            Leaf::Other(geometry) => geometry.bounding_rect(),
            Leaf::LineString(line_string) => line_string.bounding_rect(),
            Leaf::Point(point) => Some(point.bounding_rect()),
        }
    }

    /// Whether the leaf intersects `rect` (closed sets: touching counts).
    pub(crate) fn intersects(self, rect: &Rect<f64>) -> bool {
        match self {
            Leaf::Polygon(polygon) => rect.intersects(polygon),
            Leaf::Rect(other) => rect.intersects(other),
            Leaf::Triangle(triangle) => rect.intersects(triangle),
            Leaf::Other(geometry) => rect.intersects(geometry),
            Leaf::LineString(line_string) => rect.intersects(line_string),
            Leaf::Point(point) => rect.intersects(point),
        }
    }
}

/// Appends the leaves of `geometry` to `out`, in order: the polygons of a multipolygon, the line
/// strings of a multi-line string, the members of a collection (recursively), or the geometry
/// itself.
pub(crate) fn leaves<'a>(geometry: &'a Geometry<f64>, out: &mut Vec<Leaf<'a>>) {
    match geometry {
        Geometry::Polygon(polygon) => out.push(Leaf::Polygon(polygon)),
        Geometry::MultiPolygon(multi) => out.extend(multi.0.iter().map(Leaf::Polygon)),
        Geometry::Rect(rect) => out.push(Leaf::Rect(rect)),
        Geometry::Triangle(triangle) => out.push(Leaf::Triangle(triangle)),
        Geometry::MultiLineString(multi) => out.extend(multi.0.iter().map(Leaf::LineString)),
        Geometry::MultiPoint(multi) => out.extend(multi.0.iter().map(Leaf::Point)),
        Geometry::GeometryCollection(collection) => {
            for member in collection {
                leaves(member, out);
            }
        }
        Geometry::Point(_) | Geometry::Line(_) | Geometry::LineString(_) => {
            out.push(Leaf::Other(geometry));
        }
    }
}

/// Leaf number `part` of `geometry` (as numbered by [`leaves`]).
pub(crate) fn leaf(geometry: &Geometry<f64>, part: u32) -> Option<Leaf<'_>> {
    let part = usize::try_from(part).ok()?;
    match geometry {
        Geometry::MultiPolygon(multi) => multi.0.get(part).map(Leaf::Polygon),
        Geometry::MultiLineString(multi) => multi.0.get(part).map(Leaf::LineString),
        _ => {
            let mut all = Vec::new();
            leaves(geometry, &mut all);
            all.get(part).copied()
        }
    }
}

/// One R-tree entry: one part of one area, with the part's own bounding box.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PartEntry {
    /// The part's bounding box (for polygons: over all rings).
    pub(crate) aabb: AABB<[f64; 2]>,
    /// Index of the layer in the dataset.
    pub(crate) layer: u32,
    /// Index of the area in its layer.
    pub(crate) area: u32,
    /// Index of the part among the area's [`leaves`].
    pub(crate) part: u32,
    /// Where the part's bands are, for polygon parts; `None` for lines and points.
    pub(crate) polygon: Option<Banding>,
}

/// In the tree, a part's envelope is its bounding box tagged with its layer, so that parent
/// nodes learn which layers they hold.
impl RTreeObject for PartEntry {
    type Envelope = LayerBox;

    fn envelope(&self) -> LayerBox {
        LayerBox {
            aabb: self.aabb,
            layers: layer_bit(self.layer),
        }
    }
}

/// The envelope of a bounding rectangle, or `None` when a coordinate is not finite (such
/// envelopes cannot be ordered, so they stay out of the tree).
pub(crate) fn envelope(rect: Rect<f64>) -> Option<AABB<[f64; 2]>> {
    let (min, max) = (rect.min(), rect.max());
    [min.x, min.y, max.x, max.y]
        .iter()
        .all(|v| v.is_finite())
        .then(|| AABB::from_corners([min.x, min.y], [max.x, max.y]))
}

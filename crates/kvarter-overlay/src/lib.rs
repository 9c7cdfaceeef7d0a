//! Overlay: a layer's areas projected to EPSG:25832 (ETRS89 / UTM 32N, metres), and the exact
//! overlap of the areas of two layers. Indicator joins (sharing values by overlap) and the
//! designation diff (what was kept, added and removed between two years) both stand on it.
//!
//! Areas are measured in EPSG:25832, as everywhere in Kvarter, so an overlap's m² is comparable
//! with an area's `area_m2`. Overlaps are found as candidate pairs from an R-tree over the
//! areas' bounding boxes and then computed exactly with geo's boolean operations (`i_overlay`).
//!
//! ```
//! use geo::{Geometry, MultiPolygon, polygon};
//! use kvarter_core::{Area, Layer, LayerKind, LayerMeta, Properties};
//! use kvarter_overlay::{Projected, overlaps};
//!
//! // Two squares of about 1 km × 1 km (0.016° × 0.009° near Copenhagen), half over each other.
//! let square = |id: &str, x0: f64| Area {
//!     id: id.into(), name: None, parent: None, area_m2: None, properties: Properties::new(),
//!     geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![polygon![
//!         (x: x0, y: 55.68), (x: x0 + 0.016, y: 55.68), (x: x0 + 0.016, y: 55.689), (x: x0, y: 55.689),
//!     ]])),
//! };
//! let layer = |id: &str, x0: f64| Layer {
//!     meta: LayerMeta::synthetic(id.parse().unwrap(), LayerKind::AdminUnit),
//!     areas: vec![square("a", x0)],
//! };
//! let west = Projected::new(&layer("west", 12.50)).unwrap();
//! let east = Projected::new(&layer("east", 12.508)).unwrap();
//! let pairs = overlaps(&west, &east);
//! assert_eq!(pairs.len(), 1);
//! let half = pairs[0].area_m2 / west.area_m2(0);
//! assert!((half - 0.5).abs() < 0.01, "{half}");
//! ```

use std::sync::OnceLock;

use geo::{Area as _, BooleanOps, BoundingRect, Coord, MapCoords, MultiPolygon, Polygon, Rect};
use kvarter_core::{Layer, LayerId};
use kvarter_crs::{self as crs, CrsError};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Why a layer cannot be overlaid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OverlayError {
    /// The layer holds lines (streets), which have no area; overlay area layers only.
    #[error("layer {layer} holds lines, not areas: only area layers can be overlaid")]
    NotAreas {
        /// The layer.
        layer: LayerId,
    },
    /// An area has a coordinate that cannot be projected to EPSG:25832 (it lies off the globe).
    #[error("layer {layer}, area {area}: cannot project to EPSG:25832")]
    Projection {
        /// The layer.
        layer: LayerId,
        /// The area's id.
        area: String,
        /// The cause.
        #[source]
        source: CrsError,
    },
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// A layer's areas in EPSG:25832, with their areas in m² and an R-tree over their bounding
/// boxes. Built once per layer and data version.
pub struct Projected {
    id: LayerId,
    shapes: Vec<MultiPolygon<f64>>,
    areas_m2: Vec<f64>,
    tree: RTree<Entry>,
    union: OnceLock<MultiPolygon<f64>>,
}

impl std::fmt::Debug for Projected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projected")
            .field("layer", &self.id)
            .field("areas", &self.shapes.len())
            .finish_non_exhaustive()
    }
}

/// Whether every area of `layer` is a polygon, multipolygon or rectangle, so that the layer can
/// be overlaid ([`Projected::new`] refuses it otherwise). Cheap: looks at geometry types only.
pub fn holds_areas(layer: &Layer) -> bool {
    layer.areas.iter().all(|area| {
        matches!(
            area.geometry,
            geo::Geometry::MultiPolygon(_) | geo::Geometry::Polygon(_) | geo::Geometry::Rect(_)
        )
    })
}

/// An area's geometry as a multipolygon, or `None` when it is not an area (lines, points); the
/// same cases as [`holds_areas`].
fn as_multipolygon(geometry: &geo::Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match geometry {
        geo::Geometry::MultiPolygon(shape) => Some(shape.clone()),
        geo::Geometry::Polygon(polygon) => Some(MultiPolygon::new(vec![polygon.clone()])),
        geo::Geometry::Rect(rect) => Some(MultiPolygon::new(vec![rect.to_polygon()])),
        _ => None,
    }
}

impl Projected {
    /// Projects every area of `layer` to EPSG:25832. Area `i` of the result is area `i` of the
    /// layer.
    pub fn new(layer: &Layer) -> Result<Projected, OverlayError> {
        let mut shapes = Vec::with_capacity(layer.areas.len());
        for area in &layer.areas {
            let Some(shape) = as_multipolygon(&area.geometry) else {
                return Err(OverlayError::NotAreas {
                    layer: layer.meta.id.clone(),
                });
            };
            let projected = shape
                .try_map_coords(|c| crs::wgs84_to_utm32(c.x, c.y).map(Coord::from))
                .map_err(|source| OverlayError::Projection {
                    layer: layer.meta.id.clone(),
                    area: area.id.clone(),
                    source,
                })?;
            shapes.push(projected);
        }
        let areas_m2 = shapes.iter().map(geo::Area::unsigned_area).collect();
        let entries = shapes
            .iter()
            .enumerate()
            .filter_map(|(ix, shape)| {
                let rect = shape.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners(rect.min().into(), rect.max().into()),
                    ix,
                ))
            })
            .collect();
        Ok(Projected {
            id: layer.meta.id.clone(),
            shapes,
            areas_m2,
            tree: RTree::bulk_load(entries),
            union: OnceLock::new(),
        })
    }

    /// The layer's id.
    pub fn id(&self) -> &LayerId {
        &self.id
    }

    /// How many areas the layer has.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether the layer has no areas.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// Area `ix` in EPSG:25832 (empty if there is no such area).
    pub fn shape(&self, ix: usize) -> &MultiPolygon<f64> {
        static EMPTY: MultiPolygon<f64> = MultiPolygon(Vec::new());
        self.shapes.get(ix).unwrap_or(&EMPTY)
    }

    /// The planar area of area `ix` in m² (0 if there is no such area).
    pub fn area_m2(&self, ix: usize) -> f64 {
        self.areas_m2.get(ix).copied().unwrap_or(0.0)
    }

    /// The areas whose bounding box meets `rect` (EPSG:25832), in ascending order.
    pub fn candidates(&self, rect: Rect<f64>) -> Vec<usize> {
        let envelope = AABB::from_corners(rect.min().into(), rect.max().into());
        let mut found: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|entry| entry.data)
            .collect();
        found.sort_unstable();
        found
    }

    /// The union of all the layer's areas, computed on first use and kept.
    pub fn union(&self) -> &MultiPolygon<f64> {
        self.union.get_or_init(|| union_all(&self.shapes))
    }
}

/// The union of shapes, merged pairwise (balanced), so no step works on one huge and one tiny
/// operand more often than needed.
pub fn union_all(shapes: &[MultiPolygon<f64>]) -> MultiPolygon<f64> {
    match shapes {
        [] => MultiPolygon::new(Vec::new()),
        [one] => one.clone(),
        _ => {
            let (left, right) = shapes.split_at(shapes.len() / 2);
            union_all(left).union(&union_all(right))
        }
    }
}

/// An overlap between area `from` of one layer and area `to` of another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    /// The area's position in the first layer.
    pub from: usize,
    /// The area's position in the second layer.
    pub to: usize,
    /// The area of the intersection, m² (EPSG:25832); always > 0.
    pub area_m2: f64,
}

/// Every pair of areas of `from` and `to` whose intersection has an area, with that area,
/// ordered by `from` then `to`. Pairs that only touch along a border are left out.
pub fn overlaps(from: &Projected, to: &Projected) -> Vec<Overlap> {
    let mut found = Vec::new();
    for (ix, shape) in from.shapes.iter().enumerate() {
        let Some(rect) = shape.bounding_rect() else {
            continue;
        };
        for other in to.candidates(rect) {
            let area_m2 = intersection(shape, to.shape(other)).unsigned_area();
            if area_m2 > 0.0 {
                found.push(Overlap {
                    from: ix,
                    to: other,
                    area_m2,
                });
            }
        }
    }
    found
}

/// The intersection of two shapes. Shapes whose bounding boxes do not meet give an empty result
/// without running the overlay.
///
/// When one shape is much bigger than the other (a district and a block), the big one is first
/// cut to the small one's bounding box, which is exact (the small shape lies inside its box)
/// and makes the overlay work on the few edges near the small shape instead of all of them.
pub fn intersection(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let (Some(ra), Some(rb)) = (a.bounding_rect(), b.bounding_rect()) else {
        return MultiPolygon::new(Vec::new());
    };
    if !geo::Intersects::intersects(&ra, &rb) {
        return MultiPolygon::new(Vec::new());
    }
    let (na, nb) = (vertices(a), vertices(b));
    if na > CUT_RATIO * nb {
        cut(a, rb).intersection(b)
    } else if nb > CUT_RATIO * na {
        a.intersection(&cut(b, ra))
    } else {
        a.intersection(b)
    }
}

/// How many times more vertices one operand of [`intersection`] must have before it is cut to
/// the other's bounding box first.
const CUT_RATIO: usize = 4;

fn vertices(shape: &MultiPolygon<f64>) -> usize {
    shape
        .iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum()
}

/// `shape` ∩ `rect`, slightly enlarged so edges along the box's sides are not cut twice.
fn cut(shape: &MultiPolygon<f64>, rect: Rect<f64>) -> MultiPolygon<f64> {
    let margin = 1.0;
    let grown = Rect::new(
        (rect.min().x - margin, rect.min().y - margin),
        (rect.max().x + margin, rect.max().y + margin),
    );
    shape.intersection(&MultiPolygon::new(vec![grown.to_polygon()]))
}

/// `a` minus `b`. Where the bounding boxes do not meet, `a` itself.
pub fn difference(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb)) if geo::Intersects::intersects(&ra, &rb) => a.difference(b),
        _ => a.clone(),
    }
}

/// A shape in EPSG:25832 back in EPSG:4326 (lon/lat), with polygons that have no area left out.
pub fn to_wgs84(shape: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, CrsError> {
    let polygons: Result<Vec<Polygon<f64>>, CrsError> = shape
        .iter()
        .filter(|polygon| polygon.unsigned_area() > 0.0)
        .map(|polygon| polygon.try_map_coords(|c| crs::utm32_to_wgs84(c.x, c.y).map(Coord::from)))
        .collect();
    polygons.map(MultiPolygon::new)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use geo::{Geometry, line_string, polygon};
    use kvarter_core::{Area, LayerKind, LayerMeta, Properties};

    use super::*;

    /// A layer of axis-aligned boxes given in EPSG:25832 metres, stored in lon/lat.
    fn boxes(id: &str, rects: &[(f64, f64, f64, f64)]) -> Layer {
        let areas = rects
            .iter()
            .enumerate()
            .map(|(i, &(x0, y0, x1, y1))| {
                let utm = polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)];
                let lon_lat = utm.map_coords(|c| crs::utm32_to_wgs84(c.x, c.y).unwrap().into());
                Area {
                    id: format!("{i}"),
                    name: None,
                    parent: None,
                    area_m2: None,
                    properties: Properties::new(),
                    geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![lon_lat])),
                }
            })
            .collect();
        Layer {
            meta: LayerMeta::synthetic(id.parse().unwrap(), LayerKind::AdminUnit),
            areas,
        }
    }

    #[test]
    fn neighbours_that_only_touch_do_not_overlap_and_a_cover_overlaps_both() {
        let (x, y) = (720_000.0, 6_170_000.0);
        let cells = Projected::new(&boxes(
            "cells",
            &[
                (x, y, x + 100.0, y + 100.0),
                (x + 100.0, y, x + 200.0, y + 100.0),
            ],
        ))
        .unwrap();
        assert!(overlaps(&cells, &cells).iter().all(|o| o.from == o.to));
        let cover =
            Projected::new(&boxes("cover", &[(x + 50.0, y, x + 150.0, y + 100.0)])).unwrap();
        let found = overlaps(&cells, &cover);
        assert_eq!(found.len(), 2);
        for overlap in found {
            // Projecting to lon/lat and back moves corners by far less than a millimetre.
            assert!((overlap.area_m2 - 5_000.0).abs() < 0.01, "{overlap:?}");
        }
    }

    #[test]
    fn a_street_layer_cannot_be_overlaid() {
        let mut layer = boxes(
            "streets",
            &[(720_000.0, 6_170_000.0, 720_010.0, 6_170_010.0)],
        );
        layer.areas[0].geometry =
            Geometry::LineString(line_string![(x: 12.5, y: 55.6), (x: 12.6, y: 55.7)]);
        assert!(matches!(
            Projected::new(&layer),
            Err(OverlayError::NotAreas { .. })
        ));
    }

    #[test]
    fn the_union_of_a_layer_measures_its_areas_without_their_overlap() {
        let (x, y) = (720_000.0, 6_170_000.0);
        let layer = Projected::new(&boxes(
            "pair",
            &[
                (x, y, x + 100.0, y + 100.0),
                (x + 50.0, y, x + 150.0, y + 100.0),
            ],
        ))
        .unwrap();
        assert!((layer.union().unsigned_area() - 15_000.0).abs() < 0.01);
        let back = to_wgs84(layer.union()).unwrap();
        assert!((crs::area_m2(&back).unwrap() - 15_000.0).abs() < 0.01);
    }
}

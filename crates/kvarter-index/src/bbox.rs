//! Bbox queries: the areas of one layer whose geometry intersects a rectangle (a map view, a
//! tile), each once and in the layer's order.

use geo::Rect;
use kvarter_core::{Area, LayerId};
use rstar::AABB;

use crate::Index;
use crate::layer_box::{InLayers, layer_bit};
use crate::part::{self, PartEntry};

impl Index {
    /// Areas of one layer whose geometry intersects `rect` (lon/lat), in the layer's area order.
    ///
    /// Intersection is exact and closed: an area that only touches the rectangle's edge counts.
    /// Lines count too. An unknown layer has no areas.
    pub fn query_bbox(&self, layer: &LayerId, rect: Rect<f64>) -> Vec<&Area> {
        let Some((_, found)) = self.layer_position(layer) else {
            return Vec::new();
        };
        self.query_bbox_positions(layer, rect)
            .into_iter()
            .filter_map(|position| found.areas.get(position))
            .collect()
    }

    /// The tree entries of layer `layer_ix` whose bounding box meets `rect`.
    fn entries_in(&self, layer_ix: u32, rect: Rect<f64>) -> impl Iterator<Item = &PartEntry> {
        let (min, max) = (rect.min(), rect.max());
        let selection = InLayers {
            layers: layer_bit(layer_ix),
            aabb: AABB::from_corners([min.x, min.y], [max.x, max.y]),
        };
        self.tree
            .locate_with_selection_function(selection)
            // The layer's bit may be shared (layers from 63 on); its index is not.
            .filter(move |entry| entry.layer == layer_ix)
    }

    /// The positions (in the layer's `areas`, ascending) of the areas with a part whose
    /// bounding box intersects `rect`: a superset of [`Index::query_bbox_positions`] found from
    /// the tree alone, without testing geometry. For callers that test more cheaply themselves
    /// (the tile renderer clips anyway).
    pub fn query_bbox_candidates(&self, layer: &LayerId, rect: Rect<f64>) -> Vec<usize> {
        let Some((layer_ix, _)) = self.layer_position(layer) else {
            return Vec::new();
        };
        let mut positions: Vec<usize> = self
            .entries_in(layer_ix, rect)
            .map(|entry| entry.area as usize)
            .collect();
        positions.sort_unstable();
        positions.dedup();
        positions
    }

    /// Like [`Index::query_bbox`], but the areas' positions in the layer's `areas`, ascending:
    /// for callers that keep their own per-area data in the same order.
    pub fn query_bbox_positions(&self, layer: &LayerId, rect: Rect<f64>) -> Vec<usize> {
        let Some((layer_ix, layer)) = self.layer_position(layer) else {
            return Vec::new();
        };
        let mut candidates: Vec<(u32, u32)> = self
            .entries_in(layer_ix, rect)
            .map(|entry| (entry.area, entry.part))
            .collect();
        candidates.sort_unstable();

        let mut positions: Vec<usize> = Vec::new();
        let mut last_found = None;
        for (area_ix, part_ix) in candidates {
            if last_found == Some(area_ix) {
                continue;
            }
            let Some(area) = layer.areas.get(area_ix as usize) else {
                continue;
            };
            if part::leaf(&area.geometry, part_ix).is_some_and(|leaf| leaf.intersects(&rect)) {
                positions.push(area_ix as usize);
                last_found = Some(area_ix);
            }
        }
        positions
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use geo::Coord;
    use kvarter_core::{Dataset, LayerKind};

    use super::*;
    use crate::fixtures::{area, layer, line_area, multi_area, square, square_with_hole};

    fn ids(index: &Index, layer: &str, rect: Rect<f64>) -> Vec<String> {
        index
            .query_bbox(&layer.parse().unwrap(), rect)
            .iter()
            .map(|area| area.id.clone())
            .collect()
    }

    fn index() -> Index {
        Index::new(Dataset {
            version: "test".into(),
            layers: vec![
                layer(
                    "cells",
                    LayerKind::AdminUnit,
                    vec![
                        area("holed", square_with_hole(0.0, 10.0, 2.0, 8.0)),
                        multi_area(
                            "islands",
                            vec![square(20.0, 0.0, 21.0, 1.0), square(30.0, 0.0, 31.0, 1.0)],
                        ),
                        area("small", square(12.0, 0.0, 13.0, 1.0)),
                    ],
                ),
                layer(
                    "streets",
                    LayerKind::BaseMap,
                    vec![line_area(
                        "diagonal",
                        vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 10.0 }],
                    )],
                ),
            ],
        })
    }

    #[test]
    fn a_bbox_query_returns_the_intersecting_areas_of_one_layer_in_area_order() {
        let index = index();
        assert_eq!(
            ids(&index, "cells", Rect::new((9.0, 0.5), (30.5, 0.6))),
            ["holed", "islands", "small"]
        );
        assert_eq!(
            ids(&index, "cells", Rect::new((14.0, 0.0), (15.0, 1.0))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_area_with_several_intersecting_parts_is_returned_once() {
        let index = index();
        assert_eq!(
            ids(&index, "cells", Rect::new((19.0, -1.0), (32.0, 2.0))),
            ["islands"]
        );
    }

    #[test]
    fn a_bbox_inside_a_hole_misses_the_area_but_one_touching_the_hole_edge_hits() {
        let index = index();
        assert!(ids(&index, "cells", Rect::new((3.0, 3.0), (7.0, 7.0))).is_empty());
        assert_eq!(
            ids(&index, "cells", Rect::new((3.0, 3.0), (8.0, 7.0))),
            ["holed"]
        );
    }

    #[test]
    fn a_bbox_query_tests_lines_exactly_not_by_their_envelope() {
        let index = index();
        // Within the diagonal's envelope but off the line.
        assert!(ids(&index, "streets", Rect::new((6.0, 1.0), (9.0, 3.0))).is_empty());
        assert_eq!(
            ids(&index, "streets", Rect::new((4.0, 4.5), (5.0, 5.5))),
            ["diagonal"]
        );
        // Base maps are answered when asked for, and other layers are not mixed in.
        assert_eq!(
            ids(&index, "streets", Rect::new((-1.0, -1.0), (40.0, 40.0))),
            ["diagonal"]
        );
    }

    #[test]
    fn candidates_are_found_by_bounding_box_alone_and_include_every_exact_hit() {
        let index = index();
        let layer = "cells".parse().unwrap();
        // Inside the hole: the holed cell's box holds it, its geometry does not.
        let rect = Rect::new((3.0, 3.0), (7.0, 7.0));
        assert_eq!(index.query_bbox_candidates(&layer, rect), [0]);
        assert!(index.query_bbox_positions(&layer, rect).is_empty());
        let wide = Rect::new((9.0, 0.5), (30.5, 0.6));
        assert_eq!(index.query_bbox_candidates(&layer, wide), [0, 1, 2]);
        assert!(
            index
                .query_bbox_candidates(&"nowhere".parse().unwrap(), wide)
                .is_empty()
        );
    }

    #[test]
    fn an_unknown_layer_has_no_areas() {
        let index = index();
        assert!(ids(&index, "nowhere", Rect::new((-1.0, -1.0), (40.0, 40.0))).is_empty());
    }
}

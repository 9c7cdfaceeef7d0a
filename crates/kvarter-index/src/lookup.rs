//! Point lookups: every area, across layers, that contains a point (areas are closed sets, so
//! a point on a border is in the areas on both sides).

use std::borrow::Cow;
use std::ops::ControlFlow;

use geo::Coord;
use kvarter_core::{Area, Date, Layer, LayerId, LayerMeta};
use rstar::AABB;
use rstar::iterators::select_nodes;

use crate::Index;
use crate::layer_box::{InLayers, layer_mask};
use crate::part::PartEntry;
use crate::prepared::{Band, Bands, Position};

/// Which layers a lookup answers from.
#[derive(Debug, Clone, Default)]
pub struct LookupQuery {
    /// Only these layers (any kind, base maps included if named). `None` = every layer whose
    /// `kind.in_default_lookup()` (all but base maps). Ids of layers the dataset does not hold
    /// match nothing.
    pub layers: Option<Vec<LayerId>>,
    /// Only designation layers in force on this day (`meta.in_force_on(day)`); non-designation
    /// layers are not filtered by date.
    pub at: Option<Date>,
}

impl LookupQuery {
    /// Whether the query answers from the layer described by `meta`: named (or, with no names,
    /// not a base map), and — with `at` — in force that day if it is a designation. The one
    /// statement of the rule: the index filters hits by it, and answers list layers by it.
    pub fn selects(&self, meta: &LayerMeta) -> bool {
        let named = match &self.layers {
            Some(ids) => ids.contains(&meta.id),
            None => meta.kind.in_default_lookup(),
        };
        let in_force = self
            .at
            .is_none_or(|day| !meta.kind.is_designation() || meta.in_force_on(day));
        named && in_force
    }
}

/// One area that contains the looked-up point.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    /// The area's layer.
    pub layer: &'a Layer,
    /// The area.
    pub area: &'a Area,
    /// The point lies exactly on the area's boundary (an edge or a vertex).
    pub on_boundary: bool,
    /// The layer's position, as the index stores it (`u32`, so that a hit is no bigger than
    /// the `(layer, area, on_boundary)` triple it is made from and the lookup's last `collect`
    /// reuses that allocation; a `usize` here cost 4 % more instructions per lookup).
    layer_position: u32,
}

impl Hit<'_> {
    /// The layer's position in the dataset (in [`Index::layers`]): what per-layer work is keyed
    /// by, without comparing layers.
    pub fn position(&self) -> usize {
        // Lossless: positions are below 2³² (see `Index::new`), and usize is at least 32 bits.
        self.layer_position as usize
    }
}

impl Index {
    /// Every area containing `point` (lon/lat), in layer order then area order.
    ///
    /// Areas are closed: a point exactly on an edge or vertex (of the exterior or of a hole) is
    /// in the area, with `on_boundary: true`; a point inside a hole is not. For an area of
    /// several parts, a point inside one part is inside the area even when it also lies on
    /// another part's boundary. Lines never contain a point.
    pub fn lookup(&self, point: Coord<f64>, query: &LookupQuery) -> Vec<Hit<'_>> {
        let layers = self.layer_filter(query);
        let wanted = layer_mask(&layers);
        if wanted == 0 {
            return Vec::new();
        }
        // `(layer, area, on_boundary)`, by position; `usize` so that it has the size and alignment
        // of a `Hit` and the final `collect` can reuse the allocation.
        let mut found: Vec<(usize, usize, bool)> = Vec::new();
        let mut pending = Pending::default();
        let selection = InLayers {
            layers: wanted,
            aabb: AABB::from_point([point.x, point.y]),
        };
        let mut visit = |entry: &PartEntry| {
            // The mask is exact for layers below 63; this read is exact for every layer.
            if let (true, Some(banding)) = (layers[entry.layer as usize], entry.polygon) {
                let (min_y, max_y) = (entry.aabb.lower()[1], entry.aabb.upper()[1]);
                let band = self.bands.band(banding, min_y, max_y, point.y);
                pending.push(entry.layer, entry.area, band);
                if pending.is_full() {
                    pending.test(&self.bands, point, &mut found);
                }
            }
            ControlFlow::<()>::Continue(())
        };
        // rstar's internal-iteration walk (what its `locate_*_int` methods run), not the
        // iterator of `locate_with_selection_function`: with the iterator, lookups on the
        // benchmarks were about 30 % slower.
        let _ = select_nodes(self.tree.root(), &selection, &mut visit);
        pending.test(&self.bands, point, &mut found);
        // Per area, `false` (inside some part) sorts first and survives the dedup.
        found.sort_unstable();
        found.dedup_by_key(|&mut (layer, area, _)| (layer, area));
        found
            .into_iter()
            .map(|(position, area, on_boundary)| {
                let layer = &self.dataset.layers[position];
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "positions come from the index's u32 entries"
                )]
                let layer_position = position as u32;
                Hit {
                    layer,
                    area: &layer.areas[area],
                    on_boundary,
                    layer_position,
                }
            })
            .collect()
    }

    /// One `bool` per layer: whether `query` answers from it.
    fn layer_filter(&self, query: &LookupQuery) -> Cow<'_, [bool]> {
        if query.layers.is_none() && query.at.is_none() {
            return Cow::Borrowed(&self.default_layers);
        }
        Cow::Owned(
            self.dataset
                .layers
                .iter()
                .map(|layer| query.selects(&layer.meta))
                .collect(),
        )
    }
}

/// Candidate polygons whose band is known but whose edges are not read yet.
///
/// Finding a candidate's band reads its band offsets; reading its edges is a second, dependent
/// memory access. Collecting a few candidates before testing any lets the CPU fetch the offsets
/// of all of them (and walk the tree) while earlier fetches are still in flight. On the synthetic
/// benchmark, where most of a lookup is spent waiting for memory, this cut the time per lookup
/// by 10–20 %.
#[derive(Default)]
struct Pending {
    len: usize,
    /// `(layer, area, the polygon's band of the point)`.
    items: [(u32, u32, Band); Pending::CAPACITY],
}

impl Pending {
    const CAPACITY: usize = 16;

    fn push(&mut self, layer: u32, area: u32, band: Band) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = (layer, area, band);
            self.len += 1;
        }
    }

    fn is_full(&self) -> bool {
        self.len == Self::CAPACITY
    }

    /// Tests `point` against every pending candidate, records the hits in `found` and empties
    /// the list.
    fn test(&mut self, bands: &Bands, point: Coord<f64>, found: &mut Vec<(usize, usize, bool)>) {
        for &(layer, area, band) in &self.items[..self.len] {
            let (layer, area) = (layer as usize, area as usize);
            match bands.position(band, point) {
                Position::Inside => found.push((layer, area, false)),
                Position::Boundary => found.push((layer, area, true)),
                Position::Outside => {}
            }
        }
        self.len = 0;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use kvarter_core::{Dataset, LayerKind};

    use super::*;
    use crate::fixtures::{
        area, day, designation, layer, line_area, multi_area, ring, square, square_with_hole,
    };

    fn at(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    /// `(layer id, area id, on_boundary)` of each hit.
    fn found(index: &Index, point: Coord<f64>, query: &LookupQuery) -> Vec<(String, String, bool)> {
        index
            .lookup(point, query)
            .iter()
            .map(|hit| {
                (
                    hit.layer.meta.id.to_string(),
                    hit.area.id.clone(),
                    hit.on_boundary,
                )
            })
            .collect()
    }

    fn hit(layer: &str, area: &str, on_boundary: bool) -> (String, String, bool) {
        (layer.to_owned(), area.to_owned(), on_boundary)
    }

    /// Two neighbouring squares `west` [0,1]² and `east` [1,2]×[0,1], and `holed` [3,7]² with
    /// the hole [4,6]².
    fn neighbours() -> Index {
        Index::new(Dataset {
            version: "test".into(),
            layers: vec![
                layer(
                    "cells",
                    LayerKind::AdminUnit,
                    vec![
                        area("west", square(0.0, 0.0, 1.0, 1.0)),
                        area("east", square(1.0, 0.0, 2.0, 1.0)),
                    ],
                ),
                layer(
                    "holed",
                    LayerKind::AdminUnit,
                    vec![area("ring", square_with_hole(3.0, 7.0, 4.0, 6.0))],
                ),
            ],
        })
    }

    #[test]
    fn a_point_inside_one_area_is_found_there_only() {
        let index = neighbours();
        assert_eq!(
            found(&index, at(0.5, 0.5), &LookupQuery::default()),
            vec![hit("cells", "west", false)]
        );
        assert!(found(&index, at(10.0, 10.0), &LookupQuery::default()).is_empty());
    }

    #[test]
    fn a_point_on_a_shared_border_is_in_both_neighbours() {
        let index = neighbours();
        assert_eq!(
            found(&index, at(1.0, 0.25), &LookupQuery::default()),
            vec![hit("cells", "west", true), hit("cells", "east", true)]
        );
    }

    #[test]
    fn a_point_on_a_shared_vertex_is_in_both_neighbours() {
        let index = neighbours();
        for point in [at(1.0, 0.0), at(1.0, 1.0)] {
            assert_eq!(
                found(&index, point, &LookupQuery::default()),
                vec![hit("cells", "west", true), hit("cells", "east", true)]
            );
        }
        assert_eq!(
            found(&index, at(0.0, 1.0), &LookupQuery::default()),
            vec![hit("cells", "west", true)]
        );
    }

    #[test]
    fn a_point_inside_a_hole_is_outside_the_area() {
        let index = neighbours();
        assert!(found(&index, at(5.0, 5.0), &LookupQuery::default()).is_empty());
        assert_eq!(
            found(&index, at(3.5, 5.0), &LookupQuery::default()),
            vec![hit("holed", "ring", false)]
        );
    }

    #[test]
    fn a_point_on_a_holes_edge_or_vertex_is_on_the_areas_boundary() {
        let index = neighbours();
        for point in [at(4.0, 5.0), at(5.0, 6.0), at(6.0, 4.0), at(4.0, 4.0)] {
            assert_eq!(
                found(&index, point, &LookupQuery::default()),
                vec![hit("holed", "ring", true)],
                "{point:?}"
            );
        }
        assert_eq!(
            found(&index, at(7.0, 3.0), &LookupQuery::default()),
            vec![hit("holed", "ring", true)]
        );
    }

    #[test]
    fn each_part_of_a_multipolygon_contains_its_points_and_the_gap_does_not() {
        let index = Index::new(Dataset {
            version: "test".into(),
            layers: vec![layer(
                "islands",
                LayerKind::AdminUnit,
                vec![multi_area(
                    "amager",
                    vec![
                        square(0.0, 0.0, 1.0, 1.0),
                        square(2.0, 0.0, 3.0, 1.0),
                        square(1.0, 1.0, 2.0, 2.0),
                    ],
                )],
            )],
        });
        let query = LookupQuery::default();
        assert_eq!(
            found(&index, at(0.5, 0.5), &query),
            vec![hit("islands", "amager", false)]
        );
        assert_eq!(
            found(&index, at(2.5, 0.5), &query),
            vec![hit("islands", "amager", false)]
        );
        assert!(found(&index, at(1.5, 0.5), &query).is_empty());
        // The parts touch at (1, 1) and (2, 1): reported once, on the boundary.
        assert_eq!(
            found(&index, at(1.0, 1.0), &query),
            vec![hit("islands", "amager", true)]
        );
        assert_eq!(
            found(&index, at(2.0, 1.0), &query),
            vec![hit("islands", "amager", true)]
        );
    }

    #[test]
    fn hits_come_in_layer_order_then_area_order() {
        let index = Index::new(Dataset {
            version: "test".into(),
            layers: vec![
                layer(
                    "b-first",
                    LayerKind::AdminUnit,
                    vec![area("z", square(0.0, 0.0, 4.0, 4.0))],
                ),
                layer(
                    "a-second",
                    LayerKind::AdminUnit,
                    vec![
                        area("y", square(0.0, 0.0, 2.0, 2.0)),
                        area("x", square(0.0, 0.0, 3.0, 3.0)),
                    ],
                ),
            ],
        });
        assert_eq!(
            found(&index, at(1.0, 1.0), &LookupQuery::default()),
            vec![
                hit("b-first", "z", false),
                hit("a-second", "y", false),
                hit("a-second", "x", false)
            ]
        );
    }

    fn with_base_map() -> Index {
        Index::new(Dataset {
            version: "test".into(),
            layers: vec![
                layer(
                    "kommune",
                    LayerKind::AdminUnit,
                    vec![area("kk", square(0.0, 0.0, 4.0, 4.0))],
                ),
                layer(
                    "blocks",
                    LayerKind::BaseMap,
                    vec![area("block", square(1.0, 1.0, 2.0, 2.0))],
                ),
                layer(
                    "streets",
                    LayerKind::BaseMap,
                    vec![line_area("street", vec![at(0.0, 1.5), at(4.0, 1.5)])],
                ),
            ],
        })
    }

    #[test]
    fn base_maps_are_left_out_by_default_but_answered_when_named() {
        let index = with_base_map();
        assert_eq!(
            found(&index, at(1.5, 1.25), &LookupQuery::default()),
            vec![hit("kommune", "kk", false)]
        );
        let named = LookupQuery {
            layers: Some(vec!["blocks".parse().unwrap()]),
            at: None,
        };
        assert_eq!(
            found(&index, at(1.5, 1.25), &named),
            vec![hit("blocks", "block", false)]
        );
    }

    #[test]
    fn lines_never_contain_a_point_even_one_on_the_line() {
        let index = with_base_map();
        let streets = LookupQuery {
            layers: Some(vec!["streets".parse().unwrap(), "kommune".parse().unwrap()]),
            at: None,
        };
        for (point, on_kommune_border) in [
            (at(3.0, 1.5), false),
            (at(0.0, 1.5), true),
            (at(4.0, 1.5), true),
        ] {
            assert_eq!(
                found(&index, point, &streets),
                vec![hit("kommune", "kk", on_kommune_border)]
            );
        }
    }

    #[test]
    fn the_layer_filter_answers_only_from_the_named_layers() {
        let index = neighbours();
        let holed_only = LookupQuery {
            layers: Some(vec!["holed".parse().unwrap()]),
            at: None,
        };
        assert!(found(&index, at(0.5, 0.5), &holed_only).is_empty());
        assert_eq!(
            found(&index, at(3.5, 3.5), &holed_only),
            vec![hit("holed", "ring", false)]
        );
        let unknown = LookupQuery {
            layers: Some(vec!["no-such-layer".parse().unwrap()]),
            at: None,
        };
        assert!(found(&index, at(0.5, 0.5), &unknown).is_empty());
        let none = LookupQuery {
            layers: Some(vec![]),
            at: None,
        };
        assert!(found(&index, at(0.5, 0.5), &none).is_empty());
    }

    #[test]
    fn the_date_filter_keeps_designations_in_force_on_that_day_and_every_other_layer() {
        let index = Index::new(Dataset {
            version: "test".into(),
            layers: vec![
                designation(
                    "udsatte-2017",
                    Some("2017-06-22"),
                    Some("2025-07-01"),
                    ring(),
                ),
                designation("udsatte-2025", Some("2025-07-01"), None, ring()),
                designation("undated", None, None, ring()),
                layer("bydele", LayerKind::AdminUnit, vec![area("b", ring())]),
            ],
        });
        let on = |date: &str| LookupQuery {
            layers: None,
            at: Some(day(date)),
        };
        let ids = |query: &LookupQuery| -> Vec<String> {
            found(&index, at(0.5, 0.5), query)
                .into_iter()
                .map(|(layer, _, _)| layer)
                .collect()
        };
        assert_eq!(ids(&on("2016-01-01")), ["undated", "bydele"]);
        assert_eq!(
            ids(&on("2017-06-22")),
            ["udsatte-2017", "undated", "bydele"]
        );
        assert_eq!(
            ids(&on("2025-06-30")),
            ["udsatte-2017", "undated", "bydele"]
        );
        assert_eq!(
            ids(&on("2025-07-01")),
            ["udsatte-2025", "undated", "bydele"]
        );
        assert_eq!(
            ids(&LookupQuery::default()),
            ["udsatte-2017", "udsatte-2025", "undated", "bydele"]
        );
        let named_and_dated = LookupQuery {
            layers: Some(vec![
                "udsatte-2017".parse().unwrap(),
                "bydele".parse().unwrap(),
            ]),
            at: Some(day("2030-01-01")),
        };
        assert_eq!(ids(&named_and_dated), ["bydele"]);
    }

    #[test]
    fn a_point_in_many_overlapping_areas_finds_them_all() {
        // More candidates than one batch of pending tests holds.
        let areas = (0..40)
            .map(|i| area(&format!("a{i:02}"), square(-f64::from(i), -1.0, 1.0, 1.0)))
            .collect();
        let index = Index::new(Dataset {
            version: "test".into(),
            layers: vec![layer("stack", LayerKind::AdminUnit, areas)],
        });
        let hits = found(&index, at(0.0, 0.0), &LookupQuery::default());
        let expected: Vec<_> = (0..40)
            // a00 is [0, 1] × [-1, 1]: (0, 0) is on its western edge.
            .map(|i| hit("stack", &format!("a{i:02}"), i == 0))
            .collect();
        assert_eq!(hits, expected);
    }

    #[test]
    fn layers_beyond_the_63rd_share_a_mask_bit_but_are_answered_only_when_wanted() {
        // Layer `i` is the square [i, i + 2] × [0, 1]: the point (66.5, 0.5) is in layers 65
        // and 66, the point (1.5, 0.5) in layers 0 and 1.
        let layers = (0..70)
            .map(|i| {
                let x = f64::from(i);
                layer(
                    &format!("l{i:02}"),
                    LayerKind::AdminUnit,
                    vec![area(&format!("a{i:02}"), square(x, 0.0, x + 2.0, 1.0))],
                )
            })
            .collect();
        let index = Index::new(Dataset {
            version: "test".into(),
            layers,
        });
        let only = |ids: &[&str]| LookupQuery {
            layers: Some(ids.iter().map(|id| id.parse().unwrap()).collect()),
            at: None,
        };
        assert_eq!(
            found(&index, at(66.5, 0.5), &LookupQuery::default()),
            vec![hit("l65", "a65", false), hit("l66", "a66", false)]
        );
        assert_eq!(
            found(&index, at(66.5, 0.5), &only(&["l66", "l01"])),
            vec![hit("l66", "a66", false)]
        );
        assert!(found(&index, at(66.5, 0.5), &only(&["l68"])).is_empty());
        assert_eq!(
            found(&index, at(1.5, 0.5), &only(&["l01", "l66"])),
            vec![hit("l01", "a01", false)]
        );
        let rect = geo::Rect::new((66.5, 0.25), (67.5, 0.75));
        let areas = index.query_bbox(&"l66".parse().unwrap(), rect);
        assert_eq!(areas.len(), 1);
        assert_eq!(areas[0].id, "a66");
        assert!(index.query_bbox(&"l68".parse().unwrap(), rect).is_empty());
    }

    #[test]
    fn areas_with_unusable_geometry_are_never_found_and_do_not_break_the_index() {
        let index = Index::new(Dataset {
            version: "test".into(),
            layers: vec![layer(
                "odd",
                LayerKind::AdminUnit,
                vec![
                    area("nan", square(0.0, 0.0, f64::NAN, 1.0)),
                    multi_area("empty", vec![]),
                    area("good", square(0.0, 0.0, 1.0, 1.0)),
                ],
            )],
        });
        assert_eq!(
            found(&index, at(0.5, 0.5), &LookupQuery::default()),
            vec![hit("odd", "good", false)]
        );
        assert!(found(&index, at(f64::NAN, 0.5), &LookupQuery::default()).is_empty());
    }
}

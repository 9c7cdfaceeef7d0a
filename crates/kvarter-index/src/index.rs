//! The index: one bulk-loaded R-tree over every part of every area of every layer of a dataset,
//! with the prepared polygons that answer point lookups.

use std::collections::HashMap;
use std::fmt;

use kvarter_core::{Dataset, Layer, LayerId};
use rstar::RTree;

use crate::part::{self, PartEntry};
use crate::prepared::Bands;

/// A dataset with one R-tree over all its layers, answering point lookups
/// ([`Index::lookup`]) and bbox queries ([`Index::query_bbox`]).
///
/// Built once at start-up and then only read, so it can be shared behind an `Arc`.
///
/// # Pipeline
///
/// [`Index::new`] runs once:
///
/// 1. **Split** every area's geometry into parts: each polygon of a `MultiPolygon` (a `Polygon`,
///    `Rect` or `Triangle` is one part), each line string of a `MultiLineString`, each member of a
///    collection. Areas with many parts (islands) thus get one tight envelope per part.
/// 2. **Prepare** every polygon part for repeated point tests: its edges (exterior and holes)
///    are bucketed into equal horizontal bands of its y-range, about one band per two edges
///    (fewer when long edges would be copied into too many bands). All polygons' bands share two
///    flat arrays (see `prepared`).
/// 3. **Bulk-load** one `rstar::RTree` with one entry per part: its bounding box, its layer index
///    and area index (`u32`), its part number and where its bands are. Lines get entries too,
///    for bbox queries, but no bands. Parts without coordinates or with a non-finite coordinate
///    are left out of the tree. The tree's envelope is a `LayerBox` (see `layer_box`): the
///    bounding box plus a 64-bit mask of layers (bit *i* = layer *i*; layers from 63 on share
///    bit 63), merged by union, so every node knows which layers lie beneath it. The boxes
///    alone decide the tree's shape, exactly as with plain boxes.
///
/// [`Index::lookup`] then runs per query:
///
/// 1. **Filter layers**: one `bool` per layer, computed once per query (the default query's is
///    cached), and from it the mask of wanted layers.
/// 2. **Search** the tree for entries whose bounding box contains the point, entering only
///    subtrees whose mask shares a bit with the wanted mask (a default lookup thus skips
///    subtrees of base-map parts alone) and checking each entry's layer exactly with one
///    array read.
/// 3. **Test** each candidate polygon part against the edges of the point's band only (the band
///    is computed from the entry's bounding box, so the test reads just that band's offsets and
///    edges): an exact on-edge test (→ `on_boundary`), else the crossing number of a ray
///    towards +x.
/// 4. **Merge** the parts of each area (inside any part wins over on a part's boundary) and
///    order the hits by layer, then area.
///
/// [`Index::query_bbox`] searches the tree with the rectangle, entering only subtrees whose mask
/// holds the layer's bit, keeps the layer's entries, tests each part exactly with
/// `geo::Intersects`, and returns each area once, in the layer's order.
pub struct Index {
    pub(crate) dataset: Dataset,
    pub(crate) tree: RTree<PartEntry>,
    pub(crate) bands: Bands,
    /// Which layers a default [`crate::LookupQuery`] answers from.
    pub(crate) default_layers: Vec<bool>,
    /// Layer id → position in the dataset.
    positions: HashMap<String, usize>,
}

impl Index {
    /// Builds the index over every area of every layer of `dataset` and takes ownership of it.
    ///
    /// Never fails: parts that cannot be indexed (no coordinates, a non-finite coordinate) are
    /// left out, so such areas are never found. Layers and areas beyond the 2³²nd are not
    /// indexed either.
    pub fn new(dataset: Dataset) -> Index {
        let mut entries = Vec::new();
        let mut bands = Bands::default();
        let mut parts = Vec::new();
        for (layer, layer_ix) in dataset.layers.iter().zip(0_u32..) {
            for (area, area_ix) in layer.areas.iter().zip(0_u32..) {
                parts.clear();
                part::leaves(&area.geometry, &mut parts);
                for (leaf, part_ix) in parts.iter().zip(0_u32..) {
                    let (rect, polygon) = match leaf.polygon() {
                        Some(polygon) => match bands.prepare(&polygon) {
                            Some((rect, banding)) => (rect, Some(banding)),
                            None => continue,
                        },
                        None => match leaf.bounding_rect() {
                            Some(rect) => (rect, None),
                            None => continue,
                        },
                    };
                    let Some(aabb) = part::envelope(rect) else {
                        continue;
                    };
                    entries.push(PartEntry {
                        aabb,
                        layer: layer_ix,
                        area: area_ix,
                        part: part_ix,
                        polygon,
                    });
                }
            }
        }
        let default_layers = dataset
            .layers
            .iter()
            .map(|layer| layer.meta.kind.in_default_lookup())
            .collect();
        let positions = dataset
            .layers
            .iter()
            .enumerate()
            // Reversed, so that of two layers with one id the first wins, as in `Dataset::layer`.
            .rev()
            .map(|(ix, layer)| (layer.meta.id.to_string(), ix))
            .collect();
        Index {
            tree: RTree::bulk_load(entries),
            bands,
            default_layers,
            positions,
            dataset,
        }
    }

    /// The dataset the index was built over.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The dataset's layers, in manifest order.
    pub fn layers(&self) -> &[Layer] {
        &self.dataset.layers
    }

    /// The layer with the given id.
    pub fn layer(&self, id: &LayerId) -> Option<&Layer> {
        self.position(id.as_str())
            .map(|ix| &self.dataset.layers[ix])
    }

    /// The position in [`Index::layers`] of the layer with id `id` (any text: a text that is
    /// no layer id finds nothing). Positions are what the rest of Kvarter keys per-layer work
    /// by (tiles, joins, summaries); this is the one place an id becomes one.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.positions.get(id).copied()
    }

    /// The position and the layer with the given id.
    pub(crate) fn layer_position(&self, id: &LayerId) -> Option<(u32, &Layer)> {
        let ix = self.position(id.as_str())?;
        Some((u32::try_from(ix).ok()?, &self.dataset.layers[ix]))
    }
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index")
            .field("version", &self.dataset.version)
            .field("layers", &self.dataset.layers.len())
            .field("entries", &self.tree.size())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Index>();
    }

    #[test]
    fn an_empty_dataset_makes_an_empty_index() {
        let index = Index::new(Dataset {
            version: "empty".into(),
            layers: vec![],
        });
        assert!(index.layers().is_empty());
        assert_eq!(index.tree.size(), 0);
        assert!(
            index
                .lookup(
                    geo::Coord { x: 12.5, y: 55.7 },
                    &crate::LookupQuery::default()
                )
                .is_empty()
        );
    }
}

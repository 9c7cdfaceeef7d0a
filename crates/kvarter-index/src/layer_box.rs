//! Layer boxes: the R-tree's envelope, a bounding box plus the set of layers found under it, so
//! a search that wants only some layers skips every subtree that holds none of them.

use rstar::{AABB, Envelope, Point, RTreeObject, SelectionFunction};

use crate::part::PartEntry;

/// A set of layers as a bit mask: bit `i` stands for layer `i`, and layers 63 and beyond all
/// share bit 63.
///
/// Sharing a bit only makes pruning more conservative (a subtree is searched when it holds
/// *some* layer of bit 63), never wrong; the exact per-layer test is left to the caller.
pub(crate) type LayerMask = u64;

/// The bit of layer `layer` (the layer's index in the dataset).
pub(crate) fn layer_bit(layer: u32) -> LayerMask {
    1 << layer.min(LayerMask::BITS - 1)
}

/// The mask of the layers that `wanted` (one `bool` per layer, in dataset order) marks.
pub(crate) fn layer_mask(wanted: &[bool]) -> LayerMask {
    wanted
        .iter()
        .zip(0_u32..)
        .filter(|&(&wanted, _)| wanted)
        .fold(0, |mask, (_, layer)| mask | layer_bit(layer))
}

/// The envelope of the R-tree: an axis-aligned box and the layers of the entries it bounds.
///
/// Every geometric method is the box's own, so the tree bulk-loads into exactly the shape it
/// would have over plain boxes; merging two layer boxes also unites their layer sets, so each
/// parent node knows which layers lie anywhere beneath it.
///
/// rstar documents [`Envelope`] as "not meant to be implemented by the user"; it is a public
/// trait nonetheless, and this implementation follows [`AABB`]'s method by method. Check it
/// again when upgrading rstar (a new required method, or a new use of `sort_envelopes`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LayerBox {
    pub(crate) aabb: AABB<[f64; 2]>,
    pub(crate) layers: LayerMask,
}

/// The lower corner's coordinate on `axis`, by which rstar sorts and partitions envelopes when
/// it bulk-loads (as [`AABB`] does). Coordinates in the tree are finite, so `total_cmp` orders
/// them as `partial_cmp` would, without an `unwrap`.
fn lower_on<T: RTreeObject<Envelope = LayerBox>>(axis: usize, object: &T) -> f64 {
    object.envelope().aabb.lower().nth(axis)
}

impl Envelope for LayerBox {
    type Point = [f64; 2];

    fn new_empty() -> Self {
        LayerBox {
            aabb: AABB::new_empty(),
            layers: 0,
        }
    }

    fn contains_point(&self, point: &[f64; 2]) -> bool {
        self.aabb.contains_point(point)
    }

    fn contains_envelope(&self, other: &Self) -> bool {
        self.aabb.contains_envelope(&other.aabb)
    }

    fn merge(&mut self, other: &Self) {
        self.aabb.merge(&other.aabb);
        self.layers |= other.layers;
    }

    fn merged(&self, other: &Self) -> Self {
        LayerBox {
            aabb: self.aabb.merged(&other.aabb),
            layers: self.layers | other.layers,
        }
    }

    fn intersects(&self, other: &Self) -> bool {
        self.aabb.intersects(&other.aabb)
    }

    fn intersection_area(&self, other: &Self) -> f64 {
        self.aabb.intersection_area(&other.aabb)
    }

    fn area(&self) -> f64 {
        self.aabb.area()
    }

    fn distance_2(&self, point: &[f64; 2]) -> f64 {
        self.aabb.distance_2(point)
    }

    fn min_max_dist_2(&self, point: &[f64; 2]) -> f64 {
        self.aabb.min_max_dist_2(point)
    }

    fn center(&self) -> [f64; 2] {
        self.aabb.center()
    }

    fn perimeter_value(&self) -> f64 {
        self.aabb.perimeter_value()
    }

    fn sort_envelopes<T: RTreeObject<Envelope = Self>>(axis: usize, envelopes: &mut [T]) {
        envelopes.sort_unstable_by(|l, r| lower_on(axis, l).total_cmp(&lower_on(axis, r)));
    }

    fn partition_envelopes<T: RTreeObject<Envelope = Self>>(
        axis: usize,
        envelopes: &mut [T],
        selection_size: usize,
    ) {
        envelopes.select_nth_unstable_by(selection_size, |l, r| {
            lower_on(axis, l).total_cmp(&lower_on(axis, r))
        });
    }
}

/// Selects the entries of some layers whose box intersects a box: for a point lookup, the
/// point's own (degenerate) box, which intersects exactly the boxes that contain the point.
///
/// A subtree is entered only when it holds one of the layers *and* its box intersects, so a
/// default lookup never descends into a subtree of base-map parts alone.
pub(crate) struct InLayers {
    /// The layers to select.
    pub(crate) layers: LayerMask,
    /// The box entries must intersect.
    pub(crate) aabb: AABB<[f64; 2]>,
}

impl SelectionFunction<PartEntry> for InLayers {
    #[inline]
    fn should_unpack_parent(&self, envelope: &LayerBox) -> bool {
        envelope.layers & self.layers != 0 && envelope.aabb.intersects(&self.aabb)
    }

    #[inline]
    fn should_unpack_leaf(&self, entry: &PartEntry) -> bool {
        layer_bit(entry.layer) & self.layers != 0 && entry.aabb.intersects(&self.aabb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer_box(x0: f64, y0: f64, x1: f64, y1: f64, layers: LayerMask) -> LayerBox {
        LayerBox {
            aabb: AABB::from_corners([x0, y0], [x1, y1]),
            layers,
        }
    }

    #[test]
    fn merging_layer_boxes_unites_both_the_boxes_and_the_layers() {
        let a = layer_box(0.0, 0.0, 1.0, 1.0, 0b01);
        let b = layer_box(2.0, -1.0, 3.0, 0.5, 0b10);
        let merged = a.merged(&b);
        assert_eq!(merged, layer_box(0.0, -1.0, 3.0, 1.0, 0b11));
        let mut merged_in_place = LayerBox::new_empty();
        merged_in_place.merge(&a);
        merged_in_place.merge(&b);
        assert_eq!(merged_in_place, merged);
    }

    #[test]
    fn the_empty_layer_box_holds_no_layer_and_merges_into_the_other_box() {
        let a = layer_box(0.0, 0.0, 1.0, 1.0, 0b100);
        assert_eq!(LayerBox::new_empty().layers, 0);
        assert_eq!(LayerBox::new_empty().merged(&a), a);
    }

    #[test]
    fn layers_from_63_on_share_the_last_bit() {
        assert_eq!(layer_bit(0), 1);
        assert_eq!(layer_bit(62), 1 << 62);
        assert_eq!(layer_bit(63), 1 << 63);
        assert_eq!(layer_bit(64), 1 << 63);
        assert_eq!(layer_bit(u32::MAX), 1 << 63);
        let mut wanted = vec![false; 70];
        wanted[1] = true;
        wanted[68] = true;
        assert_eq!(layer_mask(&wanted), 0b10 | 1 << 63);
        assert_eq!(layer_mask(&[false, false]), 0);
    }
}

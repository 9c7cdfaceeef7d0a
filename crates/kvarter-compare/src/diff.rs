//! Computing the diff: matching the areas of two layers by overlap and measuring what was kept,
//! removed and added, pair by pair, area by area and for the layers as wholes.

use std::borrow::Cow;
use std::collections::HashSet;

use geo::{Area as _, MultiPolygon};
use kvarter_core::{Layer, LayerId};
use kvarter_crs::CrsError;
use kvarter_overlay::{OverlayError, Projected, difference, intersection, to_wgs84};

use crate::report::{
    AreaStatus, Change, Comparison, FromArea, LayerRef, Match, Pair, Piece, Summary, ToArea,
    weakest,
};

/// The smallest overlap, in m², that can count as a match whatever the areas' sizes.
pub const SLIVER_MIN_M2: f64 = 1.0;
/// The share of the smaller of two areas below which their overlap is a sliver.
pub const SLIVER_SHARE: f64 = 0.001;

/// Why two layers cannot be compared. Every variant names the layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    /// A layer cannot be overlaid: it holds lines (streets), which have no area — compare
    /// designation or unit layers — or an area has a coordinate that cannot be projected to
    /// EPSG:25832 (it lies off the globe; repair the layer before comparing). See
    /// [`OverlayError`]; its message names the layer.
    #[error(transparent)]
    Overlay(#[from] OverlayError),
    /// A piece of the result cannot be projected back to EPSG:4326. Does not happen for areas
    /// that projected to EPSG:25832; report it as a bug with the two layers.
    #[error(
        "layer {layer}, area {area}: a piece of the comparison cannot be projected back to EPSG:4326"
    )]
    BackProjection {
        /// The layer the piece's area belongs to.
        layer: LayerId,
        /// The area's id.
        area: String,
        /// The cause.
        #[source]
        source: CrsError,
    },
    /// Two areas of the layer share an id, so the comparison could not say which is which;
    /// give every area a unique id (re-import the layer).
    #[error("layer {layer} has more than one area with id {area:?}")]
    DuplicateAreaId {
        /// The layer.
        layer: LayerId,
        /// The repeated id.
        area: String,
    },
    /// The projection passed with the layer was built from another layer (or another version
    /// of it): build it with `Projected::new(layer)` from the same layer.
    #[error(
        "the projection passed for layer {layer} was built from layer {projected} with {projected_areas} areas, not from this layer with {areas} areas"
    )]
    ProjectionMismatch {
        /// The layer.
        layer: LayerId,
        /// The layer the projection was built from.
        projected: LayerId,
        /// How many areas the layer has.
        areas: usize,
        /// How many areas the projection has.
        projected_areas: usize,
    },
}

/// Compares two area layers: what of `from` was kept, removed and added in `to`, with areas
/// matched across the layers by overlap, not by name.
///
/// Projects both layers to EPSG:25832 and calls [`compare_projected`]; callers that keep
/// projections (per data version) should call that instead. The steps:
///
/// 1. **Project** both layers to EPSG:25832 (metres), each with an R-tree over its areas'
///    bounding boxes. Every m² below is a planar area in EPSG:25832.
/// 2. **Pairs.** For every `from` area, the `to` areas whose bounding box meets its own are
///    candidates; each candidate is intersected exactly, and those with an intersection of
///    area > 0 are pairs. For a pair, `kept` = area(f ∩ t), `removed` = area(f − t) and
///    `added` = area(t − f), each from its own boolean operation, so kept + removed = area(f)
///    and kept + added = area(t) are checks on the geometry, not true by construction. A pair
///    whose overlap is below max([`SLIVER_MIN_M2`], [`SLIVER_SHARE`] × the smaller area) is a
///    sliver: counted in every total, but not a match.
/// 3. **Areas.** Each `from` area's kept and removed parts are f ∩ U and f − U, where U is the
///    union of the `to` areas it pairs with (the other `to` areas do not meet it, so U stands
///    in for all of ⋃to at a fraction of the cost); likewise each `to` area's kept and added
///    parts against its `from` partners. An area with no non-sliver pair is `dropped` (from)
///    or `new` (to); its best match is its largest overlap, and a best match naming other
///    places marks it renamed ("Husum/Tingbjerg" and "Tingbjerg/Husum" name the same).
/// 4. **Summary.** Each layer's union is computed once (and cached in its [`Projected`]);
///    kept = area(⋃from ∩ ⋃to), added = area(⋃to − ⋃from), removed = area(⋃from − ⋃to).
/// 5. **Pieces.** Each pair's f ∩ t (kept), each `from` area's f − U (removed) and each `to`
///    area's t − U (added), reusing the geometry of steps 2–3, projected back to EPSG:4326;
///    empty pieces are left out.
/// 6. **Provenance.** Each side's metadata is copied into a [`LayerRef`], and the comparison
///    takes the weakest status of the two (a reconstructed side makes it `reconstructed`).
///
/// # Errors
/// [`CompareError::Overlay`] if either layer holds lines, [`CompareError::DuplicateAreaId`]
/// if either layer repeats an area id, or if a coordinate cannot be
/// projected.
pub fn compare(from: &Layer, to: &Layer) -> Result<Comparison, CompareError> {
    let from_projected = Projected::new(from)?;
    let to_projected = Projected::new(to)?;
    compare_projected(from, &from_projected, to, &to_projected)
}

/// [`compare`] with both layers already projected (`Projected::new(layer)` of the same layers),
/// so callers that cache projections — and the unions they cache — reuse them.
///
/// # Errors
/// [`CompareError::ProjectionMismatch`] if a projection was built from another layer,
/// [`CompareError::DuplicateAreaId`] if either layer repeats an area id,
/// [`CompareError::BackProjection`] if a piece cannot be projected back to EPSG:4326.
pub fn compare_projected(
    from: &Layer,
    from_projected: &Projected,
    to: &Layer,
    to_projected: &Projected,
) -> Result<Comparison, CompareError> {
    check_side(from, from_projected)?;
    check_side(to, to_projected)?;
    let from_side = Side {
        layer: from,
        shapes: from_projected,
    };
    let to_side = Side {
        layer: to,
        shapes: to_projected,
    };

    let pairs = find_pairs(&from_side, &to_side);
    let mut from_partners = vec![Vec::new(); from.areas.len()];
    let mut to_partners = vec![Vec::new(); to.areas.len()];
    for (ix, pair) in pairs.iter().enumerate() {
        from_partners[pair.from].push(ix);
        to_partners[pair.to].push(ix);
    }
    let from_parts = area_parts(&from_side, &to_side, &pairs, &from_partners, |p| p.to);
    let to_parts = area_parts(&to_side, &from_side, &pairs, &to_partners, |p| p.from);

    let pieces = pieces(&from_side, &to_side, &pairs, &from_parts, &to_parts)?;
    let report_pairs: Vec<Pair> = pairs
        .iter()
        .map(|p| p.report(&from_side, &to_side))
        .collect();
    let from_areas: Vec<FromArea> = from_parts
        .iter()
        .enumerate()
        .map(|(ix, parts)| {
            let (matches, best_match) = matches(
                &pairs,
                &from_partners[ix],
                from_projected.area_m2(ix),
                &to_side,
                |p| p.to,
            );
            let renamed = renamed(from_side.name(ix), best_match.as_ref());
            FromArea {
                id: from_side.id(ix).to_owned(),
                name: from_side.name(ix).map(str::to_owned),
                area_m2: from_projected.area_m2(ix),
                kept_m2: parts.kept_m2,
                removed_m2: parts.rest_m2,
                status: if matches.is_empty() {
                    AreaStatus::Dropped
                } else {
                    AreaStatus::Matched
                },
                matches,
                best_match,
                renamed,
            }
        })
        .collect();
    let to_areas: Vec<ToArea> = to_parts
        .iter()
        .enumerate()
        .map(|(ix, parts)| {
            let (matches, best_match) = matches(
                &pairs,
                &to_partners[ix],
                to_projected.area_m2(ix),
                &from_side,
                |p| p.from,
            );
            let renamed_from = renamed(to_side.name(ix), best_match.as_ref());
            ToArea {
                id: to_side.id(ix).to_owned(),
                name: to_side.name(ix).map(str::to_owned),
                area_m2: to_projected.area_m2(ix),
                kept_m2: parts.kept_m2,
                added_m2: parts.rest_m2,
                status: if matches.is_empty() {
                    AreaStatus::New
                } else {
                    AreaStatus::Matched
                },
                matches,
                best_match,
                renamed_from,
            }
        })
        .collect();

    let summary = summary(
        from_projected,
        to_projected,
        &report_pairs,
        &from_areas,
        &to_areas,
    );
    Ok(Comparison {
        from: LayerRef::from(&from.meta),
        to: LayerRef::from(&to.meta),
        status: weakest(from.meta.status, to.meta.status),
        summary,
        pairs: report_pairs,
        from_areas,
        to_areas,
        pieces,
    })
}

/// A layer with its projection.
struct Side<'a> {
    layer: &'a Layer,
    shapes: &'a Projected,
}

impl Side<'_> {
    fn id(&self, ix: usize) -> &str {
        &self.layer.areas[ix].id
    }

    fn name(&self, ix: usize) -> Option<&str> {
        self.layer.areas[ix].name.as_deref()
    }
}

fn check_side(layer: &Layer, projected: &Projected) -> Result<(), CompareError> {
    if projected.id() != &layer.meta.id || projected.len() != layer.areas.len() {
        return Err(CompareError::ProjectionMismatch {
            layer: layer.meta.id.clone(),
            projected: projected.id().clone(),
            areas: layer.areas.len(),
            projected_areas: projected.len(),
        });
    }
    let mut seen = HashSet::with_capacity(layer.areas.len());
    for area in &layer.areas {
        if !seen.insert(area.id.as_str()) {
            return Err(CompareError::DuplicateAreaId {
                layer: layer.meta.id.clone(),
                area: area.id.clone(),
            });
        }
    }
    Ok(())
}

/// A pair of overlapping areas, by position, with its overlap's geometry (EPSG:25832).
struct PairGeometry {
    from: usize,
    to: usize,
    kept: MultiPolygon<f64>,
    kept_m2: f64,
    removed_m2: f64,
    added_m2: f64,
    sliver: bool,
}

impl PairGeometry {
    fn report(&self, from: &Side<'_>, to: &Side<'_>) -> Pair {
        let from_name = from.name(self.from);
        let to_name = to.name(self.to);
        Pair {
            from_id: from.id(self.from).to_owned(),
            from_name: from_name.map(str::to_owned),
            to_id: to.id(self.to).to_owned(),
            to_name: to_name.map(str::to_owned),
            kept_m2: self.kept_m2,
            removed_m2: self.removed_m2,
            added_m2: self.added_m2,
            share_of_from: share(self.kept_m2, from.shapes.area_m2(self.from)),
            share_of_to: share(self.kept_m2, to.shapes.area_m2(self.to)),
            name_changed: matches!((from_name, to_name), (Some(a), Some(b)) if !same_places(a, b)),
            sliver: self.sliver,
        }
    }
}

/// Whether an overlap of `kept_m2` between areas of `a_m2` and `b_m2` is a sliver.
pub fn is_sliver(kept_m2: f64, a_m2: f64, b_m2: f64) -> bool {
    kept_m2 < SLIVER_MIN_M2.max(SLIVER_SHARE * a_m2.min(b_m2))
}

/// `part / whole`, or 0 for an empty whole.
fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// Step 2: every pair of areas whose intersection has an area, by `from` then `to`.
fn find_pairs(from: &Side<'_>, to: &Side<'_>) -> Vec<PairGeometry> {
    let mut pairs = Vec::new();
    for f in 0..from.shapes.len() {
        let shape = from.shapes.shape(f);
        let Some(rect) = geo::BoundingRect::bounding_rect(shape) else {
            continue;
        };
        for t in to.shapes.candidates(rect) {
            let other = to.shapes.shape(t);
            let kept = intersection(shape, other);
            let kept_m2 = kept.unsigned_area();
            if kept_m2 > 0.0 {
                let (a_m2, b_m2) = (from.shapes.area_m2(f), to.shapes.area_m2(t));
                pairs.push(PairGeometry {
                    from: f,
                    to: t,
                    kept,
                    kept_m2,
                    removed_m2: difference(shape, other).unsigned_area(),
                    added_m2: difference(other, shape).unsigned_area(),
                    sliver: is_sliver(kept_m2, a_m2, b_m2),
                });
            }
        }
    }
    pairs
}

/// One area's parts against the other layer: the area it shares with it, and the rest
/// (removed for a `from` area, added for a `to` area) with its geometry for the map.
struct AreaParts {
    kept_m2: f64,
    rest: MultiPolygon<f64>,
    rest_m2: f64,
}

/// Step 3: each area of `this` against the union of the areas of `other` it pairs with.
/// `partners[ix]` lists the positions in `pairs` of area `ix`'s pairs; `other_ix` gives a
/// pair's area on the other side.
fn area_parts(
    this: &Side<'_>,
    other: &Side<'_>,
    pairs: &[PairGeometry],
    partners: &[Vec<usize>],
    other_ix: impl Fn(&PairGeometry) -> usize,
) -> Vec<AreaParts> {
    partners
        .iter()
        .enumerate()
        .map(|(ix, own_pairs)| {
            let shape = this.shapes.shape(ix);
            let others: Vec<&MultiPolygon<f64>> = own_pairs
                .iter()
                .map(|&p| other.shapes.shape(other_ix(&pairs[p])))
                .collect();
            if others.is_empty() {
                return AreaParts {
                    kept_m2: 0.0,
                    rest: shape.clone(),
                    rest_m2: this.shapes.area_m2(ix),
                };
            }
            let union = union_of(&others);
            let rest = difference(shape, &union);
            let rest_m2 = rest.unsigned_area();
            AreaParts {
                kept_m2: intersection(shape, &union).unsigned_area(),
                rest,
                rest_m2,
            }
        })
        .collect()
}

/// The union of shapes given by reference, merged pairwise (balanced); one shape is borrowed.
fn union_of<'a>(shapes: &[&'a MultiPolygon<f64>]) -> Cow<'a, MultiPolygon<f64>> {
    match shapes {
        [] => Cow::Owned(MultiPolygon::new(Vec::new())),
        [one] => Cow::Borrowed(*one),
        _ => {
            let (left, right) = shapes.split_at(shapes.len() / 2);
            Cow::Owned(geo::BooleanOps::union(
                union_of(left).as_ref(),
                union_of(right).as_ref(),
            ))
        }
    }
}

/// The matches (non-sliver pairs) of an area of `this_m2` m², in the other layer's order, and
/// the best one. `own_pairs` are the positions of its pairs in `pairs`; `other_ix` gives a
/// pair's area on the other side.
fn matches(
    pairs: &[PairGeometry],
    own_pairs: &[usize],
    this_m2: f64,
    other: &Side<'_>,
    other_ix: impl Fn(&PairGeometry) -> usize,
) -> (Vec<Match>, Option<Match>) {
    let found: Vec<Match> = own_pairs
        .iter()
        .map(|&p| &pairs[p])
        .filter(|pair| !pair.sliver)
        .map(|pair| {
            let o = other_ix(pair);
            Match {
                id: other.id(o).to_owned(),
                name: other.name(o).map(str::to_owned),
                overlap_m2: pair.kept_m2,
                share_of_this: share(pair.kept_m2, this_m2),
                share_of_other: share(pair.kept_m2, other.shapes.area_m2(o)),
            }
        })
        .collect();
    let best = found
        .iter()
        .fold(None::<&Match>, |best, m| match best {
            Some(b) if b.overlap_m2 >= m.overlap_m2 => Some(b),
            _ => Some(m),
        })
        .cloned();
    (found, best)
}

/// The best match's name, when it and `name` are both given and name other places (see
/// [`same_places`]).
fn renamed(name: Option<&str>, best: Option<&Match>) -> Option<String> {
    match (name, best.and_then(|m| m.name.as_deref())) {
        (Some(own), Some(other)) if !same_places(own, other) => Some(other.to_owned()),
        _ => None,
    }
}

/// Whether two area names name the same places: equal once split at `/`, `,` and " og ",
/// trimmed, lower-cased and sorted. The policies write "Husum/Tingbjerg" (2011) and
/// "Tingbjerg/Husum" (2017) for the same estate; that is not a rename.
pub fn same_places(a: &str, b: &str) -> bool {
    let places = |name: &str| {
        let mut parts: Vec<String> = name
            .to_lowercase()
            .replace(" og ", "/")
            .split(['/', ','])
            .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|part| !part.is_empty())
            .collect();
        parts.sort();
        parts
    };
    places(a) == places(b)
}

/// Step 4: the summary — the two layers' unions and the three operations between them, and
/// the counts of the per-pair and per-area results.
fn summary(
    from: &Projected,
    to: &Projected,
    pairs: &[Pair],
    from_areas: &[FromArea],
    to_areas: &[ToArea],
) -> Summary {
    let (from_union, to_union) = (from.union(), to.union());
    let from_total_m2 = from_union.unsigned_area();
    let to_total_m2 = to_union.unsigned_area();
    let kept_m2 = intersection(from_union, to_union).unsigned_area();
    let added_m2 = difference(to_union, from_union).unsigned_area();
    let removed_m2 = difference(from_union, to_union).unsigned_area();
    let matched_from = from_areas
        .iter()
        .filter(|a| a.status == AreaStatus::Matched)
        .count();
    let matched_to = to_areas
        .iter()
        .filter(|a| a.status == AreaStatus::Matched)
        .count();
    let slivers = pairs.iter().filter(|p| p.sliver).count();
    Summary {
        from_total_m2,
        to_total_m2,
        kept_m2,
        added_m2,
        removed_m2,
        kept_share_of_from: share(kept_m2, from_total_m2),
        kept_share_of_to: share(kept_m2, to_total_m2),
        removed_share_of_from: share(removed_m2, from_total_m2),
        added_share_of_to: share(added_m2, to_total_m2),
        from_areas: from_areas.len(),
        to_areas: to_areas.len(),
        matched_from,
        dropped: from_areas.len() - matched_from,
        matched_to,
        new: to_areas.len() - matched_to,
        pairs: pairs.len() - slivers,
        slivers,
        renamed: from_areas.iter().filter(|a| a.renamed.is_some()).count(),
    }
}

/// Step 5: the pieces of the map, back in EPSG:4326.
fn pieces(
    from: &Side<'_>,
    to: &Side<'_>,
    pairs: &[PairGeometry],
    from_parts: &[AreaParts],
    to_parts: &[AreaParts],
) -> Result<Vec<Piece>, CompareError> {
    let back = |shape: &MultiPolygon<f64>, side: &Side<'_>, ix: usize| {
        to_wgs84(shape).map_err(|source| CompareError::BackProjection {
            layer: side.layer.meta.id.clone(),
            area: side.id(ix).to_owned(),
            source,
        })
    };
    let owned = |name: Option<&str>| name.map(str::to_owned);
    let mut pieces = Vec::with_capacity(pairs.len() + from_parts.len() + to_parts.len());
    for pair in pairs {
        pieces.push(Piece {
            change: Change::Kept,
            from_id: Some(from.id(pair.from).to_owned()),
            from_name: owned(from.name(pair.from)),
            to_id: Some(to.id(pair.to).to_owned()),
            to_name: owned(to.name(pair.to)),
            area_m2: pair.kept_m2,
            geometry: back(&pair.kept, from, pair.from)?,
        });
    }
    for (ix, parts) in from_parts.iter().enumerate() {
        if parts.rest_m2 > 0.0 {
            pieces.push(Piece {
                change: Change::Removed,
                from_id: Some(from.id(ix).to_owned()),
                from_name: owned(from.name(ix)),
                to_id: None,
                to_name: None,
                area_m2: parts.rest_m2,
                geometry: back(&parts.rest, from, ix)?,
            });
        }
    }
    for (ix, parts) in to_parts.iter().enumerate() {
        if parts.rest_m2 > 0.0 {
            pieces.push(Piece {
                change: Change::Added,
                from_id: None,
                from_name: None,
                to_id: Some(to.id(ix).to_owned()),
                to_name: owned(to.name(ix)),
                area_m2: parts.rest_m2,
                geometry: back(&parts.rest, to, ix)?,
            });
        }
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::same_places;

    #[test]
    fn names_listing_the_same_places_in_another_order_are_no_rename() {
        assert!(same_places("Husum/Tingbjerg", "Tingbjerg/Husum"));
        assert!(same_places(
            "Indre og ydre Nørrebro",
            "ydre Nørrebro / Indre"
        ));
        assert!(!same_places("Amager/Sundby", "Urbanplanen mv."));
        assert!(!same_places("Husum", "Husum/Tingbjerg"));
    }
}

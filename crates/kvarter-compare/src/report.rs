//! The comparison report: what each side is, the totals, every overlapping pair of areas, each
//! area's fate, and the pieces that make up the map of changes.
//!
//! Every m² is measured in EPSG:25832; every geometry is in EPSG:4326. Lists keep layer order
//! (pairs by `from` area, then `to` area), so the same two layers always give the same report.

use geo::MultiPolygon;
use kvarter_core::{Date, LayerId, LayerKind, LayerMeta, Status, Title};
use serde::Serialize;

/// One side of a comparison, copied from the layer's metadata so the answer says what was
/// compared and how far it can be trusted (a `reconstructed` side is always visible here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerRef {
    /// The layer's id.
    pub id: LayerId,
    /// Its title in Danish and English.
    pub title: Title,
    /// What kind of layer it is.
    pub kind: LayerKind,
    /// Where its geometry comes from (`official`, `reconstructed`, `imported`, `synthetic`).
    pub status: Status,
    /// Who designated or defined the areas.
    pub authority: String,
    /// The licence the data is published under.
    pub licence: String,
    /// The snapshot or vintage of the data.
    pub vintage: String,
    /// First day in force (inclusive), when known.
    pub valid_from: Option<Date>,
    /// First day no longer in force (exclusive); `None` while in force or for undated layers.
    pub valid_to: Option<Date>,
    /// For reconstructed layers: the rule that built them.
    pub method: Option<String>,
    /// For reconstructed layers: how far the result can be trusted, and why.
    pub confidence: Option<String>,
    /// When this side is a designation as a whole (a municipal layer of the 2025 kind with the
    /// state lists that count as part of it, put together by the caller): every layer that
    /// made it, each with its own status and provenance. Empty, and left out of the JSON, for
    /// a side that is one layer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub made_of: Vec<LayerRef>,
}

impl From<&LayerMeta> for LayerRef {
    fn from(meta: &LayerMeta) -> Self {
        Self {
            id: meta.id.clone(),
            title: meta.title.clone(),
            kind: meta.kind,
            status: meta.status,
            authority: meta.authority.clone(),
            licence: meta.licence.clone(),
            vintage: meta.source.vintage.clone(),
            valid_from: meta.valid_from,
            valid_to: meta.valid_to,
            method: meta.method.clone(),
            confidence: meta.confidence.clone(),
            made_of: Vec::new(),
        }
    }
}

/// The status of a comparison: the weakest of its two sides' statuses, weakest first
/// `synthetic`, `imported`, `reconstructed`, `official`. So a comparison with a reconstructed
/// side is itself `reconstructed`.
pub fn weakest(a: Status, b: Status) -> Status {
    // Ranked here, not by `Status`'s derived order, so a new variant or a reordering in
    // kvarter-core cannot silently change what a comparison claims.
    let rank = |status: Status| match status {
        Status::Official => 0,
        Status::Reconstructed => 1,
        Status::Imported => 2,
        Status::Synthetic => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// What happened to a piece of ground between the two layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// In both layers.
    Kept,
    /// Only in the `to` layer.
    Added,
    /// Only in the `from` layer.
    Removed,
}

impl Change {
    /// The change as it appears in the JSON, CSV and `GeoJSON` answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kept => "kept",
            Self::Added => "added",
            Self::Removed => "removed",
        }
    }
}

/// What became of an area, judged by its non-sliver overlaps with the other layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaStatus {
    /// It overlaps at least one area of the other layer by more than a sliver.
    Matched,
    /// A `from` area with no match: the designation was dropped (slivers may remain).
    Dropped,
    /// A `to` area with no match: a new designation.
    New,
}

/// One overlapping pair: a `from` area and a `to` area whose intersection has an area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// The `from` area's id.
    pub from_id: String,
    /// The `from` area's name.
    pub from_name: Option<String>,
    /// The `to` area's id.
    pub to_id: String,
    /// The `to` area's name.
    pub to_name: Option<String>,
    /// area(from ∩ to), m²; always > 0.
    pub kept_m2: f64,
    /// area(from − to), m².
    pub removed_m2: f64,
    /// area(to − from), m².
    pub added_m2: f64,
    /// `kept_m2` / area(from).
    pub share_of_from: f64,
    /// `kept_m2` / area(to).
    pub share_of_to: f64,
    /// Both areas are named and the names name other places (the same places in another
    /// order, "Husum/Tingbjerg" and "Tingbjerg/Husum", are no change).
    pub name_changed: bool,
    /// The overlap is below max(1 m², 0.1 % of the smaller area): a digitising difference
    /// between independently drawn layers, not a match. Counted in the totals all the same.
    pub sliver: bool,
}

/// A non-sliver overlap of an area with one area of the other layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The other area's id.
    pub id: String,
    /// The other area's name.
    pub name: Option<String>,
    /// The overlap, m².
    pub overlap_m2: f64,
    /// The overlap as a share of this area.
    pub share_of_this: f64,
    /// The overlap as a share of the other area.
    pub share_of_other: f64,
}

/// An area of the `from` layer and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FromArea {
    /// The area's id.
    pub id: String,
    /// The area's name.
    pub name: Option<String>,
    /// Its area, m².
    pub area_m2: f64,
    /// area(this ∩ ⋃to), m²: the part still designated.
    pub kept_m2: f64,
    /// area(this − ⋃to), m²: the part no longer designated.
    pub removed_m2: f64,
    /// `matched`, or `dropped` when no `to` area overlaps it by more than a sliver.
    pub status: AreaStatus,
    /// The non-sliver overlaps with `to` areas, in `to` layer order.
    pub matches: Vec<Match>,
    /// The match with the largest overlap (the first in layer order on a tie).
    pub best_match: Option<Match>,
    /// The best match's name, when both are named and the names differ.
    pub renamed: Option<String>,
}

/// An area of the `to` layer and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToArea {
    /// The area's id.
    pub id: String,
    /// The area's name.
    pub name: Option<String>,
    /// Its area, m².
    pub area_m2: f64,
    /// area(this ∩ ⋃from), m²: the part designated before.
    pub kept_m2: f64,
    /// area(this − ⋃from), m²: the part newly designated.
    pub added_m2: f64,
    /// `matched`, or `new` when no `from` area overlaps it by more than a sliver.
    pub status: AreaStatus,
    /// The non-sliver overlaps with `from` areas, in `from` layer order.
    pub matches: Vec<Match>,
    /// The match with the largest overlap (the first in layer order on a tie).
    pub best_match: Option<Match>,
    /// The best match's (former) name, when both are named and the names differ.
    pub renamed_from: Option<String>,
}

/// Totals over the two layers as wholes (each layer's union, so areas overlapping within a
/// layer are counted once).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// area(⋃from), m².
    pub from_total_m2: f64,
    /// area(⋃to), m².
    pub to_total_m2: f64,
    /// area(⋃from ∩ ⋃to), m².
    pub kept_m2: f64,
    /// area(⋃to − ⋃from), m².
    pub added_m2: f64,
    /// area(⋃from − ⋃to), m².
    pub removed_m2: f64,
    /// `kept_m2` / `from_total_m2` (0 when `from` is empty).
    pub kept_share_of_from: f64,
    /// `kept_m2` / `to_total_m2` (0 when `to` is empty).
    pub kept_share_of_to: f64,
    /// `removed_m2` / `from_total_m2` (0 when `from` is empty).
    pub removed_share_of_from: f64,
    /// `added_m2` / `to_total_m2` (0 when `to` is empty).
    pub added_share_of_to: f64,
    /// Areas in the `from` layer.
    pub from_areas: usize,
    /// Areas in the `to` layer.
    pub to_areas: usize,
    /// `from` areas with at least one match.
    pub matched_from: usize,
    /// `from` areas with no match.
    pub dropped: usize,
    /// `to` areas with at least one match.
    pub matched_to: usize,
    /// `to` areas with no match.
    pub new: usize,
    /// Overlapping pairs that are not slivers (matches).
    pub pairs: usize,
    /// Overlapping pairs that are slivers.
    pub slivers: usize,
    /// `from` areas whose best match has another name.
    pub renamed: usize,
}

/// One piece of the map of changes, in EPSG:4326.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Piece {
    /// Kept (from ∩ to of one pair), removed (from − ⋃to) or added (to − ⋃from).
    pub change: Change,
    /// The `from` area's id (`None` for added pieces).
    pub from_id: Option<String>,
    /// The `from` area's name.
    pub from_name: Option<String>,
    /// The `to` area's id (`None` for removed pieces).
    pub to_id: Option<String>,
    /// The `to` area's name.
    pub to_name: Option<String>,
    /// The piece's area, m² (EPSG:25832); always > 0.
    pub area_m2: f64,
    /// The piece in EPSG:4326. Left out of the JSON report (it would dwarf it): the map gets
    /// the pieces from [`Comparison::to_geojson`](crate::Comparison::to_geojson) or
    /// [`Comparison::layer`](crate::Comparison::layer).
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
}

/// The designation diff between two area layers. Built by [`compare`](crate::compare).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The earlier (or reference) layer.
    pub from: LayerRef,
    /// The later layer.
    pub to: LayerRef,
    /// The weakest of the two sides' statuses (see [`weakest`]).
    pub status: Status,
    /// Totals over the two layers.
    pub summary: Summary,
    /// Every overlapping pair, slivers included, by `from` area then `to` area.
    pub pairs: Vec<Pair>,
    /// Every `from` area, in layer order.
    pub from_areas: Vec<FromArea>,
    /// Every `to` area, in layer order.
    pub to_areas: Vec<ToArea>,
    /// The map: kept pieces in pair order, then removed pieces in `from` order, then added
    /// pieces in `to` order; empty pieces left out.
    pub pieces: Vec<Piece>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_is_as_weak_as_its_weakest_side() {
        use Status::{Imported, Official, Reconstructed, Synthetic};
        assert_eq!(weakest(Official, Official), Official);
        assert_eq!(weakest(Official, Reconstructed), Reconstructed);
        assert_eq!(weakest(Reconstructed, Official), Reconstructed);
        assert_eq!(weakest(Imported, Reconstructed), Imported);
        assert_eq!(weakest(Synthetic, Imported), Synthetic);
        assert_eq!(weakest(Official, Synthetic), Synthetic);
    }

    #[test]
    fn changes_and_area_statuses_serialise_in_snake_case() {
        let json = serde_json::to_string(&[Change::Kept, Change::Added, Change::Removed]).unwrap();
        assert_eq!(json, r#"["kept","added","removed"]"#);
        let json =
            serde_json::to_string(&[AreaStatus::Matched, AreaStatus::Dropped, AreaStatus::New])
                .unwrap();
        assert_eq!(json, r#"["matched","dropped","new"]"#);
    }
}

//! Areal weighting: estimating values for target areas from values on source units that cut
//! across them, in proportion to the ground they share (measured in EPSG:25832).
//!
//! For a target `T` and the source units `i` it overlaps by `o_i` m², each of area `a_i`:
//!
//! * **extensive** values (counts) are shared out by the overlapping fraction of each unit and
//!   summed: `Σ v_i · o_i / a_i`. Joined onto areas that tile the same ground, the total is
//!   kept.
//! * **intensive** values (rates, means) are averaged: `Σ w_i v_i / Σ w_i`, with `w_i = o_i`
//!   (by area) or, given weights `p_i` (a count such as residents) for every contributing unit,
//!   `w_i = o_i · p_i / a_i` — the count that lives on the shared ground if it is spread evenly
//!   over the unit.
//!
//! Units without a value are left out, and the estimate's `coverage` (the share of the target
//! covered by units with a value) says how much ground the estimate stands on. A target no unit
//! with a value overlaps gets no estimate, not 0.

use kvarter_overlay::{Projected, overlaps};
use serde::Serialize;

use crate::catalogue::Measure;

/// Overlaps smaller than this fraction of the smaller of the two areas are left out: layers
/// drawn independently meet along borders that differ by millimetres, which leaves slivers of
/// well under 1 m² between a district and its neighbours' neighbours. They change no value
/// measurably (they are at most a millionth of either area) but would clutter every
/// contributions list.
pub const SLIVER: f64 = 1e-6;

/// Which ground each target shares with which source unit: computed once per pair of layers
/// and reused for every indicator and period.
#[derive(Debug, Clone)]
pub struct Overlaps {
    /// Area of each source unit, m² (EPSG:25832).
    unit_areas: Vec<f64>,
    /// Area of each target, m².
    target_areas: Vec<f64>,
    /// Per target: `(unit index, overlap m²)`, by unit index.
    by_target: Vec<Vec<(usize, f64)>>,
}

/// How an intensive estimate weighted its units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weights {
    /// By overlap area (also every extensive estimate: its shares are fractions of area).
    Area,
    /// By overlap area times the weight per m² of each unit (e.g. residents).
    Given,
}

/// One source unit's part in an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Part {
    /// The unit's index in the source layer.
    pub unit: usize,
    /// The ground it shares with the target, m².
    pub overlap_m2: f64,
    /// `overlap_m2` over the unit's area.
    pub fraction_of_unit: f64,
    /// Its share of the estimate: the parts of one estimate sum to 1. For intensive values the
    /// normalised weight, for extensive values the part of the sum that comes from this unit.
    pub weight: f64,
}

/// A value estimated for one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// The estimated value.
    pub value: f64,
    /// How intensive values were weighted (`Area` for extensive ones).
    pub weights: Weights,
    /// The share of the target covered by units with a value, 0–1.
    pub coverage: f64,
    /// The units it comes from, largest weight first.
    pub parts: Vec<Part>,
}

impl Overlaps {
    /// Finds every overlap of `source` units and `target` areas (R-tree candidates, exact
    /// intersections; see [`kvarter_overlay::overlaps`]), less slivers (see [`SLIVER`]).
    pub fn new(source: &Projected, target: &Projected) -> Overlaps {
        let mut by_target = vec![Vec::new(); target.len()];
        for overlap in overlaps(source, target) {
            let smaller = source.area_m2(overlap.from).min(target.area_m2(overlap.to));
            if overlap.area_m2 < SLIVER * smaller {
                continue;
            }
            if let Some(list) = by_target.get_mut(overlap.to) {
                list.push((overlap.from, overlap.area_m2));
            }
        }
        // `overlaps` yields pairs by source then target, so each list is already by unit.
        Overlaps {
            unit_areas: (0..source.len()).map(|i| source.area_m2(i)).collect(),
            target_areas: (0..target.len()).map(|i| target.area_m2(i)).collect(),
            by_target,
        }
    }

    /// How many source units there are.
    pub fn units(&self) -> usize {
        self.unit_areas.len()
    }

    /// How many targets there are.
    pub fn targets(&self) -> usize {
        self.target_areas.len()
    }

    /// The units target `target` overlaps, with the overlap in m², by unit index.
    pub fn of_target(&self, target: usize) -> &[(usize, f64)] {
        self.by_target.get(target).map_or(&[], Vec::as_slice)
    }

    /// Estimates a value for every target from `values` (one per source unit; `None` where a
    /// unit has none). `weights`, one per unit, weight intensive values where every unit
    /// contributing to a target has a finite, non-negative one and they are not all 0 (else
    /// that target is weighted by area); extensive values ignore them.
    pub fn join(
        &self,
        values: &[Option<f64>],
        weights: Option<&[Option<f64>]>,
        measure: Measure,
    ) -> Vec<Option<Estimate>> {
        (0..self.targets())
            .map(|target| self.estimate(target, values, weights, measure))
            .collect()
    }

    /// The estimate for one target (see [`Self::join`]).
    pub fn estimate(
        &self,
        target: usize,
        values: &[Option<f64>],
        weights: Option<&[Option<f64>]>,
        measure: Measure,
    ) -> Option<Estimate> {
        // (unit, overlap, unit area, value) of every unit with a value and an area.
        let contributing: Vec<(usize, f64, f64, f64)> = self
            .of_target(target)
            .iter()
            .filter_map(|&(unit, overlap)| {
                let value = values.get(unit).copied().flatten()?;
                let area = self.unit_areas.get(unit).copied().filter(|a| *a > 0.0)?;
                // Rounding in the overlay can make an overlap a hair larger than its unit.
                Some((unit, overlap.min(area), area, value))
            })
            .collect();
        if contributing.is_empty() {
            return None;
        }
        let covered: f64 = contributing.iter().map(|c| c.1).sum();
        let target_area = self.target_areas.get(target).copied().unwrap_or(0.0);
        let coverage = if target_area > 0.0 {
            (covered / target_area).min(1.0)
        } else {
            0.0
        };

        let (value, weights_used, shares): (f64, Weights, Vec<f64>) = match measure {
            Measure::Extensive => {
                let parts: Vec<f64> = contributing.iter().map(|&(_, o, a, v)| v * o / a).collect();
                let sum: f64 = parts.iter().sum();
                let shares = if sum == 0.0 {
                    // Every part is 0: no unit adds more than another, so say how much ground
                    // each stands for.
                    contributing.iter().map(|c| c.1 / covered).collect()
                } else {
                    parts.iter().map(|p| p / sum).collect()
                };
                (sum, Weights::Area, shares)
            }
            Measure::Intensive => {
                let given: Option<Vec<f64>> = weights.and_then(|weights| {
                    let w: Option<Vec<f64>> = contributing
                        .iter()
                        .map(|&(unit, o, a, _)| {
                            let p = weights.get(unit).copied().flatten()?;
                            (p.is_finite() && p >= 0.0).then_some(o * p / a)
                        })
                        .collect();
                    w.filter(|w| w.iter().sum::<f64>() > 0.0)
                });
                let (w, kind) = match given {
                    Some(w) => (w, Weights::Given),
                    None => (contributing.iter().map(|c| c.1).collect(), Weights::Area),
                };
                let total: f64 = w.iter().sum();
                let shares: Vec<f64> = w.iter().map(|w| w / total).collect();
                let value = shares.iter().zip(&contributing).map(|(s, c)| s * c.3).sum();
                (value, kind, shares)
            }
        };

        let mut parts: Vec<Part> = contributing
            .iter()
            .zip(shares)
            .map(|(&(unit, overlap_m2, area, _), weight)| Part {
                unit,
                overlap_m2,
                fraction_of_unit: overlap_m2 / area,
                weight,
            })
            .collect();
        parts.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.unit.cmp(&b.unit)));
        Some(Estimate {
            value,
            weights: weights_used,
            coverage,
            parts,
        })
    }
}

/// Estimates `source_values` (one per area of `source`) for every area of `target`, computing
/// the overlaps first. To join several indicators or periods between the same layers, build
/// [`Overlaps`] once and call [`Overlaps::join`].
pub fn join_values(
    source: &Projected,
    source_values: &[Option<f64>],
    weights: Option<&[Option<f64>]>,
    target: &Projected,
    measure: Measure,
) -> Vec<Option<Estimate>> {
    Overlaps::new(source, target).join(source_values, weights, measure)
}

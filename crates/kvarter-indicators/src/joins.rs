//! Joins: every indicator with data, for every period, onto every area of every area layer —
//! by key where a dataset is on the layer itself, by areal weighting otherwise — computed once
//! per data version, and the per-layer tables (JSON and CSV) the API serves.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use geo::Geometry;
use kvarter_core::{Layer, LayerId};
use kvarter_overlay::{OverlayError, Projected};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::areal_weighting::{Estimate, Overlaps, Weights};
use crate::catalogue::{Indicator, Measure};
use crate::values::Indicators;

/// How a value got onto an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The dataset is on this very layer: the value is the area's own.
    Key,
    /// Estimated from the units of another layer by the ground they share with the area.
    AreaWeighted,
}

impl Method {
    /// The method as the API and CSV write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::AreaWeighted => "area_weighted",
        }
    }
}

/// How an area-weighted value weighted its units. Serialised as `"area"` or the weight
/// indicator's id (e.g. `"population"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Weighting {
    /// By overlap area: extensive values, and intensive values without (complete) weights.
    Area,
    /// By the residents (or other count) on the overlap: the weight indicator's id.
    Indicator(Arc<str>),
}

impl Weighting {
    /// `area`, or the weight indicator's id.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Area => "area",
            Self::Indicator(id) => id,
        }
    }
}

impl Serialize for Weighting {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One source unit's part in a joined value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The unit's area id in the dataset's geography.
    pub unit_id: Arc<str>,
    /// Its name, when it has one.
    pub unit_name: Option<Arc<str>>,
    /// The ground it shares with the area, m² (EPSG:25832).
    pub overlap_m2: f64,
    /// `overlap_m2` over the unit's area.
    pub fraction_of_unit: f64,
    /// Its share of the value; the weights of one value sum to 1. For intensive values the
    /// normalised weight, for extensive values the part of the sum that comes from this unit.
    pub weight: f64,
}

/// One indicator's value for one area and period, with how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JoinedValue {
    /// The indicator.
    pub indicator: Arc<str>,
    /// The period.
    pub period: Arc<str>,
    /// The value, in the indicator's unit.
    pub value: f64,
    /// Key join or areal weighting.
    pub method: Method,
    /// The dataset the value comes from.
    pub dataset: Arc<str>,
    /// How units were weighted; `None` for key joins.
    pub weighting: Option<Weighting>,
    /// The period of the weights, when they are of another period than the value (the
    /// weight's nearest period was used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_period: Option<Arc<str>>,
    /// The share of the area covered by units with a value, 0–1 (1 for key joins).
    pub coverage: f64,
    /// The units the value comes from, largest weight first.
    pub contributions: Vec<Contribution>,
}

impl JoinedValue {
    /// For area-weighted values, where the value comes from:
    /// `"Valby 62 %; Vesterbro-Kongens Enghave 38 %"` (unit names, else ids; units whose share
    /// rounds to 0 % are left out). Empty for key joins, which are no estimate.
    pub fn estimated_from(&self) -> String {
        let mut text = String::new();
        if self.method == Method::Key {
            return text;
        }
        for (i, part) in self.contributions.iter().enumerate() {
            let percent = (part.weight * 100.0).round();
            if percent < 1.0 && i > 0 {
                continue;
            }
            if !text.is_empty() {
                text.push_str("; ");
            }
            let name = part.unit_name.as_deref().unwrap_or(&part.unit_id);
            let _ = write!(text, "{name} {percent:.0} %");
        }
        text
    }
}

/// How one indicator is joined onto one layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JoinPlan {
    /// The indicator.
    pub indicator: Arc<str>,
    /// The dataset its values on this layer come from.
    pub dataset: Arc<str>,
    /// Key join (the dataset is on this layer) or areal weighting.
    pub method: Method,
    /// The periods joined, sorted; the last is the latest.
    pub periods: Vec<Arc<str>>,
}

/// Why a join could not be made or a table not be built. Every variant names the layer,
/// dataset, indicator or period at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JoinError {
    /// A dataset's geography is missing from the layers given to [`Joins::new`], or holds
    /// other areas than when the values were loaded: build both from the same layers.
    #[error(
        "dataset {dataset}: layer {layer} is not the one its values were loaded with; build the joins from the same layers"
    )]
    LayersDiffer {
        /// The dataset.
        dataset: String,
        /// Its geography.
        layer: LayerId,
    },
    /// There is no layer at this position.
    #[error("there is no layer number {index}")]
    NoSuchLayer {
        /// The position asked for.
        index: usize,
    },
    /// The layer holds lines (streets), which have no area to join values onto.
    #[error("layer {layer} holds lines; indicators are joined onto area layers only")]
    Lines {
        /// The layer.
        layer: LayerId,
    },
    /// A layer could not be projected for overlaying.
    #[error("layer {layer}: indicators cannot be joined")]
    Overlay {
        /// The layer being joined onto.
        layer: LayerId,
        /// The cause (naming the layer and area that failed).
        #[source]
        source: OverlayError,
    },
    /// The indicator is not in the catalogue.
    #[error("indicator {indicator:?} is not in the catalogue; known: {}", known.join(", "))]
    UnknownIndicator {
        /// The id asked for.
        indicator: String,
        /// The indicators with data.
        known: Vec<String>,
    },
    /// The indicator has no data offline (its catalogue entry says why in `no_data`).
    #[error("indicator {indicator} has no data offline")]
    NoData {
        /// The indicator.
        indicator: String,
    },
    /// The indicator has no values for the period on this layer.
    #[error("indicator {indicator} has no values for period {period:?} on layer {layer}; periods: {}", known.join(", "))]
    UnknownPeriod {
        /// The layer.
        layer: LayerId,
        /// The indicator.
        indicator: String,
        /// The period asked for.
        period: String,
        /// The periods it has on the layer.
        known: Vec<String>,
    },
}

/// Every indicator joined onto one layer.
#[derive(Debug)]
struct LayerJoin {
    plans: Vec<JoinPlan>,
    /// Per area: its values, indicator by indicator in catalogue order, each period ascending.
    areas: Vec<Vec<JoinedValue>>,
}

#[derive(Debug)]
enum LayerState {
    Joined(LayerJoin),
    Lines,
    Failed(OverlayError),
}

/// Every indicator with data, for every period, joined onto every area of every area layer.
///
/// Built once per data version and shared read-only; each layer is joined on first use (one
/// [`OnceLock`] per layer, so concurrent callers wait for one computation) or all at once by
/// [`Joins::prepare_all`] when the server warms up.
///
/// # Pipeline (per target layer)
/// 1. Line layers get no values (they have no area); see [`JoinError::Lines`].
/// 2. For each indicator with data, in catalogue order: if one of its datasets has the layer as
///    its geography, **key join** — each area takes its own value (method `key`, coverage 1,
///    one contribution of weight 1).
/// 3. Otherwise **areal weighting** from the indicator's first dataset: the target layer is
///    projected to EPSG:25832 once; the dataset's geography once per data version (it is kept
///    for every other target). Their overlaps ([`Overlaps`]: R-tree candidates, exact
///    intersection areas) are computed once per pair and reused for every indicator and period.
/// 4. Per period, [`Overlaps::join`] estimates every area's value: extensive values shared by
///    overlap fraction and summed; intensive values averaged, weighted by the `weight`
///    indicator (e.g. population) on the overlap when every contributing unit has one for the
///    same period (else its nearest period), by overlap area otherwise.
/// 5. Each estimate becomes a [`JoinedValue`]: indicator, period, value, method, dataset,
///    weighting, coverage, and its contributions named by unit id and name.
pub struct Joins {
    indicators: Indicators,
    layers: Arc<[Layer]>,
    /// Per layer: whether it is some dataset's geography (its projection is then kept).
    is_geography: Vec<bool>,
    projected: Vec<OnceLock<Result<Arc<Projected>, OverlayError>>>,
    joined: Vec<OnceLock<LayerState>>,
}

impl std::fmt::Debug for Joins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let joined = self.joined.iter().filter(|j| j.get().is_some()).count();
        f.debug_struct("Joins")
            .field("layers", &self.layers.len())
            .field("joined", &joined)
            .finish_non_exhaustive()
    }
}

impl Joins {
    /// Prepares joins of `indicators` onto `layers` (which must hold the layers the values were
    /// loaded with). Nothing is computed yet.
    pub fn new(
        indicators: Indicators,
        layers: impl Into<Arc<[Layer]>>,
    ) -> Result<Joins, JoinError> {
        let layers: Arc<[Layer]> = layers.into();
        let mut is_geography = vec![false; layers.len()];
        for dataset in &indicators.catalogue().datasets {
            let units = indicators.units(&dataset.id);
            let found = layers
                .iter()
                .position(|layer| layer.meta.id == dataset.geography)
                .filter(|&ix| {
                    let areas = &layers[ix].areas;
                    areas.len() == units.len() && areas.iter().zip(units).all(|(a, u)| &a.id == u)
                });
            let Some(ix) = found else {
                return Err(JoinError::LayersDiffer {
                    dataset: dataset.id.clone(),
                    layer: dataset.geography.clone(),
                });
            };
            is_geography[ix] = true;
        }
        Ok(Joins {
            indicators,
            projected: layers.iter().map(|_| OnceLock::new()).collect(),
            joined: layers.iter().map(|_| OnceLock::new()).collect(),
            is_geography,
            layers,
        })
    }

    /// The values and the catalogue.
    pub fn indicators(&self) -> &Indicators {
        &self.indicators
    }

    /// The layers, in the order given to [`Joins::new`]; a layer's position is its index in
    /// the other methods.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The position of the layer with the given id.
    pub fn layer_index(&self, id: &LayerId) -> Option<usize> {
        self.layers.iter().position(|layer| &layer.meta.id == id)
    }

    /// Joins every layer now, on all cores (for the server's warm-up). Reports the first
    /// layer that failed; line layers are no failure.
    pub fn prepare_all(&self) -> Result<(), JoinError> {
        self.prepare_where(|_| true)
    }

    /// Joins the layers for which `wanted` is true now, on all cores (e.g. every layer but the
    /// base maps, which are map context and are joined on first use). Reports the first of them
    /// that failed; line layers are no failure.
    pub fn prepare_where(&self, wanted: impl Fn(&Layer) -> bool) -> Result<(), JoinError> {
        // Largest layers first, so no core is left with a big one at the end.
        let mut order: Vec<usize> = (0..self.layers.len())
            .filter(|&ix| wanted(&self.layers[ix]))
            .collect();
        order.sort_by_key(|&ix| std::cmp::Reverse(self.layers[ix].areas.len()));
        let next = AtomicUsize::new(0);
        let threads = std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(order.len());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    while let Some(&ix) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                        self.state(ix);
                    }
                });
            }
        });
        order.iter().try_for_each(|&ix| match self.join(ix) {
            Ok(_) | Err(JoinError::Lines { .. }) => Ok(()),
            Err(error) => Err(error),
        })
    }

    /// How each indicator is joined onto the layer at `layer` (empty for line layers and
    /// layers that failed), in catalogue order.
    pub fn plans(&self, layer: usize) -> &[JoinPlan] {
        self.join(layer).map_or(&[], |join| &join.plans)
    }

    /// Every value of the area at `area` of the layer at `layer`: indicator by indicator in
    /// catalogue order, each period ascending. Empty for line layers or unknown positions.
    pub fn area_values(&self, layer: usize, area: usize) -> &[JoinedValue] {
        self.join(layer)
            .ok()
            .and_then(|join| join.areas.get(area))
            .map_or(&[], Vec::as_slice)
    }

    /// One value of one area: `indicator` in `period`, or in the latest period the indicator
    /// has on this layer when `period` is `None`. `None` when the area has no such value.
    pub fn value(
        &self,
        layer: usize,
        area: usize,
        indicator: &str,
        period: Option<&str>,
    ) -> Option<&JoinedValue> {
        let period = match period {
            Some(period) => period,
            None => self
                .plans(layer)
                .iter()
                .find(|plan| &*plan.indicator == indicator)?
                .periods
                .last()?,
        };
        self.area_values(layer, area)
            .iter()
            .find(|v| &*v.indicator == indicator && &*v.period == period)
    }

    /// The table of the layer at `layer`: one row per area and chosen indicator (all with data
    /// when `indicators` is empty), for `period`, or for each indicator's latest period on the
    /// layer when `period` is `None`. Areas without a value get a row with no value.
    pub fn table(
        &self,
        layer: usize,
        indicators: &[&str],
        period: Option<&str>,
    ) -> Result<LayerTable<'_>, JoinError> {
        let join = self.join(layer)?;
        let catalogue = self.indicators.catalogue();
        let chosen: Vec<&str> = if indicators.is_empty() {
            join.plans.iter().map(|plan| &*plan.indicator).collect()
        } else {
            indicators.to_vec()
        };
        let mut columns: Vec<(&str, &str)> = Vec::with_capacity(chosen.len());
        for &id in &chosen {
            let indicator = catalogue
                .indicator(id)
                .ok_or_else(|| JoinError::UnknownIndicator {
                    indicator: id.to_owned(),
                    known: join.plans.iter().map(|p| p.indicator.to_string()).collect(),
                })?;
            let plan = join
                .plans
                .iter()
                .find(|plan| *plan.indicator == *id)
                .ok_or_else(|| JoinError::NoData {
                    indicator: indicator.id.clone(),
                })?;
            let column = match period {
                Some(period) => plan.periods.iter().find(|p| ***p == *period),
                None => plan.periods.last(),
            };
            let column = column.ok_or_else(|| JoinError::UnknownPeriod {
                layer: self.layers[layer].meta.id.clone(),
                indicator: indicator.id.clone(),
                period: period.unwrap_or_default().to_owned(),
                known: plan.periods.iter().map(ToString::to_string).collect(),
            })?;
            columns.push((&plan.indicator, column));
        }

        let target = &self.layers[layer];
        let mut rows = Vec::with_capacity(target.areas.len() * columns.len());
        for (area, values) in target.areas.iter().zip(&join.areas) {
            for &(indicator, period) in &columns {
                rows.push(TableRow {
                    area_id: &area.id,
                    area_name: area.name.as_deref(),
                    indicator,
                    period,
                    joined: values
                        .iter()
                        .find(|v| &*v.indicator == indicator && &*v.period == period),
                });
            }
        }
        Ok(LayerTable {
            layer: &target.meta.id,
            rows,
        })
    }

    /// The joined layer, or why there is none.
    fn join(&self, layer: usize) -> Result<&LayerJoin, JoinError> {
        let Some(target) = self.layers.get(layer) else {
            return Err(JoinError::NoSuchLayer { index: layer });
        };
        match self.state(layer) {
            LayerState::Joined(join) => Ok(join),
            LayerState::Lines => Err(JoinError::Lines {
                layer: target.meta.id.clone(),
            }),
            LayerState::Failed(source) => Err(JoinError::Overlay {
                layer: target.meta.id.clone(),
                source: source.clone(),
            }),
        }
    }

    /// The layer's join, computed on first use. `layer` must be a valid position.
    fn state(&self, layer: usize) -> &LayerState {
        self.joined[layer].get_or_init(|| self.compute(layer))
    }

    /// The layer at `ix` projected to EPSG:25832; kept when it is a dataset's geography.
    fn projected(&self, ix: usize) -> Result<Arc<Projected>, OverlayError> {
        if self.is_geography[ix] {
            self.projected[ix]
                .get_or_init(|| Projected::new(&self.layers[ix]).map(Arc::new))
                .clone()
        } else {
            Projected::new(&self.layers[ix]).map(Arc::new)
        }
    }

    fn compute(&self, ix: usize) -> LayerState {
        let layer = &self.layers[ix];
        let has_lines = layer.areas.iter().any(|area| {
            !matches!(
                area.geometry,
                Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_)
            )
        });
        if has_lines {
            return LayerState::Lines;
        }
        let mut step = JoinStep {
            joins: self,
            target_ix: ix,
            target: None,
            overlaps: HashMap::new(),
            units: HashMap::new(),
            plans: Vec::new(),
            areas: vec![Vec::new(); layer.areas.len()],
        };
        for indicator in &self.indicators.catalogue().indicators {
            // The target was checked for lines above, so any error is a source's or a
            // projection's: a failure, not a layer without indicators.
            if let Err(error) = step.add(indicator) {
                return LayerState::Failed(error);
            }
        }
        LayerState::Joined(LayerJoin {
            plans: step.plans,
            areas: step.areas,
        })
    }
}

/// The ids and names of a layer's areas, shared by every contribution that names them.
type UnitNames = Vec<(Arc<str>, Option<Arc<str>>)>;

/// The work of joining every indicator onto one layer: what is computed once for the layer.
struct JoinStep<'a> {
    joins: &'a Joins,
    target_ix: usize,
    /// The target projected, once an indicator needs areal weighting.
    target: Option<Arc<Projected>>,
    /// Per source layer: its overlaps with the target.
    overlaps: HashMap<usize, Overlaps>,
    /// Per source layer: its areas' ids and names, shared by every contribution.
    units: HashMap<usize, UnitNames>,
    plans: Vec<JoinPlan>,
    areas: Vec<Vec<JoinedValue>>,
}

impl JoinStep<'_> {
    fn add(&mut self, indicator: &Indicator) -> Result<(), OverlayError> {
        let joins = self.joins;
        let values = &joins.indicators;
        let target_id = &joins.layers[self.target_ix].meta.id;
        let key = indicator
            .datasets
            .iter()
            .find(|d| values.geography(d) == Some(target_id));
        let (dataset, method) = match (key, indicator.datasets.first()) {
            (Some(dataset), _) => (dataset, Method::Key),
            (None, Some(first)) => (first, Method::AreaWeighted),
            (None, None) => return Ok(()),
        };
        // Loading checked that every dataset an indicator lists has values of it.
        let (Some(dataset_id), Some(series)) = (
            values.dataset_id(dataset).cloned(),
            values.series(dataset, &indicator.id),
        ) else {
            return Ok(());
        };
        let indicator_id = Arc::<str>::from(indicator.id.as_str());
        let units = self.units_of(dataset);

        match method {
            Method::Key => {
                let layer = &joins.layers[self.target_ix];
                for (period, column) in series {
                    for (area_ix, (area, value)) in layer.areas.iter().zip(column).enumerate() {
                        let Some(value) = *value else { continue };
                        let (unit_id, unit_name) = units[area_ix].clone();
                        self.areas[area_ix].push(JoinedValue {
                            indicator: indicator_id.clone(),
                            period: period.clone(),
                            value,
                            method,
                            dataset: dataset_id.clone(),
                            weighting: None,
                            weight_period: None,
                            coverage: 1.0,
                            contributions: vec![Contribution {
                                unit_id,
                                unit_name,
                                overlap_m2: area.area_m2.unwrap_or(0.0),
                                fraction_of_unit: 1.0,
                                weight: 1.0,
                            }],
                        });
                    }
                }
            }
            Method::AreaWeighted => {
                let source_ix = self.source_ix(dataset);
                self.compute_overlaps(source_ix)?;
                let overlaps = &self.overlaps[&source_ix];
                let weight = Weight::find(values, indicator, dataset);
                for (period, column) in series {
                    let (weight_values, weight_period) = match &weight {
                        Some(weight) => weight.for_period(values, period),
                        None => (None, None),
                    };
                    let estimates = overlaps.join(column, weight_values, indicator.measure);
                    for (area_ix, estimate) in estimates.into_iter().enumerate() {
                        let Some(estimate) = estimate else { continue };
                        let weighting = match (estimate.weights, &weight) {
                            (Weights::Given, Some(weight)) => {
                                Weighting::Indicator(weight.indicator.clone())
                            }
                            _ => Weighting::Area,
                        };
                        let weight_period = (estimate.weights == Weights::Given)
                            .then(|| weight_period.clone())
                            .flatten()
                            .filter(|p| p != period);
                        self.areas[area_ix].push(joined(
                            estimate,
                            &units,
                            JoinedValue {
                                indicator: indicator_id.clone(),
                                period: period.clone(),
                                value: 0.0,
                                method,
                                dataset: dataset_id.clone(),
                                weighting: Some(weighting),
                                weight_period,
                                coverage: 0.0,
                                contributions: Vec::new(),
                            },
                        ));
                    }
                }
            }
        }
        self.plans.push(JoinPlan {
            indicator: indicator_id,
            dataset: dataset_id,
            method,
            periods: series.keys().cloned().collect(),
        });
        Ok(())
    }

    /// The position of `dataset`'s geography among the layers ([`Joins::new`] checked it).
    fn source_ix(&self, dataset: &str) -> usize {
        let joins = self.joins;
        joins
            .indicators
            .geography(dataset)
            .and_then(|id| joins.layer_index(id))
            .unwrap_or(self.target_ix)
    }

    /// The ids and names of `dataset`'s units, shared.
    fn units_of(&mut self, dataset: &str) -> UnitNames {
        let source_ix = self.source_ix(dataset);
        let layers = &self.joins.layers;
        self.units
            .entry(source_ix)
            .or_insert_with(|| {
                layers[source_ix]
                    .areas
                    .iter()
                    .map(|area| {
                        (
                            Arc::from(area.id.as_str()),
                            area.name.as_deref().map(Arc::from),
                        )
                    })
                    .collect()
            })
            .clone()
    }

    /// Computes the overlaps of the layer at `source_ix` with the target, once.
    fn compute_overlaps(&mut self, source_ix: usize) -> Result<(), OverlayError> {
        if !self.overlaps.contains_key(&source_ix) {
            let target = if let Some(target) = &self.target {
                target.clone()
            } else {
                let target = self.joins.projected(self.target_ix)?;
                self.target = Some(target.clone());
                target
            };
            let source = self.joins.projected(source_ix)?;
            self.overlaps
                .insert(source_ix, Overlaps::new(&source, &target));
        }
        Ok(())
    }
}

/// The weight of an intensive indicator on its source geography.
struct Weight<'a> {
    indicator: Arc<str>,
    dataset: &'a str,
    periods: Vec<&'a Arc<str>>,
}

impl<'a> Weight<'a> {
    /// The weight of `indicator`, from a dataset of the weight indicator on the same geography
    /// as `dataset`; `None` for unweighted or extensive indicators.
    fn find(values: &'a Indicators, indicator: &Indicator, dataset: &str) -> Option<Weight<'a>> {
        if indicator.measure != Measure::Intensive {
            return None;
        }
        let weight = values.catalogue().indicator(indicator.weight.as_deref()?)?;
        let geography = values.geography(dataset)?;
        let weight_dataset = weight
            .datasets
            .iter()
            .find(|d| values.geography(d) == Some(geography))?;
        Some(Weight {
            indicator: Arc::from(weight.id.as_str()),
            periods: values.dataset_periods(weight_dataset, &weight.id),
            dataset: weight_dataset,
        })
    }

    /// The weights for `period` (or the nearest period with weights), and that period.
    fn for_period(
        &self,
        values: &'a Indicators,
        period: &str,
    ) -> (Option<&'a [Option<f64>]>, Option<Arc<str>>) {
        let Some(chosen) = nearest_period(&self.periods, period) else {
            return (None, None);
        };
        (
            values.values(self.dataset, &self.indicator, chosen),
            Some(chosen.clone()),
        )
    }
}

/// `wanted` itself if it is among `periods`, else the period whose leading year is nearest
/// (the earlier one on a tie); `None` when periods do not start with a year.
pub fn nearest_period<'p>(periods: &[&'p Arc<str>], wanted: &str) -> Option<&'p Arc<str>> {
    if let Some(same) = periods.iter().find(|p| ****p == *wanted) {
        return Some(same);
    }
    let year = leading_year(wanted)?;
    periods
        .iter()
        .filter_map(|p| Some((leading_year(p)?, *p)))
        .min_by_key(|&(y, _)| ((y - year).abs(), y))
        .map(|(_, p)| p)
}

fn leading_year(period: &str) -> Option<i64> {
    let digits = period.bytes().take_while(u8::is_ascii_digit).count();
    period.get(..digits)?.parse().ok()
}

/// An estimate as a joined value: `base` with the estimate's value, coverage and named parts.
fn joined(
    estimate: Estimate,
    units: &[(Arc<str>, Option<Arc<str>>)],
    base: JoinedValue,
) -> JoinedValue {
    let contributions = estimate
        .parts
        .into_iter()
        .map(|part| {
            let (unit_id, unit_name) = units
                .get(part.unit)
                .cloned()
                .unwrap_or_else(|| (Arc::from(part.unit.to_string()), None));
            Contribution {
                unit_id,
                unit_name,
                overlap_m2: part.overlap_m2,
                fraction_of_unit: part.fraction_of_unit,
                weight: part.weight,
            }
        })
        .collect();
    JoinedValue {
        value: estimate.value,
        coverage: estimate.coverage,
        contributions,
        ..base
    }
}

/// A layer × indicators × period table, for `/api/layers/{id}/indicators` and its CSV.
#[derive(Debug, Clone, Serialize)]
pub struct LayerTable<'a> {
    /// The layer.
    pub layer: &'a LayerId,
    /// One row per area and indicator, area by area in layer order.
    pub rows: Vec<TableRow<'a>>,
}

/// One area's value of one indicator. Serialises flat: `area_id`, `area_name`, `indicator`,
/// `period`, `value` (null when there is none), and when there is one, `method`, `dataset`,
/// `weighting`, `weight_period`, `coverage`, `contributions`.
#[derive(Debug, Clone)]
pub struct TableRow<'a> {
    /// The area's id.
    pub area_id: &'a str,
    /// The area's name.
    pub area_name: Option<&'a str>,
    /// The indicator.
    pub indicator: &'a str,
    /// The period.
    pub period: &'a str,
    /// The value and how it was obtained; `None` when the area has none.
    pub joined: Option<&'a JoinedValue>,
}

impl Serialize for TableRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("area_id", self.area_id)?;
        map.serialize_entry("area_name", &self.area_name)?;
        map.serialize_entry("indicator", self.indicator)?;
        map.serialize_entry("period", self.period)?;
        map.serialize_entry("value", &self.joined.map(|j| j.value))?;
        if let Some(joined) = self.joined {
            map.serialize_entry("method", &joined.method)?;
            map.serialize_entry("dataset", &joined.dataset)?;
            map.serialize_entry("weighting", &joined.weighting)?;
            if let Some(weight_period) = &joined.weight_period {
                map.serialize_entry("weight_period", weight_period)?;
            }
            map.serialize_entry("coverage", &joined.coverage)?;
            map.serialize_entry("contributions", &joined.contributions)?;
        }
        map.end()
    }
}

impl LayerTable<'_> {
    /// The table as CSV with the header
    /// `area_id,area_name,indicator,period,value,method,coverage,estimated_from`; rows without
    /// a value leave `value`, `method`, `coverage` and `estimated_from` empty. Coverage has four
    /// decimals; values are written in full.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = [
            "area_id",
            "area_name",
            "indicator",
            "period",
            "value",
            "method",
            "coverage",
            "estimated_from",
        ];
        // Writing to a Vec cannot fail; a failure would only lose rows, never panic.
        let _ = writer.write_record(header);
        for row in &self.rows {
            let (value, method, coverage, from) = match row.joined {
                Some(j) => (
                    j.value.to_string(),
                    j.method.as_str(),
                    format!("{:.4}", j.coverage),
                    j.estimated_from(),
                ),
                None => (String::new(), "", String::new(), String::new()),
            };
            let _ = writer.write_record([
                row.area_id,
                row.area_name.unwrap_or_default(),
                row.indicator,
                row.period,
                &value,
                method,
                &coverage,
                &from,
            ]);
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

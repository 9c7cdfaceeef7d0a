//! Indicator values: every dataset's table, checked against the catalogue and the layers, and
//! held per dataset, indicator, period and unit (by the unit's position in its geography layer).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use kvarter_core::{Layer, LayerId};

use crate::catalogue::Catalogue;
use crate::table::{self, TableError};

/// Why the indicator values could not be loaded. Every variant names the dataset, and where a
/// row is at fault, its file and line.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A table could not be read (boxed: it is large, and rare).
    #[error(transparent)]
    Table(Box<TableError>),
    /// A table was given for a dataset the catalogue does not define; add the dataset to the
    /// catalogue or drop the table.
    #[error("a table was given for dataset {dataset:?}, which is not in the catalogue")]
    UnknownDataset {
        /// The dataset id given with the table.
        dataset: String,
    },
    /// Two tables were given for one dataset.
    #[error("two tables were given for dataset {dataset}")]
    DuplicateTable {
        /// The dataset.
        dataset: String,
    },
    /// The catalogue defines a dataset whose table was not given; run `kvarter data build`.
    #[error("dataset {dataset}: its table {file} is missing")]
    MissingTable {
        /// The dataset.
        dataset: String,
        /// The table's file name from the catalogue.
        file: String,
    },
    /// A dataset's geography is not among the layers; fix `geography` or add the layer.
    #[error("dataset {dataset}: its geography {layer} is not a layer of this dataset")]
    UnknownGeography {
        /// The dataset.
        dataset: String,
        /// The layer id.
        layer: LayerId,
    },
    /// A row's unit is not an area id of the dataset's geography layer.
    #[error(
        "dataset {dataset} ({file}), line {line}: unit {unit:?} is not an area of layer {layer}"
    )]
    UnknownUnit {
        /// The dataset.
        dataset: String,
        /// Its table file.
        file: String,
        /// The line.
        line: u64,
        /// The unit id as written.
        unit: String,
        /// The geography layer.
        layer: LayerId,
    },
    /// A row's indicator is not in the catalogue, or the catalogue does not list this dataset
    /// for it; add the dataset to the indicator's `datasets`.
    #[error(
        "dataset {dataset} ({file}), line {line}: indicator {indicator:?} {}",
        if *known { "does not list this dataset in its `datasets`" } else { "is not in the catalogue" }
    )]
    UnlistedIndicator {
        /// The dataset.
        dataset: String,
        /// Its table file.
        file: String,
        /// The line.
        line: u64,
        /// The indicator id as written.
        indicator: String,
        /// Whether the catalogue defines the indicator at all.
        known: bool,
    },
    /// The catalogue lists a dataset for an indicator, but the dataset's table has no value of
    /// it; rebuild the table or drop the dataset from the indicator's `datasets`.
    #[error("indicator {indicator}: dataset {dataset} lists it, but its table has no values of it")]
    NoValues {
        /// The indicator.
        indicator: String,
        /// The dataset.
        dataset: String,
    },
}

impl From<TableError> for LoadError {
    fn from(error: TableError) -> Self {
        Self::Table(Box::new(error))
    }
}

/// The values of one indicator in one dataset: per period (sorted), the value of each unit by
/// unit index.
pub(crate) type Series = BTreeMap<Arc<str>, Vec<Option<f64>>>;

/// The values of one dataset's table.
#[derive(Debug, Clone)]
struct DatasetValues {
    id: Arc<str>,
    geography: LayerId,
    /// The area ids of the geography layer, in layer order: a unit's index is its position.
    units: Vec<String>,
    /// Per indicator, per period (sorted): the value of each unit, by unit index.
    series: BTreeMap<Arc<str>, Series>,
}

/// The catalogue and every dataset's values, checked against each other and the layers.
/// Built once per data version.
#[derive(Debug, Clone)]
pub struct Indicators {
    catalogue: Catalogue,
    /// In catalogue order.
    datasets: Vec<DatasetValues>,
    /// Per indicator with values: its periods over all its datasets, sorted.
    periods: HashMap<String, Vec<Arc<str>>>,
}

impl Indicators {
    /// Checks and indexes the tables: `tables` holds each dataset's id and its CSV bytes, one
    /// for every dataset of the catalogue; `layers` must hold every dataset's geography.
    ///
    /// Every row's indicator must list the dataset, its unit must be an area id of the
    /// geography, and every indicator must have values in each dataset it lists.
    pub fn load(
        catalogue: &Catalogue,
        tables: &[(String, Vec<u8>)],
        layers: &[Layer],
    ) -> Result<Indicators, LoadError> {
        let mut given: HashMap<&str, &[u8]> = HashMap::new();
        for (dataset, bytes) in tables {
            if catalogue.dataset(dataset).is_none() {
                return Err(LoadError::UnknownDataset {
                    dataset: dataset.clone(),
                });
            }
            if given.insert(dataset, bytes).is_some() {
                return Err(LoadError::DuplicateTable {
                    dataset: dataset.clone(),
                });
            }
        }

        let mut datasets = Vec::with_capacity(catalogue.datasets.len());
        for info in &catalogue.datasets {
            let bytes = given
                .get(info.id.as_str())
                .ok_or_else(|| LoadError::MissingTable {
                    dataset: info.id.clone(),
                    file: info.table.clone(),
                })?;
            let layer = layers
                .iter()
                .find(|layer| layer.meta.id == info.geography)
                .ok_or_else(|| LoadError::UnknownGeography {
                    dataset: info.id.clone(),
                    layer: info.geography.clone(),
                })?;
            let units: Vec<String> = layer.areas.iter().map(|area| area.id.clone()).collect();
            let unit_index: HashMap<&str, usize> = units
                .iter()
                .enumerate()
                .map(|(ix, id)| (id.as_str(), ix))
                .collect();

            let mut series: BTreeMap<Arc<str>, Series> = BTreeMap::new();
            for row in table::parse(bytes, &info.id, &info.table)? {
                let indicator = catalogue.indicator(&row.indicator);
                if !indicator.is_some_and(|i| i.datasets.contains(&info.id)) {
                    return Err(LoadError::UnlistedIndicator {
                        dataset: info.id.clone(),
                        file: info.table.clone(),
                        line: row.line,
                        indicator: row.indicator,
                        known: indicator.is_some(),
                    });
                }
                let Some(&unit) = unit_index.get(row.unit.as_str()) else {
                    return Err(LoadError::UnknownUnit {
                        dataset: info.id.clone(),
                        file: info.table.clone(),
                        line: row.line,
                        unit: row.unit,
                        layer: info.geography.clone(),
                    });
                };
                let column = series
                    .entry(Arc::from(row.indicator))
                    .or_default()
                    .entry(Arc::from(row.period))
                    .or_insert_with(|| vec![None; units.len()]);
                // The table parser rejects duplicate (indicator, unit, period) rows.
                column[unit] = Some(row.value);
            }
            datasets.push(DatasetValues {
                id: Arc::from(info.id.as_str()),
                geography: info.geography.clone(),
                units,
                series,
            });
        }

        let mut periods = HashMap::new();
        for indicator in &catalogue.indicators {
            let mut all = BTreeSet::new();
            for dataset in &indicator.datasets {
                let values = datasets
                    .iter()
                    .find(|d| *d.id == **dataset)
                    .and_then(|d| d.series.get(indicator.id.as_str()))
                    .ok_or_else(|| LoadError::NoValues {
                        indicator: indicator.id.clone(),
                        dataset: dataset.clone(),
                    })?;
                all.extend(values.keys().cloned());
            }
            if !all.is_empty() {
                periods.insert(indicator.id.clone(), all.into_iter().collect());
            }
        }

        Ok(Indicators {
            catalogue: catalogue.clone(),
            datasets,
            periods,
        })
    }

    /// The catalogue the values were checked against.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The periods for which any dataset has values of `indicator`, sorted as text (which is
    /// chronological for the `YYYY` periods of the tables). Empty for an indicator without data.
    pub fn periods(&self, indicator: &str) -> &[Arc<str>] {
        self.periods.get(indicator).map_or(&[], Vec::as_slice)
    }

    /// The last of [`Self::periods`].
    pub fn latest_period(&self, indicator: &str) -> Option<&str> {
        self.periods(indicator).last().map(|p| &**p)
    }

    /// The periods for which `dataset` has values of `indicator`, sorted.
    pub fn dataset_periods(&self, dataset: &str, indicator: &str) -> Vec<&Arc<str>> {
        self.series(dataset, indicator)
            .map(|series| series.keys().collect())
            .unwrap_or_default()
    }

    /// The layer whose area ids `dataset` uses.
    pub fn geography(&self, dataset: &str) -> Option<&LayerId> {
        self.dataset_values(dataset).map(|d| &d.geography)
    }

    /// The area ids of `dataset`'s geography, in layer order: index `i` of [`Self::values`] is
    /// the unit `units(dataset)[i]`.
    pub fn units(&self, dataset: &str) -> &[String] {
        self.dataset_values(dataset).map_or(&[], |d| &d.units)
    }

    /// The values of `indicator` in `dataset` for `period`, by unit index (`None` where the
    /// table has no row for the unit). `None` when the dataset has no values for that period.
    pub fn values(&self, dataset: &str, indicator: &str, period: &str) -> Option<&[Option<f64>]> {
        self.series(dataset, indicator)?
            .get(period)
            .map(Vec::as_slice)
    }

    /// One observation: `indicator` in `dataset` for the unit at `unit` (its index in the
    /// geography layer) in `period`.
    pub fn value(&self, dataset: &str, indicator: &str, unit: usize, period: &str) -> Option<f64> {
        self.values(dataset, indicator, period)?
            .get(unit)
            .copied()
            .flatten()
    }

    /// The dataset's id as a shared string (joined values carry it).
    pub(crate) fn dataset_id(&self, dataset: &str) -> Option<&Arc<str>> {
        self.dataset_values(dataset).map(|d| &d.id)
    }

    pub(crate) fn series(&self, dataset: &str, indicator: &str) -> Option<&Series> {
        self.dataset_values(dataset)?.series.get(indicator)
    }

    fn dataset_values(&self, dataset: &str) -> Option<&DatasetValues> {
        self.datasets.iter().find(|d| &*d.id == dataset)
    }
}

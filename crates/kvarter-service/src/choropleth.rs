//! Indicator values asked for with features and tiles, for choropleths (`?indicators=a,b&period=P`):
//! which indicators, checked against the catalogue; their values per area as properties or tile
//! attributes (each with how it was obtained, `{id}_method`); and their definitions and the
//! provenance of the datasets behind them, for a legend.

use kvarter_indicators::Joins;
use kvarter_tiles::{ExtraAttributes, TileJson, Value};
use serde_json::{Value as Json, json};

use crate::error::{ServiceError, quoted};

/// The most indicators one request may add to features or tiles.
pub const MAX_INDICATORS: usize = 8;
/// The suffix of the attribute saying how a value was obtained (`population_method`).
pub const METHOD_SUFFIX: &str = "_method";

/// What the indicator operations say when the data has no indicator catalogue.
pub const NO_INDICATORS: &str =
    "this service's data has no indicators (its data folder has no indicators/catalogue.toml)";

/// The joins, or [`ServiceError::Invalid`] (naming `field`) saying this data has no indicators.
pub(crate) fn require<'a>(
    joins: Option<&'a Joins>,
    field: &str,
) -> Result<&'a Joins, ServiceError> {
    joins.ok_or_else(|| ServiceError::invalid(field, NO_INDICATORS))
}

/// Indicator values asked for as feature properties: which, for which period (`None`: each
/// indicator's latest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choropleth {
    pub(crate) indicators: Vec<String>,
    pub(crate) period: Option<String>,
}

impl Choropleth {
    /// The indicators `names` for `period` (`None`: each one's latest), checked: every one must
    /// be in the catalogue and have data, at most [`MAX_INDICATORS`], and a period must be one
    /// of theirs ([`ServiceError::Invalid`] naming `indicators` or `period` otherwise).
    pub fn new(
        joins: Option<&Joins>,
        names: &[&str],
        period: Option<&str>,
    ) -> Result<Choropleth, ServiceError> {
        let joins = require(joins, "indicators")?;
        let catalogue = joins.indicators().catalogue();
        let with_data: Vec<&str> = catalogue
            .indicators
            .iter()
            .filter(|i| i.has_data())
            .map(|i| i.id.as_str())
            .collect();
        let mut indicators: Vec<String> = Vec::new();
        for &name in names {
            let Some(indicator) = catalogue.indicator(name) else {
                return Err(ServiceError::invalid(
                    "indicators",
                    format!(
                        "{} is not an indicator; indicators with data: {}",
                        quoted(name),
                        with_data.join(", ")
                    ),
                ));
            };
            if !indicator.has_data() {
                return Err(ServiceError::invalid(
                    "indicators",
                    format!(
                        "{name} has no data offline ({}); indicators with data: {}",
                        indicator.no_data.as_ref().map_or("", |t| t.en.as_str()),
                        with_data.join(", ")
                    ),
                ));
            }
            indicators.push(name.to_owned());
        }
        if indicators.len() > MAX_INDICATORS {
            return Err(ServiceError::invalid(
                "indicators",
                format!(
                    "{} indicators named; ask for at most {MAX_INDICATORS}",
                    indicators.len()
                ),
            ));
        }
        let period = period.map(str::to_owned);
        if let Some(period) = &period {
            for indicator in &indicators {
                let periods = joins.indicators().periods(indicator);
                if !periods.iter().any(|p| **p == **period) {
                    return Err(ServiceError::invalid(
                        "period",
                        format!(
                            "{indicator} has no values for {}; its periods: {}",
                            quoted(period),
                            periods
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(Choropleth { indicators, period })
    }

    /// The request's indicators and period as a query string: the cache key part and the
    /// TileJSON URL's query.
    pub fn key(&self) -> String {
        let mut key = format!("indicators={}", self.indicators.join(","));
        if let Some(period) = &self.period {
            key.push_str("&period=");
            key.push_str(period);
        }
        key
    }

    /// The values in `joins` as tile attributes.
    pub fn attributes<'a>(&'a self, joins: Option<&'a Joins>) -> ChoroplethAttributes<'a> {
        ChoroplethAttributes {
            joins,
            choropleth: self,
        }
    }

    /// The values of one area as `(name, value)` pairs: each indicator's value and how it was
    /// obtained (`{id}_method` = `key` or `area_weighted`). An area without a value gets
    /// neither.
    pub fn values(&self, joins: &Joins, layer: usize, area: usize) -> Vec<(String, Json)> {
        let mut out = Vec::with_capacity(self.indicators.len() * 2);
        for indicator in &self.indicators {
            if let Some(joined) = joins.value(layer, area, indicator, self.period.as_deref()) {
                out.push((indicator.clone(), json!(joined.value)));
                out.push((
                    format!("{indicator}{METHOD_SUFFIX}"),
                    json!(joined.method.as_str()),
                ));
            }
        }
        out
    }

    /// The indicators' definitions and provenance, for a `GeoJSON` foreign member or a legend.
    pub fn provenance(&self, joins: &Joins) -> Json {
        let catalogue = joins.indicators().catalogue();
        let items: Vec<Json> = self
            .indicators
            .iter()
            .filter_map(|id| catalogue.indicator(id))
            .map(|indicator| {
                let datasets: Vec<Json> = indicator
                    .datasets
                    .iter()
                    .filter_map(|d| catalogue.dataset(d))
                    .map(dataset_provenance)
                    .collect();
                json!({
                    "id": indicator.id,
                    "title": indicator.title,
                    "unit": indicator.unit,
                    "measure": indicator.measure,
                    "direction": indicator.direction,
                    "period": self.period.clone().unwrap_or_else(|| "latest".to_owned()),
                    "datasets": datasets,
                    "note": "values on layers other than a dataset's own geography are area-weighted estimates ({id}_method = area_weighted); /api/areas/{layer}/{id} says which units they come from",
                })
            })
            .collect();
        Json::Array(items)
    }

    /// Adds the indicators to a TileJSON document: a `Number` field per indicator and a
    /// `String` field for its method on every layer, and their sources to the attribution.
    pub fn describe(&self, joins: Option<&Joins>, document: &mut TileJson) {
        let Some(joins) = joins else {
            return;
        };
        for layer in &mut document.vector_layers {
            for indicator in &self.indicators {
                layer.fields.insert(indicator.clone(), "Number".into());
                layer
                    .fields
                    .insert(format!("{indicator}{METHOD_SUFFIX}"), "String".into());
            }
        }
        let catalogue = joins.indicators().catalogue();
        let mut sources: Vec<String> = Vec::new();
        for indicator in self
            .indicators
            .iter()
            .filter_map(|id| catalogue.indicator(id))
        {
            for dataset in indicator
                .datasets
                .iter()
                .filter_map(|d| catalogue.dataset(d))
            {
                let text = format!(
                    "{}: {} ({}), {}, status {}",
                    dataset.title.da,
                    dataset.publisher,
                    dataset.vintage,
                    dataset.licence,
                    dataset.status.as_str()
                );
                if !sources.contains(&text) {
                    sources.push(text);
                }
            }
        }
        for source in sources {
            document.attribution.push_str("; ");
            document.attribution.push_str(&source);
        }
    }
}

/// A dataset's provenance as the API shows it.
pub fn dataset_provenance(dataset: &kvarter_indicators::DatasetInfo) -> Json {
    json!({
        "id": dataset.id,
        "title": dataset.title,
        "publisher": dataset.publisher,
        "vintage": dataset.vintage,
        "licence": dataset.licence,
        "status": dataset.status,
        "geography": dataset.geography,
        "caveat": dataset.caveat,
    })
}

/// Indicator values as tile attributes (see [`Choropleth::values`]).
pub struct ChoroplethAttributes<'a> {
    joins: Option<&'a Joins>,
    choropleth: &'a Choropleth,
}

impl ExtraAttributes for ChoroplethAttributes<'_> {
    fn extend(&self, layer: usize, area: usize, out: &mut Vec<(String, Value)>) {
        let Some(joins) = self.joins else { return };
        for indicator in &self.choropleth.indicators {
            let period = self.choropleth.period.as_deref();
            if let Some(joined) = joins.value(layer, area, indicator, period) {
                out.push((indicator.clone(), Value::Double(joined.value)));
                out.push((
                    format!("{indicator}{METHOD_SUFFIX}"),
                    Value::String(joined.method.as_str().to_owned()),
                ));
            }
        }
    }
}

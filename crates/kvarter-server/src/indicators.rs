//! Indicators over HTTP: the catalogue (`GET /api/indicators`), a layer's table of joined
//! values (`GET /api/layers/{id}/indicators`, JSON or CSV), and indicator values as feature
//! properties for choropleths (`?indicators=a,b&period=P` on the GeoJSON and tile routes).
//!
//! The values are joined once per data version by [`kvarter_indicators::Joins`]; this module
//! only checks the request, looks values up and encodes them, always with the provenance
//! (source, vintage, licence, status) of the datasets behind them.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kvarter_indicators::{JoinError, Joins};
use kvarter_tiles::{ExtraAttributes, TileJson, Value};
use serde_json::{Value as Json, json};

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// The parameters that add indicator values to features and tiles.
pub const CHOROPLETH_PARAMETERS: [&str; 2] = ["indicators", "period"];
const TABLE_PARAMETERS: [&str; 3] = ["indicators", "period", "format"];
/// The most indicators one request may add to features or tiles.
pub const MAX_INDICATORS: usize = 8;
/// The suffix of the attribute saying how a value was obtained (`population_method`).
pub const METHOD_SUFFIX: &str = "_method";

/// What the indicator routes say when the data has no indicator catalogue.
const NO_INDICATORS: &str =
    "this service's data has no indicators (its data folder has no indicators/catalogue.toml)";

/// A layer's indicator table when the data has no indicators: no rows, and a note saying why.
fn empty_table(state: &AppState, position: usize, csv: bool) -> Response {
    if csv {
        return (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            )],
            "area_id,area_name,indicator,period,value,method,coverage,estimated_from\n",
        )
            .into_response();
    }
    let layer = &state.index.layers()[position];
    axum::Json(json!({
        "layer": state.reference(layer),
        "data_version": state.data_version(),
        "indicators": [],
        "rows": [],
        "note": NO_INDICATORS,
    }))
    .into_response()
}

/// The joins, or a 400 saying this data has no indicators.
fn joins<'a>(state: &'a AppState, parameter: &str) -> Result<&'a Joins, ApiError> {
    state
        .indicators
        .as_ref()
        .ok_or_else(|| ApiError::bad_parameter(parameter, NO_INDICATORS))
}

/// A join failure as an API error naming the parameter at fault.
fn join_error(error: JoinError) -> ApiError {
    match error {
        JoinError::UnknownIndicator { .. } | JoinError::NoData { .. } => {
            ApiError::bad_parameter("indicators", error.to_string())
        }
        JoinError::UnknownPeriod { .. } => ApiError::bad_parameter("period", error.to_string()),
        JoinError::Lines { layer } => ApiError::NotAreaLayer {
            layer: layer.to_string(),
            purpose: "joining indicators",
        },
        other => ApiError::internal("joining indicators", other),
    }
}

/// Indicator values asked for as feature properties: which, for which period (`None`: each
/// indicator's latest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choropleth {
    indicators: Vec<String>,
    period: Option<String>,
}

impl Choropleth {
    /// Reads `indicators=` and `period=`: `None` when no indicators are asked for. Every
    /// indicator must be in the catalogue and have data; a period must be one of theirs.
    pub fn from_params(state: &AppState, params: &Params) -> Result<Option<Choropleth>, ApiError> {
        let Some(names) = params.list("indicators") else {
            if params.has("period") {
                return Err(ApiError::bad_parameter(
                    "period",
                    "only means something with indicators=; name the indicators too",
                ));
            }
            return Ok(None);
        };
        let joins = joins(state, "indicators")?;
        let catalogue = joins.indicators().catalogue();
        let with_data: Vec<&str> = catalogue
            .indicators
            .iter()
            .filter(|i| i.has_data())
            .map(|i| i.id.as_str())
            .collect();
        let mut indicators: Vec<String> = Vec::new();
        for name in names {
            let Some(indicator) = catalogue.indicator(name) else {
                return Err(ApiError::bad_parameter(
                    "indicators",
                    format!(
                        "{} is not an indicator; indicators with data: {}",
                        quoted(name),
                        with_data.join(", ")
                    ),
                ));
            };
            if !indicator.has_data() {
                return Err(ApiError::bad_parameter(
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
            return Err(ApiError::bad_parameter(
                "indicators",
                format!(
                    "{} indicators named; ask for at most {MAX_INDICATORS}",
                    indicators.len()
                ),
            ));
        }
        let period = params.get("period").map(str::to_owned);
        if let Some(period) = &period {
            for indicator in &indicators {
                let periods = joins.indicators().periods(indicator);
                if !periods.iter().any(|p| **p == **period) {
                    return Err(ApiError::bad_parameter(
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
        Ok(Some(Choropleth { indicators, period }))
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

    /// The values as tile attributes.
    pub fn attributes<'a>(&'a self, state: &'a AppState) -> ChoroplethAttributes<'a> {
        ChoroplethAttributes {
            joins: state.indicators.as_ref(),
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
    pub fn describe(&self, state: &AppState, document: &mut TileJson) {
        let Some(joins) = state.indicators.as_ref() else {
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
pub(crate) fn dataset_provenance(dataset: &kvarter_indicators::DatasetInfo) -> Json {
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

/// `GET /api/indicators`: the catalogue — policies, datasets (with provenance), indicators
/// (with their periods, or why there is no data) and the published facts.
pub async fn catalogue(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
    let Some(joins) = state.indicators.as_ref() else {
        return Ok(axum::Json(json!({
            "data_version": state.data_version(),
            "policies": [], "datasets": [], "indicators": [], "facts": [],
            "note": NO_INDICATORS,
        }))
        .into_response());
    };
    let values = joins.indicators();
    let catalogue = values.catalogue();
    let indicators: Vec<Json> = catalogue
        .indicators
        .iter()
        .map(|indicator| {
            let mut item = serde_json::to_value(indicator).unwrap_or(Json::Null);
            if let Json::Object(map) = &mut item {
                map.insert("has_data".into(), json!(indicator.has_data()));
                map.insert(
                    "periods".into(),
                    json!(
                        values
                            .periods(&indicator.id)
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                    ),
                );
            }
            item
        })
        .collect();
    let body = json!({
        "data_version": state.data_version(),
        "policies": catalogue.policies,
        "datasets": catalogue.datasets,
        "indicators": indicators,
        "facts": catalogue.facts,
    });
    Ok(axum::Json(body).into_response())
}

/// `GET /api/layers/{id}/indicators?indicators=a,b&period=P&format=json|csv`: one row per area
/// and indicator, with how each value was obtained.
pub async fn table(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    let params = Params::new(query, &TABLE_PARAMETERS)?;
    let csv = match params.get("format") {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "format",
                format!("{} is not a format; use json or csv", quoted(other)),
            ));
        }
    };
    // Joining a layer for the first time is CPU work: keep it off the async workers.
    tokio::task::spawn_blocking(move || build_table(&state, &id, &params, csv))
        .await
        .map_err(|error| ApiError::internal("building an indicator table", error))?
}

fn build_table(
    state: &AppState,
    id: &str,
    params: &Params,
    csv: bool,
) -> Result<Response, ApiError> {
    let position = state.layer_position(id)?;
    let names: Vec<&str> = params.list("indicators").unwrap_or_default();
    let joins = if names.is_empty() && !params.has("period") {
        match state.indicators.as_ref() {
            Some(joins) => joins,
            None => return Ok(empty_table(state, position, csv)),
        }
    } else {
        joins(state, "indicators")?
    };
    let table = joins
        .table(position, &names, params.get("period"))
        .map_err(join_error)?;
    if csv {
        let filename = format!("attachment; filename=\"{id}-indicators.csv\"");
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&filename)
                        .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
                ),
            ],
            table.to_csv(),
        )
            .into_response());
    }
    let layer = &state.index.layers()[position];
    let mut chosen: Vec<&str> = table.rows.iter().map(|row| row.indicator).collect();
    chosen.dedup();
    let choropleth = Choropleth {
        indicators: chosen.iter().map(|s| (*s).to_owned()).collect(),
        period: params.get("period").map(str::to_owned),
    };
    let body = json!({
        "layer": state.reference(layer),
        "data_version": state.data_version(),
        "indicators": choropleth.provenance(joins),
        "rows": table.rows,
    });
    Ok(axum::Json(body).into_response())
}

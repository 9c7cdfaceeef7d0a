//! Indicators: the catalogue (policies, datasets with provenance, indicators and the published
//! facts) and a layer's table of joined values (JSON or CSV). Values on features and tiles are
//! [`crate::choropleth`]'s.
//!
//! The values are joined once per data version by [`kvarter_indicators::Joins`]; this module
//! checks what is asked for, looks values up and shapes them, always with the provenance
//! (source, vintage, licence, status) of the datasets behind them.

use kvarter_indicators::JoinError;
use serde_json::{Value as Json, json};

use crate::choropleth::{Choropleth, NO_INDICATORS, require};
use crate::error::ServiceError;
use crate::service::{LayerAt, Service};

/// The header of a layer's indicator table as CSV.
const EMPTY_TABLE_CSV: &str =
    "area_id,area_name,indicator,period,value,method,coverage,estimated_from\n";

/// A join failure as a service error naming the field at fault.
fn join_error(error: JoinError) -> ServiceError {
    match error {
        JoinError::UnknownIndicator { .. } | JoinError::NoData { .. } => {
            ServiceError::invalid("indicators", error.to_string())
        }
        JoinError::UnknownPeriod { .. } => ServiceError::invalid("period", error.to_string()),
        JoinError::Lines { layer } => ServiceError::NotAreaLayer {
            layer: layer.to_string(),
            purpose: "joining indicators",
        },
        other => ServiceError::internal("joining indicators", other),
    }
}

impl Service {
    /// The indicator catalogue: policies, datasets (with provenance), indicators (with their
    /// periods, or why there is no data) and the published facts; empty, with a note, when the
    /// data has no indicators.
    pub fn indicator_catalogue(&self) -> Json {
        let Some(joins) = self.indicators() else {
            return json!({
                "data_version": self.data_version(),
                "policies": [], "datasets": [], "indicators": [], "facts": [],
                "note": NO_INDICATORS,
            });
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
        json!({
            "data_version": self.data_version(),
            "policies": catalogue.policies,
            "datasets": catalogue.datasets,
            "indicators": indicators,
            "facts": catalogue.facts,
        })
    }

    /// The layer at `at`'s table of joined values: one row per area and indicator (`names`, or
    /// all with data), for `period` (`None`: each indicator's latest), with how each value was
    /// obtained; as CSV or as JSON with the datasets' provenance. Without indicators in the
    /// data, a table without rows (and a note) when nothing in particular was asked for.
    /// Joining a layer the first time is CPU work: call it off async workers.
    pub fn indicator_table(
        &self,
        at: LayerAt<'_>,
        names: &[&str],
        period: Option<&str>,
        csv: bool,
    ) -> Result<IndicatorTable, ServiceError> {
        let joins = if names.is_empty() && period.is_none() {
            match self.indicators() {
                Some(joins) => joins,
                None if csv => return Ok(IndicatorTable::Csv(EMPTY_TABLE_CSV.to_owned())),
                None => {
                    return Ok(IndicatorTable::Json(json!({
                        "layer": self.reference(at.position),
                        "data_version": self.data_version(),
                        "indicators": [],
                        "rows": [],
                        "note": NO_INDICATORS,
                    })));
                }
            }
        } else {
            require(self.indicators(), "indicators")?
        };
        let table = joins
            .table(at.position, names, period)
            .map_err(join_error)?;
        if csv {
            return Ok(IndicatorTable::Csv(table.to_csv()));
        }
        let mut chosen: Vec<&str> = table.rows.iter().map(|row| row.indicator).collect();
        chosen.dedup();
        let choropleth = Choropleth {
            indicators: chosen.iter().map(|s| (*s).to_owned()).collect(),
            period: period.map(str::to_owned),
        };
        Ok(IndicatorTable::Json(json!({
            "layer": self.reference(at.position),
            "data_version": self.data_version(),
            "indicators": choropleth.provenance(joins),
            "rows": table.rows,
        })))
    }
}

/// A layer's table of indicator values, as asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum IndicatorTable {
    /// `area_id,area_name,indicator,period,value,method,coverage,estimated_from` rows.
    Csv(String),
    /// The layer's reference, the data version, the indicators' provenance and the rows.
    Json(Json),
}

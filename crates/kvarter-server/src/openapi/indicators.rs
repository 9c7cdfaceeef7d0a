//! The indicators: the catalogue (`/api/indicators`) and the values joined onto a layer's areas
//! (`/api/layers/{id}/indicators`), with the schemas of both; also the query parameters that
//! join indicator values onto features and tiles.

use kvarter_service::choropleth::MAX_INDICATORS;
use serde_json::{Value, json};

use super::{extend, json_response, layer_id, query, response, schema};

/// The query parameters `indicators` and `period` of the feature and tile routes, in that order.
pub(super) fn join_parameters() -> [Value; 2] {
    let indicators = query(
        "indicators",
        &format!(
            "Comma-separated ids of indicators with data (at most {MAX_INDICATORS}; see /api/indicators) whose \
             values to add to every feature: `{{id}}` (number) and `{{id}}_method` (`key` when the dataset is \
             on this layer, `area_weighted` when estimated from the units of another layer). An area \
             without a value gets neither. An unknown indicator, one without data, or a service \
             without indicators is a 400."
        ),
        &json!({"type": "string"}),
        &json!("population"),
    );
    let period = query(
        "period",
        "The period of the indicator values, as listed in the indicator's `periods`; every indicator \
         named must have it (else a 400). Default: each indicator's latest. Only with indicators=.",
        &json!({"type": "string"}),
        &json!("2019"),
    );
    [indicators, period]
}

/// The catalogue and table paths.
pub(super) fn paths() -> Value {
    let layer_id = layer_id();
    json!({
        "/api/layers/{id}/indicators": {"get": {
            "operationId": "getIndicatorTable",
            "summary": "Indicator values joined onto a layer's areas: one row per area and indicator, with \
                how each value was obtained (method, coverage, the units it comes from and their weights).",
            "description": "A dataset on the layer itself gives a key join (method `key`, the table's own \
                value). Otherwise the value is estimated from the dataset's units by the ground they share \
                with the area, measured in EPSG:25832 (method `area_weighted`): counts (extensive) are split \
                by overlap fraction and summed, rates (intensive) averaged, weighted by the indicator's \
                `weight` (e.g. population) or by overlap area. An area no unit overlaps has a row without a \
                value. The JSON answer carries each indicator's provenance (datasets with publisher, \
                vintage, licence and status); the CSV has the columns \
                area_id,area_name,indicator,period,value,method,coverage,estimated_from.",
            "parameters": [
                layer_id,
                query("indicators", "Comma-separated ids of indicators with data; default: all of them.",
                      &json!({"type": "string"}), &json!("population,disposable_income_mean")),
                query("period", "The period of every indicator named (each must have it); default: each \
                      indicator's latest.", &json!({"type": "string"}), &json!("2019")),
                query("format", "json (default) or csv.",
                      &json!({"type": "string", "enum": ["json", "csv"], "default": "json"}), &json!("csv")),
            ],
            "responses": {
                "200": {"description": "The table.",
                        "content": {"application/json": {"schema": schema("IndicatorTable")},
                                    "text/csv": {"schema": {"type": "string"}}}},
                "400": json_response("A bad parameter (bad_parameter): an unknown indicator, one without \
                    data, a period an indicator does not have, an unknown format, or a service without \
                    indicators.", "Error"),
                "404": response("NotFound"),
                "422": response("NotAreaLayer"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
        "/api/indicators": {"get": {
            "operationId": "listIndicators",
            "summary": "The indicator catalogue: the policies whose criteria are measured, the datasets \
                with their provenance (publisher, vintage, licence, status, geography), the indicators \
                with has_data and their periods (or why there is no data offline), and figures quoted \
                from the policy documents.",
            "responses": {"200": json_response("The catalogue.", "IndicatorCatalogue"),
                          "400": json_response("An unknown parameter, or the service has no indicators \
                              (its data folder has no indicators/catalogue.toml) (bad_parameter).", "Error")},
        }},
    })
}

/// The schemas of the catalogue and provenance, then of the joined values.
pub(super) fn schemas() -> Value {
    let mut schemas = catalogue_schemas();
    extend(&mut schemas, value_schemas());
    schemas
}

/// The catalogue: policies, datasets and indicators, and the provenance of values.
fn catalogue_schemas() -> Value {
    json!({
        "Title": {"type": "object", "required": ["da", "en"],
                  "properties": {"da": {"type": "string"}, "en": {"type": "string"}}},
        "DatasetProvenance": {
            "type": "object", "description": "Where indicator values come from and how far to trust them.",
            "required": ["id", "title", "publisher", "vintage", "licence", "status", "geography"],
            "properties": {
                "id": {"type": "string"}, "title": schema("Title"), "publisher": {"type": "string"},
                "vintage": {"type": "string"}, "licence": {"type": "string"}, "status": schema("Status"),
                "geography": {"type": "string", "description": "The layer whose areas the table's units are."},
                "caveat": {"type": ["string", "null"]},
            },
        },
        "Dataset": {
            "description": "A dataset of the catalogue: its provenance, where the publisher serves it, the \
                source files and the table built from them.",
            "allOf": [schema("DatasetProvenance"), {
                "type": "object", "required": ["origin", "files", "table"],
                "properties": {"origin": {"type": "string"},
                               "files": {"type": "array", "items": {"type": "string"}},
                               "table": {"type": "string"}},
            }],
        },
        "Measure": {"type": "string", "enum": ["extensive", "intensive"],
                    "description": "extensive: a count, split and summed over areas; intensive: a rate or mean, averaged."},
        "Direction": {"type": "string", "enum": ["higher_is_worse", "higher_is_better", "neutral"]},
        "Method": {"type": "string", "enum": ["key", "area_weighted"],
                   "description": "key: the dataset is on this layer; area_weighted: estimated from another layer's units."},
        "Indicator": {
            "type": "object",
            "required": ["id", "title", "unit", "measure", "direction", "definition", "policies",
                         "datasets", "has_data", "periods"],
            "properties": {
                "id": {"type": "string"}, "title": schema("Title"), "unit": schema("Title"),
                "measure": schema("Measure"), "direction": schema("Direction"),
                "definition": schema("Title"),
                "policies": {"type": "array", "items": {"type": "string"},
                             "description": "Policies using it as a criterion; empty for context."},
                "datasets": {"type": "array", "items": {"type": "string"},
                             "description": "The first is the one area-weighted joins use."},
                "no_data": {"allOf": [schema("Title")], "description": "Why there is no data (only when has_data is false)."},
                "weight": {"type": "string", "description": "Intensive only: the count that weights overlaps."},
                "has_data": {"type": "boolean"},
                "periods": {"type": "array", "items": {"type": "string"}, "description": "Sorted; the last is the latest."},
            },
        },
        "IndicatorCatalogue": {
            "type": "object", "required": ["data_version", "policies", "datasets", "indicators", "facts"],
            "properties": {
                "data_version": {"type": "string"},
                "policies": {"type": "array", "items": {
                    "type": "object", "required": ["id", "title", "document"],
                    "properties": {"id": {"type": "string"}, "title": schema("Title"),
                                   "document": {"type": "string"}, "note": {"type": "string"}}}},
                "datasets": {"type": "array", "items": schema("Dataset")},
                "indicators": {"type": "array", "items": schema("Indicator")},
                "facts": {"type": "array", "items": {
                    "type": "object", "description": "A figure published in a policy document, with the exact words it comes from.",
                    "required": ["id", "policy", "subject", "value", "unit", "period", "quote"],
                    "properties": {"id": {"type": "string"}, "policy": {"type": "string"},
                                   "indicator": {"type": "string"}, "subject": schema("Title"),
                                   "value": {"type": "number"}, "unit": schema("Title"),
                                   "period": {"type": "string"}, "quote": {"type": "string"}}}},
            },
        },
        "IndicatorProvenance": {
            "type": "object", "description": "An indicator's definition and the provenance of its values.",
            "required": ["id", "title", "unit", "measure", "direction", "period", "datasets"],
            "properties": {
                "id": {"type": "string"}, "title": schema("Title"), "unit": schema("Title"),
                "measure": schema("Measure"), "direction": schema("Direction"),
                "period": {"type": "string", "description": "The period asked for, or \"latest\"."},
                "datasets": {"type": "array", "items": schema("DatasetProvenance")},
                "note": {"type": "string"},
            },
        },
    })
}

/// The joined values and the table of them.
fn value_schemas() -> Value {
    json!({
        "Contribution": {
            "type": "object", "description": "One source unit's part in a value.",
            "required": ["unit_id", "unit_name", "overlap_m2", "fraction_of_unit", "weight"],
            "properties": {
                "unit_id": {"type": "string"}, "unit_name": {"type": ["string", "null"]},
                "overlap_m2": {"type": "number", "description": "Ground shared with the area, m² (EPSG:25832)."},
                "fraction_of_unit": {"type": "number"},
                "weight": {"type": "number", "description": "Its share of the value; a value's weights sum to 1."},
            },
        },
        "JoinedValue": {
            "type": "object",
            "required": ["indicator", "period", "value", "method", "dataset", "weighting", "coverage", "contributions"],
            "properties": {
                "indicator": {"type": "string"}, "period": {"type": "string"}, "value": {"type": "number"},
                "method": schema("Method"), "dataset": {"type": "string"},
                "weighting": {"type": ["string", "null"],
                              "description": "area, or the weight indicator's id; null for key joins."},
                "weight_period": {"type": "string", "description": "When the weights are of another period."},
                "coverage": {"type": "number", "description": "Share of the area covered by units with a value, 0–1."},
                "contributions": {"type": "array", "items": schema("Contribution"),
                                  "description": "Largest weight first."},
            },
        },
        "IndicatorTable": {
            "type": "object", "required": ["layer", "data_version", "indicators", "rows"],
            "properties": {
                "layer": schema("LayerReference"), "data_version": {"type": "string"},
                "indicators": {"type": "array", "items": schema("IndicatorProvenance")},
                "rows": {"type": "array", "description": "One per area and indicator, area by area in layer order.",
                         "items": {
                    "type": "object",
                    "description": "area_id, area_name, indicator, period and value (null when the area has \
                        none); with a value also the JoinedValue members method, dataset, weighting, \
                        weight_period, coverage and contributions.",
                    "required": ["area_id", "area_name", "indicator", "period", "value"],
                    "properties": {"area_id": {"type": "string"}, "area_name": {"type": ["string", "null"]},
                                   "indicator": {"type": "string"}, "period": {"type": "string"},
                                   "value": {"type": ["number", "null"]}},
                    "additionalProperties": true}},
            },
        },
    })
}

//! One area's report, `/api/areas/{layer}/{fid}`: the area, its indicators and its membership in
//! the designation layers.

use serde_json::{Value, json};

use super::{geo_responses, json_response, schema};

/// The path of the report.
pub(super) fn paths() -> Value {
    json!({
        "/api/areas/{layer}/{fid}": {"get": {
            "operationId": "getArea",
            "summary": "Everything about one area: the area, its layer's summary with status and \
                provenance, every indicator of the catalogue (values per period with method, sources and \
                weights, or has_data=false and why), and its membership in every other designation layer.",
            "description": "Membership is measured, not looked up by name: the area is overlaid with each \
                designation layer in EPSG:25832, and every designated area it overlaps by at least 1 m² is \
                listed with overlap_m2, share_of_area and share_of_designated_area. A line layer's feature \
                has no designations. `indicators` is null when the service has no indicators.",
            "parameters": [
                {"name": "layer", "in": "path", "required": true,
                 "description": "A layer id, as listed by /api/layers.",
                 "schema": {"type": "string"}, "example": "roder-2023"},
                {"name": "fid", "in": "path", "required": true,
                 "description": "The area id (the feature's top-level id).",
                 "schema": {"type": "string"}},
            ],
            "responses": geo_responses(&json_response("The area.", "AreaReport")),
        }},
    })
}

/// The report and its parts.
pub(super) fn schemas() -> Value {
    json!({
        "AreaIndicator": {
            "type": "object",
            "description": "With data: datasets, latest (the latest value with its contributions), \
                estimated_from (\"Valby 62 %; Vesterbro 38 %\", empty for key joins) and series (every \
                period). Without: has_data=false and no_data (why).",
            "required": ["id", "title", "unit", "measure", "direction", "definition", "policies", "has_data"],
            "properties": {
                "id": {"type": "string"}, "title": schema("Title"), "unit": schema("Title"),
                "measure": schema("Measure"), "direction": schema("Direction"),
                "definition": schema("Title"), "policies": {"type": "array", "items": {"type": "string"}},
                "has_data": {"type": "boolean"}, "no_data": schema("Title"),
                "datasets": {"type": "array", "items": schema("DatasetProvenance")},
                "latest": {"oneOf": [schema("JoinedValue"), {"type": "null"}]},
                "estimated_from": {"type": ["string", "null"]},
                "series": {"type": "array", "items": {
                    "type": "object", "required": ["period", "value", "method", "coverage"],
                    "properties": {"period": {"type": "string"}, "value": {"type": "number"},
                                   "method": schema("Method"), "coverage": {"type": "number"}}}},
            },
        },
        "Membership": {
            "type": "object", "description": "The area's overlap with one designation layer.",
            "required": ["layer", "status", "valid_from", "valid_to", "in_designation",
                         "share_of_area_designated", "areas"],
            "properties": {
                "layer": schema("LayerReference"), "status": schema("Status"),
                "valid_from": {"type": ["string", "null"], "format": "date"},
                "valid_to": {"type": ["string", "null"], "format": "date"},
                "in_designation": {"type": "boolean"},
                "share_of_area_designated": {"type": "number",
                    "description": "The share of the area inside any of the layer's designated areas, 0–1."},
                "areas": {"type": "array", "items": {
                    "type": "object",
                    "required": ["id", "name", "parent", "overlap_m2", "share_of_area", "share_of_designated_area"],
                    "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                                   "parent": {"type": ["string", "null"]},
                                   "overlap_m2": {"type": "number"},
                                   "share_of_area": {"type": "number"},
                                   "share_of_designated_area": {"type": "number"}}}},
            },
        },
        "AreaReport": {
            "type": "object", "required": ["data_version", "layer", "area", "indicators", "designations"],
            "properties": {
                "data_version": {"type": "string"},
                "layer": schema("LayerSummary"),
                "area": {"type": "object", "required": ["id", "name", "parent", "area_m2", "properties", "geometry"],
                         "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                                        "parent": {"type": ["string", "null"]},
                                        "area_m2": {"type": ["number", "null"]},
                                        "properties": {"type": "object"},
                                        "geometry": {"type": "string", "description": "The URL of the area's Feature."}}},
                "indicators": {"type": ["array", "null"], "items": schema("AreaIndicator"),
                               "description": "Every indicator of the catalogue; null without indicators."},
                "designations": {"type": "array", "items": schema("Membership"),
                                 "description": "Every designation layer but the area's own, in layer order."},
            },
        },
    })
}

//! The layers: the catalogue (`/api/layers`, `/api/layers/{id}`) and a layer's areas as `GeoJSON`
//! (`/api/layers/{id}/features`, `…/features/{fid}`), with the schemas of layers and features.

use kvarter_service::features::{DEFAULT_PRECISION, MAX_PRECISION, MAX_SIMPLIFY_METRES};
use serde_json::{Value, json};

use super::{
    extend, geo_responses, geojson_response, indicators, json_response, layer_id, query, response,
    schema,
};

/// The catalogue and feature paths.
pub(super) fn paths() -> Value {
    let layer_id = layer_id();
    let simplify = query(
        "simplify",
        "Simplification tolerance in metres (0 = none), turned into degrees by dividing by 111 320. \
         Polygons: topology-preserving Visvalingam–Whyatt (threshold = tolerance²); lines: Douglas–Peucker.",
        &json!({"type": "number", "minimum": 0, "maximum": MAX_SIMPLIFY_METRES}),
        &json!(25),
    );
    let precision = query(
        "precision",
        "Decimal places every output coordinate is rounded to.",
        &json!({"type": "integer", "minimum": 0, "maximum": MAX_PRECISION, "default": DEFAULT_PRECISION}),
        &json!(6),
    );
    let properties = query(
        "properties",
        "Comma-separated property names to keep; id, layer and status are always kept. \
         An unknown name is a 400 listing the available ones.",
        &json!({"type": "string"}),
        &json!("name,area_m2"),
    );
    let [indicators, period] = indicators::join_parameters();
    json!({
        "/api/layers": {"get": {
            "operationId": "listLayers",
            "summary": "All layers with their metadata, status, feature count and bounds.",
            "responses": {"200": json_response("The layers, in manifest order.", "LayerList"),
                          "400": response("BadRequest")},
        }},
        "/api/layers/{id}": {"get": {
            "operationId": "getLayer",
            "summary": "One layer's summary.",
            "parameters": [layer_id],
            "responses": {"200": json_response("The layer.", "LayerSummary"),
                          "400": response("BadRequest"),
                          "404": response("NotFound")},
        }},
        "/api/layers/{id}/features": {"get": {
            "operationId": "getFeatures",
            "summary": "A layer's areas as an RFC 7946 FeatureCollection (lon/lat).",
            "description": "The foreign member `layer` gives the layer's status, licence and source. With \
                indicators=, every feature also carries the indicator values and their method, and the \
                foreign member `indicators` their definitions and provenance (datasets with publisher, \
                vintage, licence and status).",
            "parameters": [
                layer_id,
                query("bbox", "Only areas intersecting west,south,east,north (degrees; w ≤ e, s ≤ n).",
                      &json!({"type": "string"}), &json!("12.45,55.65,12.60,55.73")),
                simplify, precision, properties, indicators, period,
            ],
            "responses": {
                "200": geojson_response("The features.", "FeatureCollection"),
                "400": response("BadRequest"),
                "404": response("NotFound"),
                "413": response("TooManyFeatures"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
        "/api/layers/{id}/features/{fid}": {"get": {
            "operationId": "getFeature",
            "summary": "One area of a layer as a GeoJSON Feature, with the foreign members `layer` and \
                (with indicators=) `indicators`, as for the collection.",
            "parameters": [
                layer_id,
                {"name": "fid", "in": "path", "required": true,
                 "description": "The area id (the feature's top-level id).",
                 "schema": {"type": "string"}},
                simplify, precision, properties, indicators, period,
            ],
            "responses": geo_responses(&geojson_response("The feature.", "Feature")),
        }},
    })
}

/// The schemas of layers, then of features.
pub(super) fn schemas() -> Value {
    let mut schemas = layer_schemas();
    extend(&mut schemas, feature_schemas());
    schemas
}

/// A layer's status and kind, how other answers name it, and its summary.
fn layer_schemas() -> Value {
    json!({
        "Status": {"type": "string", "enum": ["official", "reconstructed", "imported", "synthetic"],
                   "description": "Where the geometry comes from; reconstructed layers are approximations built by `method`."},
        "LayerKind": {"type": "string", "enum": ["municipal_designation", "state_designation", "admin_unit", "base_map"]},
        "LayerReference": {
            "type": "object",
            "description": "How lookups name a layer; `links.self` leads to the full LayerSummary (with method and notes). LayerSummary has every member of this too.",
            "required": ["id", "title", "kind", "authority", "policy", "valid_from", "valid_to",
                         "status", "licence", "source", "confidence", "links"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "object", "required": ["da", "en"],
                          "properties": {"da": {"type": "string"}, "en": {"type": "string"}}},
                "kind": schema("LayerKind"),
                "authority": {"type": "string"},
                "policy": {"type": ["string", "null"]},
                "valid_from": {"type": ["string", "null"], "format": "date", "description": "First day in force (inclusive)."},
                "valid_to": {"type": ["string", "null"], "format": "date", "description": "First day no longer in force (exclusive)."},
                "status": schema("Status"),
                "licence": {"type": "string"},
                "source": {"type": "object", "required": ["publisher", "vintage"],
                           "properties": {"publisher": {"type": "string"}, "vintage": {"type": "string"}}},
                "confidence": {"type": ["string", "null"], "description": "For reconstructed layers: how far to trust them."},
                "links": {"type": "object", "required": ["self", "features"],
                          "properties": {"self": {"type": "string"}, "features": {"type": "string"}}},
            },
        },
        "LayerSummary": {
            "description": "Everything about a layer except its areas: the LayerReference members, the full source, the notes and the counts.",
            "allOf": [schema("LayerReference"), {
                "type": "object",
                "required": ["validity_note", "source", "method", "feature_count", "bounds", "state_lists", "part_of"],
                "properties": {
                    "validity_note": {"type": ["string", "null"]},
                    "source": {"type": "object", "required": ["publisher", "origin", "files", "vintage"],
                               "properties": {"publisher": {"type": "string"}, "origin": {"type": "string"},
                                              "files": {"type": "array", "items": {"type": "string"}},
                                              "vintage": {"type": "string"}}},
                    "method": {"type": ["string", "null"], "description": "For reconstructed layers: the rule that built them."},
                    "feature_count": {"type": "integer"},
                    "bounds": {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 4, "maxItems": 4,
                               "description": "[west, south, east, north] in degrees; null for an empty layer."},
                    "state_lists": {"type": "array", "items": {"type": "string"},
                                    "description": "For a municipal designation of the 2025 kind: the state lists that count \
                                        as part of it (in force on a common day); empty otherwise."},
                    "part_of": {"type": "array", "items": {"type": "string"},
                                "description": "For a state list: the municipal designations it counts as part of; empty otherwise."},
                },
            }],
        },
        "LayerList": {
            "type": "object", "required": ["data_version", "layers"],
            "properties": {"data_version": {"type": "string"},
                           "layers": {"type": "array", "items": schema("LayerSummary")}},
        },
    })
}

/// A layer's areas as `GeoJSON`, with the foreign member `layer`.
fn feature_schemas() -> Value {
    json!({
        "FeatureProperties": {
            "type": "object", "required": ["id", "layer", "status"],
            "description": "id, name, parent, area_m2, layer, status, then the area's source properties \
                (a source property whose name clashes with these is written as source:<name>); with \
                indicators=, `{id}` (number) and `{id}_method` (key | area_weighted) per indicator.",
            "properties": {
                "id": {"type": "string"}, "name": {"type": ["string", "null"]},
                "parent": {"type": ["string", "null"]}, "area_m2": {"type": ["number", "null"]},
                "layer": {"type": "string"}, "status": schema("Status"),
            },
            "additionalProperties": true,
        },
        "LayerMember": {
            "type": "object", "description": "Foreign member `layer`: which layer, its status, licence and publisher.",
            "properties": {"id": {"type": "string"}, "title": {"type": "object"}, "status": schema("Status"),
                           "licence": {"type": "string"},
                           "source": {"type": "object", "properties": {"publisher": {"type": "string"},
                                                                        "vintage": {"type": "string"}}}},
        },
        "Feature": {
            "type": "object", "required": ["type", "id", "geometry", "properties"],
            "properties": {"type": {"const": "Feature"}, "id": {"type": "string"},
                           "geometry": {"type": "object", "description": "RFC 7946 geometry in lon/lat."},
                           "properties": schema("FeatureProperties"),
                           "layer": schema("LayerMember"),
                           "indicators": {"type": "array", "items": schema("IndicatorProvenance"),
                                          "description": "Only with indicators=."}},
        },
        "FeatureCollection": {
            "type": "object", "required": ["type", "features"],
            "properties": {"type": {"const": "FeatureCollection"},
                           "features": {"type": "array", "items": schema("Feature")},
                           "layer": schema("LayerMember"),
                           "indicators": {"type": "array", "items": schema("IndicatorProvenance"),
                                          "description": "Only with indicators=."}},
        },
    })
}

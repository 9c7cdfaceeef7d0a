//! The API's description, `GET /api/openapi.json`: an `OpenAPI` 3.1.0 document written by hand,
//! kept next to the routes and checked by a test to cover every one of them.

use std::sync::LazyLock;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::BATCH_ROUTE;
use crate::features::{DEFAULT_PRECISION, MAX_PRECISION, MAX_SIMPLIFY_METRES};
use crate::indicators::MAX_INDICATORS;
use crate::reverse::{DEFAULT_RADIUS_M, MAX_RADIUS_M};
use crate::search::{DEFAULT_LIMIT, MAX_LIMIT};
use kvarter_glyphs::FONTS;

/// The document, built once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(document);

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    Json(&*DOCUMENT).into_response()
}

/// A reference to a schema in `components`.
fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// A reference to a response in `components`.
fn response(name: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{name}")})
}

/// A JSON response with the given schema.
fn json_response(description: &str, schema_name: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema(schema_name)}},
    })
}

/// A `GeoJSON` response with the given schema.
fn geojson_response(description: &str, schema_name: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/geo+json": {"schema": schema(schema_name)}},
    })
}

fn query(name: &str, description: &str, schema: &Value, example: &Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description,
           "schema": schema, "example": example})
}

/// The whole `OpenAPI` document.
#[expect(
    clippy::too_many_lines,
    reason = "literal documents read better than ones split into pieces; json!'s recursion limit alone splits it"
)]
pub fn document() -> Value {
    let layer_id = json!({
        "name": "id", "in": "path", "required": true,
        "description": "A layer id, as listed by /api/layers.",
        "schema": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,63}$"},
        "example": "udsatte-byomraader-2017",
    });
    let layer_set = json!({
        "name": "layers", "in": "path", "required": true,
        "description": "One layer id, or several separated by commas (at most 32), as listed by /api/layers.",
        "schema": {"type": "string"},
        "example": "udsatte-byomraader-2017,roder-2023",
    });
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
    // `from` and `to` of a comparison, in the path (`in: path`) or the query (`in: query`).
    let compared = |name: &str, place: &str, example: &str| {
        let side = if name == "from" {
            "earlier (or reference)"
        } else {
            "later"
        };
        json!({"name": name, "in": place, "required": true,
               "description": format!("The {side} area layer's id, as listed by /api/layers."),
               "schema": {"type": "string"}, "example": example})
    };
    let tile_xyz = json!([
        {"name": "z", "in": "path", "required": true, "description": "Zoom level, 0–20.",
         "schema": {"type": "integer", "minimum": 0, "maximum": 20}, "example": 12},
        {"name": "x", "in": "path", "required": true, "description": "Column, 0 … 2^z − 1, from the west.",
         "schema": {"type": "integer", "minimum": 0}, "example": 2190},
        {"name": "y", "in": "path", "required": true, "description": "Row, 0 … 2^z − 1, from the north.",
         "schema": {"type": "integer", "minimum": 0}, "example": 1282},
    ]);
    let tile_responses = json!({
        "200": {"description": "The tile.",
                "content": {"application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}}},
        "204": {"description": "The tile has no features."},
        "304": {"description": "Not modified (If-None-Match matched the ETag)."},
        "400": response("BadRequest"),
        "404": response("NotFound"),
    });
    let geo_responses = |ok: Value| {
        json!({
            "200": ok,
            "400": response("BadRequest"),
            "404": response("NotFound"),
            "405": response("MethodNotAllowed"),
            "503": response("Timeout"),
            "500": response("Internal"),
        })
    };

    // json! recurses once per member, so the document is built in parts and joined.
    let indicator_paths = json!({
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
            "responses": geo_responses(json_response("The area.", "AreaReport")),
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
        "/api/compare": {"get": {
            "operationId": "compare",
            "summary": "The diff between two area layers (e.g. the 2011 and 2017 designations): what was \
                kept, removed and added, in m² (EPSG:25832), per pair of overlapping areas and per area, \
                with both layers' provenance and the weaker of their statuses.",
            "description": "Areas are matched by overlap, not by name; overlaps below max(1 m², 0.1 % of the \
                smaller area) are marked as slivers. json: the full report (geometry left out); geojson: one \
                feature per piece with change = kept | added | removed and the report's header in the \
                foreign member `comparison`; csv: one row per pair (kept) and per removed or added part, \
                each naming both layers and their statuses. Strong ETag from the data version, the layers \
                and the format; If-None-Match gives 304.",
            "parameters": [
                compared("from", "query", "udsatte-byomraader-2011"),
                compared("to", "query", "udsatte-byomraader-2017"),
                query("format", "json (default), geojson or csv.",
                      &json!({"type": "string", "enum": ["json", "geojson", "csv"], "default": "json"}),
                      &json!("geojson")),
            ],
            "responses": {
                "200": {"description": "The comparison.",
                        "content": {"application/json": {"schema": schema("Comparison")},
                                    "application/geo+json": {"schema": schema("ChangeCollection")},
                                    "text/csv": {"schema": {"type": "string"}}}},
                "304": {"description": "Not modified (If-None-Match matched the ETag)."},
                "400": json_response("from or to missing, an unknown format or parameter (bad_parameter).", "Error"),
                "404": response("NotFound"),
                "422": response("NotAreaLayer"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
    });
    let compare_tile_paths = json!({
        "/tiles/compare/{from}/{to}.json": {"get": {
            "operationId": "compareTilejson",
            "summary": "TileJSON 3.0.0 of the map of a comparison: one vector layer of pieces with the fields \
                change, from_id, from_name, to_id, to_name, from_layer, from_status, to_layer, to_status, and \
                its status (the weaker of the two layers').",
            "parameters": [compared("from", "path", "udsatte-byomraader-2011"),
                           compared("to", "path", "udsatte-byomraader-2017")],
            "responses": {"200": {"description": "The TileJSON document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": response("BadRequest"),
                          "404": response("NotFound"),
                          "422": response("NotAreaLayer")},
        }},
        "/tiles/compare/{from}/{to}/{z}/{x}/{y}.mvt": {"get": {
            "operationId": "compareTile",
            "summary": "A Mapbox Vector Tile of the map of a comparison: every piece with change = kept | \
                added | removed, from_id, from_name, to_id, to_name, and both layers' ids and statuses \
                (from_layer, from_status, to_layer, to_status), so a legend can say when a side is \
                reconstructed.",
            "description": "Caching, ETag, 304, 204 and content negotiation as for /tiles/{layers}/{z}/{x}/{y}.mvt.",
            "parameters": [compared("from", "path", "udsatte-byomraader-2011"),
                           compared("to", "path", "udsatte-byomraader-2017"),
                           tile_xyz[0], tile_xyz[1], tile_xyz[2]],
            "responses": {
                "200": tile_responses["200"],
                "204": tile_responses["204"],
                "304": tile_responses["304"],
                "400": response("BadRequest"),
                "404": response("NotFound"),
                "422": response("NotAreaLayer"),
            },
        }},
    });
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Kvarter",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Boundaries of Copenhagen's udsatte byområder (vulnerable urban areas) — \
                versioned designation layers, each marked official or reconstructed — and \
                administrative units, as GeoJSON, vector tiles and point lookups; the indicators \
                behind the designations joined onto every area layer (each value with its method and \
                sources); and the diff between two layers. Every error is JSON \
                {\"error\": code, \"detail\": sentence}. Empty parameters count as absent; \
                unknown or repeated parameters are a 400.",
            "license": {"name": "MIT OR Apache-2.0 (software); each layer states its data licence"},
        },
        "paths": {
            "/health": {"get": {
                "operationId": "health",
                "summary": "Liveness, data version and layer count.",
                "responses": {"200": json_response("The service is up.", "Health"),
                              "400": response("BadRequest")},
            }},
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
                "responses": geo_responses(geojson_response("The feature.", "Feature")),
            }},
            "/api/lookup": {"get": {
                "operationId": "lookup",
                "summary": "Which designations (per year, with status) and admin units contain a point.",
                "description": "Give lon and lat (EPSG:4326), or x, y and srid (25832 = ETRS89 / UTM 32N metres, \
                    or 4326), not both. Every designation layer asked for (or in force on `at`) is listed, \
                    with designated=false when the point is in none of its areas.",
                "parameters": [
                    query("lon", "Longitude, degrees (−180…180).", &json!({"type": "number"}), &json!(12.4622)),
                    query("lat", "Latitude, degrees (−90…90).", &json!({"type": "number"}), &json!(55.7134)),
                    query("x", "Easting (with srid=25832, metres) or longitude (srid=4326).",
                          &json!({"type": "number"}), &json!(717_600)),
                    query("y", "Northing (with srid=25832, metres) or latitude (srid=4326).",
                          &json!({"type": "number"}), &json!(6_178_800)),
                    query("srid", "CRS of x and y; required with them.",
                          &json!({"type": "integer", "enum": [25832, 4326]}), &json!(25832)),
                    query("at", "Only designation layers in force on this day (admin units unaffected).",
                          &json!({"type": "string", "format": "date"}), &json!("2025-01-01")),
                    query("layers", "Comma-separated layer ids to consider (default: all but base maps). \
                          Base-map layers named here are answered under base_map.",
                          &json!({"type": "string"}), &json!("udsatte-byomraader-2011,udsatte-byomraader-2017")),
                    query("address", "Instead of a point: an address text (typos, missing æøå, floor and door are \
                          tolerated). The answer is the best match with its confidence and the lookup at its \
                          point (AddressLookupAnswer); no match is a 200 with match null and a note. Not together \
                          with lon/lat or x/y/srid.",
                          &json!({"type": "string", "maxLength": 200}), &json!("Mjølnerparken 2, 2200 København N")),
                ],
                "responses": {
                    "200": {"description": "What contains the point (LookupAnswer), or, with address=, the best \
                                match and what contains its point (AddressLookupAnswer).",
                            "content": {"application/json": {"schema": {"oneOf": [schema("LookupAnswer"),
                                                                                  schema("AddressLookupAnswer")]}}}},
                    "400": response("BadRequest"),
                    "422": response("Unconvertible"),
                    "500": response("Internal"),
                    "503": response("Timeout"),
                },
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
            "/tiles/{layers}.json": {"get": {
                "operationId": "tilejson",
                "summary": "TileJSON 3.0.0 of one layer or several (comma-separated): tile URL, zoom levels, \
                    bounds, centre, vector layers with field types, and attribution with source, licence and status.",
                "description": "With indicators= (and period=), the tile URL asks for the same indicators, every \
                    vector layer lists `{id}` (Number) and `{id}_method` (String), and the attribution names \
                    the indicators' datasets with publisher, vintage, licence and status.",
                "parameters": [layer_set, indicators, period],
                "responses": {"200": {"description": "The TileJSON document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}},
                              "400": response("BadRequest"),
                              "404": response("NotFound")},
            }},
            "/tiles/{layers}/{z}/{x}/{y}.mvt": {"get": {
                "operationId": "tile",
                "summary": "A Mapbox Vector Tile (2.1): one MVT layer per source layer, each followed by \
                    `{layer}_labels` (one point per area). Features carry id, name, layer, status, parent, \
                    area_m2, source, vintage, licence (and confidence for reconstructions); feature ids are \
                    stable across zoom levels and restarts.",
                "description": "Extent 4096 and buffer 64 unless configured. gzip or brotli by Accept-Encoding \
                    (Vary: accept-encoding). Strong ETag from data version, layers, tile and encoding; \
                    If-None-Match gives 304. A tile without features is 204 with the same caching headers. \
                    With indicators= (and period=), features and labels also carry `{id}` (number) and \
                    `{id}_method` (key | area_weighted) for every indicator with a value on the area.",
                "parameters": [layer_set, tile_xyz[0], tile_xyz[1], tile_xyz[2], indicators, period],
                "responses": tile_responses,
            }},
        },
        "components": {
            "responses": {
                "BadRequest": json_response("A parameter is missing, malformed, out of range or unknown (error: bad_parameter).", "Error"),
                "NotFound": json_response("Unknown layer (unknown_layer, lists the known ids), feature (unknown_feature), asset (unknown_asset), font (unknown_font, lists the served fonts) or route (not_found).", "Error"),
                "MethodNotAllowed": json_response("Only GET and HEAD are answered, and POST on /api/lookup/batch only (method_not_allowed).", "Error"),
                "TooManyFeatures": json_response("More features than max_features would be returned; use bbox (too_many_features).", "Error"),
                "Unconvertible": json_response("The coordinate could not be converted to lon/lat (unconvertible_coordinate).", "Error"),
                "Timeout": json_response("The request took longer than the configured timeout (timeout).", "Error"),
                "NotAreaLayer": json_response("The layer holds lines (streets), not areas; comparisons and indicator joins need area layers (not_an_area_layer).", "Error"),
                "Internal": json_response("Internal failure; details are in the server log (internal).", "Error"),
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "detail"],
                    "properties": {
                        "error": {"type": "string", "description": "Machine-readable code.",
                                  "enum": ["bad_parameter", "unknown_layer", "unknown_feature",
                                           "unknown_asset", "unknown_font", "not_found",
                                           "method_not_allowed", "too_many_features", "body_too_large",
                                           "too_many_rows", "bad_csv",
                                           "unconvertible_coordinate", "not_an_area_layer", "timeout",
                                           "internal"]},
                        "detail": {"type": "string", "description": "A sentence naming the parameter, value and problem."},
                    },
                },
                "Health": {
                    "type": "object", "required": ["status", "data_version", "layers"],
                    "properties": {"status": {"const": "ok"}, "data_version": {"type": "string"},
                                   "layers": {"type": "integer"},
                                   "tile_cache": {"type": ["object", "null"],
                                                  "description": "null when the tile cache is off.",
                                                  "properties": {"tiles": {"type": "integer"},
                                                                 "bytes": {"type": "integer", "description": "Weighted size (identity bytes × 3)."},
                                                                 "capacity_bytes": {"type": "integer"}}}},
                },
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
                        "required": ["validity_note", "source", "method", "feature_count", "bounds"],
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
                        },
                    }],
                },
                "LayerList": {
                    "type": "object", "required": ["data_version", "layers"],
                    "properties": {"data_version": {"type": "string"},
                                   "layers": {"type": "array", "items": schema("LayerSummary")}},
                },
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
                "LookupArea": {
                    "type": "object", "required": ["id", "name", "parent", "area_m2", "on_boundary", "properties"],
                    "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                                   "parent": {"type": ["string", "null"]}, "area_m2": {"type": ["number", "null"]},
                                   "on_boundary": {"type": "boolean", "description": "The point lies on the area's boundary (counted as inside)."},
                                   "properties": {"type": "object"}},
                },
                "LayerAreas": {
                    "type": "object", "required": ["layer", "areas"],
                    "properties": {"layer": schema("LayerReference"),
                                   "areas": {"type": "array", "items": schema("LookupArea")}},
                },
                "DesignationLayer": {
                    "type": "object", "required": ["layer", "designated", "areas"],
                    "properties": {"layer": schema("LayerReference"), "designated": {"type": "boolean"},
                                   "areas": {"type": "array", "items": schema("LookupArea")}},
                },
                "LookupAnswer": {
                    "type": "object", "required": ["query", "summary", "designations", "units"],
                    "properties": {
                        "query": {
                            "type": "object", "required": ["lon", "lat", "input", "at", "layers"],
                            "properties": {
                                "lon": {"type": "number"}, "lat": {"type": "number"},
                                "input": {"type": ["object", "null"], "description": "x, y and srid as given, when the point was given so.",
                                          "properties": {"x": {"type": "number"}, "y": {"type": "number"}, "srid": {"type": "integer"}}},
                                "at": {"type": ["string", "null"], "format": "date"},
                                "layers": {"type": ["array", "null"], "items": {"type": "string"}},
                            },
                        },
                        "summary": {"type": "string", "description": "One sentence per layer naming the status of each designation, e.g. \
                            \"2011 (reconstructed, in force 2011-01-01 – 2017-06-22): Husum/Tingbjerg.\""},
                        "designations": {"type": "array", "description": "Designation layers grouped by the year of valid_from, ascending (undated last, year null).",
                                         "items": {"type": "object", "required": ["year", "layers"],
                                                   "properties": {"year": {"type": ["integer", "null"]},
                                                                  "layers": {"type": "array", "items": schema("DesignationLayer")}}}},
                        "units": {"type": "array", "items": schema("LayerAreas"),
                                  "description": "Every admin-unit layer considered, with empty areas where the point is in none."},
                        "base_map": {"type": "array", "items": schema("LayerAreas"),
                                     "description": "Only when base-map layers were named in layers=."},
                    },
                },
            },
        },
    });
    for paths in [
        web_paths(),
        indicator_paths,
        compare_tile_paths,
        address_paths(),
    ] {
        extend(&mut document["paths"], paths);
    }
    for schemas in [indicator_schemas(), comparison_schemas(), address_schemas()] {
        extend(&mut document["components"]["schemas"], schemas);
    }
    document
}

/// The pages: the map, its embed view, their assets and glyphs, and the catalogue page.
fn web_paths() -> Value {
    let html = |description: &str| {
        json!({"description": description,
               "content": {"text/html": {"schema": {"type": "string"}}}})
    };
    let not_modified = json!({"description": "Not modified (If-None-Match matched the ETag)."});
    let fonts = FONTS.map(|font| font.name);
    json!({
        "/": {"get": {
            "operationId": "mapPage",
            "summary": "The map of the layers (HTML; its script and stylesheet are under /assets/, its \
                label glyphs under /fonts/).",
            "description": "Built from web/ and embedded in the binary. Cache-Control: no-cache with a \
                strong ETag (If-None-Match gives 304); a Content-Security-Policy allowing only this \
                origin (plus blob: workers and data:/blob: images for the map renderer), and \
                frame-ancestors 'self'.",
            "responses": {"200": html("The map page."), "304": not_modified},
        }},
        "/embed": {"get": {
            "operationId": "embedPage",
            "summary": "The map locked to one view, for an iframe on another site (HTML). The view is \
                given in the query string, which the page's script reads; the server ignores it.",
            "description": "As / but with frame-ancestors *, so any site may frame it.",
            "responses": {"200": html("The embed page."), "304": not_modified},
        }},
        "/about": {"get": {
            "operationId": "aboutPage",
            "summary": "The catalogue: every layer with status, source and licence, the comparison of \
                the designations, and links into the API (HTML, Danish first, no scripts).",
            "responses": {"200": html("The page.")},
        }},
        "/assets/{file}": {"get": {
            "operationId": "asset",
            "summary": "A file the pages load: app.js (text/javascript) or app.css (text/css).",
            "description": "Cache-Control: no-cache (the names carry no content hash) with a strong ETag \
                per content coding; If-None-Match gives 304. gzip or brotli by Accept-Encoding \
                (Vary: accept-encoding).",
            "parameters": [{"name": "file", "in": "path", "required": true,
                            "description": "The file's name.",
                            "schema": {"type": "string"}, "example": "app.js"}],
            "responses": {
                "200": {"description": "The file.",
                        "content": {"text/javascript": {"schema": {"type": "string"}},
                                    "text/css": {"schema": {"type": "string"}}}},
                "304": not_modified,
                "404": json_response("No such asset (unknown_asset, lists the assets).", "Error"),
            },
        }},
        "/fonts/{fontstack}/{range}.pbf": {"get": {
            "operationId": "glyphs",
            "summary": "The glyphs of 256 Unicode code points for map labels, in MapLibre's protobuf \
                format (the style's `glyphs` URL).",
            "description": "The first font of the stack that is served is used. A range the service \
                has no glyphs for is an empty glyph set (200), so labels draw the characters they \
                can. Cache-Control: public, max-age=86400, with a strong ETag; If-None-Match gives \
                304. gzip or brotli by Accept-Encoding.",
            "parameters": [
                {"name": "fontstack", "in": "path", "required": true,
                 "description": format!("Comma-separated font names, first choice first; served: {}.",
                                        fonts.join(", ")),
                 "schema": {"type": "string"}, "example": "DejaVu Sans,Arial Unicode MS Regular"},
                {"name": "range", "in": "path", "required": true,
                 "description": "{start}-{end}: start a multiple of 256, end = start + 255, at most 65535.",
                 "schema": {"type": "string", "pattern": "^[0-9]+-[0-9]+$"}, "example": "0-255"},
            ],
            "responses": {
                "200": {"description": "The glyphs.",
                        "content": {"application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}},
                "304": not_modified,
                "400": json_response("The range is not {start}-{end}.pbf with start a multiple of 256, \
                    end = start + 255 and end at most 65535 (bad_parameter).", "Error"),
                "404": json_response("None of the fonts is served (unknown_font, lists the served fonts).", "Error"),
            },
        }},
    })
}

/// The address routes: search, reverse geocoding and the batch lookup.
fn address_paths() -> Value {
    json!({
        "/api/search": {"get": {
            "operationId": "search",
            "summary": "Search addresses, streets, place names and postcodes by text, best first, each with the \
                areas it lies in (the /api/lookup answer at its point).",
            "description": "Matching is on normalised names (case, punctuation, æ/ae, ø/oe/o, å/aa); floor and door \
                are ignored. A name still being typed matches by prefix; when nothing starts with it, names \
                within 1 (4–7 characters) or 2 (8+) edits match (fuzzy, with `distance`). Score: name (exact \
                100, prefix 70–90, fuzzy 60 − 15 per edit) + house number (same number and letter +30, same \
                number +20; without a number in the query streets, places and postcodes +20) + postcode (same \
                +15, other −25; or district same +10, other −10). An unknown address is a 200 with no results; \
                a service without a gazetteer answers no results and a `note`.",
            "parameters": [
                query("q", "The text (required, at most 200 characters).",
                      &json!({"type": "string", "maxLength": 200}), &json!("Mjølnerparken 2, 2200 København N")),
                query("limit", "The most results.",
                      &json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
                      &json!(5)),
                query("types", "Comma-separated kinds to search: address, street, place, postcode (default: all).",
                      &json!({"type": "string"}), &json!("address,street")),
                query("postcode", "Only entries with this postcode (a filter; a postcode inside q only ranks).",
                      &json!({"type": "integer", "minimum": 1000, "maximum": 9999}), &json!(2200)),
            ],
            "responses": {
                "200": json_response("The results, best first.", "SearchAnswer"),
                "400": response("BadRequest"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
        "/api/reverse": {"get": {
            "operationId": "reverse",
            "summary": "The nearest address within a radius, else the nearest street or place within it, with \
                its great-circle distance and the areas at its point.",
            "description": "The point is given as for /api/lookup (lon/lat, or x, y and srid). Nothing within the \
                radius, or a service without a gazetteer, is a 200 with result null and a note.",
            "parameters": [
                query("lon", "Longitude, degrees (−180…180).", &json!({"type": "number"}), &json!(12.5426)),
                query("lat", "Latitude, degrees (−90…90).", &json!({"type": "number"}), &json!(55.7009)),
                query("x", "Easting (with srid=25832, metres) or longitude (srid=4326).",
                      &json!({"type": "number"}), &json!(724_400)),
                query("y", "Northing (with srid=25832, metres) or latitude (srid=4326).",
                      &json!({"type": "number"}), &json!(6_176_400)),
                query("srid", "CRS of x and y; required with them.",
                      &json!({"type": "integer", "enum": [25832, 4326]}), &json!(25832)),
                query("radius", "Search radius in metres.",
                      &json!({"type": "number", "minimum": 0, "maximum": MAX_RADIUS_M, "default": DEFAULT_RADIUS_M}),
                      &json!(100)),
            ],
            "responses": {
                "200": json_response("The nearest entry, or null.", "ReverseAnswer"),
                "400": response("BadRequest"),
                "422": response("Unconvertible"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
        (BATCH_ROUTE): {"post": {
            "operationId": "lookupBatch",
            "summary": "Look up a CSV of addresses: the same CSV back with the best match, its confidence and \
                point, and one column per designation layer naming the designated area(s) each address is in.",
            "description": "Body (UTF-8, `,` or — when the first line has one — `;`): a header naming an \
                `address` (or `adresse`) column, or `vejnavn`, `husnr` and `postnr` columns; or no header and one \
                address per line (commas inside need no quotes). Answer: the input columns (header `address` when \
                there was none), then matched_address, match (exact | prefix | fuzzy), confidence (0–1, as for \
                /api/lookup?address=), lon, lat, and per designation layer a column named by its id holding the \
                `;`-joined names of the areas containing the point (empty outside). Rows without a match have \
                these columns empty; so does every row when the service has no gazetteer. Limits: \
                `server.batch_max_bytes` (default 5 MiB) and `server.batch_max_rows` (default 10 000).",
            "requestBody": {"required": true,
                            "content": {"text/csv": {"schema": {"type": "string"},
                                                     "example": "address\nMjølnerparken 2, 2200 København N\n"}}},
            "responses": {
                "200": {"description": "The CSV.", "content": {"text/csv": {"schema": {"type": "string"}}}},
                "400": response("BadRequest"),
                "413": json_response("The body is larger than batch_max_bytes (body_too_large) or has more rows \
                    than batch_max_rows (too_many_rows).", "Error"),
                "422": json_response("The CSV cannot be read: not UTF-8, no rows, a header naming only some of \
                    vejnavn/husnr/postnr, a row with another number of fields than the header; the detail \
                    names the line (bad_csv).", "Error"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
    })
}

/// The answers of the address routes.
fn address_schemas() -> Value {
    let found = json!({
        "type": {"type": "string", "enum": ["address", "street", "place", "postcode"]},
        "id": {"type": "string"}, "text": {"type": "string"},
        "point": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
                  "description": "[lon, lat]"},
    });
    let mut matched = found.clone();
    extend(
        &mut matched,
        json!({
            "score": {"type": "number"},
            "match": {"type": "string", "enum": ["exact", "prefix", "fuzzy"]},
            "distance": {"type": "integer", "description": "Edits between typed and found name (fuzzy only)."},
        }),
    );
    let mut search_result = matched.clone();
    extend(&mut search_result, json!({"areas": schema("AreasAt")}));
    let mut address_match = matched;
    extend(
        &mut address_match,
        json!({"confidence": {"type": "number", "minimum": 0, "maximum": 1,
        "description": "min(score, 130) / 130, × 0.6 when the query has a house number but the match is not \
            an address, × 0.5 when another entry with another point scores the same; two decimals."}}),
    );
    let mut nearest = found;
    extend(
        &mut nearest,
        json!({"distance_m": {"type": "number", "description": "Great-circle metres."},
                                "areas": schema("AreasAt")}),
    );
    json!({
        "AreasAt": {"type": "object", "required": ["summary", "designations", "units"],
                    "description": "The /api/lookup answer at the result's point, without its query."},
        "SearchAnswer": {
            "type": "object", "required": ["query", "results"],
            "properties": {
                "query": {"type": "string"},
                "results": {"type": "array", "items": {"type": "object", "properties": search_result,
                            "required": ["type", "id", "text", "point", "score", "match", "areas"]}},
                "note": {"type": "string", "description": "Only when the service has no gazetteer."},
            },
        },
        "ReverseAnswer": {
            "type": "object", "required": ["query", "result"],
            "properties": {
                "query": {"type": "object", "properties": {"lon": {"type": "number"}, "lat": {"type": "number"},
                                                           "radius_m": {"type": "number"}}},
                "result": {"type": ["object", "null"], "properties": nearest},
                "note": {"type": "string", "description": "Why result is null."},
            },
        },
        "AddressLookupAnswer": {
            "description": "The address as given, the best match (or null with a note), and — with a match — \
                every member of LookupAnswer for its point.",
            "type": "object", "required": ["address", "match"],
            "properties": {
                "address": {"type": "string"},
                "match": {"type": ["object", "null"], "properties": address_match},
                "note": {"type": "string"},
                "query": {"type": "object"}, "summary": {"type": "string"},
                "designations": {"type": "array"}, "units": {"type": "array"},
            },
        },
    })
}

/// Adds the members of the object `more` to the object `object`.
fn extend(object: &mut Value, more: Value) {
    if let (Value::Object(object), Value::Object(more)) = (object, more) {
        object.extend(more);
    }
}

/// The schemas of the indicator routes and the area report: the catalogue and provenance, then
/// the joined values.
#[expect(
    clippy::too_many_lines,
    reason = "literal schemas read better than ones split into pieces"
)]
fn indicator_schemas() -> Value {
    let mut schemas = json!({
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
    });
    let values = json!({
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
    });
    extend(&mut schemas, values);
    schemas
}

/// The schemas of the comparison routes.
#[expect(
    clippy::too_many_lines,
    reason = "literal schemas read better than ones split into pieces"
)]
fn comparison_schemas() -> Value {
    json!({
        "ComparedLayer": {
            "type": "object", "description": "One side of a comparison, with its provenance.",
            "required": ["id", "title", "kind", "status", "authority", "licence", "vintage",
                         "valid_from", "valid_to", "method", "confidence"],
            "properties": {
                "id": {"type": "string"}, "title": schema("Title"), "kind": schema("LayerKind"),
                "status": schema("Status"), "authority": {"type": "string"}, "licence": {"type": "string"},
                "vintage": {"type": "string"},
                "valid_from": {"type": ["string", "null"], "format": "date"},
                "valid_to": {"type": ["string", "null"], "format": "date"},
                "method": {"type": ["string", "null"]}, "confidence": {"type": ["string", "null"]},
            },
        },
        "Change": {"type": "string", "enum": ["kept", "added", "removed"]},
        "ComparisonSummary": {
            "type": "object", "description": "Totals over each layer's union, m² in EPSG:25832.",
            "properties": {
                "from_total_m2": {"type": "number"}, "to_total_m2": {"type": "number"},
                "kept_m2": {"type": "number"}, "added_m2": {"type": "number"}, "removed_m2": {"type": "number"},
                "kept_share_of_from": {"type": "number"}, "kept_share_of_to": {"type": "number"},
                "removed_share_of_from": {"type": "number"}, "added_share_of_to": {"type": "number"},
                "from_areas": {"type": "integer"}, "to_areas": {"type": "integer"},
                "matched_from": {"type": "integer"}, "dropped": {"type": "integer"},
                "matched_to": {"type": "integer"}, "new": {"type": "integer"},
                "pairs": {"type": "integer"}, "slivers": {"type": "integer"}, "renamed": {"type": "integer"},
            },
        },
        "Match": {
            "type": "object", "description": "A non-sliver overlap with an area of the other layer.",
            "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                           "overlap_m2": {"type": "number"}, "share_of_this": {"type": "number"},
                           "share_of_other": {"type": "number"}},
        },
        "Comparison": {
            "type": "object",
            "required": ["from", "to", "status", "summary", "pairs", "from_areas", "to_areas", "pieces"],
            "properties": {
                "from": schema("ComparedLayer"), "to": schema("ComparedLayer"),
                "status": {"allOf": [schema("Status")],
                           "description": "The weaker of the two layers' statuses."},
                "summary": schema("ComparisonSummary"),
                "pairs": {"type": "array", "description": "Every overlapping pair, by from area then to area; \
                          kept_m2 + removed_m2 is the from area's area.", "items": {
                    "type": "object",
                    "properties": {"from_id": {"type": "string"}, "from_name": {"type": ["string", "null"]},
                                   "to_id": {"type": "string"}, "to_name": {"type": ["string", "null"]},
                                   "kept_m2": {"type": "number"}, "removed_m2": {"type": "number"},
                                   "added_m2": {"type": "number"}, "share_of_from": {"type": "number"},
                                   "share_of_to": {"type": "number"}, "name_changed": {"type": "boolean"},
                                   "sliver": {"type": "boolean"}}}},
                "from_areas": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                                   "area_m2": {"type": "number"}, "kept_m2": {"type": "number"},
                                   "removed_m2": {"type": "number"},
                                   "status": {"type": "string", "enum": ["matched", "dropped"]},
                                   "matches": {"type": "array", "items": schema("Match")},
                                   "best_match": {"oneOf": [schema("Match"), {"type": "null"}]},
                                   "renamed": {"type": ["string", "null"]}}}},
                "to_areas": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                                   "area_m2": {"type": "number"}, "kept_m2": {"type": "number"},
                                   "added_m2": {"type": "number"},
                                   "status": {"type": "string", "enum": ["matched", "new"]},
                                   "matches": {"type": "array", "items": schema("Match")},
                                   "best_match": {"oneOf": [schema("Match"), {"type": "null"}]},
                                   "renamed_from": {"type": ["string", "null"]}}}},
                "pieces": {"type": "array", "description": "The map's pieces without their geometry (see format=geojson).",
                           "items": {
                    "type": "object",
                    "properties": {"change": schema("Change"),
                                   "from_id": {"type": ["string", "null"]}, "from_name": {"type": ["string", "null"]},
                                   "to_id": {"type": ["string", "null"]}, "to_name": {"type": ["string", "null"]},
                                   "area_m2": {"type": "number"}}}},
            },
        },
        "ChangeCollection": {
            "type": "object", "required": ["type", "features", "comparison"],
            "properties": {
                "type": {"const": "FeatureCollection"},
                "features": {"type": "array", "items": {
                    "type": "object", "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "geometry": {"type": "object", "description": "RFC 7946 MultiPolygon in lon/lat."},
                        "properties": {"type": "object", "required": ["change", "area_m2"],
                                       "properties": {"change": schema("Change"),
                                                      "from_id": {"type": ["string", "null"]},
                                                      "from_name": {"type": ["string", "null"]},
                                                      "to_id": {"type": ["string", "null"]},
                                                      "to_name": {"type": ["string", "null"]},
                                                      "area_m2": {"type": "number"}}}}}},
                "comparison": {"type": "object", "description": "What was compared, and the totals.",
                               "properties": {"from": schema("ComparedLayer"), "to": schema("ComparedLayer"),
                                              "status": schema("Status"),
                                              "summary": schema("ComparisonSummary")}},
            },
        },
    })
}

//! The comparison of two area layers: the diff (`/api/compare`) and its map
//! (`/tiles/compare/{from}/{to}…`), with the schemas of the diff.

use serde_json::{Value, json};

use super::{extend, json_response, query, response, schema, tiles};

/// `from` or `to` of a comparison, in the path (`place` = `path`) or the query (`query`).
fn compared(name: &str, place: &str, example: &str) -> Value {
    let side = if name == "from" {
        "earlier (or reference)"
    } else {
        "later"
    };
    json!({"name": name, "in": place, "required": true,
           "description": format!("The {side} area layer's id, as listed by /api/layers."),
           "schema": {"type": "string", "minLength": 1}, "example": example})
}

/// The diff's path and its map's paths.
pub(super) fn paths() -> Value {
    let tile_xyz = tiles::tile_xyz();
    let tile_responses = tiles::tile_responses();
    json!({
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
    })
}

/// The schemas of the compared layers and the totals, then of the diff itself.
pub(super) fn schemas() -> Value {
    let mut schemas = layer_schemas();
    extend(&mut schemas, diff_schemas());
    schemas
}

/// One side of a comparison, the kinds of change, the totals and a match.
fn layer_schemas() -> Value {
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
                "made_of": {"type": "array", "items": schema("ComparedLayer"),
                            "description": "Only when the side is a municipal designation of the 2025 kind compared as a \
                                whole: the municipal layer and every state list that counts as part of it (each with its own \
                                status). The side's areas are then the municipal areas plus the lists' estates, with ids \
                                <list id>/<area id>; its status is the weakest of theirs."},
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
    })
}

/// The diff as JSON, and its pieces as `GeoJSON`.
fn diff_schemas() -> Value {
    json!({
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

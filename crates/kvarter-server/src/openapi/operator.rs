//! The operator's routes: readiness (`/ready`), metrics (`/metrics`) and the admin routes
//! (`/admin/…`, behind the bearer token `adminToken`; 404 on a server without one).

use serde_json::{Value, json};

use super::{json_response, response};

/// The answers every admin route may give besides its own.
fn guarded(mut responses: Value) -> Value {
    let refusals = json!({
        "401": {"description": "No token, or a wrong one (`WWW-Authenticate: Bearer`).",
                "content": {"application/json": {"schema": super::schema("Error")}}},
        "403": {"description": "A token in the query string or a cookie: refused even when right; send it in the Authorization header.",
                "content": {"application/json": {"schema": super::schema("Error")}}},
        "404": {"description": "This server has no admin token configured: the admin routes do not exist (or, for DELETE, no such layer).",
                "content": {"application/json": {"schema": super::schema("Error")}}},
        "429": {"description": "Too many wrong tokens from this address; wait `Retry-After` seconds.",
                "content": {"application/json": {"schema": super::schema("Error")}}},
    });
    super::extend(&mut responses, refusals);
    // An unknown query parameter, or a path that is not UTF-8, is a 400 on every admin route.
    if let Some(responses) = responses.as_object_mut() {
        responses
            .entry("400")
            .or_insert_with(|| response("BadRequest"));
    }
    responses
}

/// A JSON object answer without a fixed schema.
fn object(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"type": "object"}}}})
}

/// The paths of `/ready`, `/metrics` and the admin routes.
pub(super) fn paths() -> Value {
    let security = json!([{"adminToken": []}]);
    json!({
        "/ready": {"get": {
            "operationId": "ready",
            "summary": "Readiness: 200 once the data is loaded; 503 while the first load runs or after it failed.",
            "responses": {"200": object("Ready: {\"ready\": true, \"data_version\": …}."),
                          "400": response("BadRequest"),
                          "503": object("Not ready: {\"ready\": false, \"reason\": …}.")},
        }},
        "/metrics": {"get": {
            "operationId": "metrics",
            "summary": "Metrics in the OpenMetrics text format (Prometheus): requests and latency by route and status, lookups, searches, tile cache hits, misses and bytes, tiles rendered, reloads, data version, build info.",
            "responses": {"200": {"description": "The metrics.",
                                  "content": {"application/openmetrics-text": {"schema": {"type": "string"}}}},
                          "400": response("BadRequest")},
        }},
        "/admin/status": {"get": {
            "operationId": "adminStatus", "tags": ["admin"], "security": security,
            "summary": "Data version, source, the last reload and its outcome, layers, memory, tile cache, and for a server on a store whether it is reachable (store: {connected, since, last_error, notifications, reconnects}).",
            "responses": guarded(json!({"200": object("The status.")})),
        }},
        "/admin/reload": {"post": {
            "operationId": "adminReload", "tags": ["admin"], "security": security,
            "summary": "Read the data folder or store again and swap it in; a failure keeps the old data serving.",
            "responses": guarded(json!({
                "200": object("The reload: {at, trigger, outcome (reloaded | unchanged), seconds}."),
                "409": response("Conflict"),
                "422": object("The reload failed: {outcome: failed, reason}; the old data serves on."),
            })),
        }},
        "/admin/layers": {"post": {
            "operationId": "adminImportLayer", "tags": ["admin"], "security": security,
            "summary": "Import a layer as `kvarter layers import` does, then reload.",
            "description": "multipart/form-data with a `metadata` part (JSON: id, kind, authority, policy, valid_from, valid_to, title_da, title_en, status, source_publisher, source_url, vintage, licence, name_field, id_field, parent_field, crs, table, wkt_column, replace) and a `file` part named with its extension (.geojson, .json, .fgb, .zip for a Shapefile, .gpkg, .csv); or a JSON body with the same metadata and a `wfs_url`.",
            "requestBody": {"required": true, "content": {
                "multipart/form-data": {"schema": {"type": "object", "required": ["metadata", "file"],
                    "properties": {"metadata": {"type": "string", "contentMediaType": "application/json"},
                                   "file": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
                "application/json": {"schema": {"type": "object", "required": ["wfs_url"],
                    "properties": {"wfs_url": {"type": "string", "format": "uri"}}}},
            }},
            "responses": guarded(json!({
                "201": object("The import report: action, layer, file, checksums, features read, written, dropped and repaired (with reasons), data versions before and after, and the reload."),
                "400": response("BadRequest"),
                "409": response("Conflict"),
                "413": response("TooLarge"),
                "422": json_response("The file or its metadata was refused; the folder or store is unchanged.", "Error"),
                "503": json_response("The store (PostgreSQL) cannot be reached; nothing was changed.", "Error"),
            })),
        }},
        "/admin/layers/{id}": {"delete": {
            "operationId": "adminRemoveLayer", "tags": ["admin"], "security": security,
            "summary": "Remove a layer from the data folder or store (its version is kept; `kvarter layers restore` brings it back), then reload.",
            "parameters": [super::layer_id()],
            "responses": guarded(json!({
                "200": object("{removed, reload}."),
                "409": response("Conflict"),
                "503": json_response("The store (PostgreSQL) cannot be reached; nothing was changed.", "Error"),
            })),
        }},
        "/admin/layers/history": {"get": {
            "operationId": "adminHistory", "tags": ["admin"], "security": security,
            "summary": "What was imported, replaced, removed and restored, oldest first.",
            "responses": guarded(json!({"200": {"description": "The history.",
                "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}})),
        }},
    })
}

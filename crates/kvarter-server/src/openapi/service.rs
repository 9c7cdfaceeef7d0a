//! The service's own routes: liveness (`/health`) and this document (`/api/openapi.json`).

use serde_json::{Value, json};

use super::{json_response, response};

/// The paths of `/health` and `/api/openapi.json`.
pub(super) fn paths() -> Value {
    json!({
        "/health": {"get": {
            "operationId": "health",
            "summary": "Liveness, data version and layer count.",
            "responses": {"200": json_response("The service is up.", "Health"),
                          "400": response("BadRequest")},
        }},
        "/api/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document.",
            "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }},
    })
}

/// The answer of `/health`.
pub(super) fn schemas() -> Value {
    json!({
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
    })
}

//! The API's description, `GET /api/openapi.json`: an `OpenAPI` 3.1.0 document written by hand,
//! kept next to the routes and checked by a test to cover every one of them.
//!
//! Each part of the API has a module here that describes its paths and the schemas of its answers;
//! [`document`] puts the document's header above them and joins them. The error responses every
//! part refers to are in `error`, next to the `Error` schema; the builders the parts share are
//! below.

mod addresses;
mod areas;
mod compare;
mod error;
mod images;
mod indicators;
mod layers;
mod lookup;
mod ogc;
mod ogc_tiles;
mod operator;
mod service;
mod tiles;
mod web;

use std::sync::LazyLock;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The document, built once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(document);

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    Json(&*DOCUMENT).into_response()
}

/// `GET /ogc/api`'s document: the OGC API paths alone, in `OpenAPI` 3.0, served from `server`.
pub fn ogc_document(server: &str) -> Value {
    let mut paths = ogc::paths();
    extend(&mut paths, ogc_tiles::paths());
    ogc::document(server, paths)
}

/// The whole `OpenAPI` document: the header, then every part's paths and schemas.
///
/// The parts are separate `json!` literals (`json!` recurses once per member, so one literal of
/// the whole document would pass its recursion limit), and no two describe the same path or
/// schema.
pub fn document() -> Value {
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
        "paths": {},
        "components": {
            "responses": error::responses(),
            "schemas": {},
            "securitySchemes": {"adminToken": {
                "type": "http", "scheme": "bearer",
                "description": "The admin token (admin_token, KVARTER_ADMIN_TOKEN), in the Authorization header only.",
            }},
        },
    });
    for paths in [
        service::paths(),
        layers::paths(),
        lookup::paths(),
        tiles::paths(),
        indicators::paths(),
        areas::paths(),
        compare::paths(),
        images::paths(),
        addresses::paths(),
        web::paths(),
        ogc::paths(),
        ogc_tiles::paths(),
        operator::paths(),
    ] {
        extend(&mut document["paths"], paths);
    }
    for schemas in [
        error::schemas(),
        service::schemas(),
        layers::schemas(),
        lookup::schemas(),
        indicators::schemas(),
        areas::schemas(),
        compare::schemas(),
        addresses::schemas(),
    ] {
        extend(&mut document["components"]["schemas"], schemas);
    }
    document
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

/// An optional query parameter. Its empty value (`name=`) counts as absent, as everywhere in the
/// API (`params.rs`), so the document allows it (`allowEmptyValue`).
fn query(name: &str, description: &str, schema: &Value, example: &Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "allowEmptyValue": true, "description": description,
           "schema": schema, "example": example})
}

/// The answers of a route that reads one feature or area: `ok`, or an error.
fn geo_responses(ok: &Value) -> Value {
    json!({
        "200": ok,
        "400": response("BadRequest"),
        "404": response("NotFound"),
        "405": response("MethodNotAllowed"),
        "503": response("Timeout"),
        "500": response("Internal"),
    })
}

/// Adds the members of the object `more` to the object `object`.
fn extend(object: &mut Value, more: Value) {
    if let (Value::Object(object), Value::Object(more)) = (object, more) {
        object.extend(more);
    }
}

/// The path parameter `id`: one layer.
pub(super) fn layer_id() -> Value {
    json!({
        "name": "id", "in": "path", "required": true,
        "description": "A layer id, as listed by /api/layers.",
        "schema": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,63}$"},
        "example": "udsatte-byomraader-2017",
    })
}

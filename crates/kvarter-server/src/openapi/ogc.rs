//! OGC API – Features under `/ogc`: the landing page, conformance, the API definition,
//! collections, queryables and items. Errors on these paths are the standard's exception JSON,
//! `{"code", "description"}`. The same paths make the OpenAPI 3.0 document `/ogc/api`
//! ([`document`]), which the standard's OpenAPI 3.0 class asks for; every schema here is
//! written so that it reads the same in OpenAPI 3.0 and 3.1.

use serde_json::{Value, json};

/// The OGC API paths, with the schemas they refer to inline.
pub(super) fn paths() -> Value {
    let f = json!({"name": "f", "in": "query", "required": false, "allowEmptyValue": true,
                   "description": "The encoding: json, or html for a page. Without it, a browser's Accept header gets the page.",
                   "schema": {"type": "string", "enum": ["json", "html"]}});
    let id = json!({"name": "id", "in": "path", "required": true,
                    "description": "A collection id: a layer id as listed by /ogc/collections, or a comparison compare-<from>--<to> (each side a year such as 2011, or a designation layer's id).",
                    "schema": {"type": "string"}, "example": "roder-2023"});
    let fid = json!({"name": "fid", "in": "path", "required": true, "description": "A feature id of the collection.",
                     "schema": {"type": "string"}, "example": "264"});
    let crs_values = json!([
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/25832"
    ]);
    let crs = json!({"name": "crs", "in": "query", "required": false, "allowEmptyValue": true,
                     "description": "The CRS of the answer (OGC API – Features Part 2); the Content-Crs header names it.",
                     "schema": {"type": "string", "enum": crs_values, "default": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}});
    let bbox_crs = json!({"name": "bbox-crs", "in": "query", "required": false, "allowEmptyValue": true, "description": "The CRS of bbox=.",
                          "schema": {"type": "string", "enum": crs_values}});
    let indicators = json!({"name": "indicators", "in": "query", "required": false, "allowEmptyValue": true,
                            "description": "Indicator ids (comma-separated, see /api/indicators) whose values are joined onto a layer's features, as on /api/layers/{id}/features; the answer's indicators member gives their provenance. Not for comparisons.",
                            "schema": {"type": "string"}, "example": "beskaeftigelse-andel"});
    let period = json!({"name": "period", "in": "query", "required": false, "allowEmptyValue": true,
                        "description": "The indicators' period; only with indicators=.", "schema": {"type": "string"}});
    let document = |description: &str, media: &str| {
        json!({"200": {"description": description, "content": {
                   media: {"schema": {"type": "object"}},
                   "text/html": {"schema": {"type": "string"}}}},
               "400": exception()})
    };
    let mut one = document("The collection.", "application/json");
    one["404"] = exception();
    let mut queryables = document(
        "The properties ?name=value can filter on, as JSON Schema.",
        "application/schema+json",
    );
    queryables["404"] = exception();
    json!({
        "/ogc": {"get": {"operationId": "ogcLanding", "summary": "OGC API – Features landing page: links to the conformance declaration, the collections and the API definition.",
                         "parameters": [f], "responses": document("The landing page.", "application/json")}},
        "/ogc/conformance": {"get": {"operationId": "ogcConformance", "summary": "The conformance classes met: Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (CRS84 and EPSG:25832), Part 3's queryables with query parameters.",
                                     "parameters": [f], "responses": document("The conformance declaration.", "application/json")}},
        "/ogc/api": {"get": {"operationId": "ogcApi", "summary": "This API definition, OpenAPI 3.0 (f=html: as a page).",
                             "parameters": [f], "responses": document("The API definition.", "application/vnd.oai.openapi+json;version=3.0")}},
        "/ogc/collections": {"get": {"operationId": "ogcCollections", "summary": "Every layer and every comparison of two municipal designations as a collection: extent (bounds, and the period of validity of a designation), CRS, status, source, vintage, licence and links to its items and queryables.",
                                     "parameters": [f], "responses": document("The collections.", "application/json")}},
        "/ogc/collections/{id}": {"get": {"operationId": "ogcCollection", "summary": "One collection.",
                                          "parameters": [id, f], "responses": one}},
        "/ogc/collections/{id}/queryables": {"get": {"operationId": "ogcQueryables", "summary": "The properties of a collection's features that ?name=value filters on, with their types (OGC API – Features Part 3).",
                                                     "parameters": [id, f], "responses": queryables}},
        "/ogc/collections/{id}/items": {"get": {
            "operationId": "ogcItems",
            "summary": "A page of a collection's features (GeoJSON) with numberMatched, numberReturned, the layer's provenance and self, alternate, next, prev and collection links. Any queryable (see …/queryables) filters as ?name=value: equal as text, as a number, or as true/false.",
            "parameters": [id, f,
                {"name": "limit", "in": "query", "required": false, "allowEmptyValue": true, "description": "Features per page.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
                {"name": "offset", "in": "query", "required": false, "allowEmptyValue": true, "description": "The first feature (0-based), as the next link sets it.",
                 "schema": {"type": "integer", "minimum": 0, "default": 0}},
                {"name": "bbox", "in": "query", "required": false, "allowEmptyValue": true, "description": "west,south,east,north in bbox-crs (degrees in CRS84, the default): the features whose bounding box meets it.",
                 "schema": {"type": "string"}, "example": "12.55,55.67,12.59,55.69"},
                bbox_crs, crs.clone(),
                {"name": "datetime", "in": "query", "required": false, "allowEmptyValue": true,
                 "description": "An instant (2025-01-01) or interval (2011-01-01/2017-12-31, .. for open): a designation's features only if it was valid on some day of it (from valid_from up to valid_to). Collections without a period of validity are not filtered.",
                 "schema": {"type": "string"}, "example": "2025-01-01"},
                indicators.clone(), period.clone()],
            "responses": {"200": {"description": "The page.", "content": {
                              "application/geo+json": {"schema": feature_collection()},
                              "text/html": {"schema": {"type": "string"}}}},
                          "400": exception(), "404": exception()},
        }},
        "/ogc/collections/{id}/items/{fid}": {"get": {
            "operationId": "ogcItem", "summary": "One feature, with self, alternate and collection links.",
            "parameters": [id, fid, f, crs, indicators, period],
            "responses": {"200": {"description": "The feature.", "content": {
                              "application/geo+json": {"schema": {"type": "object", "required": ["type", "geometry", "properties"],
                                  "properties": {"type": {"type": "string", "enum": ["Feature"]}}}},
                              "text/html": {"schema": {"type": "string"}}}},
                          "400": exception(), "404": exception()},
        }},
    })
}

/// A page of items.
fn feature_collection() -> Value {
    json!({"type": "object", "required": ["type", "features", "numberMatched", "numberReturned", "links"],
           "properties": {
               "type": {"type": "string", "enum": ["FeatureCollection"]},
               "features": {"type": "array", "items": {"type": "object"}},
               "numberMatched": {"type": "integer", "minimum": 0},
               "numberReturned": {"type": "integer", "minimum": 0},
               "links": {"type": "array", "items": {"type": "object", "required": ["href", "rel"]}}}})
}

/// The standard's exception answer.
pub(super) fn exception() -> Value {
    json!({"description": "The OGC API exception: {\"code\", \"description\"}.",
           "content": {"application/json": {"schema": {"type": "object", "required": ["code", "description"],
               "properties": {"code": {"type": "string"}, "description": {"type": "string"}}}}}})
}

/// `/ogc/api`: the OGC paths, `paths` (Features' and Tiles'), as an OpenAPI 3.0 document served
/// from `server` (the service's root URL).
pub(super) fn document(server: &str, paths: Value) -> Value {
    let mut document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Kvarter – OGC API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Copenhagen's udsatte byområder (designations of every year, each official or reconstructed, and the comparisons between them), the state's lists and the administrative units, as OGC API – Features. Kvarter's own API is described at /api/openapi.json.",
            "license": {"name": "MIT OR Apache-2.0 (software); each layer states its data licence"},
        },
        "servers": [{"url": server}],
    });
    document["paths"] = paths;
    document
}

//! OGC API – Features (Core, GeoJSON) under `/ogc`: the landing page, conformance, collections
//! and items. Errors on these paths are the standard's exception JSON, `{"code", "description"}`.

use serde_json::{Value, json};

/// The OGC API paths.
pub(super) fn paths() -> Value {
    let json_doc = |description: &str| {
        json!({"200": {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}},
               "400": exception()})
    };
    let f = json!({"name": "f", "in": "query", "required": false, "description": "The encoding; json is the one served.",
                   "schema": {"type": "string", "enum": ["json"]}});
    let id = json!({"name": "id", "in": "path", "required": true, "description": "A layer id, as listed by /ogc/collections.",
                    "schema": {"type": "string"}, "example": "roder-2023"});
    let fid = json!({"name": "fid", "in": "path", "required": true, "description": "A feature id of the layer.",
                     "schema": {"type": "string"}, "example": "264"});
    let crs = json!({"name": "crs", "in": "query", "required": false,
                     "description": "The CRS of the answer (OGC API – Features Part 2); the Content-Crs header names it.",
                     "schema": {"type": "string", "enum": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/25832"],
                                "default": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}});
    let bbox_crs = json!({"name": "bbox-crs", "in": "query", "required": false, "description": "The CRS of bbox=.",
                          "schema": {"type": "string", "enum": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/25832"]}});
    let mut not_found = json_doc("The document.");
    not_found["404"] = exception();
    json!({
        "/ogc": {"get": {"operationId": "ogcLanding", "summary": "OGC API – Features landing page: links to the conformance declaration, the collections and the API definition.",
                         "parameters": [f], "responses": json_doc("The landing page.")}},
        "/ogc/conformance": {"get": {"operationId": "ogcConformance", "summary": "The OGC API – Features conformance classes met: Core, GeoJSON and CRS by reference (Part 2: CRS84 and EPSG:25832).",
                                     "parameters": [f], "responses": json_doc("The conformance declaration.")}},
        "/ogc/collections": {"get": {"operationId": "ogcCollections", "summary": "Every layer as a collection: extent (bounds, and the period of validity of a designation), CRS (CRS84), status, source, vintage, licence and links to its items.",
                                     "parameters": [f], "responses": json_doc("The collections.")}},
        "/ogc/collections/{id}": {"get": {"operationId": "ogcCollection", "summary": "One layer as a collection.",
                                          "parameters": [id, f], "responses": not_found}},
        "/ogc/collections/{id}/items": {"get": {
            "operationId": "ogcItems",
            "summary": "A page of a layer's features (GeoJSON, lon/lat) with numberMatched, numberReturned and self, next, prev and collection links.",
            "parameters": [id, f,
                {"name": "limit", "in": "query", "required": false, "description": "Features per page.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}},
                {"name": "offset", "in": "query", "required": false, "description": "The first feature (0-based), as the next link sets it.",
                 "schema": {"type": "integer", "minimum": 0, "default": 0}},
                {"name": "bbox", "in": "query", "required": false, "description": "west,south,east,north in bbox-crs (degrees in CRS84, the default).",
                 "schema": {"type": "string"}, "example": "12.55,55.67,12.59,55.69"},
                bbox_crs, crs.clone(),
                {"name": "datetime", "in": "query", "required": false,
                 "description": "An instant (2025-01-01) or interval (2011-01-01/2017-12-31, .. for open): a designation's features only if it was valid on some day of it (from valid_from up to valid_to). Layers without a period of validity are not filtered.",
                 "schema": {"type": "string"}, "example": "2025-01-01"}],
            "responses": {"200": {"description": "The page.", "content": {"application/geo+json": {"schema": {"type": "object"}}}},
                          "400": exception(), "404": exception()},
        }},
        "/ogc/collections/{id}/items/{fid}": {"get": {
            "operationId": "ogcItem", "summary": "One feature, with self and collection links.",
            "parameters": [id, fid, f, crs],
            "responses": {"200": {"description": "The feature.", "content": {"application/geo+json": {"schema": {"type": "object"}}}},
                          "400": exception(), "404": exception()},
        }},
    })
}

/// The standard's exception answer.
fn exception() -> Value {
    json!({"description": "The OGC API exception: {\"code\", \"description\"}.",
           "content": {"application/json": {"schema": {"type": "object", "required": ["code", "description"],
               "properties": {"code": {"type": "string"}, "description": {"type": "string"}}}}}})
}

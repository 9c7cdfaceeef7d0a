//! The vector tiles of one layer or several: `TileJSON` and the tiles themselves; also the tile
//! coordinates and answers the comparison's tiles share.

use serde_json::{Value, json};

use super::{indicators, response};

/// The path parameters `z`, `x` and `y` of a tile, in that order.
pub(super) fn tile_xyz() -> Value {
    json!([
        {"name": "z", "in": "path", "required": true, "description": "Zoom level, 0–20.",
         "schema": {"type": "integer", "minimum": 0, "maximum": 20}, "example": 12},
        {"name": "x", "in": "path", "required": true, "description": "Column, 0 … 2^z − 1, from the west.",
         "schema": {"type": "integer", "minimum": 0}, "example": 2190},
        {"name": "y", "in": "path", "required": true, "description": "Row, 0 … 2^z − 1, from the north.",
         "schema": {"type": "integer", "minimum": 0}, "example": 1282},
    ])
}

/// The answers of a tile route.
pub(super) fn tile_responses() -> Value {
    json!({
        "200": {"description": "The tile.",
                "content": {"application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}}},
        "204": {"description": "The tile has no features."},
        "304": {"description": "Not modified (If-None-Match matched the ETag)."},
        "400": response("BadRequest"),
        "404": response("NotFound"),
    })
}

/// The `TileJSON` and tile paths.
pub(super) fn paths() -> Value {
    let layer_set = json!({
        "name": "layers", "in": "path", "required": true,
        "description": "One layer id, or several separated by commas (at most 32), as listed by /api/layers.",
        "schema": {"type": "string"},
        "example": "udsatte-byomraader-2017,roder-2023",
    });
    let tile_xyz = tile_xyz();
    let tile_responses = tile_responses();
    let [indicators, period] = indicators::join_parameters();
    json!({
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
    })
}

//! OGC API – Tiles under `/ogc`: the tile matrix set `WebMercatorQuad`, each layer's vector
//! tileset, and its tiles (the `/tiles` tiles, addressed by tile matrix, row and column).
//! Errors on these paths are the standard's exception JSON, `{"code", "description"}`.

use serde_json::{Value, json};

/// The OGC API – Tiles paths.
pub(super) fn paths() -> Value {
    let exception = super::ogc::exception();
    let json_doc = |description: &str| {
        json!({"200": {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}},
               "400": exception, "404": exception})
    };
    let f_json = json!({"name": "f", "in": "query", "required": false, "allowEmptyValue": true, "description": "The encoding; json is the one served.",
                        "schema": {"type": "string", "enum": ["json"]}});
    let f_mvt = json!({"name": "f", "in": "query", "required": false, "allowEmptyValue": true, "description": "The encoding; mvt is the one served.",
                       "schema": {"type": "string", "enum": ["mvt"]}});
    let id = json!({"name": "id", "in": "path", "required": true, "description": "A layer id, as listed by /ogc/collections.",
                    "schema": {"type": "string"}, "example": "roder-2023"});
    let set = json!({"name": "tileMatrixSetId", "in": "path", "required": true,
                     "description": "The tile matrix set; WebMercatorQuad is the one served (anything else is a 404).",
                     "schema": {"type": "string", "enum": ["WebMercatorQuad"]}});
    json!({
        "/ogc/tileMatrixSets": {"get": {
            "operationId": "ogcTileMatrixSets",
            "summary": "The tile matrix sets the tiles are cut in: WebMercatorQuad, with a link to its definition.",
            "parameters": [f_json], "responses": json_doc("The list."),
        }},
        "/ogc/tileMatrixSets/{tileMatrixSetId}": {"get": {
            "operationId": "ogcTileMatrixSet",
            "summary": "The definition of WebMercatorQuad (OGC 2D Tile Matrix Set 2.0, JSON): EPSG:3857, axes X and Y, \
                and the tile matrices of zoom levels 0–20 with scale denominator, cell size, top-left origin, \
                256 × 256 tiles and 2^z × 2^z of them.",
            "parameters": [set, f_json], "responses": json_doc("The tile matrix set."),
        }},
        "/ogc/collections/{id}/tiles": {"get": {
            "operationId": "ogcTilesets",
            "summary": "A layer's tilesets: one, vector tiles (MVT) in WebMercatorQuad.",
            "parameters": [id, f_json], "responses": json_doc("The tileset list."),
        }},
        "/ogc/collections/{id}/tiles/{tileMatrixSetId}": {"get": {
            "operationId": "ogcTileset",
            "summary": "A layer's vector tileset: the tile URL template (rel item), tile matrix set link, \
                tileMatrixSetLimits (the rows and columns that hold the layer at each zoom level up to tiles.maxzoom), \
                the MVT layers (the layer and its label points) with their fields, and the layer's status, source, \
                vintage and licence.",
            "parameters": [id, set, f_json], "responses": json_doc("The tileset."),
        }},
        "/ogc/collections/{id}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": {"get": {
            "operationId": "ogcTile",
            "summary": "A Mapbox Vector Tile of one layer: the tile /tiles/{id}/{tileMatrix}/{tileCol}/{tileRow}.mvt \
                serves, with the same bytes, ETag, caching and compression.",
            "description": "tileRow counts from the north and tileCol from the antimeridian, as y and x of /tiles. \
                gzip or brotli by Accept-Encoding; If-None-Match gives 304; a tile without features (such as one \
                outside the tileset's limits) is 204 with the same caching headers. A tileMatrix, tileRow or tileCol \
                that is not a whole number or lies outside the tile matrix set is a 400.",
            "parameters": [id, set,
                {"name": "tileMatrix", "in": "path", "required": true, "description": "The zoom level, 0–20.",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 20}, "example": 12},
                {"name": "tileRow", "in": "path", "required": true, "description": "The row, 0 … 2^tileMatrix − 1, from the north.",
                 "schema": {"type": "integer", "minimum": 0}, "example": 1282},
                {"name": "tileCol", "in": "path", "required": true, "description": "The column, 0 … 2^tileMatrix − 1, from the west.",
                 "schema": {"type": "integer", "minimum": 0}, "example": 2190},
                f_mvt],
            "responses": {
                "200": {"description": "The tile.",
                        "content": {"application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}}},
                "204": {"description": "The tile has no features."},
                "304": {"description": "Not modified (If-None-Match matched the ETag)."},
                "400": exception, "404": exception,
            },
        }},
    })
}

//! The pages: the map, its embed view, their assets and glyphs, and the catalogue page.

use kvarter_glyphs::FONTS;
use serde_json::{Value, json};

use super::json_response;

/// The paths of the pages, their assets and glyphs.
pub(super) fn paths() -> Value {
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

//! Map images for reports: `/api/static/{view}.{format}`.

use serde_json::{Value, json};

use super::response;

/// The map image path.
pub(super) fn paths() -> Value {
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "allowEmptyValue": true, "description": description, "schema": schema});
    let designation = json!({"type": "string", "examples": ["2011", "udsatte-byomraader-2017"]});
    let image = |media: &str| json!({media: {"schema": {"type": "string", "format": "binary"}}});
    json!({
        "/api/static/{view}.{format}": {"get": {
            "operationId": "mapImage",
            "summary": "A finished map image for a report — one designation (`single`), two side by side \
                (`side`) or the changes between two (`changes`) — with title, year labels, legend (each \
                layer's status, source, vintage and licence), scale bar, north arrow, sources, data \
                version and the day the data last changed. The parameters mirror the map page's permalink.",
            "description": "Without bbox= or center=, the map fits the designations shown; a bbox is fitted \
                into the map area in Web Mercator, centred, keeping its aspect. The same request on the same \
                data version gives the same bytes: a strong ETag from the data version and the request \
                (If-None-Match gives 304), Cache-Control as tiles, and a server-side cache. SVG is gzip or \
                brotli by Accept-Encoding; PNG and PDF are sent as they are. PDF: vector, text as text, one \
                page of the image's size (1 px = 1 pt) or of paper=.",
            "parameters": [
                {"name": "view", "in": "path", "required": true, "description": "What the image shows.",
                 "schema": {"type": "string", "enum": ["single", "side", "changes"]}},
                {"name": "format", "in": "path", "required": true, "description": "The encoding.",
                 "schema": {"type": "string", "enum": ["png", "svg", "pdf"]}},
                query("year", "single: a year (the designation of that policy year, else the one in force on \
                    1 January of it) or a designation layer id.", designation.clone()),
                query("from", "side, changes: the earlier (left) designation, a year or a layer id.", designation.clone()),
                query("to", "side, changes: the later (right) designation, a year or a layer id.", designation),
                query("bbox", "west,south,east,north in degrees.", json!({"type": "string", "example": "12.45,55.69,12.53,55.72"})),
                query("center", "lon,lat in degrees, with zoom=.", json!({"type": "string", "example": "12.49,55.70"})),
                query("zoom", "Web map zoom level (512-pixel tiles), with center=.", json!({"type": "number", "minimum": 0, "maximum": 22})),
                query("width", "Width in CSS pixels (PDF points).", json!({"type": "integer", "minimum": 200, "maximum": 4096, "default": 1200})),
                query("height", "Height in CSS pixels (PDF points).", json!({"type": "integer", "minimum": 200, "maximum": 4096, "default": 800})),
                query("scale", "PNG pixels per CSS pixel.", json!({"type": "integer", "minimum": 1, "maximum": 4, "default": 1})),
                query("paper", "Lay the image out on a sheet (instead of width= and height=); a PDF is one page of it.",
                    json!({"type": "string", "enum": ["a4-landscape", "a4-portrait", "a3-landscape", "a3-portrait"]})),
                query("units", "Unit layers whose outlines are drawn, comma-separated (e.g. bydele-2023).", json!({"type": "string"})),
                query("state", "State lists drawn on every map besides those part of the designation shown, \
                    comma-separated (as the map's state-list toggles).", json!({"type": "string"})),
                query("indicator", "An indicator (as listed by /api/indicators) to colour the first unit layer by \
                    (the districts without units=), in quintile classes as the web map does, with its classes, \
                    unit, period and datasets in the legend.", json!({"type": "string", "example": "population"})),
                query("period", "The indicator's period (default: its latest), with indicator=.", json!({"type": "string", "example": "2019"})),
                query("lang", "The language of the words on the image.", json!({"type": "string", "enum": ["da", "en"], "default": "da"})),
                query("title", "The title (at most 200 characters); default: the view's own.", json!({"type": "string"})),
                query("legend", "Where the legend goes; none lets the map fill the image.", json!({"type": "string", "enum": ["right", "bottom", "none"], "default": "right"})),
            ],
            "responses": {
                "200": {"description": "The image.",
                        "content": {"image/png": image("image/png")["image/png"], "image/svg+xml": image("image/svg+xml")["image/svg+xml"], "application/pdf": image("application/pdf")["application/pdf"]}},
                "304": {"description": "Not modified (If-None-Match matched the ETag)."},
                "400": response("BadRequest"),
                "404": response("NotFound"),
            },
        }},
    })
}

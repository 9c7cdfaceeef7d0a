//! The OGC API's documents as pages (`f=html`, or a browser's `Accept`), as the standard's HTML
//! class asks: the same content and links as the JSON, readable by a person checking what a GIS
//! client will get — every collection with its status, source, vintage and licence, the items
//! with their properties and paging links. The pages are written here from the JSON document
//! (no template engine: a handful of small pages whose every value is escaped by
//! [`escape`]);
//! they are in English, like the rest of the API, with the data's own Danish names.

use std::fmt::Write as _;

use serde_json::Value;

use crate::about::escape;

/// Which document a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The landing page.
    Landing,
    /// The conformance declaration.
    Conformance,
    /// The API definition.
    Api,
    /// The collections.
    Collections,
    /// One collection.
    Collection,
    /// A collection's queryables.
    Queryables,
    /// A page of items.
    Items,
    /// One item.
    Item,
}

/// A JSON value as short text: strings as they are, `null` as empty, the rest as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The `href` of the first link of `document` with relation `rel` (and type `kind`, if given).
fn href<'a>(document: &'a Value, rel: &str, kind: Option<&str>) -> Option<&'a str> {
    document["links"].as_array()?.iter().find_map(|link| {
        let matches = link["rel"] == rel && kind.is_none_or(|kind| link["type"] == kind);
        matches.then(|| link["href"].as_str()).flatten()
    })
}

/// `href` asking for the page, or for the JSON, of the same document.
fn as_page(href: &str) -> String {
    kvarter_service::ogc::with_f(href, "html")
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2327}\
header{background:#16324f;color:#fff;padding:.6rem 1.2rem}header a{color:#fff;text-decoration:none}\
main{padding:1rem 1.2rem;max-width:72rem}h1{font-size:1.4rem;margin:.2rem 0 .6rem}\
table{border-collapse:collapse;margin:.6rem 0}td,th{border-bottom:1px solid #d5dadf;padding:.25rem .6rem;\
text-align:left;vertical-align:top}th{background:#f2f4f6}code{font-size:.9em}\
.status{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.85em;background:#e3e8ee}\
.status-reconstructed,.status-imported{background:#fde9c8}.status-synthetic{background:#f6d0d0}\
nav.paging a{margin-right:1rem}footer{padding:1rem 1.2rem;color:#5b6670;font-size:.85em}";

/// The page showing `document`.
pub fn render(page: Page, document: &Value) -> String {
    let (title, body) = match page {
        Page::Landing => (text(&document["title"]), landing(document)),
        Page::Conformance => ("Conformance".to_owned(), conformance(document)),
        Page::Api => ("API definition".to_owned(), api(document)),
        Page::Collections => ("Collections".to_owned(), collections(document)),
        Page::Collection => (text(&document["title"]), collection(document)),
        Page::Queryables => (
            format!("Queryables: {}", text(&document["title"])),
            queryables(document),
        ),
        Page::Items => (
            format!("Features: {}", text(&document["layer"]["title"]["da"])),
            items(document),
        ),
        Page::Item => (item_title(document), item(document)),
    };
    let json = href(document, "self", None).map(|own| kvarter_service::ogc::with_f(own, "json"));
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} · Kvarter OGC API</title><style>{STYLE}</style></head><body>\
         <header><a href=\"/ogc?f=html\">Kvarter · OGC API – Features</a> · \
         <a href=\"/ogc/collections?f=html\">Collections</a> · <a href=\"/\">Map</a></header>\
         <main><h1>{title}</h1>{body}</main><footer>",
        title = escape(&title),
    );
    if let Some(json) = json {
        let _ = write!(
            html,
            "This document as <a href=\"{}\">JSON</a>. ",
            escape(&json)
        );
    }
    html.push_str("Every layer states its status (official, reconstructed, imported), source, vintage and licence.</footer></body></html>");
    html
}

fn links_list(document: &Value) -> String {
    let mut html = String::from("<ul>");
    for link in document["links"].as_array().into_iter().flatten() {
        let target = text(&link["href"]);
        let kind = text(&link["type"]);
        let target = if kind == "text/html" {
            target
        } else if kind.contains("json") && !kind.contains("openapi") {
            as_page(&target)
        } else {
            target
        };
        let _ = write!(
            html,
            "<li><a href=\"{}\">{}</a> <small>({}, {})</small></li>",
            escape(&target),
            escape(&text(&link["title"])),
            escape(&text(&link["rel"])),
            escape(&kind)
        );
    }
    html.push_str("</ul>");
    html
}

fn landing(document: &Value) -> String {
    format!(
        "<p>{}</p>{}",
        escape(&text(&document["description"])),
        links_list(document)
    )
}

fn conformance(document: &Value) -> String {
    let mut html = String::from("<p>The conformance classes this service meets:</p><ul>");
    for class in document["conformsTo"].as_array().into_iter().flatten() {
        let _ = write!(html, "<li><code>{}</code></li>", escape(&text(class)));
    }
    html.push_str("</ul>");
    html
}

fn api(document: &Value) -> String {
    let mut html = format!(
        "<p>{}</p><p>OpenAPI {}: <a href=\"?f=json\">the definition as JSON</a>.</p>",
        escape(&text(&document["info"]["description"])),
        escape(&text(&document["openapi"]))
    );
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        let Some(operation) = item.get("get") else {
            continue;
        };
        let _ = write!(
            html,
            "<h2><code>GET {}</code></h2><p>{}</p>",
            escape(path),
            escape(&text(&operation["summary"]))
        );
        let parameters: Vec<&Value> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        if !parameters.is_empty() {
            html.push_str("<table><tr><th>Parameter</th><th>In</th><th>Description</th></tr>");
            for parameter in parameters {
                let _ = write!(
                    html,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    escape(&text(&parameter["name"])),
                    escape(&text(&parameter["in"])),
                    escape(&text(&parameter["description"]))
                );
            }
            html.push_str("</table>");
        }
    }
    html
}

/// A status as a badge.
fn status(value: &Value) -> String {
    let status = text(value);
    format!(
        "<span class=\"status status-{0}\">{0}</span>",
        escape(&status)
    )
}

fn collections(document: &Value) -> String {
    let mut html = String::from(
        "<table><tr><th>Collection</th><th>Id</th><th>Kind</th><th>Status</th>\
         <th>Vintage</th><th>Licence</th></tr>",
    );
    for collection in document["collections"].as_array().into_iter().flatten() {
        let own = href(collection, "self", None).unwrap_or_default();
        let _ = write!(
            html,
            "<tr><td><a href=\"{}\">{}</a></td><td><code>{}</code></td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            escape(&as_page(own)),
            escape(&text(&collection["title"])),
            escape(&text(&collection["id"])),
            escape(&text(&collection["kind"])),
            status(&collection["status"]),
            escape(&text(&collection["source"]["vintage"])),
            escape(&text(&collection["licence"]))
        );
    }
    html.push_str("</table>");
    html
}

fn collection(document: &Value) -> String {
    let mut html = format!("<p>{}</p><table>", escape(&text(&document["description"])));
    let rows = [
        ("Id", text(&document["id"])),
        ("Status", String::new()),
        ("Publisher", text(&document["source"]["publisher"])),
        ("Origin", text(&document["source"]["origin"])),
        ("Vintage", text(&document["source"]["vintage"])),
        ("Licence", text(&document["licence"])),
        ("Method", text(&document["method"])),
        ("Confidence", text(&document["confidence"])),
        (
            "Extent (lon/lat)",
            extent(&document["extent"]["spatial"]["bbox"][0]),
        ),
        (
            "In force",
            validity(&document["extent"]["temporal"]["interval"][0]),
        ),
        ("CRS", joined(&document["crs"], ", ")),
    ];
    for (name, value) in rows {
        if name == "Status" {
            let _ = write!(
                html,
                "<tr><th>Status</th><td>{}</td></tr>",
                status(&document["status"])
            );
        } else if !value.is_empty() {
            let _ = write!(html, "<tr><th>{name}</th><td>{}</td></tr>", escape(&value));
        }
    }
    html.push_str("</table>");
    html.push_str(&links_list(document));
    html
}

/// The items of an array as text, joined by `separator`.
fn joined(value: &Value, separator: &str) -> String {
    value
        .as_array()
        .map(|items| items.iter().map(text).collect::<Vec<_>>().join(separator))
        .unwrap_or_default()
}

/// `[west, south, east, north]` as "west, south – east, north".
fn extent(bbox: &Value) -> String {
    match bbox.as_array().map(Vec::as_slice) {
        Some([w, s, e, n]) => format!("{}, {} – {}, {}", text(w), text(s), text(e), text(n)),
        _ => String::new(),
    }
}

/// A temporal interval `[from, to]` as "from … until …" (days; `to` is the first day no longer
/// in force).
fn validity(interval: &Value) -> String {
    let day = |value: &Value| value.as_str().map(|t| t.get(..10).unwrap_or(t).to_owned());
    match interval.as_array().map(Vec::as_slice) {
        Some([from, to]) => match (day(from), day(to)) {
            (Some(from), Some(to)) => format!("from {from} until {to} (not included)"),
            (Some(from), None) => format!("from {from}"),
            (None, Some(to)) => format!("until {to} (not included)"),
            (None, None) => String::new(),
        },
        _ => String::new(),
    }
}

fn queryables(document: &Value) -> String {
    let mut html = format!(
        "<p>{}</p><table><tr><th>Property</th><th>Type</th></tr>",
        escape(&text(&document["description"]))
    );
    for (name, schema) in document["properties"].as_object().into_iter().flatten() {
        let _ = write!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            escape(name),
            escape(&text(&schema["type"]))
        );
    }
    html.push_str("</table>");
    html
}

/// The property columns of a page of features: `id` and `name` first, then every other
/// property some feature of the page has a value for — but `layer` and `status`, which are the
/// collection's and stand above the table.
fn columns(features: &[Value]) -> Vec<String> {
    let mut columns: Vec<String> = vec!["id".into(), "name".into()];
    for feature in features {
        for (name, value) in feature["properties"].as_object().into_iter().flatten() {
            if !value.is_null() && !columns.contains(name) && name != "layer" && name != "status" {
                columns.push(name.clone());
            }
        }
    }
    columns
}

/// A property value for a reader: a fractional number to one decimal.
fn cell(value: &Value) -> String {
    match value.as_f64() {
        Some(number) if value.is_f64() => format!("{number:.1}"),
        _ => text(value),
    }
}

fn items(document: &Value) -> String {
    let features: Vec<Value> = document["features"].as_array().cloned().unwrap_or_default();
    let layer = &document["layer"];
    let mut html = format!(
        "<p>{} {} · {} · {}</p><p>{} matched, {} on this page.</p>",
        status(&layer["status"]),
        escape(&text(&layer["source"]["publisher"])),
        escape(&text(&layer["source"]["vintage"])),
        escape(&text(&layer["licence"])),
        escape(&text(&document["numberMatched"])),
        escape(&text(&document["numberReturned"]))
    );
    html.push_str("<nav class=\"paging\">");
    for (rel, label) in [("prev", "← Previous page"), ("next", "Next page →")] {
        if let Some(target) = href(document, rel, None) {
            let _ = write!(
                html,
                "<a rel=\"{rel}\" href=\"{}\">{label}</a>",
                escape(&as_page(target))
            );
        }
    }
    html.push_str("</nav>");
    let columns = columns(&features);
    let collection = href(document, "collection", None).unwrap_or_default();
    html.push_str("<table><tr>");
    for column in &columns {
        let _ = write!(html, "<th>{}</th>", escape(column));
    }
    html.push_str("</tr>");
    for feature in &features {
        html.push_str("<tr>");
        for column in &columns {
            let value = text(&feature["properties"][column]);
            if column == "id" {
                let _ = write!(
                    html,
                    "<td><a href=\"{}\">{}</a></td>",
                    escape(&as_page(&format!(
                        "{collection}/items/{}",
                        kvarter_service::ogc::segment(&value)
                    ))),
                    escape(&value)
                );
            } else {
                let _ = write!(
                    html,
                    "<td>{}</td>",
                    escape(&cell(&feature["properties"][column]))
                );
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    html
}

fn item_title(document: &Value) -> String {
    let properties = &document["properties"];
    match properties["name"].as_str() {
        Some(name) => name.to_owned(),
        None => text(&properties["id"]),
    }
}

fn item(document: &Value) -> String {
    let mut html = String::from("<table>");
    for (name, value) in document["properties"].as_object().into_iter().flatten() {
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(name),
            escape(&text(value))
        );
    }
    let _ = write!(
        html,
        "<tr><th>Geometry</th><td>{}</td></tr></table>",
        escape(&text(&document["geometry"]["type"]))
    );
    html.push_str(&links_list(document));
    html
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_value_is_escaped() {
        let document = json!({
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"id": "a<b", "name": "<script>x</script>"}}],
            "numberMatched": 1, "numberReturned": 1,
            "layer": {"title": {"da": "Roder & \"kvarterer\""}, "status": "official"},
            "links": [{"href": "http://h/ogc/collections/x/items?limit=1", "rel": "self", "type": "application/geo+json"},
                      {"href": "http://h/ogc/collections/x", "rel": "collection", "type": "application/json"}],
        });
        let html = render(Page::Items, &document);
        assert!(!html.contains("<script>x"), "{html}");
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(html.contains("Roder &amp; &quot;kvarterer&quot;"));
        assert!(html.contains("href=\"http://h/ogc/collections/x/items/a%3Cb?f=html\""));
        assert!(html.contains("href=\"http://h/ogc/collections/x/items?limit=1&amp;f=json\""));
    }
}

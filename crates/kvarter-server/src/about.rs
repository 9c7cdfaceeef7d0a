//! The catalogue page, `GET /about`: one small self-contained HTML page (Danish first, no
//! external assets) listing every layer with its status, provenance and licence, with links to
//! the map (`/`) and into the API.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Html;
use geo::InteriorPoint;
use kvarter_core::{Layer, LayerKind, Status};

use kvarter_service::Service;

use crate::state::AppState;

/// Rådhuspladsen, for the example lookup when no designation layer has an area.
const CITY_HALL_SQUARE: (f64, f64) = (12.5683, 55.6761);

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;max-width:90rem}\
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:.4rem .5rem;text-align:left;vertical-align:top}\
th{background:#f2f2f2}td.n{text-align:right}.badge{display:inline-block;padding:.1rem .5rem;border-radius:.8rem;font-size:.85rem;font-weight:600;white-space:nowrap}\
.official{background:#d7f0dc;color:#10522a}.reconstructed{background:#ffe2b3;color:#6b3d00;border:1px solid #c77700}\
.imported{background:#dde6ff;color:#1c3a86}.synthetic{background:#eee;color:#444}small{color:#555}code{background:#f4f4f4;padding:0 .2rem}";

/// `GET /about`: the catalogue page.
pub async fn page(State(state): State<Arc<AppState>>) -> Html<String> {
    Html(render(&state.service()))
}

/// The page's HTML.
pub fn render(service: &Service) -> String {
    let mut html = String::with_capacity(8 * 1024);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Kvarter – lag / layers</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <p><a href=\"/\">Kort / Map</a></p>\n\
         <h1>Kvarter</h1>\n\
         <p>Grænser for udsatte byområder og administrative enheder i København. \
         <small>Boundaries of vulnerable urban areas and administrative units in Copenhagen.</small></p>\n\
         <p>Dataversion / data version: <code>{}</code></p>\n",
        escape(service.data_version())
    );
    html.push_str(
        "<table>\n<thead><tr><th>Titel</th><th>Title</th><th>Type / kind</th><th>Status</th>\
         <th>Kilde / source</th><th>Årgang / vintage</th><th>Licens / licence</th>\
         <th>Antal / features</th><th>API</th></tr></thead>\n<tbody>\n",
    );
    for layer in service.layers() {
        row(&mut html, layer);
    }
    html.push_str("</tbody>\n</table>\n");
    comparison(&mut html, service);
    let (lon, lat) = example_point(service);
    let _ = write!(
        html,
        "<p>\
         <a href=\"/api/openapi.json\">OpenAPI-beskrivelse / OpenAPI description</a> · \
         <a href=\"/api/lookup?lon={lon:.5}&amp;lat={lat:.5}\">Eksempel på opslag / example lookup ({lon:.5}, {lat:.5})</a> · \
         <a href=\"/api/layers\">/api/layers</a> · <a href=\"/health\">/health</a></p>\n\
         <p><small>Lag med status „rekonstrueret“ er bygget efter en dokumenteret regel, fordi den officielle \
         grænsefil ikke er tilgængelig; de er tilnærmelser. Layers marked “reconstructed” were built by a \
         documented rule because the official boundary file is not available; they are approximations.</small></p>\n\
         </body>\n</html>\n"
    );
    html
}

fn row(html: &mut String, layer: &Layer) {
    let meta = &layer.meta;
    let id = escape(meta.id.as_str());
    let period = match (meta.valid_from, meta.valid_to) {
        (Some(from), Some(to)) => format!("<br><small>i kraft / in force {from} – {to}</small>"),
        (Some(from), None) => format!("<br><small>i kraft fra / in force since {from}</small>"),
        _ => String::new(),
    };
    let mut status = format!(
        "<span class=\"badge {}\">{}</span>",
        meta.status.as_str(),
        status_words(meta.status)
    );
    if let Some(method) = &meta.method {
        let _ = write!(
            status,
            "<br><small>Metode / method: {}</small>",
            escape(method)
        );
    }
    if let Some(confidence) = &meta.confidence {
        let _ = write!(
            status,
            "<br><small>Sikkerhed / confidence: {}</small>",
            escape(confidence)
        );
    }
    let _ = writeln!(
        html,
        "<tr id=\"{id}\"><td>{da}{period}</td><td>{en}</td><td>{kind}</td><td>{status}</td>\
         <td>{publisher}<br><small>{origin}</small></td><td>{vintage}</td><td>{licence}</td>\
         <td class=\"n\">{count}</td>\
         <td><a href=\"/api/layers/{id}\">metadata</a><br><a href=\"/api/layers/{id}/features\">GeoJSON</a>\
         <br><a href=\"/api/layers/{id}/indicators?format=csv\">indikatorer / indicators (CSV)</a></td></tr>",
        da = escape(&meta.title.da),
        en = escape(&meta.title.en),
        kind = kind_words(meta.kind),
        publisher = escape(&meta.source.publisher),
        origin = escape(&meta.source.origin),
        vintage = escape(&meta.source.vintage),
        licence = escape(&meta.licence),
        count = layer.areas.len(),
    );
}

/// Links to the comparison planners ask for: the first municipal designation (2011) against
/// the latest (on the default data the 2017 layer, which is the one in force on 1 January 2025;
/// an imported 2025–2035 layer takes its place), each named with its status.
fn comparison(html: &mut String, service: &Service) {
    let mut designations: Vec<&Layer> = service
        .layers()
        .iter()
        .filter(|l| l.meta.kind == LayerKind::MunicipalDesignation && l.meta.valid_from.is_some())
        .collect();
    designations.sort_by_key(|l| l.meta.valid_from);
    let (Some(first), Some(last)) = (designations.first(), designations.last()) else {
        return;
    };
    if std::ptr::eq(*first, *last) {
        return;
    }
    let new_year: kvarter_core::Date = "2025-01-01".parse().unwrap_or_else(|_| unreachable!());
    let wording = if last.meta.in_force_on(new_year) {
        "udpegningen i kraft 1. januar 2025 / the designation in force on 1 January 2025"
    } else {
        "den seneste udpegning / the latest designation"
    };
    let (from, to) = (
        escape(first.meta.id.as_str()),
        escape(last.meta.id.as_str()),
    );
    let query = format!("from={from}&amp;to={to}");
    let _ = writeln!(
        html,
        "<h2>Sammenligning / comparison</h2>\n<p>{} <span class=\"badge {}\">{}</span> → {wording}: \
         {} <span class=\"badge {}\">{}</span>. \
         <a href=\"/api/compare?{query}\">JSON</a> · <a href=\"/api/compare?{query}&amp;format=csv\">CSV</a> · \
         <a href=\"/api/compare?{query}&amp;format=geojson\">GeoJSON</a> · \
         <a href=\"/tiles/compare/{from}/{to}.json\">TileJSON</a> · \
         <a href=\"/api/indicators\">indikatorer / indicators</a></p>",
        escape(&first.meta.title.da),
        first.meta.status.as_str(),
        status_words(first.meta.status),
        escape(&last.meta.title.da),
        last.meta.status.as_str(),
        status_words(last.meta.status),
    );
}

fn status_words(status: Status) -> &'static str {
    match status {
        Status::Official => "officiel / official",
        Status::Reconstructed => "rekonstrueret / reconstructed",
        Status::Imported => "importeret / imported",
        Status::Synthetic => "syntetisk / synthetic",
    }
}

fn kind_words(kind: LayerKind) -> &'static str {
    match kind {
        LayerKind::MunicipalDesignation => "kommunal udpegning / municipal designation",
        LayerKind::StateDesignation => "statslig liste / state designation",
        LayerKind::AdminUnit => "administrativ enhed / admin unit",
        LayerKind::BaseMap => "baggrundskort / base map",
    }
}

/// A point inside the first area of the first designation layer, for the example lookup.
fn example_point(service: &Service) -> (f64, f64) {
    service
        .layers()
        .iter()
        .filter(|layer| layer.meta.kind.is_designation())
        .filter_map(|layer| layer.areas.first())
        .find_map(|area| area.geometry.interior_point())
        .map(|point| (point.x(), point.y()))
        .filter(|&(lon, lat)| kvarter_crs::is_valid_lon_lat(lon, lat))
        .unwrap_or(CITY_HALL_SQUARE)
}

/// Text made safe for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            escape(r#"<b>"Nørrebro" & 'Amager'</b>"#),
            "&lt;b&gt;&quot;Nørrebro&quot; &amp; &#39;Amager&#39;&lt;/b&gt;"
        );
    }
}

//! The documents of OGC API – Features: Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (CRS
//! by reference) and Part 3's queryables with simple property filters — the landing page, the
//! conformance declaration, the collections (every layer, with its extent in space and time and
//! its status, source, vintage and licence, and the comparisons of the designations; see
//! [`collections`](mod@collections)) and the items of one collection as a paged
//! `FeatureCollection` with `next` and `prev` links. The HTTP face serves them under a base URL
//! (`…/ogc`), in JSON or turned into HTML. A layer's vector tiles are described in [`tiles`];
//! the features themselves are the service's, the same as `/api/layers/{id}/features` gives.

pub mod collections;
pub mod query;
pub mod tiles;

use serde_json::{Value, json};

pub use collections::{COMPARE_PREFIX, Collection, queryables, queryables_document};
pub use query::{ItemsQuery, Period};

use crate::service::Service;

/// The conformance classes of OGC API – Features met (Tiles': [`tiles`]).
pub const CONFORMANCE: [&str; 7] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
];
/// WGS 84 longitude, latitude: the default CRS and the one the data is stored in.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// ETRS89 / UTM zone 32N, the city's own CRS (easting, northing in metres).
pub const EPSG_25832: &str = "http://www.opengis.net/def/crs/EPSG/0/25832";

/// The CRSs an answer can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputCrs {
    /// [`CRS84`].
    #[default]
    Crs84,
    /// [`EPSG_25832`].
    Utm32,
}

impl OutputCrs {
    /// The CRS named by `uri`, if it is one of [`CRS84`] and [`EPSG_25832`].
    pub fn from_uri(uri: &str) -> Option<OutputCrs> {
        match uri.trim().trim_start_matches('<').trim_end_matches('>') {
            CRS84 => Some(OutputCrs::Crs84),
            EPSG_25832 => Some(OutputCrs::Utm32),
            _ => None,
        }
    }

    /// Its URI.
    pub fn uri(self) -> &'static str {
        match self {
            OutputCrs::Crs84 => CRS84,
            OutputCrs::Utm32 => EPSG_25832,
        }
    }
}
/// Items per page without `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest `limit`.
pub const MAX_LIMIT: usize = 10_000;

/// The media type of a JSON document.
pub const JSON: &str = "application/json";
/// The media type of a feature or feature collection.
pub const GEOJSON: &str = "application/geo+json";
/// The media type of a page.
pub const HTML: &str = "text/html";
/// The media type of the API definition (`/ogc/api`).
pub const OPENAPI_30: &str = "application/vnd.oai.openapi+json;version=3.0";
/// The media type of a collection's queryables.
pub const SCHEMA_JSON: &str = "application/schema+json";
/// The link relation of the tile matrix sets.
pub const REL_TILING_SCHEMES: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";
/// The link relation of a collection's vector tilesets.
pub const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
/// The link relation of a collection's queryables.
pub const REL_QUERYABLES: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

fn link(href: &str, rel: &str, kind: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": kind, "title": title})
}

/// `href` asking for the encoding `f` (`json`, `html`), keeping its other parameters.
pub fn with_f(href: &str, f: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let kept = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("f="));
    let mut pairs: Vec<&str> = kept.collect();
    let wanted = format!("f={f}");
    pairs.push(&wanted);
    format!("{path}?{}", pairs.join("&"))
}

/// The `self` link of a JSON document at `href` and its `alternate`, the same as a page.
fn self_and_html(href: &str, kind: &str, title: &str) -> [Value; 2] {
    [
        link(href, "self", kind, title),
        link(
            &with_f(href, "html"),
            "alternate",
            HTML,
            "This document as a page",
        ),
    ]
}

/// The landing page at `base`.
pub fn landing(base: &str) -> Value {
    let mut links = self_and_html(base, JSON, "This document").to_vec();
    links.extend([
        link(
            &format!("{base}/conformance"),
            "conformance",
            JSON,
            "Conformance classes",
        ),
        link(
            &format!("{base}/collections"),
            "data",
            JSON,
            "The layers and the comparisons",
        ),
        link(
            &format!("{base}/api"),
            "service-desc",
            OPENAPI_30,
            "The API definition (OpenAPI 3.0)",
        ),
        link(
            &with_f(&format!("{base}/api"), "html"),
            "service-doc",
            HTML,
            "The API's documentation",
        ),
        link(
            &service_root(base, "/about"),
            "about",
            HTML,
            "The layers and their provenance",
        ),
        link(
            &format!("{base}/tileMatrixSets"),
            REL_TILING_SCHEMES,
            JSON,
            "The tile matrix sets the vector tiles are cut in",
        ),
    ]);
    json!({
        "title": "Kvarter",
        "description": "Copenhagen's udsatte byområder (designations of every year, official or \
            reconstructed, and how they changed), the state's lists and the administrative units, \
            as OGC API – Features.",
        "links": links,
    })
}

/// `path` on the service `base` (the OGC root) belongs to.
fn service_root(base: &str, path: &str) -> String {
    format!("{}{path}", base.strip_suffix("/ogc").unwrap_or(base))
}

/// The conformance declaration at `base`.
pub fn conformance(base: &str) -> Value {
    let classes: Vec<&str> = CONFORMANCE
        .iter()
        .chain(&tiles::TILES_CONFORMANCE)
        .copied()
        .collect();
    json!({
        "conformsTo": classes,
        "links": self_and_html(&format!("{base}/conformance"), JSON, "This document"),
    })
}

/// Every collection ([`Service::ogc_collections`]).
pub fn collections(service: &Service, base: &str) -> Value {
    let collections: Vec<Value> = service
        .ogc_collections()
        .iter()
        .map(|one| collection(one, base))
        .collect();
    json!({
        "links": self_and_html(&format!("{base}/collections"), JSON, "This document"),
        "collections": collections,
    })
}

/// `id` as one segment of a URL path (percent-encoded, a space as `%20`).
pub fn segment(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// One collection: id, titles, extent (its bounds; its period of validity for a designation),
/// CRS, its provenance, and the links to its items and queryables.
pub fn collection(collection: &Collection<'_>, base: &str) -> Value {
    let layer = collection.layer();
    let meta = &layer.meta;
    let href = format!("{base}/collections/{}", segment(collection.id()));
    let spatial = layer.bounds().map_or(
        Value::Null,
        |b| json!({"bbox": [[b.west, b.south, b.east, b.north]], "crs": CRS84}),
    );
    let temporal = match (meta.valid_from, meta.valid_to) {
        (None, None) => Value::Null,
        (from, to) => json!({
            "interval": [[from.map(|d| format!("{d}T00:00:00Z")), to.map(|d| format!("{d}T00:00:00Z"))]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }),
    };
    let mut links = self_and_html(&href, JSON, "This collection").to_vec();
    links.extend([
        link(&format!("{href}/items"), "items", GEOJSON, "Its features"),
        link(
            &with_f(&format!("{href}/items"), "html"),
            "items",
            HTML,
            "Its features as a page",
        ),
        link(
            &format!("{href}/queryables"),
            REL_QUERYABLES,
            SCHEMA_JSON,
            "The properties to filter on",
        ),
    ]);
    if let Collection::Layer(_) = collection {
        links.push(link(
            &format!("{href}/tiles"),
            REL_TILESETS_VECTOR,
            JSON,
            "Its vector tiles",
        ));
    }
    json!({
        "id": collection.id(),
        "title": meta.title.da,
        "description": format!("{} ({}): {}", meta.title.en, meta.status.as_str(), meta.authority),
        "itemType": "feature",
        "crs": [CRS84, EPSG_25832],
        "storageCrs": CRS84,
        "extent": {"spatial": spatial, "temporal": temporal},
        "kind": if matches!(collection, Collection::Changes { .. }) { json!("comparison") } else { json!(meta.kind) },
        "status": meta.status,
        "licence": meta.licence,
        "source": {"publisher": meta.source.publisher, "origin": meta.source.origin, "vintage": meta.source.vintage},
        "method": meta.method,
        "confidence": meta.confidence,
        "links": links,
    })
}

/// A page of items as the standard writes it: a `FeatureCollection` with `numberMatched`,
/// `numberReturned`, the collection's provenance (`layer`), the indicators' (`indicators`, when
/// values were joined) and its links. Serialized straight from the features — a page of
/// thousands of polygons is never built as a tree of JSON values first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Items {
    #[serde(rename = "type")]
    kind: &'static str,
    /// The page's features.
    pub features: Vec<geojson::Feature>,
    #[serde(rename = "numberMatched")]
    number_matched: usize,
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    layer: Value,
    links: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    indicators: Option<Value>,
}

/// A page of `collection`'s items: its features, how many match, the collection's
/// provenance, the indicators' (when values were joined), and `self`, `alternate`, `next`
/// (while more match), `prev` and `collection` links.
pub fn items(
    collection: &Collection<'_>,
    base: &str,
    page: crate::features::FeaturePage,
    query: &ItemsQuery,
    indicators: Option<Value>,
) -> Items {
    let href = format!("{base}/collections/{}", segment(collection.id()));
    let items = format!("{href}/items");
    let returned = page.features.len();
    let at = |offset: usize| format!("{items}?{}", query.query(offset));
    let mut links = self_and_html(&at(query.offset), GEOJSON, "This page").to_vec();
    if query.offset + returned < page.matched {
        links.push(link(
            &at(query.offset + returned),
            "next",
            GEOJSON,
            "The next page",
        ));
    }
    if query.offset > 0 {
        links.push(link(
            &at(query.offset.saturating_sub(query.limit)),
            "prev",
            GEOJSON,
            "The previous page",
        ));
    }
    links.push(link(&href, "collection", JSON, "The collection"));
    let meta = &collection.layer().meta;
    Items {
        kind: "FeatureCollection",
        features: page.features,
        number_matched: page.matched,
        number_returned: returned,
        layer: json!({"id": collection.id(), "title": meta.title, "status": meta.status, "licence": meta.licence,
                      "source": {"publisher": meta.source.publisher, "vintage": meta.source.vintage}}),
        links,
        indicators,
    }
}

/// One item of `collection` as a `Feature` with `self`, `alternate` and `collection` links.
pub fn item(collection: &Collection<'_>, base: &str, feature: &geojson::Feature) -> Value {
    let href = format!("{base}/collections/{}", segment(collection.id()));
    let id = feature
        .id
        .as_ref()
        .map(|id| match id {
            geojson::feature::Id::String(text) => text.clone(),
            geojson::feature::Id::Number(number) => number.to_string(),
        })
        .unwrap_or_default();
    let mut value = serde_json::to_value(feature).unwrap_or(Value::Null);
    let mut links = self_and_html(
        &format!("{href}/items/{}", segment(&id)),
        GEOJSON,
        "This feature",
    )
    .to_vec();
    links.push(link(&href, "collection", JSON, "The collection"));
    value["links"] = Value::Array(links);
    value
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn with_f_replaces_the_encoding_and_keeps_the_rest() {
        assert_eq!(with_f("http://h/ogc", "html"), "http://h/ogc?f=html");
        assert_eq!(
            with_f("http://h/ogc/x/items?limit=5&f=json&offset=5", "html"),
            "http://h/ogc/x/items?limit=5&offset=5&f=html"
        );
    }

    #[test]
    fn ids_become_one_path_segment() {
        assert_eq!(segment("kept:1:sl-2024/17"), "kept%3A1%3Asl-2024%2F17");
        assert_eq!(segment("a b#2"), "a%20b%232");
    }
}

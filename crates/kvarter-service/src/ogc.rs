//! The documents of OGC API – Features, Part 1 (Core and GeoJSON): the landing page, the
//! conformance declaration, the collections (one per layer, with its extent in space and time
//! and its status, source, vintage and licence) and the items of one collection as a paged
//! `FeatureCollection` with `next` and `prev` links. The HTTP face serves them under a base URL
//! (`…/ogc`); the features themselves are the service's ([`Service::features_page`]), the same
//! as `/api/layers/{id}/features` gives.

use std::fmt::Write as _;

use geo::Rect;
use serde_json::{Value, json};

use crate::error::{ServiceError, quoted};
use crate::features::FeaturePage;
use crate::service::{LayerAt, Service};
use kvarter_core::{Date, Layer};

/// The conformance classes met: Core, GeoJSON, and CRS by reference (Part 2).
pub const CONFORMANCE: [&str; 3] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
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

const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";

fn link(href: &str, rel: &str, kind: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": kind, "title": title})
}

/// The landing page at `base`.
pub fn landing(base: &str) -> Value {
    json!({
        "title": "Kvarter",
        "description": "Copenhagen's udsatte byområder (designations of every year, official or \
            reconstructed), the state's lists and the administrative units, as OGC API – Features.",
        "links": [
            link(base, "self", JSON, "This document"),
            link(&format!("{base}/conformance"), "conformance", JSON, "Conformance classes"),
            link(&format!("{base}/collections"), "data", JSON, "The layers"),
            link(
                &service_root(base, "/api/openapi.json"),
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.1",
                "Kvarter's API definition",
            ),
            link(&service_root(base, "/about"), "service-doc", "text/html", "The layers and their provenance"),
        ],
    })
}

/// `path` on the service `base` (the OGC root) belongs to.
fn service_root(base: &str, path: &str) -> String {
    format!("{}{path}", base.strip_suffix("/ogc").unwrap_or(base))
}

/// The conformance declaration.
pub fn conformance() -> Value {
    json!({"conformsTo": CONFORMANCE})
}

/// Every layer as a collection.
pub fn collections(service: &Service, base: &str) -> Value {
    let collections: Vec<Value> = service
        .layers()
        .iter()
        .map(|layer| collection(layer, base))
        .collect();
    json!({
        "links": [link(&format!("{base}/collections"), "self", JSON, "This document")],
        "collections": collections,
    })
}

/// One layer as a collection: id, titles, extent (its bounds; its period of validity for a
/// designation), CRS, its provenance, and the links to its items.
pub fn collection(layer: &Layer, base: &str) -> Value {
    let meta = &layer.meta;
    let href = format!("{base}/collections/{}", meta.id);
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
    json!({
        "id": meta.id,
        "title": meta.title.da,
        "description": format!("{} ({}): {}", meta.title.en, meta.status.as_str(), meta.authority),
        "itemType": "feature",
        "crs": [CRS84, EPSG_25832],
        "storageCrs": CRS84,
        "extent": {"spatial": spatial, "temporal": temporal},
        "kind": meta.kind,
        "status": meta.status,
        "licence": meta.licence,
        "source": {"publisher": meta.source.publisher, "origin": meta.source.origin, "vintage": meta.source.vintage},
        "links": [
            link(&href, "self", JSON, "This collection"),
            link(&format!("{href}/items"), "items", GEOJSON, "Its features"),
        ],
    })
}

/// A `datetime` query: the days from `start` to `end`, both included; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The first day, or open.
    pub start: Option<Date>,
    /// The last day, or open.
    pub end: Option<Date>,
}

impl Period {
    /// `datetime` as the standard writes it: an instant (`2025-01-01` or
    /// `2025-01-01T12:00:00Z`) or an interval (`2011-01-01/2017-12-31`, `../2017-01-01`,
    /// `2025-01-01/..`). Designations are valid for whole days, so a time is read as its day.
    pub fn parse(text: &str) -> Result<Period, ServiceError> {
        let day = |part: &str| -> Result<Option<Date>, ServiceError> {
            let part = part.trim();
            if part.is_empty() || part == ".." {
                return Ok(None);
            }
            part.get(..10)
                .and_then(|day| day.parse::<Date>().ok())
                .map(Some)
                .ok_or_else(|| {
                    ServiceError::invalid(
                        "datetime",
                        format!(
                            "{} is not a date or date-time; use e.g. 2025-01-01, 2025-01-01T00:00:00Z or 2011-01-01/2017-12-31 (.. for open)",
                            quoted(part)
                        ),
                    )
                })
        };
        let period = if let Some((start, end)) = text.split_once('/') {
            Period {
                start: day(start)?,
                end: day(end)?,
            }
        } else {
            let instant = day(text)?;
            if instant.is_none() {
                return Err(ServiceError::invalid(
                    "datetime",
                    "an instant cannot be open; give a date",
                ));
            }
            Period {
                start: instant,
                end: instant,
            }
        };
        if let (Some(start), Some(end)) = (period.start, period.end)
            && start > end
        {
            return Err(ServiceError::invalid(
                "datetime",
                format!("the interval ends ({end}) before it starts ({start})"),
            ));
        }
        Ok(period)
    }

    /// Whether `layer`'s features are selected: those of a layer valid on some day of the
    /// period (from `valid_from` up to, not including, `valid_to`). A layer without a period of
    /// validity (units, base map) has no temporal extent, and `datetime` does not filter it.
    pub fn selects(&self, layer: &Layer) -> bool {
        let (from, to) = (layer.meta.valid_from, layer.meta.valid_to);
        if from.is_none() && to.is_none() {
            return true;
        }
        let starts_before_it_ends = match (self.start, to) {
            (Some(start), Some(to)) => start < to,
            _ => true,
        };
        let ends_after_it_starts = match (self.end, from) {
            (Some(end), Some(from)) => end >= from,
            _ => true,
        };
        starts_before_it_ends && ends_after_it_starts
    }
}

/// What an items request asked for, to write its links.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsQuery {
    /// The first item (0-based).
    pub offset: usize,
    /// Items per page.
    pub limit: usize,
    /// The box asked for, in lon/lat whatever `bbox-crs` it was given in, if any.
    pub bbox: Option<Rect<f64>>,
    /// The CRS of the answer.
    pub crs: OutputCrs,
    /// `datetime` as given, if any.
    pub datetime: Option<String>,
}

impl ItemsQuery {
    /// The query string of this query from `offset` on.
    fn query(&self, offset: usize) -> String {
        let mut query = format!("limit={}&offset={offset}", self.limit);
        if self.crs != OutputCrs::Crs84 {
            let _ = write!(query, "&crs={}", self.crs.uri());
        }
        if let Some(datetime) = &self.datetime {
            let _ = write!(query, "&datetime={datetime}");
        }
        if let Some(rect) = self.bbox {
            let _ = write!(
                query,
                "&bbox={},{},{},{}",
                rect.min().x,
                rect.min().y,
                rect.max().x,
                rect.max().y
            );
        }
        query
    }
}

/// A page of items of the layer at `at`: a `FeatureCollection` with `numberMatched`,
/// `numberReturned` and `self`, `next` (while more match), `prev` and `collection` links.
pub fn items(at: LayerAt<'_>, base: &str, page: &FeaturePage, query: &ItemsQuery) -> Value {
    let collection = format!("{base}/collections/{}", at.layer.meta.id);
    let items = format!("{collection}/items");
    let returned = page.features.len();
    let mut links = vec![link(
        &format!("{items}?{}", query.query(query.offset)),
        "self",
        GEOJSON,
        "This page",
    )];
    if query.offset + returned < page.matched {
        links.push(link(
            &format!("{items}?{}", query.query(query.offset + returned)),
            "next",
            GEOJSON,
            "The next page",
        ));
    }
    if query.offset > 0 {
        links.push(link(
            &format!(
                "{items}?{}",
                query.query(query.offset.saturating_sub(query.limit))
            ),
            "prev",
            GEOJSON,
            "The previous page",
        ));
    }
    links.push(link(&collection, "collection", JSON, "The collection"));
    json!({
        "type": "FeatureCollection",
        "features": page.features,
        "numberMatched": page.matched,
        "numberReturned": returned,
        "links": links,
    })
}

/// One item as a `Feature` with `self` and `collection` links.
pub fn item(at: LayerAt<'_>, base: &str, feature: &geojson::Feature) -> Value {
    let collection = format!("{base}/collections/{}", at.layer.meta.id);
    let id = feature
        .id
        .as_ref()
        .map(|id| match id {
            geojson::feature::Id::String(text) => text.clone(),
            geojson::feature::Id::Number(number) => number.to_string(),
        })
        .unwrap_or_default();
    let mut value = serde_json::to_value(feature).unwrap_or(Value::Null);
    value["links"] = json!([
        link(
            &format!("{collection}/items/{id}"),
            "self",
            GEOJSON,
            "This feature"
        ),
        link(&collection, "collection", JSON, "The collection"),
    ]);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(from: Option<&str>, to: Option<&str>) -> Layer {
        let mut meta = kvarter_core::LayerMeta::synthetic(
            "test".parse().unwrap(),
            kvarter_core::LayerKind::MunicipalDesignation,
        );
        meta.valid_from = from.map(|d| d.parse().unwrap());
        meta.valid_to = to.map(|d| d.parse().unwrap());
        Layer {
            meta,
            areas: Vec::new(),
        }
    }

    #[test]
    fn datetime_selects_a_designation_valid_on_some_day_of_it() {
        let y2011 = layer(Some("2011-01-01"), Some("2017-06-22"));
        let select = |text: &str| Period::parse(text).unwrap().selects(&y2011);
        assert!(select("2012-06-01"));
        assert!(select("2012-06-01T12:00:00Z"));
        assert!(
            !select("2017-06-22"),
            "valid_to is the first day no longer in force"
        );
        assert!(select("2017-06-21"));
        assert!(select("../2011-01-01"));
        assert!(!select("2018-01-01/.."));
        assert!(select("2000-01-01/2030-01-01"));
        assert!(
            Period::parse("2025-01-01")
                .unwrap()
                .selects(&layer(None, None)),
            "a layer without a period is not filtered"
        );
    }

    #[test]
    fn malformed_or_backwards_datetimes_are_refused() {
        for text in ["yesterday", "..", "2017-01-01/2011-01-01", "2011-13-01"] {
            assert!(Period::parse(text).is_err(), "{text}");
        }
    }
}

//! OGC API – Features under `/ogc`, one group of tests per conformance class the service
//! declares (Core, GeoJSON, HTML, OpenAPI 3.0, CRS, queryables), plus the comparison
//! collections and the joined indicators, over the squares of `squares` (`omraader-2011`
//! against `omraader-2017`: one kept piece, one removed, two added). GDAL, `OWSLib` and QGIS
//! read the same API in `tests/tests/ogc.rs` and `scripts/test-ogc-clients`.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use crate::squares::{self, D2011, D2017, UNITS_A};
use crate::support::{get_from, request, send_to};

const CLASSES: [&str; 7] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
];

/// `GET uri` on the squares, expecting `status` and JSON.
async fn json(uri: &str, status: StatusCode) -> Value {
    let answer = get_from(squares::state(), uri).await;
    assert_eq!(answer.status, status, "{uri}: {}", answer.text());
    answer.json()
}

/// The `href` of the link with relation `rel` (and type `kind`).
fn link<'a>(document: &'a Value, rel: &str, kind: Option<&str>) -> Option<&'a str> {
    document["links"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|link| {
            (link["rel"] == rel && kind.is_none_or(|kind| link["type"] == kind))
                .then(|| link["href"].as_str().unwrap())
        })
}

/// The path and query of an absolute link.
fn path(href: &str) -> &str {
    href.strip_prefix("http://localhost").unwrap_or(href)
}

fn ids(page: &Value) -> Vec<String> {
    page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| feature["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn conformance_declares_exactly_the_classes_tested_here() {
    let body = json("/ogc/conformance", StatusCode::OK).await;
    let declared: BTreeSet<&str> = body["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|class| class.as_str().unwrap())
        .collect();
    for class in CLASSES {
        assert!(declared.contains(class), "{class} in {declared:?}");
    }
    assert!(
        declared.iter().all(|class| CLASSES.contains(class)
            || class.contains("ogcapi-tiles")
            || class.contains("/tms/")),
        "a class without a test: {declared:?}"
    );
}

#[tokio::test]
async fn core_the_landing_page_links_to_everything_the_standard_requires() {
    let body = json("/ogc", StatusCode::OK).await;
    for (rel, kind) in [
        ("self", "application/json"),
        ("alternate", "text/html"),
        ("conformance", "application/json"),
        ("data", "application/json"),
        (
            "service-desc",
            "application/vnd.oai.openapi+json;version=3.0",
        ),
        ("service-doc", "text/html"),
        (
            "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
            "application/json",
        ),
    ] {
        let href = link(&body, rel, Some(kind)).unwrap_or_else(|| panic!("{rel} in {body}"));
        let answer = get_from(squares::state(), path(href)).await;
        assert_eq!(answer.status, StatusCode::OK, "{rel}: {href}");
        let media = answer.content_type();
        assert!(
            media.starts_with(kind.split(';').next().unwrap()),
            "{rel} answers {media}"
        );
    }
}

#[tokio::test]
async fn core_every_layer_and_the_comparison_are_collections_with_their_provenance() {
    let body = json("/ogc/collections", StatusCode::OK).await;
    let collections = body["collections"].as_array().unwrap();
    let listed: Vec<&str> = collections
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let layers = json("/api/layers", StatusCode::OK).await;
    for layer in layers["layers"].as_array().unwrap() {
        assert!(
            listed.contains(&layer["id"].as_str().unwrap()),
            "{listed:?}"
        );
    }
    assert!(listed.contains(&"compare-2011--2017"), "{listed:?}");
    let d2011 = collections.iter().find(|c| c["id"] == D2011).unwrap();
    assert_eq!(d2011["status"], "reconstructed");
    assert_eq!(
        d2011["extent"]["temporal"]["interval"][0],
        serde_json::json!(["2011-01-01T00:00:00Z", "2017-06-22T00:00:00Z"])
    );
    assert_eq!(
        d2011["storageCrs"],
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    );
    let changes = collections
        .iter()
        .find(|c| c["id"] == "compare-2011--2017")
        .unwrap();
    assert_eq!(changes["kind"], "comparison");
    assert_eq!(
        changes["status"], "reconstructed",
        "the weaker side's status"
    );
    assert!(
        changes["source"]["origin"]
            .as_str()
            .unwrap()
            .contains(D2011)
    );
    let one = json("/ogc/collections/compare-2011--2017", StatusCode::OK).await;
    assert_eq!(one["id"], "compare-2011--2017");
    assert!(link(&one, "items", Some("application/geo+json")).is_some());
    assert!(
        link(
            &one,
            "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
            None
        )
        .is_none(),
        "a comparison has no tilesets of its own"
    );
    let layer = json(&format!("/ogc/collections/{D2011}"), StatusCode::OK).await;
    let tiles = link(
        &layer,
        "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
        None,
    )
    .expect("a layer links its vector tilesets");
    json(path(tiles), StatusCode::OK).await;
}

#[tokio::test]
async fn core_next_links_page_through_a_layer_once_and_prev_links_go_back() {
    let mut seen = Vec::new();
    let mut next = Some(format!("/ogc/collections/{UNITS_A}/items?limit=1"));
    let mut pages = 0;
    while let Some(uri) = next {
        let page = json(&uri, StatusCode::OK).await;
        assert_eq!(page["numberMatched"], 2);
        assert_eq!(page["numberReturned"], 1);
        seen.extend(ids(&page));
        if pages == 1 {
            let back = json(path(link(&page, "prev", None).unwrap()), StatusCode::OK).await;
            assert_eq!(ids(&back), seen[..1]);
        }
        next = link(&page, "next", None).map(|href| path(href).to_owned());
        pages += 1;
    }
    assert_eq!(seen, ["vest", "oest"]);
    let item = json(
        &format!("/ogc/collections/{UNITS_A}/items/oest"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(item["properties"]["name"], "Øst");
    assert!(link(&item, "collection", None).is_some());
}

#[tokio::test]
async fn core_errors_are_the_standards_exception_with_a_4xx() {
    for (uri, status, named) in [
        ("/ogc/collections/nope", StatusCode::NOT_FOUND, "nope"),
        (
            "/ogc/collections/enheder-a/items/nope",
            StatusCode::NOT_FOUND,
            "nope",
        ),
        (
            "/ogc/collections/enheder-a/items?limit=0",
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            "/ogc/collections/enheder-a/items?limit=10001",
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            "/ogc/collections/enheder-a/items?offset=-1",
            StatusCode::BAD_REQUEST,
            "offset",
        ),
        ("/ogc/collections?f=xml", StatusCode::BAD_REQUEST, "f"),
        (
            "/ogc/collections/compare-1990--2017",
            StatusCode::BAD_REQUEST,
            "1990",
        ),
        (
            "/ogc/collections/compare-2011--gader",
            StatusCode::UNPROCESSABLE_ENTITY,
            "gader",
        ),
    ] {
        let body = json(uri, status).await;
        let members: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(members, ["code", "description"], "{uri}: {body}");
        assert!(
            body["description"].as_str().unwrap().contains(named),
            "{uri}: {body}"
        );
    }
}

#[tokio::test]
async fn geojson_items_are_a_feature_collection_of_media_type_geo_json() {
    let answer = get_from(squares::state(), &format!("/ogc/collections/{D2017}/items")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "application/geo+json");
    let body = answer.json();
    assert_eq!(body["type"], "FeatureCollection");
    assert_eq!(body["layer"]["status"], "official");
    for feature in body["features"].as_array().unwrap() {
        assert_eq!(feature["type"], "Feature");
        assert_eq!(feature["geometry"]["type"], "MultiPolygon");
    }
}

#[tokio::test]
async fn html_every_document_is_a_page_by_f_or_by_a_browsers_accept_header() {
    for uri in [
        "/ogc",
        "/ogc/conformance",
        "/ogc/api",
        "/ogc/collections",
        "/ogc/collections/omraader-2011",
        "/ogc/collections/omraader-2011/queryables",
        "/ogc/collections/omraader-2011/items",
        "/ogc/collections/omraader-2011/items/o11",
        "/ogc/collections/compare-2011--2017/items",
    ] {
        let sep = if uri.contains('?') { '&' } else { '?' };
        let by_f = get_from(squares::state(), &format!("{uri}{sep}f=html")).await;
        assert_eq!(by_f.status, StatusCode::OK, "{uri}");
        assert!(by_f.content_type().starts_with("text/html"), "{uri}");
        let page = by_f.text();
        assert!(page.starts_with("<!doctype html>"), "{uri}");
        assert!(page.contains("f=json"), "{uri}: a link to the JSON");
        let browser = send_to(
            squares::state(),
            request(
                uri,
                &[("accept", "text/html,application/xhtml+xml,*/*;q=0.8")],
            ),
        )
        .await;
        assert!(browser.content_type().starts_with("text/html"), "{uri}");
        assert_eq!(browser.headers["vary"], "accept");
        let client = send_to(
            squares::state(),
            request(uri, &[("accept", "application/geo+json, application/json")]),
        )
        .await;
        assert!(client.content_type().contains("json"), "{uri}");
    }
    let page = get_from(
        squares::state(),
        "/ogc/collections/omraader-2011/items?f=html",
    )
    .await
    .text();
    assert!(
        page.contains("Område 2011") && page.contains("reconstructed"),
        "{page}"
    );
}

#[tokio::test]
async fn oas30_the_api_definition_is_openapi_3_0_and_describes_every_ogc_route() {
    let answer = get_from(squares::state(), "/ogc/api").await;
    assert_eq!(
        answer.content_type(),
        "application/vnd.oai.openapi+json;version=3.0"
    );
    let body = answer.json();
    assert!(body["openapi"].as_str().unwrap().starts_with("3.0."));
    assert_eq!(body["servers"][0]["url"], "http://localhost");
    for route in kvarter_server::ROUTES
        .iter()
        .filter(|route| route.starts_with("/ogc"))
    {
        assert!(body["paths"].get(*route).is_some(), "{route} undescribed");
    }
    let text = answer.text();
    assert!(
        !text.contains("\"type\":[") && !text.contains("\"const\""),
        "3.1 only"
    );
}

#[tokio::test]
async fn crs_items_come_in_epsg_25832_with_the_content_crs_header() {
    let uri = format!(
        "/ogc/collections/{UNITS_A}/items/vest?crs=http://www.opengis.net/def/crs/EPSG/0/25832"
    );
    let answer = get_from(squares::state(), &uri).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        answer.headers["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/25832>"
    );
    let body = answer.json();
    let ring = &body["geometry"]["coordinates"][0][0];
    let xs: Vec<f64> = ring
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_f64().unwrap())
        .collect();
    let min = xs.iter().copied().fold(f64::MAX, f64::min);
    assert!((min - squares::X0).abs() < 0.01, "{min}");
}

#[tokio::test]
async fn queryables_list_the_properties_and_filters_select_by_them() {
    let answer = get_from(
        squares::state(),
        &format!("/ogc/collections/{D2017}/queryables"),
    )
    .await;
    assert_eq!(answer.content_type(), "application/schema+json");
    let schema = answer.json();
    assert_eq!(schema["properties"]["name"]["type"], "string");
    assert_eq!(schema["properties"]["area_m2"]["type"], "number");
    let page = json(
        &format!("/ogc/collections/{D2017}/items?name=Nyt%20omr%C3%A5de"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&page), ["o17-ny"]);
    assert_eq!(page["numberMatched"], 1);
    assert!(
        link(&page, "self", None)
            .unwrap()
            .contains("name=Nyt+omr%C3%A5de"),
        "links keep the filter"
    );
    let none = json(
        &format!("/ogc/collections/{D2017}/items?name=Intet"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["numberMatched"], 0);
    for (uri, named) in [
        (
            format!("/ogc/collections/{D2017}/items?colour=red"),
            "colour",
        ),
        (
            format!("/ogc/collections/{D2017}/items?area_m2=big"),
            "area_m2",
        ),
    ] {
        let body = json(&uri, StatusCode::BAD_REQUEST).await;
        assert!(
            body["description"].as_str().unwrap().contains(named),
            "{body}"
        );
    }
    let changes = json(
        "/ogc/collections/compare-2011--2017/items?change=added",
        StatusCode::OK,
    )
    .await;
    assert_eq!(changes["numberMatched"], 2);
}

#[tokio::test]
async fn the_comparison_collection_holds_the_same_pieces_as_api_compare() {
    let report = json(
        &format!("/api/compare?from={D2011}&to={D2017}&format=geojson"),
        StatusCode::OK,
    )
    .await;
    let pieces = report["features"].as_array().unwrap();
    let items = json("/ogc/collections/compare-2011--2017/items", StatusCode::OK).await;
    assert_eq!(items["numberMatched"], pieces.len());
    let changes: BTreeSet<String> = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["change"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        changes,
        BTreeSet::from(["added".into(), "kept".into(), "removed".into()])
    );
    let by_ids = json(
        &format!("/ogc/collections/compare-{D2011}--{D2017}/items"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        ids(&by_ids),
        ids(&items),
        "years and layer ids name the same comparison"
    );
    let in_force = json("/ogc/collections/compare-2011--2020/items", StatusCode::OK).await;
    assert_eq!(
        ids(&in_force),
        ids(&items),
        "2020 is the designation in force on 1 January 2020"
    );
    let first = ids(&items)[0].clone();
    let encoded: String = first.replace(':', "%3A");
    let one = json(
        &format!("/ogc/collections/compare-2011--2017/items/{encoded}"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["id"], first);
    let refused = json(
        "/ogc/collections/compare-2011--2017/items?indicators=population",
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        refused["description"]
            .as_str()
            .unwrap()
            .contains("indicators")
    );
}

#[tokio::test]
async fn indicators_join_onto_items_with_their_provenance() {
    let page = json(
        &format!("/ogc/collections/{UNITS_A}/items?indicators=population&period=2019"),
        StatusCode::OK,
    )
    .await;
    let vest = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "vest")
        .unwrap();
    let features = json(
        &format!("/api/layers/{UNITS_A}/features?indicators=population&period=2019"),
        StatusCode::OK,
    )
    .await;
    let same = features["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "vest")
        .unwrap();
    assert_eq!(vest["properties"], same["properties"]);
    assert_eq!(page["indicators"], features["indicators"]);
    assert!(link(&page, "next", None).is_none());
    assert!(
        link(&page, "self", None)
            .unwrap()
            .contains("indicators=population"),
        "links keep indicators"
    );
}

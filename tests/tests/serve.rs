//! The real binary, serving the embedded default dataset: known answers, bad input, headers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use kvarter_e2e::Server;
use serde_json::Value;

/// One server for all tests in this file (started on first use, killed at exit by the OS).
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start(&[]))
}

fn designation<'a>(answer: &'a Value, layer: &str) -> Option<&'a Value> {
    answer["designations"]
        .as_array()?
        .iter()
        .flat_map(|year| year["layers"].as_array().into_iter().flatten())
        .find(|entry| entry["layer"]["id"] == layer)
}

fn unit_names(answer: &Value, layer: &str) -> Vec<String> {
    answer["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["layer"]["id"] == layer)
        .flat_map(|entry| entry["areas"].as_array().unwrap().iter())
        .map(|area| area["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn raadhuspladsen_is_in_indre_by_and_in_no_udsat_area() {
    let answer = server().json("/api/lookup?lon=12.5683&lat=55.6761", 200);
    assert_eq!(unit_names(&answer, "bydele-2023"), ["Indre By"]);
    assert_eq!(unit_names(&answer, "kommune-2023"), ["Københavns Kommune"]);
    for layer in ["udsatte-byomraader-2011", "udsatte-byomraader-2017"] {
        let entry = designation(&answer, layer).unwrap();
        assert_eq!(entry["designated"], false, "{layer}");
        assert!(entry["areas"].as_array().unwrap().is_empty());
    }
}

#[test]
fn frederiksberg_raadhus_is_in_no_copenhagen_unit_at_all() {
    let answer = server().json("/api/lookup?lon=12.5339&lat=55.6786", 200);
    for unit in answer["units"].as_array().unwrap() {
        assert!(unit["areas"].as_array().unwrap().is_empty(), "{unit}");
    }
    for year in answer["designations"].as_array().unwrap() {
        for entry in year["layers"].as_array().unwrap() {
            assert_eq!(entry["designated"], false);
        }
    }
}

#[test]
fn tingbjerg_husum_is_designated_in_2017_and_reconstructed_in_2011() {
    let answer = server().json("/api/lookup?lon=12.4795&lat=55.7125", 200);
    let official = designation(&answer, "udsatte-byomraader-2017").unwrap();
    assert_eq!(official["designated"], true);
    assert_eq!(official["areas"][0]["name"], "Tingbjerg/Husum");
    assert_eq!(official["layer"]["status"], "official");
    let rebuilt = designation(&answer, "udsatte-byomraader-2011").unwrap();
    assert_eq!(rebuilt["areas"][0]["name"], "Husum/Tingbjerg");
    assert_eq!(rebuilt["layer"]["status"], "reconstructed");
    let summary = answer["summary"].as_str().unwrap();
    assert!(
        summary.contains("reconstructed") && summary.contains("Husum/Tingbjerg"),
        "{summary}"
    );
    // Grouped by year, ascending.
    let years: Vec<_> = answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].clone())
        .collect();
    assert_eq!(years, [Value::from(2011), Value::from(2017)]);
}

#[test]
fn on_the_first_of_january_2025_only_the_2017_designation_is_in_force() {
    let answer = server().json("/api/lookup?lon=12.4795&lat=55.7125&at=2025-01-01", 200);
    assert!(designation(&answer, "udsatte-byomraader-2011").is_none());
    assert_eq!(
        designation(&answer, "udsatte-byomraader-2017").unwrap()["designated"],
        true
    );
}

#[test]
fn a_utm32_coordinate_gives_the_same_answer_as_its_lon_lat() {
    // Rådhuspladsen in EPSG:25832 (PROJ reference values).
    let answer = server().json("/api/lookup?x=724351.93&y=6175804.02&srid=25832", 200);
    assert_eq!(unit_names(&answer, "bydele-2023"), ["Indre By"]);
    assert_eq!(answer["query"]["input"]["srid"], 25832);
    assert!((answer["query"]["lon"].as_f64().unwrap() - 12.5683).abs() < 1e-6);
}

#[test]
fn bad_lookups_get_a_json_400_naming_the_problem() {
    for (query, needle) in [
        ("lon=abc&lat=55.6", "lon"),
        ("lon=12.5", "lat"),
        ("lon=200&lat=55.6", "lon"),
        ("lon=12.5&lat=NaN", "lat"),
        ("lon=12.5&lat=55.6&at=2025-13-01", "at"),
        ("x=1&y=2&srid=3857", "srid"),
    ] {
        let response = server().get(&format!("/api/lookup?{query}"));
        let status = response.status().as_u16();
        let body: Value = response.json().unwrap();
        assert!((400..500).contains(&status), "{query} → {status}");
        assert!(body["error"].is_string(), "{query}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(needle),
            "{query}: {body}"
        );
    }
    let unknown = server().get("/api/lookup?lon=12.5&lat=55.6&layers=no-such-layer");
    assert!(unknown.status().is_client_error());
}

#[test]
fn every_layer_is_listed_with_status_source_and_licence() {
    let list = server().json("/api/layers", 200);
    let layers = list["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 12);
    for layer in layers {
        for key in ["status", "licence", "feature_count", "bounds"] {
            assert!(!layer[key].is_null(), "{key} missing in {layer}");
        }
        assert!(layer["source"]["vintage"].is_string());
    }
    let rebuilt = server().json("/api/layers/udsatte-byomraader-2011", 200);
    assert_eq!(rebuilt["status"], "reconstructed");
    assert!(rebuilt["confidence"].as_str().unwrap().starts_with("low"));
    server().json("/api/layers/nope", 404);
}

#[test]
fn features_are_rfc7946_with_ids_and_the_layer_status() {
    let collection = server().json("/api/layers/udsatte-byomraader-2017/features", 200);
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), 17);
    for feature in features {
        assert!(feature["id"].is_string() || feature["id"].is_number());
        assert_eq!(feature["properties"]["status"], "official");
        assert_eq!(feature["geometry"]["type"], "MultiPolygon");
    }
    let inside = server().json(
        "/api/layers/roder-2023/features?bbox=12.565,55.674,12.570,55.678&precision=5",
        200,
    );
    let n = inside["features"].as_array().unwrap().len();
    assert!((1..399).contains(&n), "{n} roder around Rådhuspladsen");
    server().json("/api/layers/roder-2023/features?bbox=1,2,3", 400);
    server().json("/api/layers/roder-2023/features/999999", 404);
}

#[test]
fn json_is_gzipped_when_asked_and_cors_is_open_for_get() {
    let response = server().get_with("/api/layers", ("Accept-Encoding", "gzip"));
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let response = server().get_with("/api/layers", ("Origin", "https://example.org"));
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[test]
fn the_front_page_is_the_map() {
    let response = server().get("/");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let html = response.text().unwrap();
    assert!(html.contains("/assets/app.js"), "{html}");
    let script = server().get("/assets/app.js");
    assert_eq!(script.status().as_u16(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
}

#[test]
fn the_about_page_lists_the_layers_with_their_status() {
    let response = server().get("/about");
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().unwrap();
    assert!(html.contains("<a href=\"/\">Kort / Map</a>"));
    assert!(html.contains("Udsatte byområder 2011 (rekonstrueret)"));
    assert!(html.contains("reconstructed"));
    assert!(html.contains("/api/layers/roder-2023/features"));
}

#[test]
fn health_and_openapi_answer() {
    let health = server().json("/health", 200);
    assert_eq!(health["status"], "ok");
    let openapi = server().json("/api/openapi.json", 200);
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(openapi["paths"]["/api/lookup"].is_object());
}

#[test]
fn unknown_paths_get_a_json_404() {
    let body = server().json("/tiles/../../etc/passwd", 404);
    assert!(body["error"].is_string());
}

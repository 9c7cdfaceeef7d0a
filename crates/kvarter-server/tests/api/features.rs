//! `/api/layers/{id}/features` and `/api/layers/{id}/features/{fid}`.

use axum::http::StatusCode;
use kvarter_server::ServerConfig;
use serde_json::{Value, json};

use crate::support::{
    BASE, UNITS, Y2011, Y2017, assert_refused, coordinates, feature, get, get_json, send_to,
    state_with, strings,
};

fn ids(collection: &Value) -> Vec<&str> {
    strings(&collection["features"], "/id")
}

#[tokio::test]
async fn the_features_of_a_layer_are_a_geojson_feature_collection_with_the_layer_member() {
    let answer = get("/api/layers/udsatte-byomraader-2017/features").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "application/geo+json");
    let body = answer.json();
    assert_eq!(body["type"], "FeatureCollection");
    assert_eq!(ids(&body), ["tingbjerg-husum", "bispebjerg-nv"]);
    assert_eq!(body["layer"]["id"], Y2017);
    assert_eq!(body["layer"]["status"], "official");
    assert_eq!(body["layer"]["licence"], "CC BY 4.0");
    assert_eq!(body["layer"]["source"]["publisher"], "Københavns Kommune");

    let first = feature(&body, "tingbjerg-husum");
    assert_eq!(first["type"], "Feature");
    assert_eq!(first["geometry"]["type"], "MultiPolygon");
    let properties = &first["properties"];
    assert_eq!(properties["id"], "tingbjerg-husum");
    assert_eq!(properties["name"], "Tingbjerg/Husum");
    assert_eq!(properties["parent"], "Tingbjerg/Husum");
    assert!(properties["area_m2"].as_f64().unwrap() > 1_000_000.0);
    assert_eq!(properties["layer"], Y2017);
    assert_eq!(properties["status"], "official");
    assert_eq!(properties["delomraade"], "Tingbjerg");
}

#[tokio::test]
async fn every_feature_of_a_reconstructed_layer_says_reconstructed() {
    let body = get_json(
        "/api/layers/udsatte-byomraader-2011/features",
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["layer"]["status"], "reconstructed");
    for feature in body["features"].as_array().unwrap() {
        assert_eq!(feature["properties"]["status"], "reconstructed");
    }
}

#[tokio::test]
async fn a_source_property_named_like_a_fixed_one_is_kept_under_a_source_prefix() {
    let body = get_json(
        "/api/layers/udsatte-byomraader-2017/features",
        StatusCode::OK,
    )
    .await;
    let properties = &feature(&body, "bispebjerg-nv")["properties"];
    assert_eq!(properties["status"], "official");
    assert_eq!(properties["source:status"], "aktiv");
}

#[tokio::test]
async fn polygon_rings_are_closed_and_counter_clockwise() {
    let body = get_json("/api/layers/bydele-test/features", StatusCode::OK).await;
    let ring = &feature(&body, "brh")["geometry"]["coordinates"][0][0];
    let points: Vec<(f64, f64)> = ring
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    assert_eq!(points.first(), points.last());
    let twice_area: f64 = points
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum();
    assert!(
        twice_area > 0.0,
        "exterior ring should be counter-clockwise"
    );
}

#[tokio::test]
async fn a_bbox_keeps_only_the_features_it_touches() {
    let west = get_json(
        "/api/layers/bydele-test/features?bbox=12.45,55.705,12.46,55.71",
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&west), ["brh"]);
    let both = get_json(
        "/api/layers/bydele-test/features?bbox=12.47,55.705,12.49,55.71",
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&both), ["brh", "bsp"]);
    let none = get_json(
        "/api/layers/bydele-test/features?bbox=0,0,1,1",
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&none), Vec::<&str>::new());
    let everything = get_json(
        "/api/layers/bydele-test/features?bbox=-180,-90,180,90",
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&everything), ["brh", "bsp"]);
}

#[tokio::test]
async fn coordinates_are_rounded_to_the_requested_precision() {
    let body = get_json("/api/layers/vand-test/features?precision=2", StatusCode::OK).await;
    for feature in body["features"].as_array().unwrap() {
        for value in coordinates(&feature["geometry"]) {
            assert_eq!(
                (value * 100.0).round() / 100.0,
                value,
                "{value} has more than 2 decimals"
            );
        }
    }
    let body = get_json("/api/layers/vand-test/features?precision=0", StatusCode::OK).await;
    let values = coordinates(&feature(&body, "soe")["geometry"]);
    assert!(
        values.iter().all(|v| [12.0, 13.0, 56.0].contains(v)),
        "{values:?}"
    );
}

#[tokio::test]
async fn the_default_precision_is_seven_decimals() {
    let body = get_json("/api/layers/vand-test/features", StatusCode::OK).await;
    let values = coordinates(&feature(&body, "soe")["geometry"]);
    assert!(values.iter().all(|v| (v * 1e7).round() / 1e7 == *v));
    assert!(
        values.iter().any(|v| (v * 1e6).round() / 1e6 != *v),
        "should keep 7 decimals"
    );
}

#[tokio::test]
async fn the_properties_filter_keeps_the_named_ones_and_always_id_layer_and_status() {
    let body = get_json(
        "/api/layers/udsatte-byomraader-2017/features?properties=name,delomraade",
        StatusCode::OK,
    )
    .await;
    let properties = feature(&body, "bispebjerg-nv")["properties"]
        .as_object()
        .unwrap();
    let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["delomraade", "id", "layer", "name", "status"]);
    // The feature's top-level id stays whatever the filter.
    let body = get_json(
        "/api/layers/udsatte-byomraader-2017/features?properties=area_m2",
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        feature(&body, "bispebjerg-nv")["properties"]["id"],
        "bispebjerg-nv"
    );
}

#[tokio::test]
async fn an_unknown_property_name_is_a_400_listing_the_available_ones() {
    assert_refused(
        "/api/layers/udsatte-byomraader-2017/features?properties=name,population",
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &[
            "properties",
            "population",
            "delomraade",
            "source:status",
            "area_m2",
        ],
    )
    .await;
}

#[tokio::test]
async fn simplify_removes_vertices_from_the_round_lake_and_the_zigzag_street() {
    let full = get_json("/api/layers/vand-test/features", StatusCode::OK).await;
    let light = get_json("/api/layers/vand-test/features?simplify=50", StatusCode::OK).await;
    for id in ["soe", "gade"] {
        let before = coordinates(&feature(&full, id)["geometry"]).len();
        let after = coordinates(&feature(&light, id)["geometry"]).len();
        assert!(after < before / 4, "{id}: {before} -> {after} ordinates");
    }
    let lake = &feature(&light, "soe")["geometry"];
    assert_eq!(lake["type"], "MultiPolygon");
    assert!(lake["coordinates"][0][0].as_array().unwrap().len() >= 4);
    // A zero tolerance changes nothing.
    let zero = get_json("/api/layers/vand-test/features?simplify=0", StatusCode::OK).await;
    assert_eq!(zero, full);
}

#[tokio::test]
async fn a_single_feature_is_a_feature_with_the_layer_member() {
    let answer = get("/api/layers/bydele-test/features/bsp?precision=3&properties=name").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "application/geo+json");
    let body = answer.json();
    assert_eq!(body["type"], "Feature");
    assert_eq!(body["id"], "bsp");
    assert_eq!(
        body["properties"],
        json!({"id": "bsp", "name": "Bispebjerg", "layer": UNITS, "status": "official"})
    );
    assert_eq!(body["layer"]["id"], UNITS);
    assert_eq!(
        body["geometry"]["coordinates"][0][0][0],
        json!([12.48, 55.7])
    );
}

#[tokio::test]
async fn an_unknown_feature_id_is_a_json_404_naming_it() {
    assert_refused(
        "/api/layers/bydele-test/features/vesterbro",
        StatusCode::NOT_FOUND,
        "unknown_feature",
        &["vesterbro", UNITS],
    )
    .await;
    assert_refused(
        "/api/layers/nope/features/brh",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["nope"],
    )
    .await;
}

#[tokio::test]
async fn more_features_than_the_limit_is_a_413_naming_the_count_and_suggesting_bbox() {
    let state = state_with(ServerConfig {
        max_features: 1,
        ..ServerConfig::default()
    });
    let answer = send_to(
        state.clone(),
        axum::http::Request::get("/api/layers/bydele-test/features")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    let body = answer.json();
    assert_eq!(body["error"], "too_many_features");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains('2') && detail.contains("limit of 1") && detail.contains("bbox"),
        "{detail}"
    );
    // A bbox that selects one feature is within the limit.
    let answer = send_to(
        state,
        axum::http::Request::get("/api/layers/bydele-test/features?bbox=12.45,55.705,12.46,55.71")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_feature_parameters_are_400s_naming_the_parameter_and_problem() {
    let base = format!("/api/layers/{BASE}/features");
    for (query, named) in [
        ("bbox=1,2,3", &["bbox", "4 comma-separated"][..]),
        ("bbox=a,2,3,4", &["bbox", "\"a\"", "not a number"]),
        ("bbox=nan,2,3,4", &["bbox", "finite"]),
        ("bbox=1,2,inf,4", &["bbox", "finite"]),
        ("bbox=-200,2,3,4", &["bbox", "west", "-200"]),
        ("bbox=1,95,3,96", &["bbox", "south"]),
        ("bbox=3,2,1,4", &["bbox", "west edge 3"]),
        ("bbox=1,4,3,2", &["bbox", "south edge 4"]),
        ("simplify=-1", &["simplify", "-1", "out of range"]),
        ("simplify=10001", &["simplify", "10001"]),
        ("simplify=abc", &["simplify", "not a number"]),
        ("simplify=NaN", &["simplify", "finite"]),
        ("precision=11", &["precision", "11", "0 to 10"]),
        ("precision=-1", &["precision", "-1"]),
        ("precision=2.5", &["precision", "2.5"]),
        ("precision=x", &["precision"]),
        ("properties=nope", &["properties", "nope"]),
        (
            "bbx=1,2,3,4",
            &["bbx", "bbox", "simplify", "precision", "properties"],
        ),
        ("precision=2&precision=3", &["precision", "more than once"]),
    ] {
        assert_refused(
            &format!("{base}?{query}"),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            named,
        )
        .await;
    }
    // A single feature takes no bbox.
    assert_refused(
        &format!("{base}/soe?bbox=1,2,3,4"),
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["bbox"],
    )
    .await;
    // Y2011 is used so every layer appears in some test here.
    assert_refused(
        &format!("/api/layers/{Y2011}/features?precision=99"),
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["precision"],
    )
    .await;
}

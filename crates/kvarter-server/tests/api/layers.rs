//! `/health`, `/api/layers`, `/api/layers/{id}`.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{UNITS, Y2011, Y2017, assert_refused, get, get_json};

#[tokio::test]
async fn health_reports_ok_with_the_data_version_and_layer_count() {
    let body = get_json("/health", StatusCode::OK).await;
    assert_eq!(
        body,
        json!({"status": "ok", "ready": true, "data_version": "test-1", "layers": 4,
               "tile_cache": {"tiles": 0, "bytes": 0, "capacity_bytes": 256 * 1024 * 1024}})
    );
}

#[tokio::test]
async fn the_layer_list_gives_every_layer_in_order_with_status_count_and_bounds() {
    let body = get_json("/api/layers", StatusCode::OK).await;
    assert_eq!(body["data_version"], "test-1");
    let layers = body["layers"].as_array().unwrap();
    let ids: Vec<&str> = layers.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [UNITS, Y2011, Y2017, "vand-test"]);
    let statuses: Vec<&str> = layers
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["official", "reconstructed", "official", "synthetic"]
    );
    let counts: Vec<u64> = layers
        .iter()
        .map(|l| l["feature_count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [2, 1, 2, 2]);
    assert_eq!(layers[0]["bounds"], json!([12.44, 55.70, 12.52, 55.72]));
}

#[tokio::test]
async fn a_single_layer_has_every_metadata_field_and_links() {
    let body = get_json("/api/layers/udsatte-byomraader-2011", StatusCode::OK).await;
    for field in [
        "id",
        "title",
        "kind",
        "authority",
        "policy",
        "valid_from",
        "valid_to",
        "validity_note",
        "status",
        "source",
        "licence",
        "method",
        "confidence",
        "feature_count",
        "bounds",
        "links",
    ] {
        assert!(body.get(field).is_some(), "missing {field} in {body}");
    }
    assert_eq!(body["status"], "reconstructed");
    assert_eq!(body["kind"], "municipal_designation");
    assert_eq!(body["valid_from"], "2011-01-01");
    assert_eq!(body["valid_to"], "2017-06-22");
    assert_eq!(
        body["title"]["en"],
        "Vulnerable urban areas 2011 (reconstructed)"
    );
    assert_eq!(body["source"]["publisher"], "Københavns Kommune");
    assert_eq!(body["source"]["vintage"], "test 2025");
    assert!(body["method"].as_str().unwrap().contains("roder"));
    assert!(body["confidence"].as_str().unwrap().starts_with("low"));
    assert_eq!(body["feature_count"], 1);
    assert_eq!(body["bounds"], json!([12.44, 55.705, 12.47, 55.72]));
    assert_eq!(
        body["links"],
        json!({"self": "/api/layers/udsatte-byomraader-2011",
               "features": "/api/layers/udsatte-byomraader-2011/features"})
    );
}

#[tokio::test]
async fn metadata_a_layer_lacks_is_null_rather_than_missing() {
    let body = get_json("/api/layers/bydele-test", StatusCode::OK).await;
    assert_eq!(body["valid_from"], json!(null));
    assert_eq!(body["method"], json!(null));
    assert_eq!(body["kind"], "admin_unit");
}

#[tokio::test]
async fn an_unknown_layer_is_a_json_404_listing_the_known_ids() {
    assert_refused(
        "/api/layers/udsatte-byomraader-2025",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["udsatte-byomraader-2025", UNITS, Y2011, Y2017],
    )
    .await;
}

#[tokio::test]
async fn a_text_that_is_not_a_layer_id_is_a_json_404_naming_it() {
    assert_refused(
        "/api/layers/Roder%202023",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["Roder 2023", Y2017],
    )
    .await;
    assert_refused(
        "/api/layers/..%2F..%2Fetc",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["../../etc"],
    )
    .await;
    assert_refused(
        "/api/layers/nope/features",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["nope"],
    )
    .await;
}

#[tokio::test]
async fn catalogue_routes_refuse_parameters_they_do_not_take() {
    assert_refused(
        "/api/layers?bbox=1,2,3,4",
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["bbox"],
    )
    .await;
}

#[tokio::test]
async fn a_head_request_is_answered_without_a_body() {
    use axum::body::Body;
    use axum::http::Request;
    let answer = crate::support::send_to(
        crate::support::state(),
        Request::head("/api/layers").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.is_empty());
    // And GET still has one.
    assert!(!get("/api/layers").await.body.is_empty());
}

//! `/api/areas/{layer}/{fid}`: one area with its layer, every indicator and its membership in
//! every designation layer, over the squares of `squares`.

use axum::http::StatusCode;
use serde_json::Value;

use crate::squares::{self, D2011, D2017, STREETS, UNITS_A};
use crate::support::{
    assert_near, assert_refused_by, get_json_from, member, member_where, numbers, strings,
};

async fn area(layer: &str, fid: &str) -> Value {
    squares::json(&format!("/api/areas/{layer}/{fid}")).await
}

/// The membership entry of designation layer `layer`.
fn designation<'a>(body: &'a Value, layer: &str) -> &'a Value {
    member_where(&body["designations"], |d| d["layer"]["id"] == layer)
}

/// The entry of indicator `id`.
fn indicator<'a>(body: &'a Value, id: &str) -> &'a Value {
    member(&body["indicators"], "id", id)
}

#[tokio::test]
async fn an_area_names_itself_and_its_layer_with_provenance() {
    let body = area(UNITS_A, "vest").await;
    assert_eq!(body["data_version"], "squares-1");
    assert_eq!(body["area"]["id"], "vest");
    assert_eq!(body["area"]["name"], "Vest");
    assert_near(&body["area"]["area_m2"], 1_000_000.0, 0.1, "area of vest");
    assert_eq!(
        body["area"]["geometry"],
        format!("/api/layers/{UNITS_A}/features/vest")
    );
    assert_eq!(body["layer"]["id"], UNITS_A);
    assert_eq!(body["layer"]["status"], "official");
    assert_eq!(body["layer"]["feature_count"], 2);
}

#[tokio::test]
async fn a_unit_lists_the_designation_it_half_overlaps_and_the_one_it_misses() {
    let body = area(UNITS_A, "vest").await;
    let layers = strings(&body["designations"], "/layer/id");
    assert_eq!(layers, [D2011, D2017], "designation layers only, in order");

    let in_2011 = designation(&body, D2011);
    assert_eq!(in_2011["in_designation"], true);
    assert_eq!(in_2011["status"], "reconstructed");
    assert_eq!(in_2011["valid_from"], "2011-01-01");
    assert_near(
        &in_2011["share_of_area_designated"],
        0.5,
        1e-6,
        "share designated",
    );
    let areas = in_2011["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 1);
    assert_eq!(areas[0]["id"], "o11");
    assert_near(&areas[0]["overlap_m2"], 500_000.0, 0.1, "overlap");
    assert_near(&areas[0]["share_of_area"], 0.5, 1e-6, "share of vest");
    assert_near(
        &areas[0]["share_of_designated_area"],
        0.5,
        1e-6,
        "share of o11",
    );

    let in_2017 = designation(&body, D2017);
    assert_eq!(in_2017["in_designation"], false);
    assert_eq!(in_2017["status"], "official");
    assert_eq!(in_2017["areas"], serde_json::json!([]));
    assert_near(&in_2017["share_of_area_designated"], 0.0, 1e-9, "none");
}

#[tokio::test]
async fn a_unit_holding_a_whole_designated_area_says_it_is_all_of_that_area() {
    let body = area(UNITS_A, "oest").await;
    let in_2017 = designation(&body, D2017);
    assert_eq!(in_2017["in_designation"], true);
    let areas = in_2017["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 1, "o17-ny lies outside oest");
    assert_eq!(areas[0]["id"], "o17");
    assert_near(&areas[0]["overlap_m2"], 640_000.0, 0.1, "overlap");
    assert_near(&areas[0]["share_of_area"], 0.64, 1e-6, "share of oest");
    assert_near(
        &areas[0]["share_of_designated_area"],
        1.0,
        1e-6,
        "all of o17",
    );
    assert_near(
        &designation(&body, D2011)["areas"][0]["share_of_area"],
        0.5,
        1e-6,
        "half of oest is in o11",
    );
}

#[tokio::test]
async fn a_designated_area_is_measured_against_the_other_designation_layers_only() {
    let body = area(D2011, "o11").await;
    let layers = strings(&body["designations"], "/layer/id");
    assert_eq!(layers, [D2017]);
    let o17 = &designation(&body, D2017)["areas"][0];
    assert_eq!(o17["id"], "o17");
    assert_near(&o17["overlap_m2"], 240_000.0, 0.1, "overlap");
    assert_near(&o17["share_of_area"], 0.24, 1e-6, "share of o11");
    assert_near(
        &o17["share_of_designated_area"],
        0.375,
        1e-6,
        "share of o17",
    );
}

#[tokio::test]
async fn every_indicator_is_listed_with_its_values_and_sources_or_why_there_is_no_data() {
    let body = area(D2011, "o11").await;
    let ids = strings(&body["indicators"], "/id");
    assert_eq!(ids, ["population", "income_mean", "turnout"]);

    let population = indicator(&body, "population");
    assert_eq!(population["has_data"], true);
    assert_eq!(population["measure"], "extensive");
    assert_eq!(population["latest"]["period"], "2020");
    assert_near(&population["latest"]["value"], 220.0, 1e-6, "latest");
    assert_eq!(population["latest"]["method"], "area_weighted");
    let weights: f64 = numbers(&population["latest"]["contributions"], "/weight")
        .iter()
        .sum();
    assert!((weights - 1.0).abs() < 1e-9, "weights sum to {weights}");
    assert_eq!(population["estimated_from"], "Øst 75 %; Vest 25 %");
    let series = population["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0]["period"], "2019");
    assert_near(&series[0]["value"], 200.0, 1e-6, "2019");
    assert_near(&series[1]["value"], 220.0, 1e-6, "2020");
    assert_near(&series[0]["coverage"], 1.0, 1e-9, "coverage");
    let dataset = &population["datasets"][0];
    assert_eq!(dataset["id"], "test-statistik");
    assert_eq!(dataset["status"], "synthetic");
    assert_eq!(dataset["licence"], "CC0 (generated)");
    assert_eq!(dataset["caveat"], "Made up; describes no real place.");

    let income = indicator(&body, "income_mean");
    assert_near(&income["latest"]["value"], 300.0, 1e-6, "income");
    assert_eq!(income["policies"], serde_json::json!(["test-politik"]));

    let turnout = indicator(&body, "turnout");
    assert_eq!(turnout["has_data"], false);
    assert_eq!(turnout["no_data"]["en"], "Not available offline");
    assert!(turnout.get("latest").is_none(), "{turnout}");

    // A key join is no estimate.
    let unit = area(UNITS_A, "vest").await;
    let population = indicator(&unit, "population");
    assert_eq!(population["latest"]["method"], "key");
    assert_eq!(population["latest"]["value"], 110.0);
    assert_eq!(population["estimated_from"], "");
}

#[tokio::test]
async fn an_area_of_a_service_without_indicators_has_none_but_still_its_designations() {
    let body = get_json_from(
        squares::state_without_indicators(),
        &format!("/api/areas/{UNITS_A}/vest"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["indicators"], serde_json::json!([]), "{body}");
    assert_eq!(designation(&body, D2011)["in_designation"], true);
}

#[tokio::test]
async fn a_street_is_inside_no_designation() {
    let body = area(STREETS, "gade").await;
    assert_eq!(body["designations"], serde_json::json!([]));
}

#[tokio::test]
async fn unknown_layers_features_and_parameters_are_refused() {
    assert_refused_by(
        squares::state(),
        "/api/areas/nowhere/vest",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["nowhere", UNITS_A],
    )
    .await;
    assert_refused_by(
        squares::state(),
        &format!("/api/areas/{UNITS_A}/nord"),
        StatusCode::NOT_FOUND,
        "unknown_feature",
        &[UNITS_A, "nord"],
    )
    .await;
    assert_refused_by(
        squares::state(),
        &format!("/api/areas/{UNITS_A}/vest?indicators=population"),
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["indicators", "no parameters"],
    )
    .await;
}

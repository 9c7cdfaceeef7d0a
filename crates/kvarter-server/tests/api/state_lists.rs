//! The 2025 rule over HTTP, on the Husum data with synthetic 2025 layers (every one labelled
//! synthetic): `/api/lookup` answers a state list in the year group of the 2025 layer it is
//! part of, `/api/compare` compares the designation as a whole, `/api/layers` says which list
//! belongs to which designation, and the change map's tiles hold the list's estates.

use std::sync::Arc;

use axum::http::StatusCode;
use kvarter_server::{AppState, ServerConfig};
use kvarter_service::Service;
use mvt_reader::Reader;
use mvt_reader::feature::Value as MvtValue;
use serde_json::json;

use crate::support::{
    EXPIRED_LIST, ON_STATE_LIST, STATE_LIST, Y2017, Y2025, get_from, get_json_from, member,
    member_where, strings, with_state_lists,
};

fn state() -> Arc<AppState> {
    let config = ServerConfig::default();
    Arc::new(AppState::new(
        Service::new(with_state_lists(), config.service()),
        config,
    ))
}

#[tokio::test]
async fn a_lookup_on_a_listed_estate_says_the_2025_designation_is_made_by_the_state_list() {
    let (lon, lat) = ON_STATE_LIST;
    let answer = get_json_from(
        state(),
        &format!("/api/lookup?lon={lon}&lat={lat}"),
        StatusCode::OK,
    )
    .await;
    let y2025 = member_where(&answer["designations"], |g| g["year"] == 2025);
    assert_eq!(y2025["designated"], true);
    assert_eq!(strings(&y2025["layers"], "/layer/id"), [Y2025, STATE_LIST]);
    assert_eq!(y2025["layers"][1]["part_of"], Y2025);
    assert_eq!(y2025["layers"][1]["layer"]["status"], "synthetic");
    assert_eq!(y2025["layers"][1]["layer"]["licence"], "CC0 (generated)");
    assert_eq!(y2025["designated_by"][0]["layer"], STATE_LIST);
    assert_eq!(y2025["designated_by"][0]["status"], "synthetic");
    let summary = answer["summary"].as_str().unwrap();
    assert!(
        summary.contains("designated — Estate 3 (synthetic) (state list: State lists, prevention areas 2024 (synthetic), synthetic)"),
        "{summary}"
    );
    // Groups without state lists get the new members too.
    let y2017 = member_where(&answer["designations"], |g| g["year"] == 2017);
    assert_eq!(y2017["designated"], true);
    assert_eq!(strings(&y2017["designated_by"], "/layer"), [Y2017]);
}

#[tokio::test]
async fn a_lookup_naming_only_the_2025_layer_answers_with_its_state_list() {
    let (lon, lat) = ON_STATE_LIST;
    let answer = get_json_from(
        state(),
        &format!("/api/lookup?lon={lon}&lat={lat}&layers={Y2025}"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["query"]["layers"], json!([Y2025]));
    assert_eq!(answer["designations"][0]["designated"], true);
    assert_eq!(
        strings(&answer["designations"][0]["layers"], "/layer/id"),
        [Y2025, STATE_LIST]
    );
}

#[tokio::test]
async fn the_layer_list_says_which_state_lists_are_part_of_the_2025_designation() {
    let state = state();
    let m = get_json_from(
        state.clone(),
        &format!("/api/layers/{Y2025}"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(m["state_lists"], json!([STATE_LIST]));
    assert_eq!(m["part_of"], json!([]));
    let s = get_json_from(
        state.clone(),
        &format!("/api/layers/{STATE_LIST}"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(s["part_of"], json!([Y2025]));
    assert_eq!(s["status"], "synthetic");
    let expired = get_json_from(
        state,
        &format!("/api/layers/{EXPIRED_LIST}"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(expired["part_of"], json!([]));
}

#[tokio::test]
async fn comparing_2017_with_2025_compares_the_designation_as_a_whole() {
    let state = state();
    let report = get_json_from(
        state.clone(),
        &format!("/api/compare?from={Y2017}&to={Y2025}"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        strings(&report["to"]["made_of"], "/id"),
        [Y2025, STATE_LIST]
    );
    assert_eq!(report["to"]["status"], "synthetic");
    let estate_id = format!("{STATE_LIST}/3");
    assert_eq!(
        member(&report["to_areas"], "id", &estate_id)["status"],
        "matched"
    );

    // The change map holds the estate as kept ground (Bispebjerg NV of 2017 → the estate).
    let tilejson = get_json_from(
        state.clone(),
        &format!("/tiles/compare/{Y2017}/{Y2025}.json"),
        StatusCode::OK,
    )
    .await;
    let layer_name = tilejson["vector_layers"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = get_from(
        state,
        &format!("/tiles/compare/{Y2017}/{Y2025}/12/2190/1281.mvt"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let reader = Reader::new(answer.body.clone()).unwrap();
    let names = reader.get_layer_names().unwrap();
    let index = names.iter().position(|name| *name == layer_name).unwrap();
    let features = reader.get_features(index).unwrap();
    let kept_estate = features.iter().any(|feature| {
        let properties = feature.properties.as_ref().unwrap();
        properties.get("to_id") == Some(&MvtValue::String(estate_id.clone()))
            && properties.get("change") == Some(&MvtValue::String("kept".into()))
            && properties.get("to_status") == Some(&MvtValue::String("synthetic".into()))
    });
    assert!(kept_estate, "no kept piece of {estate_id} in the tile");
}

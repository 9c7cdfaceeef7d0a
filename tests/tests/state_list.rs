//! A state estate list (synthetic, labelled so) served by the real binary from a data folder:
//! the state-designation kind goes through build, load, index and API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use geo::InteriorPoint;
use kvarter_data::synthetic::{STATE_ESTATES_ID, state_estates};
use kvarter_e2e::Server;
use kvarter_e2e::synthetic::{SYNTHETIC_2025, write_synthetic_2025_data};

#[test]
fn a_point_in_a_synthetic_estate_is_answered_as_a_synthetic_state_designation() {
    let dir = tempfile::tempdir().unwrap();
    let geodata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../geodata");
    let (default, manifest) = kvarter_data::dataset::load_dir(&geodata).unwrap();
    let estates = state_estates(2024, 5);
    let target = estates.areas[0].geometry.interior_point().unwrap();
    let mut layers: Vec<(String, kvarter_core::Layer)> = manifest
        .layers
        .iter()
        .map(|entry| entry.file.clone())
        .zip(default.layers)
        .collect();
    layers.push((format!("{STATE_ESTATES_ID}.fgb"), estates));
    kvarter_data::build::write_data_folder(dir.path(), &layers, &[]).unwrap();

    let server = Server::start(&["--data", dir.path().to_str().unwrap()]);
    let answer = server.json(
        &format!("/api/lookup?lon={}&lat={}", target.x(), target.y()),
        200,
    );
    let year_2024 = answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2024)
        .expect("a 2024 group for the state list");
    let entry = &year_2024["layers"][0];
    assert_eq!(entry["layer"]["id"], STATE_ESTATES_ID);
    assert_eq!(entry["layer"]["kind"], "state_designation");
    assert_eq!(entry["layer"]["status"], "synthetic");
    assert_eq!(entry["designated"], true);
    assert!(answer["summary"].as_str().unwrap().contains("synthetic"));
}

#[test]
fn with_a_2025_layer_a_synthetic_estate_is_answered_as_part_of_the_2025_designation() {
    let dir = tempfile::tempdir().unwrap();
    let estates = write_synthetic_2025_data(dir.path()).unwrap();
    let target = estates.areas[0].geometry.interior_point().unwrap();
    let server = Server::start(&["--data", dir.path().to_str().unwrap()]);

    let layer = server.json(&format!("/api/layers/{SYNTHETIC_2025}"), 200);
    assert_eq!(layer["state_lists"], serde_json::json!([STATE_ESTATES_ID]));
    assert_eq!(layer["status"], "synthetic");

    let answer = server.json(
        &format!("/api/lookup?lon={}&lat={}", target.x(), target.y()),
        200,
    );
    let groups = answer["designations"].as_array().unwrap();
    assert!(groups.iter().all(|g| g["year"] != 2024), "{answer}");
    let y2025 = groups.iter().find(|g| g["year"] == 2025).unwrap();
    assert_eq!(y2025["designated"], true);
    let list = y2025["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["layer"]["id"] == STATE_ESTATES_ID)
        .unwrap();
    assert_eq!(list["part_of"], SYNTHETIC_2025);
    assert_eq!(list["layer"]["status"], "synthetic");
    assert_eq!(y2025["designated_by"][0]["layer"], STATE_ESTATES_ID);
    let summary = answer["summary"].as_str().unwrap();
    assert!(
        summary.contains(
            "2025 (synthetic, in force since 2025-07-01): designated — Syntetisk boligområde 1 \
             (state list: Synthetic prevention areas (tests only), synthetic)."
        ),
        "{summary}"
    );

    let report = server.json(
        &format!("/api/compare?from=udsatte-byomraader-2017&to={SYNTHETIC_2025}"),
        200,
    );
    let made_of: Vec<&str> = report["to"]["made_of"]
        .as_array()
        .unwrap()
        .iter()
        .map(|layer| layer["id"].as_str().unwrap())
        .collect();
    assert_eq!(made_of, [SYNTHETIC_2025, STATE_ESTATES_ID]);
    assert_eq!(report["status"], "synthetic");
    let estate_areas = report["to_areas"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|area| {
            area["id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{STATE_ESTATES_ID}/"))
        })
        .count();
    assert_eq!(estate_areas, estates.areas.len());
}

//! A state estate list (synthetic, labelled so) served by the real binary from a data folder:
//! the state-designation kind goes through build, load, index and API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use geo::InteriorPoint;
use kvarter_data::synthetic::{STATE_ESTATES_ID, state_estates};
use kvarter_e2e::Server;

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

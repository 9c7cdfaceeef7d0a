//! The binary's other commands and its start-up errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kvarter_e2e::{Server, run};
use serde_json::Value;

#[test]
fn lookup_prints_the_areas_at_a_point_as_json() {
    let out = run(&["lookup", "--lon", "12.4795", "--lat", "55.7125"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The answer of /api/lookup: designations grouped by year, each layer saying whether the
    // point is designated in it.
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let designated: Vec<&str> = answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| group["layers"].as_array().unwrap())
        .filter(|entry| entry["designated"] == true)
        .map(|entry| entry["layer"]["id"].as_str().unwrap())
        .collect();
    assert!(designated.contains(&"udsatte-byomraader-2011"));
    assert!(designated.contains(&"udsatte-byomraader-2017"));
}

#[test]
fn lookup_prints_the_same_answer_as_the_api_for_a_point_and_for_an_address() {
    let server = Server::start(&[]);
    let out = run(&[
        "lookup",
        "--lon",
        "12.4795",
        "--lat",
        "55.7125",
        "--at",
        "2025-01-01",
    ]);
    assert!(out.status.success());
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = server.json("/api/lookup?lon=12.4795&lat=55.7125&at=2025-01-01", 200);
    assert_eq!(cli, api);

    let address = "Folehaven 88, 2500 Valby";
    let out = run(&["lookup", "--address", address]);
    assert!(out.status.success());
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = server.json(
        &format!("/api/lookup?address={}", address.replace(' ', "%20")),
        200,
    );
    assert_eq!(cli, api);
    assert!(
        cli["match"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Folehaven 88")
    );
}

#[test]
fn lookup_refuses_an_out_of_range_coordinate() {
    let out = run(&["lookup", "--lon", "512", "--lat", "55.7"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("longitude"));
}

#[test]
fn layers_lists_every_layer_with_its_status() {
    let out = run(&["layers"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("udsatte-byomraader-2011") && text.contains("reconstructed"));
    assert_eq!(
        text.lines().filter(|l| l.contains("-20")).count(),
        12,
        "{text}"
    );
}

#[test]
fn a_missing_data_folder_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--data", dir.path().to_str().unwrap(), "layers"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("layers.json") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn a_corrupt_data_folder_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("layers.json"),
        b"{\"format\": \"kvarter-geodata/1\", \"layers\": [",
    )
    .unwrap();
    // `layers` stops with the error; `serve` stays up, unready, and says why on /ready (it
    // loads once the folder is fixed; see tests/reload.rs).
    let out = run(&["--data", dir.path().to_str().unwrap(), "layers"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a valid Kvarter manifest") && !err.contains("panicked"),
        "{err}"
    );
    let server = Server::listening(&["--data", dir.path().to_str().unwrap()]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    loop {
        let ready = server.get("/ready");
        assert_eq!(ready.status().as_u16(), 503);
        let reason = ready.json::<serde_json::Value>().unwrap()["reason"].to_string();
        if reason.contains("not a valid Kvarter manifest") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{reason}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!server.log().iter().any(|line| line.contains("panicked")));
}

#[test]
fn a_config_file_with_an_unknown_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kvarter.toml");
    std::fs::write(&config, "bind = \"127.0.0.1:0\"\nbnid = 3\n").unwrap();
    let out = run(&["--config", config.to_str().unwrap(), "serve"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bnid"));
}

#[test]
fn a_config_file_sets_the_data_folder_and_server_options() {
    let dir = tempfile::tempdir().unwrap();
    let geodata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../geodata");
    let config = dir.path().join("kvarter.toml");
    std::fs::write(
        &config,
        format!(
            "data = {:?}\n[server]\ncors_allowed_origins = [\"https://planner.kk.dk\"]\n",
            geodata.display().to_string()
        ),
    )
    .unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()]);
    let allowed = server.get_with("/api/layers", ("Origin", "https://planner.kk.dk"));
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://planner.kk.dk"
    );
    let other = server.get_with("/api/layers", ("Origin", "https://elsewhere.example"));
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

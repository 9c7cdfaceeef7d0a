//! Changing a served data folder (`kvarter serve --data DIR`): `POST /admin/reload` behind the
//! admin token, SIGHUP and `--watch`, each after a real `kvarter layers import`; a reload of a
//! damaged folder keeps the old data serving and says why in `/admin/status` and `/metrics`; and
//! layers imported over HTTP (`POST /admin/layers`), listed and removed, with bad uploads
//! refused and the folder unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use kvarter_e2e::{Server, data_folder, import_test_layer, udsatte_2017_geojson};

const TOKEN: &str = "test-token-0123456789";

/// Imports the city's 2017 GeoJSON as the admin-unit layer `id` (a test copy, status imported).
fn import(dir: &Path, id: &str) {
    import_test_layer(dir, &udsatte_2017_geojson(), id, &["--kind", "admin_unit"]);
}

fn layer_ids(server: &Server) -> Vec<String> {
    server.json("/api/layers", 200)["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits up to 20 s for the server to serve layer `id`.
fn wait_for_layer(server: &Server, id: &str) {
    let start = Instant::now();
    while !layer_ids(server).iter().any(|l| l == id) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{id} never appeared"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn without_a_token_the_admin_routes_do_not_exist() {
    let dir = data_folder();
    let server = Server::start(&["--data", dir.path().to_str().unwrap()]);
    assert_eq!(server.post("/admin/reload", Some(TOKEN)).status(), 404);
    assert_eq!(server.get("/admin/status").status(), 404);
    assert_eq!(server.json("/ready", 200)["ready"], true);
}

#[test]
fn an_import_is_served_after_post_admin_reload_and_a_damaged_folder_keeps_the_old_data() {
    let dir = data_folder();
    let folder = dir.path().to_str().unwrap();
    let server = Server::start(&["--data", folder, "--admin-token", TOKEN]);
    let missing = server.post("/admin/reload", None);
    assert_eq!(missing.status(), 401);
    assert_eq!(
        missing.headers()["www-authenticate"],
        "Bearer realm=\"kvarter-admin\""
    );
    assert_eq!(
        server
            .post("/admin/reload", Some("wrong-token-0123456789"))
            .status(),
        401
    );
    let before = server.json("/health", 200)["data_version"].clone();

    import(dir.path(), "testlag-a");
    let answer = server.post("/admin/reload", Some(TOKEN));
    assert_eq!(answer.status(), 200);
    let attempt: serde_json::Value = answer.json().unwrap();
    assert_eq!(attempt["outcome"], "reloaded", "{attempt}");
    assert_eq!(attempt["from"], before);
    assert!(layer_ids(&server).contains(&"testlag-a".to_owned()));
    assert_eq!(server.json("/health", 200)["data_version"], attempt["to"]);

    // A damaged manifest: the reload fails, the data served stays, and the status says why.
    let manifest = dir.path().join("layers.json");
    let good = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, &good[..good.len() / 2]).unwrap();
    let failed = server.post("/admin/reload", Some(TOKEN));
    assert_eq!(failed.status(), 422);
    let failed: serde_json::Value = failed.json().unwrap();
    assert_eq!(failed["outcome"], "failed");
    assert!(
        failed["reason"].as_str().unwrap().contains("layers.json"),
        "{failed}"
    );
    assert!(layer_ids(&server).contains(&"testlag-a".to_owned()));
    let status = server
        .get_with(
            "/admin/status",
            ("authorization", &format!("Bearer {TOKEN}")),
        )
        .json::<serde_json::Value>()
        .unwrap();
    assert_eq!(status["data_version"], attempt["to"]);
    assert_eq!(status["reload"]["last"]["outcome"], "failed");
    // The first load (the server listens before it reads the folder) and the import's reload.
    assert_eq!(status["reload"]["reloaded"], 2);
    let metrics = server.get("/metrics").text().unwrap();
    assert!(
        metrics.contains("kvarter_reloads_total{outcome=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("kvarter_last_reload_failed 1"),
        "{metrics}"
    );

    std::fs::write(&manifest, &good).unwrap();
    let again: serde_json::Value = server.post("/admin/reload", Some(TOKEN)).json().unwrap();
    assert_eq!(again["outcome"], "unchanged");
}

#[test]
fn sighup_and_watch_reload_after_an_import() {
    let dir = data_folder();
    let folder = dir.path().to_str().unwrap();
    let server = Server::start(&["--data", folder]);
    import(dir.path(), "testlag-b");
    assert!(!layer_ids(&server).contains(&"testlag-b".to_owned()));
    server.hangup();
    wait_for_layer(&server, "testlag-b");

    let watched = data_folder();
    let server = Server::start(&["--data", watched.path().to_str().unwrap(), "--watch"]);
    import(watched.path(), "testlag-c");
    wait_for_layer(&server, "testlag-c");
}

/// The metadata of the city's 2017 layer imported as a test "2025" layer.
fn metadata_2025(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "kind": "municipal_designation",
        "authority": "Københavns Kommune",
        "policy": "test: the 2017 areas standing in for the 2025-2035 policy",
        "valid_from": "2025-07-01",
        "title_da": "Udsatte byområder 2025 (testimport af 2017-laget)",
        "title_en": "Vulnerable urban areas 2025 (test import of the 2017 layer)",
        "source_publisher": "Københavns Kommune",
        "source_url": "https://wfs-kbhkort.kk.dk/k101/ows",
        "vintage": "WFS snapshot 2023-07-18, imported by a test",
        "licence": "CC BY 4.0",
        "id_field": "ogc_fid",
        "name_field": "delomraade",
        "parent_field": "byomraade"
    })
}

fn wfs_geojson() -> Vec<u8> {
    std::fs::read(udsatte_2017_geojson()).unwrap()
}

fn upload(
    server: &Server,
    token: Option<&str>,
    metadata: &serde_json::Value,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::blocking::Response {
    let form = reqwest::blocking::multipart::Form::new()
        .text("metadata", metadata.to_string())
        .part(
            "file",
            reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let mut request = reqwest::blocking::Client::new()
        .post(format!("{}/admin/layers", server.base))
        .multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().unwrap()
}

#[test]
fn a_layer_uploaded_to_post_admin_layers_is_served_at_once_and_can_be_removed() {
    let dir = data_folder();
    let folder = dir.path().to_str().unwrap();
    let server = Server::start(&["--data", folder, "--admin-token", TOKEN]);
    let id = "udsatte-byomraader-2025-test";

    // The token only in the Authorization header: not in the query string, not without. (A small
    // file: the server refuses before it reads the body, and a client still sending a large
    // one may see the connection close before it reads the 401.)
    assert_eq!(
        upload(
            &server,
            None,
            &metadata_2025(id),
            "a.geojson",
            b"{}".to_vec()
        )
        .status(),
        401
    );
    let query = reqwest::blocking::Client::new()
        .post(format!(
            "{}/admin/reload?token={TOKEN}&access_token={TOKEN}",
            server.base
        ))
        .send()
        .unwrap();
    assert_eq!(query.status(), 403);

    let answer = upload(
        &server,
        Some(TOKEN),
        &metadata_2025(id),
        "udsatte.geojson",
        wfs_geojson(),
    );
    assert_eq!(answer.status(), 201);
    let report: serde_json::Value = answer.json().unwrap();
    assert_eq!(report["action"], "import");
    assert_eq!(report["features"]["written"], 17);
    assert_eq!(report["reload"]["outcome"], "reloaded");
    assert_eq!(report["reload"]["to"], report["data_version"]);

    // Served at once: a point in Tingbjerg is designated in 2025 by the new layer.
    let lookup = server.json("/api/lookup?lon=12.4745&lat=55.7185", 200);
    let year_2025 = lookup["designations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["year"] == 2025)
        .expect("a 2025 group");
    assert_eq!(year_2025["layers"][0]["layer"]["id"], id);
    assert_eq!(year_2025["layers"][0]["layer"]["status"], "imported");
    assert_eq!(year_2025["designated"], true);
    // The first load and the upload's reload.
    let metrics = server.get("/metrics").text().unwrap();
    assert!(
        metrics.contains("kvarter_reloads_total{outcome=\"reloaded\"} 2"),
        "{metrics}"
    );

    let history: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{}/admin/layers/history", server.base))
        .bearer_auth(TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(history[0]["layer"], id);
    // The log names who acted by the token's id, and never holds a token, right or wrong.
    std::thread::sleep(Duration::from_millis(200));
    let log = server.log().join("\n");
    assert!(log.contains("admin: layer imported"), "{log}");
    assert!(log.contains("who="), "{log}");
    assert!(
        !log.contains(TOKEN) && !log.contains("0123456789"),
        "a token is in the log:\n{log}"
    );
    let delete = |layer: &str| {
        reqwest::blocking::Client::new()
            .delete(format!("{}/admin/layers/{layer}", server.base))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
    };
    assert_eq!(delete("nope").status(), 404);
    assert_eq!(delete(id).status(), 200);
    assert!(!layer_ids(&server).contains(&id.to_owned()));
}

#[test]
fn bad_uploads_are_refused_and_change_nothing() {
    let dir = data_folder();
    let server = Server::start(&[
        "--data",
        dir.path().to_str().unwrap(),
        "--admin-token",
        TOKEN,
    ]);
    let id = "udsatte-byomraader-2025-test";
    let first = upload(
        &server,
        Some(TOKEN),
        &metadata_2025(id),
        "udsatte.geojson",
        wfs_geojson(),
    );
    assert_eq!(first.status(), 201);
    // Refused, the folder unchanged: the same id again, garbage, a bare .shp, bad metadata.
    let manifest = std::fs::read(dir.path().join("layers.json")).unwrap();
    let again = upload(
        &server,
        Some(TOKEN),
        &metadata_2025(id),
        "udsatte.geojson",
        wfs_geojson(),
    );
    assert_eq!(again.status(), 409);
    let garbage = upload(
        &server,
        Some(TOKEN),
        &metadata_2025("other"),
        "x.gpkg",
        vec![7; 5000],
    );
    assert_eq!(garbage.status(), 422);
    let refused: serde_json::Value = garbage.json().unwrap();
    assert_eq!(refused["error"], "import_refused", "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("GeoPackage"),
        "{refused}"
    );
    let shp = upload(
        &server,
        Some(TOKEN),
        &metadata_2025("other"),
        "x.shp",
        vec![0; 100],
    );
    assert_eq!(shp.status(), 400);
    let mut typo = metadata_2025("other");
    typo["licens"] = "CC0".into();
    assert_eq!(
        upload(&server, Some(TOKEN), &typo, "a.geojson", wfs_geojson()).status(),
        400
    );
    assert_eq!(
        std::fs::read(dir.path().join("layers.json")).unwrap(),
        manifest
    );
}

#[test]
fn an_upload_over_the_limit_is_answered_413() {
    let dir = data_folder();
    let config = dir.path().join("kvarter.toml");
    std::fs::write(&config, "[server]\nadmin_upload_max_bytes = 10000\n").unwrap();
    let server = Server::start(&[
        "--data",
        dir.path().to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--admin-token",
        TOKEN,
    ]);
    let answer = upload(
        &server,
        Some(TOKEN),
        &metadata_2025("big"),
        "big.geojson",
        wfs_geojson(),
    );
    assert_eq!(answer.status(), 413);
}

#[test]
fn a_server_whose_folder_does_not_load_listens_unready_and_becomes_ready_once_fixed() {
    let dir = data_folder();
    let manifest = dir.path().join("layers.json");
    let good = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, b"{ damaged").unwrap();
    let folder = dir.path().to_str().unwrap();
    let server = Server::listening(&["--data", folder, "--admin-token", TOKEN, "--watch"]);
    let start = Instant::now();
    let reason = loop {
        let answer = server.get("/ready");
        assert_eq!(answer.status().as_u16(), 503);
        let reason = answer.json::<serde_json::Value>().unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_owned();
        if reason.contains("did not load") {
            break reason;
        }
        assert!(start.elapsed() < Duration::from_mins(1), "{reason}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(reason.contains("layers.json"), "{reason}");
    assert_eq!(server.get("/api/layers").status().as_u16(), 503);
    assert_eq!(server.json("/health", 200)["ready"], false);
    // The operator puts the manifest back; --watch sees it and the server becomes ready.
    std::fs::write(&manifest, good).unwrap();
    while server.get("/ready").status().as_u16() != 200 {
        assert!(
            start.elapsed() < Duration::from_mins(2),
            "never ready; log:\n{}",
            server.log().join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(!layer_ids(&server).is_empty());
    assert!(
        server
            .log()
            .iter()
            .any(|line| line.contains("did not load") || line.contains("cannot reload"))
    );
}

/// One container on a data folder (README, "Running it with Docker", without the compose file):
/// `layers init` into the empty volume (the folder from `KVARTER_DATA`), serve it, and `kvarter
/// healthcheck` as its health check — which fails while nothing answers and passes once `/ready`
/// does. The compose deployment's topology is tests/tests/topology.rs.
#[test]
fn the_container_start_up_inits_the_volume_and_the_health_check_follows_ready() {
    let volume = tempfile::tempdir().unwrap();
    let init = std::process::Command::new(kvarter_e2e::binary())
        .args(["layers", "init"])
        .env("KVARTER_DATA", volume.path())
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    assert!(volume.path().join("layers.json").is_file());

    let nobody = kvarter_e2e::run(&["healthcheck", "--url", "http://127.0.0.1:9/ready"]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("cannot reach"));

    let folder = volume.path().to_str().unwrap();
    let server = Server::start(&["--data", folder, "--admin-token", TOKEN, "--watch"]);
    let ready = kvarter_e2e::run(&["healthcheck", "--url", &format!("{}/ready", server.base)]);
    assert!(
        ready.status.success(),
        "{}",
        String::from_utf8_lossy(&ready.stderr)
    );
    assert!(String::from_utf8_lossy(&ready.stdout).contains("\"ready\":true"));
    let missing = kvarter_e2e::run(&["healthcheck", "--url", &format!("{}/nowhere", server.base)]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("answered 404"));
}

/// `serve --data DIR --warm`: the tile cache is warmed after the first load, and the server is
/// ready only once it is.
#[test]
fn a_warmed_data_folder_is_ready_only_after_the_warming() {
    let dir = data_folder();
    let server = Server::start(&["--data", dir.path().to_str().unwrap(), "--warm", "10-12"]);
    let log = server.log().join("\n");
    assert!(log.contains("tile cache warmed"), "{log}");
    let health = server.json("/health", 200);
    assert!(
        health["tile_cache"]["tiles"].as_u64().unwrap() > 0,
        "{health}"
    );
}

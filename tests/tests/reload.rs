//! Reloading a data folder while serving (`kvarter serve --data DIR`): `POST /admin/reload`
//! behind the admin token, SIGHUP and `--watch`, each after a real `kvarter layers import`; a
//! reload of a damaged folder keeps the old data serving and says why in `/admin/status` and
//! `/metrics`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use kvarter_e2e::{Server, run};

const TOKEN: &str = "test-token-0123456789";

fn data_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--data", dir.path().to_str().unwrap(), "layers", "init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Imports the city's 2017 GeoJSON as the state list `id` (a test copy, status imported).
fn import(dir: &Path, id: &str) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/geodata-sources/kk-udsatte-byomraader-2017/f_udsatte_byomraader_snapshot2023_epsg4326.geojson");
    let out = run(&[
        "--data",
        dir.to_str().unwrap(),
        "layers",
        "import",
        source.to_str().unwrap(),
        "--id",
        id,
        "--kind",
        "admin_unit",
        "--authority",
        "Københavns Kommune",
        "--title-da",
        "Testlag",
        "--title-en",
        "Test layer",
        "--source-publisher",
        "test",
        "--source-url",
        "test",
        "--vintage",
        "test",
        "--licence",
        "CC BY 4.0",
        "--id-field",
        "ogc_fid",
        "--name-field",
        "delomraade",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    assert_eq!(status["reload"]["reloaded"], 1);
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

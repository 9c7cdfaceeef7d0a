//! The layer store from the command line, against a real PostgreSQL 15 + PostGIS 3 (a private
//! server, `kvarter_testkit::postgres`): `store init`, `status`, `migrate`, and `serve --store`
//! answering exactly as the embedded dataset does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kvarter_e2e::{Server, run};
use kvarter_testkit::postgres::Postgres;

/// What `kvarter ARGS` printed, and whether it succeeded.
fn kvarter(args: &[&str]) -> (bool, String) {
    let output = run(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn a_store_filled_by_store_init_serves_what_the_embedded_dataset_serves() {
    let postgres = Postgres::start();
    let url = postgres.database("kort");
    let store = ["--store", url.as_str()];

    let (ok, text) = kvarter(&[&store[..], &["layers"]].concat());
    assert!(!ok && text.contains("store init"), "{text}");
    let (ok, text) = kvarter(&[&store[..], &["store", "status"]].concat());
    assert!(ok && text.contains("schema version  none"), "{text}");

    let (ok, text) = kvarter(&[&store[..], &["store", "init"]].concat());
    assert!(
        ok && text.contains("now holds the embedded dataset"),
        "{text}"
    );
    let (ok, again) = kvarter(&[&store[..], &["store", "init"]].concat());
    assert!(ok && again.contains("holds data already"), "{again}");
    let (ok, text) = kvarter(&[&store[..], &["store", "migrate"]].concat());
    assert!(ok && text.contains("is up to date"), "{text}");
    let (ok, status) = kvarter(&[&store[..], &["store", "status"]].concat());
    let schema = status
        .lines()
        .find_map(|line| line.strip_prefix("schema version  "))
        .unwrap();
    let (found, known) = schema.split_once(" (this kvarter: ").unwrap();
    assert!(ok && format!("{found})") == known, "{status}");

    let (ok, listed) = kvarter(&[&store[..], &["layers"]].concat());
    let (_, embedded) = kvarter(&["layers"]);
    assert!(ok, "{listed}");
    assert_eq!(
        listed, embedded,
        "the store lists the embedded layers and data version"
    );
    let (ok, history) = kvarter(&[&store[..], &["layers", "history", "--json"]].concat());
    assert!(ok && history.trim() == "[]", "{history}");

    let token = "a-token-for-the-store-test";
    let from_store = Server::start(&[&store[..], &["--admin-token", token]].concat());
    let from_binary = Server::start(&[]);
    for path in [
        "/api/layers",
        "/api/lookup?lon=12.5426&lat=55.7009",
        "/api/lookup?lon=12.5683&lat=55.6761",
        "/api/lookup?address=Mj%C3%B8lnerparken%202%2C%202200%20K%C3%B8benhavn%20N",
        "/api/indicators",
        "/api/layers/bydele-2023/indicators?indicators=population&period=2019",
        "/api/compare?from=udsatte-byomraader-2011&to=udsatte-byomraader-2017",
    ] {
        assert_eq!(
            from_store.json(path, 200),
            from_binary.json(path, 200),
            "{path}"
        );
    }
    let tile = "/tiles/udsatte-byomraader-2017/12/2190/1281.mvt";
    let etag = |server: &Server| {
        server.get(tile).headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        etag(&from_store),
        etag(&from_binary),
        "the same data version, the same ETags"
    );

    // POST /admin/reload reads the store again.
    let reload = from_store.post("/admin/reload", Some(token));
    assert_eq!(reload.status().as_u16(), 200);
    let reload: serde_json::Value = reload.json().unwrap();
    assert_eq!(reload["outcome"], "unchanged", "{reload}");

    let (ok, text) = kvarter(&["--store", url.as_str(), "--data", "/tmp", "layers"]);
    assert!(!ok && text.contains("cannot be used with"), "{text}");
    let (ok, text) = kvarter(&[
        "--store",
        "postgres://kvarter:hemmelig@db:notaport/x",
        "layers",
    ]);
    assert!(
        !ok && text.contains("not a PostgreSQL URL") && !text.contains("hemmelig"),
        "{text}"
    );
}

#[test]
fn store_init_from_a_data_folder_keeps_its_layers_history_and_data_version() {
    let folder = kvarter_e2e::data_folder();
    kvarter_e2e::import_test_layer(
        folder.path(),
        &kvarter_e2e::udsatte_2017_geojson(),
        "test-2017",
        &["--kind", "admin_unit"],
    );
    let dir = folder.path().to_str().unwrap();
    let postgres = Postgres::start();
    let url = postgres.database("kort");

    let (ok, text) = kvarter(&["--store", &url, "store", "init", "--from", dir]);
    assert!(
        ok && text.contains(&format!("now holds the data folder {dir}")),
        "{text}"
    );
    let (_, in_folder) = kvarter(&["--data", dir, "layers"]);
    let (_, in_store) = kvarter(&["--store", &url, "layers"]);
    assert!(in_store.contains("test-2017"), "{in_store}");
    assert_eq!(in_store, in_folder);
    let (_, in_folder) = kvarter(&["--data", dir, "layers", "history", "--json"]);
    let (ok, in_store) = kvarter(&["--store", &url, "layers", "history", "--json"]);
    assert!(
        ok && in_store.contains("\"action\": \"import\""),
        "{in_store}"
    );
    assert_eq!(in_store, in_folder);

    // Remove and restore in the store, as in the folder.
    let (ok, text) = kvarter(&["--store", &url, "layers", "remove", "test-2017"]);
    assert!(ok && text.contains("stays in the store"), "{text}");
    let (_, after) = kvarter(&["--store", &url, "layers"]);
    assert!(!after.contains("test-2017"), "{after}");
    let (ok, text) = kvarter(&["--store", &url, "layers", "restore", "test-2017"]);
    assert!(ok && text.contains("restored test-2017"), "{text}");
    let (_, restored) = kvarter(&["--store", &url, "layers"]);
    assert!(restored.contains("test-2017"), "{restored}");
    let (_, history) = kvarter(&["--store", &url, "layers", "history"]);
    for action in ["import", "remove", "restore"] {
        assert!(history.contains(action), "{history}");
    }
}

/// `kvarter --store URL layers import SOURCE --id ID` with the test layer's metadata.
fn import_args<'a>(store: &[&'a str], source: &'a str, id: &'a str) -> Vec<&'a str> {
    let mut args = store.to_vec();
    args.extend([
        "layers",
        "import",
        source,
        "--id",
        id,
        "--kind",
        "admin_unit",
    ]);
    args.extend([
        "--authority",
        "test",
        "--title-da",
        "Test",
        "--title-en",
        "Test",
    ]);
    args.extend([
        "--source-publisher",
        "test",
        "--source-url",
        "test",
        "--vintage",
        "test",
    ]);
    args.extend(["--licence", "CC0", "--id-field", "ogc_fid"]);
    args
}

/// Starts an import of `source` into `store` that stops once its rows and manifest are
/// written, before the commit, and kills it there (SIGKILL).
fn kill_import_before_commit(store: &[&str], source: &str) {
    let mut child = std::process::Command::new(kvarter_e2e::binary())
        .args(import_args(store, source, "killed"))
        .env("KVARTER_TEST_PAUSE_AFTER", "manifest-staged")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0
        && !line.contains("paused after")
    {}
    assert!(line.contains("paused after manifest-staged"), "{line}");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A private PostgreSQL with the database `kort` filled by `kvarter store init`, and its URL.
fn filled_store() -> (Postgres, String) {
    let postgres = Postgres::start();
    let url = postgres.database("kort");
    let (ok, text) = kvarter(&["--store", &url, "store", "init"]);
    assert!(ok, "{text}");
    (postgres, url)
}

/// The rows of the store's tables and its data version, to see that a change left nothing.
fn store_state(postgres: &Postgres) -> String {
    postgres.psql(
        "kort",
        "SELECT (SELECT data_version FROM kvarter.manifest),
                (SELECT count(*) FROM kvarter.layers), (SELECT count(*) FROM kvarter.areas)",
    )
}

#[test]
fn an_import_into_the_store_is_one_transaction_bad_input_and_kill_9_change_nothing() {
    let (postgres, url) = filled_store();
    let store = ["--store", url.as_str()];
    let source = kvarter_e2e::udsatte_2017_geojson();
    let source = source.to_str().unwrap();

    // A file that is no layer: refused; nothing written.
    let before = store_state(&postgres);
    let bad = tempfile::NamedTempFile::with_suffix(".geojson").unwrap();
    std::fs::write(
        bad.path(),
        "{\"type\": \"FeatureCollection\", \"features\": [",
    )
    .unwrap();
    let (ok, text) = kvarter(&import_args(&store, bad.path().to_str().unwrap(), "broken"));
    assert!(!ok && text.contains("cannot import"), "{text}");
    assert_eq!(store_state(&postgres), before);

    // Killed after its rows and manifest are written, before the commit: rolled back.
    kill_import_before_commit(&store, source);
    let rolled_back = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        store_state(&postgres) == before
    });
    assert!(
        rolled_back,
        "the killed import rolled back: {}",
        store_state(&postgres)
    );

    // A good import: one new layer version, in force, served.
    let (ok, text) = kvarter(&import_args(&store, source, "test-2017"));
    assert!(ok && text.contains("import test-2017"), "{text}");
    let after = store_state(&postgres);
    assert_ne!(after, before);
    let server = Server::start(&store);
    let layers = server.json("/api/layers", 200);
    assert!(layers.to_string().contains("test-2017"), "{layers}");
    // The same import again without --replace: refused; nothing written.
    let (ok, text) = kvarter(&import_args(&store, source, "test-2017"));
    assert!(
        !ok && text.contains("there is already a layer test-2017"),
        "{text}"
    );
    assert_eq!(store_state(&postgres), after);
}

#[test]
fn a_table_the_city_keeps_is_attached_and_detached_from_the_command_line() {
    let (postgres, url) = filled_store();
    let store = ["--store", url.as_str()];
    // A table the city keeps, attached from the command line and listed as a layer.
    postgres.psql(
        "kort",
        "CREATE TABLE public.bydele_test (fid integer, navn text, geom geometry(Polygon, 4326));
         INSERT INTO public.bydele_test VALUES
           (1, 'Prøve', ST_MakeEnvelope(12.55, 55.68, 12.56, 55.69, 4326));",
    );
    let attach = [
        "store",
        "attach",
        "--table",
        "public.bydele_test",
        "--id-column",
        "fid",
        "--name-column",
        "navn",
        "--id",
        "test-table",
        "--kind",
        "admin_unit",
        "--authority",
        "test",
        "--title-da",
        "Test",
        "--title-en",
        "Test",
        "--source-publisher",
        "test",
        "--source-url",
        "test",
        "--vintage",
        "test",
        "--licence",
        "CC0",
    ];
    let (ok, text) = kvarter(&[&store[..], &attach[..]].concat());
    assert!(ok && text.contains("(areas read: 1)"), "{text}");
    let (_, listed) = kvarter(&[&store[..], &["layers"]].concat());
    assert!(listed.contains("test-table"), "{listed}");
    let (ok, text) = kvarter(&[&store[..], &["store", "detach", "test-table"]].concat());
    assert!(ok && text.contains("detached test-table"), "{text}");
}

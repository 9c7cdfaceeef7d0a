//! The layer store against a real PostgreSQL 15 + PostGIS 3 (a private server per test, see
//! `kvarter_testkit::postgres`), loaded with the repository's default dataset (`geodata/`).

#![allow(clippy::unwrap_used, reason = "a test should fail loudly")]

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use kvarter_data::dataset::LoadError;
use kvarter_data::manifest;
use kvarter_data::store::{DataDir, DataSource};
use kvarter_pgstore::{Init, MIGRATIONS, PgStore};
use kvarter_testkit::postgres::Postgres;

/// The repository's data folder: the dataset the binary embeds.
fn geodata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata")
}

/// `error` and its causes, as the command line prints them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}

/// Fills `store` with the default dataset.
fn init(store: &PgStore) -> Init {
    let dir = geodata();
    let manifest = std::fs::read(dir.join(manifest::FILE_NAME)).unwrap();
    store
        .init(&manifest, |name| match std::fs::read(dir.join(name)) {
            Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
            Err(error) => Err(LoadError::Io {
                path: dir.join(name),
                source: error,
            }),
        })
        .unwrap()
}

#[test]
fn the_store_serves_the_default_dataset_exactly_as_the_data_folder_does() {
    let server = Postgres::start();
    let store = PgStore::new(&server.database("kort")).unwrap();

    let error = chain(&store.load().unwrap_err());
    assert!(error.contains("holds no Kvarter data yet"), "{error}");
    assert!(error.contains("store init"), "{error}");

    let folder = DataDir::new(geodata()).load().unwrap();
    let Init::Loaded {
        data_version,
        layers,
    } = init(&store)
    else {
        panic!("an empty store is filled");
    };
    assert_eq!(data_version, folder.dataset.version);
    assert_eq!(layers, folder.manifest.layers.len());

    let loaded = store.load().unwrap();
    assert_eq!(loaded.dataset.version, folder.dataset.version);
    assert_eq!(loaded.manifest, folder.manifest);
    assert_eq!(loaded.dataset.layers, folder.dataset.layers);
    assert_eq!(loaded.indicators, folder.indicators);
    assert_eq!(loaded.addresses.len(), folder.addresses.len());

    // Again: nothing to do, nothing changed.
    assert_eq!(init(&store), Init::AlreadyHeld { data_version });
    assert!(store.migrate().unwrap().is_empty());
    let recorded = server.psql("kort", "SELECT count(*) FROM kvarter.migrations");
    assert_eq!(recorded.trim(), MIGRATIONS.len().to_string());

    // QGIS's view: the areas of the layers in force, valid, with the manifest's counts.
    let areas: usize = folder
        .manifest
        .layers
        .iter()
        .filter(|layer| layer.geometry == manifest::GeometryKind::Areas)
        .map(|layer| layer.feature_count)
        .sum();
    let counted = server.psql(
        "kort",
        "SELECT count(*), bool_and(ST_IsValid(geom)) FROM kvarter.current_areas",
    );
    assert_eq!(counted.trim(), format!("{areas}|t"));
}

#[test]
fn an_area_edited_behind_kvarters_back_is_refused_by_its_layer() {
    let server = Postgres::start();
    let store = PgStore::new(&server.database("kort")).unwrap();
    init(&store);
    server.psql(
        "kort",
        "UPDATE kvarter.areas SET name = 'Ændret' WHERE layer_id = 'bydele-2023' AND ord = 0",
    );
    let error = chain(&store.load_layers().unwrap_err());
    assert!(error.contains("layer bydele-2023"), "{error}");
    assert!(error.contains("checksum"), "{error}");
}

#[test]
fn a_store_migrated_by_a_newer_kvarter_is_refused_by_its_version() {
    let server = Postgres::start();
    let store = PgStore::new(&server.database("kort")).unwrap();
    init(&store);
    server.psql(
        "kort",
        "INSERT INTO kvarter.migrations (version, name) VALUES (99, 'from the future')",
    );
    let error = chain(&store.load().unwrap_err());
    assert!(error.contains("schema version 99"), "{error}");
    assert!(error.contains("upgrade kvarter"), "{error}");
    let error = chain(&store.migrate().unwrap_err());
    assert!(error.contains("upgrade kvarter"), "{error}");
}

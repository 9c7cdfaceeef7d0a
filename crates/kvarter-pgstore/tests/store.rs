//! The layer store against a real PostgreSQL 15 + PostGIS 3 (a private server per test, see
//! `kvarter_testkit::postgres`), loaded with the repository's default dataset (`geodata/`).

#![allow(clippy::unwrap_used, reason = "a test should fail loudly")]

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use geo::BoundingRect as _;
use kvarter_data::dataset::LoadError;
use kvarter_data::manifest;
use kvarter_data::store::{DataDir, DataSource};
use kvarter_pgstore::{Init, MIGRATIONS, PgStore, error_chain};
use kvarter_testkit::postgres::Postgres;

/// The repository's data folder: the dataset the binary embeds.
fn geodata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata")
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

    let error = error_chain(&store.load().unwrap_err());
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
    let error = error_chain(&store.load_layers().unwrap_err());
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
    let error = error_chain(&store.load().unwrap_err());
    assert!(error.contains("schema version 99"), "{error}");
    assert!(error.contains("upgrade kvarter"), "{error}");
    let error = error_chain(&store.migrate().unwrap_err());
    assert!(error.contains("upgrade kvarter"), "{error}");
}

/// The metadata of a layer the city keeps in a table of its own.
fn meta_2025() -> kvarter_core::LayerMeta {
    kvarter_data::import::ImportRequest {
        id: "udsatte-byomraader-2025".parse().unwrap(),
        kind: kvarter_core::LayerKind::MunicipalDesignation,
        authority: "Københavns Kommune".into(),
        policy: Some("Politik for udsatte byområder 2025-2035 (test table)".into()),
        valid_from: "2025-07-01".parse().ok(),
        valid_to: None,
        validity_note: None,
        title_da: "Udsatte byområder 2025 (testtabel)".into(),
        title_en: "Vulnerable urban areas 2025 (test table)".into(),
        status: kvarter_core::Status::Official,
        source_publisher: "Københavns Kommune".into(),
        source_url: "test".into(),
        vintage: "test".into(),
        licence: "CC BY 4.0".into(),
        name_field: None,
        id_field: None,
        parent_field: None,
        crs: None,
        table: None,
        wkt_column: None,
        replace: false,
    }
    .options("plan.udsatte_2025")
    .unwrap()
    .meta
}

fn attachment(table: &str) -> kvarter_pgstore::Attachment {
    kvarter_pgstore::Attachment {
        relation: table.into(),
        id_column: "fid".into(),
        name_column: "delomraade".into(),
        parent_column: Some("byomraade".into()),
        geometry_column: "geom".into(),
    }
}

#[test]
fn a_table_the_city_keeps_is_attached_read_on_each_load_and_checked_as_an_import() {
    let server = Postgres::start();
    let store = PgStore::new(&server.database("kort")).unwrap();
    init(&store);
    let before = store.load().unwrap().dataset.version;
    // The city's table, in EPSG:25832 as its own files are.
    server.psql(
        "kort",
        "CREATE SCHEMA plan;
         CREATE TABLE plan.udsatte_2025 (fid integer, delomraade text, byomraade text,
                                         geom geometry(MultiPolygon, 25832));
         INSERT INTO plan.udsatte_2025 VALUES
           (1, 'Mjølnerparken', 'Nørrebro', ST_Transform(ST_Multi(ST_MakeEnvelope(12.540, 55.699, 12.546, 55.702, 4326)), 25832)),
           (2, 'Tingbjerg', 'Brønshøj-Husum', ST_Transform(ST_Multi(ST_MakeEnvelope(12.470, 55.713, 12.482, 55.719, 4326)), 25832));
         CREATE TABLE plan.points (fid integer, delomraade text, byomraade text, geom geometry(Point, 4326));
         INSERT INTO plan.points VALUES (1, 'a', 'b', ST_SetSRID(ST_MakePoint(12.5, 55.7), 4326));",
    );
    let attached = || server.psql("kort", "SELECT count(*) FROM kvarter.attached");

    // Refused, naming the table and the reason, and nothing recorded.
    let error = error_chain(
        &store
            .attach(&attachment("plan.points"), &meta_2025())
            .unwrap_err(),
    );
    assert!(
        error.contains("plan.points") && error.contains("feature"),
        "{error}"
    );
    let missing = kvarter_pgstore::Attachment {
        name_column: "navn".into(),
        ..attachment("plan.udsatte_2025")
    };
    let error = error_chain(&store.attach(&missing, &meta_2025()).unwrap_err());
    assert!(error.contains("navn"), "{error}");
    let error = error_chain(
        &store
            .attach(&attachment("plan.nowhere"), &meta_2025())
            .unwrap_err(),
    );
    assert!(error.contains("plan.nowhere"), "{error}");
    assert_eq!(attached().trim(), "0");

    assert_eq!(
        store
            .attach(&attachment("plan.udsatte_2025"), &meta_2025())
            .unwrap(),
        2
    );
    let loaded = store.load().unwrap();
    let layer = loaded
        .dataset
        .layer(&"udsatte-byomraader-2025".parse().unwrap())
        .unwrap();
    assert_eq!(layer.meta.status, kvarter_core::Status::Official);
    assert_eq!(layer.areas.len(), 2);
    let names: Vec<_> = layer
        .areas
        .iter()
        .filter_map(|a| a.name.as_deref())
        .collect();
    assert_eq!(names, ["Mjølnerparken", "Tingbjerg"]);
    assert_eq!(layer.areas[0].parent.as_deref(), Some("Nørrebro"));
    let lon = layer.areas[0].geometry.bounding_rect().unwrap().min().x;
    assert!((lon - 12.540).abs() < 1e-6, "read back to lon/lat: {lon}");
    assert_ne!(loaded.dataset.version, before);
    assert!(
        loaded
            .manifest
            .layers
            .iter()
            .any(|l| l.file == "attached:plan.udsatte_2025")
    );

    // The city edits its table: the next load serves the edit, under a new data version.
    server.psql(
        "kort",
        "UPDATE plan.udsatte_2025 SET delomraade = 'Mjølnerparken Nord' WHERE fid = 1",
    );
    let edited = store.load().unwrap();
    assert_ne!(edited.dataset.version, loaded.dataset.version);
    let layer = edited
        .dataset
        .layer(&"udsatte-byomraader-2025".parse().unwrap())
        .unwrap();
    assert_eq!(layer.areas[0].name.as_deref(), Some("Mjølnerparken Nord"));

    // Detached: the table stays, the layer goes, the data version is the one before.
    assert!(store.detach("udsatte-byomraader-2025").unwrap());
    assert!(!store.detach("udsatte-byomraader-2025").unwrap());
    assert_eq!(store.load().unwrap().dataset.version, before);
    assert_eq!(
        server
            .psql("kort", "SELECT count(*) FROM plan.udsatte_2025")
            .trim(),
        "2"
    );
}

//! Layer import into a data folder, on GeoJSON written here: what is accepted, what is refused
//! (with a message that names the problem, and the folder byte for byte as it was), and the
//! folder's history, replace, remove and restore. The formats other programs write are tested
//! end to end with GDAL's fixtures (`tests/tests/layers_import.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::Validation as _;
use kvarter_core::{LayerKind, LayerMeta, Source as Provenance, Status, Title};
use kvarter_crs::Crs;
use kvarter_data::import::{
    self, Event, Fields, ImportError, ImportOptions, ReadOptions, Source, Step,
};
use kvarter_data::manifest::{Action, sha256_hex};
use kvarter_data::{dataset, synthetic};

/// A data folder holding one synthetic state list, and the folder's path.
fn folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let estates = synthetic::state_estates(3, 4);
    kvarter_data::build::write_data_folder(
        dir.path(),
        &[(format!("{}.fgb", synthetic::STATE_ESTATES_ID), estates)],
        &[],
    )
    .unwrap();
    let path = dir.path().to_owned();
    (dir, path)
}

/// Every file in the folder with its checksum.
fn checksums(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                sha256_hex(&bytes),
            )
        })
        .collect()
}

fn options(id: &str) -> ImportOptions {
    ImportOptions {
        meta: LayerMeta {
            title: Title {
                da: "Testlag (skrevet af testen)".into(),
                en: "Test layer (written by the test)".into(),
            },
            authority: "Kvarter tests".into(),
            valid_from: "2025-07-01".parse().ok(),
            status: Status::Imported,
            source: Provenance {
                publisher: "Kvarter tests".into(),
                origin: "crates/kvarter-data/tests/import.rs".into(),
                files: vec![],
                vintage: "written by the test".into(),
            },
            licence: "CC0".into(),
            ..LayerMeta::synthetic(id.parse().unwrap(), LayerKind::MunicipalDesignation)
        },
        fields: Fields {
            id: Some("kode".into()),
            name: Some("navn".into()),
            parent: None,
        },
        crs: None,
        read: ReadOptions::default(),
        replace: false,
    }
}

/// A square about 200 m across at (lon, lat), as a ring.
fn square(lon: f64, lat: f64) -> String {
    let (dx, dy) = (0.0016, 0.0009);
    format!(
        "[[{},{}],[{},{}],[{},{}],[{},{}],[{},{}]]",
        lon - dx,
        lat - dy,
        lon + dx,
        lat - dy,
        lon + dx,
        lat + dy,
        lon - dx,
        lat + dy,
        lon - dx,
        lat - dy
    )
}

fn feature(kode: &str, navn: &str, geometry: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"kode":"{kode}","navn":"{navn}","name":"kept as source_name"}},"geometry":{geometry}}}"#
    )
}

fn polygon(ring: &str) -> String {
    format!(r#"{{"type":"Polygon","coordinates":[{ring}]}}"#)
}

fn collection(members: &str, features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection",{members}"features":[{}]}}"#,
        features.join(",")
    )
}

/// Two areas in Copenhagen, one with æøå in its name.
fn two_areas() -> String {
    collection(
        "",
        &[
            feature("1", "Mjølnerparken", &polygon(&square(12.5450, 55.6990))),
            feature("2", "Ærøgade Øst", &polygon(&square(12.5600, 55.7050))),
        ],
    )
}

fn write(dir: &Path, name: &str, text: &str) -> Source {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    Source::File(path)
}

fn run(
    dir: &Path,
    source: &Source,
    options: &ImportOptions,
) -> Result<import::ImportReport, ImportError> {
    import::import(dir, source, options, &mut |_| {})
}

/// Imports must fail with a message containing `expected`, and leave the folder as it was.
fn refused(dir: &Path, source: &Source, options: &ImportOptions, expected: &str) -> String {
    let before = checksums(dir);
    let error = run(dir, source, options).expect_err("the import must fail");
    let chain = std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    assert!(
        chain.contains(expected),
        "{chain:?} should mention {expected:?}"
    );
    assert_eq!(
        checksums(dir),
        before,
        "the folder changed although the import failed"
    );
    dataset::load_dir(dir).expect("the folder still loads");
    chain
}

#[test]
fn a_geojson_layer_is_imported_with_names_areas_and_a_history_entry() {
    let (_keep, dir) = folder();
    let sources = tempfile::tempdir().unwrap();
    let source = write(sources.path(), "to.geojson", &two_areas());
    let (before, _) = dataset::load_dir(&dir).unwrap();
    let report = run(&dir, &source, &options("test-2025")).unwrap();
    assert_eq!((report.features.read, report.features.written), (2, 2));
    assert!(
        report
            .features
            .notes
            .iter()
            .any(|n| n.contains("source_name")),
        "{:?}",
        report.features.notes
    );
    let (after, manifest) = dataset::load_dir(&dir).unwrap();
    assert_ne!(before.version, after.version);
    assert_eq!(report.data_version, after.version);
    let layer = after
        .layers
        .iter()
        .find(|l| l.meta.id.as_str() == "test-2025")
        .unwrap();
    assert_eq!(layer.meta.status, Status::Imported);
    assert_eq!(layer.areas[0].name.as_deref(), Some("Mjølnerparken"));
    assert_eq!(layer.areas[1].name.as_deref(), Some("Ærøgade Øst"));
    assert_eq!(
        layer.areas[0].properties["source_name"],
        "kept as source_name"
    );
    let m2 = layer.areas[0].area_m2.unwrap();
    assert!((35_000.0..45_000.0).contains(&m2), "{m2}");
    let history = &manifest.history;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, Action::Import);
    assert_eq!(history[0].previous_data_version, before.version);
    assert_eq!(
        history[0].source_sha256.as_deref(),
        Some(report.source_sha256.as_str())
    );
    assert!(history[0].entry.file.starts_with("test-2025-"));
}

#[test]
fn utm_and_web_mercator_sources_land_on_the_same_ground() {
    let (_keep, dir) = folder();
    let sources = tempfile::tempdir().unwrap();
    let project = |crs: Crs| {
        let (lon, lat) = (12.5450, 55.6990);
        let ring: Vec<String> = [
            (-1.0, -1.0),
            (1.0, -1.0),
            (1.0, 1.0),
            (-1.0, 1.0),
            (-1.0, -1.0),
        ]
        .iter()
        .map(|(dx, dy)| {
            let (x, y) = (lon + dx * 0.0016, lat + dy * 0.0009);
            let (px, py) = match crs {
                Crs::Utm32 => kvarter_crs::wgs84_to_utm32(x, y).unwrap(),
                Crs::WebMercator => (
                    x.to_radians() * 6_378_137.0,
                    (std::f64::consts::FRAC_PI_4 + y.to_radians() / 2.0)
                        .tan()
                        .ln()
                        * 6_378_137.0,
                ),
                Crs::Wgs84 => (x, y),
            };
            format!("[{px},{py}]")
        })
        .collect();
        format!("[{}]", ring.join(","))
    };
    let utm = collection(
        r#""crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}},"#,
        &[feature(
            "1",
            "Mjølnerparken",
            &polygon(&project(Crs::Utm32)),
        )],
    );
    run(
        &dir,
        &write(sources.path(), "utm.geojson", &utm),
        &options("utm"),
    )
    .unwrap();
    let mercator = collection(
        "",
        &[feature(
            "1",
            "Mjølnerparken",
            &polygon(&project(Crs::WebMercator)),
        )],
    );
    let mercator_source = write(sources.path(), "mercator.geojson", &mercator);
    // Without --crs, metres read as lon/lat are refused, saying which CRS would fit.
    let message = refused(
        &dir,
        &mercator_source,
        &options("mercator"),
        "outside Denmark",
    );
    assert!(message.contains("EPSG:3857"), "{message}");
    let mut with_crs = options("mercator");
    with_crs.crs = Some(Crs::WebMercator);
    run(&dir, &mercator_source, &with_crs).unwrap();
    let (dataset, _) = dataset::load_dir(&dir).unwrap();
    let m2 = |id: &str| {
        dataset
            .layers
            .iter()
            .find(|l| l.meta.id.as_str() == id)
            .unwrap()
            .areas[0]
            .area_m2
            .unwrap()
    };
    assert!(
        (m2("utm") - m2("mercator")).abs() / m2("utm") < 1e-6,
        "{} {}",
        m2("utm"),
        m2("mercator")
    );
}

#[test]
fn swapped_axes_a_foreign_crs_and_metres_without_a_crs_are_refused_with_what_was_found() {
    let (_keep, dir) = folder();
    let sources = tempfile::tempdir().unwrap();
    let swapped = collection(
        "",
        &[feature(
            "1",
            "X",
            &polygon("[[55.69,12.54],[55.70,12.54],[55.70,12.55],[55.69,12.54]]"),
        )],
    );
    let message = refused(
        &dir,
        &write(sources.path(), "swapped.geojson", &swapped),
        &options("a"),
        "swapped",
    );
    assert!(message.contains("feature #0 (id 1)"), "{message}");
    let laea = collection(
        r#""crs":{"type":"name","properties":{"name":"EPSG:3035"}},"#,
        &[feature("1", "X", &polygon(&square(12.5, 55.7)))],
    );
    refused(
        &dir,
        &write(sources.path(), "laea.geojson", &laea),
        &options("a"),
        "\"EPSG:3035\"",
    );
    let metres = collection(
        "",
        &[feature(
            "1",
            "X",
            &polygon("[[724351,6175804],[724451,6175804],[724451,6175904],[724351,6175804]]"),
        )],
    );
    let message = refused(
        &dir,
        &write(sources.path(), "metres.geojson", &metres),
        &options("a"),
        "EPSG:25832",
    );
    assert!(message.contains("--crs EPSG:25832"), "{message}");
}

#[test]
fn empty_point_duplicate_and_nameless_sources_are_refused_naming_the_feature() {
    let (_keep, dir) = folder();
    let sources = tempfile::tempdir().unwrap();
    let s = sources.path();
    refused(
        &dir,
        &write(s, "empty.geojson", &collection("", &[])),
        &options("a"),
        "no usable areas",
    );
    let points = collection(
        "",
        &[feature(
            "1",
            "X",
            r#"{"type":"Point","coordinates":[12.5,55.7]}"#,
        )],
    );
    refused(
        &dir,
        &write(s, "points.geojson", &points),
        &options("a"),
        "Point",
    );
    let duplicates = collection(
        "",
        &[
            feature("7", "A", &polygon(&square(12.54, 55.69))),
            feature("7", "B", &polygon(&square(12.56, 55.70))),
        ],
    );
    let message = refused(
        &dir,
        &write(s, "dup.geojson", &duplicates),
        &options("a"),
        "\"7\"",
    );
    assert!(message.contains("#0 and #1"), "{message}");
    let mut wrong_name = options("a");
    wrong_name.fields.name = Some("navnet".into());
    let message = refused(
        &dir,
        &write(s, "ok.geojson", &two_areas()),
        &wrong_name,
        "\"navnet\"",
    );
    assert!(message.contains("kode, name, navn"), "{message}");
    let mut wrong_parent = options("a");
    wrong_parent.fields.parent = Some("bydel".into());
    let ok = write(s, "ok.geojson", &two_areas());
    refused(&dir, &ok, &wrong_parent, "nor does any other feature");
    let garbage: Vec<u8> = (0..(101_u32 << 20))
        .map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[1])
        .collect();
    std::fs::write(s.join("garbage.geojson"), &garbage).unwrap();
    refused(
        &dir,
        &Source::File(s.join("garbage.geojson")),
        &options("a"),
        "not a valid GeoJSON file",
    );
    refused(
        &dir,
        &Source::File(s.join("missing.geojson")),
        &options("a"),
        "cannot read",
    );
    refused(
        &dir,
        &write(s, "layer.txt", "x"),
        &options("a"),
        "unknown format",
    );
    let mut synthetic = options("a");
    synthetic.meta.status = Status::Synthetic;
    refused(
        &dir,
        &write(s, "ok.geojson", &two_areas()),
        &synthetic,
        "official or imported",
    );
    let mut undated = options("a");
    undated.meta.valid_from = None;
    refused(
        &dir,
        &write(s, "ok.geojson", &two_areas()),
        &undated,
        "--valid-from",
    );
}

#[test]
fn a_self_intersecting_polygon_is_repaired_and_reported() {
    let (_keep, dir) = folder();
    let sources = tempfile::tempdir().unwrap();
    let bowtie = polygon("[[12.54,55.69],[12.56,55.70],[12.56,55.69],[12.54,55.70],[12.54,55.69]]");
    let text = collection("", &[feature("1", "Sløjfe", &bowtie)]);
    let report = run(
        &dir,
        &write(sources.path(), "bowtie.geojson", &text),
        &options("bowtie"),
    )
    .unwrap();
    assert_eq!(report.features.repaired.len(), 1);
    assert!(
        report.to_text().contains("repaired 1: "),
        "{}",
        report.to_text()
    );
    let (dataset, _) = dataset::load_dir(&dir).unwrap();
    let layer = dataset
        .layers
        .iter()
        .find(|l| l.meta.id.as_str() == "bowtie")
        .unwrap();
    assert!(layer.areas[0].geometry.is_valid());
}

#[test]
fn replace_keeps_the_old_file_and_restore_and_remove_move_between_versions() {
    let (_keep, dir) = folder();
    let sources = tempfile::tempdir().unwrap();
    let first = write(sources.path(), "v1.geojson", &two_areas());
    let first_report = run(&dir, &first, &options("layer")).unwrap();
    // Without --replace the same id is refused before the source is read.
    refused(&dir, &first, &options("layer"), "--replace");
    let one = collection("", &[feature("9", "Ny", &polygon(&square(12.55, 55.70)))]);
    let mut replace = options("layer");
    replace.replace = true;
    let second = run(&dir, &write(sources.path(), "v2.geojson", &one), &replace).unwrap();
    assert_eq!(second.entry.action, Action::Replace);
    let old_file = second.entry.replaced.as_ref().unwrap().file.clone();
    assert_eq!(old_file, first_report.entry.entry.file);
    assert!(dir.join(&old_file).exists(), "the replaced file is kept");
    let areas = |dir: &Path| {
        let (dataset, _) = dataset::load_dir(dir).unwrap();
        dataset
            .layers
            .iter()
            .find(|l| l.meta.id.as_str() == "layer")
            .map(|l| l.areas.len())
    };
    assert_eq!(areas(&dir), Some(1));
    import::restore(&dir, "layer", None, &mut |_| {}).unwrap();
    assert_eq!(areas(&dir), Some(2));
    let removed = import::remove(&dir, "layer", &mut |_| {}).unwrap();
    assert_eq!(areas(&dir), None);
    assert!(dir.join(&removed.entry.file).exists());
    // The version that restore put aside (the one-area layer) can be named by its checksum.
    let one_area = &second.entry.entry.sha256[..10];
    import::restore(&dir, "layer", Some(one_area), &mut |_| {}).unwrap();
    assert_eq!(areas(&dir), Some(1));
    let actions: Vec<Action> = import::history(&dir)
        .unwrap()
        .iter()
        .map(|h| h.action)
        .collect();
    assert_eq!(
        actions,
        [
            Action::Import,
            Action::Replace,
            Action::Restore,
            Action::Remove,
            Action::Restore
        ]
    );
    let error = import::remove(&dir, "nope", &mut |_| {}).unwrap_err();
    assert!(error.to_string().contains("no layer \"nope\""), "{error}");
    assert!(error.to_string().contains("layer"), "{error}");
}

#[test]
fn two_imports_at_once_take_turns_and_both_land() {
    let (_keep, dir) = folder();
    let sources = tempfile::tempdir().unwrap();
    let source = write(sources.path(), "two.geojson", &two_areas());
    std::thread::scope(|scope| {
        let handles: Vec<_> = ["one", "two", "three"]
            .into_iter()
            .map(|id| {
                let (dir, source) = (&dir, &source);
                scope.spawn(move || run(dir, source, &options(id)).unwrap())
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
    let (dataset, manifest) = dataset::load_dir(&dir).unwrap();
    for id in ["one", "two", "three"] {
        assert!(
            dataset.layers.iter().any(|l| l.meta.id.as_str() == id),
            "{id} was lost"
        );
    }
    assert_eq!(manifest.history.len(), 3);
    // Each change starts from the version the one before it made: none overwrote another.
    for pair in manifest.history.windows(2) {
        assert_ne!(pair[0].previous_data_version, pair[1].previous_data_version);
    }
}

#[test]
fn the_steps_are_reported_in_order_and_init_refuses_a_data_folder() {
    let (_keep, dir) = folder();
    let sources = tempfile::tempdir().unwrap();
    let mut steps = Vec::new();
    import::import(
        &dir,
        &write(sources.path(), "a.geojson", &two_areas()),
        &options("steps"),
        &mut |event| {
            if let Event::Step(step) = event {
                steps.push(step);
            }
        },
    )
    .unwrap();
    assert_eq!(
        steps,
        [
            Step::Read,
            Step::Prepared,
            Step::Locked,
            Step::FileWritten,
            Step::ManifestStaged,
            Step::Switched
        ]
    );
    let error = import::init(&dir, &[], &mut |_| {}).unwrap_err();
    assert!(
        error.to_string().contains("already a data folder"),
        "{error}"
    );
    let empty = tempfile::tempdir().unwrap();
    let error = run(
        empty.path(),
        &Source::File(sources.path().join("a.geojson")),
        &options("x"),
    )
    .unwrap_err();
    assert!(error.to_string().contains("layers init"), "{error}");
}

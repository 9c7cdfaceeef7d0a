//! The committed default dataset (`geodata/`) checked against its manifest, its README and a
//! fresh build from the shared sources.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use geo::{Area as _, BoundingRect, Geometry, Validation};
use kvarter_core::{Bounds, LayerKind, Status};
use kvarter_data::build;
use kvarter_data::dataset::load_dir;
use kvarter_data::recipe::Recipe;

fn geodata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata")
}

fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/geodata-sources")
}

#[test]
fn the_committed_files_match_their_manifest() {
    // load_dir checks every checksum and feature count.
    let (dataset, manifest) = load_dir(&geodata()).expect("geodata/ loads");
    assert_eq!(dataset.layers.len(), manifest.layers.len());
    for (layer, entry) in dataset.layers.iter().zip(&manifest.layers) {
        let bounds: Bounds = layer.bounds().unwrap();
        assert_eq!(bounds, entry.bounds, "bounds of {}", entry.meta.id);
        let total: f64 = layer.areas.iter().filter_map(|a| a.area_m2).sum();
        assert!(
            (total - entry.total_area_m2).abs() < 1.0,
            "area of {}",
            entry.meta.id
        );
        for area in &layer.areas {
            if let Geometry::MultiPolygon(shape) = &area.geometry {
                assert!(shape.is_valid(), "{} {} is invalid", entry.meta.id, area.id);
                assert!(shape.unsigned_area() > 0.0);
            }
            let rect = area.geometry.bounding_rect().unwrap();
            // Everything lies in and around Copenhagen.
            assert!(
                rect.min().x > 12.3 && rect.max().x < 12.8,
                "{} {}",
                entry.meta.id,
                area.id
            );
            assert!(
                rect.min().y > 55.5 && rect.max().y < 55.8,
                "{} {}",
                entry.meta.id,
                area.id
            );
        }
    }
}

#[test]
fn the_default_dataset_has_the_layers_the_product_promises() {
    let (dataset, _) = load_dir(&geodata()).unwrap();
    let count = |id: &str| dataset.layer(&id.parse().unwrap()).map(|l| l.areas.len());
    assert_eq!(count("udsatte-byomraader-2017"), Some(17));
    assert_eq!(count("udsatte-byomraader-2011"), Some(6));
    assert_eq!(count("kommune-2023"), Some(1));
    assert_eq!(count("bydele-2023"), Some(10));
    assert_eq!(count("lokaludvalg-2023"), Some(12));
    assert_eq!(count("kvarterer-2023"), Some(67));
    assert_eq!(count("roder-2023"), Some(399));

    let reconstructed = dataset
        .layer(&"udsatte-byomraader-2011".parse().unwrap())
        .unwrap();
    assert_eq!(reconstructed.meta.status, Status::Reconstructed);
    assert!(reconstructed.meta.method.is_some());
    assert!(
        reconstructed
            .meta
            .confidence
            .as_deref()
            .unwrap()
            .starts_with("low")
    );
    let names: Vec<_> = reconstructed
        .areas
        .iter()
        .filter_map(|a| a.name.as_deref())
        .collect();
    for expected in [
        "Indre og ydre Nørrebro",
        "Amager/Sundby",
        "Bispebjerg/Nordvest",
        "Vesterbro/Sydhavnen",
        "Husum/Tingbjerg",
        "Valby/Vigerslev",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }

    let official = dataset
        .layer(&"udsatte-byomraader-2017".parse().unwrap())
        .unwrap();
    assert_eq!(official.meta.status, Status::Official);
    assert!(official.meta.in_force_on("2025-01-01".parse().unwrap()));
    assert!(
        !reconstructed
            .meta
            .in_force_on("2025-01-01".parse().unwrap())
    );

    for layer in &dataset.layers {
        assert!(!layer.meta.licence.is_empty() && !layer.meta.source.vintage.is_empty());
        assert!(layer.areas.iter().all(|a| !a.id.is_empty()));
        if layer.meta.kind != LayerKind::BaseMap {
            assert!(
                layer.areas.iter().all(|a| a.name.is_some()),
                "{}",
                layer.meta.id
            );
        }
    }
}

#[test]
fn the_reconstructed_2011_area_is_larger_than_the_official_2017_area_it_overlaps() {
    // The rule overstates the 2011 areas (whole kvarterer), and its metadata says so.
    let (dataset, _) = load_dir(&geodata()).unwrap();
    let area = |layer: &str, id: &str| {
        dataset
            .layer(&layer.parse().unwrap())
            .unwrap()
            .area(id)
            .unwrap()
            .area_m2
            .unwrap()
    };
    assert!(
        area("udsatte-byomraader-2011", "husum-tingbjerg") > area("udsatte-byomraader-2017", "1")
    );
}

#[test]
fn the_readme_names_every_file_with_its_feature_count_and_status() {
    let (_, manifest) = load_dir(&geodata()).unwrap();
    let readme = std::fs::read_to_string(geodata().join("README.md")).unwrap();
    for entry in &manifest.layers {
        let row = readme
            .lines()
            .find(|line| line.contains(&format!("`{}`", entry.file)))
            .unwrap_or_else(|| panic!("README.md has no row for {}", entry.file));
        assert!(
            row.contains(&format!("| {} |", entry.feature_count)),
            "count in {row}"
        );
        assert!(row.contains(entry.meta.status.as_str()), "status in {row}");
    }
}

#[test]
fn rebuilding_from_the_shared_sources_gives_the_committed_bytes() {
    let sources = sources();
    assert!(
        sources.is_dir(),
        "{} is missing: the shared folder must sit beside the checkout",
        sources.display()
    );
    let recipe = Recipe::read(&geodata().join("recipe.toml")).unwrap();
    let out = tempfile::tempdir().unwrap();
    build::build(&recipe, &sources, out.path()).unwrap();
    let (_, manifest) = load_dir(out.path()).unwrap();
    let mut names: Vec<String> = manifest.layers.iter().map(|l| l.file.clone()).collect();
    names.push("layers.json".into());
    names.push(build::REPORT_FILE.into());
    for name in names {
        let fresh = std::fs::read(out.path().join(&name)).unwrap();
        let committed = std::fs::read(geodata().join(&name)).unwrap();
        assert!(
            fresh == committed,
            "{name} differs from a fresh build: run `kvarter data build --sources ../shared/geodata-sources --out geodata` and commit"
        );
    }
}

#[test]
fn a_failed_build_leaves_the_output_folder_untouched() {
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("layers.json"), b"old").unwrap();
    let mut recipe = Recipe::read(&geodata().join("recipe.toml")).unwrap();
    // A layer whose source does not exist makes the build fail after the first layers succeeded.
    let mut broken = recipe.layers[2].clone();
    broken.meta.id = "broken".parse().unwrap();
    broken.file = "broken.fgb".into();
    if let kvarter_data::recipe::From::Source(s) = &mut broken.from {
        s.path = "does-not-exist.geojson".into();
    }
    recipe.layers.truncate(2);
    recipe.layers.push(broken);
    let err = build::build(&recipe, &sources(), out.path()).unwrap_err();
    assert!(err.to_string().contains("broken"), "{err}");
    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("layers.json")]);
    assert_eq!(
        std::fs::read(out.path().join("layers.json")).unwrap(),
        b"old"
    );
}

#[test]
fn a_damaged_file_is_refused_with_its_name() {
    let out = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(geodata()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), out.path().join(entry.file_name())).unwrap();
    }
    let target = out.path().join("bydele-2023.fgb");
    let bytes = std::fs::read(&target).unwrap();
    std::fs::write(&target, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_dir(out.path()).unwrap_err();
    assert!(err.to_string().contains("bydele-2023.fgb"), "{err}");

    let empty = tempfile::tempdir().unwrap();
    let err = load_dir(empty.path()).unwrap_err();
    assert!(err.to_string().contains("layers.json"), "{err}");
}

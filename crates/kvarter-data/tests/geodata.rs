//! The committed default dataset (`geodata/`) checked against its manifest, its README and a
//! fresh build from the shared sources: layers, indicator tables, the indicator catalogue and the
//! gazetteer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use geo::{
    Area as _, BoundingRect, Contains, Geometry, Intersects, MultiPolygon, Polygon, Validation,
};
use kvarter_core::{Bounds, Dataset, LayerKind, Status};
use kvarter_crs as crs;
use kvarter_data::build;
use kvarter_data::dataset::{load_dir, load_gazetteer, load_indicator_files};
use kvarter_data::recipe::Recipe;
use kvarter_data::{repair, source};
use kvarter_geocode::{HouseNumber, Kind};

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
        // serde_json's default float parser may read a written f64 back one ulp off, so the
        // manifest's bounds are compared to a nanodegree, not bit for bit.
        let (b, m) = (bounds, entry.bounds);
        let close = [
            (b.west, m.west),
            (b.south, m.south),
            (b.east, m.east),
            (b.north, m.north),
        ]
        .iter()
        .all(|(x, y)| (x - y).abs() < 1e-9);
        assert!(close, "bounds of {}: {b:?} against {m:?}", entry.meta.id);
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
    assert_eq!(count("tryghedsdistrikter-2025"), Some(13));

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
    let row = |file: &str| {
        readme
            .lines()
            .find(|line| line.starts_with('|') && line.contains(&format!("`{file}`")))
            .unwrap_or_else(|| panic!("README.md has no row for {file}"))
    };
    for entry in &manifest.layers {
        let row = row(&entry.file);
        assert!(
            row.contains(&format!("| {} |", entry.feature_count)),
            "count in {row}"
        );
        assert!(row.contains(entry.meta.status.as_str()), "status in {row}");
    }
    for table in &manifest.tables {
        let row = row(&table.file);
        assert!(
            row.contains(&format!("| {} |", table.rows)),
            "rows in {row}"
        );
        assert!(
            row.contains(&format!("`{}`", table.geography)),
            "geography in {row}"
        );
    }
}

fn area_of(dataset: &Dataset, layer: &str, id: &str) -> f64 {
    dataset
        .layer(&layer.parse().unwrap())
        .unwrap()
        .area(id)
        .unwrap_or_else(|| panic!("{layer} has no area {id}"))
        .area_m2
        .unwrap()
}

fn shapes(dataset: &Dataset, layer: &str) -> Vec<MultiPolygon<f64>> {
    dataset
        .layer(&layer.parse().unwrap())
        .unwrap()
        .areas
        .iter()
        .map(|a| match &a.geometry {
            Geometry::MultiPolygon(shape) => shape.clone(),
            other => panic!("{layer} {} is {other:?}", a.id),
        })
        .collect()
}

#[test]
fn the_13_safety_survey_districts_together_cover_exactly_the_kommune() {
    let (dataset, _) = load_dir(&geodata()).unwrap();
    let districts = dataset
        .layer(&"tryghedsdistrikter-2025".parse().unwrap())
        .unwrap();
    assert_eq!(districts.areas.len(), 13);
    assert_eq!(districts.meta.status, Status::Reconstructed);
    assert!(
        districts
            .meta
            .confidence
            .as_deref()
            .unwrap()
            .starts_with("high")
    );
    let survey = std::fs::read_to_string(
        sources().join("kk-tryghed-2025/tryghedsundersoegelse_2025_by_district.csv"),
    )
    .unwrap();
    for line in survey.lines().skip(1) {
        let name = line.split(',').next().unwrap();
        if name != "København i alt" {
            let id = build::slug(name);
            let area = districts.area(&id).unwrap_or_else(|| panic!("no {id}"));
            assert_eq!(area.name.as_deref(), Some(name));
        }
    }
    let union = repair::union_all(&shapes(&dataset, "tryghedsdistrikter-2025"));
    let union_m2 = crs::area_m2(&union).unwrap();
    let kommune_m2 = area_of(&dataset, "kommune-2023", "0101");
    assert!(
        (union_m2 - kommune_m2).abs() < 1.0,
        "union {union_m2} m², kommune {kommune_m2} m²"
    );
    // The districts do not overlap: their areas add up to their union.
    let sum: f64 = districts.areas.iter().filter_map(|a| a.area_m2).sum();
    assert!(
        (sum - union_m2).abs() < 1.0,
        "sum {sum} m², union {union_m2} m²"
    );
}

#[test]
fn indre_and_ydre_noerrebro_together_are_the_noerrebro_lokaludvalg() {
    let (dataset, _) = load_dir(&geodata()).unwrap();
    let indre = area_of(&dataset, "tryghedsdistrikter-2025", "indre-noerrebro");
    let ydre = area_of(&dataset, "tryghedsdistrikter-2025", "ydre-noerrebro");
    let noerrebro = area_of(&dataset, "lokaludvalg-2023", "4");
    assert!(
        (indre + ydre - noerrebro).abs() < 1.0,
        "{indre} + {ydre} m² against {noerrebro} m²"
    );
    assert!(indre > 0.25 * noerrebro && ydre > 0.25 * noerrebro);
    // Every other district is its lokaludvalg.
    for (district, lokaludvalg) in [
        ("valby", "7"),
        ("broenshoej-husum", "9"),
        ("amager-vest", "12"),
    ] {
        let d = area_of(&dataset, "tryghedsdistrikter-2025", district);
        let l = area_of(&dataset, "lokaludvalg-2023", lokaludvalg);
        assert!((d - l).abs() < 1.0, "{district}: {d} m² against {l} m²");
    }
}

/// A committed table's rows as (indicator, unit, period, value).
fn table_rows(bytes: &[u8]) -> Vec<(String, String, String, f64)> {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("indicator,unit,period,value"));
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 4, "{line}");
            (
                fields[0].to_owned(),
                fields[1].to_owned(),
                fields[2].to_owned(),
                fields[3].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_indicator_table_holds_only_areas_of_its_geography_in_layer_order() {
    let (dataset, manifest) = load_dir(&geodata()).unwrap();
    let files = load_indicator_files(&geodata(), &manifest).unwrap();
    assert!(files.catalogue.is_some(), "the catalogue is copied");
    let datasets: Vec<&str> = files
        .tables
        .iter()
        .map(|(t, _)| t.dataset.as_str())
        .collect();
    assert_eq!(
        datasets,
        [
            "kk-befolkning-bydel",
            "kk-indkomst-bydel",
            "kk-tryghed-2025-distrikter",
            "kk-tryghed-2025-kommune"
        ]
    );
    for (entry, bytes) in &files.tables {
        let layer = dataset.layer(&entry.geography.parse().unwrap()).unwrap();
        let rows = table_rows(bytes);
        assert_eq!(rows.len(), entry.rows, "{}", entry.file);
        let order = |unit: &str| layer.areas.iter().position(|a| a.id == unit);
        let keys: Vec<_> = rows
            .iter()
            .map(|(i, u, p, _)| {
                (
                    i.clone(),
                    order(u).unwrap_or_else(|| panic!("{u} in {}", entry.file)),
                    p.clone(),
                )
            })
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "{} is not sorted",
            entry.file
        );
    }
    let value = |dataset: &str, indicator: &str, unit: &str, period: &str| {
        let (_, bytes) = files
            .tables
            .iter()
            .find(|(t, _)| t.dataset == dataset)
            .unwrap();
        table_rows(bytes)
            .into_iter()
            .find(|(i, u, p, _)| i == indicator && u == unit && p == period)
            .map(|row| row.3)
    };
    // Straight from the sources: Be4.3 19911231 "1. Indre By" 40595; the survey's Indre Nørrebro
    // and city rows.
    assert_eq!(
        value("kk-befolkning-bydel", "population", "1", "1991"),
        Some(40595.0)
    );
    assert_eq!(
        value("kk-befolkning-bydel", "population", "3", "2019"),
        Some(80254.0)
    );
    // 29 year-ends (1991–2019) of 10 bydele; the 2019 quarters are left out.
    assert_eq!(files.tables[0].0.rows, 290);
    assert_eq!(
        value(
            "kk-tryghed-2025-distrikter",
            "feel_safe_neighbourhood",
            "indre-noerrebro",
            "2025"
        ),
        Some(89.0)
    );
    assert_eq!(
        value(
            "kk-tryghed-2025-distrikter",
            "reported_offences_per_1000",
            "indre-by",
            "2024"
        ),
        Some(253.0)
    );
    assert_eq!(
        value(
            "kk-tryghed-2025-kommune",
            "feel_safe_evening_night",
            "0101",
            "2025"
        ),
        Some(80.0)
    );
    // In74 2017, Indre By: (7 389 416.736 + 5 677 622.915) × 1000 / (22 300 + 23 451) = 285 612.
    assert_eq!(
        value("kk-indkomst-bydel", "disposable_income_mean", "1", "2017"),
        Some(285_612.0)
    );
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
    names.extend(manifest.tables.iter().map(|t| t.file.clone()));
    names.extend(manifest.catalogue.iter().map(|c| c.file.clone()));
    names.extend(manifest.gazetteer.iter().map(|g| g.file.clone()));
    assert!(manifest.gazetteer.is_some());
    assert_eq!(manifest.tables.len(), recipe.tables.len());
    assert!(manifest.catalogue.is_some());
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
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), out.path().join(entry.file_name())).unwrap();
        }
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

/// The committed gazetteer's records, loaded through the manifest (checksum checked).
fn gazetteer() -> Vec<kvarter_geocode::file::Record> {
    let (_, manifest) = load_dir(&geodata()).unwrap();
    let bytes = load_gazetteer(&geodata(), &manifest)
        .unwrap()
        .expect("the manifest lists the gazetteer");
    kvarter_geocode::file::read_records(&bytes, "geodata/gazetteer.csv").unwrap()
}

fn count(records: &[kvarter_geocode::file::Record], kind: Kind) -> usize {
    records.iter().filter(|r| r.entry.kind == kind).count()
}

#[test]
fn the_gazetteer_reads_back_to_the_same_entries_and_holds_the_known_counts() {
    let (_, manifest) = load_dir(&geodata()).unwrap();
    let bytes = load_gazetteer(&geodata(), &manifest).unwrap().unwrap();
    let records = kvarter_geocode::file::read_records(&bytes, "gazetteer.csv").unwrap();
    // Written again, the records give the same bytes: nothing is lost in the round trip.
    assert!(kvarter_geocode::file::write_csv(&records) == bytes);
    let entries = kvarter_geocode::file::read_csv(&bytes, "gazetteer.csv").unwrap();
    assert_eq!(
        entries,
        records.iter().map(|r| r.entry.clone()).collect::<Vec<_>>()
    );
    assert_eq!(count(&records, Kind::Address), 2217);
    assert_eq!(count(&records, Kind::Street), 296);
    assert_eq!(count(&records, Kind::Place), 1734);
    assert_eq!(count(&records, Kind::Postcode), 501);
    for record in &records {
        let expected = match record.entry.kind {
            Kind::Address => "kk-byfornyelse-2023",
            Kind::Street | Kind::Place => "kk-datakk-2014",
            Kind::Postcode => "postnumre-dawa-2018",
        };
        assert_eq!(record.source, expected, "{}", record.entry.id);
    }
    // Sorted as the file format says: kind, then normalised text, then id.
    let mut sorted = records.clone();
    kvarter_geocode::file::sort_records(&mut sorted);
    assert!(sorted == records, "gazetteer.csv is not sorted");
}

#[test]
fn all_3016_byfornyelse_address_texts_parse_and_repeats_merge_into_2217_addresses() {
    let file =
        source::read_geojson(&sources().join("kk-byfornyelse-2023/byfornyelse_kk_2023.geojson"))
            .unwrap();
    assert_eq!(file.features.len(), 3016);
    let texts: Vec<String> = file
        .features
        .iter()
        .map(|f| f.properties["adresse"].as_str().unwrap().trim().to_owned())
        .collect();
    let parsed = texts
        .iter()
        .filter(|t| {
            kvarter_geocode::parse_address(t)
                .is_ok_and(|p| p.house_number.is_some() && p.postcode.is_some())
        })
        .count();
    assert_eq!(parsed, 3016);
    let distinct: std::collections::BTreeSet<&String> = texts.iter().collect();
    assert_eq!(distinct.len(), 2217);
    let report = std::fs::read_to_string(geodata().join(build::REPORT_FILE)).unwrap();
    assert!(
        report.contains("3016 of 3016 address texts parse"),
        "report"
    );
    assert!(report.contains("merged 799 features"), "report");
}

#[test]
fn every_address_point_lies_on_its_source_building() {
    let file =
        source::read_geojson(&sources().join("kk-byfornyelse-2023/byfornyelse_kk_2023.geojson"))
            .unwrap();
    let by_fid: std::collections::HashMap<String, (&str, &Geometry<f64>)> = file
        .features
        .iter()
        .map(|f| {
            (
                f.properties["ogc_fid"].as_str().unwrap().to_owned(),
                (
                    f.properties["adresse"].as_str().unwrap(),
                    f.geometry.as_ref().unwrap(),
                ),
            )
        })
        .collect();
    for record in gazetteer().iter().filter(|r| r.entry.kind == Kind::Address) {
        let entry = &record.entry;
        let fid = entry.id.strip_prefix("byfornyelse-").unwrap();
        let (text, building) = by_fid[fid];
        assert_eq!(text.trim(), entry.text);
        assert!(
            building.intersects(&entry.point),
            "{} is not on its building",
            entry.id
        );
    }
}

#[test]
fn every_gazetteer_entry_lies_within_copenhagen_and_frederiksberg() {
    let (dataset, manifest) = load_dir(&geodata()).unwrap();
    let kommune = manifest
        .layers
        .iter()
        .find(|l| l.meta.id.as_str() == "kommune-2023")
        .unwrap();
    let b = kommune.bounds;
    // Copenhagen's outline with its holes filled: Frederiksberg is inside it.
    let outline = MultiPolygon::new(
        shapes(&dataset, "kommune-2023")
            .into_iter()
            .flatten()
            .map(|p| Polygon::new(p.exterior().clone(), vec![]))
            .collect(),
    );
    for record in gazetteer() {
        let p = record.entry.point;
        assert!(
            (b.west..=b.east).contains(&p.x()) && (b.south..=b.north).contains(&p.y()),
            "{} at {p:?}",
            record.entry.id
        );
        // Addresses and postcodes lie inside the outline itself, not only its bounds.
        if matches!(record.entry.kind, Kind::Address | Kind::Postcode) {
            assert!(outline.contains(&p), "{} at {p:?}", record.entry.id);
        }
    }
}

#[test]
fn a_known_address_and_postcode_2200_are_in_the_gazetteer_and_found_by_search() {
    let records = gazetteer();
    let find = |text: &str| {
        records
            .iter()
            .find(|r| r.entry.text == text)
            .unwrap_or_else(|| panic!("{text} is missing"))
    };
    // Mjølnerparken is not among the byfornyelse addresses (the source lists renewed buildings
    // only), so a known address of the source is pinned instead.
    assert!(
        !records
            .iter()
            .any(|r| r.entry.text.contains("Mjølnerparken"))
    );
    let address = &find("Andreas Bjørns Gade 12, 1428 København K").entry;
    assert_eq!(address.id, "byfornyelse-1");
    assert_eq!(address.street.as_deref(), Some("Andreas Bjørns Gade"));
    assert_eq!(address.house_number, Some(HouseNumber::new(12)));
    assert_eq!(address.postcode, Some(1428));
    assert_eq!(address.district.as_deref(), Some("København K"));
    let postcode = &find("2200 København N").entry;
    assert_eq!(postcode.kind, Kind::Postcode);
    assert_eq!(postcode.postcode, Some(2200));
    assert_eq!(postcode.district.as_deref(), Some("København N"));
    let bispeparken = records
        .iter()
        .find(|r| r.entry.kind == Kind::Place && r.entry.text == "Bispeparken");
    assert!(bispeparken.is_some(), "the estate Bispeparken is a place");

    let gazetteer =
        kvarter_geocode::Gazetteer::new(records.iter().map(|r| r.entry.clone()).collect());
    let options = kvarter_geocode::SearchOptions::default();
    let hits = gazetteer
        .search("andreas bjorns gade 12", &options)
        .unwrap();
    assert_eq!(hits[0].entry.id, "byfornyelse-1");
    let hits = gazetteer.search("2200", &options).unwrap();
    assert_eq!(hits[0].entry.text, "2200 København N");
}

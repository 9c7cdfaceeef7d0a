//! The build of indicator tables and the catalogue copy, on small recipes written into temporary
//! folders (one quick layer, real shared sources), and the loader's checks of indicator files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::error::Error as _;
use std::path::{Path, PathBuf};

use kvarter_data::build::{self, BuildError};
use kvarter_data::dataset::{LoadError, load_dir, load_indicator_files, load_indicator_files_with};
use kvarter_data::manifest::{Manifest, ManifestTable};
use kvarter_data::recipe::Recipe;
use kvarter_data::tables::TableError;

fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/geodata-sources")
}

/// One quick layer (the kommune, one feature) and the given `[[table]]` entries.
fn recipe_text(tables: &str) -> String {
    format!(
        r#"
[[layer]]
file = "kommune-2023.fgb"
geometry = "areas"
[layer.from.source]
path = "kk-roder-2023/derived_kobenhavns_kommune_from_roder_2023.geojson"
id_field = "kommunekode"
name_field = "navn"
[layer.meta]
id = "kommune-2023"
title = {{ da = "Kommune", en = "Municipality" }}
kind = "admin_unit"
authority = "Københavns Kommune"
status = "official"
licence = "CC BY 4.0"
[layer.meta.source]
publisher = "Københavns Kommune"
origin = "test"
files = []
vintage = "2023"
{tables}"#
    )
}

const CITY_TABLE: &str = r#"
[[table]]
dataset = "kk-tryghed-2025-kommune"
file = "indicators/kk-tryghed-2025-kommune.csv"
geography = "kommune-2023"
convert = "tryghed-2025-city"
path = "kk-tryghed-2025/tryghedsundersoegelse_2025_by_district.csv"
"#;

const CATALOGUE: &str = "format = \"kvarter-indicators/1\"\n# a test catalogue\n";

/// A recipe folder with `recipe.toml` and, if given, `indicators/catalogue.toml`.
fn recipe_folder(tables: &str, catalogue: Option<&str>) -> (tempfile::TempDir, Recipe) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("recipe.toml"), recipe_text(tables)).unwrap();
    if let Some(text) = catalogue {
        std::fs::create_dir(dir.path().join("indicators")).unwrap();
        std::fs::write(dir.path().join("indicators/catalogue.toml"), text).unwrap();
    }
    let recipe = Recipe::read(&dir.path().join("recipe.toml")).unwrap();
    (dir, recipe)
}

/// The error and all its causes, as one line.
fn chain(error: &BuildError) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_table_and_the_catalogue_are_written_to_the_indicators_folder_and_listed_in_the_manifest() {
    let (folder, recipe) = recipe_folder(CITY_TABLE, Some(CATALOGUE));
    let out = tempfile::tempdir().unwrap();
    let report = build::build(&recipe, &sources(), out.path()).unwrap();
    assert_eq!(report.tables[0].rows, 3);
    assert!(
        report
            .to_text()
            .contains("## table kk-tryghed-2025-kommune")
    );

    assert_eq!(
        entries(out.path()),
        [
            "build-report.txt",
            "indicators",
            "kommune-2023.fgb",
            "layers.json"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("indicators/kk-tryghed-2025-kommune.csv")).unwrap(),
        "indicator,unit,period,value\n\
         feel_safe_evening_night,0101,2025,80\n\
         feel_safe_neighbourhood,0101,2025,88\n\
         reported_offences_per_1000,0101,2024,73\n"
    );
    assert_eq!(
        std::fs::read(out.path().join("indicators/catalogue.toml")).unwrap(),
        CATALOGUE.as_bytes()
    );

    let (_, manifest) = load_dir(out.path()).unwrap();
    let table = &manifest.tables[0];
    assert_eq!(
        (table.dataset.as_str(), table.geography.as_str(), table.rows),
        ("kk-tryghed-2025-kommune", "kommune-2023", 3)
    );
    assert_eq!(
        manifest.catalogue.as_ref().unwrap().file,
        "indicators/catalogue.toml"
    );
    let files = load_indicator_files(out.path(), &manifest).unwrap();
    assert_eq!(files.catalogue.as_deref(), Some(CATALOGUE.as_bytes()));
    assert_eq!(files.tables.len(), 1);

    // The same recipe and sources give the same bytes.
    let again = tempfile::tempdir().unwrap();
    build::build(&recipe, &sources(), again.path()).unwrap();
    for name in [
        "layers.json",
        "build-report.txt",
        "indicators/kk-tryghed-2025-kommune.csv",
    ] {
        assert_eq!(
            std::fs::read(out.path().join(name)).unwrap(),
            std::fs::read(again.path().join(name)).unwrap(),
            "{name}"
        );
    }
    drop(folder);
}

#[test]
fn building_into_the_recipe_folder_copies_the_catalogue_onto_itself_unchanged() {
    let (folder, recipe) = recipe_folder(CITY_TABLE, Some(CATALOGUE));
    build::build(&recipe, &sources(), folder.path()).unwrap();
    assert_eq!(
        std::fs::read(folder.path().join("indicators/catalogue.toml")).unwrap(),
        CATALOGUE.as_bytes()
    );
    let (_, manifest) = load_dir(folder.path()).unwrap();
    load_indicator_files(folder.path(), &manifest).unwrap();
    // And again, now that the output is already there.
    build::build(&recipe, &sources(), folder.path()).unwrap();
    assert!(!folder.path().join(".build-tmp").exists());
}

#[test]
fn a_recipe_with_tables_but_no_catalogue_fails_and_leaves_the_output_untouched() {
    let (_folder, recipe) = recipe_folder(CITY_TABLE, None);
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("layers.json"), b"old").unwrap();
    let err = build::build(&recipe, &sources(), out.path()).unwrap_err();
    assert!(matches!(err, BuildError::NoCatalogue { .. }), "{err}");
    assert!(err.to_string().contains("catalogue.toml"), "{err}");
    assert_eq!(entries(out.path()), ["layers.json"]);
    assert_eq!(
        std::fs::read(out.path().join("layers.json")).unwrap(),
        b"old"
    );
}

#[test]
fn a_recipe_without_tables_needs_no_catalogue() {
    let (_folder, recipe) = recipe_folder("", None);
    let out = tempfile::tempdir().unwrap();
    build::build(&recipe, &sources(), out.path()).unwrap();
    let (_, manifest) = load_dir(out.path()).unwrap();
    assert!(manifest.catalogue.is_none() && manifest.tables.is_empty());
    assert!(!out.path().join("indicators").exists());
    let text = std::fs::read_to_string(out.path().join("layers.json")).unwrap();
    assert!(!text.contains("tables") && !text.contains("catalogue"));
}

#[test]
fn a_unit_that_is_no_area_of_the_geography_fails_the_build_naming_table_file_and_line() {
    // Be4.3's units are bydel numbers, not the kommune's "0101".
    let table = r#"
[[table]]
dataset = "kk-befolkning-bydel"
file = "indicators/kk-befolkning-bydel.csv"
geography = "kommune-2023"
convert = "statistikbank-be43"
path = "kk-statistikbank-bydel/KK_Be4.3_population_by_bydel_1991-2019.csv"
"#;
    let (_folder, recipe) = recipe_folder(table, Some(CATALOGUE));
    let out = tempfile::tempdir().unwrap();
    let err = build::build(&recipe, &sources(), out.path()).unwrap_err();
    let text = chain(&err);
    assert!(
        matches!(
            &err,
            BuildError::Table { source, .. } if matches!(**source, TableError::UnknownUnit { line: 2, .. })
        ),
        "{text}"
    );
    for needle in [
        "kk-befolkning-bydel",
        "KK_Be4.3_population_by_bydel_1991-2019.csv line 2",
        "\"1\"",
        "kommune-2023",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    assert!(entries(out.path()).is_empty());
}

#[test]
fn a_garbled_source_fails_the_build_naming_the_line() {
    let sources = tempfile::tempdir().unwrap();
    std::fs::create_dir(sources.path().join("kk-roder-2023")).unwrap();
    std::fs::copy(
        self::sources().join("kk-roder-2023/derived_kobenhavns_kommune_from_roder_2023.geojson"),
        sources
            .path()
            .join("kk-roder-2023/derived_kobenhavns_kommune_from_roder_2023.geojson"),
    )
    .unwrap();
    std::fs::create_dir(sources.path().join("kk-tryghed-2025")).unwrap();
    let original = std::fs::read_to_string(
        self::sources().join("kk-tryghed-2025/tryghedsundersoegelse_2025_by_district.csv"),
    )
    .unwrap();
    // Cut the file in the middle of its fourth line.
    let cut: String = original.lines().take(4).collect::<Vec<_>>().join("\n");
    let cut = &cut[..cut.len() - 25];
    std::fs::write(
        sources
            .path()
            .join("kk-tryghed-2025/tryghedsundersoegelse_2025_by_district.csv"),
        cut,
    )
    .unwrap();
    let (_folder, recipe) = recipe_folder(CITY_TABLE, Some(CATALOGUE));
    let out = tempfile::tempdir().unwrap();
    let err = build::build(&recipe, sources.path(), out.path()).unwrap_err();
    let text = chain(&err);
    assert!(
        text.contains("kk-tryghed-2025-kommune")
            && text.contains("tryghedsundersoegelse_2025_by_district.csv line 4"),
        "{text}"
    );
}

#[test]
fn table_entries_with_a_bad_file_or_geography_are_refused() {
    for (file, geography, needle) in [
        ("kk-x.csv", "kommune-2023", "indicators/<plain name>.csv"),
        (
            "indicators/../x.csv",
            "kommune-2023",
            "indicators/<plain name>.csv",
        ),
        (
            "indicators/x.csv",
            "bydele-2023",
            "not a layer of this recipe",
        ),
    ] {
        let table = CITY_TABLE
            .replace("indicators/kk-tryghed-2025-kommune.csv", file)
            .replace(
                "geography = \"kommune-2023\"",
                &format!("geography = \"{geography}\""),
            );
        let (_folder, recipe) = recipe_folder(&table, Some(CATALOGUE));
        let out = tempfile::tempdir().unwrap();
        let err = build::build(&recipe, &sources(), out.path()).unwrap_err();
        assert!(matches!(err, BuildError::TableRecipe { .. }), "{err}");
        assert!(err.to_string().contains(needle), "{needle} in {err}");
    }
    let twice = format!("{CITY_TABLE}{CITY_TABLE}");
    let (_folder, recipe) = recipe_folder(&twice, Some(CATALOGUE));
    let err = build::build(&recipe, &sources(), tempfile::tempdir().unwrap().path()).unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
}

/// A manifest with one layer (kommune-2023) and the given table file name.
fn manifest_with_table(file: &str) -> Manifest {
    let (_folder, recipe) = recipe_folder(CITY_TABLE, Some(CATALOGUE));
    let out = tempfile::tempdir().unwrap();
    build::build(&recipe, &sources(), out.path()).unwrap();
    let (_, mut manifest) = load_dir(out.path()).unwrap();
    manifest.tables = vec![ManifestTable {
        dataset: "kk-x".into(),
        file: file.into(),
        geography: "kommune-2023".into(),
        rows: 0,
        sha256: String::new(),
    }];
    manifest.catalogue = None;
    manifest
}

#[test]
fn indicator_file_names_outside_the_indicators_folder_are_refused_before_reading() {
    for name in [
        "../x.csv",
        "indicators/../../x",
        "indicators/../../x.csv",
        "/etc/x.csv",
        "indicators/sub/x.csv",
        "x.csv",
    ] {
        let manifest = manifest_with_table(name);
        let mut asked = Vec::new();
        let err = load_indicator_files_with(&manifest, "test/layers.json", |file| {
            asked.push(file.to_owned());
            Ok(Some(Cow::Borrowed(&b""[..])))
        })
        .unwrap_err();
        assert!(matches!(err, LoadError::BadEntry { .. }), "{name}: {err}");
        assert!(err.to_string().contains("kk-x"), "{err}");
        assert!(asked.is_empty(), "{name} was read");
    }
}

#[test]
fn a_changed_or_missing_indicator_file_is_refused_with_its_name() {
    let (_folder, recipe) = recipe_folder(CITY_TABLE, Some(CATALOGUE));
    let out = tempfile::tempdir().unwrap();
    build::build(&recipe, &sources(), out.path()).unwrap();
    let (_, manifest) = load_dir(out.path()).unwrap();

    let table = out.path().join("indicators/kk-tryghed-2025-kommune.csv");
    let original = std::fs::read(&table).unwrap();
    std::fs::write(&table, b"indicator,unit,period,value\n").unwrap();
    let err = load_indicator_files(out.path(), &manifest).unwrap_err();
    assert!(matches!(err, LoadError::Checksum { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("indicator table kk-tryghed-2025-kommune"),
        "{err}"
    );
    std::fs::write(&table, original).unwrap();

    std::fs::remove_file(out.path().join("indicators/catalogue.toml")).unwrap();
    let err = load_indicator_files(out.path(), &manifest).unwrap_err();
    assert!(matches!(err, LoadError::MissingFile { .. }), "{err}");
    assert!(
        err.to_string().contains("indicators/catalogue.toml"),
        "{err}"
    );

    let mut wrong = manifest.clone();
    wrong.catalogue = None;
    wrong.tables[0].geography = "bydele-2023".into();
    let err = load_indicator_files(out.path(), &wrong).unwrap_err();
    assert!(err.to_string().contains("not a layer"), "{err}");
}

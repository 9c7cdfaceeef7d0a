//! A data folder for tests of the 2025 policy: the default layers, the synthetic state list of
//! `kvarter_data::synthetic` and a synthetic municipal designation of the 2025 kind. Every added
//! layer is labelled synthetic; none describes a real place. The end-to-end tests and the
//! browser tests (through `examples/synthetic-2025-data.rs`) serve it with `--data`.

use std::path::Path;

use geo::{LineString, MultiPolygon, Polygon};
use kvarter_core::{Area, Layer, LayerKind, LayerMeta, Properties, Title};
use kvarter_data::synthetic::{STATE_ESTATES_ID, state_estates};

/// The id of the synthetic municipal layer of the 2025 kind.
pub const SYNTHETIC_2025: &str = "synthetic-udsatte-byomraader-2025";

/// The default dataset's layers (the repository's `geodata/`) with their file names, to write a
/// data folder with more layers.
///
/// # Errors
/// When `geodata/` does not load.
pub fn default_layers() -> Result<Vec<(String, Layer)>, Box<dyn std::error::Error>> {
    let geodata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../geodata");
    let (default, manifest) = kvarter_data::dataset::load_dir(&geodata)?;
    Ok(manifest
        .layers
        .iter()
        .map(|entry| entry.file.clone())
        .zip(default.layers)
        .collect())
}

/// The default layers, the synthetic state list and a synthetic municipal layer of the 2025
/// kind (in force since 2025-07-01; one square in north-west Copenhagen, away from every
/// synthetic estate), written as a data folder in `dir`; returns the state list.
pub fn write_synthetic_2025_data(dir: &Path) -> Result<Layer, Box<dyn std::error::Error>> {
    let mut layers = default_layers()?;
    let estates = state_estates(2024, 5);
    layers.push((format!("{STATE_ESTATES_ID}.fgb"), estates.clone()));
    let square = Polygon::new(
        LineString::from(vec![
            (12.44, 55.72),
            (12.46, 55.72),
            (12.46, 55.73),
            (12.44, 55.73),
            (12.44, 55.72),
        ]),
        vec![],
    );
    let municipal = Layer {
        meta: LayerMeta {
            title: Title {
                da: "Udsatte byområder 2025 (syntetisk, kun til test)".into(),
                en: "Vulnerable urban areas 2025 (synthetic, tests only)".into(),
            },
            valid_from: "2025-07-01".parse().ok(),
            ..LayerMeta::synthetic(SYNTHETIC_2025.parse()?, LayerKind::MunicipalDesignation)
        },
        areas: vec![Area {
            id: "1".into(),
            name: Some("Syntetisk byområde 1".into()),
            parent: None,
            area_m2: None,
            properties: Properties::new(),
            geometry: MultiPolygon::new(vec![square]).into(),
        }],
    };
    layers.push((format!("{SYNTHETIC_2025}.fgb"), municipal));
    kvarter_data::build::write_data_folder(dir, &layers, &[])?;
    Ok(estates)
}

//! Loading the indicator catalogue and tables of a data folder (or of the embedded data) and
//! preparing their joins onto the dataset's layers.

use std::path::Path;

use anyhow::Context as _;
use kvarter_core::Dataset;
use kvarter_data::manifest::Manifest;
use kvarter_indicators::{Catalogue, Indicators, Joins};

use crate::embedded;

/// The joins of the data's indicators onto its layers, or `None` when the data has no
/// indicator catalogue. Nothing is joined yet (see [`Joins::prepare_all`]).
pub fn load(
    data: Option<&Path>,
    manifest: &Manifest,
    dataset: &Dataset,
) -> anyhow::Result<Option<Joins>> {
    let files = match data {
        Some(dir) => kvarter_data::dataset::load_indicator_files(dir, manifest)
            .with_context(|| format!("cannot load the indicator files of {}", dir.display()))?,
        None => embedded::load_indicator_files(manifest)
            .context("cannot load the embedded indicator files")?,
    };
    let Some(catalogue_bytes) = files.catalogue else {
        return Ok(None);
    };
    let origin = manifest
        .catalogue
        .as_ref()
        .map_or("indicators/catalogue.toml", |entry| entry.file.as_str());
    let text = std::str::from_utf8(&catalogue_bytes)
        .with_context(|| format!("{origin} is not UTF-8 text"))?;
    let catalogue = Catalogue::parse(text, origin)?;
    let tables: Vec<(String, Vec<u8>)> = files
        .tables
        .into_iter()
        .map(|(entry, bytes)| (entry.dataset, bytes))
        .collect();
    let indicators = Indicators::load(&catalogue, &tables, &dataset.layers)?;
    let joins = Joins::new(indicators, dataset.layers.clone())?;
    Ok(Some(joins))
}

//! The default dataset, embedded in the binary at compile time from `geodata/` (layers, manifest,
//! the gazetteer, and the indicator catalogue and tables of `geodata/indicators/`).

use std::borrow::Cow;

use kvarter_core::Dataset;
use kvarter_data::dataset::{self, IndicatorFiles, LoadError};
use kvarter_data::manifest::{self, Manifest};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Where the embedded manifest comes from, for errors.
const ORIGIN: &str = "<embedded geodata>/layers.json";

fn file(name: &str) -> Option<&'static [u8]> {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
}

/// Loads the embedded dataset, checking every file as a data folder would be checked.
pub fn load() -> Result<(Dataset, Manifest), LoadError> {
    let manifest_bytes = file(manifest::FILE_NAME).ok_or_else(|| LoadError::NoManifest {
        dir: "<embedded geodata>".into(),
    })?;
    dataset::load_with(manifest_bytes, ORIGIN, |name| {
        Ok(file(name).map(Cow::Borrowed))
    })
}

/// Loads the embedded indicator catalogue and tables that `manifest` (the embedded one, from
/// [`load`]) lists, checking every checksum.
pub fn load_indicator_files(manifest: &Manifest) -> Result<IndicatorFiles, LoadError> {
    dataset::load_indicator_files_with(manifest, ORIGIN, |name| Ok(file(name).map(Cow::Borrowed)))
}

/// The embedded gazetteer (`gazetteer.csv`) that `manifest` (the embedded one, from [`load`])
/// lists, checked against its checksum; `None` when it lists none. Read it with
/// `kvarter_geocode::file::read_csv`.
pub fn load_gazetteer(manifest: &Manifest) -> Result<Option<Vec<u8>>, LoadError> {
    dataset::load_gazetteer_with(manifest, ORIGIN, |name| Ok(file(name).map(Cow::Borrowed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_gazetteer_is_the_one_the_embedded_manifest_lists() {
        let (_, manifest) = load().unwrap();
        let bytes = load_gazetteer(&manifest).unwrap();
        assert_eq!(bytes.is_some(), manifest.gazetteer.is_some());
        if let Some(bytes) = bytes {
            assert!(bytes.starts_with(b"kind,id,text,street,house_number,postcode,"));
        }
    }

    #[test]
    fn the_embedded_indicator_files_are_the_ones_the_embedded_manifest_lists() {
        let (_, manifest) = load().unwrap();
        let files = load_indicator_files(&manifest).unwrap();
        assert_eq!(files.catalogue.is_some(), manifest.catalogue.is_some());
        assert_eq!(files.tables.len(), manifest.tables.len());
        for (entry, bytes) in &files.tables {
            let text = std::str::from_utf8(bytes).unwrap();
            assert!(
                text.starts_with("indicator,unit,period,value\n"),
                "{}",
                entry.file
            );
            assert_eq!(text.lines().count(), entry.rows + 1, "{}", entry.file);
        }
    }
}

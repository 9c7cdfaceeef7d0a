//! The default dataset, embedded in the binary at compile time from `geodata/`.

use std::borrow::Cow;

use kvarter_core::Dataset;
use kvarter_data::dataset::{self, LoadError};
use kvarter_data::manifest::{self, Manifest};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

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
    dataset::load_with(manifest_bytes, "<embedded geodata>/layers.json", |name| {
        Ok(file(name).map(Cow::Borrowed))
    })
}

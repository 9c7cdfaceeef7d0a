//! Loading a dataset: a data folder (or the copy embedded in the binary) read through its
//! manifest, every file checked against its checksum and feature count before it is used; and
//! its indicator files (catalogue and tables in `indicators/`) and its gazetteer
//! (`gazetteer.csv`), checked against their checksums.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use kvarter_core::{Dataset, Layer};

use crate::fgb::{self, FgbError};
use crate::manifest::{self, FORMAT, Manifest, ManifestTable};

/// Why a dataset could not be loaded. Every variant names the folder or file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder has no `layers.json`; point `--data` at a folder made by `kvarter data build`.
    #[error("{dir} has no {file}: is it a Kvarter data folder (made by `kvarter data build`)?", file = manifest::FILE_NAME)]
    NoManifest {
        /// The folder.
        dir: PathBuf,
    },
    /// The database the data is kept in could not be read (see the cause).
    #[error("cannot read {what}")]
    Store {
        /// What was being read, and from which store.
        what: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `layers.json` is not a valid manifest.
    #[error("{origin} is not a valid Kvarter manifest")]
    BadManifest {
        /// Where it came from.
        origin: String,
        /// The parser's message.
        #[source]
        source: serde_json::Error,
    },
    /// The manifest is of another format version.
    #[error("{origin} has format {found:?}; this Kvarter reads {FORMAT:?}: rebuild the data")]
    Format {
        /// Where it came from.
        origin: String,
        /// The format it declares.
        found: String,
    },
    /// A manifest entry names a file outside the data folder (or outside `indicators/` for
    /// indicator files) or twice, a layer id or dataset twice, or a geography that is no layer:
    /// rebuild the folder with `kvarter data build` instead of editing the manifest.
    #[error("manifest entry for {what}: {reason}")]
    BadEntry {
        /// What the entry is for (`layer roder-2023`, `indicator table kk-befolkning-bydel`).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A file listed in the manifest is missing: copy the whole data folder, or rebuild it.
    #[error("{what}: file {file} is missing")]
    MissingFile {
        /// What the file is for (`layer roder-2023`, `indicator table kk-befolkning-bydel`).
        what: String,
        /// The file.
        file: String,
    },
    /// A file's bytes do not match the manifest: it was changed or damaged after the build.
    #[error(
        "{what}: {file} has checksum {found}, the manifest says {expected}: the file is damaged or was changed after the build"
    )]
    Checksum {
        /// What the file is for (`layer roder-2023`, `indicator table kk-befolkning-bydel`).
        what: String,
        /// The file.
        file: String,
        /// The manifest's checksum.
        expected: String,
        /// The file's.
        found: String,
    },
    /// A file could not be decoded.
    #[error(transparent)]
    Fgb(#[from] FgbError),
    /// A file holds another number of features than the manifest says.
    #[error("layer {layer}: {found} features, the manifest says {expected}")]
    Count {
        /// The layer.
        layer: String,
        /// The manifest's count.
        expected: usize,
        /// The file's.
        found: usize,
    },
}

/// Loads the dataset in a data folder.
pub fn load_dir(dir: &Path) -> Result<(Dataset, Manifest), LoadError> {
    let manifest_path = dir.join(manifest::FILE_NAME);
    let manifest_bytes = std::fs::read(&manifest_path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            LoadError::NoManifest {
                dir: dir.to_owned(),
            }
        } else {
            LoadError::Io {
                path: manifest_path.clone(),
                source,
            }
        }
    })?;
    load_dir_with_manifest(dir, &manifest_bytes, &manifest_path.display().to_string())
}

/// Loads the dataset in a data folder through the manifest `manifest_bytes` (read from
/// `origin`), not the folder's own: how an import checks a new manifest before switching to it.
pub fn load_dir_with_manifest(
    dir: &Path,
    manifest_bytes: &[u8],
    origin: &str,
) -> Result<(Dataset, Manifest), LoadError> {
    load_with(manifest_bytes, origin, |file| {
        let path = dir.join(file);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LoadError::Io { path, source }),
        }
    })
}

/// Loads a dataset from a manifest and a function that returns a file's bytes by name (`None`
/// when there is no such file). `origin` names the manifest in errors.
pub fn load_with<'a>(
    manifest_bytes: &[u8],
    origin: &str,
    mut read: impl FnMut(&str) -> Result<Option<Cow<'a, [u8]>>, LoadError>,
) -> Result<(Dataset, Manifest), LoadError> {
    let manifest: Manifest =
        serde_json::from_slice(manifest_bytes).map_err(|source| LoadError::BadManifest {
            origin: origin.to_owned(),
            source,
        })?;
    if manifest.format != FORMAT {
        return Err(LoadError::Format {
            origin: origin.to_owned(),
            found: manifest.format,
        });
    }
    let mut ids = HashSet::new();
    let mut files = HashSet::new();
    let mut layers = Vec::with_capacity(manifest.layers.len());
    for entry in &manifest.layers {
        let layer = entry.meta.id.to_string();
        let what = format!("layer {layer}");
        let bad = |reason: &str| LoadError::BadEntry {
            what: what.clone(),
            reason: reason.to_owned(),
        };
        if !ids.insert(entry.meta.id.clone()) {
            return Err(bad("the layer id appears twice"));
        }
        if !manifest::is_plain_file_name_with(&entry.file, "fgb") {
            return Err(bad(
                "the file must be a plain file name ending in .fgb inside the data folder",
            ));
        }
        if !files.insert(entry.file.clone()) {
            return Err(bad("the file is listed twice"));
        }
        let bytes = read_checked(&mut read, &what, &entry.file, &entry.sha256)?;
        let loaded: Layer = fgb::read_layer(&bytes, entry.meta.clone())?;
        if loaded.areas.len() != entry.feature_count {
            return Err(LoadError::Count {
                layer,
                expected: entry.feature_count,
                found: loaded.areas.len(),
            });
        }
        layers.push(loaded);
    }
    let dataset = Dataset {
        version: manifest::data_version(manifest_bytes),
        layers,
    };
    Ok((dataset, manifest))
}

/// A file's bytes, refused when missing or when its checksum is not `sha256`.
fn read_checked<'a>(
    read: &mut impl FnMut(&str) -> Result<Option<Cow<'a, [u8]>>, LoadError>,
    what: &str,
    file: &str,
    sha256: &str,
) -> Result<Cow<'a, [u8]>, LoadError> {
    let bytes = read(file)?.ok_or_else(|| LoadError::MissingFile {
        what: what.to_owned(),
        file: file.to_owned(),
    })?;
    let found = manifest::sha256_hex(&bytes);
    if found != sha256 {
        return Err(LoadError::Checksum {
            what: what.to_owned(),
            file: file.to_owned(),
            expected: sha256.to_owned(),
            found,
        });
    }
    Ok(bytes)
}

/// A data folder's indicator files, each checked against the manifest's checksum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndicatorFiles {
    /// The catalogue (TOML), when the folder has one.
    pub catalogue: Option<Vec<u8>>,
    /// The tables (CSV `indicator,unit,period,value`) with their manifest entries, in manifest
    /// order.
    pub tables: Vec<(ManifestTable, Vec<u8>)>,
}

/// Loads the indicator files of a data folder whose manifest was loaded already.
pub fn load_indicator_files(dir: &Path, manifest: &Manifest) -> Result<IndicatorFiles, LoadError> {
    let origin = dir.join(manifest::FILE_NAME).display().to_string();
    load_indicator_files_with(manifest, &origin, |file| {
        let path = dir.join(file);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LoadError::Io { path, source }),
        }
    })
}

/// Loads the indicator files a manifest lists through a function that returns a file's bytes by
/// name (`indicators/…`; `None` when there is no such file). Every name must be
/// `indicators/<plain name>`, every file match its checksum, every table's geography be a layer
/// of the manifest, and no dataset or file appear twice. `origin` names the manifest in errors.
pub fn load_indicator_files_with<'a>(
    manifest: &Manifest,
    origin: &str,
    mut read: impl FnMut(&str) -> Result<Option<Cow<'a, [u8]>>, LoadError>,
) -> Result<IndicatorFiles, LoadError> {
    let mut files = IndicatorFiles::default();
    if let Some(entry) = &manifest.catalogue {
        let what = format!("the indicator catalogue of {origin}");
        if !manifest::is_indicator_file_name(&entry.file, "toml") {
            return Err(LoadError::BadEntry {
                what,
                reason: format!(
                    "file {:?} must be indicators/<plain name>.toml inside the data folder",
                    entry.file
                ),
            });
        }
        let bytes = read_checked(&mut read, &what, &entry.file, &entry.sha256)?;
        files.catalogue = Some(bytes.into_owned());
    }
    let mut datasets = HashSet::new();
    let mut names = HashSet::new();
    for entry in &manifest.tables {
        let what = format!("indicator table {} of {origin}", entry.dataset);
        let bad = |reason: String| LoadError::BadEntry {
            what: what.clone(),
            reason,
        };
        if !manifest::is_indicator_file_name(&entry.file, "csv") {
            return Err(bad(format!(
                "file {:?} must be indicators/<plain name>.csv inside the data folder",
                entry.file
            )));
        }
        if !datasets.insert(entry.dataset.as_str()) {
            return Err(bad("the dataset appears twice".into()));
        }
        if !names.insert(entry.file.as_str()) {
            return Err(bad("the file is listed twice".into()));
        }
        if !manifest
            .layers
            .iter()
            .any(|layer| layer.meta.id.as_str() == entry.geography)
        {
            return Err(bad(format!(
                "its geography {:?} is not a layer of the manifest",
                entry.geography
            )));
        }
        let bytes = read_checked(&mut read, &what, &entry.file, &entry.sha256)?;
        files.tables.push((entry.clone(), bytes.into_owned()));
    }
    Ok(files)
}

/// Loads the gazetteer file (`gazetteer.csv`) of a data folder whose manifest was loaded already:
/// `None` when the manifest lists none.
pub fn load_gazetteer(dir: &Path, manifest: &Manifest) -> Result<Option<Vec<u8>>, LoadError> {
    let origin = dir.join(manifest::FILE_NAME).display().to_string();
    load_gazetteer_with(manifest, &origin, |file| {
        let path = dir.join(file);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LoadError::Io { path, source }),
        }
    })
}

/// Loads the gazetteer file a manifest lists through a function that returns a file's bytes by
/// name (`None` when there is no such file): the name must be a plain `.csv` file name inside
/// the data folder and the bytes must match the manifest's checksum. `None` when the manifest
/// lists no gazetteer. The bytes are returned as they are; read them with
/// `kvarter_geocode::file::read_csv`. `origin` names the manifest in errors.
pub fn load_gazetteer_with<'a>(
    manifest: &Manifest,
    origin: &str,
    mut read: impl FnMut(&str) -> Result<Option<Cow<'a, [u8]>>, LoadError>,
) -> Result<Option<Vec<u8>>, LoadError> {
    let Some(entry) = &manifest.gazetteer else {
        return Ok(None);
    };
    let what = format!("the gazetteer of {origin}");
    if !manifest::is_plain_file_name_with(&entry.file, "csv") {
        return Err(LoadError::BadEntry {
            what,
            reason: format!(
                "file {:?} must be a plain file name ending in .csv inside the data folder",
                entry.file
            ),
        });
    }
    let bytes = read_checked(&mut read, &what, &entry.file, &entry.sha256)?;
    Ok(Some(bytes.into_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::manifest::ManifestFile;

    fn manifest_with_gazetteer(file: &str, bytes: &[u8]) -> Manifest {
        Manifest {
            format: FORMAT.to_owned(),
            layers: Vec::new(),
            catalogue: None,
            tables: Vec::new(),
            gazetteer: Some(ManifestFile {
                file: file.to_owned(),
                sha256: manifest::sha256_hex(bytes),
            }),
            history: Vec::new(),
        }
    }

    #[test]
    fn the_gazetteer_loads_only_with_its_checksum_and_a_plain_name() {
        let bytes = b"kind,id,text\n".to_vec();
        let manifest = manifest_with_gazetteer("gazetteer.csv", &bytes);
        let loaded = load_gazetteer_with(&manifest, "m", |name| {
            assert_eq!(name, "gazetteer.csv");
            Ok(Some(Cow::Borrowed(&bytes[..])))
        })
        .unwrap();
        assert_eq!(loaded, Some(bytes.clone()));

        let err = load_gazetteer_with(&manifest, "m", |_| Ok(Some(Cow::Borrowed(&b"other"[..]))))
            .unwrap_err();
        assert!(matches!(err, LoadError::Checksum { .. }), "{err}");
        let err = load_gazetteer_with(&manifest, "m", |_| Ok(None)).unwrap_err();
        assert!(matches!(err, LoadError::MissingFile { .. }), "{err}");
        for bad in [
            "../gazetteer.csv",
            "indicators/gazetteer.csv",
            "gazetteer.fgb",
        ] {
            let manifest = manifest_with_gazetteer(bad, &bytes);
            let err = load_gazetteer_with(&manifest, "m", |_| unreachable!()).unwrap_err();
            assert!(matches!(err, LoadError::BadEntry { .. }), "{bad}: {err}");
        }
        let mut without = manifest;
        without.gazetteer = None;
        assert_eq!(
            load_gazetteer_with(&without, "m", |_| unreachable!()).unwrap(),
            None
        );
    }
}

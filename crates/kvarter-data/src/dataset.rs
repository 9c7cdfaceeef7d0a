//! Loading a dataset: a data folder (or the copy embedded in the binary) read through its
//! manifest, every file checked against its checksum and feature count before it is used.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use kvarter_core::{Dataset, Layer};

use crate::fgb::{self, FgbError};
use crate::manifest::{self, FORMAT, Manifest};

/// Why a dataset could not be loaded. Every variant names the folder or file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder has no `layers.json`; point `--data` at a folder made by `kvarter data build`.
    #[error("{dir} has no {file}: is it a Kvarter data folder (made by `kvarter data build`)?", file = manifest::FILE_NAME)]
    NoManifest {
        /// The folder.
        dir: PathBuf,
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
    /// A manifest entry names a file outside the data folder or twice, or a layer id twice.
    #[error("manifest entry for layer {layer}: {reason}")]
    BadEntry {
        /// The layer.
        layer: String,
        /// What is wrong.
        reason: String,
    },
    /// A file listed in the manifest is missing.
    #[error("layer {layer}: file {file} is missing")]
    MissingFile {
        /// The layer.
        layer: String,
        /// The file.
        file: String,
    },
    /// A file's bytes do not match the manifest: it was changed or damaged after the build.
    #[error(
        "layer {layer}: {file} has checksum {found}, the manifest says {expected}: the file is damaged or was changed after the build"
    )]
    Checksum {
        /// The layer.
        layer: String,
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
    load_with(
        &manifest_bytes,
        &manifest_path.display().to_string(),
        |file| {
            let path = dir.join(file);
            match std::fs::read(&path) {
                Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(LoadError::Io { path, source }),
            }
        },
    )
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
        let bad = |reason: &str| LoadError::BadEntry {
            layer: layer.clone(),
            reason: reason.to_owned(),
        };
        if !ids.insert(entry.meta.id.clone()) {
            return Err(bad("the layer id appears twice"));
        }
        if !is_plain_file_name(&entry.file) {
            return Err(bad(
                "the file must be a plain file name ending in .fgb inside the data folder",
            ));
        }
        if !files.insert(entry.file.clone()) {
            return Err(bad("the file is listed twice"));
        }
        let bytes = read(&entry.file)?.ok_or_else(|| LoadError::MissingFile {
            layer: layer.clone(),
            file: entry.file.clone(),
        })?;
        let found = manifest::sha256_hex(&bytes);
        if found != entry.sha256 {
            return Err(LoadError::Checksum {
                layer,
                file: entry.file.clone(),
                expected: entry.sha256.clone(),
                found,
            });
        }
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

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && Path::new(name)
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("fgb"))
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

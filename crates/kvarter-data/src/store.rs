//! Where a service's data comes from: the one small interface, [`DataSource`], that the service
//! loads its data from at start-up and reloads its address index from on SIGHUP, and the two
//! sources there are today — a data folder ([`DataDir`]) and the files embedded in the binary
//! ([`Embedded`]).
//!
//! A source hands out a [`Snapshot`]: the layers, their manifest (with the data version), the
//! indicator files and the address entries, read together and checked (every file against the
//! manifest's checksum), so a snapshot is always one consistent version. Whatever the source —
//! a folder, the binary, later a database — the service builds the same things from it.
//!
//! # What the interface is built for
//! * **Atomic replace**: a data folder's `layers.json` names every file with its checksum, so
//!   a writer that puts new files beside the old ones and then renames a new manifest over the
//!   old one switches versions in one step; a reader that raced it fails a checksum (and keeps
//!   what it had) rather than mixing versions.
//! * **A data version**: [`Snapshot::dataset`]'s `version` is the hash of the manifest; caches
//!   and ETags key on it, so a reload that changes anything changes it.
//! * **Reload**: [`DataSource::load`] can be called again at any time; a failed load returns an
//!   error and the caller keeps serving what it has.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use kvarter_core::Dataset;
use kvarter_geocode::{Entry, FileError};

use crate::dataset::{self, IndicatorFiles, LoadError};
use crate::manifest::{self, Manifest};

/// The address register a data folder may hold beside its gazetteer, written by
/// `kvarter addresses import` in the gazetteer file format. It is not listed in the manifest:
/// it is replaced on its own (atomically) and picked up on the next address reload.
pub const IMPORTED_ADDRESSES: &str = "addresses-imported.csv";

/// Everything a service is built from, read in one go from one source.
#[derive(Debug)]
pub struct Snapshot {
    /// The layers, with the data version.
    pub dataset: Dataset,
    /// The manifest the layers were read through.
    pub manifest: Manifest,
    /// The indicator catalogue and tables the manifest lists (none when it lists none).
    pub indicators: IndicatorFiles,
    /// The address entries: the gazetteer's, then an imported register's (empty when there
    /// are none).
    pub addresses: Vec<Entry>,
}

/// Why a source could not be read. Every variant names the file or folder.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The manifest, a layer or an indicator file could not be loaded (missing, damaged,
    /// edited: see the cause).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// An address file is not a valid gazetteer file; the cause names the line.
    #[error("the addresses in {origin} are invalid")]
    Addresses {
        /// The file.
        origin: String,
        /// What is wrong.
        #[source]
        source: FileError,
    },
    /// The source itself failed: a database that cannot be reached, or refuses (the cause
    /// says which, naming the database).
    #[error(transparent)]
    Source(Box<dyn std::error::Error + Send + Sync>),
    /// An address file exists but cannot be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Where the data comes from. Implementations read and check each part through the manifest;
/// they hold no state a load changes, so loading again reads the source's current version.
pub trait DataSource: Send + Sync + fmt::Debug {
    /// The source in words, for logs and errors (`the data folder /srv/kvarter`).
    fn describe(&self) -> String;

    /// Reads the manifest and the layers it lists.
    fn load_layers(&self) -> Result<(Dataset, Manifest), StoreError>;

    /// Reads the indicator catalogue and tables `manifest` lists.
    fn load_indicators(&self, manifest: &Manifest) -> Result<IndicatorFiles, StoreError>;

    /// Reads the address entries: the gazetteer `manifest` lists, then an imported register.
    /// Also called alone, to reload the address index.
    fn load_addresses(&self, manifest: &Manifest) -> Result<Vec<Entry>, StoreError>;

    /// Reads the whole data: layers, manifest, indicator files and address entries, every part
    /// through the one manifest read first.
    fn load(&self) -> Result<Snapshot, StoreError> {
        let (dataset, manifest) = self.load_layers()?;
        let indicators = self.load_indicators(&manifest)?;
        let addresses = self.load_addresses(&manifest)?;
        Ok(Snapshot {
            dataset,
            manifest,
            indicators,
            addresses,
        })
    }
}

/// A source that says when it has changed — a database that notifies its readers — so that a
/// server reloads at once rather than on a signal.
pub trait Changes: Send + Sync + fmt::Debug {
    /// Waits for changes, forever, calling `changed` on each — and after each reconnection,
    /// since a change may have come meanwhile. Blocks: run it on a thread of its own. When the
    /// source goes away it says so in [`Changes::state`] and tries again, less and less often.
    fn follow(&self, changed: &dyn Fn());

    /// Whether the source is reachable now, and what happened last.
    fn state(&self) -> FollowState;
}

/// How a server's following of its source stands (`/admin/status`, `/metrics`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FollowState {
    /// Whether the source is reachable and listened to now.
    pub connected: bool,
    /// Since when (UTC, RFC 3339) it has been connected, or unreachable.
    pub since: Option<String>,
    /// Why it was last unreachable.
    pub last_error: Option<String>,
    /// Changes announced so far.
    pub notifications: u64,
    /// Times it connected again after losing the source.
    pub reconnects: u64,
}

/// A data folder made by `kvarter data build` (and `kvarter addresses import`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    dir: PathBuf,
}

impl DataDir {
    /// The data folder at `dir`. Nothing is read yet.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl DataSource for DataDir {
    fn describe(&self) -> String {
        format!("the data folder {}", self.dir.display())
    }

    fn load_layers(&self) -> Result<(Dataset, Manifest), StoreError> {
        Ok(dataset::load_dir(&self.dir)?)
    }

    fn load_indicators(&self, manifest: &Manifest) -> Result<IndicatorFiles, StoreError> {
        Ok(dataset::load_indicator_files(&self.dir, manifest)?)
    }

    fn load_addresses(&self, manifest: &Manifest) -> Result<Vec<Entry>, StoreError> {
        let gazetteer = dataset::load_gazetteer(&self.dir, manifest)?;
        let origin = self.dir.join("gazetteer.csv").display().to_string();
        let mut entries = read_entries(gazetteer.as_deref(), &origin)?;
        let path = self.dir.join(IMPORTED_ADDRESSES);
        // The imported register can be the national one (≈ 3.9 million rows, 500 MB): it is
        // streamed, never held whole (see `kvarter_geocode::file::read_entries`).
        match std::fs::File::open(&path) {
            Ok(file) => {
                let origin = path.display().to_string();
                let mut imported = kvarter_geocode::file::read_entries(file, &origin)
                    .map_err(|source| StoreError::Addresses { origin, source })?;
                // The gazetteer's few entries go in front of the register's millions, in place:
                // extending the small list would hold the register twice for a moment.
                imported.splice(0..0, entries);
                entries = imported;
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(StoreError::Io { path, source }),
        }
        Ok(entries)
    }
}

/// A data folder's files held in memory by name, as the binary embeds its default dataset
/// (`indicators/…` for the indicator files). Read through the same checks as a folder.
#[derive(Clone, Copy)]
pub struct Embedded {
    files: &'static [(&'static str, &'static [u8])],
}

impl fmt::Debug for Embedded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Embedded")
            .field("files", &self.files.len())
            .finish()
    }
}

/// How the embedded files are named in errors.
const EMBEDDED: &str = "<embedded geodata>";

impl Embedded {
    /// The dataset in `files`: (file name, bytes) pairs, the manifest among them.
    pub const fn new(files: &'static [(&'static str, &'static [u8])]) -> Self {
        Self { files }
    }

    /// The bytes of the embedded file `name`.
    pub fn file(&self, name: &str) -> Option<&'static [u8]> {
        self.files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, bytes)| *bytes)
    }

    /// Reads the file `name`, as the loaders ask for it (reading memory cannot fail).
    fn read(&self, name: &str) -> Option<Cow<'static, [u8]>> {
        self.file(name).map(Cow::Borrowed)
    }

    fn origin() -> String {
        format!("{EMBEDDED}/{}", manifest::FILE_NAME)
    }
}

impl DataSource for Embedded {
    fn describe(&self) -> String {
        "the embedded dataset".to_owned()
    }

    fn load_layers(&self) -> Result<(Dataset, Manifest), StoreError> {
        let manifest_bytes =
            self.file(manifest::FILE_NAME)
                .ok_or_else(|| LoadError::NoManifest {
                    dir: EMBEDDED.into(),
                })?;
        Ok(dataset::load_with(
            manifest_bytes,
            &Self::origin(),
            |name| Ok(self.read(name)),
        )?)
    }

    fn load_indicators(&self, manifest: &Manifest) -> Result<IndicatorFiles, StoreError> {
        Ok(dataset::load_indicator_files_with(
            manifest,
            &Self::origin(),
            |name| Ok(self.read(name)),
        )?)
    }

    fn load_addresses(&self, manifest: &Manifest) -> Result<Vec<Entry>, StoreError> {
        let gazetteer =
            dataset::load_gazetteer_with(manifest, &Self::origin(), |name| Ok(self.read(name)))?;
        read_entries(gazetteer.as_deref(), &format!("{EMBEDDED}/gazetteer.csv"))
    }
}

/// The entries of a gazetteer file, none when there is no file; `origin` names it in errors.
pub fn read_entries(bytes: Option<&[u8]>, origin: &str) -> Result<Vec<Entry>, StoreError> {
    match bytes {
        Some(bytes) => {
            kvarter_geocode::read_csv(bytes, origin).map_err(|source| StoreError::Addresses {
                origin: origin.to_owned(),
                source,
            })
        }
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_without_a_manifest_are_refused_by_name() {
        static NO_FILES: &[(&str, &[u8])] = &[];
        let error = Embedded::new(NO_FILES).load().unwrap_err();
        assert!(error.to_string().contains(manifest::FILE_NAME), "{error}");
    }

    #[test]
    fn a_folder_without_a_manifest_is_refused_and_described_by_its_path() {
        let dir = std::env::temp_dir().join("kvarter-store-test-no-manifest");
        let source = DataDir::new(&dir);
        assert_eq!(source.path(), dir);
        assert!(source.describe().ends_with(&dir.display().to_string()));
        let error = source.load().unwrap_err();
        assert!(
            matches!(error, StoreError::Load(LoadError::NoManifest { .. })),
            "{error}"
        );
    }
}

//! Changing a data folder's layers safely: import, remove, restore, and making a folder from
//! the embedded dataset (`layers init`).
//!
//! Every change follows the same steps, under an exclusive lock on the folder's
//! `.kvarter-import.lock` (a second import waits for the first, never interleaves):
//! 1. leftovers of an interrupted change (`.import-*.tmp`) are deleted;
//! 2. a new layer file, named by its id and checksum (`udsatte-byomraader-2025-3f2a…fgb`, so it
//!    never overwrites a file the manifest names), is written to a temporary name, fsynced and
//!    renamed into place;
//! 3. the new manifest — the layer entries and the history with this change appended — is
//!    written to a temporary name and fsynced, then loaded back in full (every file against its
//!    checksum) before it is used;
//! 4. one rename puts it over `layers.json`, and the folder is fsynced.
//!
//! Until step 4 the old manifest is in place and names only old files, all still there; after
//! it the new one is. A `kill -9` at any moment therefore leaves a folder that loads: the old
//! version or the new one, never a mix. Replaced and removed layers' files are kept, so
//! [`restore`] can bring them back and the history can name them.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::Path;

use kvarter_core::Layer;

use super::change::{self, Target};
use super::{Event, ImportError, Step};
use crate::dataset::{self, LoadError};
use crate::manifest::{self, Manifest, ManifestLayer};

pub use crate::manifest::HistoryEntry;

/// The lock file every change holds while it writes.
const LOCK_FILE: &str = ".kvarter-import.lock";

/// Temporary files start with this; leftovers are deleted under the lock.
const TEMP_PREFIX: &str = ".import-";

/// The folder's lock, held until dropped.
#[derive(Debug)]
struct FolderLock {
    _file: File,
}

/// Takes the folder's lock, waiting (and saying so through `on`) while another change holds it.
fn lock(dir: &Path, on: &mut dyn FnMut(Event)) -> Result<FolderLock, ImportError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(ImportError::io(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            on(Event::Waiting);
            file.lock().map_err(ImportError::io(&path))?;
        }
        Err(TryLockError::Error(source)) => return Err(ImportError::Io { path, source }),
    }
    remove_leftovers(dir)?;
    on(Event::Step(Step::Locked));
    Ok(FolderLock { _file: file })
}

/// Deletes temporary files an interrupted change left behind (only ever called under the lock).
fn remove_leftovers(dir: &Path) -> Result<(), ImportError> {
    for entry in fs::read_dir(dir).map_err(ImportError::io(dir))? {
        let entry = entry.map_err(ImportError::io(dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp") {
            let path = entry.path();
            fs::remove_file(&path).map_err(ImportError::io(&path))?;
        }
    }
    Ok(())
}

/// The folder's manifest and its bytes; a folder without one is refused with the way to make
/// one.
fn read_manifest(dir: &Path) -> Result<(Manifest, Vec<u8>), ImportError> {
    let path = dir.join(manifest::FILE_NAME);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImportError::Folder {
                reason: format!(
                    "{} is not a data folder (it has no {}); make one with `kvarter --data {} layers init`",
                    dir.display(),
                    manifest::FILE_NAME,
                    dir.display()
                ),
            });
        }
        Err(source) => return Err(ImportError::Io { path, source }),
    };
    let manifest = serde_json::from_slice(&bytes).map_err(|source| LoadError::BadManifest {
        origin: path.display().to_string(),
        source,
    })?;
    Ok((manifest, bytes))
}

/// Writes `bytes` to `dir/name` through a fsynced temporary file and a rename.
fn write_synced(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ImportError> {
    let temp = dir.join(format!("{TEMP_PREFIX}{}-{name}.tmp", std::process::id()));
    let target = dir.join(name);
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&temp)?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()
    };
    write().map_err(ImportError::io(&temp))?;
    fs::rename(&temp, &target).map_err(ImportError::io(&target))?;
    sync_dir(dir)
}

/// Fsyncs a folder, so renames in it survive a power cut.
fn sync_dir(dir: &Path) -> Result<(), ImportError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(ImportError::io(dir))
}

/// Switches the folder to `manifest` (steps 3 and 4): written beside the old one, loaded back
/// in full, renamed over it. Returns the new data version.
fn switch(
    dir: &Path,
    manifest: &Manifest,
    on: &mut dyn FnMut(Event),
) -> Result<String, ImportError> {
    let bytes = manifest.to_json().into_bytes();
    let staged_name = format!("{TEMP_PREFIX}{}-manifest.tmp", std::process::id());
    let staged = dir.join(&staged_name);
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&staged)?;
        std::io::Write::write_all(&mut file, &bytes)?;
        file.sync_all()
    };
    write().map_err(ImportError::io(&staged))?;
    // The staged manifest must load before it is used: every layer file there, every checksum
    // right.
    let check = dataset::load_dir_with_manifest(dir, &bytes, &staged.display().to_string());
    if let Err(error) = check {
        let _ = fs::remove_file(&staged);
        return Err(error.into());
    }
    on(Event::Step(Step::ManifestStaged));
    let target = dir.join(manifest::FILE_NAME);
    fs::rename(&staged, &target).map_err(ImportError::io(&target))?;
    sync_dir(dir)?;
    on(Event::Step(Step::Switched));
    Ok(manifest::data_version(&bytes))
}

/// A data folder as the [`Target`] of a change: its lock is held from [`Target::begin`] until
/// the folder is dropped.
#[derive(Debug)]
pub struct Folder<'a> {
    dir: &'a Path,
    lock: Option<FolderLock>,
    /// A layer file this change wrote that no manifest names yet: removed again if the switch
    /// fails.
    new_file: Option<String>,
}

impl<'a> Folder<'a> {
    /// The data folder `dir`; nothing is locked or read yet.
    pub fn new(dir: &'a Path) -> Self {
        Self {
            dir,
            lock: None,
            new_file: None,
        }
    }
}

impl Target for Folder<'_> {
    fn describe(&self) -> String {
        format!("the data folder {}", self.dir.display())
    }

    fn peek(&mut self) -> Result<Manifest, ImportError> {
        Ok(read_manifest(self.dir)?.0)
    }

    fn begin(&mut self, on: &mut dyn FnMut(Event)) -> Result<(Manifest, Vec<u8>), ImportError> {
        self.lock = Some(lock(self.dir, on)?);
        read_manifest(self.dir)
    }

    fn put_layer(
        &mut self,
        entry: &ManifestLayer,
        _layer: &Layer,
        bytes: &[u8],
    ) -> Result<(), ImportError> {
        // A file of that name already holds these bytes (a re-import of the same layer, a
        // restore): it stays whatever happens. A new one is removed again if the switch fails.
        if !self.dir.join(&entry.file).exists() {
            self.new_file = Some(entry.file.clone());
        }
        write_synced(self.dir, &entry.file, bytes)
    }

    fn check_layer(&mut self, entry: &ManifestLayer) -> Result<(), ImportError> {
        let path = self.dir.join(&entry.file);
        let bytes = fs::read(&path).map_err(|source| ImportError::Unknown {
            what: format!(
                "the file of that version, {}, cannot be read ({source}); it cannot be restored",
                path.display()
            ),
        })?;
        if manifest::sha256_hex(&bytes) != entry.sha256 {
            return Err(ImportError::Unknown {
                what: format!(
                    "{} has changed since it was replaced (its checksum differs); it cannot be restored",
                    path.display()
                ),
            });
        }
        Ok(())
    }

    fn switch(
        &mut self,
        manifest: &Manifest,
        on: &mut dyn FnMut(Event),
    ) -> Result<String, ImportError> {
        let switched = switch(self.dir, manifest, on);
        if switched.is_err()
            && let Some(file) = self.new_file.take()
        {
            let _ = fs::remove_file(self.dir.join(file));
        }
        self.lock = None;
        switched
    }
}

/// A data folder as the place a server's admin routes change layers in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderTargets(pub std::path::PathBuf);

impl change::Targets for FolderTargets {
    fn describe(&self) -> String {
        format!("the data folder {}", self.0.display())
    }

    fn open(&self) -> Result<Box<dyn Target + '_>, ImportError> {
        Ok(Box::new(Folder::new(&self.0)))
    }

    fn history(&self) -> Result<Vec<HistoryEntry>, ImportError> {
        history(&self.0)
    }
}

/// Removes the layer `id` from the data folder `dir` (see [`change::remove`]).
///
/// # Errors
/// As [`change::remove`].
pub fn remove(
    dir: &Path,
    id: &str,
    on: &mut dyn FnMut(Event),
) -> Result<HistoryEntry, ImportError> {
    change::remove(&mut Folder::new(dir), id, on)
}

/// Brings back a replaced or removed version of the layer `id` in the data folder `dir` (see
/// [`change::restore`]).
///
/// # Errors
/// As [`change::restore`].
pub fn restore(
    dir: &Path,
    id: &str,
    sha256: Option<&str>,
    on: &mut dyn FnMut(Event),
) -> Result<HistoryEntry, ImportError> {
    change::restore(&mut Folder::new(dir), id, sha256, on)
}

/// The folder's history, oldest first (`kvarter layers history`).
pub fn history(dir: &Path) -> Result<Vec<HistoryEntry>, ImportError> {
    Ok(read_manifest(dir)?.0.history)
}

/// Makes `dir` a data folder holding `files` (the embedded default dataset: names, with
/// `indicators/…` for the indicator files, and the manifest among them), the manifest last.
/// A folder that already has a manifest is refused.
pub fn init(
    dir: &Path,
    files: &[(&str, &[u8])],
    on: &mut dyn FnMut(Event),
) -> Result<String, ImportError> {
    fs::create_dir_all(dir).map_err(ImportError::io(dir))?;
    let _lock = lock(dir, on)?;
    if dir.join(manifest::FILE_NAME).exists() {
        return Err(ImportError::Folder {
            reason: format!(
                "{} is already a data folder (it has a {}); import into it, or choose an empty folder",
                dir.display(),
                manifest::FILE_NAME
            ),
        });
    }
    let manifest_bytes = files
        .iter()
        .find(|(name, _)| *name == manifest::FILE_NAME)
        .map(|(_, bytes)| *bytes)
        .ok_or_else(|| ImportError::Folder {
            reason: format!("the files to write have no {}", manifest::FILE_NAME),
        })?;
    for (name, bytes) in files
        .iter()
        .filter(|(name, _)| *name != manifest::FILE_NAME)
    {
        match name.strip_prefix("indicators/") {
            Some(plain) if manifest::is_plain_file_name(plain) => {
                let sub = dir.join(manifest::INDICATORS_DIR);
                fs::create_dir_all(&sub).map_err(ImportError::io(&sub))?;
                write_synced(&sub, plain, bytes)?;
            }
            None if manifest::is_plain_file_name(name) => write_synced(dir, name, bytes)?,
            _ => {
                return Err(ImportError::Folder {
                    reason: format!("{name:?} is not a file name a data folder may hold"),
                });
            }
        }
    }
    let manifest: Manifest =
        serde_json::from_slice(manifest_bytes).map_err(|source| LoadError::BadManifest {
            origin: manifest::FILE_NAME.to_owned(),
            source,
        })?;
    switch(dir, &manifest, on)
}

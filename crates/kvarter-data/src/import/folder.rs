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
use std::time::SystemTime;

use kvarter_core::LayerId;

use super::formats::Digest;
use super::read::Format;
use super::{Event, ImportError, Prepared, Step};
use crate::dataset::{self, LoadError};
use crate::fgb;
use crate::manifest::{self, Action, Manifest, ManifestLayer};

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

/// Refuses early (before reading a source) an import into a folder that is not a data folder,
/// or over an existing layer without `replace`.
pub(crate) fn check_target(dir: &Path, id: &LayerId, replace: bool) -> Result<(), ImportError> {
    let (manifest, _) = read_manifest(dir)?;
    if !replace && manifest.layers.iter().any(|l| &l.meta.id == id) {
        return Err(ImportError::Exists {
            layer: id.to_string(),
        });
    }
    Ok(())
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

/// The current time in UTC, RFC 3339 to the second.
fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The file name of a layer file: its id and the first 12 hex digits of its checksum.
fn file_name(id: &LayerId, sha256: &str) -> String {
    format!("{id}-{}.fgb", &sha256[..12])
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

/// Writes a prepared layer into the folder and switches the manifest to it; see the
/// [module docs](self).
pub(crate) fn commit(
    dir: &Path,
    prepared: &Prepared,
    origin: &str,
    format: Format,
    digest: &Digest,
    replace: bool,
    on: &mut dyn FnMut(Event),
) -> Result<(HistoryEntry, String), ImportError> {
    let _lock = lock(dir, on)?;
    let (mut manifest, old_bytes) = read_manifest(dir)?;
    let layer = &prepared.layer;
    let id = &layer.meta.id;
    let existing = manifest.layers.iter().position(|l| &l.meta.id == id);
    if existing.is_some() && !replace {
        return Err(ImportError::Exists {
            layer: id.to_string(),
        });
    }
    let bytes = fgb::write_layer(layer)?;
    let sha256 = manifest::sha256_hex(&bytes);
    let file = file_name(id, &sha256);
    // A file of that name already holds these bytes (a re-import of the same layer, a restore):
    // it stays whatever happens. A new one is removed again if the switch fails.
    let new_file = !dir.join(&file).exists();
    write_synced(dir, &file, &bytes)?;
    on(Event::Step(Step::FileWritten));
    let bounds = layer.bounds().ok_or_else(|| ImportError::Empty {
        origin: origin.to_owned(),
        reason: "the layer has no extent".into(),
    })?;
    let entry = ManifestLayer {
        meta: layer.meta.clone(),
        file: file.clone(),
        geometry: prepared.geometry,
        feature_count: layer.areas.len(),
        bounds,
        total_area_m2: (layer.areas.iter().filter_map(|a| a.area_m2).sum::<f64>() * 100.0).round()
            / 100.0,
        sha256,
    };
    let replaced = put(&mut manifest, existing, &entry);
    let history = HistoryEntry {
        at: now(),
        action: if replaced.is_some() {
            Action::Replace
        } else {
            Action::Import
        },
        layer: id.to_string(),
        source: Some(origin.to_owned()),
        format: Some(format.name().to_owned()),
        source_sha256: Some(digest.sha256.clone()),
        entry,
        replaced,
        previous_data_version: manifest::data_version(&old_bytes),
    };
    manifest.history.push(history.clone());
    let data_version = switch(dir, &manifest, on).inspect_err(|_| {
        if new_file {
            let _ = fs::remove_file(dir.join(&file));
        }
    })?;
    Ok((history, data_version))
}

/// Puts `entry` at `existing` (returning the entry it replaces) or, for a new layer, where
/// [`insert_position`] says.
fn put(
    manifest: &mut Manifest,
    existing: Option<usize>,
    entry: &ManifestLayer,
) -> Option<ManifestLayer> {
    if let Some(at) = existing {
        Some(std::mem::replace(&mut manifest.layers[at], entry.clone()))
    } else {
        let at = insert_position(manifest, entry);
        manifest.layers.insert(at, entry.clone());
        None
    }
}

/// Where a new layer goes in the list: after the last layer of its kind (designations stay
/// together, in the order they were imported), or at the end.
fn insert_position(manifest: &Manifest, entry: &ManifestLayer) -> usize {
    manifest
        .layers
        .iter()
        .rposition(|l| l.meta.kind == entry.meta.kind)
        .map_or(manifest.layers.len(), |at| at + 1)
}

/// Removes the layer `id` from the folder's manifest (`kvarter layers remove`). Its file stays,
/// named in the history, so [`restore`] can bring it back. A layer an indicator table is joined
/// to is refused.
pub fn remove(
    dir: &Path,
    id: &str,
    on: &mut dyn FnMut(Event),
) -> Result<HistoryEntry, ImportError> {
    let _lock = lock(dir, on)?;
    let (mut manifest, old_bytes) = read_manifest(dir)?;
    let at = manifest
        .layers
        .iter()
        .position(|l| l.meta.id.as_str() == id)
        .ok_or_else(|| ImportError::Unknown {
            what: format!(
                "the data folder has no layer {id:?} (it has: {})",
                manifest
                    .layers
                    .iter()
                    .map(|l| l.meta.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    if let Some(table) = manifest.tables.iter().find(|t| t.geography == id) {
        return Err(ImportError::InUse {
            layer: id.to_owned(),
            table: table.dataset.clone(),
        });
    }
    let entry = manifest.layers.remove(at);
    let history = HistoryEntry {
        at: now(),
        action: Action::Remove,
        layer: id.to_owned(),
        source: None,
        format: None,
        source_sha256: None,
        entry,
        replaced: None,
        previous_data_version: manifest::data_version(&old_bytes),
    };
    manifest.history.push(history.clone());
    switch(dir, &manifest, on)?;
    Ok(history)
}

/// Brings back a version of the layer `id` that an import replaced or a remove took out
/// (`kvarter layers restore ID [--sha256 PREFIX]`): by default the latest; with `sha256`, the
/// one whose file checksum starts with it. The file must still be in the folder with its
/// checksum. The version it puts aside is kept in turn.
pub fn restore(
    dir: &Path,
    id: &str,
    sha256: Option<&str>,
    on: &mut dyn FnMut(Event),
) -> Result<HistoryEntry, ImportError> {
    let _lock = lock(dir, on)?;
    let (mut manifest, old_bytes) = read_manifest(dir)?;
    let current = manifest
        .layers
        .iter()
        .position(|l| l.meta.id.as_str() == id);
    let current_sha = current.map(|at| manifest.layers[at].sha256.clone());
    // Candidates: every version the history put aside, newest first, but not the one in use.
    let candidate = manifest
        .history
        .iter()
        .rev()
        .filter(|h| h.layer == id)
        .filter_map(|h| match h.action {
            Action::Remove => Some(&h.entry),
            Action::Replace | Action::Restore => h.replaced.as_ref(),
            Action::Import => None,
        })
        .filter(|e| Some(&e.sha256) != current_sha.as_ref())
        .find(|e| sha256.is_none_or(|prefix| e.sha256.starts_with(prefix)))
        .cloned()
        .ok_or_else(|| ImportError::Unknown {
            what: format!(
                "the history of {id:?} has no replaced or removed version{} to restore (see `kvarter layers history`)",
                sha256.map(|p| format!(" with checksum {p}…")).unwrap_or_default()
            ),
        })?;
    let path = dir.join(&candidate.file);
    let bytes = fs::read(&path).map_err(|source| ImportError::Unknown {
        what: format!(
            "the file of that version, {}, cannot be read ({source}); it cannot be restored",
            path.display()
        ),
    })?;
    if manifest::sha256_hex(&bytes) != candidate.sha256 {
        return Err(ImportError::Unknown {
            what: format!(
                "{} has changed since it was replaced (its checksum differs); it cannot be restored",
                path.display()
            ),
        });
    }
    let replaced = put(&mut manifest, current, &candidate);
    let history = HistoryEntry {
        at: now(),
        action: Action::Restore,
        layer: id.to_owned(),
        source: None,
        format: None,
        source_sha256: None,
        entry: candidate,
        replaced,
        previous_data_version: manifest::data_version(&old_bytes),
    };
    manifest.history.push(history.clone());
    switch(dir, &manifest, on)?;
    Ok(history)
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

//! Changing the layers of a store — a data folder ([`super::folder`]) or a database (the
//! `kvarter-pgstore` crate) — one way: the import's write, `layers remove` and `layers restore`
//! decide here what the new manifest is and what its history records, and the [`Target`] only
//! keeps things.
//!
//! A change is one session of a target: [`Target::begin`] takes the target's exclusive lock (a
//! second change waits) and reads the manifest in force; [`Target::put_layer`] keeps a new
//! layer version beside the old ones; [`Target::switch`] loads the new manifest back in full and
//! puts it in force, in one step. Until that step the old manifest is in force and names only
//! what was there before, so a change that fails — or a process killed — at any moment leaves
//! the old data loading as before.

use std::time::SystemTime;

use kvarter_core::{Layer, LayerId};

use super::formats::Digest;
use super::read::Format;
use super::{Event, ImportError, Prepared, Step};
use crate::fgb;
use crate::manifest::{self, Action, HistoryEntry, Manifest, ManifestLayer};

/// Where layers are kept: a data folder or a database.
pub trait Target {
    /// The target in words, for messages: `the data folder /srv/kvarter`.
    fn describe(&self) -> String;

    /// The manifest in force, read without the lock: for the checks made before a long read of
    /// the source (they are made again under the lock).
    ///
    /// # Errors
    /// When the target cannot be read.
    fn peek(&mut self) -> Result<Manifest, ImportError>;

    /// Takes the target's exclusive lock (waiting, and saying so through `on`, while another
    /// change holds it) and reads the manifest in force, with its bytes.
    ///
    /// # Errors
    /// When the target cannot be locked or read.
    fn begin(&mut self, on: &mut dyn FnMut(Event)) -> Result<(Manifest, Vec<u8>), ImportError>;

    /// Keeps the layer version `entry` names — `layer`'s features, whose FlatGeobuf encoding is
    /// `bytes` — beside the others, unless it is kept already.
    ///
    /// # Errors
    /// When it cannot be written.
    fn put_layer(
        &mut self,
        entry: &ManifestLayer,
        layer: &Layer,
        bytes: &[u8],
    ) -> Result<(), ImportError>;

    /// Checks that the layer version `entry` names is still kept, unchanged (before a restore
    /// puts it back).
    ///
    /// # Errors
    /// [`ImportError::Unknown`] saying why it cannot be restored.
    fn check_layer(&mut self, entry: &ManifestLayer) -> Result<(), ImportError>;

    /// Loads `manifest` back in full — every layer and file it lists, against its checksum —
    /// and puts it in force in one step; ends the session. Returns the new data version.
    ///
    /// # Errors
    /// When the manifest does not load, or cannot be put in force; then the old one stays.
    fn switch(
        &mut self,
        manifest: &Manifest,
        on: &mut dyn FnMut(Event),
    ) -> Result<String, ImportError>;
}

/// Where a server changes layers (its admin routes): a new [`Target`] session for each change.
pub trait Targets: Send + Sync + std::fmt::Debug {
    /// The place in words: `the data folder /srv/kvarter`, `the store postgres://…`.
    fn describe(&self) -> String;

    /// A new session for one change.
    ///
    /// # Errors
    /// When the place cannot be reached.
    fn open(&self) -> Result<Box<dyn Target + '_>, ImportError>;

    /// What was imported, replaced, removed and restored, oldest first.
    ///
    /// # Errors
    /// When the place cannot be read.
    fn history(&self) -> Result<Vec<HistoryEntry>, ImportError>;
}

/// The current time in UTC, RFC 3339 to the second.
fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// The file name of a layer version: its id and the first 12 hex digits of its checksum.
fn file_name(id: &LayerId, sha256: &str) -> String {
    format!("{id}-{}.fgb", &sha256[..12])
}

/// Refuses a layer that exists when `replace` is not given.
pub(crate) fn check_new(
    manifest: &Manifest,
    id: &LayerId,
    replace: bool,
) -> Result<(), ImportError> {
    if !replace && manifest.layers.iter().any(|l| &l.meta.id == id) {
        return Err(ImportError::Exists {
            layer: id.to_string(),
        });
    }
    Ok(())
}

/// Writes a prepared layer into `target` and switches the manifest to it. Returns the history
/// entry and the new data version.
pub(crate) fn commit(
    target: &mut dyn Target,
    prepared: &Prepared,
    origin: &str,
    format: Format,
    digest: &Digest,
    replace: bool,
    on: &mut dyn FnMut(Event),
) -> Result<(HistoryEntry, String), ImportError> {
    let (mut manifest, old_bytes) = target.begin(on)?;
    let layer = &prepared.layer;
    let id = &layer.meta.id;
    check_new(&manifest, id, replace)?;
    let existing = manifest.layers.iter().position(|l| &l.meta.id == id);
    let bytes = fgb::write_layer(layer)?;
    let sha256 = manifest::sha256_hex(&bytes);
    let bounds = layer.bounds().ok_or_else(|| ImportError::Empty {
        origin: origin.to_owned(),
        reason: "the layer has no extent".into(),
    })?;
    let entry = ManifestLayer {
        meta: layer.meta.clone(),
        file: file_name(id, &sha256),
        geometry: prepared.geometry,
        feature_count: layer.areas.len(),
        bounds,
        total_area_m2: (layer.areas.iter().filter_map(|a| a.area_m2).sum::<f64>() * 100.0).round()
            / 100.0,
        sha256,
    };
    target.put_layer(&entry, layer, &bytes)?;
    on(Event::Step(Step::FileWritten));
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
    let data_version = target.switch(&manifest, on)?;
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

/// Removes the layer `id` from `target`'s manifest (`kvarter layers remove`). Its version stays
/// kept, named in the history, so [`restore`] can bring it back. A layer an indicator table is
/// joined to is refused.
///
/// # Errors
/// When there is no such layer, a table is joined to it, or the target cannot be changed.
pub fn remove(
    target: &mut dyn Target,
    id: &str,
    on: &mut dyn FnMut(Event),
) -> Result<HistoryEntry, ImportError> {
    let (mut manifest, old_bytes) = target.begin(on)?;
    let at = manifest
        .layers
        .iter()
        .position(|l| l.meta.id.as_str() == id)
        .ok_or_else(|| ImportError::Unknown {
            what: format!(
                "{} has no layer {id:?} (it has: {})",
                target.describe(),
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
    target.switch(&manifest, on)?;
    Ok(history)
}

/// Brings back a version of the layer `id` that an import replaced or a remove took out
/// (`kvarter layers restore ID [--sha256 PREFIX]`): by default the latest; with `sha256`, the
/// one whose checksum starts with it. The version must still be kept, unchanged. The version it
/// puts aside is kept in turn.
///
/// # Errors
/// When the history has no such version, it is no longer kept, or the target cannot be changed.
pub fn restore(
    target: &mut dyn Target,
    id: &str,
    sha256: Option<&str>,
    on: &mut dyn FnMut(Event),
) -> Result<HistoryEntry, ImportError> {
    let (mut manifest, old_bytes) = target.begin(on)?;
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
    target.check_layer(&candidate)?;
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
    target.switch(&manifest, on)?;
    Ok(history)
}

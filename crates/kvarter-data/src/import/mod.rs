//! Importing a layer into a data folder (`kvarter layers import`, and later the admin API):
//! the official designation and state-list layers come in from the files planners have.
//!
//! The steps, in [`import`]:
//! 1. **read** the source in its format ([`read`]: GeoJSON, FlatGeobuf, Shapefile, zipped
//!    Shapefile, GeoPackage, CSV with WKT, or a WFS paged with `count`/`startIndex`) into
//!    features in the file's own coordinates and the CRS the file declares;
//! 2. **prepare** the layer ([`prepare`]): pick the CRS (the file's, or `--crs`; EPSG:4326,
//!    EPSG:25832 or EPSG:3857), convert to lon/lat and refuse coordinates that do not fall in
//!    Denmark (swapped axes, a wrong CRS) with what was found; validate and repair every
//!    geometry with the data build's own code ([`crate::repair`]); take ids, names and parents
//!    from the named fields; refuse an empty layer, duplicate ids or a missing name, naming the
//!    feature; measure areas in EPSG:25832;
//! 3. **write** it ([`folder`]): under the folder's lock, the new FlatGeobuf (named by its
//!    checksum, so it never overwrites a file) and the new manifest are written beside the old
//!    ones and fsynced, the new manifest is loaded back in full, and one rename switches the
//!    folder to it; the manifest's history records the change, so record and change are one. A failure or a `kill -9` at any
//!    moment leaves the old manifest, which names only old files, so the folder loads as before.
//!
//! The metadata the API and legends show (title, kind, authority, source, vintage, licence,
//! status) comes from the caller and is never guessed; the status is `imported` unless the
//! importer states `official`.

pub mod change;
mod csv_wkt;
mod dbf;
pub mod folder;
mod formats;
mod gpkg;
pub mod read;
mod request;
mod shp;
mod shp_zip;
#[cfg(feature = "wfs")]
pub mod wfs;
mod wkb;

#[cfg(test)]
mod fixtures;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use geo::{Coord, Geometry, MapCoords};
use kvarter_core::{Area, Layer, LayerMeta, Properties, Status};
use kvarter_crs::{self as crs, Crs};
use serde_json::Value;

use crate::dataset::LoadError;
use crate::fgb::{self, FgbError};
use crate::manifest::GeometryKind;
use crate::names::text_of;
use crate::repair::{self, RepairError};
use crate::source::SourceFeature;

pub use change::{Target, Targets};
pub use folder::{HistoryEntry, history, init, remove, restore};
pub use read::{Declared, Format, RawFile, ReadError, ReadOptions};
pub use request::ImportRequest;

/// Lon/lat bounds every imported coordinate must fall in: Denmark with its waters, Bornholm
/// and Christiansø included (west, south, east, north).
pub const DENMARK: [f64; 4] = [7.5, 54.4, 15.7, 58.0];

/// The columns every layer file has (see [`crate::fgb`]); a source attribute of the same name
/// is kept as `source_<name>`.
const FIXED_COLUMNS: [&str; 4] = ["fid", "name", "parent", "area_m2"];

/// Where a layer comes from: a file, or a WFS `GetFeature` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file (or, for a Shapefile, its `.shp`).
    File(PathBuf),
    /// A WFS `GetFeature` URL (`http://` or `https://`).
    Wfs(String),
}

impl Source {
    /// A URL starting `http://` or `https://` is a WFS; anything else a path.
    pub fn parse(text: &str) -> Self {
        let lower = text.trim_start().to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Self::Wfs(text.trim().to_owned())
        } else {
            Self::File(PathBuf::from(text))
        }
    }

    /// The source in messages and the history.
    pub fn describe(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Wfs(url) => url.clone(),
        }
    }
}

/// Which source attributes hold the id, the name and the parent of each area.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// The id attribute; without one, the features' own ids (GeoJSON `id`, GeoPackage `fid`),
    /// else their position in the file counted from 1.
    pub id: Option<String>,
    /// The name attribute; every feature must have one.
    pub name: Option<String>,
    /// The parent attribute (the byområde of a delområde); a feature may lack it.
    pub parent: Option<String>,
}

/// What to import, besides the source.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// The layer's metadata: id, title, kind, authority, policy, period, status, source,
    /// licence. The status must be `official` or `imported`.
    pub meta: LayerMeta,
    /// Which attributes are ids, names and parents.
    pub fields: Fields,
    /// The CRS to read the coordinates in, overriding what the file declares.
    pub crs: Option<Crs>,
    /// Format-specific reading options (the GeoPackage table, the CSV's WKT column).
    pub read: ReadOptions,
    /// Replace a layer with the same id (its files are kept; see [`restore`]).
    pub replace: bool,
}

/// What an import reports as it goes: for a progress bar, and as hooks for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Another import holds the folder's lock; this one waits for it.
    Waiting,
    /// A WFS page arrived: features so far, and how many the server says match.
    Page {
        /// Features read so far.
        features: usize,
        /// `numberMatched`, when the server gives it.
        matched: Option<u64>,
    },
    /// Features converted and repaired so far, of all.
    Prepared {
        /// Done.
        done: usize,
        /// All.
        total: usize,
    },
    /// A step of the write finished (see [`folder`]).
    Step(Step),
}

/// The steps of an import, in order. A `kill -9` after any of them leaves a loadable folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The source was read.
    Read,
    /// The layer was prepared (converted, repaired, measured).
    Prepared,
    /// The lock was taken.
    Locked,
    /// The new FlatGeobuf is in the folder (fsynced), not yet in the manifest.
    FileWritten,
    /// The new manifest is written beside the old one (fsynced) and loads.
    ManifestStaged,
    /// The new manifest, with the change in its history, replaced the old one.
    Switched,
}

impl Step {
    /// The step's name, as the test hook `KVARTER_IMPORT_PAUSE` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Prepared => "prepared",
            Self::Locked => "locked",
            Self::FileWritten => "file-written",
            Self::ManifestStaged => "manifest-staged",
            Self::Switched => "switched",
        }
    }
}

/// Why an import (or a remove, restore or init) failed. The data folder or store is unchanged
/// when it does.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The source's CRS cannot be used.
    #[error("{origin}: {reason}")]
    Crs {
        /// The source.
        origin: String,
        /// What was found, and what to do.
        reason: String,
    },
    /// A coordinate does not fall in Denmark in the CRS it was read in.
    #[error(
        "{origin}: feature {feature}: read as EPSG:{epsg}, the coordinate ({x}, {y}) lies at lon {lon:.4}, lat {lat:.4}, outside Denmark{hint}"
    )]
    OutsideDenmark {
        /// The source.
        origin: String,
        /// The feature (`#index`, with its id when known).
        feature: String,
        /// The CRS it was read in.
        epsg: u32,
        /// The coordinate as the file has it.
        x: f64,
        /// The coordinate as the file has it.
        y: f64,
        /// Where that is in lon/lat (NaN when it could not be converted at all).
        lon: f64,
        /// Where that is in lon/lat.
        lat: f64,
        /// What probably happened (swapped axes, another CRS), starting with `: `.
        hint: String,
    },
    /// A feature's geometry is not an area (or, for a base map, a line), or cannot be repaired.
    #[error("{origin}: feature {feature}: {source}")]
    Geometry {
        /// The source.
        origin: String,
        /// The feature.
        feature: String,
        /// Why.
        #[source]
        source: RepairError,
    },
    /// A feature lacks the id, name or parent attribute asked for.
    #[error(
        "{origin}: feature {feature} has no usable {field:?} attribute (the features have: {available})"
    )]
    MissingField {
        /// The source.
        origin: String,
        /// The feature.
        feature: String,
        /// The attribute.
        field: String,
        /// The attributes the first feature has.
        available: String,
    },
    /// Two features share an id.
    #[error(
        "{origin}: features #{first} and #{second} both have the id {id:?}; area ids must be unique (choose another --id-field)"
    )]
    DuplicateId {
        /// The source.
        origin: String,
        /// The id.
        id: String,
        /// The first feature with it.
        first: usize,
        /// The second.
        second: usize,
    },
    /// Nothing usable is left.
    #[error("{origin}: no usable areas ({reason})")]
    Empty {
        /// The source.
        origin: String,
        /// Why (no features, all geometries null).
        reason: String,
    },
    /// The metadata is not acceptable for an import.
    #[error("layer {layer}: {reason}")]
    Metadata {
        /// The layer.
        layer: String,
        /// What is wrong.
        reason: String,
    },
    /// The layer exists and `--replace` was not given.
    #[error(
        "there is already a layer {layer}; give --replace to replace it (its version is kept and `layers restore` brings it back)"
    )]
    Exists {
        /// The layer.
        layer: String,
    },
    /// The layer (or the version to restore) is not there.
    #[error("{what}")]
    Unknown {
        /// What was looked for, in words.
        what: String,
    },
    /// The layer cannot be removed: an indicator table is joined to it.
    #[error("layer {layer} is the geography of the indicator table {table}; it cannot be removed")]
    InUse {
        /// The layer.
        layer: String,
        /// The table's dataset id.
        table: String,
    },
    /// The folder is not a data folder (or already is one, for `init`).
    #[error("{reason}")]
    Folder {
        /// What is wrong, with the path.
        reason: String,
    },
    /// The folder's current data does not load (so an import would not either).
    #[error("the data does not load")]
    Load(#[from] LoadError),
    /// Encoding the layer failed.
    #[error(transparent)]
    Fgb(#[from] FgbError),
    /// The database the layers are kept in failed: unreachable, or a statement refused (the
    /// cause names the database).
    #[error(transparent)]
    Store(Box<dyn std::error::Error + Send + Sync>),
    /// A file could not be written or read.
    #[error("cannot write {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl ImportError {
    /// An I/O error at `path`.
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// A layer ready to be written, and what was done to its features.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The layer, in lon/lat, areas in id order.
    pub layer: Layer,
    /// Areas or lines.
    pub geometry: GeometryKind,
    /// The CRS the coordinates were read in.
    pub crs: Crs,
    /// What was done, feature by feature.
    pub report: FeatureReport,
}

/// What the import did to the source's features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureReport {
    /// Features read.
    pub read: usize,
    /// Areas written.
    pub written: usize,
    /// Features left out, with the reason (null geometries).
    pub dropped: Vec<(String, String)>,
    /// Features repaired, with what was done.
    pub repaired: Vec<(String, Vec<String>)>,
    /// Notes on the whole layer (how ids were taken, renamed attributes, the CRS).
    pub notes: Vec<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// The source, as given.
    pub source: String,
    /// The format it was read as.
    pub format: Format,
    /// SHA-256 of the source's bytes (a WFS: of its pages, in order).
    pub source_sha256: String,
    /// Bytes read from the source.
    pub source_bytes: u64,
    /// The layer's history entry (its manifest entry with file and checksum, the entry it
    /// replaced, the data version before).
    pub entry: HistoryEntry,
    /// The folder's data version after the import.
    pub data_version: String,
    /// What was done to the features.
    pub features: FeatureReport,
    /// Wall-clock time of the whole import.
    pub elapsed: Duration,
}

impl FeatureReport {
    /// `read 17, written 17, dropped 0, repaired 3`.
    pub fn counts(&self) -> String {
        format!(
            "read {}, written {}, dropped {}, repaired {}",
            self.read,
            self.written,
            self.dropped.len(),
            self.repaired.len()
        )
    }
}

impl ImportReport {
    /// The per-feature report as text (`--report FILE`).
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "# Kvarter layer import report\nlayer: {}\nsource: {} ({})\nsource sha256: {}\nfile: {} (sha256 {})\ndata version: {} -> {}\n",
            self.entry.layer,
            self.source,
            self.format,
            self.source_sha256,
            self.entry.entry.file,
            self.entry.entry.sha256,
            self.entry.previous_data_version,
            self.data_version,
        );
        let f = &self.features;
        let _ = writeln!(out, "{}", f.counts());
        for note in &f.notes {
            let _ = writeln!(out, "note: {note}");
        }
        for (id, reason) in &f.dropped {
            let _ = writeln!(out, "dropped {id}: {reason}");
        }
        for (id, repairs) in &f.repaired {
            let _ = writeln!(out, "repaired {id}: {}", repairs.join("; "));
        }
        out
    }

    /// Features read per second.
    pub fn features_per_second(&self) -> f64 {
        self.features.read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Imports `source` into the data folder `dir` as one layer; see the [module docs](self).
/// `on` hears of progress and of each step done.
///
/// # Errors
/// See [`ImportError`]; the folder is unchanged when there is one.
pub fn import(
    dir: &Path,
    source: &Source,
    options: &ImportOptions,
    on: &mut dyn FnMut(Event),
) -> Result<ImportReport, ImportError> {
    import_into(&mut folder::Folder::new(dir), source, options, on)
}

/// Imports `source` into `target` — a data folder or a database — as one layer; see the
/// [module docs](self). `on` hears of progress and of each step done.
///
/// # Errors
/// See [`ImportError`]; the target is unchanged when there is one.
pub fn import_into(
    target: &mut dyn Target,
    source: &Source,
    options: &ImportOptions,
    on: &mut dyn FnMut(Event),
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    check_meta(&options.meta)?;
    // Fail fast, before a long read; checked again under the lock.
    change::check_new(&target.peek()?, &options.meta.id, options.replace)?;
    let (raw, digest) = formats::read_source(source, &options.read, on)?;
    on(Event::Step(Step::Read));
    let format = raw.format;
    let origin = raw.origin.clone();
    let prepared = prepare(raw, options, on)?;
    on(Event::Step(Step::Prepared));
    let (entry, data_version) = change::commit(
        target,
        &prepared,
        &origin,
        format,
        &digest,
        options.replace,
        on,
    )?;
    Ok(ImportReport {
        source: source.describe(),
        format,
        source_sha256: digest.sha256,
        source_bytes: digest.bytes,
        entry,
        data_version,
        features: prepared.report,
        elapsed: started.elapsed(),
    })
}

/// Reads `source` in its format without importing it: what [`import`] reads before
/// [`prepare`] (the fuzz targets drive the readers through it).
pub fn read_source(source: &Source, options: &ReadOptions) -> Result<RawFile, ImportError> {
    Ok(formats::read_source(source, options, &mut |_| {})?.0)
}

/// The metadata an import may write: `official` or `imported` only (a reconstruction is built
/// by the data build, synthetic data by tests), with every provenance field filled in.
///
/// # Errors
/// [`ImportError::Metadata`] naming what is missing or not allowed.
pub fn check_meta(meta: &LayerMeta) -> Result<(), ImportError> {
    let wrong = |reason: String| ImportError::Metadata {
        layer: meta.id.to_string(),
        reason,
    };
    if !matches!(meta.status, Status::Official | Status::Imported) {
        return Err(wrong(format!(
            "an import's status is official or imported, not {}",
            meta.status
        )));
    }
    let required = [
        ("title (Danish)", &meta.title.da),
        ("title (English)", &meta.title.en),
        ("authority", &meta.authority),
        ("source publisher", &meta.source.publisher),
        ("source URL", &meta.source.origin),
        ("vintage", &meta.source.vintage),
        ("licence", &meta.licence),
    ];
    if let Some((name, _)) = required.iter().find(|(_, value)| value.trim().is_empty()) {
        return Err(wrong(format!("the {name} is required and empty")));
    }
    if meta.kind.is_designation() && meta.valid_from.is_none() {
        return Err(wrong(
            "a designation needs the first day it is in force (--valid-from): the map and lookups place it in time by it".into(),
        ));
    }
    if let (Some(from), Some(to)) = (meta.valid_from, meta.valid_to)
        && to <= from
    {
        return Err(wrong(format!(
            "valid_to {to} is not after valid_from {from}"
        )));
    }
    Ok(())
}

/// Converts, checks and repairs a source's features into a layer with `options`' metadata.
pub fn prepare(
    raw: RawFile,
    options: &ImportOptions,
    on: &mut dyn FnMut(Event),
) -> Result<Prepared, ImportError> {
    let origin = raw.origin.clone();
    let mut report = FeatureReport {
        read: raw.features.len(),
        ..FeatureReport::default()
    };
    let crs = choose_crs(&raw, options.crs, &mut report)?;
    if raw.features.is_empty() {
        return Err(ImportError::Empty {
            origin,
            reason: "the source has no features".into(),
        });
    }
    let geometry = geometry_kind(&raw, options)?;
    let available = available_fields(&raw.features);
    check_parent_field(&raw, &options.fields, &available)?;
    let ids = Ids::new(&raw.features, &options.fields, &mut report);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut areas = Vec::with_capacity(raw.features.len());
    let total = raw.features.len();
    for (done, feature) in raw.features.into_iter().enumerate() {
        if done % 256 == 0 {
            on(Event::Prepared { done, total });
        }
        let id = ids.id(&feature).ok_or_else(|| ImportError::MissingField {
            origin: origin.clone(),
            feature: format!("#{}", feature.index),
            field: options.fields.id.clone().unwrap_or_default(),
            available: available.clone(),
        })?;
        let label = format!("#{} (id {id})", feature.index);
        if let Some(first) = seen.insert(id.clone(), feature.index) {
            return Err(ImportError::DuplicateId {
                origin,
                id,
                first,
                second: feature.index,
            });
        }
        let name = match &options.fields.name {
            Some(field) => Some(text_of(feature.properties.get(field)).ok_or_else(|| {
                ImportError::MissingField {
                    origin: origin.clone(),
                    feature: label.clone(),
                    field: field.clone(),
                    available: available.clone(),
                }
            })?),
            None => None,
        };
        let parent = options
            .fields
            .parent
            .as_ref()
            .and_then(|field| text_of(feature.properties.get(field)));
        let Some(shape) = feature.geometry else {
            report.dropped.push((id, RepairError::Null.to_string()));
            continue;
        };
        let (shape, area_m2, repairs) = converted(
            &shape,
            crs,
            geometry,
            feature.unclosed_rings,
            &origin,
            &label,
        )?;
        if !repairs.is_empty() {
            report.repaired.push((id.clone(), repairs));
        }
        areas.push(Area {
            id,
            name,
            parent,
            area_m2,
            properties: kept_properties(feature.properties, &mut report),
            geometry: shape,
        });
    }
    on(Event::Prepared { done: total, total });
    if areas.is_empty() {
        return Err(ImportError::Empty {
            origin,
            reason: format!("all {total} features have no geometry"),
        });
    }
    report.notes.sort();
    report.notes.dedup();
    report.written = areas.len();
    areas.sort_by(|a, b| fgb::id_order(&a.id, &b.id));
    report.repaired.sort_by(|a, b| fgb::id_order(&a.0, &b.0));
    Ok(Prepared {
        layer: Layer {
            meta: options.meta.clone(),
            areas,
        },
        geometry,
        crs,
        report,
    })
}

/// A geometry in lon/lat, its area in m² (areas only) and the repairs made.
type Converted = (Geometry<f64>, Option<f64>, Vec<String>);

/// A feature's geometry in lon/lat, repaired, with its area in m² (areas only) and the repairs
/// made.
fn converted(
    shape: &Geometry<f64>,
    crs: Crs,
    kind: GeometryKind,
    unclosed_rings: usize,
    origin: &str,
    label: &str,
) -> Result<Converted, ImportError> {
    let shape = to_lon_lat(shape, crs, origin, label)?;
    let geometry_error = |source| ImportError::Geometry {
        origin: origin.to_owned(),
        feature: label.to_owned(),
        source,
    };
    match kind {
        GeometryKind::Areas => {
            let (shape, repairs) =
                repair::repair_polygonal(Some(shape), unclosed_rings).map_err(geometry_error)?;
            let m2 = crs::area_m2(&shape)
                .map_err(|e| geometry_error(RepairError::Unrepairable(e.to_string())))?;
            let repairs = repairs.iter().map(ToString::to_string).collect();
            Ok((shape.into(), Some((m2 * 100.0).round() / 100.0), repairs))
        }
        GeometryKind::Lines => {
            let (lines, repairs) = repair::repair_linear(Some(shape)).map_err(geometry_error)?;
            let repairs = repairs.iter().map(ToString::to_string).collect();
            Ok((lines.into(), None, repairs))
        }
    }
}

/// The CRS to read the coordinates in: `--crs` when given, else the file's. GeoJSON without a
/// `crs` member is lon/lat (RFC 7946); other formats without one need `--crs`.
fn choose_crs(
    raw: &RawFile,
    given: Option<Crs>,
    report: &mut FeatureReport,
) -> Result<Crs, ImportError> {
    let refuse = |reason: String| ImportError::Crs {
        origin: raw.origin.clone(),
        reason,
    };
    let supported = "Kvarter reads EPSG:4326, EPSG:25832 and EPSG:3857";
    match (&raw.crs, given) {
        (Declared::Crs(file), Some(given)) if *file != given => {
            report.notes.push(format!(
                "the file declares EPSG:{}; read as EPSG:{} as --crs says",
                file.epsg(),
                given.epsg()
            ));
            Ok(given)
        }
        (_, Some(given)) => Ok(given),
        (Declared::Crs(file), None) => Ok(*file),
        (Declared::Unsupported(name), None) => Err(refuse(format!(
            "the file declares the CRS {name:?}; {supported} (reproject it, e.g. ogr2ogr -t_srs EPSG:25832, or give --crs if the declaration is wrong)"
        ))),
        (Declared::Missing, None) => match raw.format {
            Format::GeoJson | Format::Wfs => Ok(Crs::Wgs84),
            format => Err(refuse(format!(
                "the {format} declares no CRS; give --crs (EPSG:25832 for the city's own files, EPSG:4326 for lon/lat)"
            ))),
        },
    }
}

/// A parent may be missing on some features, but not on all: that is a misspelt field.
fn check_parent_field(raw: &RawFile, fields: &Fields, available: &str) -> Result<(), ImportError> {
    match &fields.parent {
        Some(field)
            if !raw
                .features
                .iter()
                .any(|f| f.properties.contains_key(field)) =>
        {
            Err(ImportError::MissingField {
                origin: raw.origin.clone(),
                feature: "#0 (nor does any other feature)".into(),
                field: field.clone(),
                available: available.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

/// Areas, unless the layer is a base map whose first geometry is a line. Points, and lines in
/// any other layer, are refused by feature.
fn geometry_kind(raw: &RawFile, options: &ImportOptions) -> Result<GeometryKind, ImportError> {
    let first = raw
        .features
        .iter()
        .find_map(|f| f.geometry.as_ref().map(|g| (f, g)));
    let Some((feature, shape)) = first else {
        return Ok(GeometryKind::Areas);
    };
    let lines = matches!(
        shape,
        Geometry::LineString(_) | Geometry::MultiLineString(_)
    );
    let base_map = options.meta.kind == kvarter_core::LayerKind::BaseMap;
    match shape {
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => Ok(GeometryKind::Areas),
        _ if lines && base_map => Ok(GeometryKind::Lines),
        other => Err(ImportError::Geometry {
            origin: raw.origin.clone(),
            feature: format!("#{}", feature.index),
            source: RepairError::NotPolygonal(geometry_name(other)),
        }),
    }
}

fn geometry_name(shape: &Geometry<f64>) -> &'static str {
    match shape {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

/// The attribute names of the first feature, for messages.
fn available_fields(features: &[SourceFeature]) -> String {
    let names: Vec<&str> = features
        .first()
        .map(|f| f.properties.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// How area ids are taken.
enum Ids<'a> {
    /// From this attribute.
    Field(&'a str),
    /// The features' own ids.
    Native,
    /// Position in the file, from 1.
    Position,
}

impl<'a> Ids<'a> {
    fn new(features: &[SourceFeature], fields: &'a Fields, report: &mut FeatureReport) -> Self {
        if let Some(field) = &fields.id {
            return Self::Field(field);
        }
        if features.iter().all(|f| f.native_id.is_some()) {
            report
                .notes
                .push("area ids are the features' own ids (no --id-field)".into());
            Self::Native
        } else {
            report.notes.push(
                "no --id-field and the features have no ids of their own: areas are numbered 1, 2, … in file order"
                    .into(),
            );
            Self::Position
        }
    }

    fn id(&self, feature: &SourceFeature) -> Option<String> {
        match self {
            Self::Field(field) => text_of(feature.properties.get(*field)),
            Self::Native => feature.native_id.clone(),
            Self::Position => Some((feature.index + 1).to_string()),
        }
    }
}

/// The source's attributes, strings trimmed; one named like a fixed column is kept as
/// `source_<name>`.
fn kept_properties(properties: Properties, report: &mut FeatureReport) -> Properties {
    properties
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Value::String(s) => Value::String(s.trim().to_owned()),
                other => other,
            };
            if FIXED_COLUMNS.contains(&key.as_str()) {
                let renamed = format!("source_{key}");
                report.notes.push(format!(
                    "the attribute {key:?} is kept as {renamed:?} ({key} is a column every layer has)"
                ));
                (renamed, value)
            } else {
                (key, value)
            }
        })
        .collect()
}

/// A geometry in `crs` converted to lon/lat, every coordinate checked to fall in Denmark.
fn to_lon_lat(
    shape: &Geometry<f64>,
    crs: Crs,
    origin: &str,
    feature: &str,
) -> Result<Geometry<f64>, ImportError> {
    let outside = |c: Coord<f64>, at: Option<Coord<f64>>| {
        let (lon, lat) = at.map_or((f64::NAN, f64::NAN), |at| (at.x, at.y));
        ImportError::OutsideDenmark {
            origin: origin.to_owned(),
            feature: feature.to_owned(),
            epsg: crs.epsg(),
            x: c.x,
            y: c.y,
            lon,
            lat,
            hint: hint(c, crs),
        }
    };
    let converted = shape.try_map_coords(|c| {
        let at = crs::to_wgs84(crs, c).map_err(|_| outside(c, None))?;
        if in_denmark(at) {
            Ok(at)
        } else {
            Err(outside(c, Some(at)))
        }
    })?;
    Ok(converted)
}

fn in_denmark(c: Coord<f64>) -> bool {
    let [west, south, east, north] = DENMARK;
    (west..=east).contains(&c.x) && (south..=north).contains(&c.y)
}

/// What probably went wrong with a coordinate outside Denmark: swapped axes, or the CRS it
/// would fit.
fn hint(c: Coord<f64>, crs: Crs) -> String {
    let swapped = Coord { x: c.y, y: c.x };
    if crs::to_wgs84(crs, swapped).is_ok_and(in_denmark) {
        return ": the axes look swapped (latitude first); the file must give x (longitude or easting) first".into();
    }
    let fits: Vec<String> = [Crs::Wgs84, Crs::Utm32, Crs::WebMercator]
        .into_iter()
        .filter(|&other| other != crs && crs::to_wgs84(other, c).is_ok_and(in_denmark))
        .map(|other| format!("EPSG:{}", other.epsg()))
        .collect();
    if fits.is_empty() {
        String::new()
    } else {
        format!(
            ": read as {} it would lie in Denmark, so the file is probably in that CRS (give --crs {})",
            fits.join(" or "),
            fits[0]
        )
    }
}

//! The reproducible build of a data folder from the source files and a recipe
//! (`kvarter data build`).
//!
//! For each layer of the recipe: read the source (converting EPSG:25832 to lon/lat), validate and
//! repair every geometry (see [`crate::repair`]), map ids, names and parents, compute areas in
//! EPSG:25832, and encode the layer as FlatGeobuf; reconstructed layers are unions of official
//! units chosen by a rule table. Then each indicator table of the recipe is converted from its
//! statistics file (see [`crate::tables`]) with every unit checked against its geography layer, and
//! the hand-written indicator catalogue (`indicators/catalogue.toml` beside the recipe) is copied
//! unchanged; the manifest lists both with their checksums. Last, the offline gazetteer
//! (`gazetteer.csv`) is converted from the sources of the recipe's `[gazetteer]` section (see
//! [`crate::gazetteer`]) and listed in the manifest with its checksum. Everything is written to a temporary
//! folder first and moved into place only when every layer and table has succeeded, so a failed
//! build leaves the folder as it was. The same sources and recipe always give the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use geo::{Area as _, Geometry, MultiPolygon, Polygon, Validation};
use kvarter_core::{Area, Layer, Properties};
use serde_json::Value;

use crate::fgb::{self, FgbError};
use crate::gazetteer::{self, BuiltGazetteer, GazetteerError, GazetteerReport};
use crate::manifest::{
    self, FORMAT, GeometryKind, Manifest, ManifestFile, ManifestLayer, ManifestTable,
};
use crate::names::text_of;
use crate::recipe::{From, LayerRecipe, Recipe, ReconstructRecipe, SourceRecipe, TableRecipe};
use crate::repair::{self, Repair, RepairError};
use crate::source::{self, SourceError};
use crate::tables::{self, TableError};
use kvarter_crs::{self as crs, CrsError};

// Re-exported so `build::slug` stays the public path: reconstructed areas take their ids from it.
pub use crate::names::slug;

/// The name of the build report written beside the manifest.
pub const REPORT_FILE: &str = "build-report.txt";

/// Why the build failed. Nothing in the output folder has changed when it does.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A source file could not be read.
    #[error("layer {layer}")]
    Source {
        /// The layer being built.
        layer: String,
        /// The cause.
        #[source]
        source: SourceError,
    },
    /// A feature's geometry cannot be repaired.
    #[error("layer {layer}: feature {feature}: {source}")]
    Geometry {
        /// The layer.
        layer: String,
        /// The feature's id (or `#index` when it has none).
        feature: String,
        /// Why.
        #[source]
        source: RepairError,
    },
    /// A feature has no usable id.
    #[error(
        "layer {layer}: feature #{index} has no usable {field:?} (a string or number is needed)"
    )]
    MissingId {
        /// The layer.
        layer: String,
        /// The feature's position.
        index: usize,
        /// The id field.
        field: String,
    },
    /// Two features share an id.
    #[error("layer {layer}: id {id:?} appears more than once")]
    DuplicateId {
        /// The layer.
        layer: String,
        /// The id.
        id: String,
    },
    /// A reconstruction rule is malformed or names a unit that does not exist.
    #[error("layer {layer}: reconstruction rule {table}: {reason}")]
    Rule {
        /// The layer.
        layer: String,
        /// The rule table.
        table: String,
        /// What is wrong.
        reason: String,
    },
    /// An area could not be measured in EPSG:25832.
    #[error("layer {layer}: feature {feature}: cannot compute its area")]
    Measure {
        /// The layer.
        layer: String,
        /// The feature.
        feature: String,
        /// The cause.
        #[source]
        source: CrsError,
    },
    /// The recipe's geometry kind does not fit the file name or the layer is empty.
    #[error("layer {layer}: {reason}")]
    Recipe {
        /// The layer.
        layer: String,
        /// What is wrong.
        reason: String,
    },
    /// An indicator table's entry in the recipe is wrong: its file must be
    /// `indicators/<plain name>.csv`, its dataset and file unique, and its geography a layer of the
    /// same recipe.
    #[error("indicator table {dataset}: {reason}")]
    TableRecipe {
        /// The table's dataset id.
        dataset: String,
        /// What is wrong.
        reason: String,
    },
    /// An indicator table's source could not be converted; the cause names the source file and
    /// line.
    #[error("indicator table {dataset}")]
    Table {
        /// The table's dataset id.
        dataset: String,
        /// The cause (boxed: it is large and rare).
        #[source]
        source: Box<TableError>,
    },
    /// The recipe has indicator tables but no catalogue beside it: the catalogue is hand-written
    /// (`indicators/catalogue.toml` in the recipe's folder) and describes every table's indicators.
    #[error(
        "{path} is missing: a recipe with indicator tables needs the hand-written indicator catalogue in indicators/catalogue.toml beside it"
    )]
    NoCatalogue {
        /// Where the catalogue was looked for.
        path: PathBuf,
    },
    /// The gazetteer could not be built; the cause names the source file and feature.
    #[error("gazetteer")]
    Gazetteer {
        /// The cause (boxed: it is large and rare).
        #[source]
        source: Box<GazetteerError>,
    },
    /// A file to be written has a name that is neither plain nor `indicators/<plain name>`.
    #[error("{name:?} is not a file name a data folder may hold")]
    FileName {
        /// The name.
        name: String,
    },
    /// Encoding FlatGeobuf failed.
    #[error(transparent)]
    Fgb(#[from] FgbError),
    /// Writing the output failed.
    #[error("cannot write {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What the build did, layer by layer and table by table: for the report file and the console.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildReport {
    /// One entry per layer.
    pub layers: Vec<LayerReport>,
    /// One entry per indicator table.
    pub tables: Vec<TableReport>,
    /// The gazetteer, when the recipe has one.
    pub gazetteer: Option<GazetteerReport>,
}

/// What the build did to one indicator table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableReport {
    /// The dataset id.
    pub dataset: String,
    /// The output file (`indicators/<dataset>.csv`).
    pub file: String,
    /// The source file, relative to the sources folder.
    pub source: String,
    /// The geography layer.
    pub geography: String,
    /// Rows written (without the header).
    pub rows: usize,
    /// What the converter left out on purpose.
    pub notes: Vec<String>,
}

/// What the build did to one layer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayerReport {
    /// The layer id.
    pub id: String,
    /// The output file.
    pub file: String,
    /// Features read from the source (units, for reconstructions).
    pub read: usize,
    /// Features written.
    pub written: usize,
    /// Features dropped, with the reason (only where the recipe allows dropping).
    pub dropped: Vec<(String, String)>,
    /// Features repaired, with what was done.
    pub repaired: Vec<(String, Vec<String>)>,
}

impl BuildReport {
    /// The report as text, stable from build to build.
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# Kvarter data build report (written by `kvarter data build`; do not edit)\n",
        );
        for layer in &self.layers {
            let _ = writeln!(
                out,
                "\n## {} ({}): read {}, written {}, dropped {}, repaired {}",
                layer.id,
                layer.file,
                layer.read,
                layer.written,
                layer.dropped.len(),
                layer.repaired.len()
            );
            for (id, reason) in &layer.dropped {
                let _ = writeln!(out, "dropped {id}: {reason}");
            }
            for (id, repairs) in &layer.repaired {
                let _ = writeln!(out, "repaired {id}: {}", repairs.join("; "));
            }
        }
        for table in &self.tables {
            let _ = writeln!(
                out,
                "\n## table {} ({}): from {}, on {}, rows {}",
                table.dataset, table.file, table.source, table.geography, table.rows
            );
            for note in &table.notes {
                let _ = writeln!(out, "{note}");
            }
        }
        if let Some(gazetteer) = &self.gazetteer {
            out.push_str(&gazetteer.to_text());
        }
        out
    }
}

/// The indicator files of a data folder, ready to be written beside the layers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndicatorOutput {
    /// The catalogue's bytes (copied unchanged), if any.
    pub catalogue: Option<Vec<u8>>,
    /// The tables.
    pub tables: Vec<BuiltTable>,
}

/// One converted indicator table.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltTable {
    /// The dataset id.
    pub dataset: String,
    /// Its file inside the data folder (`indicators/<dataset>.csv`).
    pub file: String,
    /// The layer whose area ids are its units.
    pub geography: String,
    /// Rows (without the header).
    pub rows: usize,
    /// The CSV.
    pub bytes: Vec<u8>,
}

/// Builds every layer and indicator table of `recipe` from `sources` into `out` (created if
/// missing), with the indicator catalogue copied from the recipe's folder.
pub fn build(recipe: &Recipe, sources: &Path, out: &Path) -> Result<BuildReport, BuildError> {
    // The catalogue first: a missing one fails the build before the slow part.
    let catalogue = read_catalogue(recipe)?;
    let mut report = BuildReport::default();
    let mut layers = Vec::new();
    for layer_recipe in &recipe.layers {
        let (layer, layer_report) = build_layer(layer_recipe, sources, &recipe.folder)?;
        layers.push((layer_recipe.file.clone(), layer));
        report.layers.push(layer_report);
    }
    let mut indicators = IndicatorOutput {
        catalogue,
        tables: Vec::new(),
    };
    for table in &recipe.tables {
        let (built, table_report) = build_table(recipe, table, sources, &layers, &indicators)?;
        indicators.tables.push(built);
        report.tables.push(table_report);
    }
    let gazetteer = match &recipe.gazetteer {
        Some(gazetteer_recipe) => {
            let (built, gazetteer_report) = gazetteer::build(gazetteer_recipe, sources, &layers)
                .map_err(|source| BuildError::Gazetteer {
                    source: Box::new(source),
                })?;
            report.gazetteer = Some(gazetteer_report);
            Some(built)
        }
        None => None,
    };
    let extra = [(REPORT_FILE.to_owned(), report.to_text().into_bytes())];
    write_data_folder_with(out, &layers, &indicators, gazetteer.as_ref(), &extra)?;
    Ok(report)
}

/// Converts one indicator table of the recipe; `layers` are the layers built so far and `done`
/// the tables before it (their datasets and files must differ).
fn build_table(
    recipe: &Recipe,
    table: &TableRecipe,
    sources: &Path,
    layers: &[(String, Layer)],
    done: &IndicatorOutput,
) -> Result<(BuiltTable, TableReport), BuildError> {
    let wrong = |reason: String| BuildError::TableRecipe {
        dataset: table.dataset.clone(),
        reason,
    };
    if table.dataset.trim().is_empty() {
        return Err(wrong("the dataset id is empty".into()));
    }
    if !manifest::is_indicator_file_name(&table.file, "csv") {
        return Err(wrong(format!(
            "file {:?} must be indicators/<plain name>.csv",
            table.file
        )));
    }
    if let Some(other) = done
        .tables
        .iter()
        .find(|t| t.dataset == table.dataset || t.file == table.file)
    {
        return Err(wrong(format!(
            "its dataset id or file is already used by the table of {}",
            other.dataset
        )));
    }
    let layer = layers
        .iter()
        .map(|(_, layer)| layer)
        .find(|layer| layer.meta.id.as_str() == table.geography)
        .ok_or_else(|| {
            wrong(format!(
                "geography {:?} is not a layer of this recipe",
                table.geography
            ))
        })?;
    let failed = |source| BuildError::Table {
        dataset: table.dataset.clone(),
        source: Box::new(source),
    };
    let path = recipe.resolve(&table.path, sources);
    let bytes = std::fs::read(&path).map_err(|source| {
        failed(TableError::Io {
            file: path.display().to_string(),
            source,
        })
    })?;
    let converted = tables::convert(table.convert, &bytes, &table.path).map_err(failed)?;
    let units: Vec<&str> = layer.areas.iter().map(|a| a.id.as_str()).collect();
    let csv = tables::write_tidy(&converted.rows, &units, &table.geography, &table.path)
        .map_err(failed)?;
    let built = BuiltTable {
        dataset: table.dataset.clone(),
        file: table.file.clone(),
        geography: table.geography.clone(),
        rows: converted.rows.len(),
        bytes: csv,
    };
    let report = TableReport {
        dataset: table.dataset.clone(),
        file: table.file.clone(),
        source: table.path.clone(),
        geography: table.geography.clone(),
        rows: converted.rows.len(),
        notes: converted.notes,
    };
    Ok((built, report))
}

/// The catalogue's bytes from the recipe's folder: required when the recipe has tables, copied
/// when present otherwise.
fn read_catalogue(recipe: &Recipe) -> Result<Option<Vec<u8>>, BuildError> {
    let path = recipe.folder.join(manifest::CATALOGUE_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if recipe.tables.is_empty() {
                Ok(None)
            } else {
                Err(BuildError::NoCatalogue { path })
            }
        }
        Err(source) => Err(BuildError::Io { path, source }),
    }
}

/// Writes layers as a data folder: one FlatGeobuf file each (named as given), the manifest, and
/// any extra files, all or nothing. Used by tests that need a data folder with other layers (e.g.
/// a synthetic state list); the build also writes indicators ([`write_data_folder_with`]).
pub fn write_data_folder(
    out: &Path,
    layers: &[(String, Layer)],
    extra: &[(String, Vec<u8>)],
) -> Result<Manifest, BuildError> {
    write_data_folder_with(out, layers, &IndicatorOutput::default(), None, extra)
}

/// Writes layers, indicator catalogue and tables (in `indicators/`) and the gazetteer as a data
/// folder, with the manifest and any extra files, all or nothing.
pub fn write_data_folder_with(
    out: &Path,
    layers: &[(String, Layer)],
    indicators: &IndicatorOutput,
    gazetteer: Option<&BuiltGazetteer>,
    extra: &[(String, Vec<u8>)],
) -> Result<Manifest, BuildError> {
    let mut entries = Vec::new();
    let mut encoded = Vec::new();
    for (file, layer) in layers {
        let bytes = fgb::write_layer(layer)?;
        let geometry = match layer.areas.first().map(|a| &a.geometry) {
            Some(Geometry::LineString(_) | Geometry::MultiLineString(_)) => GeometryKind::Lines,
            _ => GeometryKind::Areas,
        };
        entries.push(ManifestLayer {
            meta: layer.meta.clone(),
            file: file.clone(),
            geometry,
            feature_count: layer.areas.len(),
            bounds: layer.bounds().ok_or_else(|| BuildError::Recipe {
                layer: layer.meta.id.to_string(),
                reason: "the layer is empty".into(),
            })?,
            total_area_m2: round_m2(layer.areas.iter().filter_map(|a| a.area_m2).sum()),
            sha256: manifest::sha256_hex(&bytes),
        });
        encoded.push((file.clone(), bytes));
    }
    let catalogue = indicators.catalogue.as_ref().map(|bytes| {
        encoded.push((manifest::CATALOGUE_FILE.to_owned(), bytes.clone()));
        ManifestFile {
            file: manifest::CATALOGUE_FILE.to_owned(),
            sha256: manifest::sha256_hex(bytes),
        }
    });
    let mut tables = Vec::with_capacity(indicators.tables.len());
    for table in &indicators.tables {
        tables.push(ManifestTable {
            dataset: table.dataset.clone(),
            file: table.file.clone(),
            geography: table.geography.clone(),
            rows: table.rows,
            sha256: manifest::sha256_hex(&table.bytes),
        });
        encoded.push((table.file.clone(), table.bytes.clone()));
    }
    let gazetteer = gazetteer.map(|built| {
        encoded.push((built.file.clone(), built.bytes.clone()));
        ManifestFile {
            file: built.file.clone(),
            sha256: manifest::sha256_hex(&built.bytes),
        }
    });
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        layers: entries,
        catalogue,
        tables,
        gazetteer,
        history: Vec::new(),
    };
    encoded.push((
        manifest::FILE_NAME.to_owned(),
        manifest.to_json().into_bytes(),
    ));
    encoded.extend(extra.iter().cloned());
    write_all_or_nothing(out, &encoded)?;
    Ok(manifest)
}

/// Builds one layer in memory. Paths of the recipe are relative to `sources`, or to
/// `recipe_folder` when they start with `./`.
pub fn build_layer(
    recipe: &LayerRecipe,
    sources: &Path,
    recipe_folder: &Path,
) -> Result<(Layer, LayerReport), BuildError> {
    let layer_id = recipe.meta.id.to_string();
    let mut report = LayerReport {
        id: layer_id.clone(),
        file: recipe.file.clone(),
        ..LayerReport::default()
    };
    let areas = match &recipe.from {
        From::Source(from) => copy_source(recipe, from, sources, &mut report)?,
        From::Reconstruct(rule) => {
            let table = crate::recipe::resolve(&rule.table, sources, recipe_folder);
            reconstruct(&layer_id, rule, &table, sources, &mut report)?
        }
    };
    report.written = areas.len();
    let mut seen = std::collections::HashSet::new();
    for area in &areas {
        if !seen.insert(area.id.as_str()) {
            return Err(BuildError::DuplicateId {
                layer: layer_id,
                id: area.id.clone(),
            });
        }
    }
    let mut layer = Layer {
        meta: recipe.meta.clone(),
        areas,
    };
    layer.areas.sort_by(|a, b| fgb::id_order(&a.id, &b.id));
    report.repaired.sort_by(|a, b| fgb::id_order(&a.0, &b.0));
    Ok((layer, report))
}

fn copy_source(
    recipe: &LayerRecipe,
    from: &SourceRecipe,
    sources: &Path,
    report: &mut LayerReport,
) -> Result<Vec<Area>, BuildError> {
    let layer = recipe.meta.id.to_string();
    let file =
        source::read_geojson(&sources.join(&from.path)).map_err(|source| BuildError::Source {
            layer: layer.clone(),
            source,
        })?;
    report.read = file.features.len();
    let mut areas = Vec::with_capacity(file.features.len());
    for mut feature in file.features {
        let id = text_of(feature.properties.get(&from.id_field)).ok_or_else(|| {
            BuildError::MissingId {
                layer: layer.clone(),
                index: feature.index,
                field: from.id_field.clone(),
            }
        })?;
        if feature.geometry.is_none() && from.drop_null_geometries {
            report.dropped.push((id, RepairError::Null.to_string()));
            continue;
        }
        let source_geometry = feature.geometry.take();
        let (geometry, area_m2, repairs) = repaired(
            &layer,
            &id,
            recipe.geometry,
            source_geometry,
            feature.unclosed_rings,
        )?;
        if !repairs.is_empty() {
            report.repaired.push((
                id.clone(),
                repairs.iter().map(ToString::to_string).collect(),
            ));
        }
        let field = |name: &Option<String>| {
            name.as_ref()
                .and_then(|n| text_of(feature.properties.get(n)))
        };
        let properties: Properties = from
            .keep
            .iter()
            .filter_map(|key| {
                let value = feature.properties.get(key)?;
                let value = match value {
                    Value::String(s) => Value::String(s.trim().to_owned()),
                    other => other.clone(),
                };
                Some((key.clone(), value))
            })
            .collect();
        areas.push(Area {
            name: field(&from.name_field),
            parent: field(&from.parent_field),
            id,
            area_m2,
            properties,
            geometry,
        });
    }
    Ok(areas)
}

/// A repaired geometry, its area in m² (areas only) and the repairs made.
type Repaired = (Geometry<f64>, Option<f64>, Vec<Repair>);

/// Repairs a feature's geometry for the layer's kind; measures areas.
fn repaired(
    layer: &str,
    id: &str,
    kind: GeometryKind,
    geometry: Option<Geometry<f64>>,
    unclosed_rings: usize,
) -> Result<Repaired, BuildError> {
    let geometry_error = |source| BuildError::Geometry {
        layer: layer.to_owned(),
        feature: id.to_owned(),
        source,
    };
    match kind {
        GeometryKind::Areas => {
            let (shape, repairs) =
                repair::repair_polygonal(geometry, unclosed_rings).map_err(geometry_error)?;
            let m2 = measure(layer, id, &shape)?;
            Ok((shape.into(), Some(m2), repairs))
        }
        GeometryKind::Lines => {
            let (lines, repairs) = repair::repair_linear(geometry).map_err(geometry_error)?;
            Ok((lines.into(), None, repairs))
        }
    }
}

fn measure(layer: &str, id: &str, shape: &MultiPolygon<f64>) -> Result<f64, BuildError> {
    crs::area_m2(shape)
        .map(round_m2)
        .map_err(|source| BuildError::Measure {
            layer: layer.to_owned(),
            feature: id.to_owned(),
            source,
        })
}

/// Areas are stated to the square decimetre: more digits would be noise from the projection.
fn round_m2(m2: f64) -> f64 {
    (m2 * 100.0).round() / 100.0
}

/// Builds each reconstructed area as the union of the units the rule table lists for it.
fn reconstruct(
    layer: &str,
    rule: &ReconstructRecipe,
    table_path: &Path,
    sources: &Path,
    report: &mut LayerReport,
) -> Result<Vec<Area>, BuildError> {
    let rule_error = |reason: String| BuildError::Rule {
        layer: layer.to_owned(),
        table: rule.table.clone(),
        reason,
    };
    let rows = read_rule_table(table_path, rule).map_err(rule_error)?;

    let units =
        source::read_geojson(&sources.join(&rule.units)).map_err(|source| BuildError::Source {
            layer: layer.to_owned(),
            source,
        })?;
    report.read = units.features.len();
    // Unit name → repaired unit shapes.
    let mut by_name: BTreeMap<String, Vec<MultiPolygon<f64>>> = BTreeMap::new();
    for feature in units.features {
        let Some(name) = text_of(feature.properties.get(&rule.unit_field)) else {
            continue;
        };
        let id = feature
            .native_id
            .clone()
            .unwrap_or_else(|| format!("#{}", feature.index));
        let (shape, _) = repair::repair_polygonal(feature.geometry, feature.unclosed_rings)
            .map_err(|source| BuildError::Geometry {
                layer: layer.to_owned(),
                feature: id,
                source,
            })?;
        by_name.entry(name).or_default().push(shape);
    }

    let mut areas = Vec::new();
    for (area_name, unit_names) in rows {
        let mut members = Vec::new();
        for unit in &unit_names {
            let shapes = by_name.get(unit).ok_or_else(|| {
                rule_error(format!(
                    "area {area_name:?} lists unit {unit:?}, but no feature of {} has {}={unit:?}",
                    rule.units, rule.unit_field
                ))
            })?;
            members.extend(shapes.iter());
        }
        let union = repair::union_all(members.iter().copied());
        let id = slug(&area_name);
        let (filled, holes_filled) = fill_small_holes(union, rule.fill_holes_below_m2);
        if let Err(problem) = filled.check_validation() {
            return Err(BuildError::Geometry {
                layer: layer.to_owned(),
                feature: id,
                source: RepairError::Unrepairable(problem.to_string()),
            });
        }
        if holes_filled > 0 {
            report.repaired.push((
                id.clone(),
                vec![format!(
                    "filled {holes_filled} hole(s) under {} m² between units",
                    rule.fill_holes_below_m2
                )],
            ));
        }
        let m2 = measure(layer, &id, &filled)?;
        let mut properties = Properties::new();
        properties.insert(
            "units".into(),
            Value::Array(unit_names.iter().cloned().map(Value::String).collect()),
        );
        properties.insert("unit_field".into(), Value::String(rule.unit_field.clone()));
        properties.insert("n_unit_features".into(), Value::from(members.len()));
        areas.push(Area {
            id,
            name: Some(area_name),
            parent: None,
            area_m2: Some(m2),
            properties,
            geometry: filled.into(),
        });
    }
    Ok(areas)
}

/// Reads the rule table: area name → unit names, in the table's order.
fn read_rule_table(
    path: &Path,
    rule: &ReconstructRecipe,
) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("has no column {name:?}"))
    };
    let (area_col, unit_col) = (column(&rule.area_column)?, column(&rule.unit_column)?);
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        let (Some(area), Some(unit)) = (record.get(area_col), record.get(unit_col)) else {
            return Err(format!("row {} is short", line + 2));
        };
        let (area, unit) = (area.trim().to_owned(), unit.trim().to_owned());
        if area.is_empty() || unit.is_empty() {
            return Err(format!("row {} has an empty area or unit", line + 2));
        }
        match rows.iter_mut().find(|(name, _)| *name == area) {
            Some((_, units)) => units.push(unit),
            None => rows.push((area, vec![unit])),
        }
    }
    if rows.is_empty() {
        return Err("has no rows".into());
    }
    Ok(rows)
}

/// Removes holes smaller than `threshold_m2`; returns the shape and how many were filled.
fn fill_small_holes(shape: MultiPolygon<f64>, threshold_m2: f64) -> (MultiPolygon<f64>, usize) {
    let mut filled = 0;
    let polygons = shape
        .into_iter()
        .map(|polygon| {
            let (exterior, interiors) = polygon.into_inner();
            let kept = interiors
                .into_iter()
                .filter(|hole| {
                    let as_shape = MultiPolygon::new(vec![Polygon::new(hole.clone(), vec![])]);
                    let small = crs::area_m2(&as_shape).is_ok_and(|m2| m2 < threshold_m2);
                    filled += usize::from(small);
                    !small
                })
                .collect();
            Polygon::new(exterior, kept)
        })
        .filter(|p| p.unsigned_area() > 0.0)
        .collect();
    (MultiPolygon::new(polygons), filled)
}

/// Writes every file to a temporary folder inside `out`, then moves them into place. Names are
/// plain file names or `indicators/<plain name>`; the subfolder is made in the staging folder and
/// in `out` before anything is moved.
fn write_all_or_nothing(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), BuildError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BuildError::Io { path, source }
    };
    let mut subfolder = false;
    for (name, _) in files {
        let (plain, in_indicators) = match name.strip_prefix("indicators/") {
            Some(rest) => (rest, true),
            None => (name.as_str(), false),
        };
        if !manifest::is_plain_file_name(plain) {
            return Err(BuildError::FileName { name: name.clone() });
        }
        subfolder |= in_indicators;
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    let staging = out.join(".build-tmp");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    std::fs::create_dir(&staging).map_err(io(&staging))?;
    if subfolder {
        let staged = staging.join(manifest::INDICATORS_DIR);
        std::fs::create_dir(&staged).map_err(io(&staged))?;
    }
    for (name, bytes) in files {
        let path = staging.join(name);
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    if subfolder {
        let target = out.join(manifest::INDICATORS_DIR);
        std::fs::create_dir_all(&target).map_err(io(&target))?;
    }
    // The manifest goes last: until it is replaced, the old manifest's checksums refuse any mix.
    let (manifest_first, rest): (Vec<_>, Vec<_>) = files
        .iter()
        .partition(|(name, _)| name == manifest::FILE_NAME);
    for (name, _) in rest.into_iter().chain(manifest_first) {
        let target = out.join(name);
        std::fs::rename(staging.join(name), &target).map_err(io(&target))?;
    }
    std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    Ok(())
}

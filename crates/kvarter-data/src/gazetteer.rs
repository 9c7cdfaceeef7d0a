//! The offline gazetteer of the default dataset (`gazetteer.csv`, the file format of
//! [`kvarter_geocode::file`]): addresses, streets, place names and postcodes converted from the
//! source files the recipe's `[gazetteer]` section names.
//!
//! Each `[[gazetteer.source]]` is read by one converter:
//!
//! * **`byfornyelse-addresses`** — one feature per building or parcel (MultiPolygon) with an
//!   address text in `adresse` ("Andreas Bjørns Gade 12, 1428 København K") and an id in
//!   `ogc_fid`. The text is parsed with [`kvarter_geocode::parse_address`]; it becomes an
//!   address entry when it parses with a street, a house number and a postcode, and is counted
//!   under its reason otherwise. Features with the same text become one entry, id
//!   `byfornyelse-{lowest ogc_fid}`, its point the interior point (a point on the building,
//!   [`geo::InteriorPoint`]) of that feature's repaired polygon.
//! * **`stednavne`** — named points, areas and lines (`navn`, `id`, `navnekategori`); the point
//!   is the point itself, an area's interior point, or the point half way along a line (its
//!   longest part). Ids are `{file stem}-{id}`, or `{file stem}-{navnekategori}-{id}` for a
//!   file whose ids repeat (the point file numbers each category on its own). Entries with the
//!   same name (same [`match_key`]) within [`SAME_PLACE_M`] of an earlier one are merged into it;
//!   earlier files in the recipe win.
//! * **`vejklasser-streets`** — street segments (`vejnavn`, `id`); one entry per street name, id
//!   `vejklasser-{slug of the name}`, its point the vertex of the street nearest the centroid of
//!   all its segments (so the point is on the street). Segments without geometry are left out
//!   and listed.
//! * **`dawa-postnumre`** — one polygon per postcode (`nr`, `navn`): text "2200 København N", the
//!   point the polygon's interior point. When that point is outside the `within` layer's
//!   outline (holes filled, so Frederiksberg counts), it is the interior point of the part of
//!   the postcode inside it: the gazetteer serves Copenhagen and Frederiksberg. Names are
//!   checked against the `names` table (the `PostNord` list, `POSTNR;BYNAVN`) and completed from it
//!   where the polygon has none; disagreements and postcodes missing from the table are listed.
//!
//! Every entry must lie inside the bounds of the `within` layer; those outside are left out and
//! listed. Points are rounded to the file's seven decimals, every id must be unique, and the
//! entries are sorted by kind, normalised text and id ([`file::sort_records`]), so the same
//! sources always give the same bytes. Anything unexpected — a missing field, a geometry of the
//! wrong type or beyond repair — fails the build with the file and feature named.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use geo::{
    BooleanOps, Centroid, Contains, Geometry, InteriorPoint, LineString, MultiPolygon, Point,
    Polygon,
};
use kvarter_core::{Bounds, Layer};
use kvarter_geocode::address::AddressError;
use kvarter_geocode::file::{self, Record};
use kvarter_geocode::normalise::match_key;
use kvarter_geocode::{Entry, Kind, parse_address};

use crate::manifest;
use crate::recipe::{GazetteerConverter, GazetteerRecipe, GazetteerSource};
use crate::repair::{self, RepairError};
use crate::source::{self, SourceError, SourceFeature, SourceFile};

/// Place names that are the same (same match key) and closer than this, in metres, are one place.
pub const SAME_PLACE_M: f64 = 250.0;

/// How many examples (ids) the report gives per reason.
const EXAMPLES: usize = 5;

/// Why the gazetteer could not be built. Every variant names the file and, where it is about
/// one, the feature (its id, or `#index` in the file).
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    /// The `[gazetteer]` section is wrong: its file must be a plain name ending in `.csv`, its
    /// `within` a layer of the recipe, and each converter given the files it reads.
    #[error("gazetteer recipe: {reason}")]
    Recipe {
        /// What is wrong.
        reason: String,
    },
    /// A source file could not be read.
    #[error("gazetteer source {dataset}")]
    Source {
        /// The source dataset.
        dataset: String,
        /// The cause (names the file).
        #[source]
        source: SourceError,
    },
    /// A feature lacks a field the converter needs, or holds something else in it.
    #[error("{file}: feature {feature}: {reason}")]
    Field {
        /// The file, relative to the sources folder.
        file: String,
        /// The feature.
        feature: String,
        /// What is missing or wrong.
        reason: String,
    },
    /// A feature's geometry is of the wrong type or cannot be repaired.
    #[error("{file}: feature {feature}: {source}")]
    Geometry {
        /// The file.
        file: String,
        /// The feature.
        feature: String,
        /// Why.
        #[source]
        source: RepairError,
    },
    /// No point could be found on a feature's geometry (it has no area or length left).
    #[error("{file}: feature {feature}: no point lies on its geometry")]
    NoPoint {
        /// The file.
        file: String,
        /// The feature.
        feature: String,
    },
    /// The names table could not be read or has a malformed row.
    #[error("{file}: {reason}")]
    Names {
        /// The file.
        file: String,
        /// What is wrong (with the line).
        reason: String,
    },
    /// Two entries got the same id (from different features or sources).
    #[error("gazetteer id {id:?} is given twice (by {first} and {second})")]
    DuplicateId {
        /// The id.
        id: String,
        /// The source dataset of the first.
        first: String,
        /// The source dataset of the second.
        second: String,
    },
}

/// The built gazetteer.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltGazetteer {
    /// Its file name inside the data folder.
    pub file: String,
    /// The records, sorted as written.
    pub records: Vec<Record>,
    /// The CSV.
    pub bytes: Vec<u8>,
}

/// What the gazetteer build did, per source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GazetteerReport {
    /// The output file.
    pub file: String,
    /// The bounds layer.
    pub within: String,
    /// Entries written per kind: address, street, place, postcode.
    pub counts: [usize; 4],
    /// One entry per source.
    pub sources: Vec<SourceReport>,
}

/// What one source gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceReport {
    /// The source dataset.
    pub dataset: String,
    /// The converter.
    pub convert: String,
    /// The files read.
    pub paths: Vec<String>,
    /// Features read.
    pub read: usize,
    /// Entries written.
    pub written: usize,
    /// What the converter did: statistics, reasons, merges, left-out features (with ids).
    pub notes: Vec<String>,
}

impl GazetteerReport {
    /// The report section, stable from build to build.
    pub fn to_text(&self) -> String {
        let [addresses, streets, places, postcodes] = self.counts;
        let mut out = format!(
            "\n## gazetteer ({}): {addresses} addresses, {streets} streets, {places} places, {postcodes} postcodes; within the bounds of {}\n",
            self.file, self.within
        );
        for source in &self.sources {
            let _ = writeln!(
                out,
                "\n### gazetteer source {} ({}): {}: read {}, written {}",
                source.dataset,
                source.convert,
                source.paths.join(", "),
                source.read,
                source.written
            );
            for note in &source.notes {
                let _ = writeln!(out, "{note}");
            }
        }
        out
    }
}

/// The area entries must lie in: its bounds, and its outline with the holes filled.
struct Within {
    layer: String,
    bounds: Bounds,
    outline: MultiPolygon<f64>,
}

impl Within {
    fn holds(&self, point: Point<f64>) -> bool {
        let b = &self.bounds;
        (b.west..=b.east).contains(&point.x()) && (b.south..=b.north).contains(&point.y())
    }
}

/// One converter's output before the merge: records and the report.
type Converted = (Vec<Record>, SourceReport);

/// Builds the gazetteer from `sources` by `recipe`; `layers` are the layers of the same build
/// (one of them is the `within` layer).
pub fn build(
    recipe: &GazetteerRecipe,
    sources: &Path,
    layers: &[(String, Layer)],
) -> Result<(BuiltGazetteer, GazetteerReport), GazetteerError> {
    let wrong = |reason: String| GazetteerError::Recipe { reason };
    if !manifest::is_plain_file_name_with(&recipe.file, "csv") {
        return Err(wrong(format!(
            "file {:?} must be a plain file name ending in .csv",
            recipe.file
        )));
    }
    let layer = layers
        .iter()
        .map(|(_, layer)| layer)
        .find(|layer| layer.meta.id.as_str() == recipe.within)
        .ok_or_else(|| {
            wrong(format!(
                "within {:?} is not a layer of this recipe",
                recipe.within
            ))
        })?;
    let bounds = layer
        .bounds()
        .ok_or_else(|| wrong(format!("the layer {} is empty", recipe.within)))?;
    let outline = MultiPolygon::new(
        layer
            .areas
            .iter()
            .flat_map(|area| match &area.geometry {
                Geometry::MultiPolygon(shape) => shape.0.clone(),
                Geometry::Polygon(polygon) => vec![polygon.clone()],
                _ => Vec::new(),
            })
            .map(|polygon| Polygon::new(polygon.exterior().clone(), vec![]))
            .collect(),
    );
    if outline.0.is_empty() {
        return Err(wrong(format!("the layer {} has no areas", recipe.within)));
    }
    let within = Within {
        layer: recipe.within.clone(),
        bounds,
        outline,
    };

    let mut report = GazetteerReport {
        file: recipe.file.clone(),
        within: recipe.within.clone(),
        ..GazetteerReport::default()
    };
    let mut records: Vec<Record> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for source in &recipe.sources {
        let (mut converted, source_report) = match source.convert {
            GazetteerConverter::ByfornyelseAddresses => addresses(source, sources, &within)?,
            GazetteerConverter::Stednavne => places(source, sources, &within)?,
            GazetteerConverter::VejklasserStreets => streets(source, sources, &within)?,
            GazetteerConverter::DawaPostnumre => postcodes(source, sources, &within)?,
        };
        for record in &mut converted {
            let point = &mut record.entry.point;
            *point = Point::new(
                file::round_coordinate(point.x()),
                file::round_coordinate(point.y()),
            );
            if let Some(first) = seen.insert(record.entry.id.clone(), source.dataset.clone()) {
                return Err(GazetteerError::DuplicateId {
                    id: record.entry.id.clone(),
                    first,
                    second: source.dataset.clone(),
                });
            }
        }
        records.extend(converted);
        report.sources.push(source_report);
    }
    file::sort_records(&mut records);
    for record in &records {
        report.counts[record.entry.kind as usize] += 1;
    }
    let bytes = file::write_csv(&records);
    Ok((
        BuiltGazetteer {
            file: recipe.file.clone(),
            records,
            bytes,
        },
        report,
    ))
}

/// The one file a converter reads.
fn single_path(source: &GazetteerSource) -> Result<&str, GazetteerError> {
    match source.paths.as_slice() {
        [path] => Ok(path),
        _ => Err(GazetteerError::Recipe {
            reason: format!(
                "source {} ({}) reads exactly one file, {} given",
                source.dataset,
                source.convert,
                source.paths.len()
            ),
        }),
    }
}

impl SourceReport {
    /// An empty report for `source`, which has `read` features.
    fn of(source: &GazetteerSource, read: usize) -> SourceReport {
        SourceReport {
            dataset: source.dataset.clone(),
            convert: source.convert.to_string(),
            paths: source.paths.clone(),
            read,
            ..SourceReport::default()
        }
    }
}

fn read(
    source: &GazetteerSource,
    sources: &Path,
    path: &str,
) -> Result<SourceFile, GazetteerError> {
    source::read_geojson(&sources.join(path)).map_err(|e| GazetteerError::Source {
        dataset: source.dataset.clone(),
        source: e,
    })
}

/// A feature's name in messages: its id field, else its position.
fn feature_name(feature: &SourceFeature, id_field: &str) -> String {
    crate::build::text_of(feature.properties.get(id_field))
        .unwrap_or_else(|| format!("#{}", feature.index))
}

/// A required text property, trimmed.
fn required_text(
    feature: &SourceFeature,
    field: &str,
    file: &str,
    id_field: &str,
) -> Result<String, GazetteerError> {
    crate::build::text_of(feature.properties.get(field)).ok_or_else(|| GazetteerError::Field {
        file: file.to_owned(),
        feature: feature_name(feature, id_field),
        reason: format!("has no text in {field:?}"),
    })
}

/// "e.g. a, b, c (and 4 more)".
fn examples(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(EXAMPLES).map(String::as_str).collect();
    let more = ids.len().saturating_sub(EXAMPLES);
    if more > 0 {
        format!("{} (and {more} more)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Why an address text gives no address entry, as a reason kind for the report.
fn reason_kind(error: &AddressError) -> &'static str {
    match error {
        AddressError::Empty => "empty",
        AddressError::TooLong { .. } => "too long",
        AddressError::NoStreet { .. } => "no street name",
        AddressError::HouseNumberOutOfRange { .. } => "house number out of range",
        AddressError::InvalidHouseNumber { .. } => "not a house number",
        AddressError::PostcodeNotFourDigits { .. } => "postcode not four digits",
    }
}

/// Left-out entries outside the bounds, for the report.
fn outside_note(outside: &[String], within: &Within) -> Option<String> {
    (!outside.is_empty()).then(|| {
        let b = &within.bounds;
        format!(
            "left out {} outside the bounds [{:.5}, {:.5}, {:.5}, {:.5}]: {}",
            outside.len(),
            b.west,
            b.south,
            b.east,
            b.north,
            outside.join("; ")
        )
    })
}

/// One parsed address and the features that carry its text.
struct AddressGroup {
    parsed: kvarter_geocode::ParsedAddress,
    /// (`ogc_fid`, interior point), lowest `ogc_fid` first once sorted.
    features: Vec<(String, Point<f64>)>,
}

#[expect(
    clippy::too_many_lines,
    reason = "one converter reads as one pipeline, in the order the module docs describe"
)]
fn addresses(
    source: &GazetteerSource,
    sources: &Path,
    within: &Within,
) -> Result<Converted, GazetteerError> {
    const ID: &str = "ogc_fid";
    let path = single_path(source)?;
    let read_file = read(source, sources, path)?;
    let mut report = SourceReport::of(source, read_file.features.len());
    let mut groups: BTreeMap<String, AddressGroup> = BTreeMap::new();
    let mut failed: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut repaired = Vec::new();
    let mut parsed_count = 0;
    for mut feature in read_file.features {
        let fid = crate::build::text_of(feature.properties.get(ID)).ok_or_else(|| {
            GazetteerError::Field {
                file: path.to_owned(),
                feature: format!("#{}", feature.index),
                reason: format!("has no id in {ID:?}"),
            }
        })?;
        let text = required_text(&feature, "adresse", path, ID)?;
        let (shape, repairs) =
            repair::repair_polygonal(feature.geometry.take(), feature.unclosed_rings).map_err(
                |e| GazetteerError::Geometry {
                    file: path.to_owned(),
                    feature: fid.clone(),
                    source: e,
                },
            )?;
        if !repairs.is_empty() {
            repaired.push(fid.clone());
        }
        let point = shape
            .interior_point()
            .ok_or_else(|| GazetteerError::NoPoint {
                file: path.to_owned(),
                feature: fid.clone(),
            })?;
        let parsed = match parse_address(&text) {
            Ok(parsed) if parsed.house_number.is_none() => Err("no house number"),
            Ok(parsed) if parsed.postcode.is_none() => Err("no postcode"),
            Ok(parsed) => Ok(parsed),
            Err(error) => Err(reason_kind(&error)),
        };
        match parsed {
            Ok(parsed) => {
                parsed_count += 1;
                groups
                    .entry(text)
                    .or_insert_with(|| AddressGroup {
                        parsed,
                        features: Vec::new(),
                    })
                    .features
                    .push((fid, point));
            }
            Err(reason) => failed
                .entry(reason)
                .or_default()
                .push(format!("{fid} {text:?}")),
        }
    }
    let not_parsed: usize = failed.values().map(Vec::len).sum();
    report.notes.push(format!(
        "{parsed_count} of {} address texts parse (street, house number, postcode); {not_parsed} do not",
        report.read
    ));
    for (reason, ids) in &failed {
        report.notes.push(format!(
            "not parsed, {reason}: {} ({})",
            ids.len(),
            examples(ids)
        ));
    }
    if !repaired.is_empty() {
        report.notes.push(format!(
            "repaired {} building geometries before taking their interior point ({})",
            repaired.len(),
            examples(&repaired)
        ));
    }
    let mut records = Vec::with_capacity(groups.len());
    let mut merged = Vec::new();
    let mut merged_features = 0;
    let mut outside = Vec::new();
    for (text, mut group) in groups {
        group
            .features
            .sort_by(|a, b| crate::fgb::id_order(&a.0, &b.0));
        let (fid, point) = group.features[0].clone();
        let id = format!("byfornyelse-{fid}");
        if group.features.len() > 1 {
            merged_features += group.features.len() - 1;
            let others: Vec<&str> = group.features[1..].iter().map(|f| f.0.as_str()).collect();
            merged.push(format!("{id} ← {}", others.join(" ")));
        }
        if !within.holds(point) {
            outside.push(format!("{id} {text:?}"));
            continue;
        }
        let parsed = group.parsed;
        records.push(Record {
            entry: Entry {
                kind: Kind::Address,
                id,
                text,
                street: Some(parsed.street),
                house_number: parsed.house_number,
                postcode: parsed.postcode,
                district: parsed.district,
                point,
            },
            source: source.dataset.clone(),
        });
    }
    report.notes.push(format!(
        "merged {merged_features} features that repeat an address text into the entry of its lowest ogc_fid: {} addresses from {parsed_count} features; {} addresses have several features ({})",
        parsed_count - merged_features,
        merged.len(),
        examples(&merged)
    ));
    report.notes.extend(outside_note(&outside, within));
    report.written = records.len();
    Ok((records, report))
}

/// Distance in metres between two lon/lat points (equirectangular; exact enough within a city).
fn metres(a: Point<f64>, b: Point<f64>) -> f64 {
    let mean_lat = f64::midpoint(a.y(), b.y()).to_radians();
    let dx = (a.x() - b.x()) * mean_lat.cos() * 111_320.0;
    let dy = (a.y() - b.y()) * 110_574.0;
    dx.hypot(dy)
}

/// The point half way along a line.
fn half_way(line: &LineString<f64>) -> Option<Point<f64>> {
    let lengths: Vec<f64> = line
        .lines()
        .map(|segment| {
            let d = segment.delta();
            d.x.hypot(d.y)
        })
        .collect();
    let total: f64 = lengths.iter().sum();
    let mut left = total / 2.0;
    for (segment, length) in line.lines().zip(&lengths) {
        if left <= *length && *length > 0.0 {
            let t = left / length;
            return Some(Point::from(segment.start + segment.delta() * t));
        }
        left -= length;
    }
    line.0.first().map(|c| Point::from(*c))
}

/// A point on a place's geometry: the point, an area's interior point, or half way along a
/// line's longest part.
fn point_on(
    geometry: Option<Geometry<f64>>,
    unclosed_rings: usize,
    file: &str,
    feature: &str,
) -> Result<Point<f64>, GazetteerError> {
    let no_point = || GazetteerError::NoPoint {
        file: file.to_owned(),
        feature: feature.to_owned(),
    };
    let bad = |source| GazetteerError::Geometry {
        file: file.to_owned(),
        feature: feature.to_owned(),
        source,
    };
    match geometry {
        Some(Geometry::Point(point)) => Ok(point),
        Some(g @ (Geometry::Polygon(_) | Geometry::MultiPolygon(_))) => {
            let (shape, _) = repair::repair_polygonal(Some(g), unclosed_rings).map_err(bad)?;
            shape.interior_point().ok_or_else(no_point)
        }
        Some(g @ (Geometry::LineString(_) | Geometry::MultiLineString(_))) => {
            let (lines, _) = repair::repair_linear(Some(g)).map_err(bad)?;
            let longest = lines
                .iter()
                .map(|line| {
                    let length: f64 = line.lines().map(|s| s.delta().x.hypot(s.delta().y)).sum();
                    (line, length)
                })
                .fold(
                    None,
                    |best: Option<(&LineString<f64>, f64)>, (line, length)| match best {
                        Some((_, best_length)) if best_length >= length => best,
                        _ => Some((line, length)),
                    },
                )
                .ok_or_else(no_point)?;
            half_way(longest.0).ok_or_else(no_point)
        }
        None => Err(bad(RepairError::Null)),
        Some(other) => Err(bad(RepairError::NotPolygonal(crate::repair::type_name(
            &other,
        )))),
    }
}

/// The file stem as an id prefix: `stednavn_punkt.geojson` → `stednavn-punkt`.
fn stem(path: &str) -> String {
    let name = Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::build::slug(&name)
}

#[expect(
    clippy::too_many_lines,
    reason = "one converter reads as one pipeline, in the order the module docs describe"
)]
fn places(
    source: &GazetteerSource,
    sources: &Path,
    within: &Within,
) -> Result<Converted, GazetteerError> {
    const ID: &str = "id";
    if source.paths.is_empty() {
        return Err(GazetteerError::Recipe {
            reason: format!("source {} (stednavne) names no files", source.dataset),
        });
    }
    let mut report = SourceReport::of(source, 0);
    let mut records: Vec<Record> = Vec::new();
    // Match key → indices into `records`, for the merge of nearby duplicates.
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    let mut merged = Vec::new();
    let mut outside = Vec::new();
    for path in &source.paths {
        let read_file = read(source, sources, path)?;
        report.read += read_file.features.len();
        let prefix = stem(path);
        let ids: Vec<String> = read_file
            .features
            .iter()
            .map(|f| feature_name(f, ID))
            .collect();
        let ids_repeat = ids.iter().collect::<HashSet<_>>().len() != ids.len();
        let mut from_file = 0;
        for mut feature in read_file.features {
            let native = crate::build::text_of(feature.properties.get(ID)).ok_or_else(|| {
                GazetteerError::Field {
                    file: path.clone(),
                    feature: format!("#{}", feature.index),
                    reason: format!("has no id in {ID:?}"),
                }
            })?;
            let id = if ids_repeat {
                let category =
                    required_text(&feature, "navnekategori", path, ID).map_err(|_| {
                        GazetteerError::Field {
                            file: path.clone(),
                            feature: native.clone(),
                            reason: "ids repeat in this file and the feature has no navnekategori to tell them apart".into(),
                        }
                    })?;
                format!("{prefix}-{category}-{native}")
            } else {
                format!("{prefix}-{native}")
            };
            let name = required_text(&feature, "navn", path, ID)?;
            let point = point_on(
                feature.geometry.take(),
                feature.unclosed_rings,
                path,
                &native,
            )?;
            if !within.holds(point) {
                outside.push(format!(
                    "{id} {name:?} at ({:.5}, {:.5})",
                    point.x(),
                    point.y()
                ));
                continue;
            }
            let key = match_key(&name);
            let same = by_key.get(&key).and_then(|indices| {
                indices
                    .iter()
                    .find(|&&i| metres(records[i].entry.point, point) < SAME_PLACE_M)
            });
            if let Some(&kept) = same {
                merged.push(format!("{id} into {}", records[kept].entry.id));
                continue;
            }
            by_key.entry(key).or_default().push(records.len());
            records.push(Record {
                entry: Entry {
                    kind: Kind::Place,
                    id,
                    text: name,
                    street: None,
                    house_number: None,
                    postcode: None,
                    district: None,
                    point,
                },
                source: source.dataset.clone(),
            });
            from_file += 1;
        }
        report.notes.push(format!(
            "{path}: {from_file} places{}",
            if ids_repeat {
                " (ids repeat across categories: ids are {stem}-{navnekategori}-{id})"
            } else {
                ""
            }
        ));
    }
    report.notes.push(format!(
        "merged {} features into an earlier place of the same name within {SAME_PLACE_M} m: {}",
        merged.len(),
        examples(&merged)
    ));
    report.notes.extend(outside_note(&outside, within));
    report.written = records.len();
    Ok((records, report))
}

fn streets(
    source: &GazetteerSource,
    sources: &Path,
    within: &Within,
) -> Result<Converted, GazetteerError> {
    const ID: &str = "id";
    let path = single_path(source)?;
    let read_file = read(source, sources, path)?;
    let mut report = SourceReport::of(source, read_file.features.len());
    // Street name → its segments, in file order.
    let mut by_name: BTreeMap<String, Vec<LineString<f64>>> = BTreeMap::new();
    let mut no_geometry = Vec::new();
    for mut feature in read_file.features {
        let native = feature_name(&feature, ID);
        let name = required_text(&feature, "vejnavn", path, ID)?;
        let Some(geometry) = feature.geometry.take() else {
            no_geometry.push(format!("{native} {name:?}"));
            continue;
        };
        let (lines, _) =
            repair::repair_linear(Some(geometry)).map_err(|e| GazetteerError::Geometry {
                file: path.to_owned(),
                feature: native.clone(),
                source: e,
            })?;
        by_name.entry(name).or_default().extend(lines);
    }
    if !no_geometry.is_empty() {
        report.notes.push(format!(
            "left out {} segments without geometry: {}",
            no_geometry.len(),
            no_geometry.join("; ")
        ));
    }
    let mut records = Vec::with_capacity(by_name.len());
    let mut outside = Vec::new();
    let mut segments = 0;
    for (name, lines) in by_name {
        segments += lines.len();
        let id = format!("vejklasser-{}", crate::build::slug(&name));
        let shape = geo::MultiLineString::new(lines);
        let centre = shape.centroid().ok_or_else(|| GazetteerError::NoPoint {
            file: path.to_owned(),
            feature: id.clone(),
        })?;
        let nearest = shape
            .iter()
            .flat_map(|line| line.0.iter().copied())
            .map(Point::from)
            .fold(None, |best: Option<(Point<f64>, f64)>, vertex| {
                let d = metres(vertex, centre);
                match best {
                    Some((_, best_d)) if best_d <= d => best,
                    _ => Some((vertex, d)),
                }
            })
            .map(|(vertex, _)| vertex)
            .ok_or_else(|| GazetteerError::NoPoint {
                file: path.to_owned(),
                feature: id.clone(),
            })?;
        if !within.holds(nearest) {
            outside.push(format!("{id} {name:?}"));
            continue;
        }
        records.push(Record {
            entry: Entry {
                kind: Kind::Street,
                id,
                text: name.clone(),
                street: Some(name),
                house_number: None,
                postcode: None,
                district: None,
                point: nearest,
            },
            source: source.dataset.clone(),
        });
    }
    report.notes.push(format!(
        "{segments} segments with geometry make {} named streets (names trimmed; one entry per name)",
        records.len() + outside.len()
    ));
    report.notes.extend(outside_note(&outside, within));
    report.written = records.len();
    Ok((records, report))
}

/// The names table: postcode → its names (`PostNord` lists a postcode once per kommune).
fn read_names(path: &Path, file: &str) -> Result<BTreeMap<u16, Vec<String>>, GazetteerError> {
    let names_error = |reason: String| GazetteerError::Names {
        file: file.to_owned(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| names_error(format!("cannot read it: {e}")))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| names_error(e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| names_error(format!("has no column {name:?}")))
    };
    let (code_col, name_col) = (column("POSTNR")?, column("BYNAVN")?);
    let mut names: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for (index, row) in reader.records().enumerate() {
        let line = index + 2;
        let row = row.map_err(|e| names_error(format!("line {line}: {e}")))?;
        let code = row.get(code_col).unwrap_or_default().trim();
        let name = row.get(name_col).unwrap_or_default().trim();
        let code: u16 = code
            .parse()
            .ok()
            .filter(|_| code.len() == 4)
            .ok_or_else(|| {
                names_error(format!("line {line}: POSTNR {code:?} is not four digits"))
            })?;
        let list = names.entry(code).or_default();
        if !name.is_empty() && !list.iter().any(|n| n == name) {
            list.push(name.to_owned());
        }
    }
    Ok(names)
}

#[expect(
    clippy::too_many_lines,
    reason = "one converter reads as one pipeline, in the order the module docs describe"
)]
fn postcodes(
    source: &GazetteerSource,
    sources: &Path,
    within: &Within,
) -> Result<Converted, GazetteerError> {
    const ID: &str = "nr";
    let path = single_path(source)?;
    let names = match &source.names {
        Some(table) => Some(read_names(&sources.join(table), table)?),
        None => None,
    };
    let read_file = read(source, sources, path)?;
    let mut report = SourceReport::of(source, read_file.features.len());
    let (mut agree, mut completed, mut disagree, mut missing) =
        (0, Vec::new(), Vec::new(), Vec::new());
    let mut moved = Vec::new();
    let mut outside = Vec::new();
    let mut records = Vec::new();
    for mut feature in read_file.features {
        let nr = required_text(&feature, ID, path, ID)?;
        let code: u16 =
            nr.parse()
                .ok()
                .filter(|_| nr.len() == 4)
                .ok_or_else(|| GazetteerError::Field {
                    file: path.to_owned(),
                    feature: nr.clone(),
                    reason: "nr is not four digits".into(),
                })?;
        let own = crate::build::text_of(feature.properties.get("navn"));
        let listed = names
            .as_ref()
            .map(|n| n.get(&code).cloned().unwrap_or_default());
        let district = match (own, &listed) {
            (Some(own), Some(listed)) if listed.contains(&own) => {
                agree += 1;
                own
            }
            (Some(own), Some(listed)) if listed.is_empty() => {
                missing.push(format!("{nr} {own}"));
                own
            }
            (Some(own), Some(listed)) => {
                disagree.push(format!("{nr} {own:?} (table: {})", listed.join(" / ")));
                own
            }
            (Some(own), None) => own,
            (None, Some(listed)) if listed.len() == 1 => {
                completed.push(format!("{nr} {}", listed[0]));
                listed[0].clone()
            }
            (None, _) => {
                return Err(GazetteerError::Field {
                    file: path.to_owned(),
                    feature: nr,
                    reason: "has no name in \"navn\" and the names table gives none (or several)"
                        .into(),
                });
            }
        };
        let (shape, _) = repair::repair_polygonal(feature.geometry.take(), feature.unclosed_rings)
            .map_err(|e| GazetteerError::Geometry {
                file: path.to_owned(),
                feature: nr.clone(),
                source: e,
            })?;
        let mut point = shape
            .interior_point()
            .ok_or_else(|| GazetteerError::NoPoint {
                file: path.to_owned(),
                feature: nr.clone(),
            })?;
        if !within.outline.contains(&point) {
            let inside = shape.intersection(&within.outline);
            if let Some(p) = inside.interior_point() {
                moved.push(nr.clone());
                point = p;
            }
        }
        let text = format!("{nr} {district}");
        if !within.holds(point) {
            outside.push(format!("postnummer-{nr} {text:?}"));
            continue;
        }
        records.push(Record {
            entry: Entry {
                kind: Kind::Postcode,
                id: format!("postnummer-{nr}"),
                text,
                street: None,
                house_number: None,
                postcode: Some(code),
                district: Some(district),
                point,
            },
            source: source.dataset.clone(),
        });
    }
    if let Some(table) = &source.names {
        report.notes.push(format!(
            "names checked against {table}: {agree} agree, {} differ{}, {} missing from the table{}, {} completed from it{}",
            disagree.len(),
            colon_list(&disagree),
            missing.len(),
            colon_list(&missing),
            completed.len(),
            colon_list(&completed),
        ));
    }
    report.notes.push(format!(
        "{} postcodes whose interior point lies outside the outline of {} (Frederiksberg included) get the interior point of their part inside it{}",
        moved.len(),
        within.layer,
        colon_list(&moved)
    ));
    report.notes.extend(outside_note(&outside, within));
    report.written = records.len();
    Ok((records, report))
}

/// ": a, b, c" or nothing.
fn colon_list(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(": {}", items.join(", "))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn half_way_along_a_line_is_on_the_line() {
        let line = LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 3.0)]);
        assert_eq!(half_way(&line), Some(Point::new(1.0, 1.0)));
        let two = LineString::from(vec![(12.0, 55.0), (12.0, 55.2)]);
        let p = half_way(&two).unwrap();
        assert!((p.y() - 55.1).abs() < 1e-12 && (p.x() - 12.0).abs() < 1e-12);
    }

    #[test]
    fn a_degree_of_latitude_is_about_111_km_and_of_longitude_less_in_copenhagen() {
        let d = metres(Point::new(12.5, 55.0), Point::new(12.5, 56.0));
        assert!((d - 110_574.0).abs() < 1.0);
        let e = metres(Point::new(12.0, 55.7), Point::new(13.0, 55.7));
        assert!(e > 62_000.0 && e < 63_000.0, "{e}");
    }

    #[test]
    fn examples_show_five_ids_and_count_the_rest() {
        let ids: Vec<String> = (1..=7).map(|i| i.to_string()).collect();
        assert_eq!(examples(&ids), "1, 2, 3, 4, 5 (and 2 more)");
        assert_eq!(examples(&ids[..2]), "1, 2");
    }

    #[test]
    fn a_point_on_an_area_lies_inside_it_and_the_file_stem_becomes_a_prefix() {
        let square = Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (2.0, 0.0),
                (2.0, 2.0),
                (0.0, 2.0),
                (0.0, 0.0),
            ]),
            vec![],
        );
        let p = point_on(Some(square.clone().into()), 0, "f", "1").unwrap();
        assert!(square.contains(&p));
        assert!(point_on(None, 0, "f", "1").is_err());
        assert_eq!(
            stem("kk-datakk-2014/stednavn_punkt.geojson"),
            "stednavn-punkt"
        );
    }
}

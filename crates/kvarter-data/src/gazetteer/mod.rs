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
//!
//! [`match_key`]: kvarter_geocode::normalise::match_key

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use geo::{Geometry, MultiPolygon, Point, Polygon};
use kvarter_core::{Bounds, Layer};
use kvarter_geocode::file::{self, Record};

use crate::manifest;
use crate::names::text_of;
use crate::recipe::{GazetteerConverter, GazetteerRecipe, GazetteerSource};
use crate::repair::RepairError;
use crate::source::{self, SourceError, SourceFeature, SourceFile};

mod addresses;
mod places;
mod postcodes;
mod streets;

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
            GazetteerConverter::ByfornyelseAddresses => {
                addresses::convert(source, sources, &within)?
            }
            GazetteerConverter::Stednavne => places::convert(source, sources, &within)?,
            GazetteerConverter::VejklasserStreets => streets::convert(source, sources, &within)?,
            GazetteerConverter::DawaPostnumre => postcodes::convert(source, sources, &within)?,
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

// What the converters share. Private items of this module are visible to its submodules (the
// converters) and to nothing else.

/// The one file a converter of a single file reads (its path, its features) and its report
/// counting the features read: how the addresses, streets and postcodes converters start.
fn read_single<'a>(
    source: &'a GazetteerSource,
    sources: &Path,
) -> Result<(&'a str, SourceFile, SourceReport), GazetteerError> {
    let path = single_path(source)?;
    let file = read(source, sources, path)?;
    let report = SourceReport::of(source, file.features.len());
    Ok((path, file, report))
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
    text_of(feature.properties.get(id_field)).unwrap_or_else(|| format!("#{}", feature.index))
}

/// A required text property, trimmed.
fn required_text(
    feature: &SourceFeature,
    field: &str,
    file: &str,
    id_field: &str,
) -> Result<String, GazetteerError> {
    text_of(feature.properties.get(field)).ok_or_else(|| GazetteerError::Field {
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

/// Distance in metres between two lon/lat points (equirectangular; exact enough within a city).
fn metres(a: Point<f64>, b: Point<f64>) -> f64 {
    let mean_lat = f64::midpoint(a.y(), b.y()).to_radians();
    let dx = (a.x() - b.x()) * mean_lat.cos() * 111_320.0;
    let dy = (a.y() - b.y()) * 110_574.0;
    dx.hypot(dy)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

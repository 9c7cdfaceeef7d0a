//! The `stednavne` converter: named points, areas and lines become place entries, with nearby
//! places of the same name merged into one.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use geo::{Geometry, InteriorPoint, LineString, Point};
use kvarter_geocode::file::Record;
use kvarter_geocode::normalise::match_key;
use kvarter_geocode::{Entry, Kind};

use super::{
    Converted, GazetteerError, SAME_PLACE_M, SourceReport, Within, examples, feature_name, metres,
    outside_note, read, required_text,
};
use crate::names::{slug, text_of};
use crate::recipe::GazetteerSource;
use crate::repair::{self, RepairError};

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
    slug(&name)
}

pub(super) fn convert(
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
            let native =
                text_of(feature.properties.get(ID)).ok_or_else(|| GazetteerError::Field {
                    file: path.clone(),
                    feature: format!("#{}", feature.index),
                    reason: format!("has no id in {ID:?}"),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use geo::{Contains, Polygon};

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

//! The `vejklasser-streets` converter: street segments become one street entry per name, at the
//! vertex of the street nearest the centre of its segments.

use std::collections::BTreeMap;
use std::path::Path;

use geo::{Centroid, LineString, Point};
use kvarter_geocode::file::Record;
use kvarter_geocode::{Entry, Kind};

use super::{
    Converted, GazetteerError, Within, feature_name, metres, outside_note, read_single,
    required_text,
};
use crate::names::slug;
use crate::recipe::GazetteerSource;
use crate::repair;

pub(super) fn convert(
    source: &GazetteerSource,
    sources: &Path,
    within: &Within,
) -> Result<Converted, GazetteerError> {
    const ID: &str = "id";
    let (path, read_file, mut report) = read_single(source, sources)?;
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
        let id = format!("vejklasser-{}", slug(&name));
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

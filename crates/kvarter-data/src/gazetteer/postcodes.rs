//! The `dawa-postnumre` converter: postcode polygons become postcode entries, their names
//! checked against (and completed from) the `PostNord` names table.

use std::collections::BTreeMap;
use std::path::Path;

use geo::{BooleanOps, Contains, InteriorPoint};
use kvarter_geocode::file::Record;
use kvarter_geocode::{Entry, Kind};

use super::{Converted, GazetteerError, Within, outside_note, read_single, required_text};
use crate::names::text_of;
use crate::recipe::GazetteerSource;
use crate::repair;

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
pub(super) fn convert(
    source: &GazetteerSource,
    sources: &Path,
    within: &Within,
) -> Result<Converted, GazetteerError> {
    const ID: &str = "nr";
    let (path, read_file, mut report) = read_single(source, sources)?;
    let names = match &source.names {
        Some(table) => Some(read_names(&sources.join(table), table)?),
        None => None,
    };
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
        let own = text_of(feature.properties.get("navn"));
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

//! The `byfornyelse-addresses` converter: address texts of buildings and parcels become address
//! entries, one per text, at a point on the building.

use std::collections::BTreeMap;
use std::path::Path;

use geo::{InteriorPoint, Point};
use kvarter_geocode::address::AddressError;
use kvarter_geocode::file::Record;
use kvarter_geocode::{Entry, Kind, parse_address};

use super::{
    Converted, GazetteerError, Within, examples, outside_note, read_single, required_text,
};
use crate::names::text_of;
use crate::recipe::GazetteerSource;
use crate::repair;

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
pub(super) fn convert(
    source: &GazetteerSource,
    sources: &Path,
    within: &Within,
) -> Result<Converted, GazetteerError> {
    const ID: &str = "ogc_fid";
    let (path, read_file, mut report) = read_single(source, sources)?;
    let mut groups: BTreeMap<String, AddressGroup> = BTreeMap::new();
    let mut failed: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut repaired = Vec::new();
    let mut parsed_count = 0;
    for mut feature in read_file.features {
        let fid = text_of(feature.properties.get(ID)).ok_or_else(|| GazetteerError::Field {
            file: path.to_owned(),
            feature: format!("#{}", feature.index),
            reason: format!("has no id in {ID:?}"),
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

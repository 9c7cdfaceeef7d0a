//! One row of any format into an entry or a rejection: the fields as read ([`RawAddress`]),
//! the checks on points, house numbers, postcodes and ids, and the ids already imported.

use std::borrow::Cow;
use std::collections::HashSet;

use geo::Point;
use serde_json::Value;

use super::{RejectReason, Rejected, Row, Utm32ToWgs84};
use crate::address::HouseNumber;
use crate::index::{Entry, Kind};

/// Builds the entry and checks the id is new; only imported ids count as seen.
pub(super) fn finish(
    raw: &RawAddress<'_>,
    record: u64,
    line: Option<u64>,
    project: Utm32ToWgs84,
    seen: &mut SeenIds,
) -> Row {
    let id = raw.id.trim();
    let result = entry(raw, project).and_then(|entry| {
        if seen.insert(&entry.id) {
            Ok(entry)
        } else {
            Err(RejectReason::DuplicateId)
        }
    });
    match result {
        Ok(entry) => Row::Imported(entry),
        Err(reason) => Row::Rejected(Rejected {
            record,
            line,
            id: (!id.is_empty()).then(|| id.to_owned()),
            reason,
        }),
    }
}

/// One row's fields as text (or parsed coordinates), whatever the format.
pub(super) struct RawAddress<'a> {
    pub(super) id: Cow<'a, str>,
    pub(super) street: Cow<'a, str>,
    pub(super) house_number: Cow<'a, str>,
    pub(super) postcode: Cow<'a, str>,
    pub(super) district: Cow<'a, str>,
    pub(super) point: RawPoint,
}

impl RawAddress<'_> {
    pub(super) fn with_decimal_comma(mut self, allowed: bool) -> Self {
        if !allowed {
            for coordinate in [
                &mut self.point.lon,
                &mut self.point.lat,
                &mut self.point.east,
                &mut self.point.north,
            ] {
                if let Coordinate::DecimalComma(_, text) = coordinate {
                    *coordinate = Coordinate::NotNumber(std::mem::take(text));
                }
            }
        }
        self
    }
}

/// WGS84 and UTM 32N ordinates of a row, each maybe missing.
#[derive(Default)]
pub(super) struct RawPoint {
    pub(super) lon: Coordinate,
    pub(super) lat: Coordinate,
    pub(super) east: Coordinate,
    pub(super) north: Coordinate,
}

/// One ordinate as read.
#[derive(Default)]
pub(super) enum Coordinate {
    #[default]
    Missing,
    Number(f64),
    /// A number written with a decimal comma ("55,7009"), allowed in `;`-separated CSV.
    DecimalComma(f64, String),
    NotNumber(String),
}

impl Coordinate {
    pub(super) fn parse(text: &str) -> Self {
        let text = text.trim();
        if text.is_empty() {
            return Self::Missing;
        }
        if let Ok(number) = text.parse::<f64>() {
            return Self::Number(number);
        }
        if text.bytes().filter(|b| *b == b',').count() == 1
            && !text.contains('.')
            && let Ok(number) = text.replace(',', ".").parse::<f64>()
        {
            return Self::DecimalComma(number, text.to_owned());
        }
        Self::NotNumber(text.to_owned())
    }

    pub(super) fn from_json(value: Option<&Value>) -> Self {
        match value {
            None | Some(Value::Null) => Self::Missing,
            Some(Value::Number(number)) => number
                .as_f64()
                .map_or_else(|| Self::NotNumber(number.to_string()), Self::Number),
            Some(Value::String(text)) => match Self::parse(text) {
                Self::DecimalComma(..) => Self::NotNumber(text.clone()),
                other => other,
            },
            Some(other) => Self::NotNumber(other.to_string()),
        }
    }

    /// The number, `Ok(None)` when missing, or the rejection for text that is no number.
    fn value(&self) -> Result<Option<f64>, RejectReason> {
        match self {
            Self::Missing => Ok(None),
            Self::Number(number) | Self::DecimalComma(number, _) => Ok(Some(*number)),
            Self::NotNumber(text) => Err(RejectReason::CoordinatesNotNumbers {
                found: text.clone(),
            }),
        }
    }
}

pub(super) fn on_globe(lon: f64, lat: f64) -> bool {
    lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
}

pub(super) fn fits_utm(x: f64, y: f64) -> bool {
    (0.0..=1_000_000.0).contains(&x) && (0.0..=10_000_000.0).contains(&y)
}

/// The point of a row: WGS84 when both are filled, else ETRS89 / UTM 32N converted.
fn point(raw: &RawPoint, project: Utm32ToWgs84) -> Result<Point<f64>, RejectReason> {
    let (lon, lat) = (raw.lon.value()?, raw.lat.value()?);
    if let (Some(lon), Some(lat)) = (lon, lat) {
        return if on_globe(lon, lat) {
            Ok(Point::new(lon, lat))
        } else {
            Err(RejectReason::CoordinatesOffTheGlobe {
                x: lon,
                y: lat,
                epsg: 4326,
            })
        };
    }
    let (Some(east), Some(north)) = (raw.east.value()?, raw.north.value()?) else {
        return Err(RejectReason::CoordinatesMissing);
    };
    let off = || RejectReason::CoordinatesOffTheGlobe {
        x: east,
        y: north,
        epsg: 25832,
    };
    if !(east.is_finite() && north.is_finite() && fits_utm(east, north)) {
        return Err(off());
    }
    match project(east, north) {
        Some((lon, lat)) if on_globe(lon, lat) => Ok(Point::new(lon, lat)),
        _ => Err(off()),
    }
}

/// Reads "12", "12B", "12 b" as a house number 1–999 with at most one letter.
fn house_number(text: &str) -> Option<HouseNumber> {
    let digits_end = text
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, rest) = text.split_at(digits_end);
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    let number: u16 = digits.parse().ok()?;
    if number == 0 {
        return None;
    }
    let mut letters = rest.trim_start().chars();
    match (letters.next(), letters.next()) {
        (None, _) => Some(HouseNumber::new(number)),
        (Some(letter), None) if letter.is_ascii_alphabetic() => {
            Some(HouseNumber::with_letter(number, letter))
        }
        _ => None,
    }
}

fn postcode(text: &str) -> Option<u16> {
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|code| *code >= 1000)
}

/// The entry for a row, or why there is none (duplicates are checked by the caller).
fn entry(raw: &RawAddress<'_>, project: Utm32ToWgs84) -> Result<Entry, RejectReason> {
    let id = raw.id.trim();
    if id.is_empty() {
        return Err(RejectReason::MissingId);
    }
    let street = raw.street.trim();
    if street.is_empty() {
        return Err(RejectReason::MissingStreet);
    }
    let number_text = raw.house_number.trim();
    let number = house_number(number_text).ok_or_else(|| RejectReason::BadHouseNumber {
        found: number_text.to_owned(),
    })?;
    let code_text = raw.postcode.trim();
    let code = postcode(code_text).ok_or_else(|| RejectReason::PostcodeNotFourDigits {
        found: code_text.to_owned(),
    })?;
    let point = point(&raw.point, project)?;
    let district = raw.district.trim();
    let text = if district.is_empty() {
        format!("{street} {number}, {code}")
    } else {
        format!("{street} {number}, {code} {district}")
    };
    Ok(Entry {
        kind: Kind::Address,
        id: id.to_owned(),
        text,
        street: Some(street.to_owned()),
        house_number: Some(number),
        postcode: Some(code),
        district: (!district.is_empty()).then(|| district.to_owned()),
        point,
    })
}

/// Ids already imported. DAR ids are UUIDs, kept as 16 bytes each (≈ 40 MB for the national
/// register instead of ≈ 150 MB as strings); other ids are kept as strings.
#[derive(Default)]
pub(super) struct SeenIds {
    uuids: HashSet<u128>,
    others: HashSet<Box<str>>,
}

impl SeenIds {
    /// Records `id`; false if it was there already.
    fn insert(&mut self, id: &str) -> bool {
        match uuid(id) {
            Some(bits) => self.uuids.insert(bits),
            None => {
                if self.others.contains(id) {
                    false
                } else {
                    self.others.insert(id.into())
                }
            }
        }
    }
}

/// The 128 bits of a hyphenated UUID ("0a3f5090-…"), case-insensitive.
fn uuid(id: &str) -> Option<u128> {
    let bytes = id.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut bits: u128 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let digit = char::from(b).to_digit(16)?;
        bits = (bits << 4) | u128::from(digit);
    }
    Some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_numbers_with_and_without_letters_are_read() {
        assert_eq!(house_number("12"), Some(HouseNumber::new(12)));
        assert_eq!(house_number("12B"), Some(HouseNumber::with_letter(12, 'B')));
        assert_eq!(
            house_number("12 b"),
            Some(HouseNumber::with_letter(12, 'B'))
        );
        for bad in ["", "0", "1000", "12-14", "12BC", "B", "12Ø"] {
            assert_eq!(house_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn postcodes_are_four_digits_from_1000() {
        assert_eq!(postcode("2200"), Some(2200));
        for bad in ["", "220", "22000", "0999", "22a0"] {
            assert_eq!(postcode(bad), None, "{bad}");
        }
    }

    #[test]
    fn uuids_are_read_case_insensitively_and_other_ids_are_not_uuids() {
        let a = uuid("0a3f5090-1111-32b8-e044-0003ba298018");
        assert!(a.is_some());
        assert_eq!(a, uuid("0A3F5090-1111-32B8-E044-0003BA298018"));
        assert_eq!(uuid("0a3f5090111132b8e0440003ba298018xxxx"), None);
        assert_eq!(uuid("kk-1"), None);
        let mut seen = SeenIds::default();
        assert!(seen.insert("kk-1"));
        assert!(!seen.insert("kk-1"));
        assert!(seen.insert("0a3f5090-1111-32b8-e044-0003ba298018"));
        assert!(!seen.insert("0A3F5090-1111-32B8-E044-0003BA298018"));
    }

    #[test]
    fn decimal_commas_are_numbers_only_outside_comma_separated_files() {
        assert!(matches!(
            Coordinate::parse("55,7009"),
            Coordinate::DecimalComma(..)
        ));
        assert!(matches!(
            Coordinate::parse(" 55.7009 "),
            Coordinate::Number(_)
        ));
        assert!(matches!(Coordinate::parse("øst"), Coordinate::NotNumber(_)));
        assert!(matches!(Coordinate::parse(" "), Coordinate::Missing));
    }
}

//! DAWA JSON: an array of adgangsadresse objects, nested or flat, and the record that both
//! JSON formats (this one and `GeoJSON`) yield for each element.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::DawaError;
use super::row::{Coordinate, RawAddress, RawPoint, fits_utm, on_globe};

/// An adgangsadresse object, nested (DAWA's default) or flat (CSV names, `struktur=mini`), or
/// a `GeoJSON` feature's properties. Unknown fields are ignored.
#[derive(Debug, Default, Deserialize)]
pub(super) struct JsonAddress {
    id: Option<Value>,
    vejnavn: Option<Value>,
    vejstykke: Option<JsonNamed>,
    husnr: Option<Value>,
    postnr: Option<Value>,
    postnrnavn: Option<Value>,
    postnummer: Option<JsonPostcode>,
    adgangspunkt: Option<JsonAccessPoint>,
    #[serde(rename = "wgs84koordinat_længde")]
    lon: Option<Value>,
    #[serde(rename = "wgs84koordinat_bredde")]
    lat: Option<Value>,
    #[serde(rename = "etrs89koordinat_øst")]
    east: Option<Value>,
    #[serde(rename = "etrs89koordinat_nord")]
    north: Option<Value>,
    x: Option<Value>,
    y: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonNamed {
    navn: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonPostcode {
    nr: Option<Value>,
    navn: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonAccessPoint {
    koordinater: Option<Value>,
}

/// The CRS of a point array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PointCrs {
    Wgs84,
    Utm32,
    /// Not declared: degrees, unless the values only make sense as UTM metres.
    Guess,
}

/// One JSON array element or `GeoJSON` feature.
#[derive(Debug)]
pub(super) struct JsonRecord {
    pub(super) address: JsonAddress,
    /// The `GeoJSON` geometry's coordinates.
    pub(super) geometry: Option<Value>,
    pub(super) crs: PointCrs,
    pub(super) feature_id: Option<Value>,
}

/// A JSON scalar as text: strings as they are, numbers written out, null or absent as "".
fn json_text(value: Option<&Value>) -> Cow<'_, str> {
    match value {
        None | Some(Value::Null) => Cow::Borrowed(""),
        Some(Value::String(text)) => Cow::Borrowed(text),
        Some(other) => Cow::Owned(other.to_string()),
    }
}

impl JsonRecord {
    pub(super) fn raw(&self) -> RawAddress<'_> {
        let a = &self.address;
        let postnummer = a.postnummer.as_ref();
        let mut point = RawPoint {
            lon: Coordinate::from_json(a.lon.as_ref()),
            lat: Coordinate::from_json(a.lat.as_ref()),
            east: Coordinate::from_json(a.east.as_ref()),
            north: Coordinate::from_json(a.north.as_ref()),
        };
        if matches!(
            (&point.lon, &point.lat),
            (Coordinate::Missing, Coordinate::Missing)
        ) {
            let array = self
                .geometry
                .as_ref()
                .or_else(|| a.adgangspunkt.as_ref().and_then(|p| p.koordinater.as_ref()));
            let (x, y) = match array {
                Some(Value::Array(values)) if values.len() >= 2 => (
                    Coordinate::from_json(values.first()),
                    Coordinate::from_json(values.get(1)),
                ),
                None | Some(Value::Null) => (
                    Coordinate::from_json(a.x.as_ref()),
                    Coordinate::from_json(a.y.as_ref()),
                ),
                Some(other) => (
                    Coordinate::NotNumber(other.to_string()),
                    Coordinate::Missing,
                ),
            };
            let utm = match (self.crs, &x, &y) {
                (PointCrs::Utm32, _, _) => true,
                (PointCrs::Guess, Coordinate::Number(x), Coordinate::Number(y)) => {
                    !on_globe(*x, *y) && fits_utm(*x, *y)
                }
                _ => false,
            };
            if utm {
                (point.east, point.north) = (x, y);
            } else {
                (point.lon, point.lat) = (x, y);
            }
        }
        RawAddress {
            id: json_text(a.id.as_ref().or(self.feature_id.as_ref())),
            street: json_text(
                a.vejnavn
                    .as_ref()
                    .or_else(|| a.vejstykke.as_ref().and_then(|v| v.navn.as_ref())),
            ),
            house_number: json_text(a.husnr.as_ref()),
            postcode: json_text(
                a.postnr
                    .as_ref()
                    .or_else(|| postnummer.and_then(|p| p.nr.as_ref())),
            ),
            district: json_text(
                a.postnrnavn
                    .as_ref()
                    .or_else(|| postnummer.and_then(|p| p.navn.as_ref())),
            ),
            point,
        }
    }
}

/// The elements of a JSON array, none with a geometry or a declared CRS.
pub(super) fn records(bytes: &[u8]) -> Result<Vec<JsonRecord>, DawaError> {
    let addresses: Vec<JsonAddress> = serde_json::from_slice(bytes).map_err(DawaError::Json)?;
    Ok(addresses
        .into_iter()
        .map(|address| JsonRecord {
            address,
            geometry: None,
            crs: PointCrs::Guess,
            feature_id: None,
        })
        .collect())
}

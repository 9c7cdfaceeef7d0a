//! The pieces of a comparison as an RFC 7946 `GeoJSON` `FeatureCollection`, for the map.

use geo::orient::Direction;
use geo::{MapCoords, MultiPolygon, Orient};
use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};
use serde::Serialize;

use crate::report::{Comparison, LayerRef, Summary};
use kvarter_core::Status;

/// Decimals of a degree written: 7 is about 1 cm.
pub const PRECISION: i32 = 7;

/// The foreign member `comparison` of the collection: what was compared, and the totals.
#[derive(Serialize)]
struct Header<'a> {
    from: &'a LayerRef,
    to: &'a LayerRef,
    status: Status,
    summary: &'a Summary,
}

/// `shape` with exteriors counter-clockwise and holes clockwise (RFC 7946 §3.1.6), every
/// coordinate rounded to [`PRECISION`] decimals.
fn rfc7946(shape: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let scale = 10f64.powi(PRECISION);
    shape.orient(Direction::Default).map_coords(
        |c| geo::coord! { x: (c.x * scale).round() / scale, y: (c.y * scale).round() / scale },
    )
}

fn text(value: Option<&str>) -> JsonValue {
    value.map_or(JsonValue::Null, |v| JsonValue::String(v.to_owned()))
}

impl Comparison {
    /// The pieces as a `GeoJSON` `FeatureCollection` (UTF-8): one feature per piece, in
    /// [`Comparison::pieces`] order, with properties `change`, `from_id`, `from_name`, `to_id`,
    /// `to_name` (null where not applicable) and `area_m2` (to 0.01 m²), RFC 7946 winding and
    /// 7 decimals. The foreign member `comparison` holds both [`LayerRef`]s, the comparison's
    /// status and the [`Summary`].
    pub fn to_geojson(&self) -> Vec<u8> {
        let features = self
            .pieces
            .iter()
            .map(|piece| {
                let mut properties = JsonObject::new();
                properties.insert("change".into(), piece.change.as_str().into());
                properties.insert("from_id".into(), text(piece.from_id.as_deref()));
                properties.insert("from_name".into(), text(piece.from_name.as_deref()));
                properties.insert("to_id".into(), text(piece.to_id.as_deref()));
                properties.insert("to_name".into(), text(piece.to_name.as_deref()));
                properties.insert(
                    "area_m2".into(),
                    ((piece.area_m2 * 100.0).round() / 100.0).into(),
                );
                Feature {
                    bbox: None,
                    geometry: Some(Geometry::new(geojson::Value::from(&rfc7946(
                        &piece.geometry,
                    )))),
                    id: None,
                    properties: Some(properties),
                    foreign_members: None,
                }
            })
            .collect();
        let header = Header {
            from: &self.from,
            to: &self.to,
            status: self.status,
            summary: &self.summary,
        };
        let mut foreign = JsonObject::new();
        foreign.insert(
            "comparison".into(),
            serde_json::to_value(header).expect("the comparison header serialises"),
        );
        let collection = FeatureCollection {
            bbox: None,
            features,
            foreign_members: Some(foreign),
        };
        serde_json::to_vec(&collection).expect("a FeatureCollection serialises")
    }
}

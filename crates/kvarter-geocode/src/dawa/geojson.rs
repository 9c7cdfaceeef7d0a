//! `GeoJSON`: the features of a `FeatureCollection` (DAWA's `?format=geojson`), their
//! properties read as DAWA JSON objects and their `Point` geometries in the collection's CRS.

use serde::Deserialize;
use serde_json::Value;

use super::DawaError;
use super::json::{JsonAddress, JsonRecord, PointCrs};

#[derive(Debug, Deserialize)]
struct JsonCollection {
    features: Option<Vec<JsonFeature>>,
    crs: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonFeature {
    id: Option<Value>,
    properties: Option<JsonAddress>,
    geometry: Option<JsonGeometry>,
}

#[derive(Debug, Deserialize)]
struct JsonGeometry {
    coordinates: Option<Value>,
}

impl PointCrs {
    /// From a `GeoJSON` `crs` member (`{"type": "name", "properties": {"name": "EPSG:25832"}}`).
    fn from_geojson(crs: Option<&Value>) -> Self {
        let name = crs
            .and_then(|crs| crs.pointer("/properties/name"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.contains("25832") {
            Self::Utm32
        } else if name.contains("4326") || name.contains("4258") || name.ends_with("CRS84") {
            Self::Wgs84
        } else {
            Self::Guess
        }
    }
}

/// The features of a `FeatureCollection`, each with its properties, geometry and id.
pub(super) fn records(bytes: &[u8]) -> Result<Vec<JsonRecord>, DawaError> {
    let collection: JsonCollection = serde_json::from_slice(bytes).map_err(DawaError::Json)?;
    let Some(features) = collection.features else {
        return Err(DawaError::UnknownFormat {
            detail: "a JSON object without \"features\", not a GeoJSON FeatureCollection".into(),
        });
    };
    let crs = PointCrs::from_geojson(collection.crs.as_ref());
    Ok(features
        .into_iter()
        .map(|feature| JsonRecord {
            address: feature.properties.unwrap_or_default(),
            geometry: feature.geometry.and_then(|g| g.coordinates),
            crs,
            feature_id: feature.id,
        })
        .collect())
}

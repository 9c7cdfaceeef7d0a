//! Reading source files: GeoJSON feature collections in EPSG:4326 or EPSG:25832, converted to
//! lon/lat, with every problem reported against the file and the feature.

use std::path::{Path, PathBuf};

use geo::{Coord, Geometry, MapCoords};
use geojson::GeoJson;
use kvarter_core::Properties;

use kvarter_crs::{self as crs, Crs, CrsError};

/// One feature as read from a source file, already in lon/lat.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFeature {
    /// Position in the file (0-based), for messages.
    pub index: usize,
    /// The feature's own `id` member, if any.
    pub native_id: Option<String>,
    /// The feature's properties.
    pub properties: Properties,
    /// The geometry, or `None` for a feature with a null geometry.
    pub geometry: Option<Geometry<f64>>,
    /// How many polygon rings the file left unclosed (geo closes them when reading).
    pub unclosed_rings: usize,
}

/// A source file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    /// Where it was read from (for messages).
    pub origin: String,
    /// The CRS the file declared (coordinates below are already converted to lon/lat).
    pub crs: Crs,
    /// Its features in file order.
    pub features: Vec<SourceFeature>,
}

/// Why a source file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read; check the path (the build takes `--sources`).
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid GeoJSON (truncated, or not JSON at all).
    #[error("{origin} is not valid GeoJSON")]
    Json {
        /// The file.
        origin: String,
        /// The parser's message.
        #[source]
        source: Box<geojson::Error>,
    },
    /// The GeoJSON is valid but not a `FeatureCollection`.
    #[error("{origin} is a GeoJSON {found}, expected a FeatureCollection")]
    NotFeatureCollection {
        /// The file.
        origin: String,
        /// What it is instead.
        found: &'static str,
    },
    /// The file declares a CRS Kvarter does not read; reproject to EPSG:4326 or EPSG:25832.
    #[error("{origin} declares CRS {crs:?}; Kvarter reads EPSG:4326 (CRS84) and EPSG:25832")]
    UnsupportedCrs {
        /// The file.
        origin: String,
        /// The declared CRS, as written.
        crs: String,
    },
    /// A feature's geometry is malformed (e.g. a ring with non-numeric coordinates).
    #[error("{origin}: feature #{index}: {reason}")]
    Geometry {
        /// The file.
        origin: String,
        /// The feature's position.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A feature's coordinates are outside the range of the declared CRS — usually a sign that
    /// the file is in another CRS than it says.
    #[error("{origin}: feature #{index}: coordinates do not fit the declared CRS")]
    Coordinates {
        /// The file.
        origin: String,
        /// The feature's position.
        index: usize,
        /// The offending coordinate.
        #[source]
        source: CrsError,
    },
}

/// Reads a GeoJSON `FeatureCollection` from a file.
pub fn read_geojson(path: &Path) -> Result<SourceFile, SourceError> {
    let text = std::fs::read_to_string(path).map_err(|source| SourceError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_geojson(&text, &path.display().to_string())
}

/// Parses a GeoJSON `FeatureCollection`; `origin` names it in errors.
pub fn parse_geojson(text: &str, origin: &str) -> Result<SourceFile, SourceError> {
    let collection = parse_collection(text, origin)?;
    let crs = match crs_name(collection.foreign_members.as_ref()) {
        None => Crs::Wgs84,
        Some(name) => Crs::from_name(&name).ok_or_else(|| SourceError::UnsupportedCrs {
            origin: origin.to_owned(),
            crs: name,
        })?,
    };
    let mut features = raw_features(collection.features, origin, 0)?;
    for feature in &mut features {
        let index = feature.index;
        feature.geometry = feature
            .geometry
            .take()
            .map(|g| {
                g.try_map_coords(|c: Coord<f64>| crs::to_wgs84(crs, c))
                    .map_err(|source| SourceError::Coordinates {
                        origin: origin.to_owned(),
                        index,
                        source,
                    })
            })
            .transpose()?;
    }
    Ok(SourceFile {
        origin: origin.to_owned(),
        crs,
        features,
    })
}

/// Parses text that must be a GeoJSON `FeatureCollection`.
pub(crate) fn parse_collection(
    text: &str,
    origin: &str,
) -> Result<geojson::FeatureCollection, SourceError> {
    let json: GeoJson = text.parse().map_err(|source| SourceError::Json {
        origin: origin.to_owned(),
        source: Box::new(source),
    })?;
    match json {
        GeoJson::FeatureCollection(collection) => Ok(collection),
        GeoJson::Feature(_) => Err(not_collection(origin, "Feature")),
        GeoJson::Geometry(_) => Err(not_collection(origin, "Geometry")),
    }
}

/// The features of a collection with their geometries as the file has them (not converted);
/// `first_index` is the position of the first one (for paged sources).
pub(crate) fn raw_features(
    features: Vec<geojson::Feature>,
    origin: &str,
    first_index: usize,
) -> Result<Vec<SourceFeature>, SourceError> {
    features
        .into_iter()
        .enumerate()
        .map(|(offset, feature)| {
            let index = first_index + offset;
            let unclosed_rings = feature.geometry.as_ref().map_or(0, |g| unclosed(&g.value));
            let geometry = feature
                .geometry
                .as_ref()
                .map(|g| {
                    Geometry::<f64>::try_from(&g.value).map_err(|e| SourceError::Geometry {
                        origin: origin.to_owned(),
                        index,
                        reason: e.to_string(),
                    })
                })
                .transpose()?;
            let native_id = feature.id.map(|id| match id {
                geojson::feature::Id::String(s) => s,
                geojson::feature::Id::Number(n) => n.to_string(),
            });
            Ok(SourceFeature {
                index,
                native_id,
                properties: feature.properties.unwrap_or_default(),
                geometry,
                unclosed_rings,
            })
        })
        .collect()
}

/// Counts polygon rings whose last position differs from the first.
fn unclosed(value: &geojson::Value) -> usize {
    let open = |ring: &Vec<Vec<f64>>| usize::from(ring.first() != ring.last());
    match value {
        geojson::Value::Polygon(rings) => rings.iter().map(open).sum(),
        geojson::Value::MultiPolygon(polygons) => polygons.iter().flatten().map(open).sum(),
        geojson::Value::GeometryCollection(geometries) => {
            geometries.iter().map(|g| unclosed(&g.value)).sum()
        }
        _ => 0,
    }
}

fn not_collection(origin: &str, found: &'static str) -> SourceError {
    SourceError::NotFeatureCollection {
        origin: origin.to_owned(),
        found,
    }
}

/// The CRS named by a (pre-RFC 7946) `crs` member, as written; `None` without one (which means
/// WGS84 lon/lat).
pub(crate) fn crs_name(
    members: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Option<String> {
    let crs = members?.get("crs")?;
    let props = crs.get("properties");
    let name = props
        .and_then(|p| p.get("name"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            // Old style: {"type": "EPSG", "properties": {"code": 4326}}.
            props.and_then(|p| p.get("code")).map(|code| match code {
                serde_json::Value::String(s) => format!("EPSG:{s}"),
                other => format!("EPSG:{other}"),
            })
        })
        .unwrap_or_else(|| crs.to_string());
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(crs: &str, coords: &str) -> String {
        format!(
            r#"{{"type":"FeatureCollection",{crs}"features":[{{"type":"Feature","id":"a.1","properties":{{"navn":"Å"}},"geometry":{{"type":"Polygon","coordinates":[{coords}]}}}}]}}"#
        )
    }

    #[test]
    fn a_collection_without_crs_is_read_as_lon_lat() {
        let text = collection("", "[[12.5,55.6],[12.6,55.6],[12.6,55.7],[12.5,55.6]]");
        let file = parse_geojson(&text, "t").unwrap();
        assert_eq!(file.crs, Crs::Wgs84);
        assert_eq!(file.features[0].native_id.as_deref(), Some("a.1"));
        assert_eq!(file.features[0].properties["navn"], "Å");
    }

    #[test]
    fn a_utm32_collection_is_converted_to_lon_lat() {
        let crs = r#""crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}},"#;
        let text = collection(
            crs,
            "[[724351.93,6175804.02],[724451.93,6175804.02],[724451.93,6175904.02],[724351.93,6175804.02]]",
        );
        let file = parse_geojson(&text, "t").unwrap();
        let Some(Geometry::Polygon(polygon)) = &file.features[0].geometry else {
            panic!("not a polygon");
        };
        let first = polygon.exterior().0[0];
        assert!((first.x - 12.5683).abs() < 1e-6 && (first.y - 55.6761).abs() < 1e-6);
    }

    #[test]
    fn an_unsupported_crs_is_refused_by_name() {
        let crs = r#""crs":{"type":"name","properties":{"name":"EPSG:3035"}},"#;
        let text = collection(crs, "[[0,0],[1,0],[1,1],[0,0]]");
        let err = parse_geojson(&text, "t").unwrap_err();
        assert!(err.to_string().contains("EPSG:3035"), "{err}");
    }

    #[test]
    fn utm_coordinates_declared_as_lon_lat_are_refused() {
        let text = collection(
            "",
            "[[724351.93,6175804.02],[724451.93,6175804.02],[724451.93,6175904.02],[724351.93,6175804.02]]",
        );
        assert!(matches!(
            parse_geojson(&text, "t"),
            Err(SourceError::Coordinates { index: 0, .. })
        ));
    }

    #[test]
    fn a_truncated_file_is_refused_as_invalid_geojson() {
        let text = collection("", "[[12.5,55.6],[12.6,55.6],[12.6,55.7],[12.5,55.6]]");
        assert!(matches!(
            parse_geojson(&text[..text.len() / 2], "t"),
            Err(SourceError::Json { .. })
        ));
    }

    #[test]
    fn unclosed_rings_are_counted() {
        let text = collection("", "[[12.5,55.6],[12.6,55.6],[12.6,55.7]]");
        assert_eq!(
            parse_geojson(&text, "t").unwrap().features[0].unclosed_rings,
            1
        );
    }

    #[test]
    fn old_style_epsg_crs_members_are_understood() {
        let crs = r#""crs":{"type":"EPSG","properties":{"code":"4326"}},"#;
        let text = collection(crs, "[[12.5,55.6],[12.6,55.6],[12.6,55.7],[12.5,55.6]]");
        assert_eq!(parse_geojson(&text, "t").unwrap().crs, Crs::Wgs84);
    }
}

//! FlatGeobuf files: one per layer, EPSG:4326, with a packed Hilbert R-tree so that other tools
//! (QGIS, GDAL, flatgeobuf.js) can read them too.
//!
//! Columns: `fid` (the area id), `name`, `parent`, `area_m2`, then the source attributes the
//! build kept, typed by what their values are (bool, integer, float, text; anything mixed as
//! JSON). The header carries the layer's metadata as JSON. Areas are written and read back in
//! id order, so a layer round-trips exactly.

use std::collections::BTreeMap;
use std::io::Cursor;

use flatgeobuf::geozero::{ColumnValue, PropertyProcessor, ToGeo};
use flatgeobuf::{
    ColumnType, FallibleStreamingIterator, FeatureProperties, FgbCrs, FgbReader, FgbWriter,
    FgbWriterOptions, GeometryType,
};
use geo::Geometry;
use kvarter_core::{Area, Layer, LayerMeta, Properties};
use serde_json::Value;

/// Why a FlatGeobuf file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum FgbError {
    /// The flatgeobuf crate refused the data (corrupt or truncated file, or a write failure).
    #[error("FlatGeobuf error in layer {layer}")]
    Format {
        /// The layer.
        layer: String,
        /// The cause.
        #[source]
        source: flatgeobuf::Error,
    },
    /// A feature's geometry or properties could not be decoded.
    #[error("layer {layer}: feature #{index}: {reason}")]
    Feature {
        /// The layer.
        layer: String,
        /// The feature's position in the file.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The layer mixes polygons and lines, which one file cannot hold.
    #[error("layer {layer} mixes geometry types; a layer holds either areas or lines")]
    MixedGeometry {
        /// The layer.
        layer: String,
    },
}

const FIXED_COLUMNS: [&str; 4] = ["fid", "name", "parent", "area_m2"];

/// Encodes a layer as FlatGeobuf bytes. The same layer always gives the same bytes.
pub fn write_layer(layer: &Layer) -> Result<Vec<u8>, FgbError> {
    let name = layer.meta.id.as_str();
    let format = |source: flatgeobuf::Error| FgbError::Format {
        layer: name.to_owned(),
        source,
    };
    let geometry_type = geometry_type(layer)?;
    let meta_json = serde_json::to_string(&layer.meta).unwrap_or_default();
    let description = format!(
        "{} — status: {}; source: {}; licence: {}",
        layer.meta.title.en, layer.meta.status, layer.meta.source.publisher, layer.meta.licence
    );
    let options = FgbWriterOptions {
        write_index: true,
        detect_type: false,
        promote_to_multi: true,
        crs: FgbCrs {
            code: 4326,
            ..FgbCrs::default()
        },
        title: Some(&layer.meta.title.da),
        description: Some(&description),
        metadata: Some(&meta_json),
        ..FgbWriterOptions::default()
    };
    let mut writer =
        FgbWriter::create_with_options(name, geometry_type, options).map_err(format)?;

    let columns = attribute_columns(&layer.areas);
    writer.add_column("fid", ColumnType::String, |_, c| c.nullable = false);
    writer.add_column("name", ColumnType::String, |_, _| {});
    writer.add_column("parent", ColumnType::String, |_, _| {});
    writer.add_column("area_m2", ColumnType::Double, |_, _| {});
    for (key, column_type) in &columns {
        writer.add_column(key, *column_type, |_, _| {});
    }

    let mut areas: Vec<&Area> = layer.areas.iter().collect();
    areas.sort_by(|a, b| id_order(&a.id, &b.id));
    for area in areas {
        let mut failure = None;
        writer
            .add_feature_geom(area.geometry.clone(), |feature| {
                let mut put = |index: usize, key: &str, value: &ColumnValue| {
                    if let Err(e) = feature.property(index, key, value) {
                        failure.get_or_insert(e);
                    }
                };
                put(0, "fid", &ColumnValue::String(&area.id));
                if let Some(name) = &area.name {
                    put(1, "name", &ColumnValue::String(name));
                }
                if let Some(parent) = &area.parent {
                    put(2, "parent", &ColumnValue::String(parent));
                }
                if let Some(m2) = area.area_m2 {
                    put(3, "area_m2", &ColumnValue::Double(m2));
                }
                for (offset, (key, column_type)) in columns.iter().enumerate() {
                    let Some(value) = area.properties.get(key.as_str()) else {
                        continue;
                    };
                    let text;
                    let column_value = match (*column_type, value) {
                        (_, Value::Null) => continue,
                        (ColumnType::Bool, Value::Bool(b)) => ColumnValue::Bool(*b),
                        (ColumnType::Long, Value::Number(n)) if n.is_i64() => {
                            ColumnValue::Long(n.as_i64().unwrap_or_default())
                        }
                        (ColumnType::Double, Value::Number(n)) => {
                            ColumnValue::Double(n.as_f64().unwrap_or_default())
                        }
                        (ColumnType::String, Value::String(s)) => ColumnValue::String(s),
                        (_, other) => {
                            text = other.to_string();
                            ColumnValue::Json(&text)
                        }
                    };
                    put(FIXED_COLUMNS.len() + offset, key, &column_value);
                }
            })
            .map_err(|e| FgbError::Feature {
                layer: name.to_owned(),
                index: 0,
                reason: format!("area {}: {e}", area.id),
            })?;
        if let Some(source) = failure {
            return Err(FgbError::Feature {
                layer: name.to_owned(),
                index: 0,
                reason: format!("area {}: {source}", area.id),
            });
        }
    }
    let mut bytes = Vec::new();
    writer.write(&mut bytes).map_err(format)?;
    Ok(bytes)
}

/// Decodes a layer's FlatGeobuf bytes; `meta` comes from the manifest. Areas come back in id
/// order.
pub fn read_layer(bytes: &[u8], meta: LayerMeta) -> Result<Layer, FgbError> {
    let name = meta.id.to_string();
    let format = |source: flatgeobuf::Error| FgbError::Format {
        layer: name.clone(),
        source,
    };
    let mut cursor = Cursor::new(bytes);
    let reader = FgbReader::open(&mut cursor).map_err(format)?;
    let declared = reader.header().features_count();
    let mut features = reader.select_all().map_err(format)?;
    let mut areas = Vec::new();
    let mut index = 0;
    while let Some(feature) = features.next().map_err(format)? {
        let bad = |reason: String| FgbError::Feature {
            layer: name.clone(),
            index,
            reason,
        };
        let geometry: Geometry<f64> = feature.to_geo().map_err(|e| bad(e.to_string()))?;
        let mut collector = Collector::default();
        feature
            .process_properties(&mut collector)
            .map_err(|e| bad(e.to_string()))?;
        let mut props = collector.0;
        let text = |value: Option<Value>| match value {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let id = text(props.remove("fid")).ok_or_else(|| bad("missing fid".into()))?;
        areas.push(Area {
            id,
            name: text(props.remove("name")),
            parent: text(props.remove("parent")),
            area_m2: props.remove("area_m2").and_then(|v| v.as_f64()),
            properties: props,
            geometry,
        });
        index += 1;
    }
    if u64::try_from(areas.len()).ok() != Some(declared) {
        return Err(FgbError::Feature {
            layer: name,
            index: areas.len(),
            reason: format!(
                "the header declares {declared} features but only {} could be read: the file is truncated",
                areas.len()
            ),
        });
    }
    areas.sort_by(|a, b| id_order(&a.id, &b.id));
    Ok(Layer { meta, areas })
}

/// Orders ids numerically when both are integers, else as text.
pub fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

fn geometry_type(layer: &Layer) -> Result<GeometryType, FgbError> {
    let mut kinds = layer.areas.iter().map(|a| match a.geometry {
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => GeometryType::MultiPolygon,
        Geometry::LineString(_) | Geometry::MultiLineString(_) => GeometryType::MultiLineString,
        _ => GeometryType::Unknown,
    });
    let first = kinds.next().unwrap_or(GeometryType::MultiPolygon);
    if first == GeometryType::Unknown || kinds.any(|k| k != first) {
        return Err(FgbError::MixedGeometry {
            layer: layer.meta.id.to_string(),
        });
    }
    Ok(first)
}

/// The attribute columns and their types, in key order.
fn attribute_columns(areas: &[Area]) -> Vec<(String, ColumnType)> {
    let mut types: BTreeMap<String, Option<ColumnType>> = BTreeMap::new();
    for area in areas {
        for (key, value) in &area.properties {
            if FIXED_COLUMNS.contains(&key.as_str()) {
                continue;
            }
            let this = match value {
                Value::Null => None,
                Value::Bool(_) => Some(ColumnType::Bool),
                Value::Number(n) if n.is_i64() => Some(ColumnType::Long),
                Value::Number(_) => Some(ColumnType::Double),
                Value::String(_) => Some(ColumnType::String),
                _ => Some(ColumnType::Json),
            };
            let slot = types.entry(key.clone()).or_insert(None);
            *slot = match (*slot, this) {
                (None, t) | (t, None) => t,
                (Some(a), Some(b)) if a == b => Some(a),
                (
                    Some(ColumnType::Long | ColumnType::Double),
                    Some(ColumnType::Long | ColumnType::Double),
                ) => Some(ColumnType::Double),
                _ => Some(ColumnType::Json),
            };
        }
    }
    types
        .into_iter()
        .map(|(key, t)| (key, t.unwrap_or(ColumnType::String)))
        .collect()
}

/// Collects a feature's properties as JSON values.
#[derive(Default)]
pub(crate) struct Collector(pub(crate) Properties);

impl PropertyProcessor for Collector {
    fn property(
        &mut self,
        _index: usize,
        name: &str,
        value: &ColumnValue,
    ) -> flatgeobuf::geozero::error::Result<bool> {
        let json = match value {
            ColumnValue::Bool(b) => Value::from(*b),
            ColumnValue::Byte(v) => Value::from(*v),
            ColumnValue::UByte(v) => Value::from(*v),
            ColumnValue::Short(v) => Value::from(*v),
            ColumnValue::UShort(v) => Value::from(*v),
            ColumnValue::Int(v) => Value::from(*v),
            ColumnValue::UInt(v) => Value::from(*v),
            ColumnValue::Long(v) => Value::from(*v),
            ColumnValue::ULong(v) => Value::from(*v),
            ColumnValue::Float(v) => Value::from(f64::from(*v)),
            ColumnValue::Double(v) => Value::from(*v),
            ColumnValue::String(s) | ColumnValue::DateTime(s) => Value::from(*s),
            ColumnValue::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::from(*s)),
            ColumnValue::Binary(_) => return Ok(false),
        };
        self.0.insert(name.to_owned(), json);
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use geo::{MultiPolygon, polygon};
    use kvarter_core::{LayerKind, Title};
    use serde_json::json;

    use super::*;

    fn meta() -> LayerMeta {
        LayerMeta {
            title: Title {
                da: "Prøvelag".into(),
                en: "Test layer".into(),
            },
            ..LayerMeta::synthetic("test-layer".parse().unwrap(), LayerKind::AdminUnit)
        }
    }

    fn square(x: f64, id: &str, props: &serde_json::Value) -> Area {
        let p = polygon![(x: x, y: 55.0), (x: x + 0.01, y: 55.0), (x: x + 0.01, y: 55.01), (x: x, y: 55.01)];
        Area {
            id: id.into(),
            name: Some(format!("Område {id} æøå")),
            parent: (id == "2").then(|| "1".to_owned()),
            area_m2: Some(1234.5),
            properties: props.as_object().cloned().unwrap_or_default(),
            geometry: MultiPolygon::new(vec![p]).into(),
        }
    }

    fn layer() -> Layer {
        Layer {
            meta: meta(),
            areas: vec![
                square(
                    12.5,
                    "1",
                    &json!({"rode_nr": 7, "navn": "Ålholm", "share": 0.5}),
                ),
                square(12.52, "2", &json!({"rode_nr": 8, "navn": null, "share": 1})),
                square(12.54, "10", &json!({"mixed": [1, 2]})),
            ],
        }
    }

    #[test]
    fn a_layer_round_trips_through_flatgeobuf() {
        let original = layer();
        let bytes = write_layer(&original).unwrap();
        let back = read_layer(&bytes, meta()).unwrap();
        assert_eq!(back.areas.len(), 3);
        let ids: Vec<_> = back.areas.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "10"]);
        assert_eq!(back.areas[0].properties["rode_nr"], 7);
        assert_eq!(back.areas[0].properties["navn"], "Ålholm");
        assert_eq!(back.areas[1].properties["share"], 1.0);
        assert!(!back.areas[1].properties.contains_key("navn"));
        assert_eq!(back.areas[2].properties["mixed"], json!([1, 2]));
        assert_eq!(back.areas[1].parent.as_deref(), Some("1"));
        assert_eq!(back.areas[0].name.as_deref(), Some("Område 1 æøå"));
        assert_eq!(back.areas[0].geometry, original.areas[0].geometry);
    }

    #[test]
    fn writing_the_same_layer_twice_gives_the_same_bytes() {
        assert_eq!(
            write_layer(&layer()).unwrap(),
            write_layer(&layer()).unwrap()
        );
    }

    #[test]
    fn truncated_files_are_refused_without_panicking() {
        let bytes = write_layer(&layer()).unwrap();
        for cut in [0, 4, 8, 100, bytes.len() / 2, bytes.len() - 1] {
            assert!(read_layer(&bytes[..cut], meta()).is_err(), "cut at {cut}");
        }
    }
}

//! A layer's areas as RFC 7946 `GeoJSON`: `/api/layers/{id}/features` (optionally cut to a `bbox`,
//! simplified, rounded, with chosen properties) and `/api/layers/{id}/features/{fid}`.
//!
//! The geometry of each answer goes through these steps, in order:
//! 1. **simplify** (`simplify=` metres, optional). The tolerance is turned into degrees by dividing
//!    by 111 320 m (one degree of latitude). Polygons use Visvalingam–Whyatt in geo's
//!    topology-preserving variant (`SimplifyVwPreserve`): unlike Douglas–Peucker it never makes a
//!    ring cross itself or its holes, which matters for map polygons that are drawn filled. VW
//!    measures a vertex by the area of the triangle it forms with its neighbours, so the threshold
//!    is the tolerance squared (as JTS does). Lines (base-map streets) cannot self-intersect
//!    harmfully when drawn, so they use Douglas–Peucker (`Simplify`) with the tolerance as a
//!    distance. At Copenhagen's latitude a degree of longitude is only ~63 km, so the tolerance is
//!    approximate east–west; it is meant for lighter overview maps, not for measurement.
//! 2. **orient** rings as RFC 7946 asks: exteriors counter-clockwise, holes clockwise.
//! 3. **round** every coordinate to `precision=` decimals (default 7, about 1 cm).

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use geo::orient::Direction;
use geo::{
    Coord, Geometry, GeometryCollection, MapCoords, Orient, Rect, Simplify, SimplifyVwPreserve,
};
use kvarter_core::{Area, Layer, Properties};
use serde_json::{Value, json};

use crate::error::{ApiError, quoted};
use crate::indicators::Choropleth;
use crate::params::{Params, RawQuery, parse_number};
use crate::state::AppState;

/// Metres in one degree of latitude, used to turn `simplify=` metres into degrees.
pub const METRES_PER_DEGREE: f64 = 111_320.0;
/// The largest `simplify=` tolerance, in metres.
pub const MAX_SIMPLIFY_METRES: f64 = 10_000.0;
/// The default `precision=`: 7 decimals of a degree is about 1 cm.
pub const DEFAULT_PRECISION: u8 = 7;
/// The largest `precision=`.
pub const MAX_PRECISION: u8 = 10;
/// Properties every feature keeps, whatever `properties=` says.
pub const ALWAYS_KEPT: [&str; 3] = ["id", "layer", "status"];
/// Properties every feature has, before the area's own source properties.
pub const FIXED_PROPERTIES: [&str; 6] = ["id", "name", "parent", "area_m2", "layer", "status"];
/// Prefix for a source property whose name clashes with a fixed one (a source `status` becomes
/// `source:status`, so the layer's status is never overwritten).
const CLASH_PREFIX: &str = "source:";

const COLLECTION_PARAMETERS: [&str; 6] = [
    "bbox",
    "simplify",
    "precision",
    "properties",
    "indicators",
    "period",
];
const FEATURE_PARAMETERS: [&str; 5] = [
    "simplify",
    "precision",
    "properties",
    "indicators",
    "period",
];

/// A `GeoJSON` document, answered as `application/geo+json`.
#[derive(Debug)]
pub struct GeoJson(pub Vec<u8>);

impl IntoResponse for GeoJson {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/geo+json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// How to shape the features of one answer.
#[derive(Debug, Clone, PartialEq)]
struct Shaping {
    /// Simplification tolerance in degrees; `None` or 0: none.
    simplify_degrees: Option<f64>,
    /// Decimals to round coordinates to.
    precision: u8,
    /// The property names to keep; `None`: all.
    keep: Option<Vec<String>>,
}

impl Shaping {
    fn from_params(params: &Params, available: &[String]) -> Result<Self, ApiError> {
        let simplify_degrees = params
            .number_in("simplify", 0.0..=MAX_SIMPLIFY_METRES)?
            .filter(|&metres| metres > 0.0)
            .map(|metres| metres / METRES_PER_DEGREE);
        let precision = match params.get("precision") {
            None => DEFAULT_PRECISION,
            Some(text) => text
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= MAX_PRECISION)
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        "precision",
                        format!(
                            "{} is not a whole number of decimals from 0 to {MAX_PRECISION}",
                            quoted(text)
                        ),
                    )
                })?,
        };
        let keep = params
            .list("properties")
            .map(|names| {
                let mut keep: Vec<String> = ALWAYS_KEPT.iter().map(|&n| n.to_owned()).collect();
                for name in names {
                    if !available.iter().any(|a| a == name) {
                        return Err(ApiError::bad_parameter(
                            "properties",
                            format!(
                                "this layer's features have no property {}; available: {}",
                                quoted(name),
                                available.join(", ")
                            ),
                        ));
                    }
                    if !keep.iter().any(|k| k == name) {
                        keep.push(name.to_owned());
                    }
                }
                Ok(keep)
            })
            .transpose()?;
        Ok(Self {
            simplify_degrees,
            precision,
            keep,
        })
    }
}

/// `bbox=west,south,east,north` in lon/lat degrees.
fn parse_bbox(text: &str) -> Result<Rect<f64>, ApiError> {
    let parts: Vec<&str> = text.split(',').collect();
    let [w, s, e, n] = parts.as_slice() else {
        return Err(ApiError::bad_parameter(
            "bbox",
            format!(
                "expected 4 comma-separated numbers west,south,east,north in degrees, got {} value(s) in {}",
                parts.len(),
                quoted(text)
            ),
        ));
    };
    let [w, s, e, n] = [w, s, e, n].map(|part| parse_number("bbox", part));
    let (w, s, e, n) = (w?, s?, e?, n?);
    for (what, value, limit) in [
        ("west", w, 180.0),
        ("south", s, 90.0),
        ("east", e, 180.0),
        ("north", n, 90.0),
    ] {
        if value.abs() > limit {
            return Err(ApiError::bad_parameter(
                "bbox",
                format!("{what} edge {value} is outside -{limit} to {limit} degrees"),
            ));
        }
    }
    if w > e {
        return Err(ApiError::bad_parameter(
            "bbox",
            format!("west edge {w} is east of east edge {e}; write west,south,east,north"),
        ));
    }
    if s > n {
        return Err(ApiError::bad_parameter(
            "bbox",
            format!("south edge {s} is north of north edge {n}; write west,south,east,north"),
        ));
    }
    Ok(Rect::new((w, s), (e, n)))
}

/// The property names a layer's features can carry: the fixed ones, then the source properties
/// of its areas in name order (a clashing name gets the `source:` prefix).
pub fn property_names(layer: &Layer) -> Vec<String> {
    let mut source: Vec<String> = layer
        .areas
        .iter()
        .flat_map(|area| area.properties.keys())
        .map(|name| output_name(name))
        .collect();
    source.sort();
    source.dedup();
    FIXED_PROPERTIES
        .iter()
        .map(|&name| name.to_owned())
        .chain(source)
        .collect()
}

/// The name a source property is written under.
fn output_name(name: &str) -> String {
    if FIXED_PROPERTIES.contains(&name) {
        format!("{CLASH_PREFIX}{name}")
    } else {
        name.to_owned()
    }
}

/// All properties of one feature.
fn properties(layer: &Layer, area: &Area) -> Properties {
    let mut properties: Properties = area
        .properties
        .iter()
        .map(|(name, value)| (output_name(name), value.clone()))
        .collect();
    properties.insert("id".into(), Value::from(area.id.clone()));
    properties.insert("name".into(), json!(area.name));
    properties.insert("parent".into(), json!(area.parent));
    properties.insert("area_m2".into(), json!(area.area_m2));
    properties.insert("layer".into(), Value::from(layer.meta.id.as_str()));
    properties.insert("status".into(), Value::from(layer.meta.status.as_str()));
    properties
}

/// The `layer` foreign member: which layer the features come from and how far to trust them.
fn layer_member(layer: &Layer) -> Value {
    let meta = &layer.meta;
    json!({
        "id": meta.id,
        "title": meta.title,
        "status": meta.status,
        "licence": meta.licence,
        "source": {"publisher": meta.source.publisher, "vintage": meta.source.vintage},
    })
}

/// One feature, shaped.
fn feature(layer: &Layer, area: &Area, shaping: &Shaping) -> geojson::Feature {
    let mut properties = properties(layer, area);
    if let Some(keep) = &shaping.keep {
        properties.retain(|name, _| keep.iter().any(|k| k == name));
    }
    let geometry = shape_geometry(&area.geometry, shaping);
    geojson::Feature {
        bbox: None,
        geometry: Some(geojson::Geometry::new(geojson::Value::from(&geometry))),
        id: Some(geojson::feature::Id::String(area.id.clone())),
        properties: Some(properties),
        foreign_members: None,
    }
}

/// Simplifies, orients and rounds a geometry (see the module docs).
fn shape_geometry(geometry: &Geometry<f64>, shaping: &Shaping) -> Geometry<f64> {
    let simplified = match shaping.simplify_degrees {
        Some(tolerance) => simplify(geometry, tolerance),
        None => geometry.clone(),
    };
    let oriented = orient(simplified);
    let factor = 10_f64.powi(i32::from(shaping.precision));
    let round = |value: f64| (value * factor).round() / factor;
    oriented.map_coords(|c| Coord {
        x: round(c.x),
        y: round(c.y),
    })
}

/// Topology-preserving VW for polygons, Douglas–Peucker for lines; `tolerance` in degrees.
fn simplify(geometry: &Geometry<f64>, tolerance: f64) -> Geometry<f64> {
    let area_threshold = tolerance * tolerance;
    match geometry {
        Geometry::Polygon(p) => Geometry::Polygon(p.simplify_vw_preserve(&area_threshold)),
        Geometry::MultiPolygon(p) => {
            Geometry::MultiPolygon(p.simplify_vw_preserve(&area_threshold))
        }
        Geometry::LineString(l) => Geometry::LineString(l.simplify(&tolerance)),
        Geometry::MultiLineString(l) => Geometry::MultiLineString(l.simplify(&tolerance)),
        Geometry::GeometryCollection(c) => Geometry::GeometryCollection(GeometryCollection(
            c.iter().map(|g| simplify(g, tolerance)).collect(),
        )),
        other => other.clone(),
    }
}

/// Exteriors counter-clockwise, holes clockwise (RFC 7946 §3.1.6).
fn orient(geometry: Geometry<f64>) -> Geometry<f64> {
    match geometry {
        Geometry::Polygon(p) => Geometry::Polygon(p.orient(Direction::Default)),
        Geometry::MultiPolygon(p) => Geometry::MultiPolygon(p.orient(Direction::Default)),
        Geometry::GeometryCollection(c) => {
            Geometry::GeometryCollection(GeometryCollection(c.into_iter().map(orient).collect()))
        }
        other => other,
    }
}

fn encode(value: &impl serde::Serialize) -> Result<GeoJson, ApiError> {
    serde_json::to_vec(value)
        .map(GeoJson)
        .map_err(|error| ApiError::internal("encoding GeoJSON", error))
}

/// `GET /api/layers/{id}/features`: the layer's areas as a `FeatureCollection`.
pub async fn collection(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
) -> Result<GeoJson, ApiError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    let params = Params::new(query, &COLLECTION_PARAMETERS)?;
    // Encoding thousands of polygons is CPU work: keep it off the async workers, so the request
    // timeout can still answer and other requests are not held up.
    tokio::task::spawn_blocking(move || build_collection(&state, &id, &params))
        .await
        .map_err(|error| ApiError::internal("building a FeatureCollection", error))?
}

fn build_collection(state: &AppState, id: &str, params: &Params) -> Result<GeoJson, ApiError> {
    let position = state.layer_position(id)?;
    let layer = &state.index.layers()[position];
    let shaping = Shaping::from_params(params, &state.property_names(layer))?;
    let choropleth = Choropleth::from_params(state, params)?;
    let areas: Vec<usize> = match params.get("bbox") {
        Some(text) => state
            .index
            .query_bbox_positions(&layer.meta.id, parse_bbox(text)?),
        None => (0..layer.areas.len()).collect(),
    };
    let max = state.config.max_features;
    if areas.len() > max {
        return Err(ApiError::TooManyFeatures {
            layer: layer.meta.id.to_string(),
            count: areas.len(),
            max,
        });
    }
    let mut foreign = serde_json::Map::new();
    foreign.insert("layer".into(), layer_member(layer));
    let features = areas
        .into_iter()
        .filter_map(|ix| {
            let mut feature = feature(layer, layer.areas.get(ix)?, &shaping);
            add_indicators(state, choropleth.as_ref(), position, ix, &mut feature);
            Some(feature)
        })
        .collect();
    if let (Some(choropleth), Some(joins)) = (&choropleth, &state.indicators) {
        foreign.insert("indicators".into(), choropleth.provenance(joins));
    }
    let collection = geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(foreign),
    };
    encode(&collection)
}

/// Adds the asked-for indicator values of area `area` of the layer at `layer` to a feature's
/// properties.
fn add_indicators(
    state: &AppState,
    choropleth: Option<&Choropleth>,
    layer: usize,
    area: usize,
    feature: &mut geojson::Feature,
) {
    let (Some(choropleth), Some(joins), Some(properties)) = (
        choropleth,
        state.indicators.as_ref(),
        feature.properties.as_mut(),
    ) else {
        return;
    };
    for (name, value) in choropleth.values(joins, layer, area) {
        properties.insert(name, value);
    }
}

/// `GET /api/layers/{id}/features/{fid}`: one area as a Feature.
pub async fn single(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: RawQuery,
) -> Result<GeoJson, ApiError> {
    let Path((id, fid)) =
        path.map_err(|rejection| ApiError::bad_parameter("fid", rejection.body_text()))?;
    let params = Params::new(query, &FEATURE_PARAMETERS)?;
    tokio::task::spawn_blocking(move || build_single(&state, &id, &fid, &params))
        .await
        .map_err(|error| ApiError::internal("building a Feature", error))?
}

fn build_single(
    state: &AppState,
    id: &str,
    fid: &str,
    params: &Params,
) -> Result<GeoJson, ApiError> {
    let position = state.layer_position(id)?;
    let layer = &state.index.layers()[position];
    let shaping = Shaping::from_params(params, &state.property_names(layer))?;
    let choropleth = Choropleth::from_params(state, params)?;
    let area_ix = layer
        .areas
        .iter()
        .position(|area| area.id == fid)
        .ok_or_else(|| ApiError::UnknownFeature {
            layer: layer.meta.id.to_string(),
            id: crate::error::shortened(fid),
        })?;
    let mut feature = feature(layer, &layer.areas[area_ix], &shaping);
    add_indicators(state, choropleth.as_ref(), position, area_ix, &mut feature);
    let mut foreign = serde_json::Map::new();
    foreign.insert("layer".into(), layer_member(layer));
    if let (Some(choropleth), Some(joins)) = (&choropleth, &state.indicators) {
        foreign.insert("indicators".into(), choropleth.provenance(joins));
    }
    feature.foreign_members = Some(foreign);
    encode(&feature)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn a_bbox_needs_four_ordered_finite_numbers_on_the_globe() {
        let rect = parse_bbox("12.5,55.6,12.6,55.7").unwrap();
        assert_eq!(rect.min(), Coord { x: 12.5, y: 55.6 });
        for (bad, says) in [
            ("1,2,3", "4 comma-separated"),
            ("1,2,3,4,5", "4 comma-separated"),
            ("a,2,3,4", "not a number"),
            ("NaN,2,3,4", "not a finite"),
            ("-181,2,3,4", "west edge"),
            ("1,-91,3,4", "south edge"),
            ("3,2,1,4", "east of east"),
            ("1,4,3,2", "north of north"),
        ] {
            let error = parse_bbox(bad).unwrap_err().to_string();
            assert!(error.starts_with("bbox"), "{error}");
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn a_square_keeps_its_corners_when_simplified_and_comes_out_counter_clockwise() {
        let ring = vec![(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)];
        let clockwise = geo::Polygon::new(ring.into(), vec![]);
        let shaping = Shaping {
            simplify_degrees: Some(0.001),
            precision: 3,
            keep: None,
        };
        let Geometry::Polygon(shaped) = shape_geometry(&Geometry::Polygon(clockwise), &shaping)
        else {
            panic!("a polygon stays a polygon");
        };
        assert_eq!(shaped.exterior().0.len(), 5);
        assert!(geo::Winding::is_ccw(shaped.exterior()));
    }
}

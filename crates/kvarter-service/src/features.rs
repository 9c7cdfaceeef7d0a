//! A layer's areas as RFC 7946 `GeoJSON` (optionally cut to a bounding box, simplified, rounded,
//! with chosen properties and indicator values): what `/api/layers/{id}/features` and
//! `/api/layers/{id}/features/{fid}` answer.
//!
//! The geometry of each answer goes through these steps, in order:
//! 1. **simplify** (`simplify` metres, optional). The tolerance is turned into degrees by dividing
//!    by 111 320 m (one degree of latitude). Polygons use Visvalingam–Whyatt in geo's
//!    topology-preserving variant (`SimplifyVwPreserve`): unlike Douglas–Peucker it never makes a
//!    ring cross itself or its holes, which matters for map polygons that are drawn filled. VW
//!    measures a vertex by the area of the triangle it forms with its neighbours, so the threshold
//!    is the tolerance squared (as JTS does). Lines (base-map streets) cannot self-intersect
//!    harmfully when drawn, so they use Douglas–Peucker (`Simplify`) with the tolerance as a
//!    distance. At Copenhagen's latitude a degree of longitude is only ~63 km, so the tolerance is
//!    approximate east–west; it is meant for lighter overview maps, not for measurement.
//! 2. **orient** rings as RFC 7946 asks: exteriors counter-clockwise, holes clockwise.
//! 3. **round** every coordinate to `precision` decimals (default 7, about 1 cm).

use geo::orient::Direction;
use geo::{
    Coord, Geometry, GeometryCollection, MapCoords, Orient, Rect, Simplify, SimplifyVwPreserve,
};
use kvarter_core::{Area, Layer, Properties};
use serde_json::{Value, json};

use crate::catalogue::output_name;
use crate::choropleth::Choropleth;
use crate::error::{ServiceError, quoted, shortened};
use crate::service::{LayerAt, Service};

/// Metres in one degree of latitude, used to turn `simplify` metres into degrees.
pub const METRES_PER_DEGREE: f64 = 111_320.0;
/// The largest `simplify` tolerance, in metres.
pub const MAX_SIMPLIFY_METRES: f64 = 10_000.0;
/// The default `precision`: 7 decimals of a degree is about 1 cm.
pub const DEFAULT_PRECISION: u8 = 7;
/// The largest `precision`.
pub const MAX_PRECISION: u8 = 10;
/// Properties every feature keeps, whatever `properties` says.
pub const ALWAYS_KEPT: [&str; 3] = ["id", "layer", "status"];
/// How to shape the features of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Shaping {
    /// Simplification tolerance in degrees; `None` or 0: none.
    simplify_degrees: Option<f64>,
    /// Decimals to round coordinates to.
    precision: u8,
    /// The property names to keep; `None`: all.
    keep: Option<Vec<String>>,
    /// Whether coordinates are written in EPSG:25832 (easting, northing in metres, to the
    /// millimetre) instead of lon/lat.
    utm32: bool,
}

impl Shaping {
    /// The shaping of a request: `simplify_m` metres (0 or `None`: none), `precision` decimals
    /// (at most [`MAX_PRECISION`]), and the properties to keep (`None`: all), each of which must
    /// be one of `available` ([`ServiceError::Invalid`], `properties`, otherwise).
    pub fn new(
        simplify_m: Option<f64>,
        precision: u8,
        properties: Option<Vec<&str>>,
        available: &[String],
    ) -> Result<Self, ServiceError> {
        let simplify_degrees = simplify_m
            .filter(|&metres| metres > 0.0)
            .map(|metres| metres / METRES_PER_DEGREE);
        let keep = properties
            .map(|names| {
                let mut keep: Vec<String> = ALWAYS_KEPT.iter().map(|&n| n.to_owned()).collect();
                for name in names {
                    if !available.iter().any(|a| a == name) {
                        return Err(ServiceError::invalid(
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
            precision: precision.min(MAX_PRECISION),
            keep,
            utm32: false,
        })
    }

    /// The same shaping, writing coordinates in EPSG:25832 (metres, rounded to the millimetre):
    /// simplified and oriented in lon/lat first, then projected.
    #[must_use]
    pub fn in_utm32(self) -> Self {
        Self {
            utm32: true,
            ..self
        }
    }
}

/// All properties of one feature.
pub(crate) fn properties(layer: &Layer, area: &Area) -> Properties {
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

/// One page of a layer's features and how many match in all ([`Service::features_page`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturePage {
    /// The page's features.
    pub features: Vec<geojson::Feature>,
    /// How many features match the query, on every page.
    pub matched: usize,
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

/// One feature, shaped; [`ServiceError::Unconvertible`] when a coordinate cannot be projected.
fn feature(
    layer: &Layer,
    area: &Area,
    shaping: &Shaping,
) -> Result<geojson::Feature, ServiceError> {
    let mut properties = properties(layer, area);
    if let Some(keep) = &shaping.keep {
        properties.retain(|name, _| keep.iter().any(|k| k == name));
    }
    let mut geometry = shape_geometry(&area.geometry, shaping);
    if shaping.utm32 {
        geometry = geometry.try_map_coords(|c| {
            let (x, y) = kvarter_crs::wgs84_to_utm32(c.x, c.y).map_err(|error| {
                ServiceError::Unconvertible {
                    x: c.x,
                    y: c.y,
                    srid: 4326,
                    reason: error.to_string(),
                }
            })?;
            let millimetre = |value: f64| (value * 1000.0).round() / 1000.0;
            Ok::<_, ServiceError>(Coord {
                x: millimetre(x),
                y: millimetre(y),
            })
        })?;
    }
    Ok(geojson::Feature {
        bbox: None,
        geometry: Some(geojson::Geometry::new(geojson::Value::from(&geometry))),
        id: Some(geojson::feature::Id::String(area.id.clone())),
        properties: Some(properties),
        foreign_members: None,
    })
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

/// A simple property filter (OGC API – Features Part 3, query parameters on queryables):
/// the features whose property `name` equals `value` — as text for a string, as a number for a
/// number, `true`/`false` for a boolean. A feature without the property, or with null, fails.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyFilter {
    /// The property's name, as features carry it.
    pub name: String,
    /// The value asked for, as written in the query.
    pub value: String,
}

impl PropertyFilter {
    /// Whether `properties` meet the filter.
    pub fn matches(&self, properties: &Properties) -> bool {
        match properties.get(&self.name) {
            Some(Value::String(text)) => *text == self.value,
            Some(Value::Number(number)) => self
                .value
                .trim()
                .parse::<f64>()
                .is_ok_and(|wanted| number.as_f64() == Some(wanted)),
            Some(Value::Bool(flag)) => self.value == if *flag { "true" } else { "false" },
            _ => false,
        }
    }
}

/// What a paging client asks of a layer: the areas meeting `bbox` (lon/lat; `None`: all) and
/// every one of `filters`, `limit` of them from `offset` on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageRequest<'a> {
    /// The box the areas' bounding boxes must meet.
    pub bbox: Option<Rect<f64>>,
    /// The filters every area must meet.
    pub filters: &'a [PropertyFilter],
    /// How many matching areas to pass over.
    pub offset: usize,
    /// How many to answer at most.
    pub limit: usize,
}

/// Of the areas of `layer` at `candidates` (in order), those meeting every filter of
/// `request`: the positions of its page of them, and how many there are.
pub(crate) fn page_of(
    layer: &Layer,
    candidates: Vec<usize>,
    request: &PageRequest<'_>,
) -> (Vec<usize>, usize) {
    let filters = request.filters;
    let matching: Vec<usize> = if filters.is_empty() {
        candidates
    } else {
        candidates
            .into_iter()
            .filter(|&ix| {
                layer.areas.get(ix).is_some_and(|area| {
                    let properties = properties(layer, area);
                    filters.iter().all(|filter| filter.matches(&properties))
                })
            })
            .collect()
    };
    let matched = matching.len();
    let page = matching
        .into_iter()
        .skip(request.offset)
        .take(request.limit)
        .collect();
    (page, matched)
}

/// The area `fid` of `layer`, shaped (no indicator values); `None` when there is none.
pub(crate) fn shaped_area(
    layer: &Layer,
    fid: &str,
    shaping: &Shaping,
) -> Option<Result<geojson::Feature, ServiceError>> {
    let area = layer.areas.iter().find(|area| area.id == fid)?;
    Some(feature(layer, area, shaping))
}

/// The areas of `layer` at `positions`, shaped (no indicator values).
pub(crate) fn shaped_areas(
    layer: &Layer,
    positions: &[usize],
    shaping: &Shaping,
) -> Result<Vec<geojson::Feature>, ServiceError> {
    positions
        .iter()
        .filter_map(|&ix| layer.areas.get(ix))
        .map(|area| feature(layer, area, shaping))
        .collect()
}

fn encode(value: &impl serde::Serialize) -> Result<Vec<u8>, ServiceError> {
    serde_json::to_vec(value).map_err(|error| ServiceError::internal("encoding GeoJSON", error))
}

impl Service {
    /// The areas of the layer at `at` as an encoded `FeatureCollection`: those meeting `bbox`
    /// (lon/lat) or all, shaped, with `choropleth`'s indicator values as properties. More than
    /// `max_features` is [`ServiceError::TooManyFeatures`]. CPU work for a big layer: call it off
    /// async workers.
    pub fn features(
        &self,
        at: LayerAt<'_>,
        bbox: Option<Rect<f64>>,
        shaping: &Shaping,
        choropleth: Option<&Choropleth>,
    ) -> Result<Vec<u8>, ServiceError> {
        let layer = at.layer;
        let areas: Vec<usize> = match bbox {
            Some(rect) => self.index().query_bbox_positions(&layer.meta.id, rect),
            None => (0..layer.areas.len()).collect(),
        };
        let max = self.config().max_features;
        if areas.len() > max {
            return Err(ServiceError::TooManyFeatures {
                layer: layer.meta.id.to_string(),
                count: areas.len(),
                max,
            });
        }
        let features = self.shaped_features(at, areas.into_iter(), shaping, choropleth)?;
        let collection = geojson::FeatureCollection {
            bbox: None,
            features,
            foreign_members: Some(self.foreign_members(layer, choropleth)),
        };
        encode(&collection)
    }

    /// One page of the areas of the layer at `at` for a paging client (OGC API – Features): of
    /// those meeting `request`'s box (lon/lat) or all and every one of its filters, in the
    /// layer's order, `limit` from `offset` on, shaped, with `choropleth`'s values; and how many
    /// match in all. Not bound by `max_features`: the client pages.
    /// [`ServiceError::Unconvertible`] when the shaping projects and a coordinate cannot be.
    pub fn features_page(
        &self,
        at: LayerAt<'_>,
        request: &PageRequest<'_>,
        shaping: &Shaping,
        choropleth: Option<&Choropleth>,
    ) -> Result<FeaturePage, ServiceError> {
        let layer = at.layer;
        // The index answers a box in the layer's order, so pages do not overlap.
        let candidates: Vec<usize> = match request.bbox {
            Some(rect) => self.index().query_bbox_positions(&layer.meta.id, rect),
            None => (0..layer.areas.len()).collect(),
        };
        let (page, matched) = page_of(layer, candidates, request);
        let features = self.shaped_features(at, page.into_iter(), shaping, choropleth)?;
        Ok(FeaturePage { features, matched })
    }

    /// The indicators' definitions and provenance, for an answer carrying `choropleth`'s values.
    pub fn indicator_provenance(&self, choropleth: Option<&Choropleth>) -> Option<Value> {
        Some(choropleth?.provenance(self.indicators()?))
    }

    /// The areas at `positions` of the layer at `at`, shaped, with `choropleth`'s values.
    fn shaped_features(
        &self,
        at: LayerAt<'_>,
        positions: impl Iterator<Item = usize>,
        shaping: &Shaping,
        choropleth: Option<&Choropleth>,
    ) -> Result<Vec<geojson::Feature>, ServiceError> {
        positions
            .filter_map(|ix| Some((ix, at.layer.areas.get(ix)?)))
            .map(|(ix, area)| {
                let mut feature = feature(at.layer, area, shaping)?;
                self.add_indicators(choropleth, at.position, ix, &mut feature);
                Ok(feature)
            })
            .collect()
    }

    /// The area `fid` of the layer at `at` as an encoded `Feature`, shaped, with `choropleth`'s
    /// indicator values; [`ServiceError::UnknownFeature`] when the layer has no such area.
    pub fn feature(
        &self,
        at: LayerAt<'_>,
        fid: &str,
        shaping: &Shaping,
        choropleth: Option<&Choropleth>,
    ) -> Result<Vec<u8>, ServiceError> {
        let mut feature = self.shaped_feature(at, fid, shaping, choropleth)?;
        feature.foreign_members = Some(self.foreign_members(at.layer, choropleth));
        encode(&feature)
    }

    /// The area `fid` of the layer at `at` as a `Feature`, shaped, with `choropleth`'s values
    /// (without the layer's provenance, which [`Service::feature`] adds).
    pub fn shaped_feature(
        &self,
        at: LayerAt<'_>,
        fid: &str,
        shaping: &Shaping,
        choropleth: Option<&Choropleth>,
    ) -> Result<geojson::Feature, ServiceError> {
        let layer = at.layer;
        let area_ix = self.area_position(at, fid)?;
        let mut feature = feature(layer, &layer.areas[area_ix], shaping)?;
        self.add_indicators(choropleth, at.position, area_ix, &mut feature);
        Ok(feature)
    }

    /// The position of the area `fid` in the layer at `at`, or [`ServiceError::UnknownFeature`].
    pub fn area_position(&self, at: LayerAt<'_>, fid: &str) -> Result<usize, ServiceError> {
        at.layer
            .areas
            .iter()
            .position(|area| area.id == fid)
            .ok_or_else(|| ServiceError::UnknownFeature {
                layer: at.layer.meta.id.to_string(),
                id: shortened(fid),
            })
    }

    /// The members a features answer carries besides its features: `layer` (where they come
    /// from) and, with indicator values, `indicators` (their definitions and provenance).
    fn foreign_members(
        &self,
        layer: &Layer,
        choropleth: Option<&Choropleth>,
    ) -> serde_json::Map<String, Value> {
        let mut foreign = serde_json::Map::new();
        foreign.insert("layer".into(), layer_member(layer));
        if let (Some(choropleth), Some(joins)) = (choropleth, self.indicators()) {
            foreign.insert("indicators".into(), choropleth.provenance(joins));
        }
        foreign
    }

    /// Adds the asked-for indicator values of area `area` of the layer at `layer` to a feature's
    /// properties.
    fn add_indicators(
        &self,
        choropleth: Option<&Choropleth>,
        layer: usize,
        area: usize,
        feature: &mut geojson::Feature,
    ) {
        let (Some(choropleth), Some(joins), Some(properties)) =
            (choropleth, self.indicators(), feature.properties.as_mut())
        else {
            return;
        };
        for (name, value) in choropleth.values(joins, layer, area) {
            properties.insert(name, value);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn a_square_keeps_its_corners_when_simplified_and_comes_out_counter_clockwise() {
        let ring = vec![(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)];
        let clockwise = geo::Polygon::new(ring.into(), vec![]);
        let shaping = Shaping {
            simplify_degrees: Some(0.001),
            precision: 3,
            keep: None,
            utm32: false,
        };
        let Geometry::Polygon(shaped) = shape_geometry(&Geometry::Polygon(clockwise), &shaping)
        else {
            panic!("a polygon stays a polygon");
        };
        assert_eq!(shaped.exterior().0.len(), 5);
        assert!(geo::Winding::is_ccw(shaped.exterior()));
    }
}

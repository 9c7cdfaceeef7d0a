//! Areas: one feature of a layer — a polygon (or, for base-map streets, a line) with its id,
//! name and attributes.

use geo::Geometry;
use serde_json::{Map, Value};

/// Attributes carried over from the source, by name. Ordered by key so output is stable.
pub type Properties = Map<String, Value>;

/// One feature of a layer, in EPSG:4326 (lon/lat).
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// Id, unique within the layer and stable across builds (taken from the source's own key).
    pub id: String,
    /// Display name (e.g. "Tingbjerg/Husum"), when the source has one.
    pub name: Option<String>,
    /// The id or name of the enclosing unit (e.g. the byområde of a delområde), when known.
    pub parent: Option<String>,
    /// Area in m², computed in EPSG:25832 (ETRS89 / UTM 32N); `None` for lines.
    pub area_m2: Option<f64>,
    /// Source attributes kept by the build.
    pub properties: Properties,
    /// The geometry: `MultiPolygon` for areas, `MultiLineString` for lines.
    pub geometry: Geometry<f64>,
}

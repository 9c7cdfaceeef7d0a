//! Everything Kvarter knows about one area (`/api/areas/{layer}/{fid}`) — the area, its layer's
//! metadata and provenance, every indicator (joined values with their sources and weights, or
//! why there is no data), and its membership in every designation layer (the designated areas
//! it overlaps, by how much).
//!
//! Membership is measured, not looked up by name: the area and each designation layer are
//! overlaid in EPSG:25832 (R-tree candidates, exact intersection areas), so a rode that lies
//! 40 % inside a designated area says so.

use geo::{Area as _, BoundingRect};
use serde_json::{Value as Json, json};

use crate::error::ServiceError;
use crate::service::{LayerAt, Service};

/// Overlaps below this many m² are digitising slivers between independently drawn layers, not
/// membership.
pub const MIN_OVERLAP_M2: f64 = 1.0;

impl Service {
    /// Everything about the area `fid` of the layer at `at` (see the [module docs](self));
    /// [`ServiceError::UnknownFeature`] when the layer has no such area. The first description
    /// of a layer's area joins its indicators and projects the designation layers: CPU work,
    /// call it off async workers.
    pub fn describe_area(&self, at: LayerAt<'_>, fid: &str) -> Result<Json, ServiceError> {
        let layer = at.layer;
        let area_ix = self.area_position(at, fid)?;
        let area = &layer.areas[area_ix];
        Ok(json!({
            "data_version": self.data_version(),
            "layer": self.summary(at.position),
            "area": {
                "id": area.id,
                "name": area.name,
                "parent": area.parent,
                "area_m2": area.area_m2,
                "properties": area.properties,
                "geometry": format!("/api/layers/{}/features/{}", layer.meta.id, area.id),
            },
            "indicators": indicators(self, at, area_ix),
            "designations": designations(self, at, area_ix),
        }))
    }
}

/// Every indicator of the catalogue for one area: with data, its values per period (the
/// latest first in `latest`) and their provenance; without, why not.
fn indicators(service: &Service, at: LayerAt<'_>, area: usize) -> Json {
    let Some(joins) = service.indicators() else {
        return Json::Array(Vec::new());
    };
    if !service.info(at.position).holds_areas {
        // A street layer: indicators are joined onto areas only.
        return Json::Array(Vec::new());
    }
    let layer = at.position;
    let catalogue = joins.indicators().catalogue();
    let values = joins.area_values(layer, area);
    let items: Vec<Json> = catalogue
        .indicators
        .iter()
        .map(|indicator| {
            let mut item = json!({
                "id": indicator.id,
                "title": indicator.title,
                "unit": indicator.unit,
                "measure": indicator.measure,
                "direction": indicator.direction,
                "definition": indicator.definition,
                "policies": indicator.policies,
            });
            let Json::Object(map) = &mut item else {
                return item;
            };
            if !indicator.has_data() {
                map.insert("has_data".into(), json!(false));
                map.insert("no_data".into(), json!(indicator.no_data));
                return item;
            }
            let own: Vec<&kvarter_indicators::JoinedValue> = values
                .iter()
                .filter(|v| *v.indicator == *indicator.id)
                .collect();
            let datasets: Vec<Json> = indicator
                .datasets
                .iter()
                .filter_map(|d| catalogue.dataset(d))
                .map(crate::choropleth::dataset_provenance)
                .collect();
            map.insert("has_data".into(), json!(true));
            map.insert("datasets".into(), Json::Array(datasets));
            map.insert("latest".into(), json!(own.last()));
            map.insert(
                "estimated_from".into(),
                json!(own.last().map(|v| v.estimated_from())),
            );
            map.insert(
                "series".into(),
                Json::Array(
                    own.iter()
                        .map(|v| {
                            json!({
                                "period": v.period, "value": v.value,
                                "method": v.method, "coverage": v.coverage,
                            })
                        })
                        .collect(),
                ),
            );
            item
        })
        .collect();
    Json::Array(items)
}

/// For every designation layer other than the area's own: the designated areas the area
/// overlaps by at least [`MIN_OVERLAP_M2`], with the overlap in m² and as shares of both.
fn designations(service: &Service, at: LayerAt<'_>, area_ix: usize) -> Json {
    let layer = at.layer;
    let Ok(projected) = service.projected(at, "membership") else {
        // A street has no area to be inside anything.
        return Json::Array(Vec::new());
    };
    let shape = projected.shape(area_ix);
    let own_m2 = shape.unsigned_area();
    let Some(rect) = shape.bounding_rect() else {
        return Json::Array(Vec::new());
    };
    let mut out = Vec::new();
    for (position, other) in service.layers().iter().enumerate() {
        if !other.meta.kind.is_designation() || other.meta.id == layer.meta.id {
            continue;
        }
        let Ok(designation) = service.projected(service.at(position), "membership") else {
            continue;
        };
        let mut members = Vec::new();
        let mut covered = Vec::new();
        for ix in designation.candidates(rect) {
            let overlap = kvarter_overlay::intersection(shape, designation.shape(ix));
            let overlap_m2 = overlap.unsigned_area();
            if overlap_m2 < MIN_OVERLAP_M2 {
                continue;
            }
            covered.push(overlap);
            let designated = &other.areas[ix];
            members.push(json!({
                "id": designated.id,
                "name": designated.name,
                "parent": designated.parent,
                "overlap_m2": overlap_m2,
                "share_of_area": share(overlap_m2, own_m2),
                "share_of_designated_area": share(overlap_m2, designation.area_m2(ix)),
            }));
        }
        // Designated areas of one layer may overlap each other: measure their union once.
        let covered_m2 = kvarter_overlay::union_all(&covered).unsigned_area();
        let meta = &other.meta;
        out.push(json!({
            "layer": service.reference(position),
            "status": meta.status,
            "valid_from": meta.valid_from,
            "valid_to": meta.valid_to,
            "in_designation": !members.is_empty(),
            "share_of_area_designated": share(covered_m2, own_m2),
            "areas": members,
        }));
    }
    Json::Array(out)
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

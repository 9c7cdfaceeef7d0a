//! `GET /api/areas/{layer}/{fid}`: everything Kvarter knows about one area — the area, its
//! layer's metadata and provenance, every indicator (joined values with their sources and
//! weights, or why there is no data), and its membership in every designation layer (the
//! designated areas it overlaps, by how much).
//!
//! Membership is measured, not looked up by name: the area and each designation layer are
//! overlaid in EPSG:25832 (R-tree candidates, exact intersection areas), so a rode that lies
//! 40 % inside a designated area says so.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use geo::{Area as _, BoundingRect};
use kvarter_core::Layer;
use serde_json::{Value as Json, json};

use crate::error::ApiError;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// Overlaps below this many m² are digitising slivers between independently drawn layers, not
/// membership.
pub const MIN_OVERLAP_M2: f64 = 1.0;

/// `GET /api/areas/{layer}/{fid}`.
pub async fn area(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let Path((layer, fid)) =
        path.map_err(|rejection| ApiError::bad_parameter("fid", rejection.body_text()))?;
    Params::new(query, &[])?;
    // The first request for a layer joins its indicators and projects the designation layers.
    tokio::task::spawn_blocking(move || describe(&state, &layer, &fid))
        .await
        .map_err(|error| ApiError::internal("describing an area", error))?
}

fn describe(state: &AppState, layer_id: &str, fid: &str) -> Result<Response, ApiError> {
    let position = state.layer_position(layer_id)?;
    let layer = &state.index.layers()[position];
    let area_ix = layer
        .areas
        .iter()
        .position(|a| a.id == fid)
        .ok_or_else(|| ApiError::UnknownFeature {
            layer: layer.meta.id.to_string(),
            id: crate::error::shortened(fid),
        })?;
    let area = &layer.areas[area_ix];
    let body = json!({
        "data_version": state.data_version(),
        "layer": state.summary(layer),
        "area": {
            "id": area.id,
            "name": area.name,
            "parent": area.parent,
            "area_m2": area.area_m2,
            "properties": area.properties,
            "geometry": format!("/api/layers/{}/features/{}", layer.meta.id, area.id),
        },
        "indicators": indicators(state, position, area_ix),
        "designations": designations(state, layer, area_ix),
    });
    Ok(axum::Json(body).into_response())
}

/// Every indicator of the catalogue for one area: with data, its values per period (the
/// latest first in `latest`) and their provenance; without, why not.
fn indicators(state: &AppState, layer: usize, area: usize) -> Json {
    let Some(joins) = state.indicators.as_ref() else {
        return Json::Array(Vec::new());
    };
    if let Some(lines) = state.index.layers().get(layer)
        && state.projected(lines, "indicators").is_err()
    {
        // A street layer: indicators are joined onto areas only.
        return Json::Array(Vec::new());
    }
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
                .map(crate::indicators::dataset_provenance)
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
fn designations(state: &AppState, layer: &Layer, area_ix: usize) -> Json {
    let Ok(projected) = state.projected(layer, "membership") else {
        // A street has no area to be inside anything.
        return Json::Array(Vec::new());
    };
    let shape = projected.shape(area_ix);
    let own_m2 = shape.unsigned_area();
    let Some(rect) = shape.bounding_rect() else {
        return Json::Array(Vec::new());
    };
    let mut out = Vec::new();
    for other in state.index.layers() {
        if !other.meta.kind.is_designation() || other.meta.id == layer.meta.id {
            continue;
        }
        let Ok(designation) = state.projected(other, "membership") else {
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
            "layer": state.reference(other),
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

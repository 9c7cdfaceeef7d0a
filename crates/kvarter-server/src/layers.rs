//! The layer catalogue: `/health`, `/api/layers` and `/api/layers/{id}` — what each layer is,
//! where it comes from, its status (official, reconstructed, …), feature count and bounds.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use kvarter_core::{Bounds, Date, Layer, LayerId, LayerKind, Source, Status, Title};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// Everything about a layer except its areas, as the API shows it. Optional metadata is written
/// as `null` rather than left out, so every summary has the same members.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    id: &'a LayerId,
    title: &'a Title,
    kind: LayerKind,
    authority: &'a str,
    policy: Option<&'a str>,
    valid_from: Option<Date>,
    valid_to: Option<Date>,
    validity_note: Option<&'a str>,
    status: Status,
    source: &'a Source,
    licence: &'a str,
    method: Option<&'a str>,
    confidence: Option<&'a str>,
    feature_count: usize,
    bounds: Option<Bounds>,
    links: Links,
}

#[derive(Debug, Serialize)]
struct Links {
    #[serde(rename = "self")]
    this: String,
    features: String,
}

/// How a lookup answer names a layer: enough to read the answer honestly (title, kind, period,
/// status, licence, source and vintage, and for reconstructions the confidence) without the
/// long texts; `links.self` leads to the full summary with `method` and notes.
#[derive(Debug, Serialize)]
struct Reference<'a> {
    id: &'a LayerId,
    title: &'a Title,
    kind: LayerKind,
    authority: &'a str,
    policy: Option<&'a str>,
    valid_from: Option<Date>,
    valid_to: Option<Date>,
    status: Status,
    licence: &'a str,
    source: ReferenceSource<'a>,
    confidence: Option<&'a str>,
    links: Links,
}

#[derive(Debug, Serialize)]
struct ReferenceSource<'a> {
    publisher: &'a str,
    vintage: &'a str,
}

/// A layer's reference, as lookups show it (see [`Reference`]).
pub fn reference(layer: &Layer) -> Value {
    let meta = &layer.meta;
    let reference = Reference {
        id: &meta.id,
        title: &meta.title,
        kind: meta.kind,
        authority: &meta.authority,
        policy: meta.policy.as_deref(),
        valid_from: meta.valid_from,
        valid_to: meta.valid_to,
        status: meta.status,
        licence: &meta.licence,
        source: ReferenceSource {
            publisher: &meta.source.publisher,
            vintage: &meta.source.vintage,
        },
        confidence: meta.confidence.as_deref(),
        links: links(&meta.id),
    };
    serde_json::to_value(reference).unwrap_or_else(|error| {
        tracing::error!(layer = %meta.id, %error, "could not serialise a layer reference");
        json!({"id": meta.id, "status": meta.status})
    })
}

fn links(id: &LayerId) -> Links {
    Links {
        this: format!("/api/layers/{id}"),
        features: format!("/api/layers/{id}/features"),
    }
}

/// A layer's summary: every metadata field, `feature_count`, `bounds` `[w,s,e,n]` (or `null`
/// for an empty layer) and `links`.
pub fn summary(layer: &Layer) -> Value {
    let meta = &layer.meta;
    let summary = Summary {
        id: &meta.id,
        title: &meta.title,
        kind: meta.kind,
        authority: &meta.authority,
        policy: meta.policy.as_deref(),
        valid_from: meta.valid_from,
        valid_to: meta.valid_to,
        validity_note: meta.validity_note.as_deref(),
        status: meta.status,
        source: &meta.source,
        licence: &meta.licence,
        method: meta.method.as_deref(),
        confidence: meta.confidence.as_deref(),
        feature_count: layer.areas.len(),
        bounds: layer.bounds(),
        links: links(&meta.id),
    };
    // Serialising plain strings, numbers and dates into a `Value` cannot fail; should it ever,
    // the summary still says which layer it is.
    serde_json::to_value(summary).unwrap_or_else(|error| {
        tracing::error!(layer = %meta.id, %error, "could not serialise a layer summary");
        json!({"id": meta.id, "status": meta.status})
    })
}

/// `GET /health`: the service is up, with its data version and layer count.
pub async fn health(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::new(query, &[])?;
    Ok(Json(json!({
        "status": "ok",
        "data_version": state.data_version(),
        "layers": state.index.layers().len(),
    })))
}

/// `GET /api/layers`: the summaries of all layers, in manifest order.
pub async fn list(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::new(query, &[])?;
    let layers: Vec<Value> = state
        .index
        .layers()
        .iter()
        .map(|layer| state.summary(layer))
        .collect();
    Ok(Json(json!({
        "data_version": state.data_version(),
        "layers": layers,
    })))
}

/// `GET /api/layers/{id}`: one layer's summary.
pub async fn one(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
) -> Result<Json<Value>, ApiError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    Params::new(query, &[])?;
    let layer = state.layer(&id)?;
    Ok(Json(state.summary(layer)))
}

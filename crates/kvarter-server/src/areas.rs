//! `GET /api/areas/{layer}/{fid}`: everything Kvarter knows about one area — the area, its
//! layer's metadata and provenance, every indicator, and its membership in every designation
//! layer (see [`kvarter_service::areas`]).

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// `GET /api/areas/{layer}/{fid}`.
pub async fn area(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let Path((layer, fid)) =
        path.map_err(|rejection| ApiError::bad_parameter("fid", rejection.body_text()))?;
    Params::new(query, &[])?;
    let service = state.service();
    // The first request for a layer joins its indicators and projects the designation layers.
    tokio::task::spawn_blocking(move || {
        let at = service.layer(&layer)?;
        Ok(axum::Json(service.describe_area(at, &fid)?).into_response())
    })
    .await
    .map_err(|error| ApiError::internal("describing an area", error))?
}

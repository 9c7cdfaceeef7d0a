//! The layer catalogue: `/api/layers` and `/api/layers/{id}` — what each layer is,
//! where it comes from, its status (official, reconstructed, …), feature count and bounds (see
//! [`kvarter_service::catalogue`]).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// `GET /api/layers`: the summaries of all layers, in manifest order.
pub async fn list(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
    let service = state.service();
    Ok(Json(service.layer_list()).into_response())
}

/// `GET /api/layers/{id}`: one layer's summary.
pub async fn one(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    Params::new(query, &[])?;
    let service = state.service();
    let at = service.layer(&id)?;
    Ok(Json(service.summary(at.position)).into_response())
}

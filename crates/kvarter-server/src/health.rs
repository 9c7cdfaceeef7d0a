//! Is the service up, and is it serving data? `GET /health` answers 200 whenever the process
//! answers at all (liveness: restart it when this fails); `GET /ready` answers 200 once the
//! data is loaded and 503 before — while the first load runs or after it failed — so a load
//! balancer or a container health check sends traffic only to a server that can answer it.
//!
//! A server on a data folder listens before it reads the folder (see [`crate::run_with`]);
//! until the first load succeeds, [`gate`] answers every other public route 503 with
//! `Retry-After`. The admin routes stay open, so an operator can see why
//! (`/admin/status`), fix the folder (`POST /admin/layers`) and reload.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// `GET`: the process is up.
pub const HEALTH_ROUTE: &str = "/health";
/// `GET`: the data is loaded.
pub const READY_ROUTE: &str = "/ready";

/// `GET /health`: the service is up, whether its data is loaded, its data version and layer
/// count.
pub async fn health(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::new(query, &[])?;
    let service = state.service();
    Ok(Json(json!({
        "status": "ok",
        "ready": state.is_ready(),
        "data_version": service.data_version(),
        "layers": service.layers().len(),
        "tile_cache": service.tiles().cache_stats(),
    })))
}

/// `GET /ready`: 200 with the data version once the data is loaded; 503 with the reason before.
pub async fn ready(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
    Ok(match state.not_ready_reason() {
        None => Json(json!({"ready": true, "data_version": state.service().data_version()}))
            .into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false, "reason": reason})),
        )
            .into_response(),
    })
}

/// Answers 503 ([`ApiError::NotReady`]) until the data is loaded, for every route but
/// `/health`, `/ready`, `/metrics`, and the admin page and the static assets (which hold no
/// data: the operator may need the page to fix a folder that did not load).
pub async fn gate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let always = [
        HEALTH_ROUTE,
        READY_ROUTE,
        crate::metrics::METRICS_ROUTE,
        crate::web::ADMIN_ROUTE,
    ];
    if !always.contains(&path)
        && !path.starts_with("/assets/")
        && let Some(reason) = state.not_ready_reason()
    {
        return ApiError::NotReady { reason }.into_response();
    }
    next.run(request).await
}

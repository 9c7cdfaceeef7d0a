//! Reverse geocoding, `GET /api/reverse?lon=&lat=&radius=`: the nearest address within the
//! radius, else the nearest street or place within it, with the areas at its point. The answer
//! is [`kvarter_service::reverse`]'s; the point is read as `/api/lookup` reads it (`lon`/`lat`,
//! or `x`/`y`/`srid`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kvarter_service::reverse::{DEFAULT_RADIUS_M, MAX_RADIUS_M};

use crate::error::ApiError;
use crate::lookup::located;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

const PARAMETERS: [&str; 6] = ["lon", "lat", "x", "y", "srid", "radius"];

/// `GET /api/reverse`.
pub async fn reverse(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(query, &PARAMETERS)?;
    let point = located(&params)?.point;
    let radius = params
        .number_in("radius", 0.0..=MAX_RADIUS_M)?
        .unwrap_or(DEFAULT_RADIUS_M);
    let service = state.service();
    Ok(Json(service.reverse(point, radius)?).into_response())
}

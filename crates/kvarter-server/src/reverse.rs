//! Reverse geocoding, `GET /api/reverse?lon=&lat=&radius=`: the nearest address within the
//! radius, else the nearest street or place within it, with the areas at its point.
//!
//! The point is read as `/api/lookup` reads it (`lon`/`lat`, or `x`/`y`/`srid`). Distances are
//! great-circle metres (see [`kvarter_geocode::reverse`]). Nothing within the radius, or a
//! service without a gazetteer, is a 200 with `result: null` and a `note`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kvarter_geocode::Kind;
use serde::Serialize;

use crate::addresses::{Found, NO_GAZETTEER, round2};
use crate::error::ApiError;
use crate::lookup::{Located, areas_at};
use crate::params::{Params, RawQuery};
use crate::state::AppState;

const PARAMETERS: [&str; 6] = ["lon", "lat", "x", "y", "srid", "radius"];

/// The radius searched unless `radius=` says otherwise, in metres.
pub const DEFAULT_RADIUS_M: f64 = 200.0;
/// The largest radius accepted, in metres.
pub const MAX_RADIUS_M: f64 = 2000.0;

/// `GET /api/reverse`.
pub async fn reverse(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(query, &PARAMETERS)?;
    let point = Located::from_params(&params)?.point;
    let radius = params
        .number_in("radius", 0.0..=MAX_RADIUS_M)?
        .unwrap_or(DEFAULT_RADIUS_M);
    let echo = Echo {
        lon: point.x,
        lat: point.y,
        radius_m: radius,
    };
    let Some(addresses) = state.addresses() else {
        return Ok(Json(Answer {
            query: echo,
            result: None,
            note: Some(NO_GAZETTEER.to_owned()),
        })
        .into_response());
    };
    let nearest = addresses
        .reverse
        .nearest(point.x, point.y, radius, &[Kind::Address])
        .or_else(|| {
            addresses
                .reverse
                .nearest(point.x, point.y, radius, &[Kind::Street, Kind::Place])
        });
    let result = match nearest {
        Some((index, distance)) => {
            let entry = addresses
                .gazetteer
                .entry(index)
                .ok_or_else(|| ApiError::internal("reverse geocoding", "no entry at an index"))?;
            Some(Nearest {
                found: Found::new(entry),
                distance_m: round2(distance),
                areas: areas_at(&state, entry.point.0)?,
            })
        }
        None => None,
    };
    let note = result.is_none().then(|| {
        format!("no address, street or place within {radius} m; try a larger radius (at most {MAX_RADIUS_M} m)")
    });
    Ok(Json(Answer {
        query: echo,
        result,
        note,
    })
    .into_response())
}

/// The point and radius as understood.
#[derive(Serialize)]
struct Echo {
    lon: f64,
    lat: f64,
    radius_m: f64,
}

#[derive(Serialize)]
struct Answer<'a> {
    query: Echo,
    result: Option<Nearest<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// The nearest entry, its distance and the areas at its point.
#[derive(Serialize)]
struct Nearest<'a> {
    #[serde(flatten)]
    found: Found<'a>,
    distance_m: f64,
    areas: serde_json::Value,
}

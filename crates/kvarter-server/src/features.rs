//! A layer's areas as RFC 7946 `GeoJSON`: `/api/layers/{id}/features` (optionally cut to a `bbox`,
//! simplified, rounded, with chosen properties) and `/api/layers/{id}/features/{fid}`. The
//! geometry steps are [`kvarter_service::features`]'; this module reads the request.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kvarter_service::features::{DEFAULT_PRECISION, MAX_PRECISION, MAX_SIMPLIFY_METRES, Shaping};
use kvarter_service::params::parse_bbox;
use kvarter_service::{LayerAt, Service};

use crate::error::{ApiError, quoted};
use crate::indicators::choropleth;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

const COLLECTION_PARAMETERS: [&str; 6] = [
    "bbox",
    "simplify",
    "precision",
    "properties",
    "indicators",
    "period",
];
const FEATURE_PARAMETERS: [&str; 5] = [
    "simplify",
    "precision",
    "properties",
    "indicators",
    "period",
];

/// A `GeoJSON` document, answered as `application/geo+json`.
#[derive(Debug)]
pub struct GeoJson(pub Vec<u8>);

impl IntoResponse for GeoJson {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/geo+json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// `simplify=`, `precision=` and `properties=` for the layer at `at`.
fn shaping(params: &Params, service: &Service, at: LayerAt<'_>) -> Result<Shaping, ApiError> {
    let simplify = params.number_in("simplify", 0.0..=MAX_SIMPLIFY_METRES)?;
    let precision = match params.get("precision") {
        None => DEFAULT_PRECISION,
        Some(text) => text
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= MAX_PRECISION)
            .ok_or_else(|| {
                ApiError::bad_parameter(
                    "precision",
                    format!(
                        "{} is not a whole number of decimals from 0 to {MAX_PRECISION}",
                        quoted(text)
                    ),
                )
            })?,
    };
    let available = &service.info(at.position).properties;
    Ok(Shaping::new(
        simplify,
        precision,
        params.list("properties"),
        available,
    )?)
}

/// `GET /api/layers/{id}/features`: the layer's areas as a `FeatureCollection`.
pub async fn collection(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
) -> Result<GeoJson, ApiError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    let params = Params::new(query, &COLLECTION_PARAMETERS)?;
    let service = state.service();
    // Encoding thousands of polygons is CPU work: keep it off the async workers, so the request
    // timeout can still answer and other requests are not held up.
    tokio::task::spawn_blocking(move || {
        let at = service.layer(&id)?;
        let shaping = shaping(&params, &service, at)?;
        let choropleth = choropleth(&service, &params)?;
        let bbox = params.get("bbox").map(parse_bbox).transpose()?;
        let body = service.features(at, bbox, &shaping, choropleth.as_ref())?;
        Ok(GeoJson(body))
    })
    .await
    .map_err(|error| ApiError::internal("building a FeatureCollection", error))?
}

/// `GET /api/layers/{id}/features/{fid}`: one area as a Feature.
pub async fn single(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: RawQuery,
) -> Result<GeoJson, ApiError> {
    let Path((id, fid)) =
        path.map_err(|rejection| ApiError::bad_parameter("fid", rejection.body_text()))?;
    let params = Params::new(query, &FEATURE_PARAMETERS)?;
    let service = state.service();
    tokio::task::spawn_blocking(move || {
        let at = service.layer(&id)?;
        let shaping = shaping(&params, &service, at)?;
        let choropleth = choropleth(&service, &params)?;
        let body = service.feature(at, &fid, &shaping, choropleth.as_ref())?;
        Ok(GeoJson(body))
    })
    .await
    .map_err(|error| ApiError::internal("building a Feature", error))?
}

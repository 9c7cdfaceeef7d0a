//! The designation diff over HTTP: `GET /api/compare?from=&to=&format=json|geojson|csv` and its
//! map, `GET /tiles/compare/{from}/{to}/{z}/{x}/{y}.mvt` (every piece with `change` = kept |
//! added | removed) with `GET /tiles/compare/{from}/{to}.json`.
//!
//! The comparison is the service's, computed once per data version and layer pair (see
//! [`kvarter_service::compare`]); answers carry a strong `ETag` derived from the data version,
//! so a report's embedded figures and maps stay the same until the data does.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kvarter_service::compare::PURPOSE;
use kvarter_service::comparisons::Format;

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};
use crate::respond::none_match;
use crate::state::AppState;
use crate::tiles::{base_url, parse_tile, tilejson_response};

const PARAMETERS: [&str; 3] = ["from", "to", "format"];

/// The `format` parameter.
fn format(text: Option<&str>) -> Result<Format, ApiError> {
    match text {
        None | Some("json") => Ok(Format::Json),
        Some("geojson") => Ok(Format::GeoJson),
        Some("csv") => Ok(Format::Csv),
        Some(other) => Err(ApiError::bad_parameter(
            "format",
            format!(
                "{} is not a format; use json, geojson or csv",
                quoted(other)
            ),
        )),
    }
}

/// The media type of a comparison in `format`.
fn content_type(format: Format) -> &'static str {
    match format {
        Format::Json => "application/json",
        Format::GeoJson => "application/geo+json",
        Format::Csv => "text/csv; charset=utf-8",
    }
}

/// `GET /api/compare?from=LAYER&to=LAYER&format=json|geojson|csv`.
pub async fn compare(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::new(query, &PARAMETERS)?;
    let format = format(params.get("format"))?;
    let service = state.service();
    let [from, to] = ["from", "to"].map(|name| {
        params.get(name).map(str::to_owned).ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!(
                    "missing; give two layer ids, e.g. from=udsatte-byomraader-2011&to=udsatte-byomraader-2017 (layers: {})",
                    service.known_ids().join(", ")
                ),
            )
        })
    });
    let (from, to) = (from?, to?);
    // Unknown layers and street layers are refused before any cached answer is considered.
    service.area_layer(&from, PURPOSE)?;
    service.area_layer(&to, PURPOSE)?;
    let tag = HeaderValue::from_str(&format!(
        "\"{}-compare-{from}-{to}-{}\"",
        service.data_version(),
        format.token()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("\"compare\""));
    let cache_control = state.cache_control().clone();
    if none_match(&headers, &tag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, tag), (header::CACHE_CONTROL, cache_control)],
        )
            .into_response());
    }
    let body = tokio::task::spawn_blocking(move || {
        service
            .compare(&from, &to)
            .map(|compared| compared.body(format))
    })
    .await
    .map_err(|error| ApiError::internal("comparing two layers", error))??;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(format)),
            ),
            (header::ETAG, tag),
            (header::CACHE_CONTROL, cache_control),
        ],
        body,
    )
        .into_response())
}

/// The parts of a change-map tile path: from, to, z, x and `y.mvt`.
type ComparePath = (String, String, String, String, String);

/// `GET /tiles/compare/{from}/{to}/{z}/{x}/{y}.mvt`.
pub async fn tile(
    State(state): State<Arc<AppState>>,
    path: Result<Path<ComparePath>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((from, to, z, x, y)) =
        path.map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))?;
    Params::new(query, &[])?;
    let tile = parse_tile(&z, &x, &y)?;
    let service = state.service();
    // Unknown layers (404) and streets (422) are refused before anything is cached under
    // their names.
    let tileset = service.compare_tileset(&from, &to)?;
    crate::tiles::answer(&state, service, tileset, tile, &headers).await
}

/// `GET /tiles/compare/{from}/{to}.json`: `TileJSON` of the comparison's map.
pub async fn tilejson(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((from, tileset)) =
        path.map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))?;
    Params::new(query, &[])?;
    let Some(to) = tileset.strip_suffix(".json") else {
        return Err(ApiError::NoRoute {
            path: format!(
                "/tiles/compare/{}/{}",
                crate::error::shortened(&from),
                crate::error::shortened(&tileset)
            ),
        });
    };
    let service = state.service();
    let tileset = service.compare_tileset(&from, to)?;
    let base = base_url(&state, &headers);
    // The first request computes the comparison.
    let document = tokio::task::spawn_blocking(move || service.tilejson(&tileset, &base))
        .await
        .map_err(|error| ApiError::internal("describing a comparison's tiles", error))??;
    Ok(tilejson_response(&state, &document))
}

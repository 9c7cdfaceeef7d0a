//! OGC API – Tiles under `/ogc`, beside the features (see [`crate::ogc`]): the tile matrix set
//! (`WebMercatorQuad`), each layer's vector tileset, and its tiles. The documents are the
//! service's ([`kvarter_service::ogc::tiles`]); a tile is answered by the same code as
//! `/tiles/{id}/{z}/{x}/{y}.mvt` ([`crate::tiles::answer`]) with `z = tileMatrix`,
//! `x = tileCol`, `y = tileRow`, so it is the same cache entry, bytes and `ETag`, with the
//! same `304`, `Cache-Control`, compression — and the same `204` for a tile without features,
//! which OGC API – Tiles allows for a tile with nothing in it (a tile outside the layer's
//! `tileMatrixSetLimits` is such a tile). Errors are the standard's exception JSON: a malformed
//! or out-of-range `tileMatrix`, `tileRow` or `tileCol` is a `400`, an unknown collection or
//! tile matrix set a `404`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kvarter_service::ogc::tiles::{self as ogc_tiles, WEB_MERCATOR_QUAD};
use kvarter_service::tiles::Tileset;
use serde_json::{Value, json};

use crate::error::{ApiError, quoted};
use crate::ogc::{OgcError, ROOT, path_parts};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::tiles::{answer, base_url};

/// The tile matrix sets' route.
pub const TILE_MATRIX_SETS: &str = "/ogc/tileMatrixSets";
/// One tile matrix set's route.
pub const TILE_MATRIX_SET: &str = "/ogc/tileMatrixSets/{tileMatrixSetId}";
/// A collection's tilesets' route.
pub const TILESETS: &str = "/ogc/collections/{id}/tiles";
/// A collection's tileset's route.
pub const TILESET: &str = "/ogc/collections/{id}/tiles/{tileMatrixSetId}";
/// A tile's route.
pub const TILE: &str =
    "/ogc/collections/{id}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}";

/// The OGC root URL of this request.
fn base(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}{ROOT}", base_url(state, headers))
}

/// Checks the query: only `f`, and only `f=` the one encoding served (`json` for documents,
/// `mvt` for tiles).
fn check_query(query: RawQuery, encoding: &'static str) -> Result<(), OgcError> {
    let params = Params::new(query, &["f"])?;
    match params.get("f") {
        None => Ok(()),
        Some(f) if f == encoding => Ok(()),
        Some(other) => Err(ApiError::bad_parameter(
            "f",
            format!("{} is not served; use f={encoding}", quoted(other)),
        )
        .into()),
    }
}

/// `None` for `WebMercatorQuad`; for any other id the `404` exception.
fn unknown_set(id: &str) -> Option<Response> {
    (id != WEB_MERCATOR_QUAD).then(|| {
        (
            StatusCode::NOT_FOUND,
            Json(json!({
                "code": "unknown_tile_matrix_set",
                "description": format!(
                    "there is no tile matrix set {}; the one served is {WEB_MERCATOR_QUAD}",
                    quoted(id)
                ),
            })),
        )
            .into_response()
    })
}

fn document(value: &Value) -> Response {
    Json(value).into_response()
}

/// `GET /ogc/tileMatrixSets`.
pub async fn tile_matrix_sets(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    check_query(query, "json")?;
    Ok(document(&ogc_tiles::tile_matrix_sets(&base(
        &state, &headers,
    ))))
}

/// `GET /ogc/tileMatrixSets/{tileMatrixSetId}`.
pub async fn tile_matrix_set(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let id = path_parts(path)?;
    if let Some(refused) = unknown_set(&id) {
        return Ok(refused);
    }
    check_query(query, "json")?;
    Ok(document(&ogc_tiles::web_mercator_quad(&base(
        &state, &headers,
    ))))
}

/// `GET /ogc/collections/{id}/tiles`.
pub async fn tilesets(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let id = path_parts(path)?;
    check_query(query, "json")?;
    let service = state.service();
    let at = service.layer(&id)?;
    Ok(document(&ogc_tiles::tilesets(at, &base(&state, &headers))))
}

/// `GET /ogc/collections/{id}/tiles/{tileMatrixSetId}`.
pub async fn tileset(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let (id, set) = path_parts(path)?;
    let service = state.service();
    let at = service.layer(&id)?;
    if let Some(refused) = unknown_set(&set) {
        return Ok(refused);
    }
    check_query(query, "json")?;
    Ok(document(&ogc_tiles::tileset(
        &service,
        at,
        &base(&state, &headers),
    )?))
}

/// A tile's path parameters: collection, tile matrix set, tile matrix, row and column.
type TilePath = (String, String, String, String, String);

/// `GET /ogc/collections/{id}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}`: the
/// layer's tile, answered as `/tiles/{id}/{tileMatrix}/{tileCol}/{tileRow}.mvt` is.
pub async fn tile(
    State(state): State<Arc<AppState>>,
    path: Result<Path<TilePath>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let (id, set, tile_matrix, tile_row, tile_col) = path_parts(path)?;
    let service = state.service();
    // One layer: `layer_set` alone would also take a comma-separated list.
    service.layer(&id)?;
    if let Some(refused) = unknown_set(&set) {
        return Ok(refused);
    }
    let tile = ogc_tiles::tile_address(&tile_matrix, &tile_row, &tile_col)?;
    check_query(query, "mvt")?;
    let tileset = Tileset::layers(service.layer_set(&id)?, None);
    Ok(answer(&state, service, tileset, tile, &headers).await?)
}

//! `GET /tiles/{layers}/{z}/{x}/{y}.mvt` (vector tiles of one layer or several, comma-separated)
//! and `GET /tiles/{layers}.json` (their `TileJSON`), answered from the service's tile cache
//! with content negotiation and conditional requests (see [`crate::respond`]).
//!
//! `ETag`s are strong and derived from the data version, the tileset, the tile and the encoding
//! — not from the bytes — so a conditional request is answered `304` without rendering.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use kvarter_service::Service;
use kvarter_service::tiles::Tileset;
use kvarter_tiles::{TileCoord, TileCoordError, TileJson};

use crate::error::{ApiError, quoted};
use crate::indicators::{CHOROPLETH_PARAMETERS, choropleth};
use crate::params::{Params, RawQuery};
use crate::respond::Cached;
use crate::state::AppState;

/// The media type of Mapbox Vector Tiles.
pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// `GET /tiles/{layers}/{z}/{x}/{y}.mvt`, optionally `?indicators=a,b&period=P` (indicator
/// values as feature attributes, for choropleths).
pub async fn tile(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String, String, String)>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((layers, z, x, y)) =
        path.map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))?;
    let tile = parse_tile(&z, &x, &y)?;
    let params = Params::new(query, &CHOROPLETH_PARAMETERS)?;
    let service = state.service();
    let set = service.layer_set(&layers)?;
    let tileset = Tileset::layers(set, choropleth(&service, &params)?);
    answer(&state, service, tileset, tile, &headers).await
}

/// `z`, `x` and `y.mvt` of a tile path as a tile coordinate, or a 400 naming the bad part.
pub fn parse_tile(z: &str, x: &str, y: &str) -> Result<TileCoord, ApiError> {
    let Some(y) = y.strip_suffix(".mvt") else {
        return Err(ApiError::bad_parameter(
            "y",
            format!(
                "{} should be the row with the .mvt suffix, e.g. 1282.mvt",
                quoted(y)
            ),
        ));
    };
    TileCoord::parse(z, x, y).map_err(|error| tile_error(&error))
}

/// Answers a request for a tile of `tileset`: `304` when `If-None-Match` names its `ETag`
/// (without looking in the cache), else the tile from the cache or rendered on the blocking
/// pool, in the best encoding the client accepts (`204` when it is empty), with the caching
/// headers.
pub async fn answer(
    state: &AppState,
    service: Arc<Service>,
    tileset: Tileset,
    tile: TileCoord,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let how = how(state, service.data_version(), tileset.name(), tile);
    // Shared by the cache lookup and the rendering on the blocking pool.
    let wanted = Arc::new((service, tileset));
    let render = Arc::clone(&wanted);
    how.answer(
        headers,
        || wanted.0.cached_tile(&wanted.1, tile),
        move || Ok(render.0.tile(&render.1, tile)),
    )
    .await
}

/// How a tile of the tileset named `tileset` is answered, besides its bytes: its `ETag`, media
/// type and caching headers; `204` when it is empty; gzip and brotli offered.
pub fn how<'a>(
    state: &'a AppState,
    data_version: &str,
    tileset: &str,
    tile: TileCoord,
) -> Cached<'a> {
    how_with(state.tile_headers(), data_version, tileset, tile)
}

/// [`how`] with `headers` as every answer's headers besides the `ETag` (those of
/// [`AppState::tile_headers`] and more).
pub fn how_with<'a>(
    headers: &'a HeaderMap,
    data_version: &str,
    tileset: &str,
    tile: TileCoord,
) -> Cached<'a> {
    Cached {
        tag: tile_tag(data_version, tileset, tile),
        content_type: MVT_CONTENT_TYPE,
        headers: Cow::Borrowed(headers),
        empty_is_no_content: true,
        compress: true,
    }
}

/// What identifies a tile's bytes, its `ETag` without the coding:
/// `{data version}-{FNV-1a of the tileset's name, 16 hex digits}-{z}-{x}-{y}`. Pushed digit by
/// digit rather than `format!`ted: it is made for every tile request, cached or not.
fn tile_tag(data_version: &str, tileset: &str, tile: TileCoord) -> String {
    let mut tag = String::with_capacity(data_version.len() + 1 + 16 + 3 * 11);
    tag.push_str(data_version);
    tag.push('-');
    let hash = fnv1a(tileset);
    for shift in (0..16).rev().map(|digit| 4 * digit) {
        let nibble = usize::try_from((hash >> shift) & 0xf).unwrap_or(0);
        tag.push(char::from(b"0123456789abcdef"[nibble]));
    }
    let mut number = itoa::Buffer::new();
    for n in [u32::from(tile.z()), tile.x(), tile.y()] {
        tag.push('-');
        tag.push_str(number.format(n));
    }
    tag
}

/// The 64-bit FNV-1a hash of a tileset's name, standing for it in `ETag`s.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `GET /tiles/{layers}.json`, optionally `?indicators=a,b&period=P` (the tile URL then asks
/// for the same indicators, and the layers list them as fields).
pub async fn tilejson(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(tileset) =
        path.map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))?;
    let Some(layers) = tileset.strip_suffix(".json") else {
        return Err(ApiError::NoRoute {
            path: format!("/tiles/{}", crate::error::shortened(&tileset)),
        });
    };
    let params = Params::new(query, &CHOROPLETH_PARAMETERS)?;
    let service = state.service();
    let set = service.layer_set(layers)?;
    let tileset = Tileset::layers(set, choropleth(&service, &params)?);
    let document = service.tilejson(&tileset, &base_url(&state, &headers))?;
    Ok(tilejson_response(&state, &document))
}

/// A `TileJSON` answer, cached as long as the tiles are.
pub fn tilejson_response(state: &AppState, document: &TileJson) -> Response {
    (
        [(header::CACHE_CONTROL, state.cache_control().clone())],
        axum::Json(document),
    )
        .into_response()
}

/// The base URL tile URLs start with: `public_url` when configured, else `scheme://host` of
/// the request, from `X-Forwarded-Proto` and `Host` (falling back to `http` and `localhost`
/// when they are missing or malformed).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = state.public_url() {
        return url.to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|s| *s == "https" || *s == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

fn tile_error(error: &TileCoordError) -> ApiError {
    let parameter = match &error {
        TileCoordError::ZoomOutOfRange { .. } => "z",
        TileCoordError::OutsideGrid { axis, .. } => axis,
        TileCoordError::NotAnInteger { part, .. } => part,
    };
    ApiError::bad_parameter(parameter, error.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn a_tile_tag_is_the_data_version_the_tileset_hash_and_the_tile() {
        for (z, x, y) in [(0, 0, 0), (14, 8_765, 5_123), (20, 1_048_575, 9)] {
            let tile = TileCoord::new(z, x, y).unwrap();
            let name = "udsatte-byomraader-2011,bydele-2023";
            assert_eq!(
                tile_tag("6c3497f244f12ad3", name, tile),
                format!("6c3497f244f12ad3-{:016x}-{z}-{x}-{y}", fnv1a(name))
            );
        }
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert!(
            tile_tag("v", "", TileCoord::new(1, 0, 1).unwrap()).starts_with("v-cbf29ce484222325-")
        );
    }
}

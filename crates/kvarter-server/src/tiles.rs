//! `GET /tiles/{layers}/{z}/{x}/{y}.mvt` (vector tiles of one layer or several, comma-separated)
//! and `GET /tiles/{layers}.json` (their TileJSON), with a tile cache, content negotiation and
//! conditional requests.
//!
//! Rendered tiles are kept in a size-bounded in-memory cache (moka) keyed by data version,
//! layer set and tile; each entry holds the identity bytes and, compressed once on first demand,
//! the gzip and brotli bytes. ETags are strong and derived from the data version, the layer set,
//! the tile and the encoding — not from the bytes — so a conditional request is answered `304`
//! without rendering anything.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kvarter_index::Index;
use kvarter_tiles::{LayerSet, LayerSetError, TileCoord, TileCoordError, Tiler, ZoomRange};
use moka::sync::Cache;

use crate::AppState;
use crate::config::ServerConfig;
use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};

/// The media type of Mapbox Vector Tiles.
pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// Tiles: the renderer, the cache and the response settings.
pub struct TileService {
    tiler: Tiler,
    cache: Option<Cache<TileKey, Arc<Rendered>>>,
    cache_control: HeaderValue,
    public_url: Option<String>,
    version: Arc<str>,
}

impl std::fmt::Debug for TileService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileService")
            .field("tiler", &self.tiler)
            .field("cached_tiles", &self.cache.as_ref().map(Cache::entry_count))
            .finish_non_exhaustive()
    }
}

/// A tile cache key. `tileset` names what the tile shows: a layer set (`roder-2023,bydele-2023`),
/// with the indicators it carries (`bydele-2023?indicators=population&period=2019`), or a
/// comparison (`compare/{from}/{to}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TileKey {
    version: Arc<str>,
    tileset: Arc<str>,
    tile: TileCoord,
}

/// One rendered tile (or file of the front end, see [`crate::web`]): its bytes, and each
/// compressed form made on first demand.
#[derive(Debug, Default)]
pub struct Rendered {
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

/// A content coding Kvarter serves tiles in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Uncompressed.
    Identity,
    /// gzip.
    Gzip,
    /// Brotli.
    Brotli,
}

impl Encoding {
    /// The encoding's `Content-Encoding` token (`identity` when uncompressed).
    pub(crate) fn token(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "br",
        }
    }
}

impl Rendered {
    /// Bytes to serve, not yet compressed.
    pub(crate) fn new(identity: impl Into<Bytes>) -> Rendered {
        Rendered {
            identity: identity.into(),
            ..Rendered::default()
        }
    }

    /// Whether the tile has no features.
    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
    }

    /// The tile's bytes in `encoding`, compressing on first demand; empty for an empty tile.
    pub fn body(&self, encoding: Encoding) -> Bytes {
        if self.identity.is_empty() {
            return Bytes::new();
        }
        match encoding {
            Encoding::Identity => self.identity.clone(),
            Encoding::Gzip => self.gzip.get_or_init(|| gzip(&self.identity)).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| brotli(&self.identity)).clone(),
        }
    }

    /// Whether [`Rendered::body`] in `encoding` is at hand, without compressing.
    pub(crate) fn is_ready(&self, encoding: Encoding) -> bool {
        match encoding {
            Encoding::Identity => true,
            Encoding::Gzip => self.gzip.get().is_some(),
            Encoding::Brotli => self.brotli.get().is_some(),
        }
    }

    /// Memory the entry takes at most, for the cache's weigher: identity plus both compressed
    /// forms (each at most about the identity's size) plus bookkeeping.
    fn weight(&self) -> u32 {
        u32::try_from(self.identity.len() * 3 + 256).unwrap_or(u32::MAX)
    }
}

fn gzip(bytes: &[u8]) -> Bytes {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 32),
        flate2::Compression::new(6),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn brotli(bytes: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(bytes.len() / 2 + 32);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: 22,
        ..brotli::enc::BrotliEncoderParams::default()
    };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    Bytes::from(out)
}

/// What [`TileService::warm`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmSummary {
    /// Tiles rendered.
    pub tiles: usize,
    /// Of those, tiles with features.
    pub non_empty: usize,
}

impl TileService {
    /// The tile service for `index` as `config` says (cache size, headers, tile settings).
    pub fn new(index: &Index, config: &ServerConfig) -> TileService {
        let cache = (config.tile_cache_mb > 0).then(|| {
            Cache::builder()
                .max_capacity(config.tile_cache_mb.saturating_mul(1024 * 1024))
                .weigher(|_key: &TileKey, tile: &Arc<Rendered>| tile.weight())
                .build()
        });
        TileService {
            tiler: Tiler::new(index, config.tiles.clone()),
            cache,
            cache_control: HeaderValue::from_str(&config.tile_cache_control)
                .unwrap_or_else(|_| HeaderValue::from_static("public, max-age=3600")),
            public_url: config
                .public_url
                .as_ref()
                .map(|url| url.trim_end_matches('/').to_owned()),
            version: Arc::from(index.dataset().version.as_str()),
        }
    }

    /// How full the tile cache is, for `/health`: `null` when it is off.
    pub fn cache_stats(&self) -> serde_json::Value {
        self.cache
            .as_ref()
            .map_or(serde_json::Value::Null, |cache| {
                cache.run_pending_tasks();
                serde_json::json!({
                    "tiles": cache.entry_count(),
                    "bytes": cache.weighted_size(),
                    "capacity_bytes": cache.policy().max_capacity(),
                })
            })
    }

    /// The `Cache-Control` value of tiles (and of other answers derived from the data alone).
    pub fn cache_control(&self) -> &HeaderValue {
        &self.cache_control
    }

    /// The renderer.
    pub fn tiler(&self) -> &Tiler {
        &self.tiler
    }

    fn key(&self, tileset: &str, tile: TileCoord) -> TileKey {
        TileKey {
            version: self.version.clone(),
            tileset: Arc::from(tileset),
            tile,
        }
    }

    /// The tile of `tileset` from the cache, if it is there.
    fn cached(&self, tileset: &str, tile: TileCoord) -> Option<Arc<Rendered>> {
        self.cache.as_ref()?.get(&self.key(tileset, tile))
    }

    /// The tile of `tileset`, from the cache or made by `render` (and then cached). Renders:
    /// call off the async workers.
    pub fn get_or_render(
        &self,
        tileset: &str,
        tile: TileCoord,
        render: impl FnOnce() -> Vec<u8>,
    ) -> Arc<Rendered> {
        let render = || Arc::new(Rendered::new(render()));
        match &self.cache {
            Some(cache) => cache.get_with(self.key(tileset, tile), render),
            None => render(),
        }
    }

    /// The tile of a layer set, from the cache or rendered (and then cached). Renders: call
    /// off the async workers.
    pub fn get(&self, index: &Index, set: &LayerSet, tile: TileCoord) -> Arc<Rendered> {
        self.get_or_render(set.name(), tile, || self.tiler.render(index, set, tile))
    }

    /// Renders every layer's tiles at zoom levels `zooms` within the layer's bounds into the
    /// cache, with their gzip bytes, on all cores. Without a cache, only prepares the layers.
    pub fn warm(&self, index: &Index, zooms: ZoomRange) -> WarmSummary {
        let mut jobs: Vec<(LayerSet, TileCoord)> = Vec::new();
        for layer in index.layers() {
            let Ok(set) = self.tiler.layer_set(index, layer.meta.id.as_str()) else {
                continue;
            };
            self.tiler.prepare(index, &set, zooms);
            if self.cache.is_some() {
                for tile in self.tiler.tiles_covering(index, &set, zooms) {
                    jobs.push((set.clone(), tile));
                }
            }
        }
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let chunk = jobs.len().div_ceil(threads).max(1);
        let non_empty: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .filter(|(set, tile)| {
                                let rendered = self.get(index, set, *tile);
                                rendered.body(Encoding::Gzip);
                                !rendered.is_empty()
                            })
                            .count()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
        });
        WarmSummary {
            tiles: jobs.len(),
            non_empty,
        }
    }

    /// The strong ETag of a tile of `tileset` in an encoding.
    fn etag(&self, tileset: &str, tile: TileCoord, encoding: Encoding) -> HeaderValue {
        let layers = tileset
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        let tag = format!(
            "\"{}-{layers:016x}-{}-{}-{}-{}\"",
            self.version,
            tile.z(),
            tile.x(),
            tile.y(),
            encoding.token()
        );
        HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"tile\""))
    }

    /// Headers every tile answer carries (200, 204 and 304 alike).
    fn common_headers(&self, etag: HeaderValue) -> [(header::HeaderName, HeaderValue); 3] {
        [
            (header::ETAG, etag),
            (header::CACHE_CONTROL, self.cache_control.clone()),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ]
    }
}

/// The coding to answer in: brotli or gzip when the client accepts it (brotli first at equal
/// preference, being smaller), else identity.
pub fn negotiate(headers: &HeaderMap) -> Encoding {
    // Qualities in thousandths (q has at most three decimals).
    let mut best = (Encoding::Identity, 0_u32);
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(text) = value.to_str() else { continue };
        for item in text.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .map_or(1000, |q| {
                    #[expect(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        reason = "clamped to 0..=1 first"
                    )]
                    let thousandths = (q.clamp(0.0, 1.0) * 1000.0).round() as u32;
                    thousandths
                });
            let encoding = match name.as_str() {
                "br" => Encoding::Brotli,
                "gzip" | "x-gzip" => Encoding::Gzip,
                _ => continue,
            };
            let better = quality > best.1 || (quality == best.1 && encoding == Encoding::Brotli);
            if quality > 0 && better {
                best = (encoding, quality);
            }
        }
    }
    best.0
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET).
pub(crate) fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|text| text.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

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
    let params = Params::new(query, &crate::indicators::CHOROPLETH_PARAMETERS)?;
    let set = state
        .tiles
        .tiler
        .layer_set(&state.index, &layers)
        .map_err(|error| layer_set_error(&state, error))?;
    let choropleth = crate::indicators::Choropleth::from_params(&state, &params)?;
    let tileset = match &choropleth {
        Some(choropleth) => format!("{}?{}", set.name(), choropleth.key()),
        None => set.name().to_owned(),
    };
    answer(
        state,
        tileset,
        tile,
        &headers,
        move |state| match &choropleth {
            Some(choropleth) => {
                let extra = choropleth.attributes(state);
                state
                    .tiles
                    .tiler
                    .render_with(&state.index, &set, tile, &extra)
            }
            None => state.tiles.tiler.render(&state.index, &set, tile),
        },
    )
    .await
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

/// Answers a tile request for `tileset`: `304` when `If-None-Match` names the tile's ETag,
/// else the tile from the cache or made by `render` on the blocking pool, in the best encoding
/// the client accepts (`204` when it is empty), with the caching headers.
pub async fn answer(
    state: Arc<AppState>,
    tileset: String,
    tile: TileCoord,
    headers: &HeaderMap,
    render: impl FnOnce(&AppState) -> Vec<u8> + Send + 'static,
) -> Result<Response, ApiError> {
    let service = &state.tiles;
    let encoding = negotiate(headers);
    let etag = service.etag(&tileset, tile, encoding);
    let common = service.common_headers(etag.clone());
    if none_match(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    // A cached tile is answered on the spot (compressing it once if this encoding is new);
    // rendering runs on the blocking pool, off the async workers.
    let body = if let Some(rendered) = service.cached(&tileset, tile) {
        rendered.body(encoding)
    } else {
        let state = state.clone();
        tokio::task::spawn_blocking(move || {
            state
                .tiles
                .get_or_render(&tileset, tile, || render(&state))
                .body(encoding)
        })
        .await
        .map_err(|error| ApiError::internal("rendering a tile", error))?
    };
    if body.is_empty() {
        return Ok((StatusCode::NO_CONTENT, common).into_response());
    }
    let mut response = (
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(MVT_CONTENT_TYPE),
        )],
        Body::from(body),
    )
        .into_response();
    if encoding != Encoding::Identity {
        response.headers_mut().insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(encoding.token()),
        );
    }
    Ok(response)
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
    let params = Params::new(query, &crate::indicators::CHOROPLETH_PARAMETERS)?;
    let service = &state.tiles;
    let set = service
        .tiler
        .layer_set(&state.index, layers)
        .map_err(|error| layer_set_error(&state, error))?;
    let choropleth = crate::indicators::Choropleth::from_params(&state, &params)?;
    let query = choropleth
        .as_ref()
        .map(|c| format!("?{}", c.key()))
        .unwrap_or_default();
    let url = format!(
        "{}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt{query}",
        service.base_url(&headers),
        set.name()
    );
    let mut document = service.tiler.tilejson(&state.index, &set, url);
    if let Some(choropleth) = &choropleth {
        choropleth.describe(&state, &mut document);
    }
    Ok(service.tilejson_response(&document))
}

impl TileService {
    /// The base URL tile URLs start with: `public_url` when configured, else the request's.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        self.public_url.clone().unwrap_or_else(|| base_url(headers))
    }

    /// A TileJSON answer, cached as long as the tiles are.
    pub fn tilejson_response(&self, document: &kvarter_tiles::TileJson) -> Response {
        (
            [(header::CACHE_CONTROL, self.cache_control.clone())],
            axum::Json(document),
        )
            .into_response()
    }
}

/// `scheme://host` of the request, from `X-Forwarded-Proto` and `Host` (falling back to
/// `http` and `localhost` when they are missing or malformed).
fn base_url(headers: &HeaderMap) -> String {
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

fn layer_set_error(state: &AppState, error: LayerSetError) -> ApiError {
    match error {
        LayerSetError::Unknown { id } => ApiError::UnknownLayer {
            id,
            known: state.known_ids(),
        },
        other => ApiError::bad_parameter("layers", other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("")),
        );
        headers
    }

    #[test]
    fn content_negotiation_prefers_brotli_then_gzip_and_honours_q_zero() {
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(negotiate(&accept("gzip")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("gzip, deflate, br")), Encoding::Brotli);
        assert_eq!(negotiate(&accept("br;q=0.5, gzip")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("br;q=0, gzip;q=0")), Encoding::Identity);
        assert_eq!(negotiate(&accept("deflate")), Encoding::Identity);
    }

    #[test]
    fn compressed_forms_decompress_to_the_tile() {
        use std::io::Read as _;
        let tile = Rendered::new(b"a tile's bytes, a tile's bytes, a tile's bytes".to_vec());
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&tile.body(Encoding::Gzip)[..])
            .read_to_end(&mut unzipped)
            .unwrap_or_default();
        assert_eq!(unzipped, tile.body(Encoding::Identity));
        let mut unbrotlied = Vec::new();
        brotli::BrotliDecompress(&mut &tile.body(Encoding::Brotli)[..], &mut unbrotlied)
            .unwrap_or_default();
        assert_eq!(unbrotlied, tile.body(Encoding::Identity));
    }
}

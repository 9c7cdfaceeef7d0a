//! The designation diff over HTTP: `GET /api/compare?from=&to=&format=json|geojson|csv` and its
//! map, `GET /tiles/compare/{from}/{to}/{z}/{x}/{y}.mvt` (every piece with `change` = kept |
//! added | removed) with `GET /tiles/compare/{from}/{to}.json`.
//!
//! A comparison is computed once per data version and layer pair (see [`kvarter_compare`]) and
//! kept, with each encoding made once on first demand; answers carry a strong ETag derived from
//! the data version, so a report's embedded figures and maps stay the same until the data does.

use std::sync::{Arc, OnceLock};

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kvarter_compare::Comparison;
use kvarter_core::{Dataset, Layer};
use kvarter_index::Index;
use kvarter_tiles::{ExtraAttributes, LayerSet, Tiler, Value};
use moka::sync::Cache;

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};
use crate::state::AppState;

const PARAMETERS: [&str; 3] = ["from", "to", "format"];

/// The comparisons worked out so far, by (from, to) layer position. Few pairs are ever asked
/// for, so the cache is bounded by count.
pub struct Comparisons {
    cache: Cache<(usize, usize), Arc<Compared>>,
}

impl std::fmt::Debug for Comparisons {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comparisons")
            .field("cached", &self.cache.entry_count())
            .finish()
    }
}

impl Default for Comparisons {
    fn default() -> Self {
        Comparisons {
            cache: Cache::builder().max_capacity(64).build(),
        }
    }
}

/// One comparison, with its encodings and its map made on first demand.
pub struct Compared {
    /// The comparison.
    pub comparison: Comparison,
    json: OnceLock<Bytes>,
    csv: OnceLock<Bytes>,
    geojson: OnceLock<Bytes>,
    map: OnceLock<ChangeMap>,
}

/// The pieces of a comparison as a one-layer index, and the tiler that renders it.
struct ChangeMap {
    index: Index,
    tiler: Tiler,
    set: LayerSet,
}

/// The answer formats of `/api/compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The full report: both layers' provenance, summary, pairs and areas.
    Json,
    /// The pieces (kept, added, removed) as a `FeatureCollection`.
    GeoJson,
    /// One row per pair and per removed or added part.
    Csv,
}

impl Format {
    fn parse(text: Option<&str>) -> Result<Format, ApiError> {
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

    fn token(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::GeoJson => "application/geo+json",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

impl Compared {
    fn new(comparison: Comparison) -> Compared {
        Compared {
            comparison,
            json: OnceLock::new(),
            csv: OnceLock::new(),
            geojson: OnceLock::new(),
            map: OnceLock::new(),
        }
    }

    /// The comparison in `format`, encoded once.
    pub fn body(&self, format: Format) -> Bytes {
        match format {
            Format::Json => self
                .json
                .get_or_init(|| {
                    Bytes::from(serde_json::to_vec(&self.comparison).unwrap_or_default())
                })
                .clone(),
            Format::GeoJson => self
                .geojson
                .get_or_init(|| Bytes::from(self.comparison.to_geojson()))
                .clone(),
            Format::Csv => self
                .csv
                .get_or_init(|| Bytes::from(self.comparison.to_csv()))
                .clone(),
        }
    }

    fn map(&self, state: &AppState) -> &ChangeMap {
        self.map.get_or_init(|| {
            let dataset = Dataset {
                version: format!("{}-compare", state.data_version()),
                layers: vec![self.comparison.layer()],
            };
            let index = Index::new(dataset);
            let tiler = Tiler::new(&index, state.config.tiles.clone());
            let id = index.layers()[0].meta.id.to_string();
            let set = tiler
                .layer_set(&index, &id)
                .unwrap_or_else(|_| unreachable!("the index holds exactly this layer"));
            ChangeMap { index, tiler, set }
        })
    }
}

/// The attributes a piece's own properties give it in a tile.
const PIECE_PROPERTIES: [&str; 5] = ["change", "from_id", "from_name", "to_id", "to_name"];
/// The attributes every piece gets from the comparison: both layers and their statuses.
const SIDE_ATTRIBUTES: [&str; 4] = ["from_layer", "from_status", "to_layer", "to_status"];

/// The `change`, `from_*` and `to_*` of each piece as tile attributes, with both layers' ids
/// and statuses (so a map legend can say a side is reconstructed).
struct PieceAttributes<'a> {
    layer: &'a Layer,
    comparison: &'a Comparison,
}

impl ExtraAttributes for PieceAttributes<'_> {
    fn extend(&self, _layer: usize, area: usize, out: &mut Vec<(String, Value)>) {
        if let Some(area) = self.layer.areas.get(area) {
            for key in PIECE_PROPERTIES {
                if let Some(serde_json::Value::String(text)) = area.properties.get(key) {
                    out.push((key.to_owned(), Value::String(text.clone())));
                }
            }
        }
        let (from, to) = (&self.comparison.from, &self.comparison.to);
        let values = [
            from.id.to_string(),
            from.status.as_str().to_owned(),
            to.id.to_string(),
            to.status.as_str().to_owned(),
        ];
        for (key, value) in SIDE_ATTRIBUTES.into_iter().zip(values) {
            out.push((key.to_owned(), Value::String(value)));
        }
    }
}

impl AppState {
    /// The comparison of the layers with ids `from` and `to`, computed on first demand.
    pub fn comparison(&self, from: &str, to: &str) -> Result<Arc<Compared>, ApiError> {
        let (from, to) = (self.layer_position(from)?, self.layer_position(to)?);
        let layers = self.index.layers();
        let (from_layer, to_layer) = (&layers[from], &layers[to]);
        let (from_projected, to_projected) = (
            self.projected(from_layer, "a comparison")?,
            self.projected(to_layer, "a comparison")?,
        );
        self.comparisons
            .cache
            .try_get_with((from, to), || {
                kvarter_compare::compare_projected(
                    from_layer,
                    &from_projected,
                    to_layer,
                    &to_projected,
                )
                .map(|comparison| Arc::new(Compared::new(comparison)))
            })
            .map_err(|error| ApiError::internal("comparing two layers", error.to_string()))
    }
}

/// A strong ETag for something derived from the data: the data version and what it is.
fn etag(state: &AppState, what: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{}-{what}\"", state.data_version()))
        .unwrap_or_else(|_| HeaderValue::from_static("\"compare\""))
}

/// `GET /api/compare?from=LAYER&to=LAYER&format=json|geojson|csv`.
pub async fn compare(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::new(query, &PARAMETERS)?;
    let format = Format::parse(params.get("format"))?;
    let [from, to] = ["from", "to"].map(|name| {
        params.get(name).map(str::to_owned).ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!(
                    "missing; give two layer ids, e.g. from=udsatte-byomraader-2011&to=udsatte-byomraader-2017 (layers: {})",
                    state.known_ids().join(", ")
                ),
            )
        })
    });
    let (from, to) = (from?, to?);
    // Unknown layers and street layers are refused before any cached answer is considered.
    for id in [&from, &to] {
        let layer = state.layer(id)?;
        state.projected(layer, "a comparison")?;
    }
    let tag = etag(&state, &format!("compare-{from}-{to}-{}", format.token()));
    let cache_control = state.tiles.cache_control().clone();
    if crate::tiles::none_match(&headers, &tag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, tag), (header::CACHE_CONTROL, cache_control)],
        )
            .into_response());
    }
    let body = tokio::task::spawn_blocking(move || {
        state
            .comparison(&from, &to)
            .map(|compared| compared.body(format))
    })
    .await
    .map_err(|error| ApiError::internal("comparing two layers", error))??;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
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
    let tile = crate::tiles::parse_tile(&z, &x, &y)?;
    // Check the layers before anything is cached under their names: unknown → 404, streets →
    // 422.
    for id in [&from, &to] {
        let layer = state.layer(id)?;
        state.projected(layer, "a comparison")?;
    }
    let tileset = format!("compare/{from}/{to}");
    crate::tiles::answer(state, tileset, tile, &headers, move |state| {
        match state.comparison(&from, &to) {
            Ok(compared) => {
                let map = compared.map(state);
                let extra = PieceAttributes {
                    layer: &map.index.layers()[0],
                    comparison: &compared.comparison,
                };
                map.tiler.render_with(&map.index, &map.set, tile, &extra)
            }
            Err(error) => {
                tracing::error!(%error, "comparison failed while rendering a tile");
                Vec::new()
            }
        }
    })
    .await
}

/// `GET /tiles/compare/{from}/{to}.json`: TileJSON of the comparison's map.
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
    let to = to.to_owned();
    let base = state.tiles.base_url(&headers);
    let response_state = state.clone();
    let document = tokio::task::spawn_blocking(move || {
        let compared = state.comparison(&from, &to)?;
        let map = compared.map(&state);
        let url = format!("{base}/tiles/compare/{from}/{to}/{{z}}/{{x}}/{{y}}.mvt");
        let mut document = map.tiler.tilejson(&map.index, &map.set, url);
        for layer in &mut document.vector_layers {
            for field in PIECE_PROPERTIES.into_iter().chain(SIDE_ATTRIBUTES) {
                layer.fields.insert(field.into(), "String".into());
            }
        }
        Ok::<_, ApiError>(document)
    })
    .await
    .map_err(|error| ApiError::internal("describing a comparison's tiles", error))??;
    Ok(response_state.tiles.tilejson_response(&document))
}

//! OGC API – Features under `/ogc`, for GIS clients (QGIS, ArcGIS Pro, GDAL's OAPIF driver,
//! `OWSLib`) and for a person with a browser: the landing page, the conformance declaration, the
//! API definition (OpenAPI 3.0), every layer and every comparison of designations as a
//! collection, its queryables, and its items paged with `limit`/`offset` and `next` links,
//! filtered by `bbox`, `datetime` and properties, in CRS84 or EPSG:25832. The documents are
//! the service's ([`kvarter_service::ogc`]); this face reads the parameters, picks JSON or HTML
//! (`f=json|html`, else the `Accept` header; see [`ogc_html`](crate::ogc_html)), adds the base
//! URL and answers errors in the standard's exception form, `{"code", "description"}`.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kvarter_service::features::{DEFAULT_PRECISION, PageRequest, PropertyFilter, Shaping};
use kvarter_service::ogc::{
    self, Collection, DEFAULT_LIMIT, ItemsQuery, MAX_LIMIT, OutputCrs, Period,
};
use serde_json::{Value, json};

use crate::error::{ApiError, quoted};
use crate::indicators::choropleth;
use crate::ogc_html::{self, Page};
use crate::ogc_tiles;
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::tiles::base_url;

/// The landing page's route.
pub const ROOT: &str = "/ogc";
/// The conformance declaration's route.
pub const CONFORMANCE: &str = "/ogc/conformance";
/// The API definition's route.
pub const API: &str = "/ogc/api";
/// The collections' route.
pub const COLLECTIONS: &str = "/ogc/collections";
/// One collection's route.
pub const COLLECTION: &str = "/ogc/collections/{id}";
/// A collection's queryables' route.
pub const QUERYABLES: &str = "/ogc/collections/{id}/queryables";
/// A collection's items' route.
pub const ITEMS: &str = "/ogc/collections/{id}/items";
/// One item's route.
pub const ITEM: &str = "/ogc/collections/{id}/items/{fid}";

/// The OGC API's routes, Features and Tiles (listed in [`crate::ROUTES`] too).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(ROOT, get(landing))
        // OWSLib asks for the landing page with a trailing slash.
        .route("/ogc/", get(landing))
        .route(CONFORMANCE, get(conformance))
        .route(API, get(api))
        .route(COLLECTIONS, get(collections))
        .route(COLLECTION, get(collection))
        .route(QUERYABLES, get(queryables))
        .route(ITEMS, get(items))
        .route(ITEM, get(item))
        .route(
            ogc_tiles::TILE_MATRIX_SETS,
            get(ogc_tiles::tile_matrix_sets),
        )
        .route(ogc_tiles::TILE_MATRIX_SET, get(ogc_tiles::tile_matrix_set))
        .route(ogc_tiles::TILESETS, get(ogc_tiles::tilesets))
        .route(ogc_tiles::TILESET, get(ogc_tiles::tileset))
        .route(ogc_tiles::TILE, get(ogc_tiles::tile))
}

/// The parameters of an items request other than property filters.
const ITEMS_PARAMETERS: [&str; 9] = [
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "indicators",
    "period",
];

/// An error in the standard's exception form, with the status the rest of the API gives it.
pub struct OgcError(ApiError);

impl<E: Into<ApiError>> From<E> for OgcError {
    fn from(error: E) -> Self {
        OgcError(error.into())
    }
}

impl IntoResponse for OgcError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let description = if status.is_server_error() {
            tracing::error!(error = %self.0, "OGC API request failed");
            "internal error".to_owned()
        } else {
            self.0.to_string()
        };
        (
            status,
            Json(json!({"code": self.0.code(), "description": description})),
        )
            .into_response()
    }
}

/// The OGC root URL of this request (`scheme://host/ogc`, or `public_url` + `/ogc`).
fn base(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}{ROOT}", base_url(state, headers))
}

/// The encodings a document is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Json,
    Html,
}

/// The encoding asked for: `f=json` (or `geojson`) or `f=html`; without `f`, HTML when the
/// `Accept` header asks for a page and for no JSON (as a browser does), else JSON.
fn encoding(params: &Params, headers: &HeaderMap) -> Result<Encoding, ApiError> {
    match params.get("f") {
        Some("json" | "geojson") => Ok(Encoding::Json),
        Some("html") => Ok(Encoding::Html),
        Some(other) => Err(ApiError::bad_parameter(
            "f",
            format!("{} is not served; use f=json or f=html", quoted(other)),
        )),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            Ok(
                if accept.contains("text/html") && !accept.contains("json") {
                    Encoding::Html
                } else {
                    Encoding::Json
                },
            )
        }
    }
}

/// `document` as JSON of media type `media`, or as the page `page`; either way varying by
/// `Accept`.
fn answer(document: &Value, media: &'static str, encoding: Encoding, page: Page) -> Response {
    match encoding {
        Encoding::Json => json_answer(Json(document).into_response(), media),
        Encoding::Html => {
            let mut response = Html(ogc_html::render(page, document)).into_response();
            response
                .headers_mut()
                .insert(header::VARY, HeaderValue::from_static("accept"));
            response
        }
    }
}

/// `response`, a JSON body, as media type `media`, varying by `Accept`.
fn json_answer(mut response: Response, media: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    headers.insert(header::VARY, HeaderValue::from_static("accept"));
    response
}

/// A document that needs nothing but the base URL, made by `make`, in the encoding asked for.
fn fixed(
    query: RawQuery,
    headers: &HeaderMap,
    media: &'static str,
    page: Page,
    make: impl FnOnce() -> Value,
) -> Result<Response, OgcError> {
    let params = Params::new(query, &["f"])?;
    Ok(answer(&make(), media, encoding(&params, headers)?, page))
}

/// `GET /ogc`: the landing page.
pub async fn landing(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    fixed(query, &headers, ogc::JSON, Page::Landing, || {
        ogc::landing(&base(&state, &headers))
    })
}

/// `GET /ogc/conformance`.
pub async fn conformance(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    fixed(query, &headers, ogc::JSON, Page::Conformance, || {
        ogc::conformance(&base(&state, &headers))
    })
}

/// `GET /ogc/api`: the OGC paths as an OpenAPI 3.0 document, or its page.
pub async fn api(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    fixed(query, &headers, ogc::OPENAPI_30, Page::Api, || {
        crate::openapi::ogc_document(&base_url(&state, &headers))
    })
}

/// `GET /ogc/collections`.
pub async fn collections(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let params = Params::new(query, &["f"])?;
    let encoding = encoding(&params, &headers)?;
    let base = base(&state, &headers);
    let service = state.service();
    // Listing the comparisons works them out the first time: CPU work.
    let document = blocking("listing the collections", move || {
        Ok(ogc::collections(&service, &base))
    })
    .await?;
    Ok(answer(&document, ogc::JSON, encoding, Page::Collections))
}

/// The path's parameters, or a 400 naming the problem (never axum's plain-text rejection).
pub(crate) fn path_parts<T>(path: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    path.map(|Path(parts)| parts)
        .map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))
}

/// Runs `work` off the async workers.
async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::internal(what, error))?
}

/// `GET /ogc/collections/{id}`.
pub async fn collection(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let id = path_parts(path)?;
    let params = Params::new(query, &["f"])?;
    let encoding = encoding(&params, &headers)?;
    let base = base(&state, &headers);
    let service = state.service();
    let document = blocking("describing a collection", move || {
        let collection = service.ogc_collection(&id)?;
        Ok(ogc::collection(&collection, &base))
    })
    .await?;
    Ok(answer(&document, ogc::JSON, encoding, Page::Collection))
}

/// `GET /ogc/collections/{id}/queryables`: the properties a filter can name, as JSON Schema.
pub async fn queryables(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let id = path_parts(path)?;
    let params = Params::new(query, &["f"])?;
    let encoding = encoding(&params, &headers)?;
    let base = base(&state, &headers);
    let service = state.service();
    let document = blocking("listing the queryables", move || {
        let collection = service.ogc_collection(&id)?;
        let url = format!(
            "{base}/collections/{}/queryables",
            ogc::segment(collection.id())
        );
        Ok(ogc::queryables_document(&collection, &url))
    })
    .await?;
    Ok(answer(
        &document,
        ogc::SCHEMA_JSON,
        encoding,
        Page::Queryables,
    ))
}

/// `GET /ogc/collections/{id}/items?limit=&offset=&bbox=&bbox-crs=&crs=&datetime=&indicators=
/// &period=&<queryable>=`.
pub async fn items(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let id = path_parts(path)?;
    let (params, rest) = Params::with_rest(query, &ITEMS_PARAMETERS)?;
    let encoding = encoding(&params, &headers)?;
    let period = params.get("datetime").map(Period::parse).transpose()?;
    let limit = whole(&params, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_parameter(
            "limit",
            format!("{limit} is out of range; use 1 to {MAX_LIMIT}"),
        )
        .into());
    }
    let mut more = rest.clone();
    for name in ["indicators", "period"] {
        if let Some(value) = params.get(name) {
            more.push((name.to_owned(), value.to_owned()));
        }
    }
    let query = ItemsQuery {
        offset: whole(&params, "offset")?.unwrap_or(0),
        limit,
        bbox: bbox(&params)?,
        crs: crs(&params, "crs")?,
        datetime: params.get("datetime").map(str::to_owned),
        more,
    };
    let base = base(&state, &headers);
    let service = state.service();
    let crs = query.crs;
    let document = blocking("building a page of items", move || {
        let collection = service.ogc_collection(&id)?;
        let filters = filters(&collection, rest)?;
        let choropleth = choropleth(&service, &params)?;
        let page = if period.is_none_or(|period| period.selects(collection.layer())) {
            let request = PageRequest {
                bbox: query.bbox,
                filters: &filters,
                offset: query.offset,
                limit: query.limit,
            };
            service.collection_page(
                &collection,
                &request,
                &shaping(query.crs),
                choropleth.as_ref(),
            )?
        } else {
            kvarter_service::features::FeaturePage {
                features: Vec::new(),
                matched: 0,
            }
        };
        let indicators = service.indicator_provenance(choropleth.as_ref());
        let document = ogc::items(&collection, &base, page, &query, indicators);
        // Encoding a big page is CPU work too: JSON straight from the features, or the page.
        Ok(match encoding {
            Encoding::Json => Encoded::Json(
                serde_json::to_vec(&document)
                    .map_err(|error| ApiError::internal("encoding a page of items", error))?,
            ),
            Encoding::Html => Encoded::Page(
                serde_json::to_value(&document)
                    .map_err(|error| ApiError::internal("encoding a page of items", error))?,
            ),
        })
    })
    .await?;
    let response = match document {
        Encoded::Json(bytes) => json_answer(bytes.into_response(), ogc::GEOJSON),
        Encoded::Page(document) => answer(&document, ogc::GEOJSON, Encoding::Html, Page::Items),
    };
    Ok(with_crs(response, crs))
}

/// A page of items, encoded off the async workers.
enum Encoded {
    Json(Vec<u8>),
    Page(Value),
}

/// The property filters among an items request's other parameters: each must name a queryable
/// of `collection`, and a number's value must be a number.
fn filters(
    collection: &Collection<'_>,
    rest: Vec<(String, String)>,
) -> Result<Vec<PropertyFilter>, ApiError> {
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let queryables = ogc::queryables(collection.layer());
    rest.into_iter()
        .map(|(name, value)| {
            let Some((_, kind)) = queryables.iter().find(|(known, _)| *known == name) else {
                let mut accepted: Vec<&str> = ITEMS_PARAMETERS.to_vec();
                accepted.extend(queryables.iter().map(|(known, _)| known.as_str()));
                return Err(ApiError::bad_parameter(
                    name.chars().take(40).collect::<String>(),
                    format!(
                        "unknown parameter {}; accepted: {} (the queryables are at …/queryables)",
                        quoted(&name),
                        accepted.join(", ")
                    ),
                ));
            };
            let value = value.trim().to_owned();
            if matches!(*kind, "number" | "integer") && value.parse::<f64>().is_err() {
                return Err(ApiError::bad_parameter(
                    name.clone(),
                    format!("{} is not a number", quoted(&value)),
                ));
            }
            if *kind == "boolean" && value != "true" && value != "false" {
                return Err(ApiError::bad_parameter(
                    name.clone(),
                    format!("{} is not true or false", quoted(&value)),
                ));
            }
            Ok(PropertyFilter { name, value })
        })
        .collect()
}

/// `GET /ogc/collections/{id}/items/{fid}`.
pub async fn item(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let (id, fid) = path_parts(path)?;
    let params = Params::new(query, &["f", "crs", "indicators", "period"])?;
    let encoding = encoding(&params, &headers)?;
    let crs = crs(&params, "crs")?;
    let base = base(&state, &headers);
    let service = state.service();
    let document = blocking("building an item", move || {
        let collection = service.ogc_collection(&id)?;
        let choropleth = choropleth(&service, &params)?;
        let feature =
            service.collection_item(&collection, &fid, &shaping(crs), choropleth.as_ref())?;
        Ok(ogc::item(&collection, &base, &feature))
    })
    .await?;
    Ok(with_crs(
        answer(&document, ogc::GEOJSON, encoding, Page::Item),
        crs,
    ))
}

/// How features are written in `crs`: all properties, full precision.
fn shaping(crs: OutputCrs) -> Shaping {
    let shaping = Shaping::new(None, DEFAULT_PRECISION, None, &[])
        .unwrap_or_else(|_| unreachable!("keeping every property cannot name a missing one"));
    match crs {
        OutputCrs::Crs84 => shaping,
        OutputCrs::Utm32 => shaping.in_utm32(),
    }
}

/// `response` with the `Content-Crs` header Part 2 asks for.
fn with_crs(mut response: Response, crs: OutputCrs) -> Response {
    if let Ok(value) = HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        response.headers_mut().insert("content-crs", value);
    }
    response
}

/// The CRS `name` (`crs` or `bbox-crs`) names: CRS84 (the default) or EPSG:25832 by their URIs.
fn crs(params: &Params, name: &'static str) -> Result<OutputCrs, ApiError> {
    params.get(name).map_or(Ok(OutputCrs::Crs84), |uri| {
        OutputCrs::from_uri(uri).ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!(
                    "{} is not offered; use {} or {}",
                    quoted(uri),
                    ogc::CRS84,
                    ogc::EPSG_25832
                ),
            )
        })
    })
}

/// `bbox=` in `bbox-crs` (CRS84 by default) as a lon/lat box: an EPSG:25832 box becomes the
/// lon/lat box around its four corners.
fn bbox(params: &Params) -> Result<Option<geo::Rect<f64>>, ApiError> {
    let Some(text) = params.get("bbox") else {
        if params.has("bbox-crs") {
            return Err(ApiError::bad_parameter(
                "bbox-crs",
                "only means something with bbox=",
            ));
        }
        return Ok(None);
    };
    match crs(params, "bbox-crs")? {
        OutputCrs::Crs84 => Ok(Some(kvarter_service::params::parse_bbox(text)?)),
        OutputCrs::Utm32 => {
            let numbers: Vec<f64> = text
                .split(',')
                .map(|part| kvarter_service::params::parse_number("bbox", part))
                .collect::<Result<_, _>>()?;
            let [west, south, east, north] = numbers[..] else {
                return Err(ApiError::bad_parameter(
                    "bbox",
                    "expected 4 numbers: min easting, min northing, max easting, max northing",
                ));
            };
            let mut corners = Vec::with_capacity(4);
            for (x, y) in [(west, south), (west, north), (east, south), (east, north)] {
                let (lon, lat) = kvarter_crs::utm32_to_wgs84(x, y)
                    .map_err(|error| ApiError::bad_parameter("bbox", error.to_string()))?;
                corners.push(geo::coord! { x: lon, y: lat });
            }
            let lons = corners.iter().map(|c| c.x);
            let lats = corners.iter().map(|c| c.y);
            Ok(Some(geo::Rect::new(
                geo::coord! { x: lons.clone().fold(f64::MAX, f64::min), y: lats.clone().fold(f64::MAX, f64::min) },
                geo::coord! { x: lons.fold(f64::MIN, f64::max), y: lats.fold(f64::MIN, f64::max) },
            )))
        }
    }
}

/// `name` as a whole number ≥ 0, when given.
fn whole(params: &Params, name: &'static str) -> Result<Option<usize>, ApiError> {
    params
        .get(name)
        .map(|text| {
            text.parse::<usize>().map_err(|_| {
                ApiError::bad_parameter(
                    name,
                    format!("{} is not a whole number of 0 or more", quoted(text)),
                )
            })
        })
        .transpose()
}

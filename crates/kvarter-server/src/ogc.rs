//! OGC API – Features (Part 1: Core and GeoJSON) under `/ogc`, for GIS clients (QGIS, GDAL's
//! OAPIF driver, OWSLib): the landing page, the conformance declaration, every layer as a
//! collection, and its items paged with `limit`/`offset` and `next` links. The documents are
//! the service's ([`kvarter_service::ogc`]); this face reads the parameters, adds the base URL
//! and answers errors in the standard's exception form, `{"code", "description"}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kvarter_service::features::FeaturePage;
use kvarter_service::features::{DEFAULT_PRECISION, Shaping};
use kvarter_service::ogc::{self, DEFAULT_LIMIT, ItemsQuery, MAX_LIMIT, OutputCrs, Period};
use serde_json::{Value, json};

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::tiles::base_url;

/// The landing page's route.
pub const ROOT: &str = "/ogc";
/// The conformance declaration's route.
pub const CONFORMANCE: &str = "/ogc/conformance";
/// The collections' route.
pub const COLLECTIONS: &str = "/ogc/collections";
/// One collection's route.
pub const COLLECTION: &str = "/ogc/collections/{id}";
/// A collection's items' route.
pub const ITEMS: &str = "/ogc/collections/{id}/items";
/// One item's route.
pub const ITEM: &str = "/ogc/collections/{id}/items/{fid}";

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

/// Checks `f=` (JSON is the one encoding served) and the other parameters.
fn params(query: RawQuery, accepted: &[&str]) -> Result<Params, OgcError> {
    let params = Params::new(query, accepted)?;
    match params.get("f") {
        None | Some("json" | "geojson") => Ok(params),
        Some(other) => Err(ApiError::bad_parameter(
            "f",
            format!("{} is not served; use f=json", quoted(other)),
        )
        .into()),
    }
}

fn json_answer(value: &Value, media: &'static str) -> Response {
    let mut response = Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response
}

/// `GET /ogc`: the landing page.
pub async fn landing(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    params(query, &["f"])?;
    Ok(json_answer(
        &ogc::landing(&base(&state, &headers)),
        "application/json",
    ))
}

/// `GET /ogc/conformance`.
pub async fn conformance(query: RawQuery) -> Result<Response, OgcError> {
    params(query, &["f"])?;
    Ok(json_answer(&ogc::conformance(), "application/json"))
}

/// `GET /ogc/collections`.
pub async fn collections(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    params(query, &["f"])?;
    let service = state.service();
    Ok(json_answer(
        &ogc::collections(&service, &base(&state, &headers)),
        "application/json",
    ))
}

/// `GET /ogc/collections/{id}`.
pub async fn collection(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    params(query, &["f"])?;
    let service = state.service();
    let at = service.layer(&id)?;
    Ok(json_answer(
        &ogc::collection(at.layer, &base(&state, &headers)),
        "application/json",
    ))
}

/// `GET /ogc/collections/{id}/items?limit=&offset=&bbox=`.
pub async fn items(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    let params = params(
        query,
        &[
            "f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime",
        ],
    )?;
    let period = params.get("datetime").map(Period::parse).transpose()?;
    let limit = whole(&params, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_parameter(
            "limit",
            format!("{limit} is out of range; use 1 to {MAX_LIMIT}"),
        )
        .into());
    }
    let query = ItemsQuery {
        offset: whole(&params, "offset")?.unwrap_or(0),
        limit,
        bbox: bbox(&params)?,
        crs: crs(&params, "crs")?,
        datetime: params.get("datetime").map(str::to_owned),
    };
    let base = base(&state, &headers);
    let service = state.service();
    let crs = query.crs;
    let document = tokio::task::spawn_blocking(move || {
        let at = service.layer(&id)?;
        let shaping = shaping(query.crs)?;
        let page = if period.is_none_or(|period| period.selects(at.layer)) {
            service.features_page(at, query.bbox, query.offset, query.limit, &shaping, None)?
        } else {
            FeaturePage {
                features: Vec::new(),
                matched: 0,
            }
        };
        Ok::<_, ApiError>(ogc::items(at, &base, &page, &query))
    })
    .await
    .map_err(|error| ApiError::internal("building a page of items", error))??;
    Ok(with_crs(
        json_answer(&document, "application/geo+json"),
        crs,
    ))
}

/// `GET /ogc/collections/{id}/items/{fid}`.
pub async fn item(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, OgcError> {
    let Path((id, fid)) =
        path.map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))?;
    let params = params(query, &["f", "crs"])?;
    let crs = crs(&params, "crs")?;
    let service = state.service();
    let at = service.layer(&id)?;
    let feature = service.shaped_feature(at, &fid, &shaping(crs)?, None)?;
    Ok(with_crs(
        json_answer(
            &ogc::item(at, &base(&state, &headers), &feature),
            "application/geo+json",
        ),
        crs,
    ))
}

/// How features are written in `crs`: all properties, full precision.
fn shaping(crs: OutputCrs) -> Result<Shaping, ApiError> {
    let shaping = Shaping::new(None, DEFAULT_PRECISION, None, &[])?;
    Ok(match crs {
        OutputCrs::Crs84 => shaping,
        OutputCrs::Utm32 => shaping.in_utm32(),
    })
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
        OutputCrs::Crs84 => Ok(Some(crate::features::parse_bbox(text)?)),
        OutputCrs::Utm32 => {
            let numbers: Vec<f64> = text
                .split(',')
                .map(|part| crate::params::parse_number("bbox", part))
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

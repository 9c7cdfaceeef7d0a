//! Point lookup, `/api/lookup`: which designations (per year, official or reconstructed) and
//! which admin units contain a point given in lon/lat or in EPSG:25832 metres — or, with
//! `address=`, the point of the address's best match. The answer is
//! [`kvarter_service::lookup`]'s; this module reads the request.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kvarter_index::LookupQuery;
use kvarter_service::Service;
use kvarter_service::answer_cache::Coding;
use kvarter_service::encoding::Encoding;
use kvarter_service::lookup::{Input, Located, LookupRequest, UTM32, WGS84};

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// The route of a lookup (the router's, and the fast lane's whole path).
pub const ROUTE: &str = "/api/lookup";

const PARAMETERS: [&str; 8] = ["lon", "lat", "x", "y", "srid", "at", "layers", "address"];

/// The parameters that give a point.
const POINT_PARAMETERS: [&str; 5] = ["lon", "lat", "x", "y", "srid"];

/// Reads the point every point route takes: `lon` and `lat` (degrees), or `x`, `y` and `srid`;
/// a 400 naming the parameter for anything missing, malformed or out of range.
pub(crate) fn located(params: &Params) -> Result<Located, ApiError> {
    let by_lon_lat = params.has("lon") || params.has("lat");
    let by_x_y = params.has("x") || params.has("y");
    match (by_lon_lat, by_x_y) {
        (true, true) => Err(ApiError::bad_parameter(
            "lon",
            "give either lon and lat (degrees) or x, y and srid, not both",
        )),
        (false, false) => Err(ApiError::bad_parameter(
            "lon",
            "missing: give lon and lat (EPSG:4326 degrees), or x, y and srid=25832 (metres)",
        )),
        (true, false) => {
            if params.has("srid") {
                return Err(ApiError::bad_parameter(
                    "srid",
                    "srid goes with x and y; lon and lat are always EPSG:4326 degrees",
                ));
            }
            let lon = required(params, "lon", -180.0..=180.0, "lat")?;
            let lat = required(params, "lat", -90.0..=90.0, "lon")?;
            Ok(Located::lon_lat(lon, lat))
        }
        (false, true) => {
            let input = Input {
                x: required(params, "x", f64::MIN..=f64::MAX, "y")?,
                y: required(params, "y", f64::MIN..=f64::MAX, "x")?,
                srid: srid(params)?,
            };
            Ok(Located::from_input(input)?)
        }
    }
}

/// The `at` and `layers` of a lookup: which day, which layers (known ids, in the dataset's
/// order).
fn query(params: &Params, service: &Service) -> Result<LookupQuery, ApiError> {
    let at = params.date("at")?;
    let layers = params
        .list("layers")
        .map(|items| service.layer_selection("layers", &items))
        .transpose()?;
    Ok(LookupQuery { layers, at })
}

/// A number that must be given, with its partner named in the message.
fn required(
    params: &Params,
    name: &'static str,
    range: std::ops::RangeInclusive<f64>,
    partner: &str,
) -> Result<f64, ApiError> {
    params.number_in(name, range)?.ok_or_else(|| {
        ApiError::bad_parameter(
            name,
            format!("missing: give {name} together with {partner}"),
        )
    })
}

fn srid(params: &Params) -> Result<u32, ApiError> {
    let text = params.get("srid").ok_or_else(|| {
        ApiError::bad_parameter(
            "srid",
            "missing: give srid=25832 (ETRS89 / UTM 32N metres) or srid=4326 (degrees) with x and y",
        )
    })?;
    match text.strip_prefix("EPSG:").unwrap_or(text).parse::<u32>() {
        Ok(code @ (WGS84 | UTM32)) => Ok(code),
        _ => Err(ApiError::bad_parameter(
            "srid",
            format!(
                "unsupported srid {}; use 25832 (ETRS89 / UTM 32N) or 4326 (WGS84)",
                quoted(text)
            ),
        )),
    }
}

/// `GET /api/lookup`: the designations and units at a point.
pub async fn lookup(
    State(state): State<Arc<AppState>>,
    query_string: RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = read(query_string)?;
    if let Some(address) = params.get("address") {
        if let Some(point) = POINT_PARAMETERS.iter().find(|name| params.has(name)) {
            return Err(ApiError::bad_parameter(
                "address",
                format!("give either address or a point ({point} and the rest), not both"),
            ));
        }
        let service = state.service();
        let query = query(&params, &service)?;
        let answer = service.lookup_address(address, &query)?;
        let body = serde_json::to_string(&answer)
            .map_err(|error| ApiError::internal("encoding a lookup", error))?;
        return Ok(json(body));
    }
    at_point(&state, &params, &headers)
}

/// A lookup's query, checked: only its parameters, each at most once.
pub(crate) fn read(query_string: RawQuery) -> Result<Params, ApiError> {
    Params::new(query_string, &PARAMETERS)
}

/// The answer to a lookup at a point (`params` without `address`), whole, made without
/// waiting: the handler's, and the fast lane's ([`crate::lane`]).
pub(crate) fn at_point(
    state: &AppState,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let service = state.service();
    let request = LookupRequest {
        at: located(params)?,
        query: query(params, &service)?,
    };
    // gzip when the client takes it (the lookup's own, see kvarter_service::answer_cache; the
    // gzip layer leaves an answer that has a coding alone); this JSON is never offered in brotli.
    let gzip = crate::respond::accepted(headers)
        .any(|(coding, quality)| coding == Encoding::Gzip && quality > 0);
    let coding = if gzip { Coding::Gzip } else { Coding::Identity };
    let mut response = json(service.lookup_json(&request, coding)?);
    let answer = response.headers_mut();
    answer.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip {
        answer.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(response)
}

/// An answer of JSON text.
fn json(body: impl Into<axum::body::Body>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.into(),
    )
        .into_response()
}

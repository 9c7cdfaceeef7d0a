//! Address search, `GET /api/search?q=&limit=&types=&postcode=`: addresses, streets, places and
//! postcodes matching a text, best first, each with the areas it lies in. The answer is
//! [`kvarter_service::search`]'s (an address that is not there is a 200 with no results); this
//! module reads the request.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kvarter_geocode::{Kind, SearchOptions};
use kvarter_service::search::empty_query;

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};
use crate::state::AppState;

const PARAMETERS: [&str; 4] = ["q", "limit", "types", "postcode"];

/// The most results one search answers.
pub const MAX_LIMIT: usize = 50;
/// The results a search answers unless `limit=` says otherwise.
pub const DEFAULT_LIMIT: usize = 10;

/// The names of the kinds in `types=`.
const KINDS: [(&str, Kind); 4] = [
    ("address", Kind::Address),
    ("street", Kind::Street),
    ("place", Kind::Place),
    ("postcode", Kind::Postcode),
];

/// `GET /api/search`.
pub async fn search(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(query, &PARAMETERS)?;
    let (text, options) = read(&params)?;
    let service = state.service();
    Ok(Json(service.search(text, &options)?).into_response())
}

/// The text and the options of a search request.
fn read(params: &Params) -> Result<(&str, SearchOptions), ApiError> {
    let text = params.get("q").ok_or_else(|| {
        ApiError::bad_parameter(
            "q",
            "missing: give the text to search for, e.g. q=Mjølnerparken 2",
        )
    })?;
    let chars = text.chars().count();
    if chars > kvarter_geocode::address::MAX_CHARS {
        return Err(ApiError::bad_parameter(
            "q",
            format!(
                "{chars} characters is too long; search one address at a time (at most {})",
                kvarter_geocode::address::MAX_CHARS
            ),
        ));
    }
    if kvarter_geocode::normalise::match_key(text).is_empty() {
        return Err(empty_query(text).into());
    }
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(value) => value
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_parameter(
                    "limit",
                    format!(
                        "{} is not a whole number from 1 to {MAX_LIMIT}",
                        quoted(value)
                    ),
                )
            })?,
    };
    let kinds = params
        .list("types")
        .unwrap_or_default()
        .into_iter()
        .map(|name| {
            KINDS
                .iter()
                .find(|(known, _)| *known == name)
                .map(|&(_, kind)| kind)
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        "types",
                        format!(
                            "there is no type {}; use address, street, place or postcode",
                            quoted(name)
                        ),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let postcode = params
        .get("postcode")
        .map(|value| {
            value
                .parse::<u16>()
                .ok()
                .filter(|code| (1000..=9999).contains(code))
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        "postcode",
                        format!("{} is not a four-digit postcode (1000–9999)", quoted(value)),
                    )
                })
        })
        .transpose()?;
    Ok((
        text,
        SearchOptions {
            limit,
            kinds,
            postcode,
        },
    ))
}

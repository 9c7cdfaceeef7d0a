//! Query parameters: the raw query string decoded by axum's `Query`, then checked and read by
//! [`kvarter_service::params`] (the names a route accepts, typed values). Every problem is a 400
//! that names the parameter (never axum's plain-text rejection): a query that does not decode is
//! `query`'s, the rest is a [`ParamError`](kvarter_service::params::ParamError), turned into an
//! [`ApiError`] by its `From`.

use std::ops::Deref;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use kvarter_service::params;

use crate::error::ApiError;

/// The raw query pairs of a request.
pub type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// A request's query parameters, known to hold only accepted names, each at most once: the
/// service's [`params::Params`] (whose getters it derefs to), read from axum's `Query`.
///
/// An empty value (`bbox=`) counts as absent, as an HTML form sends it for an empty field.
#[derive(Debug)]
pub struct Params(params::Params);

impl Params {
    /// Checks the query: every name must be in `accepted` and appear at most once.
    pub fn new(query: RawQuery, accepted: &[&str]) -> Result<Self, ApiError> {
        Ok(Self(params::Params::new(pairs(query)?, accepted)?))
    }

    /// Like [`Params::new`], but a name not in `accepted` is not an error: such pairs (each name
    /// still at most once, empty values dropped) are handed back, for the route to check against
    /// names it learns from the data (a collection's queryables).
    pub fn with_rest(
        query: RawQuery,
        accepted: &[&str],
    ) -> Result<(Self, Vec<(String, String)>), ApiError> {
        let (params, rest) = params::Params::with_rest(pairs(query)?, accepted)?;
        Ok((Self(params), rest))
    }
}

impl Deref for Params {
    type Target = params::Params;

    fn deref(&self) -> &params::Params {
        &self.0
    }
}

/// The decoded pairs, or a 400 for `query` with axum's reason.
fn pairs(query: RawQuery) -> Result<Vec<(String, String)>, ApiError> {
    let Query(pairs) =
        query.map_err(|rejection| ApiError::bad_parameter("query", rejection.body_text()))?;
    Ok(pairs)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)], accepted: &[&str]) -> Result<Params, ApiError> {
        let pairs = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Params::new(Ok(Query(pairs)), accepted)
    }

    #[test]
    fn unknown_and_repeated_parameters_are_bad_parameters_naming_them() {
        let err = params(&[("bbx", "1")], &["bbox"]).unwrap_err();
        assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(
            err.to_string(),
            r#"bbx: unknown parameter "bbx"; accepted: bbox"#
        );
        let err = params(&[("lon", "1"), ("lon", "2")], &["lon"]).unwrap_err();
        assert_eq!(err.to_string(), "lon: given more than once; give it once");
    }

    #[test]
    fn the_getters_are_the_services_and_their_errors_are_bad_parameters() {
        let p = params(&[("d", " 12.5 "), ("n", "x")], &["d", "n"]).unwrap();
        assert_eq!(p.number("d").unwrap(), Some(12.5));
        let err: ApiError = p.number("n").unwrap_err().into();
        assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(err.to_string(), r#"n: "x" is not a number"#);
    }
}

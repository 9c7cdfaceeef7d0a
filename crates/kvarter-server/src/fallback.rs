//! Answers for requests no route takes: an unknown path (404) or a method other than GET/HEAD
//! on a known one (405), both as the API's JSON error — under `/ogc` in the OGC API's exception
//! form (`{"code", "description"}`, [`crate::ogc::OgcError`]), as every OGC route answers.

use axum::http::{HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, shortened};
use crate::ogc::OgcError;

/// Any path no route matches.
pub async fn no_route(uri: Uri) -> Response {
    answer(
        &uri,
        ApiError::NoRoute {
            path: shortened(uri.path()),
        },
    )
}

/// A known path asked with a method it does not answer.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    answer(
        &uri,
        ApiError::MethodNotAllowed {
            method: shortened(method.as_str()),
            path: shortened(uri.path()),
        },
    )
}

/// `error` in the form of the path's API.
fn answer(uri: &Uri, error: ApiError) -> Response {
    let path = uri.path();
    if path == "/ogc" || path.starts_with("/ogc/") {
        let allowed = matches!(error, ApiError::MethodNotAllowed { .. })
            .then(|| crate::error::allowed_methods(path));
        let mut response = OgcError::from(error).into_response();
        if let Some(allowed) = allowed {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allowed));
        }
        response
    } else {
        error.into_response()
    }
}

//! Answers for requests no route takes: an unknown path (404) or a method other than GET/HEAD
//! on a known one (405), both as the API's JSON error.

use axum::http::{Method, Uri};

use crate::error::{ApiError, shortened};

/// Any path no route matches.
pub async fn no_route(uri: Uri) -> ApiError {
    ApiError::NoRoute {
        path: shortened(uri.path()),
    }
}

/// A known path asked with a method it does not answer.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: shortened(method.as_str()),
        path: shortened(uri.path()),
    }
}

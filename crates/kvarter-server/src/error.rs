//! The API's one error type, and the one place where errors become HTTP responses.
//!
//! Every handler returns `Result<_, ApiError>`. What the service refuses arrives as a
//! [`ServiceError`] (one `From` conversion) and keeps its message; what only HTTP can get wrong
//! (a parameter that does not parse, an unknown route, a body too large) is the server's own.
//! A client's mistake becomes a 4xx with a JSON body
//! `{"error": "<machine code>", "detail": "<sentence naming the parameter, value and problem>"}`
//! and is logged at debug level; an internal failure becomes a generic
//! `500 {"error":"internal","detail":"internal error"}` and its real cause is logged at error level.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kvarter_service::ServiceError;
use kvarter_service::batch::BatchError;
use kvarter_service::params::ParamError;
use serde::Serialize;

pub use kvarter_service::error::{quoted, shortened};

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The front end has no asset by this name; the map page names the ones it uses.
    #[error("there is no asset {name:?}; the assets are {}", known.join(", "))]
    UnknownAsset {
        /// The file name as given.
        name: String,
        /// The assets this service holds.
        known: Vec<String>,
    },
    /// None of the fonts of a glyph request is served; ask for one of the listed fonts.
    #[error("none of the fonts {fontstack:?} is served; the fonts are {}", known.join(", "))]
    UnknownFont {
        /// The font stack as given (comma-separated font names).
        fontstack: String,
        /// The names of the fonts this service holds.
        known: Vec<String>,
    },
    /// No route matches the path; see `/api/openapi.json` for the routes.
    #[error("there is no route {path:?}; the API is described at /api/openapi.json")]
    NoRoute {
        /// The path as requested.
        path: String,
    },
    /// The route exists but not for this method; use GET (POST for `/api/lookup/batch`, and
    /// the admin routes' own methods).
    #[error(
        "method {method} is not allowed on {path:?}; this API answers GET and HEAD, POST only on /api/lookup/batch, /admin/reload and /admin/layers, and DELETE only on /admin/layers/{{id}}"
    )]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The path as requested.
        path: String,
    },
    /// The request body is larger than the route accepts (`batch_max_bytes` for a batch);
    /// split it.
    #[error("the request body is larger than {max_bytes} bytes; split it into smaller batches")]
    BodyTooLarge {
        /// The configured limit.
        max_bytes: usize,
    },
    /// The request took longer than `request_timeout_secs`; retry, or ask for less (a `bbox=`,
    /// `simplify=`).
    #[error("the request took longer than {secs} s; ask for less (bbox=, simplify=) or retry")]
    Timeout {
        /// The configured timeout.
        secs: u64,
    },
    /// An admin route without the right bearer token.
    #[error("{reason}")]
    Unauthorized {
        /// What was wrong: no token, or a wrong one.
        reason: &'static str,
    },
    /// An admin request that carried a token somewhere but in the `Authorization` header (the
    /// query string, a cookie), where logs, browser histories and proxies keep it: refused even
    /// with the right token, so a leaked token is noticed.
    #[error("{reason}")]
    Forbidden {
        /// Where the token was.
        reason: String,
    },
    /// This address gave wrong admin tokens too often: its attempts are refused unchecked for
    /// a while.
    #[error("too many wrong admin tokens from this address; try again in {retry_after_secs} s")]
    TooManyAttempts {
        /// How long to wait.
        retry_after_secs: u64,
    },
    /// The data is still loading, or its first load failed (see `/ready`, `/admin/status`).
    #[error("{reason}")]
    NotReady {
        /// What the service is waiting for, or why its data did not load.
        reason: String,
    },
    /// The request cannot be done by this server as it runs (reloading the embedded dataset).
    #[error("{reason}")]
    Conflict {
        /// Why.
        reason: String,
    },
    /// An import, remove or restore through the admin routes was refused or failed; the folder
    /// is unchanged.
    #[error(transparent)]
    Import(#[from] kvarter_data::import::ImportError),
    /// A map image names a designation or unit layer the data does not hold (404), or could
    /// not be written (500); see [`kvarter_render::RenderError`]. (Its malformed parameters are
    /// [`ApiError::bad_parameter`]s.)
    #[error(transparent)]
    Render(kvarter_render::RenderError),
    /// The service refused or failed — a bad parameter (the service's, or one the server could
    /// not read: see [`ApiError::bad_parameter`]), an unknown layer or feature, too many
    /// features, a bad batch, a coordinate that cannot be converted — or something failed inside
    /// (see [`ApiError::internal`]); see [`ServiceError`].
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl ApiError {
    /// A query parameter is missing, malformed, out of range or unknown: the service's
    /// [`ServiceError::Invalid`], so the server's own parameter checks read like the service's.
    pub fn bad_parameter(parameter: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Service(ServiceError::invalid(parameter, problem))
    }

    /// Something failed inside the server (a task that panicked, an answer that could not be
    /// encoded): the service's [`ServiceError::Internal`], answered without its cause.
    pub fn internal(
        context: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Service(ServiceError::internal(context, source))
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnknownAsset { .. } | Self::UnknownFont { .. } | Self::NoRoute { .. } => {
                StatusCode::NOT_FOUND
            }
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Import(error) => import_status(error),
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Timeout { .. } | Self::NotReady { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Render(error) if error.is_internal() => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Render(kvarter_render::RenderError::Invalid { .. }) => StatusCode::BAD_REQUEST,
            Self::Render(_) => StatusCode::NOT_FOUND,
            Self::Service(error) => match error {
                ServiceError::Invalid { .. } => StatusCode::BAD_REQUEST,
                ServiceError::UnknownLayer { .. } | ServiceError::UnknownFeature { .. } => {
                    StatusCode::NOT_FOUND
                }
                ServiceError::TooManyFeatures { .. }
                | ServiceError::Batch(BatchError::TooManyRows { .. }) => {
                    StatusCode::PAYLOAD_TOO_LARGE
                }
                ServiceError::Unconvertible { .. } | ServiceError::NotAreaLayer { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                ServiceError::Batch(BatchError::Write(_))
                | ServiceError::Data { .. }
                | ServiceError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
                ServiceError::Batch(_) => StatusCode::UNPROCESSABLE_ENTITY,
            },
        }
    }

    /// The short machine-readable code in the body's `error` member.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownAsset { .. } => "unknown_asset",
            Self::UnknownFont { .. } => "unknown_font",
            Self::NoRoute { .. } => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::NotReady { .. } => "not_ready",
            Self::Import(error) => match import_status(error) {
                StatusCode::NOT_FOUND => "unknown_layer",
                StatusCode::CONFLICT => "conflict",
                StatusCode::INTERNAL_SERVER_ERROR => "internal",
                _ => "import_refused",
            },
            Self::Conflict { .. } => "conflict",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::Timeout { .. } => "timeout",
            Self::Render(error) => match error {
                kvarter_render::RenderError::Invalid { .. } => "bad_parameter",
                kvarter_render::RenderError::UnknownLayer { .. } => "unknown_layer",
                kvarter_render::RenderError::NoDesignation { .. } => "no_designation",
                _ => "internal",
            },
            Self::Service(error) => match error {
                ServiceError::Invalid { .. } => "bad_parameter",
                ServiceError::UnknownLayer { .. } => "unknown_layer",
                ServiceError::UnknownFeature { .. } => "unknown_feature",
                ServiceError::TooManyFeatures { .. } => "too_many_features",
                ServiceError::Batch(BatchError::TooManyRows { .. }) => "too_many_rows",
                ServiceError::Unconvertible { .. } => "unconvertible_coordinate",
                ServiceError::NotAreaLayer { .. } => "not_an_area_layer",
                ServiceError::Batch(BatchError::Write(_))
                | ServiceError::Data { .. }
                | ServiceError::Internal { .. } => "internal",
                ServiceError::Batch(_) => "bad_csv",
            },
        }
    }

    /// Whether the failure is the server's, not the client's.
    fn is_internal(&self) -> bool {
        match self {
            Self::Service(error) => error.is_internal(),
            Self::Render(error) => error.is_internal(),
            Self::Import(error) => import_status(error) == StatusCode::INTERNAL_SERVER_ERROR,
            _ => false,
        }
    }
}

/// A query parameter the service's parameter reader refused: a [`ApiError::bad_parameter`]
/// (400 `bad_parameter`) with the same name and message.
impl From<ParamError> for ApiError {
    fn from(error: ParamError) -> Self {
        Self::Service(error.into())
    }
}

/// The status of a refused or failed import: the source's or the request's fault is 422, a
/// clash with the folder's layers 409, an unknown layer 404, a folder that cannot be read or
/// written 500.
fn import_status(error: &kvarter_data::import::ImportError) -> StatusCode {
    use kvarter_data::import::ImportError as E;
    match error {
        E::Exists { .. } | E::InUse { .. } | E::Folder { .. } => StatusCode::CONFLICT,
        E::Unknown { .. } => StatusCode::NOT_FOUND,
        E::Load(_) | E::Fgb(_) | E::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        E::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The `Retry-After` of a 503 while the data loads.
const NOT_READY_RETRY_SECS: u64 = 5;

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
struct ErrorBody {
    error: &'static str,
    detail: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            error if error.is_internal() => {
                tracing::error!(error = %chain(&self), "request failed");
                "internal error".to_owned()
            }
            Self::Timeout { .. } => {
                tracing::warn!(error = %self, "request timed out");
                self.to_string()
            }
            _ => {
                tracing::debug!(status = status.as_u16(), error = %self, "request refused");
                self.to_string()
            }
        };
        let body = ErrorBody {
            error: self.code(),
            detail,
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::Unauthorized { .. } = &self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"kvarter-admin\""),
            );
        }
        let retry_after = match &self {
            Self::TooManyAttempts { retry_after_secs } => Some(*retry_after_secs),
            Self::NotReady { .. } => Some(NOT_READY_RETRY_SECS),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Self::MethodNotAllowed { path, .. } = &self {
            response.headers_mut().insert(
                header::ALLOW,
                HeaderValue::from_static(allowed_methods(path)),
            );
        }
        response
    }
}

/// The methods the route at `path` answers: the `Allow` header of its 405.
pub(crate) fn allowed_methods(path: &str) -> &'static str {
    use crate::admin::{HISTORY_ROUTE, LAYERS_ROUTE, RELOAD_ROUTE, STATUS_ROUTE};
    match path {
        crate::BATCH_ROUTE | RELOAD_ROUTE | LAYERS_ROUTE => "POST",
        // The admin routes are outside the CORS layer, so they answer no OPTIONS.
        STATUS_ROUTE | HISTORY_ROUTE => "GET, HEAD",
        _ if path.starts_with("/admin/layers/") => "DELETE",
        _ => "GET, HEAD, OPTIONS",
    }
}

pub(crate) use kvarter_service::error::chain;

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn answer(error: ApiError) -> (StatusCode, serde_json::Value, Response) {
        let response = error.into_response();
        let status = response.status();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap();
        (
            status,
            json,
            Response::from_parts(parts, axum::body::Body::empty()),
        )
    }

    #[tokio::test]
    #[expect(clippy::too_many_lines, reason = "a table with one case per error")]
    async fn each_error_maps_to_its_status_and_code_with_a_detail() {
        let cases = [
            (
                ApiError::bad_parameter("bbox", "expected 4 numbers"),
                400,
                "bad_parameter",
                "bbox",
            ),
            (
                ServiceError::UnknownLayer {
                    id: "nope".into(),
                    known: vec!["a".into(), "b".into()],
                }
                .into(),
                404,
                "unknown_layer",
                "a, b",
            ),
            (
                ServiceError::UnknownFeature {
                    layer: "a".into(),
                    id: "x9".into(),
                }
                .into(),
                404,
                "unknown_feature",
                "x9",
            ),
            (
                ApiError::UnknownAsset {
                    name: "nope.js".into(),
                    known: vec!["app.css".into(), "app.js".into()],
                },
                404,
                "unknown_asset",
                "app.css, app.js",
            ),
            (
                ApiError::UnknownFont {
                    fontstack: "Arial,Helvetica".into(),
                    known: vec!["DejaVu Sans".into()],
                },
                404,
                "unknown_font",
                "DejaVu Sans",
            ),
            (
                ApiError::NoRoute {
                    path: "/nowhere".into(),
                },
                404,
                "not_found",
                "/nowhere",
            ),
            (
                ApiError::MethodNotAllowed {
                    method: "POST".into(),
                    path: "/health".into(),
                },
                405,
                "method_not_allowed",
                "POST",
            ),
            (
                ServiceError::TooManyFeatures {
                    layer: "a".into(),
                    count: 30_000,
                    max: 20_000,
                }
                .into(),
                413,
                "too_many_features",
                "30000",
            ),
            (
                ServiceError::Unconvertible {
                    x: 1.0,
                    y: 2.0,
                    srid: 25832,
                    reason: "r".into(),
                }
                .into(),
                422,
                "unconvertible_coordinate",
                "25832",
            ),
            (ApiError::Timeout { secs: 30 }, 503, "timeout", "30 s"),
            (
                ApiError::Forbidden {
                    reason: "the token is in the query string".into(),
                },
                403,
                "forbidden",
                "query string",
            ),
            (
                ApiError::TooManyAttempts {
                    retry_after_secs: 8,
                },
                429,
                "too_many_attempts",
                "8 s",
            ),
            (
                ApiError::NotReady {
                    reason: "loading the data folder /srv/kvarter".into(),
                },
                503,
                "not_ready",
                "loading",
            ),
            (
                ApiError::BodyTooLarge { max_bytes: 100 },
                413,
                "body_too_large",
                "100 bytes",
            ),
            (
                ServiceError::from(BatchError::TooManyRows { max: 10 }).into(),
                413,
                "too_many_rows",
                "10 rows",
            ),
            (
                ServiceError::from(BatchError::Malformed {
                    line: 7,
                    problem: "a stray quote".into(),
                })
                .into(),
                422,
                "bad_csv",
                "line 7",
            ),
        ];
        for (error, status, code, named) in cases {
            let (got_status, body, _) = answer(error).await;
            assert_eq!(got_status.as_u16(), status, "{body}");
            assert_eq!(body["error"], code);
            let detail = body["detail"].as_str().unwrap();
            assert!(detail.contains(named), "{detail} should name {named}");
        }
    }

    #[tokio::test]
    async fn an_internal_error_hides_its_cause_from_the_client() {
        let error = ApiError::internal("encoding GeoJSON", "secret path /var/lib/kvarter broke");
        assert!(chain(&error).contains("secret path"));
        let (status, body, _) = answer(error).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            body,
            serde_json::json!({"error": "internal", "detail": "internal error"})
        );
    }

    #[tokio::test]
    async fn method_not_allowed_says_which_methods_are() {
        let (_, _, response) = answer(ApiError::MethodNotAllowed {
            method: "DELETE".into(),
            path: "/".into(),
        })
        .await;
        assert_eq!(response.headers()[header::ALLOW], "GET, HEAD, OPTIONS");
    }
}

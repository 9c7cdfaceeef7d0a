//! The tower layers around every route, outermost first: a request id (`x-request-id`, set when
//! the client sent none and echoed back), a structured log line per request (method, path,
//! status, latency), CORS, gzip, and the request timeout — answered as the API's JSON error.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use tower::util::MapResponseLayer;
use tower_http::CompressionLevel;
use tower_http::compression::predicate::{NotForContentType, Predicate as _};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

use crate::config::{ServerConfig, parse_origin};
use crate::error::ApiError;

/// The status tower-http's timeout answers with, before [`timeout_as_json`] gives it a body.
const TIMEOUT_STATUS: StatusCode = StatusCode::SERVICE_UNAVAILABLE;

/// Wraps `router` in the layers described in the module docs.
pub fn around<S>(router: Router<S>, config: &ServerConfig) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    with_timeout(router, config.request_timeout_secs)
        // The fastest gzip level: API answers are small (a few KB), and at the default level
        // compressing took longer than building the answer (see BENCHMARKS.md).
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                // Tiles negotiate and cache their own compressed bytes; a PDF's streams are
                // compressed already (as a PNG's, which the default predicate skips).
                .compress_when(
                    DefaultPredicate::new()
                        .and(NotForContentType::const_new(crate::tiles::MVT_CONTENT_TYPE))
                        .and(NotForContentType::const_new("application/pdf")),
                ),
        )
        .layer(cors(config))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(RequestSpan)
                .on_response(LogResponse),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Adds the request timeout (none when `secs` is 0). tower-http's `TimeoutLayer` answers with an
/// empty body; the response mapping right outside it turns that answer into
/// [`ApiError::Timeout`], so clients always get JSON.
pub fn with_timeout<S>(router: Router<S>, secs: u64) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    if secs == 0 {
        return router;
    }
    router
        .layer(TimeoutLayer::with_status_code(
            TIMEOUT_STATUS,
            Duration::from_secs(secs),
        ))
        .layer(MapResponseLayer::new(
            move |response: axum::response::Response| timeout_as_json(response, secs),
        ))
}

/// Gives the timeout layer's bare answer the API's JSON error body. Handlers never answer 503
/// themselves, and every body they write has a content type, so a 503 without one can only
/// come from the timeout.
fn timeout_as_json(response: axum::response::Response, secs: u64) -> axum::response::Response {
    if response.status() == TIMEOUT_STATUS && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        ApiError::Timeout { secs }.into_response()
    } else {
        response
    }
}

/// CORS for a read-only API: GET, HEAD and OPTIONS from any origin, or only from
/// `cors_allowed_origins` when it names some. Origins that are not valid are skipped with a
/// warning ([`ServerConfig::validate`] refuses them at start-up); skipping never widens the list.
fn cors(config: &ServerConfig) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([
            header::HeaderName::from_static("x-request-id"),
            header::ETAG,
        ]);
    if config.allows_any_origin() {
        return layer.allow_origin(Any);
    }
    let origins: Vec<HeaderValue> = config
        .cors_allowed_origins
        .iter()
        .filter_map(|origin| {
            let value = parse_origin(origin);
            if value.is_none() {
                tracing::warn!(%origin, "cors_allowed_origins: not an origin, skipped");
            }
            value
        })
        .collect();
    layer.allow_origin(AllowOrigin::list(origins))
}

/// The span every request's log lines belong to: method, path and request id.
#[derive(Debug, Clone, Copy)]
struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let request_id = request
            .headers()
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            request_id,
        )
    }
}

/// One log line per answered request, with its status and latency as fields.
#[derive(Debug, Clone, Copy)]
struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = latency.as_secs_f64() * 1000.0,
            "answered"
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test(start_paused = true)]
    async fn a_request_that_outlives_the_timeout_is_answered_with_json() {
        async fn slow() -> &'static str {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "too late"
        }
        let router = with_timeout(Router::new().route("/slow", get(slow)), 1);
        let response = router
            .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "timeout");
        assert!(json["detail"].as_str().unwrap().contains("1 s"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_fast_request_is_not_touched_by_the_timeout() {
        let router = with_timeout(Router::new().route("/fast", get(|| async { "ok" })), 1);
        let response = router
            .oneshot(Request::get("/fast").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

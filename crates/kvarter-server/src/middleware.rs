//! The tower layers around every public route, outermost first: the request metrics
//! ([`crate::metrics::CountLayer`]), a request id (`x-request-id`, set when the client sent none
//! and echoed back), a structured log line per request (method, path, status, latency), CORS,
//! gzip (answers whole in memory by [`crate::gzip`], streamed ones by tower-http), the request
//! timeout — answered as the API's JSON error — and the readiness gate
//! ([`crate::health::GateLayer`]). The admin routes get the metrics and their own timeout.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use tower::ServiceBuilder;
use tower::layer::util::Stack;
use tower::util::MapResponseLayer;
use tower_http::CompressionLevel;
use tower_http::compression::predicate::{NotForContentType, Predicate as _};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

use crate::config::{ServerConfig, parse_origin};
use crate::error::ApiError;
use crate::state::AppState;

/// The status tower-http's timeout answers with, before [`timeout_as_json`] gives it a body.
const TIMEOUT_STATUS: StatusCode = StatusCode::SERVICE_UNAVAILABLE;

/// Wraps the public routes in the layers described in the module docs, innermost the readiness
/// gate ([`crate::health::GateLayer`]), outermost the request metrics ([`crate::metrics::CountLayer`]).
///
/// All of them are one [`ServiceBuilder`] stack given to [`Router::layer`] once. axum boxes a
/// route again for every `layer` call and clones every box on every request, so layering
/// them one call at a time made a cached tile's request clone about forty boxes (a third of its
/// CPU time; BENCHMARKS.md, "The HTTP fast path").
pub fn around(router: Router<Arc<AppState>>, state: &Arc<AppState>) -> Router<Arc<AppState>> {
    let config = &state.config;
    let secs = config.request_timeout_secs;
    router.layer(
        ServiceBuilder::new()
            .layer(crate::metrics::CountLayer::new(state.clone()))
            .layer(SetRequestIdLayer::x_request_id(SequentialIds))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(RequestSpan)
                    .on_response(LogResponse),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(cors(config))
            // Streamed answers, at the fastest level (at the default, compressing took longer
            // than building the answer; BENCHMARKS.md) ...
            .layer(
                CompressionLayer::new()
                    .quality(CompressionLevel::Fastest)
                    // Tiles negotiate and cache their own compressed bytes; a PDF's streams
                    // are compressed already (as a PNG's, which the default predicate skips).
                    .compress_when(
                        DefaultPredicate::new()
                            .and(NotForContentType::const_new(crate::tiles::MVT_CONTENT_TYPE))
                            .and(NotForContentType::const_new("application/pdf")),
                    ),
            )
            // ... but an answer whole in memory is gzipped here, at a fraction of the cost.
            .layer(crate::gzip::GzipLayer)
            .option_layer((secs > 0).then(|| timeout(secs)))
            .layer(crate::health::GateLayer::new(state.clone())),
    )
}

/// Wraps the admin routes: the request metrics and their own timeout (`admin_timeout_secs`;
/// none when 0), as one stack (see [`around`]).
pub fn around_admin(router: Router<Arc<AppState>>, state: &Arc<AppState>) -> Router<Arc<AppState>> {
    let secs = state.config.admin_timeout_secs;
    router.layer(
        ServiceBuilder::new()
            .layer(crate::metrics::CountLayer::new(state.clone()))
            .option_layer((secs > 0).then(|| timeout(secs))),
    )
}

/// The request timeout of `secs` seconds: tower-http's `TimeoutLayer` answers with an empty
/// body; the response mapping right outside it turns that answer into [`ApiError::Timeout`],
/// so clients always get JSON.
fn timeout(
    secs: u64,
) -> Stack<TimeoutLayer, MapResponseLayer<impl Fn(Response<Body>) -> Response<Body> + Clone>> {
    Stack::new(
        TimeoutLayer::with_status_code(TIMEOUT_STATUS, Duration::from_secs(secs)),
        MapResponseLayer::new(move |response| timeout_as_json(response, secs)),
    )
}

/// Request ids that cost a counter increment: this process's random prefix and the request's
/// number, such as `5f3a9c1e-1a2b`. tower-http's UUIDs read the OS's random source on every
/// request (a system call, about a tenth of a cached tile's time); ids only need to be unique
/// among this server's log lines and not collide with another run's, which the prefix gives.
#[derive(Debug, Clone, Copy)]
struct SequentialIds;

impl MakeRequestId for SequentialIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        next_request_id().map(RequestId::new)
    }
}

/// The request id header, set on a request that came without one and echoed in the answer.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A new request id: see [`SequentialIds`].
pub(crate) fn next_request_id() -> Option<HeaderValue> {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        // RandomState is seeded from the OS's random source, once per process.
        #[expect(
            clippy::cast_possible_truncation,
            reason = "any 32 bits of the hash do"
        )]
        let bits = RandomState::new().build_hasher().finish() as u32;
        bits
    });
    let number = NEXT.fetch_add(1, Ordering::Relaxed);
    // Hex digits written by hand: `write!` costs more than the rest of this together.
    let mut text = [0_u8; 8 + 1 + 16];
    let hex = |nibble: u64| b"0123456789abcdef"[usize::try_from(nibble & 0xf).unwrap_or(0)];
    for (i, byte) in text[..8].iter_mut().enumerate() {
        *byte = hex(u64::from(prefix) >> (28 - 4 * i));
    }
    text[8] = b'-';
    let digits = (64 - number.leading_zeros()).div_ceil(4).max(1) as usize;
    for (i, byte) in text[9..9 + digits].iter_mut().enumerate() {
        *byte = hex(number >> (4 * (digits - 1 - i)));
    }
    HeaderValue::from_bytes(&text[..9 + digits]).ok()
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
        // `*` is the same answer for every origin and preflight, so nothing varies (and no
        // `Vary` header is joined together on every request).
        return layer.allow_origin(Any).vary([]);
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

/// The CORS headers [`cors`] gives the answer to a request that is not a preflight when any
/// origin is allowed — for answers made outside the stack ([`crate::lane`]; its tests check
/// that the two agree).
pub(crate) fn any_origin_headers() -> [(HeaderName, HeaderValue); 2] {
    [
        (
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ),
        (
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-request-id,etag"),
        ),
    ]
}

/// The span every request's log lines belong to: method, path and request id.
#[derive(Debug, Clone, Copy)]
struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        // The request id is set by then.
        let id = request.headers().get(REQUEST_ID);
        request_span(request.method(), request.uri().path(), id)
    }
}

/// The span of a request's log lines: its method, path and request id.
pub(crate) fn request_span(method: &Method, path: &str, id: Option<&HeaderValue>) -> Span {
    // The fields are read inside the macro, so only when the span is logged.
    tracing::info_span!(
        "request",
        method = %method,
        path = %path,
        request_id = id.and_then(|value| value.to_str().ok()).unwrap_or_default(),
    )
}

/// One log line per answered request, with its status and latency as fields.
#[derive(Debug, Clone, Copy)]
struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        log_answer(response.status(), latency);
    }
}

/// The log line of an answered request (in its [`request_span`]).
pub(crate) fn log_answer(status: StatusCode, latency: Duration) {
    tracing::info!(
        status = status.as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "answered"
    );
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
        let router = Router::new().route("/slow", get(slow)).layer(timeout(1));
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

    #[test]
    fn request_ids_share_this_process_s_prefix_and_count_up_in_hex() {
        let request = Request::get("/").body(()).unwrap();
        let ids: Vec<String> = (0..5000)
            .map(|_| {
                let id = SequentialIds.make_request_id(&request).unwrap();
                id.header_value().to_str().unwrap().to_owned()
            })
            .collect();
        let (prefix, first) = ids[0].split_once('-').unwrap();
        assert_eq!(prefix.len(), 8);
        let first = u64::from_str_radix(first, 16).unwrap();
        for (i, id) in ids.iter().enumerate() {
            let (p, n) = id.split_once('-').unwrap();
            assert_eq!(p, prefix, "{id}");
            // Other tests may take ids at the same time, so each is only later than the last.
            let n = u64::from_str_radix(n, 16).unwrap();
            assert!(n >= first + i as u64, "{id} after {i} ids");
            assert_eq!(format!("{n:x}"), id[9..], "no leading zeros: {id}");
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }

    #[tokio::test(start_paused = true)]
    async fn a_fast_request_is_not_touched_by_the_timeout() {
        let router = Router::new()
            .route("/fast", get(|| async { "ok" }))
            .layer(timeout(1));
        let response = router
            .oneshot(Request::get("/fast").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

//! `GET /metrics`: what a Prometheus server scrapes, in the `OpenMetrics` text format (which
//! Prometheus reads natively), encoded by the Prometheus project's own client crate.
//!
//! Two kinds of numbers:
//!
//! * **kept by the server**, [`HttpMetrics`]: every answered request, counted and timed by
//!   route (the router's pattern, such as `/tiles/{layers}/{z}/{x}/{y}`, never the raw path, so
//!   the label set stays small), method and status — `kvarter_http_requests_total` and the
//!   histogram `kvarter_http_request_duration_seconds`;
//! * **read at each scrape** from the service and the reloader: the work counters of
//!   [`kvarter_service::counters`] (lookups, searches, tile cache hits and misses, tiles and bytes
//!   rendered; they survive reloads), the tile cache's fill, the data version (as a label),
//!   reloads by outcome, whether the data is loaded, resident memory and build info.

use std::sync::Arc;
use std::time::Instant;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::{MatchedPath, State};
use axum::http::{Method, Request, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};
use tower::{Layer, Service};

use crate::params::RawQuery;
use crate::state::AppState;

/// `GET`: the metrics.
pub const METRICS_ROUTE: &str = "/metrics";

/// The `Content-Type` of the `OpenMetrics` text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The route label of a request no route matched (a 404 or 405 fallback).
const UNMATCHED: &str = "unmatched";

/// The latency histogram's buckets, in seconds: from a cached tile (under a millisecond) to an
/// import (minutes are beyond the last bucket and counted in `+Inf`).
const LATENCY_BUCKETS: [f64; 14] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0,
];

/// The labels of a request's counter and histogram.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

/// A latency histogram with [`LATENCY_BUCKETS`].
fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// The request counters and latency histograms, kept for the life of the process.
#[derive(Debug)]
pub struct HttpMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let mut registry = Registry::with_prefix("kvarter");
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request (to its headers; a body may stream on), by route pattern, method and status",
            Unit::Seconds,
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }
}

impl HttpMetrics {
    /// Counts one answered request.
    fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let labels = RequestLabels {
            route: route.to_owned(),
            method: method.to_owned(),
            status,
        };
        self.latency.get_or_create(&labels).observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }
}

/// The counter and histogram of one route, method and status, looked up once: for answers so
/// frequent and cheap that finding their labels' series each time would be a good part of their
/// cost (the fast lane, [`crate::lane`]).
#[derive(Debug, Clone)]
pub struct Recorder {
    requests: Counter,
    latency: Histogram,
}

impl Recorder {
    /// Counts one answered request that took `seconds`.
    pub fn record(&self, seconds: f64) {
        self.latency.observe(seconds);
        self.requests.inc();
    }
}

impl HttpMetrics {
    /// The [`Recorder`] of requests to `route` with `method` answered with `status`: the same
    /// series [`CountLayer`] counts them in.
    pub fn recorder(&self, route: &str, method: &Method, status: u16) -> Recorder {
        let labels = RequestLabels {
            route: route.to_owned(),
            method: method.as_str().to_owned(),
            status,
        };
        Recorder {
            requests: self.requests.get_or_create(&labels).clone(),
            latency: self.latency.get_or_create(&labels).clone(),
        }
    }
}

/// The layer that counts and times every request (see [`HttpMetrics`]); add it where the
/// router's matched route is known (with `Router::layer`).
///
/// A tower layer rather than `axum::middleware::from_fn`: that boxes the rest of the stack
/// again on every request, which cost a cached tile a tenth of its time.
#[derive(Debug, Clone)]
pub struct CountLayer {
    state: Arc<AppState>,
}

impl CountLayer {
    /// Counts into `state`'s metrics.
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

impl<S> Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Count<S> {
        Count {
            inner,
            state: self.state.clone(),
        }
    }
}

/// The service of [`CountLayer`].
#[derive(Debug, Clone)]
pub struct Count<S> {
    inner: S,
    state: Arc<AppState>,
}

impl<S, B, RB> Service<Request<B>> for Count<S>
where
    S: Service<Request<B>, Response = axum::http::Response<RB>>,
{
    type Response = axum::http::Response<RB>;
    type Error = S::Error;
    type Future = Counted<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let route = request.extensions().get::<MatchedPath>().cloned();
        let method = request.method().clone();
        Counted {
            inner: self.inner.call(request),
            started: Instant::now(),
            route,
            method,
            state: self.state.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    /// A request's answer on its way, counted when it is there.
    pub struct Counted<F> {
        #[pin]
        inner: F,
        started: Instant,
        route: Option<MatchedPath>,
        method: Method,
        state: Arc<AppState>,
    }
}

impl<F, E, RB> Future for Counted<F>
where
    F: Future<Output = Result<axum::http::Response<RB>, E>>,
{
    type Output = Result<axum::http::Response<RB>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            this.state.metrics.record(
                this.route.as_ref().map_or(UNMATCHED, MatchedPath::as_str),
                this.method.as_str(),
                response.status().as_u16(),
                this.started.elapsed().as_secs_f64(),
            );
        }
        Poll::Ready(result)
    }
}

/// `GET /metrics`; see the [module docs](self).
pub async fn metrics(State(state): State<Arc<AppState>>, query: RawQuery) -> Response {
    if let Err(error) = crate::params::Params::new(query, &[]) {
        return error.into_response();
    }
    let mut out = String::new();
    let encoded = encode_registry(&mut out, &state.metrics.registry)
        .and_then(|()| encode_registry(&mut out, &scrape(&state)))
        .and_then(|()| encode_eof(&mut out));
    if let Err(error) = encoded {
        return crate::ApiError::internal("encoding the metrics", error.to_string())
            .into_response();
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], out).into_response()
}

/// The numbers read at this scrape, as a registry of constant metrics.
fn scrape(state: &AppState) -> Registry {
    let service = state.service();
    let mut registry = Registry::with_prefix("kvarter");
    let info = |pairs: &[(&str, &str)]| {
        Info::new(
            pairs
                .iter()
                .map(|&(k, v)| (k.to_owned(), v.to_owned()))
                .collect::<Vec<_>>(),
        )
    };
    registry.register(
        "build",
        "The running build",
        info(&[
            ("version", env!("CARGO_PKG_VERSION")),
            ("rust_version", env!("CARGO_PKG_RUST_VERSION")),
        ]),
    );
    registry.register(
        "data_version",
        "The data version being served (empty while the first load has not succeeded)",
        info(&[("version", service.data_version())]),
    );
    registry.register(
        "ready",
        "1 once the data is loaded and served (see /ready)",
        ConstGauge::new(i64::from(state.is_ready())),
    );
    registry.register(
        "layers",
        "Layers being served",
        ConstGauge::new(service.layers().len()),
    );
    work(&mut registry, &service);
    if let Some(reloader) = &state.reloader {
        reloads(&mut registry, reloader);
    }
    if let Some(changes) = &state.changes {
        let following = changes.state();
        registry.register(
            "store_connected",
            "1 while the store is reachable and its changes are followed; 0 while it is away (the data loaded last keeps serving)",
            ConstGauge::new(i64::from(following.connected)),
        );
        registry.register(
            "store_reconnects",
            "Times the store was reached again after it went away",
            ConstCounter::new(following.reconnects),
        );
    }
    if let Some(rss) = rss_bytes() {
        registry.register_with_unit(
            "resident_memory",
            "Resident memory of the process",
            Unit::Bytes,
            ConstGauge::new(rss),
        );
    }
    registry
}

/// The service's work counters and its tile cache's fill.
fn work(registry: &mut Registry, service: &kvarter_service::Service) {
    let work = service.counters().now();
    for (name, help, value) in [
        (
            "lookups",
            "Lookups answered: by point, by address, and each row of a batch",
            work.lookups,
        ),
        (
            "searches",
            "Address and place searches answered",
            work.searches,
        ),
        (
            "tile_cache_hits",
            "Tiles answered from the tile cache",
            work.tile_cache_hits,
        ),
        (
            "tile_cache_misses",
            "Tiles not found in the tile cache",
            work.tile_cache_misses,
        ),
        ("tiles_rendered", "Tiles rendered", work.tiles_rendered),
    ] {
        registry.register(name, help, ConstCounter::new(value));
    }
    registry.register_with_unit(
        "tile_rendered",
        "Bytes of the tiles rendered, uncompressed",
        Unit::Bytes,
        ConstCounter::new(work.tile_bytes_rendered),
    );
    if let Some(cache) = service.tiles().cache_stats() {
        registry.register(
            "tile_cache_tiles",
            "Tiles held in the tile cache",
            ConstGauge::new(cache.tiles),
        );
        registry.register_with_unit(
            "tile_cache",
            "Bytes the tile cache holds (each tile with its compressed forms)",
            Unit::Bytes,
            ConstGauge::new(cache.bytes),
        );
        if let Some(capacity) = cache.capacity_bytes {
            registry.register_with_unit(
                "tile_cache_capacity",
                "The tile cache's capacity",
                Unit::Bytes,
                ConstGauge::new(capacity),
            );
        }
    }
}

/// Reloads by outcome, and whether the last one failed.
fn reloads(registry: &mut Registry, reloader: &kvarter_service::reload::Reloader) {
    let status = reloader.status();
    let reloads = Family::<Vec<(String, String)>, Counter>::default();
    for (outcome, count) in [
        ("reloaded", status.reloaded),
        ("unchanged", status.unchanged),
        ("failed", status.failed),
    ] {
        reloads
            .get_or_create(&vec![("outcome".to_owned(), outcome.to_owned())])
            .inc_by(count);
    }
    registry.register(
        "reloads",
        "Data reloads by outcome (reloaded: a new data version; unchanged: the same version, addresses read again; failed: the old data kept serving)",
        reloads,
    );
    let failed = status
        .last
        .as_ref()
        .is_some_and(|a| matches!(a.outcome, kvarter_service::reload::Outcome::Failed { .. }));
    registry.register(
        "last_reload_failed",
        "1 when the last reload failed (the old data keeps serving)",
        ConstGauge::new(i64::from(failed)),
    );
}

/// The process's resident memory, from `/proc/self/statm` (Linux; `None` elsewhere).
pub(crate) fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

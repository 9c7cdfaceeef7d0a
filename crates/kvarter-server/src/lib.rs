//! Kvarter's HTTP API: the axum router over the service core ([`kvarter_service`]), its
//! handlers, the one response builder for cached bytes ([`respond`]), and the one place where
//! errors become HTTP responses. This is the only crate that knows axum, tokio and tower; a
//! handler reads its parameters, calls the service and encodes the answer.
//!
//! [`app`] builds the service (the router, behind the fast lane), so tests can call it without
//! a socket; [`serve`] runs it on a listener until Ctrl-C or SIGTERM. The routes are listed in
//! [`ROUTES`] and described by `GET /api/openapi.json`. The map front end (`web/dist/`) and its glyphs are embedded in the
//! binary by `build.rs` and served by [`web`].
//!
//! ```no_run
//! # async fn run(service: kvarter_service::Service) -> std::io::Result<()> {
//! use std::sync::Arc;
//! use kvarter_server::{AppState, ServerConfig};
//!
//! let state = Arc::new(AppState::new(service, ServerConfig::default()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! kvarter_server::serve(listener, state).await
//! # }
//! ```

pub mod about;
pub mod admin;
pub mod areas;
pub mod auth;
pub mod batch;
pub mod compare;
pub mod config;
pub mod error;
pub mod fallback;
pub mod features;
pub mod gzip;
pub mod health;
pub mod images;
pub mod indicators;
pub mod lane;
pub mod layers;
pub mod lookup;
pub mod metrics;
pub mod middleware;
pub mod ogc;
pub mod ogc_html;
pub mod ogc_tiles;
pub mod openapi;
pub mod params;
pub mod respond;
pub mod reverse;
pub mod search;
pub mod state;
pub mod tiles;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use config::{ConfigError, ServerConfig};
pub use error::ApiError;
pub use state::AppState;

/// Every public route the router answers (all `GET`, and so `HEAD`, but [`BATCH_ROUTE`], which
/// is `POST`), in the `OpenAPI` document's path syntax; the admin routes are [`ADMIN_ROUTES`],
/// and the admin page `/admin` is a page, not API. The tile and glyph routes end in a suffix
/// after a parameter, which axum's router cannot match, so [`app`] routes them as
/// [`TILEJSON_ROUTE`], [`TILE_ROUTE`], [`COMPARE_TILEJSON_ROUTE`], [`COMPARE_TILE_ROUTE`],
/// [`GLYPHS_ROUTE`] and [`images::ROUTE`] and their handlers check the suffix.
pub const ROUTES: [&str; 39] = [
    "/",
    "/embed",
    "/about",
    "/assets/{file}",
    "/fonts/{fontstack}/{range}.pbf",
    "/health",
    health::READY_ROUTE,
    metrics::METRICS_ROUTE,
    "/api/layers",
    "/api/layers/{id}",
    "/api/layers/{id}/features",
    "/api/layers/{id}/features/{fid}",
    "/api/layers/{id}/indicators",
    "/api/areas/{layer}/{fid}",
    "/api/indicators",
    "/api/compare",
    "/api/static/{view}.{format}",
    lookup::ROUTE,
    BATCH_ROUTE,
    "/api/search",
    "/api/reverse",
    "/api/openapi.json",
    "/tiles/{layers}.json",
    "/tiles/{layers}/{z}/{x}/{y}.mvt",
    "/tiles/compare/{from}/{to}.json",
    "/tiles/compare/{from}/{to}/{z}/{x}/{y}.mvt",
    ogc::ROOT,
    ogc::CONFORMANCE,
    ogc::API,
    ogc::COLLECTIONS,
    ogc::COLLECTION,
    ogc::QUERYABLES,
    ogc::ITEMS,
    ogc::ITEM,
    ogc_tiles::TILE_MATRIX_SETS,
    ogc_tiles::TILE_MATRIX_SET,
    ogc_tiles::TILESETS,
    ogc_tiles::TILESET,
    ogc_tiles::TILE,
];

/// The admin routes, behind the admin token ([`auth`]), with their methods.
pub const ADMIN_ROUTES: [(&str, &str); 5] = [
    ("GET", admin::STATUS_ROUTE),
    ("POST", admin::RELOAD_ROUTE),
    ("POST", admin::LAYERS_ROUTE),
    ("DELETE", admin::LAYER_ROUTE),
    ("GET", admin::HISTORY_ROUTE),
];

/// The one `POST` route: a CSV of addresses in, the same CSV with their designations out.
pub const BATCH_ROUTE: &str = "/api/lookup/batch";

/// How the router matches `/tiles/{layers}.json`.
pub const TILEJSON_ROUTE: &str = "/tiles/{tileset}";
/// How the router matches `/tiles/{layers}/{z}/{x}/{y}.mvt`.
pub const TILE_ROUTE: &str = "/tiles/{layers}/{z}/{x}/{y}";
/// How the router matches `/tiles/compare/{from}/{to}.json`.
pub const COMPARE_TILEJSON_ROUTE: &str = "/tiles/compare/{from}/{tileset}";
/// How the router matches `/tiles/compare/{from}/{to}/{z}/{x}/{y}.mvt`.
pub const COMPARE_TILE_ROUTE: &str = "/tiles/compare/{from}/{to}/{z}/{x}/{y}";
/// How the router matches `/fonts/{fontstack}/{range}.pbf`.
pub const GLYPHS_ROUTE: &str = "/fonts/{fontstack}/{range}";

/// The service: every route, the JSON 404/405 fallbacks and the middleware (request ids, logs,
/// CORS, gzip, timeout; see [`middleware`]), behind the fast lane that answers cached tiles and
/// point lookups ([`lane`]).
pub fn app(state: Arc<AppState>) -> lane::Lane<Router> {
    lane::Lane::new(routes(state.clone()), state)
}

/// The router of [`app`] without the fast lane in front.
pub(crate) fn routes(state: Arc<AppState>) -> Router {
    let [
        map,
        embed,
        about,
        assets,
        _glyphs,
        health,
        ready,
        metrics,
        layers,
        layer,
        features,
        feature,
        layer_indicators,
        area,
        indicators,
        compare,
        _image,
        lookup,
        batch,
        search,
        reverse,
        openapi,
        _tilejson,
        _tile,
        _compare_tilejson,
        _compare_tile,
        .., // the OGC API's: ogc::routes
    ] = ROUTES;
    let routes = Router::new()
        .route(map, get(web::map))
        .route(embed, get(web::embed))
        .route(about, get(about::page))
        .route(assets, get(web::asset))
        .route(GLYPHS_ROUTE, get(web::glyphs))
        .route(health, get(health::health))
        .route(layers, get(layers::list))
        .route(layer, get(layers::one))
        .route(features, get(features::collection))
        .route(feature, get(features::single))
        .route(layer_indicators, get(indicators::table))
        .route(area, get(areas::area))
        .route(indicators, get(indicators::catalogue))
        .route(compare, get(compare::compare))
        .route(images::ROUTE, get(images::image))
        .merge(ogc::routes())
        .route(lookup, get(lookup::lookup))
        .route(
            batch,
            post(batch::batch).layer(DefaultBodyLimit::max(state.config.batch_max_bytes)),
        )
        .route(search, get(search::search))
        .route(reverse, get(reverse::reverse))
        .route(openapi, get(openapi::openapi))
        .route(TILEJSON_ROUTE, get(tiles::tilejson))
        .route(TILE_ROUTE, get(tiles::tile))
        .route(COMPARE_TILEJSON_ROUTE, get(compare::tilejson))
        .route(COMPARE_TILE_ROUTE, get(compare::tile))
        .route(ready, get(health::ready))
        .route(metrics, get(metrics::metrics))
        .route(web::ADMIN_ROUTE, get(web::admin))
        .fallback(fallback::no_route)
        .method_not_allowed_fallback(fallback::method_not_allowed);
    // The admin routes take uploads and imports that outlast the API's request timeout: they
    // get their own (admin_timeout_secs) and upload limit (admin_upload_max_bytes).
    let admin = Router::new()
        .route(admin::RELOAD_ROUTE, post(admin::reload))
        .route(admin::STATUS_ROUTE, get(admin::status))
        .route(
            admin::LAYERS_ROUTE,
            post(admin::import_layer)
                .layer(DefaultBodyLimit::max(state.config.admin_upload_max_bytes)),
        )
        .route(
            admin::LAYER_ROUTE,
            axum::routing::delete(admin::remove_layer),
        )
        .route(admin::HISTORY_ROUTE, get(admin::history))
        .method_not_allowed_fallback(fallback::method_not_allowed);
    middleware::around(routes, &state)
        .merge(middleware::around_admin(admin, &state))
        .with_state(state)
}

/// What [`run_with`] does besides serving.
#[derive(Debug, Clone, Default)]
pub struct Startup {
    /// Reload when this file (the data folder's manifest) changes (`serve --watch`).
    pub watch: Option<std::path::PathBuf>,
    /// Render these zoom levels of every layer into the tile cache after the first load, before
    /// the server reports ready (`serve --warm`).
    pub warm: Option<kvarter_tiles::ZoomRange>,
}

/// Runs the service on `bind` until Ctrl-C or SIGTERM: starts the async runtime, binds the
/// address and calls [`serve`]. This is what `kvarter serve` calls, so the binary needs no
/// runtime of its own.
pub fn run(bind: std::net::SocketAddr, state: Arc<AppState>) -> std::io::Result<()> {
    run_with(bind, state, Startup::default())
}

/// [`run`], and, when the state has a reloader:
///
/// * when the data is not loaded yet ([`AppState::loading`]), loads it once the server listens
///   (then warms the tile cache as `startup.warm` says); until then `/ready` and the public
///   routes answer 503 ([`health`]), and a first load that fails is retried by the next reload;
/// * reads the data again and swaps it in on SIGHUP (Unix), with `startup.watch` (the data
///   folder's manifest) when that file changes, and with [`AppState::changes`] (a store) on
///   each change it announces; a reload that fails keeps the old data serving.
pub fn run_with(
    bind: std::net::SocketAddr,
    state: Arc<AppState>,
    startup: Startup,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(blocking_threads())
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind).await.map_err(|error| {
            std::io::Error::new(error.kind(), format!("cannot listen on {bind}: {error}"))
        })?;
        if state.reloader.is_some() {
            if !state.is_ready() {
                tokio::spawn(first_load(state.clone(), startup.warm));
            }
            tokio::spawn(reload_on_hangup(state.clone()));
            if let Some(manifest) = startup.watch {
                tokio::spawn(reload_on_change(state.clone(), manifest));
            }
            if let Some(changes) = state.changes.clone() {
                follow(state.clone(), changes)?;
            }
        }
        serve(listener, state).await
    })
}

/// The most threads the runtime's blocking pool may hold: four per core, at least eight.
///
/// Its work — rendering tiles and images, compressing, comparisons, batch lookups, imports — is
/// CPU-bound, so more threads than that add no throughput, only memory: each thread keeps its
/// own allocator heap. With tokio's default of 512, the ten-minute soak ran 84 threads and the
/// server's resident memory rose all along (420 MiB and climbing); with this limit, 11 threads
/// and 225 MiB, flat, at the same rate (BENCHMARKS.md, "The HTTP fast path", the soak).
fn blocking_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    (4 * cores).max(8)
}

/// Loads the data of a server that listens before its data is read, then warms the tile cache.
/// With `zooms`, the server is not ready until the warming is done; a first load that fails
/// skips it (a later reload makes the server ready without warming).
async fn first_load(state: Arc<AppState>, zooms: Option<kvarter_tiles::ZoomRange>) {
    state.set_warming(zooms.is_some());
    let loaded = reload(&state, kvarter_service::reload::Trigger::Start).await;
    let Some(zooms) = zooms else {
        return;
    };
    if loaded {
        let service = state.service();
        match tokio::task::spawn_blocking(move || warm(&service, zooms)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "cannot warm the tile cache"),
            Err(error) => tracing::error!(%error, "the warming task failed"),
        }
    }
    state.set_warming(false);
}

/// Warms `service` for its first requests ([`kvarter_service::Service::warm`]: indicator joins,
/// then the tiles of `zooms`) and logs what it did. Blocking, on all cores.
pub fn warm(
    service: &kvarter_service::Service,
    zooms: kvarter_tiles::ZoomRange,
) -> Result<(), kvarter_service::ServiceError> {
    let started = std::time::Instant::now();
    let summary = service.warm(zooms)?;
    tracing::info!(
        zooms = %zooms,
        tiles = summary.tiles,
        non_empty = summary.non_empty,
        seconds = started.elapsed().as_secs_f64(),
        "tile cache warmed"
    );
    Ok(())
}

/// Runs one reload off the async workers and logs it.
/// Whether it swapped data in.
async fn reload(state: &Arc<AppState>, trigger: kvarter_service::reload::Trigger) -> bool {
    let Some(reloader) = state.reloader.clone() else {
        return false;
    };
    let worker = state.clone();
    match tokio::task::spawn_blocking(move || reloader.reload(&worker.live, trigger)).await {
        Ok(attempt) => {
            admin::log_attempt(&attempt);
            !matches!(
                attempt.outcome,
                kvarter_service::reload::Outcome::Failed { .. }
            )
        }
        Err(error) => {
            tracing::error!(%error, "the reload task failed; the old data keeps serving");
            false
        }
    }
}

/// Waits for SIGHUP, forever: each one reloads the data (see [`kvarter_service::reload`]).
async fn reload_on_hangup(state: Arc<AppState>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGHUP; the data will not be reloaded on it");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            reload(&state, kvarter_service::reload::Trigger::Signal).await;
        }
    }
    #[cfg(not(unix))]
    {
        let _ = state;
    }
}

/// `serve --watch`: looks at the manifest once a second and reloads when its size or
/// modification time changed. Polling rather than inotify: an import renames a new manifest
/// over the old one, which file watchers report differently per platform and per editor, while
/// one `stat` a second is cheap and sees every rename.
async fn reload_on_change(state: Arc<AppState>, manifest: std::path::PathBuf) {
    let seen = |path: &std::path::Path| {
        std::fs::metadata(path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()))
    };
    let mut last = seen(&manifest);
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        ticks.tick().await;
        let now = seen(&manifest);
        if now != last {
            last = now;
            reload(&state, kvarter_service::reload::Trigger::Watch).await;
        }
    }
}

/// Follows the source's announcements of changes on a thread of its own (the store's client
/// blocks), reloading on each; the reload itself runs as the others do.
fn follow(
    state: Arc<AppState>,
    changes: Arc<dyn kvarter_data::store::Changes>,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name("kvarter-follow".into())
        .spawn(move || {
            changes.follow(&|| {
                let state = state.clone();
                runtime.spawn(async move {
                    reload(&state, kvarter_service::reload::Trigger::Notify).await;
                });
            });
        })
        .map(|_| ())
}

/// Serves [`app`] on `listener` until Ctrl-C or SIGTERM, then finishes the requests in flight.
/// Handlers see the client's address ([`axum::extract::ConnectInfo`]; the admin routes slow down
/// wrong tokens by it).
///
/// Each connection is served by hyper's HTTP/1 directly, with hyper-util's graceful shutdown,
/// rather than by `axum::serve`: for every request that wraps the connection in HTTP/2
/// detection, clones the whole service, boxes the body and selects on a shutdown signal — about
/// 1,000 of a `304`'s 19,600 instructions (BENCHMARKS.md, "The HTTP fast path"). Kvarter speaks
/// HTTP/1.1 (browsers use HTTP/2 only over TLS, which a proxy in front terminates).
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    serve_until(listener, state, shutdown_signal()).await
}

/// [`serve`], until `shutdown` resolves rather than a signal arrives: then it stops accepting,
/// lets each open connection finish the request it is in (an idle keep-alive connection is
/// closed at once) and returns when all are closed.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    if let Ok(address) = listener.local_addr() {
        let service = state.service();
        let data_version = if state.is_ready() {
            service.data_version()
        } else {
            "(loading)"
        };
        tracing::info!(
            %address,
            data_version,
            layers = service.layers().len(),
            "kvarter listening on http://{address}"
        );
    }
    let app = app(state);
    let connections = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The connection's router knows the peer's address, as
        // `Router::into_make_service_with_connect_info` does it; the lane's answers need none.
        let lane = app.clone().map_inner(|router| {
            tower::Layer::layer(&axum::Extension(axum::extract::ConnectInfo(peer)), router)
        });
        let connection = hyper::server::conn::http1::Builder::new().serve_connection(
            hyper_util::rt::TokioIo::new(stream),
            hyper::service::service_fn(move |request| lane.serve(request)),
        );
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::trace!(%error, "connection ended with an error");
            }
        });
    }
    // Open connections finish the request they are in, then close.
    drop(listener);
    connections.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// After a failed `accept`: a connection reset before it was accepted is the client's business;
/// anything else (out of file descriptors) is logged and waited out for a second, as hyper and
/// axum do, rather than spinning.
async fn accept_failed(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        error.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        tracing::error!(%error, "cannot accept a connection");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM. A signal that cannot be listened for is logged and
/// never fires, so the other one still works.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

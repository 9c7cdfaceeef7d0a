//! The fast lane: the two answers a map and a planner's tools ask for most — a tile already in
//! the cache, and a lookup at a point — are answered here, in front of the router, with exactly
//! the answer the router would give (status, body and every header), and everything else goes
//! on to the router unchanged.
//!
//! * A cached tile asked for by its plain address: `GET /tiles/{layers}/{z}/{x}/{y}.mvt`, no
//!   query, the tile in the cache in the coding the client is answered in.
//! * A point lookup: `GET /api/lookup?lon=…&lat=…` (or `x`, `y`, `srid`; with `at` and `layers`)
//!   whose query is valid, answered by the handler's own function ([`crate::lookup::at_point`],
//!   the answer cache's JSON text); not `address=`, whose answer the stack gzips.
//!
//! Why a lane: each request passed through the whole stack — routing (four percent-decoded path
//! parameters for a tile), the request id, trace and propagation layers, CORS, two compression
//! layers, the timeout, the readiness gate, the label lookup of the request metrics. For an
//! answer that is a cache lookup, or a lookup in the R-tree, that stack was between a third and
//! two thirds of the work: Kvarter served its own cached tiles at under half nginx's rate on the
//! same files (BENCHMARKS.md, "The HTTP fast path"). The lane does only what such an answer
//! needs, with the same pieces the stack uses:
//!
//! * the request id: the client's `x-request-id`, or a new one ([`crate::middleware`]'s), echoed;
//! * the log line, in the same span ([`crate::middleware`]'s);
//! * CORS as the stack gives it when any origin is allowed (the default; with a list of origins
//!   the lane is off and the stack decides);
//! * the answer itself by the route's own builder: for a tile [`Cached::answer_now`] — `ETag`,
//!   `304`, content negotiation, `204` for an empty tile — with [`crate::tiles::how`]; for a
//!   lookup [`crate::lookup::at_point`];
//! * the request metrics, in the series the stack counts the route in, with their handles
//!   looked up once ([`crate::metrics::Recorder`]); the tile cache's hit counter.
//!
//! It steps aside — the router answers — for anything else: another method (`HEAD`, `OPTIONS`),
//! a tile's address with a query string or percent-escapes, a path that is neither, a layer list
//! not written as the cache names it (another order, an unknown id), a tile not in the cache or
//! not yet in the coding the client asks for, a lookup by address or with a query the handler
//! refuses (the router's answer names the problem), and while the data is not loaded. A timeout
//! cannot apply: the lane never waits. The tests below send every kind of tile and lookup
//! request to the lane and to the router alone and compare the answers.
//!
//! [`Cached::answer_now`]: crate::respond::Cached::answer_now

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use kvarter_service::Service as Core;
use kvarter_tiles::TileCoord;
use tower::Service;

use crate::metrics::Recorder;
use crate::middleware::{
    REQUEST_ID, any_origin_headers, log_answer, next_request_id, request_span,
};
use crate::state::AppState;

const TILES: &str = "/tiles/";

/// The router (`S`) behind the fast lane: see the module docs.
#[derive(Clone)]
pub struct Lane<S> {
    inner: S,
    state: Arc<AppState>,
    /// Off when CORS is restricted to a list of origins (then the stack decides).
    on: bool,
    /// The headers of every tile answer besides its `ETag`: the state's
    /// ([`AppState::tile_headers`]) and CORS.
    tile_headers: Arc<HeaderMap>,
    recorders: Arc<Recorders>,
}

impl<S> std::fmt::Debug for Lane<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lane")
            .field("on", &self.on)
            .finish_non_exhaustive()
    }
}

/// The request metrics' handles of each answer the lane gives, looked up on first use.
#[derive(Debug, Default)]
struct Recorders {
    tile_ok: OnceLock<Recorder>,
    tile_no_content: OnceLock<Recorder>,
    tile_not_modified: OnceLock<Recorder>,
    lookup_ok: OnceLock<Recorder>,
}

/// The route an answer of the lane is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Tile,
    Lookup,
}

/// What a request the lane answers asks for.
enum Asked<'a> {
    /// A tile of the tileset named so (the layer ids, comma-separated).
    Tile(&'a str, TileCoord),
    /// A point lookup.
    Lookup,
}

impl<S> Lane<S> {
    /// The lane in front of `inner` (the router of [`crate::routes`]).
    pub fn new(inner: S, state: Arc<AppState>) -> Self {
        let mut tile_headers = state.tile_headers().clone();
        tile_headers.extend(any_origin_headers());
        Self {
            inner,
            on: state.config.allows_any_origin(),
            state,
            tile_headers: Arc::new(tile_headers),
            recorders: Arc::default(),
        }
    }

    /// The same lane (sharing its metrics handles) in front of `wrap(inner)`: how [`crate::serve`]
    /// gives the router, and only the router, each connection's peer address.
    pub fn map_inner<T>(self, wrap: impl FnOnce(S) -> T) -> Lane<T> {
        Lane {
            inner: wrap(self.inner),
            state: self.state,
            on: self.on,
            tile_headers: self.tile_headers,
            recorders: self.recorders,
        }
    }

    /// Answers `request` — here, or by a clone of the router — without cloning the lane: how
    /// [`crate::serve`] calls it for each request of a connection. A request the lane answers
    /// is not even given axum's body type.
    pub fn serve<B>(&self, request: Request<B>) -> Answer<S::Future>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        match self.answer(&request) {
            Some(response) => Answer::Lane {
                response: Some(response),
            },
            // axum's router is always ready: its `poll_ready` answers at once.
            None => Answer::Router {
                inner: self.inner.clone().call(request.map(Body::new)),
            },
        }
    }

    /// The answer, when the lane gives it; `None` leaves the request to the router.
    fn answer<B>(&self, request: &Request<B>) -> Option<Response<Body>> {
        if !self.on || request.method() != Method::GET {
            return None;
        }
        let path = request.uri().path();
        let asked = if path == crate::lookup::ROUTE {
            Asked::Lookup
        } else if request.uri().query().is_none() {
            let (layers, tile) = tile_address(path)?;
            Asked::Tile(layers, tile)
        } else {
            return None;
        };
        if !self.state.is_ready() {
            return None;
        }
        let started = Instant::now();
        let (mut response, route) = match asked {
            Asked::Tile(layers, tile) => (self.tile(request, layers, tile)?, Route::Tile),
            Asked::Lookup => {
                let mut response = self.lookup(request)?;
                response.headers_mut().extend(any_origin_headers());
                (response, Route::Lookup)
            }
        };
        let id = match request.headers().get(&REQUEST_ID) {
            Some(id) => id.clone(),
            None => next_request_id()?,
        };
        // As axum's routes set it for a body of known length.
        let length = match http_body::Body::size_hint(response.body()).exact() {
            // A 304's or a 204's, made without formatting a number.
            Some(0) => Some(HeaderValue::from_static("0")),
            length => length.map(HeaderValue::from),
        };
        let headers = response.headers_mut();
        if let Some(length) = length {
            headers.insert(header::CONTENT_LENGTH, length);
        }

        let status = response.status();
        let (recorder, pattern) = match (route, status) {
            (Route::Tile, StatusCode::OK) => (&self.recorders.tile_ok, crate::TILE_ROUTE),
            (Route::Tile, StatusCode::NO_CONTENT) => {
                (&self.recorders.tile_no_content, crate::TILE_ROUTE)
            }
            (Route::Tile, _) => (&self.recorders.tile_not_modified, crate::TILE_ROUTE),
            (Route::Lookup, _) => (&self.recorders.lookup_ok, crate::lookup::ROUTE),
        };
        let latency = started.elapsed();
        recorder
            .get_or_init(|| {
                self.state
                    .metrics
                    .recorder(pattern, &Method::GET, status.as_u16())
            })
            .record(latency.as_secs_f64());
        request_span(request.method(), request.uri().path(), Some(&id))
            .in_scope(|| log_answer(status, latency));
        response.headers_mut().insert(REQUEST_ID, id);
        Some(response)
    }

    /// A cached tile's answer (`200` or `204`), or a `304`; `None` when the tile is not in the
    /// cache in the coding the client is answered in.
    ///
    /// A `304` is given, as the router gives it, without looking in the cache — the `ETag` is
    /// made of the data version, the tileset's name and the tile, not of the bytes — when the
    /// tileset's name is known to be one the router answers for: the one this thread last found
    /// in the cache with the same data ([`KNOWN_TILESET`]). A map asks for all its tiles by one
    /// tileset name.
    fn tile<B>(
        &self,
        request: &Request<B>,
        layers: &str,
        tile: TileCoord,
    ) -> Option<Response<Body>> {
        let service = self.state.service();
        let how = crate::tiles::how_with(&self.tile_headers, service.data_version(), layers, tile);
        let conditional = how.conditional(request.headers());
        if conditional.not_modified && is_known_tileset(&service, layers) {
            return how.answer_conditional(conditional, None).ok();
        }
        let rendered = service.cached_tile_named(layers, tile)?;
        remember_tileset(&service, layers);
        let not_modified = conditional.not_modified;
        let response = how.answer_conditional(conditional, Some(&rendered)).ok()?;
        // As the router counts: a tile sent from the cache, not a 304.
        if !not_modified {
            service.counters().tile_hit();
        }
        Some(response)
    }

    /// A point lookup's answer (always a `200`), or `None` for a lookup by address or a query
    /// the handler refuses.
    fn lookup<B>(&self, request: &Request<B>) -> Option<Response<Body>> {
        let params = crate::lookup::read(Query::try_from_uri(request.uri())).ok()?;
        if params.get("address").is_some() {
            return None;
        }
        crate::lookup::at_point(&self.state, &params, request.headers()).ok()
    }
}

thread_local! {
    /// The tileset name this thread last found in the tile cache — so a name the router
    /// answers for, written as the cache names it — and the service (the data) it was found in.
    /// The `Weak` keeps the service's allocation, so no later service can have its address.
    static KNOWN_TILESET: RefCell<Option<(Weak<Core>, Box<str>)>> = const { RefCell::new(None) };
}

/// Whether `layers` is the tileset name this thread last found in `service`'s tile cache.
fn is_known_tileset(service: &Arc<Core>, layers: &str) -> bool {
    KNOWN_TILESET.with_borrow(|known| {
        known.as_ref().is_some_and(|(of, name)| {
            std::ptr::eq(of.as_ptr(), Arc::as_ptr(service)) && **name == *layers
        })
    })
}

/// Notes that `layers` was found in `service`'s tile cache (see [`KNOWN_TILESET`]).
fn remember_tileset(service: &Arc<Core>, layers: &str) {
    if !is_known_tileset(service, layers) {
        KNOWN_TILESET.set(Some((Arc::downgrade(service), layers.into())));
    }
}

/// The layer list and tile of a tile's plain address, `/tiles/{layers}/{z}/{x}/{y}.mvt`; `None`
/// for anything else, and for a path with percent-escapes (the router decodes them).
fn tile_address(path: &str) -> Option<(&str, TileCoord)> {
    let rest = path.strip_prefix(TILES)?.strip_suffix(".mvt")?;
    // From the end, byte by byte: the three numbers are a few digits, and three searches for
    // a slash (`rsplit_once`) cost more than this whole scan.
    let mut slashes = [0_usize; 3];
    let mut found = 0;
    for (at, byte) in rest.bytes().enumerate().rev() {
        match byte {
            b'/' => {
                slashes[found] = at;
                found += 1;
                if found == slashes.len() {
                    break;
                }
            }
            b'0'..=b'9' => {}
            _ => return None,
        }
    }
    let [y_at, x_at, z_at] = slashes;
    if found < slashes.len() {
        return None;
    }
    let layers = &rest[..z_at];
    if layers.is_empty() || memchr::memchr2(b'/', b'%', layers.as_bytes()).is_some() {
        return None;
    }
    let (z, x, y) = (
        &rest[z_at + 1..x_at],
        &rest[x_at + 1..y_at],
        &rest[y_at + 1..],
    );
    TileCoord::parse(z, x, y).ok().map(|tile| (layers, tile))
}

impl<S> Service<Request<Body>> for Lane<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Answer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        self.serve(request)
    }
}

pin_project_lite::pin_project! {
    /// The answer: the lane's, there at once, or the router's on its way.
    #[project = AnswerProjection]
    #[allow(missing_docs, reason = "pin-project-lite takes no attributes on the fields")]
    pub enum Answer<F> {
        /// The lane's (taken when polled).
        Lane { response: Option<Response<Body>> },
        /// The router's.
        Router { #[pin] inner: F },
    }
}

impl<F> Future for Answer<F>
where
    F: Future<Output = Result<Response<Body>, Infallible>>,
{
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AnswerProjection::Lane { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => Poll::Pending,
            },
            AnswerProjection::Router { inner } => inner.poll(cx),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;
    use crate::ServerConfig;
    use crate::lookup::ROUTE as LOOKUP;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn state(config: ServerConfig) -> Arc<AppState> {
        Arc::new(AppState::new(
            Core::new(kvarter_testkit::husum::dataset(), config.service()),
            config,
        ))
    }

    /// Status, headers (sorted; the request id's value left out: each answer has its own) and
    /// body.
    type Seen = (StatusCode, Vec<(String, String)>, Vec<u8>);

    /// What `response` is, as [`Seen`].
    async fn seen(response: Response<Body>) -> Seen {
        let status = response.status();
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = if *name == REQUEST_ID {
                    "(id)".to_owned()
                } else {
                    value.to_str().unwrap().to_owned()
                };
                (name.to_string(), value)
            })
            .collect();
        headers.sort();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body.to_vec())
    }

    fn request(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
        let mut request = Request::get(path).body(Body::empty()).unwrap();
        for (name, value) in headers {
            request.headers_mut().append(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        request
    }

    /// The answers of `router` alone and of `lane` (in front of it) to the same request.
    async fn both(
        router: &axum::Router,
        lane: &Lane<axum::Router>,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (Seen, Seen) {
        let expected = seen(
            router
                .clone()
                .oneshot(request(path, headers))
                .await
                .unwrap(),
        )
        .await;
        let got = seen(lane.clone().oneshot(request(path, headers)).await.unwrap()).await;
        (expected, got)
    }

    #[tokio::test]
    async fn a_cached_tile_is_answered_by_the_lane_exactly_as_by_the_router() {
        let state = state(ServerConfig::default());
        let router = crate::routes(state.clone());
        let lane = Lane::new(router.clone(), state.clone());
        let service = state.service();
        let tag = |path: &str, coding: &str| {
            let (layers, tile) = tile_address(path).unwrap();
            format!(
                "\"{}-{coding}\"",
                crate::tiles::how(&state, service.data_version(), layers, tile).tag
            )
        };
        let layers = kvarter_testkit::husum::dataset()
            .layers
            .iter()
            .map(|layer| layer.meta.id.to_string())
            .collect::<Vec<_>>();
        let mut lane_answers = 0;
        for path in [
            format!("/tiles/{}/14/8759/5125.mvt", layers[0]),
            format!("/tiles/{},{}/14/8759/5125.mvt", layers[1], layers[2]),
            format!("/tiles/{}/3/4/2.mvt", layers[0]),
        ] {
            // The first request renders and caches, through the router.
            let first = router.clone().oneshot(request(&path, &[])).await.unwrap();
            assert!(first.status().is_success(), "{path}: {}", first.status());
            for headers in [
                vec![],
                vec![("accept-encoding", "gzip")],
                vec![("accept-encoding", "br;q=1, gzip;q=0.5")],
                vec![("accept-encoding", "gzip")],
                vec![("origin", "https://kort.example.dk")],
                vec![("x-request-id", "report-7")],
                vec![("if-none-match", tag(&path, "identity").as_str())],
                vec![
                    ("accept-encoding", "gzip"),
                    ("if-none-match", tag(&path, "gzip").as_str()),
                ],
            ] {
                let probe = request(&path, &headers);
                let by_lane = lane.answer(&probe).is_some();
                lane_answers += usize::from(by_lane);
                let (expected, got) = both(&router, &lane, &path, &headers).await;
                assert_eq!(
                    got, expected,
                    "{path} with {headers:?} (by the lane: {by_lane})"
                );
                let echoed = lane
                    .clone()
                    .oneshot(request(&path, &headers))
                    .await
                    .unwrap();
                let id = echoed.headers()[&REQUEST_ID].to_str().unwrap().to_owned();
                if headers.iter().any(|(name, _)| *name == "x-request-id") {
                    assert_eq!(id, "report-7");
                } else {
                    assert!(id.len() > 9, "{id}");
                }
            }
        }
        // Gzip and brotli are made on the first request for them, by the router; every other
        // request above was the lane's.
        assert!(lane_answers >= 3 * 6, "{lane_answers} answers by the lane");
    }

    #[tokio::test]
    async fn a_point_lookup_is_answered_by_the_lane_exactly_as_by_the_router() {
        use kvarter_testkit::husum;
        let state = state(ServerConfig::default());
        let router = crate::routes(state.clone());
        let lane = Lane::new(router.clone(), state.clone());
        let mut queries = Vec::new();
        for (lon, lat) in [
            husum::IN_BOTH_YEARS,
            husum::IN_2011_ONLY,
            husum::ON_SHARED_EDGE,
            husum::IN_THE_LAKE,
            husum::OUTSIDE,
        ] {
            queries.push(format!("lon={lon}&lat={lat}"));
            queries.push(format!("lat={lat}&lon={lon}&at=2012-05-01"));
            queries.push(format!("lon={lon}&lat={lat}&layers={}", husum::Y2017));
        }
        queries.push("x=716000&y=6178000&srid=25832".to_owned());
        queries.push("x=716000&y=6178000&srid=EPSG:25832&layers=".to_owned());
        let mut lane_answers = 0;
        for query in &queries {
            let path = format!("{LOOKUP}?{query}");
            for headers in [
                vec![],
                vec![("accept-encoding", "gzip")],
                vec![("accept-encoding", "gzip;q=0")],
                vec![("accept-encoding", "br")],
                vec![("accept-encoding", "br, gzip;q=0.2, deflate")],
                vec![("origin", "https://kort.example.dk")],
                vec![("x-request-id", "report-7")],
            ] {
                let by_lane = lane.answer(&request(&path, &headers)).is_some();
                lane_answers += usize::from(by_lane);
                let (expected, got) = both(&router, &lane, &path, &headers).await;
                assert_eq!(expected.0, StatusCode::OK, "{path}");
                assert_eq!(
                    got, expected,
                    "{path} with {headers:?} (by the lane: {by_lane})"
                );
            }
        }
        assert_eq!(lane_answers, queries.len() * 7);
    }

    #[tokio::test]
    async fn a_lookup_the_handler_refuses_or_by_address_goes_to_the_router() {
        let state = state(ServerConfig::default());
        let router = crate::routes(state.clone());
        let lane = Lane::new(router.clone(), state.clone());
        for query in [
            "",
            "?lon=12.46",
            "?lon=12.46&lat=55.715&lat=55.7",
            "?lon=12.46&lat=95",
            "?lon=12.46&lat=55.715&zoom=3",
            "?lon=12.46&lat=55.715&layers=no-such-layer",
            "?lon=12.46&lat=55.715&at=yesterday",
            "?lon=12.46&lat=55.715&srid=25832",
            "?lon=%ZZ&lat=55.715",
            "?address=Husumvej%201",
        ] {
            let path = format!("{LOOKUP}{query}");
            assert!(lane.answer(&request(&path, &[])).is_none(), "{path}");
            let (expected, got) = both(&router, &lane, &path, &[]).await;
            assert_eq!(got, expected, "{path}");
        }
    }

    #[test]
    fn a_tile_address_is_a_plain_layer_list_and_three_numbers() {
        let tile = |z, x, y| TileCoord::new(z, x, y).unwrap();
        let address = |path| tile_address(path).map(|(layers, tile)| (layers.to_owned(), tile));
        assert_eq!(
            address("/tiles/a,b/14/8759/5125.mvt"),
            Some(("a,b".to_owned(), tile(14, 8759, 5125)))
        );
        assert_eq!(
            address("/tiles/a/0/0/0.mvt"),
            Some(("a".to_owned(), tile(0, 0, 0)))
        );
        for other in [
            "/tiles/14/8759/5125.mvt",
            "/tiles//14/8759/5125.mvt",
            "/tiles/compare/a/b/14/8759/5125.mvt",
            "/tiles/a%2Cb/14/8759/5125.mvt",
            "/tiles/a/14//5125.mvt",
            "/tiles/a/14/8759/51x25.mvt",
            "/tiles/a/14/8759/-5.mvt",
            "/tiles/a/14/8759/5125.pbf",
            "/tiles/a/14/16384/0.mvt",
            "/tiles/a/99999999999999999999999/0/0.mvt",
            "/tile/a/14/8759/5125.mvt",
        ] {
            assert_eq!(address(other), None, "{other}");
        }
    }

    #[tokio::test]
    async fn a_304_skips_the_cache_only_for_the_tileset_last_found_there_in_the_same_data() {
        let state = state(ServerConfig::default());
        let router = crate::routes(state.clone());
        let lane = Lane::new(router.clone(), state.clone());
        let layers = kvarter_testkit::husum::dataset()
            .layers
            .iter()
            .map(|layer| layer.meta.id.to_string())
            .collect::<Vec<_>>();
        let conditional = |path: &str| {
            let (layers, tile) = tile_address(path).unwrap();
            let service = state.service();
            let how = crate::tiles::how(&state, service.data_version(), layers, tile);
            let etag = format!("\"{}-identity\"", how.tag);
            request(path, &[("if-none-match", etag.as_str())])
        };
        let rendered = || state.service().counters().now().tiles_rendered;

        let cached = format!("/tiles/{}/14/8759/5125.mvt", layers[0]);
        router.clone().oneshot(request(&cached, &[])).await.unwrap();
        assert!(lane.answer(&request(&cached, &[])).is_some());
        let before = rendered();
        // Not in the cache, of the tileset just found there: a 304 from the lane, as the router
        // gives it, and nothing rendered.
        let uncached = format!("/tiles/{}/14/8759/5126.mvt", layers[0]);
        let answer = lane.answer(&conditional(&uncached)).unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_MODIFIED);
        let expected = router
            .clone()
            .oneshot(conditional(&uncached))
            .await
            .unwrap();
        assert_eq!(seen(answer).await, seen(expected).await);
        assert_eq!(rendered(), before);
        // Another tileset, never found in the cache: the router's, which knows the layers.
        let other = format!("/tiles/{}/14/8759/5126.mvt", layers[1]);
        assert!(lane.answer(&conditional(&other)).is_none());
        // A tileset the router does not know: its 404, not a 304.
        let unknown = "/tiles/no-such-layer/14/8759/5126.mvt";
        assert!(lane.answer(&conditional(unknown)).is_none());
        let answer = lane.clone().oneshot(conditional(unknown)).await.unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        // New data (the same dataset, read again): the name is not known in it until found.
        state.live.replace(Core::new(
            kvarter_testkit::husum::dataset(),
            ServerConfig::default().service(),
        ));
        assert!(lane.answer(&conditional(&uncached)).is_none());
    }

    #[tokio::test]
    async fn the_lane_steps_aside_for_what_it_does_not_answer() {
        let state = state(ServerConfig::default());
        let router = crate::routes(state.clone());
        let lane = Lane::new(router.clone(), state.clone());
        let layer = kvarter_testkit::husum::dataset().layers[0]
            .meta
            .id
            .to_string();
        let path = format!("/tiles/{layer}/14/8759/5125.mvt");
        router.clone().oneshot(request(&path, &[])).await.unwrap();
        assert!(lane.answer(&request(&path, &[])).is_some());
        for other in [
            format!("/tiles/{layer}/14/8759/5126.mvt"),
            format!("{path}?indicators=x"),
            format!("/tiles/{layer}/14/8759/5125.pbf"),
            format!("/tiles/{layer}/14/8759/5125"),
            format!("/tiles/{layer}/99/8759/5125.mvt"),
            format!("/tiles/{}/14/8759/5125.mvt", layer.replace('-', "%2D")),
            format!("/tiles/{layer},{layer}/14/8759/5125.mvt"),
            format!("/tiles/compare/{layer}/{layer}/14/8759/5125.mvt"),
            format!("/tiles/{layer}.json"),
            "/tiles/".to_owned(),
            "/api/lookup/batch".to_owned(),
            "/api/lookup/".to_owned(),
        ] {
            assert!(lane.answer(&request(&other, &[])).is_none(), "{other}");
        }
        let head = Request::head(&path).body(Body::empty()).unwrap();
        assert!(lane.answer(&head).is_none());

        let only_some = state_with_origins();
        let router = crate::routes(only_some.clone());
        router.clone().oneshot(request(&path, &[])).await.unwrap();
        let lane = Lane::new(router, only_some);
        assert!(lane.answer(&request(&path, &[])).is_none());
    }

    fn state_with_origins() -> Arc<AppState> {
        state(ServerConfig {
            cors_allowed_origins: vec!["https://kort.kk.dk".to_owned()],
            ..ServerConfig::default()
        })
    }

    #[tokio::test]
    async fn the_lane_counts_its_answers_where_the_router_counts_them() {
        let state = state(ServerConfig::default());
        let app = crate::app(state.clone());
        let layer = kvarter_testkit::husum::dataset().layers[0]
            .meta
            .id
            .to_string();
        let path = format!("/tiles/{layer}/14/8759/5125.mvt");
        for _ in 0..3 {
            let response = app.clone().oneshot(request(&path, &[])).await.unwrap();
            assert!(response.status().is_success());
        }
        for _ in 0..2 {
            let lookup = format!("{LOOKUP}?lon=12.46&lat=55.715");
            let response = app.clone().oneshot(request(&lookup, &[])).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        let metrics = app.oneshot(request("/metrics", &[])).await.unwrap();
        let (_, _, body) = seen(metrics).await;
        let text = String::from_utf8(body).unwrap();
        let line = text
            .lines()
            .find(|line| {
                line.starts_with("kvarter_http_requests_total{")
                    && line.contains("route=\"/tiles/{layers}/{z}/{x}/{y}\"")
            })
            .unwrap();
        assert!(line.ends_with(" 3"), "{line}");
        let lookups = text
            .lines()
            .find(|line| {
                line.starts_with("kvarter_http_requests_total{")
                    && line.contains("route=\"/api/lookup\"")
            })
            .unwrap();
        assert!(lookups.ends_with(" 2"), "{lookups}");
        let hits = text
            .lines()
            .find(|line| line.starts_with("kvarter_tile_cache_hits_total"))
            .unwrap();
        assert!(hits.ends_with(" 2"), "{hits}");
    }
}

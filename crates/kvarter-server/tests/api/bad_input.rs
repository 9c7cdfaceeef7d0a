//! The bad-input matrix: malformed paths and values, encodings, repeated and unknown parameters,
//! wrong methods, and bodies that are binary, empty, cut short or too big, sent to every route
//! family — each must be a 4xx with the service's JSON error (`{"error", "detail"}`, or
//! `{"code", "description"}` under `/ogc`), never a 5xx, and the server must answer exactly as
//! before once the whole matrix has run (its data version, `/api/layers`, a lookup, a feature, a
//! tile's `ETag`; for a data folder also the manifest's bytes).
//!
//! What only a real HTTP connection can send (huge headers, a 100 kB URL, bytes that are not
//! UTF-8 in the request line, a body shorter than its `Content-Length`) is in the end-to-end
//! test `tests/tests/bad_input.rs`.
//!
//! Also: what the `OpenAPI` document requires (a search's `q`, a comparison's layers, a batch's
//! body) the routes refuse without, so schemathesis's reading of the document is the truth.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use kvarter_server::{AppState, ServerConfig};
use kvarter_service::Service;
use serde_json::{Value, json};

use crate::admin::{TOKEN, folder_of, loading, multipart};
use crate::squares::{D2011, D2017, STREETS, UNITS_A, UNITS_B};
use crate::support::{Answer, dataset, send_to};

/// The answer a case expects.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exactly this status.
    Status(u16),
    /// Some 4xx (where more than one is right, e.g. a path axum may read as another route).
    ClientError,
}

/// One bad request and the answer it must get.
struct Case {
    name: &'static str,
    method: Method,
    uri: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    expect: Expect,
}

impl Case {
    fn new(name: &'static str, method: Method, uri: impl Into<String>, expect: u16) -> Self {
        Self {
            name,
            method,
            uri: uri.into(),
            headers: Vec::new(),
            body: Vec::new(),
            expect: Expect::Status(expect),
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    fn any_4xx(mut self) -> Self {
        self.expect = Expect::ClientError;
        self
    }

    fn request(&self, peer: u8) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.uri.as_str());
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        let mut request = builder.body(Body::from(self.body.clone())).unwrap();
        // The admin routes count wrong tokens per address: every case comes from its own.
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 7, 0, peer], 40_000))));
        request
    }
}

/// `GET uri`, expecting `status`.
fn get(name: &'static str, uri: impl Into<String>, status: u16) -> Case {
    Case::new(name, Method::GET, uri, status)
}

/// `POST` of `body` to the batch route with `content_type`, expecting `status`.
fn batch(name: &'static str, content_type: &str, body: impl Into<Vec<u8>>, status: u16) -> Case {
    Case::new(name, Method::POST, "/api/lookup/batch", status)
        .header("content-type", content_type)
        .body(body)
}

/// A `?lon=…&lat=…` inside the squares.
const POINT: &str = "lon=12.5&lat=55.7";

/// The batch limit of the matrix's server: small, so "too big" stays small too.
const BATCH_MAX_BYTES: usize = 64 * 1024;

fn lookup_cases() -> Vec<Case> {
    vec![
        get("lookup without a point", "/api/lookup", 400),
        get(
            "lookup with a word for lon",
            "/api/lookup?lon=abc&lat=55",
            400,
        ),
        get(
            "lookup with lon twice",
            format!("/api/lookup?{POINT}&lon=12.6"),
            400,
        ),
        get(
            "lookup with an unknown parameter",
            format!("/api/lookup?{POINT}&bogus=1"),
            400,
        ),
        get(
            "lookup with an infinite lon",
            "/api/lookup?lon=1e999&lat=55",
            400,
        ),
        get("lookup with NaN", "/api/lookup?lon=NaN&lat=NaN", 400),
        get(
            "lookup with %FF (not UTF-8) for lon",
            "/api/lookup?lon=%FF&lat=55",
            400,
        ),
        get(
            "lookup with a broken percent escape",
            "/api/lookup?lon=%zz&lat=55",
            400,
        ),
        get("lookup with a NUL address", "/api/lookup?address=%00", 400),
        get(
            "lookup with only commas for layers",
            format!("/api/lookup?{POINT}&layers=,,,"),
            400,
        ),
        get(
            "lookup with an impossible date",
            format!("/api/lookup?{POINT}&at=2025-13-45"),
            400,
        ),
        get(
            "lookup with an unknown layer",
            format!("/api/lookup?{POINT}&layers=nope"),
            400,
        ),
        get(
            "lookup with an unknown srid",
            "/api/lookup?x=1&y=2&srid=3857",
            400,
        ),
        get(
            "lookup with a point and an address",
            format!("/api/lookup?{POINT}&address=Abel"),
            400,
        ),
        get(
            "lookup with a 10 kB value",
            format!("/api/lookup?address={}", "a".repeat(10_000)),
            400,
        ),
    ]
}

fn address_cases() -> Vec<Case> {
    vec![
        get("search without q", "/api/search", 400),
        get("search with only blanks", "/api/search?q=%20%20", 400),
        get("search with %FF", "/api/search?q=%FF", 400),
        get(
            "search with 5000 characters",
            format!("/api/search?q={}", "a".repeat(5000)),
            400,
        ),
        get(
            "search with a negative limit",
            "/api/search?q=x&limit=-1",
            400,
        ),
        get(
            "search with a 20-digit limit",
            "/api/search?q=x&limit=99999999999999999999",
            400,
        ),
        get(
            "search with an unknown type",
            "/api/search?q=x&types=bogus",
            400,
        ),
        get(
            "search with a word for postcode",
            "/api/search?q=x&postcode=abc",
            400,
        ),
        get("search with q twice", "/api/search?q=a&q=b", 400),
        get(
            "reverse with a negative radius",
            "/api/reverse?lon=12&lat=55&radius=-5",
            400,
        ),
        get("reverse with lat 95", "/api/reverse?lon=12&lat=95", 400),
        get(
            "reverse with x and y but no srid",
            "/api/reverse?x=1&y=2",
            400,
        ),
        batch("batch of binary bytes", "text/csv", binary(1024), 422),
        batch("batch of nothing", "text/csv", Vec::new(), 422),
        batch("batch of a header only", "text/csv", "vejnavn,husnr\n", 422),
        batch(
            "batch of ragged rows",
            "text/csv",
            "vejnavn,husnr,postnr\nA,1\n",
            422,
        ),
        batch(
            "batch cut inside a character",
            "text/csv",
            b"address\nK\xC3".to_vec(),
            422,
        ),
        batch(
            "batch too big",
            "text/csv",
            "x\n".repeat(BATCH_MAX_BYTES),
            413,
        ),
        batch(
            "batch announcing more than the limit",
            "text/csv",
            "address\n",
            413,
        )
        .header("content-length", "100000000"),
        batch(
            "batch of UTF-16",
            "text/csv",
            utf16("address\nAbel 1\n"),
            422,
        ),
        get("batch with GET", "/api/lookup/batch", 405),
        Case::new("lookup with POST", Method::POST, "/api/lookup", 405).body("x"),
    ]
}

fn layer_cases() -> Vec<Case> {
    let features = format!("/api/layers/{UNITS_A}/features");
    vec![
        get("layer with an unknown id", "/api/layers/NOPE", 404),
        get("layer id %FF (not UTF-8)", "/api/layers/%FF", 400),
        get(
            "layer with a parameter",
            format!("/api/layers/{UNITS_A}?x=1"),
            400,
        ),
        get("layers with a parameter", "/api/layers?x=1", 400),
        get(
            "features with 3 bbox numbers",
            format!("{features}?bbox=1,2,3"),
            400,
        ),
        get(
            "features with west east of east",
            format!("{features}?bbox=3,3,1,1"),
            400,
        ),
        get(
            "features with an unknown parameter",
            format!("{features}?limit=5"),
            400,
        ),
        get(
            "features with a negative precision",
            format!("{features}?precision=-1"),
            400,
        ),
        get(
            "features with period but no indicators",
            format!("{features}?period=2019"),
            400,
        ),
        get("feature id %FF", format!("{features}/%FF"), 400),
        get(
            "feature that does not exist",
            format!("{features}/99999999999999999999"),
            404,
        ),
        get(
            "indicators of an unknown indicator",
            format!("/api/layers/{UNITS_A}/indicators?indicators=nope"),
            400,
        ),
        get(
            "indicators with an unknown format",
            format!("/api/layers/{UNITS_A}/indicators?format=xml"),
            400,
        ),
        get(
            "indicators of a layer that has none",
            format!("/api/layers/{STREETS}/indicators"),
            404,
        )
        .any_4xx(),
        get(
            "indicator catalogue with a parameter",
            "/api/indicators?x=1",
            400,
        ),
        get("area with id -1", format!("/api/areas/{UNITS_A}/-1"), 404),
        get("area of a NUL layer", "/api/areas/%00/1", 404),
        get("area id %FF", format!("/api/areas/{UNITS_A}/%FF"), 400),
    ]
}

fn compare_and_image_cases() -> Vec<Case> {
    vec![
        get(
            "compare without to",
            format!("/api/compare?from={D2011}"),
            400,
        ),
        get("compare with empty layers", "/api/compare?from=&to=", 400),
        get(
            "compare in xml",
            format!("/api/compare?from={D2011}&to={D2017}&format=xml"),
            400,
        ),
        get(
            "compare of an unknown layer",
            format!("/api/compare?from=nope&to={D2017}"),
            404,
        ),
        get(
            "compare of lines",
            format!("/api/compare?from={STREETS}&to={D2017}"),
            422,
        ),
        get("image as gif", "/api/static/side.gif", 400),
        get("image of an unknown view", "/api/static/nope.svg", 400),
        get("image without a suffix", "/api/static/single", 400).any_4xx(),
        get(
            "image 100000 px wide",
            format!("/api/static/single.png?year={D2017}&width=100000"),
            400,
        ),
        get(
            "image of zero width",
            format!("/api/static/single.png?year={D2017}&width=0"),
            400,
        ),
        get(
            "image with a bbox of words",
            format!("/api/static/single.png?year={D2017}&bbox=a,b,c,d"),
            400,
        ),
        get(
            "image with bbox and center",
            format!(
                "/api/static/single.svg?year={D2017}&bbox=12.4,55.6,12.6,55.8&center=12.5,55.7&zoom=12"
            ),
            400,
        ),
    ]
}

fn tile_cases() -> Vec<Case> {
    let tiles = format!("/tiles/{UNITS_A}");
    vec![
        get("tilejson of an unknown layer", "/tiles/nope.json", 404),
        get("tile at zoom 99", format!("{tiles}/99/1/1.mvt"), 400),
        get("tile with x -1", format!("{tiles}/1/-1/1.mvt"), 400),
        get("tile as png", format!("{tiles}/1/1/1.png"), 400),
        get("tile of words", format!("{tiles}/a/b/c.mvt"), 400),
        get(
            "tile with a 20-digit y",
            format!("{tiles}/1/1/99999999999999999999.mvt"),
            400,
        ),
        get(
            "tile outside its zoom level",
            format!("{tiles}/1/5/5.mvt"),
            400,
        ),
        get(
            "tile with an unknown parameter",
            format!("{tiles}/1/1/1.mvt?x=1"),
            400,
        ),
        get(
            "tilejson of 3001 layers",
            format!("/tiles/{}b.json", "a,".repeat(3000)),
            400,
        ),
        get(
            "tilejson of a layer twice",
            format!("/tiles/{UNITS_A},{UNITS_A}.json"),
            400,
        )
        .any_4xx(),
        get(
            "compare tilejson of unknown layers",
            "/tiles/compare/a/b.json",
            404,
        ),
        get(
            "compare tile outside its zoom level",
            format!("/tiles/compare/{UNITS_A}/{UNITS_B}/1/5/5.mvt"),
            400,
        ),
        get(
            "compare tile without a suffix",
            format!("/tiles/compare/{UNITS_A}/{UNITS_B}/1/1/1"),
            400,
        ),
        get("glyphs of an unknown font", "/fonts/Nope/0-255.pbf", 404),
        get(
            "glyphs of a 20-digit range",
            "/fonts/DejaVu%20Sans/0-99999999999999999999.pbf",
            400,
        ),
        get(
            "glyphs of a word range",
            "/fonts/DejaVu%20Sans/abc.pbf",
            400,
        ),
        get(
            "glyphs of an unaligned range",
            "/fonts/DejaVu%20Sans/1-256.pbf",
            400,
        ),
    ]
}

fn ogc_cases() -> Vec<Case> {
    let items = format!("/ogc/collections/{UNITS_A}/items");
    vec![
        get(
            "ogc collection that does not exist",
            "/ogc/collections/nope",
            404,
        ),
        get(
            "ogc items with a negative limit",
            format!("{items}?limit=-1"),
            400,
        ),
        get("ogc items with a bbox word", format!("{items}?bbox=x"), 400),
        get("ogc items as xml", format!("{items}?f=xml"), 400),
        get(
            "ogc items in an unknown crs",
            format!("{items}?crs=bogus"),
            400,
        ),
        get(
            "ogc items at a garbage datetime",
            format!("{items}?datetime=garbage"),
            400,
        ),
        get(
            "ogc items with a negative offset",
            format!("{items}?offset=-5"),
            400,
        ),
        get(
            "ogc items with limit twice",
            format!("{items}?limit=1&limit=2"),
            400,
        ),
        get("ogc item id %FF", format!("{items}/%FF"), 400),
        get(
            "ogc tile of an unknown matrix set",
            format!("/ogc/collections/{UNITS_A}/tiles/Nope/1/1/1"),
            404,
        ),
        get(
            "ogc tile at matrix 99",
            format!("/ogc/collections/{UNITS_A}/tiles/WebMercatorQuad/99/0/0"),
            400,
        ),
        get(
            "ogc unknown tile matrix set",
            "/ogc/tileMatrixSets/Nope",
            404,
        ),
        get("ogc landing as bogus", "/ogc?f=bogus", 400),
        get(
            "ogc queryables as pdf",
            format!("/ogc/collections/{UNITS_A}/queryables?f=pdf"),
            400,
        ),
        get("ogc unknown route", "/ogc/nope", 404).any_4xx(),
        Case::new(
            "ogc items with POST",
            Method::POST,
            format!("/ogc/collections/{UNITS_A}/items"),
            405,
        ),
    ]
}

fn misc_cases() -> Vec<Case> {
    vec![
        get("asset outside the assets", "/assets/../../etc/passwd", 404),
        get("asset that does not exist", "/assets/nope.js", 404),
        get("health with a parameter", "/health?x=1", 400),
        get("ready with a parameter", "/ready?x=1", 400),
        get("metrics with a parameter", "/metrics?x=1", 400),
        get("no such route", "/nope", 404),
        get("double slash", "//", 404),
        get("api without a route", "/api/", 404),
        get("a 20 kB path", format!("/{}", "a".repeat(20_000)), 404),
        get("a path of NULs and dots", "/%00/%2e%2e/%2F", 404),
        Case::new("delete the layer list", Method::DELETE, "/api/layers", 405),
        Case::new("put a lookup", Method::PUT, "/api/lookup", 405).body(binary(64)),
        Case::new("patch a tilejson", Method::PATCH, "/tiles/x.json", 405),
        Case::new(
            "an invented method",
            Method::from_bytes(b"BREW").unwrap(),
            "/api/lookup",
            405,
        ),
        Case::new("post to the map page", Method::POST, "/", 405),
        Case::new("post to the about page", Method::POST, "/about", 405),
        Case::new("delete the embed page", Method::DELETE, "/embed", 405),
        get("the embed page under a longer path", "/embed/x", 404),
        get("admin without a configured token", "/admin/status", 404),
        Case::new(
            "admin reload without a configured token",
            Method::POST,
            "/admin/reload",
            404,
        ),
    ]
}

/// The admin routes of a server with a data folder and a token: a token missing, wrong or in
/// the wrong place, and bad parameters and removes with the right one.
fn admin_cases() -> Vec<Case> {
    let bearer = format!("Bearer {TOKEN}");
    vec![
        get("admin status without a token", "/admin/status", 401),
        get("admin status with a wrong token", "/admin/status", 401)
            .header("authorization", "Bearer wrong-token-0123456789"),
        get("admin status with a basic login", "/admin/status", 401)
            .header("authorization", "Basic YTpi"),
        get(
            "admin status with the token in the query",
            format!("/admin/status?token={TOKEN}"),
            403,
        ),
        get(
            "admin status with the token in a cookie",
            "/admin/status",
            403,
        )
        .header("cookie", format!("admin_token={TOKEN}")),
        get(
            "admin status with an unknown parameter",
            "/admin/status?x=1",
            400,
        )
        .header("authorization", bearer.clone()),
        get(
            "admin history with an unknown parameter",
            "/admin/layers/history?x=1",
            400,
        )
        .header("authorization", bearer.clone()),
        Case::new(
            "admin reload with an unknown parameter",
            Method::POST,
            "/admin/reload?x=1",
            400,
        )
        .header("authorization", bearer.clone()),
        Case::new(
            "admin remove of %FF",
            Method::DELETE,
            "/admin/layers/%FF",
            400,
        )
        .header("authorization", bearer.clone()),
        Case::new(
            "admin remove of an unknown layer",
            Method::DELETE,
            "/admin/layers/nope",
            404,
        )
        .header("authorization", bearer.clone()),
        Case::new(
            "admin remove of ../layers",
            Method::DELETE,
            "/admin/layers/..%2Flayers",
            404,
        )
        .header("authorization", bearer.clone()),
        Case::new(
            "admin remove without a token",
            Method::DELETE,
            "/admin/layers/nope",
            401,
        ),
    ]
}

/// Bad imports to a server with a data folder, with the right token.
fn admin_import_cases() -> Vec<Case> {
    let bearer = format!("Bearer {TOKEN}");
    let import = |name, content_type: &str, body: Vec<u8>, status| {
        Case::new(name, Method::POST, "/admin/layers", status)
            .header("authorization", bearer.clone())
            .header("content-type", content_type)
            .body(body)
    };
    let (cut_type, cut) = multipart(&json!({"id": "cut"}), "cut.geojson", b"{}");
    let metadata = json!({
        "id": "kaput-2025", "kind": "municipal_designation",
        "authority": "Københavns Kommune", "valid_from": "2025-01-01",
        "title_da": "Kaput", "title_en": "Broken", "source_publisher": "Kvarter's tests",
        "source_url": "https://example.org/test", "vintage": "test", "licence": "CC0-1.0",
        "name_field": "navn", "id_field": "id"
    });
    let (bad_type, bad_file) = multipart(&metadata, "bad.geojson", &binary(512));
    let (empty_type, empty_file) = multipart(&metadata, "empty.fgb", b"");
    let (odd_type, odd_name) = multipart(&json!({"id": "odd"}), "odd.exe", b"MZ");
    vec![
        import(
            "admin import of binary bytes",
            "application/octet-stream",
            binary(2048),
            400,
        ),
        import(
            "admin import of nothing",
            "application/json",
            Vec::new(),
            400,
        ),
        import(
            "admin import of JSON without wfs_url",
            "application/json",
            b"{\"id\":\"x\"}".to_vec(),
            400,
        ),
        import(
            "admin import of a ftp wfs_url",
            "application/json",
            b"{\"wfs_url\":\"ftp://x\"}".to_vec(),
            400,
        ),
        import(
            "admin import of a multipart without boundary",
            "multipart/form-data",
            b"zzz".to_vec(),
            400,
        ),
        import(
            "admin import of a cut multipart",
            &cut_type,
            cut[..cut.len() / 2].to_vec(),
            400,
        ),
        import(
            "admin import of a binary layer file",
            &bad_type,
            bad_file,
            422,
        ),
        import("admin import of an .exe", &odd_type, odd_name, 400),
        import(
            "admin import of an empty FlatGeobuf",
            &empty_type,
            empty_file,
            422,
        ),
        import(
            "admin import announcing 10 GB",
            "application/json",
            b"{}".to_vec(),
            413,
        )
        .header("content-length", "10000000000"),
        Case::new("admin import with GET", Method::GET, "/admin/layers", 405)
            .header("authorization", bearer),
    ]
}

/// `len` bytes running through every byte value, none of them valid UTF-8 from the first 0x80.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| u8::try_from(i % 256).unwrap()).collect()
}

/// `text` in UTF-16LE with a byte-order mark, as some spreadsheet programs save "Unicode text".
fn utf16(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// Sends every case to `state` and checks its answer: the expected 4xx with the error body of
/// its family, never a 5xx. Returns how many cases ran; fails naming every case that failed.
async fn run(state: &Arc<AppState>, cases: &[Case]) -> usize {
    let mut failed = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let peer = u8::try_from(index % 250).unwrap();
        let answer = send_to(state.clone(), case.request(peer)).await;
        if let Err(problem) = std::panic::catch_unwind(|| check(case, &answer)) {
            failed.push(
                problem
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    assert!(
        failed.is_empty(),
        "{} case(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    cases.len()
}

/// Checks one answer: the expected status, never a 5xx, a JSON error of the route's family.
fn check(case: &Case, answer: &Answer) {
    let status = answer.status;
    let what = format!(
        "{} ({} {:.80}): {status} {}",
        case.name,
        case.method,
        case.uri,
        String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)])
    );
    match case.expect {
        Expect::Status(expected) => assert_eq!(status.as_u16(), expected, "{what}"),
        Expect::ClientError => assert!(status.is_client_error(), "{what}"),
    }
    assert!(
        answer.content_type().starts_with("application/json"),
        "{what}: content type {:?}",
        answer.content_type()
    );
    if status == StatusCode::METHOD_NOT_ALLOWED {
        let allow = answer.headers.get(header::ALLOW);
        assert!(
            allow.is_some_and(|allow| !allow.is_empty()),
            "{what}: no Allow"
        );
    }
    let body: Value = serde_json::from_slice(&answer.body)
        .unwrap_or_else(|error| panic!("{what}: not JSON ({error})"));
    let (code, detail) = if case.uri.starts_with("/ogc") {
        ("code", "description")
    } else {
        ("error", "detail")
    };
    assert!(body[code].is_string(), "{what}: no {code:?}");
    assert!(body[detail].is_string(), "{what}: no {detail:?}");
}

/// What the server answers to a few fixed requests: its data version, the layer list, a
/// lookup, a feature and a tile's `ETag`.
async fn fixed_answers(state: &Arc<AppState>) -> Vec<String> {
    let mut answers = Vec::new();
    for uri in [
        "/health".to_owned(),
        "/api/layers".to_owned(),
        format!("/api/lookup?{POINT}"),
        format!("/api/layers/{UNITS_A}/features/vest"),
        format!("/api/compare?from={D2011}&to={D2017}"),
    ] {
        let answer = send_to(state.clone(), get("fixed", uri.as_str(), 200).request(1)).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
        let mut body = answer.json();
        // The tile cache's counters change with every tile asked for; the rest must not.
        body.as_object_mut().map(|o| o.remove("tile_cache"));
        answers.push(format!("{uri}: {body}"));
    }
    let tile = format!("/tiles/{UNITS_A}/0/0/0.mvt");
    let answer = send_to(state.clone(), get("fixed", tile.as_str(), 200).request(1)).await;
    answers.push(format!("{tile}: {:?}", answer.headers.get(header::ETAG)));
    answers
}

#[tokio::test]
async fn every_bad_request_to_a_public_route_is_a_4xx_json_error_and_changes_nothing() {
    let dataset = crate::squares::dataset();
    let joins = crate::squares::joins(&dataset.layers);
    let config = ServerConfig {
        batch_max_bytes: BATCH_MAX_BYTES,
        ..ServerConfig::default()
    };
    let service = Service::build(dataset, Some(joins), None, config.service());
    let state = Arc::new(AppState::new(service, config));
    let before = fixed_answers(&state).await;
    let cases: Vec<Case> = [
        lookup_cases(),
        address_cases(),
        layer_cases(),
        compare_and_image_cases(),
        tile_cases(),
        ogc_cases(),
        misc_cases(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let count = run(&state, &cases).await;
    assert!(count >= 60, "only {count} cases");
    assert_eq!(fixed_answers(&state).await, before);
}

#[tokio::test]
async fn every_bad_request_to_an_admin_route_is_a_4xx_json_error_and_the_folder_is_unchanged() {
    let dir = folder_of(&dataset());
    let config = ServerConfig {
        admin_token: Some(kvarter_server::config::AdminToken::new(TOKEN)),
        ..ServerConfig::default()
    };
    let state = loading(dir.path(), config);
    let reload = Case::new("first load", Method::POST, "/admin/reload", 200)
        .header("authorization", format!("Bearer {TOKEN}"));
    let loaded = send_to(state.clone(), reload.request(1)).await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.text());
    let manifest = std::fs::read(dir.path().join("layers.json")).unwrap();
    let layers = send_to(state.clone(), get("layers", "/api/layers", 200).request(1)).await;
    let cases: Vec<Case> = admin_cases()
        .into_iter()
        .chain(admin_import_cases())
        .collect();
    run(&state, &cases).await;
    assert_eq!(
        std::fs::read(dir.path().join("layers.json")).unwrap(),
        manifest
    );
    // A 405 names the methods the admin route does answer.
    for (method, uri, allowed) in [
        (Method::GET, "/admin/layers", "POST"),
        (Method::PUT, "/admin/layers/x", "DELETE"),
        (Method::POST, "/admin/status", "GET, HEAD"),
        (Method::GET, "/admin/reload", "POST"),
    ] {
        let case =
            Case::new("allow", method, uri, 405).header("authorization", format!("Bearer {TOKEN}"));
        let answer = send_to(state.clone(), case.request(2)).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{uri}");
        assert_eq!(answer.headers[header::ALLOW], allowed, "{uri}");
    }
    let after = send_to(state.clone(), get("layers", "/api/layers", 200).request(1)).await;
    assert_eq!(after.body, layers.body);
}

#[tokio::test]
async fn what_the_openapi_document_requires_the_routes_refuse_without() {
    let state = crate::squares::state();
    let document = send_to(
        state.clone(),
        get("doc", "/api/openapi.json", 200).request(1),
    )
    .await
    .json();
    let paths = &document["paths"];
    let q = crate::support::member(&paths["/api/search"]["get"]["parameters"], "name", "q");
    assert_eq!(q["required"], true);
    assert_eq!(q["schema"]["minLength"], 1);
    for parameter in paths["/api/compare"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "from" || p["name"] == "to")
    {
        assert_eq!(parameter["schema"]["minLength"], 1, "{parameter}");
    }
    let csv = &paths["/api/lookup/batch"]["post"]["requestBody"]["content"]["text/csv"];
    assert_eq!(csv["schema"]["minLength"], 1);
    // Every optional query parameter takes an empty value as absent, and says so.
    let f = crate::support::member(&paths["/ogc"]["get"]["parameters"], "name", "f");
    assert_eq!(f["allowEmptyValue"], true);
    // And the routes: these are refused, and an empty f= is the default format.
    for case in [
        get("q empty", "/api/search?q=", 400),
        get("q blank", "/api/search?q=%20", 400),
        get("from and to empty", "/api/compare?from=&to=", 400),
        batch("an empty batch", "text/csv", Vec::new(), 422),
    ] {
        run(&state, &[case]).await;
    }
    let landing = send_to(state.clone(), get("f empty", "/ogc?f=", 200).request(1)).await;
    assert_eq!(landing.status, StatusCode::OK, "{}", landing.text());
}

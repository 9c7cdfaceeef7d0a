//! The admin routes (`/admin/…`) with and without the token — 404 without a configured one,
//! 401 for a missing or wrong one, 403 for one in the query string or a cookie, 429 after too
//! many wrong ones from one address, 413 for an upload over the limit — and, with the token, on
//! a real data folder: status, reload, import, history, remove. Also `/ready` and the 503 gate
//! while the data loads, and what `/metrics` counts.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use kvarter_core::Dataset;
use kvarter_data::store::DataDir;
use kvarter_server::{AppState, ServerConfig};
use kvarter_service::reload::Reloader;
use serde_json::{Value, json};

use crate::support::{Answer, BASE, IN_2017_ONLY, dataset, send_to, state_with};

pub(crate) const TOKEN: &str = "a-test-admin-token-0123456789";

/// Every admin route, with its method.
const ADMIN: [(Method, &str); 5] = [
    (Method::GET, "/admin/status"),
    (Method::POST, "/admin/reload"),
    (Method::POST, "/admin/layers"),
    (Method::DELETE, "/admin/layers/bydele-test"),
    (Method::GET, "/admin/layers/history"),
];

fn config(token: Option<&str>) -> ServerConfig {
    ServerConfig {
        admin_token: token.map(kvarter_server::config::AdminToken::new),
        ..ServerConfig::default()
    }
}

/// `dataset` written as a data folder, without its base map (of mixed geometries, which a
/// `FlatGeobuf` file cannot hold).
pub(crate) fn folder_of(dataset: &Dataset) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let layers: Vec<(String, kvarter_core::Layer)> = dataset
        .layers
        .iter()
        .filter(|layer| layer.meta.id.as_str() != BASE)
        .map(|layer| (format!("{}.fgb", layer.meta.id), layer.clone()))
        .collect();
    kvarter_data::build::write_data_folder(dir.path(), &layers, &[]).unwrap();
    dir
}

/// A server over the data folder `dir`, not loaded yet (as `kvarter serve --data DIR` starts),
/// with the admin token.
pub(crate) fn loading(dir: &std::path::Path, config: ServerConfig) -> Arc<AppState> {
    let reloader = Reloader::new(Arc::new(DataDir::new(dir)), config.service());
    Arc::new(AppState::loading(config).with_data_dir(dir.to_owned(), reloader))
}

/// A request to `uri` with `method`, from `peer`, with a bearer token if given.
fn admin_request(method: Method, uri: &str, token: Option<&str>, peer: [u8; 4]) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let mut request = builder.body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40_000))));
    request
}

async fn admin(state: &Arc<AppState>, method: Method, uri: &str, token: Option<&str>) -> Answer {
    send_to(
        state.clone(),
        admin_request(method, uri, token, [10, 0, 0, 1]),
    )
    .await
}

#[tokio::test]
async fn without_a_configured_token_every_admin_route_is_404() {
    let state = state_with(config(None));
    for (method, uri) in ADMIN {
        let answer = admin(&state, method.clone(), uri, Some(TOKEN)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert_eq!(answer.json()["error"], "not_found");
    }
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_401_with_www_authenticate_on_every_admin_route() {
    let state = state_with(config(Some(TOKEN)));
    for (method, uri) in ADMIN {
        for token in [None, Some("not-the-admin-token-at-all")] {
            let answer = send_to(
                state.clone(),
                // A fresh address per request, so the wrong tokens are not slowed down here.
                admin_request(
                    method.clone(),
                    uri,
                    token,
                    [10, 1, 0, u8::from(token.is_some())],
                ),
            )
            .await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
            assert_eq!(
                answer.headers[header::WWW_AUTHENTICATE],
                "Bearer realm=\"kvarter-admin\""
            );
            assert_eq!(answer.json()["error"], "unauthorized");
        }
    }
}

#[tokio::test]
async fn a_token_in_the_query_string_or_a_cookie_is_403_even_the_right_one() {
    let state = state_with(config(Some(TOKEN)));
    let in_query = admin(
        &state,
        Method::GET,
        &format!("/admin/status?token={TOKEN}"),
        Some(TOKEN),
    )
    .await;
    assert_eq!(in_query.status, StatusCode::FORBIDDEN);
    assert!(
        in_query.json()["detail"]
            .as_str()
            .unwrap()
            .contains("query string")
    );
    let mut with_cookie = admin_request(Method::GET, "/admin/status", None, [10, 0, 0, 1]);
    with_cookie.headers_mut().insert(
        header::COOKIE,
        format!("admin_token={TOKEN}").parse().unwrap(),
    );
    let answer = send_to(state.clone(), with_cookie).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.json()["detail"].as_str().unwrap().contains("cookie"));
    // Neither answer leaks the token.
    assert!(!in_query.text().contains(TOKEN) && !answer.text().contains(TOKEN));
}

#[tokio::test]
async fn repeated_wrong_tokens_from_one_address_are_slowed_down_and_others_are_not() {
    let state = state_with(config(Some(TOKEN)));
    let guess = |peer| {
        let state = state.clone();
        async move {
            send_to(
                state,
                admin_request(
                    Method::GET,
                    "/admin/status",
                    Some("a-wrong-guess-0123456789"),
                    peer,
                ),
            )
            .await
        }
    };
    for _ in 0..kvarter_server::auth::FREE_FAILURES {
        assert_eq!(guess([10, 2, 0, 1]).await.status, StatusCode::UNAUTHORIZED);
    }
    let slowed = guess([10, 2, 0, 1]).await;
    assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(slowed.json()["error"], "too_many_attempts");
    assert_eq!(slowed.headers[header::RETRY_AFTER], "1");
    // Inside the wait even the right token is not looked at.
    let right = send_to(
        state.clone(),
        admin_request(Method::GET, "/admin/status", Some(TOKEN), [10, 2, 0, 1]),
    )
    .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    assert_eq!(guess([10, 2, 0, 2]).await.status, StatusCode::UNAUTHORIZED);
    // After the wait, the right token gets in (and clears the record).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let right = send_to(
        state.clone(),
        admin_request(Method::GET, "/admin/status", Some(TOKEN), [10, 2, 0, 1]),
    )
    .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.text());
    assert_eq!(guess([10, 2, 0, 1]).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn on_the_embedded_dataset_the_layer_routes_and_reload_are_409_and_status_works() {
    let state = state_with(config(Some(TOKEN)));
    for (method, uri) in [
        (Method::POST, "/admin/reload"),
        (Method::DELETE, "/admin/layers/bydele-test"),
        (Method::GET, "/admin/layers/history"),
    ] {
        let answer = admin(&state, method.clone(), uri, Some(TOKEN)).await;
        assert_eq!(
            answer.status,
            StatusCode::CONFLICT,
            "{method} {uri}: {}",
            answer.text()
        );
    }
    let status = admin(&state, Method::GET, "/admin/status", Some(TOKEN))
        .await
        .json();
    assert_eq!(status["data_version"], "test-1");
    assert_eq!(status["layers"].as_array().unwrap().len(), 4);
    assert!(status["tile_cache"]["capacity_bytes"].is_u64());
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_and_the_folder_is_unchanged() {
    let dir = folder_of(&dataset());
    let config = ServerConfig {
        admin_upload_max_bytes: 1024,
        ..config(Some(TOKEN))
    };
    let state = loading(dir.path(), config);
    let before = std::fs::read(dir.path().join("layers.json")).unwrap();
    let big = "x".repeat(4096);
    let (content_type, body) = multipart(&json!({"id": "too-big"}), "big.geojson", big.as_bytes());
    let mut request = admin_request(Method::POST, "/admin/layers", Some(TOKEN), [10, 0, 0, 1]);
    *request.body_mut() = Body::from(body);
    request
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
    let answer = send_to(state.clone(), request).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text()
    );
    assert_eq!(answer.json()["error"], "body_too_large");
    assert_eq!(
        std::fs::read(dir.path().join("layers.json")).unwrap(),
        before
    );
}

/// A `multipart/form-data` body with `metadata` and a `file` named `name`.
pub(crate) fn multipart(metadata: &Value, name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "kvarter-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{metadata}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A square of about 1 km around `IN_2017_ONLY`, as a `GeoJSON` layer of one area.
fn square_geojson() -> Vec<u8> {
    let (lon, lat) = IN_2017_ONLY;
    let (dx, dy) = (0.008, 0.0045);
    json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"navn": "Prøvekvarteret", "id": "p1"},
        "geometry": {"type": "Polygon", "coordinates": [[
            [lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy],
            [lon - dx, lat + dy], [lon - dx, lat - dy]
        ]]}
    }]})
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_data_folder_loads_after_start_and_takes_an_upload_a_reload_and_a_remove() {
    let dir = folder_of(&dataset());
    let state = loading(dir.path(), config(Some(TOKEN)));

    // Before the first load: /ready and the public routes are 503, /health and /metrics answer.
    let ready = send_to(state.clone(), get("/ready")).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        ready.json()["reason"]
            .as_str()
            .unwrap()
            .starts_with("loading")
    );
    let layers = send_to(state.clone(), get("/api/layers")).await;
    assert_eq!(layers.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(layers.json()["error"], "not_ready");
    assert_eq!(layers.headers[header::RETRY_AFTER], "5");
    let health = send_to(state.clone(), get("/health")).await.json();
    assert_eq!(health["ready"], false);
    assert_eq!(
        send_to(state.clone(), get("/metrics")).await.status,
        StatusCode::OK
    );

    // The first load (what `serve` starts once it listens) — here by POST /admin/reload.
    let loaded = admin(&state, Method::POST, "/admin/reload", Some(TOKEN)).await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.text());
    assert_eq!(loaded.json()["outcome"], "reloaded");
    let ready = send_to(state.clone(), get("/ready")).await;
    assert_eq!(ready.status, StatusCode::OK);
    let version = ready.json()["data_version"].as_str().unwrap().to_owned();

    // Upload a layer: 201 with the report, served at once.
    let metadata = json!({
        "id": "proevekvarter-2025", "kind": "municipal_designation",
        "authority": "Københavns Kommune", "valid_from": "2025-01-01",
        "title_da": "Prøvekvarterer 2025", "title_en": "Test areas 2025",
        "source_publisher": "Kvarter's tests", "source_url": "https://example.org/test",
        "vintage": "test", "licence": "CC0-1.0", "name_field": "navn", "id_field": "id"
    });
    let (content_type, body) = multipart(&metadata, "proeve.geojson", &square_geojson());
    let mut request = admin_request(Method::POST, "/admin/layers", Some(TOKEN), [10, 0, 0, 1]);
    *request.body_mut() = Body::from(body);
    request
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
    let imported = send_to(state.clone(), request).await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.text());
    let report = imported.json();
    assert_eq!(report["action"], "import");
    assert_eq!(report["features"]["written"], 1);
    assert_eq!(report["previous_data_version"], version.as_str());
    assert_eq!(report["reload"]["outcome"], "reloaded");
    let (lon, lat) = IN_2017_ONLY;
    let lookup = send_to(
        state.clone(),
        get(&format!(
            "/api/lookup?lon={lon}&lat={lat}&layers=proevekvarter-2025"
        )),
    )
    .await
    .json();
    let listed = send_to(state.clone(), get("/api/layers")).await.json();
    assert_eq!(listed["data_version"], report["data_version"]);
    assert!(lookup.to_string().contains("Prøvekvarteret"), "{lookup}");

    // History, then remove it: the layer is gone.
    let history = admin(&state, Method::GET, "/admin/layers/history", Some(TOKEN)).await;
    assert_eq!(history.status, StatusCode::OK);
    let newest = history.json().as_array().unwrap().last().unwrap().clone();
    assert_eq!(newest["layer"], "proevekvarter-2025");
    let removed = admin(
        &state,
        Method::DELETE,
        "/admin/layers/proevekvarter-2025",
        Some(TOKEN),
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text());
    let unknown = admin(
        &state,
        Method::DELETE,
        "/admin/layers/no-such-layer",
        Some(TOKEN),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let layer = send_to(state.clone(), get("/api/layers/proevekvarter-2025")).await;
    assert_eq!(layer.status, StatusCode::NOT_FOUND);

    // The status and the metrics tell the story.
    let status = admin(&state, Method::GET, "/admin/status", Some(TOKEN))
        .await
        .json();
    assert_eq!(status["reload"]["reloaded"], 3);
    let metrics = send_to(state.clone(), get("/metrics")).await.text();
    assert!(
        metrics.contains("kvarter_reloads_total{outcome=\"reloaded\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("kvarter_ready 1"), "{metrics}");
}

#[tokio::test]
async fn a_first_load_that_fails_keeps_the_server_unready_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("layers.json"), "{ not a manifest").unwrap();
    let state = loading(dir.path(), config(Some(TOKEN)));
    let failed = admin(&state, Method::POST, "/admin/reload", Some(TOKEN)).await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ready = send_to(state.clone(), get("/ready")).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    let reason = ready.json()["reason"].as_str().unwrap().to_owned();
    assert!(
        reason.contains("did not load") && reason.contains("layers.json"),
        "{reason}"
    );
    let lookup = send_to(state.clone(), get("/api/lookup?lon=12.5&lat=55.7")).await;
    assert_eq!(lookup.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        lookup.json()["detail"]
            .as_str()
            .unwrap()
            .contains("did not load")
    );
    // Fixed, and reloaded: ready.
    std::fs::remove_file(dir.path().join("layers.json")).unwrap();
    let fixed = folder_of(&dataset());
    for entry in std::fs::read_dir(fixed.path()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let loaded = admin(&state, Method::POST, "/admin/reload", Some(TOKEN)).await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.text());
    assert_eq!(
        send_to(state.clone(), get("/ready")).await.status,
        StatusCode::OK
    );
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_the_service_s_work() {
    let state = state_with(config(None));
    let (lon, lat) = IN_2017_ONLY;
    for uri in [
        format!("/api/lookup?lon={lon}&lat={lat}"),
        format!("/api/lookup?lon={lon}&lat={lat}"),
        "/api/lookup?lon=nowhere".to_owned(),
        "/tiles/udsatte-byomraader-2017/12/2190/1281.mvt".to_owned(),
        "/tiles/udsatte-byomraader-2017/12/2190/1281.mvt".to_owned(),
        "/api/search?q=Husum".to_owned(),
        "/no/such/route".to_owned(),
    ] {
        send_to(state.clone(), get(&uri)).await;
    }
    let answer = send_to(state.clone(), get("/metrics")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), kvarter_server::metrics::CONTENT_TYPE);
    let text = answer.text();
    let has = |line: &str| {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in\n{text}"
        );
    };
    has(r#"kvarter_http_requests_total{route="/api/lookup",method="GET",status="200"} 2"#);
    has(r#"kvarter_http_requests_total{route="/api/lookup",method="GET",status="400"} 1"#);
    has(r#"kvarter_http_requests_total{route="unmatched",method="GET",status="404"} 1"#);
    has(
        r#"kvarter_http_request_duration_seconds_count{route="/api/lookup",method="GET",status="200"} 2"#,
    );
    assert!(
        text.contains(
            r#"kvarter_http_request_duration_seconds_bucket{le="0.001",route="/api/lookup""#
        ) || text.contains(r#"kvarter_http_request_duration_seconds_bucket{route="/api/lookup""#),
        "{text}"
    );
    has("kvarter_lookups_total 2");
    has("kvarter_searches_total 1");
    has("kvarter_tiles_rendered_total 1");
    has("kvarter_tile_cache_misses_total 1");
    has("kvarter_tile_cache_hits_total 1");
    has(r#"kvarter_data_version_info{version="test-1"} 1"#);
    assert!(text.contains("kvarter_build_info{version=\""), "{text}");
    assert!(text.contains("kvarter_tile_cache_bytes "), "{text}");
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
}

//! The request helpers of the API's tests; the test dataset is
//! [`kvarter_testkit::husum`]'s and the readers of answers are [`kvarter_testkit`]'s
//! (re-exported here, so the tests name them `support::…`).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use kvarter_server::{AppState, ServerConfig, app};
use kvarter_service::Service;
use serde_json::Value;
use tower::ServiceExt;

pub use kvarter_testkit::husum::*;
pub use kvarter_testkit::{
    assert_near, coordinates, csv_header, csv_rows, member, member_where, numbers, strings,
};

/// The shared state over the test dataset, with `config`.
pub fn state_with(config: ServerConfig) -> Arc<AppState> {
    Arc::new(AppState::new(
        Service::new(dataset(), config.service()),
        config,
    ))
}

/// The shared state over the test dataset, with the default config.
pub fn state() -> Arc<AppState> {
    state_with(ServerConfig::default())
}

/// The feature with id `id` of a `GeoJSON` `FeatureCollection`.
pub fn feature<'a>(collection: &'a Value, id: &str) -> &'a Value {
    member(&collection["features"], "id", id)
}

/// An answer: status, headers and body bytes.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The `content-type` header.
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// Sends `request` through `app(state)`.
pub async fn send_to(state: Arc<AppState>, request: Request<Body>) -> Answer {
    let response = app(state).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// A `GET uri` request with `headers`.
pub fn request(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

/// `GET uri` on the default state.
pub async fn get(uri: &str) -> Answer {
    get_from(state(), uri).await
}

/// `GET uri` on `state`.
pub async fn get_from(state: Arc<AppState>, uri: &str) -> Answer {
    send_to(state, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// `GET uri` on the default state, expecting `status` and a JSON body.
pub async fn get_json(uri: &str, status: StatusCode) -> Value {
    get_json_from(state(), uri, status).await
}

/// `GET uri` on `state`, expecting `status` and a JSON body.
pub async fn get_json_from(state: Arc<AppState>, uri: &str, status: StatusCode) -> Value {
    let answer = get_from(state, uri).await;
    assert_eq!(
        answer.status,
        status,
        "{uri}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

/// Asserts that `uri` is refused with `status`, the JSON error `code` and a detail containing
/// every one of `named`.
pub async fn assert_refused(uri: &str, status: StatusCode, code: &str, named: &[&str]) {
    assert_refused_by(state(), uri, status, code, named).await;
}

/// Asserts that `state` refuses `uri` with `status`, the JSON error `code` and a detail
/// containing every one of `named`.
pub async fn assert_refused_by(
    state: Arc<AppState>,
    uri: &str,
    status: StatusCode,
    code: &str,
    named: &[&str],
) {
    let body = get_json_from(state, uri, status).await;
    assert_eq!(body["error"], code, "{uri}: {body}");
    let detail = body["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri}: no detail in {body}"));
    for name in named {
        assert!(
            detail.contains(name),
            "{uri}: detail {detail:?} should name {name:?}"
        );
    }
    let members: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(members, ["detail", "error"], "{uri}: {body}");
}

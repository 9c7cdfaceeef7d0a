//! Is the service up, and is it serving data? `GET /health` answers 200 whenever the process
//! answers at all (liveness: restart it when this fails); `GET /ready` answers 200 once the
//! data is loaded and 503 before — while the first load runs or after it failed — so a load
//! balancer or a container health check sends traffic only to a server that can answer it.
//!
//! A server on a data folder listens before it reads the folder (see [`crate::run_with`]);
//! until the first load succeeds, [`gate`] answers every other public route 503 with
//! `Retry-After`. The admin routes stay open, so an operator can see why
//! (`/admin/status`), fix the folder (`POST /admin/layers`) and reload.

use std::sync::Arc;

use axum::Json;
use std::task::{Context, Poll};

use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tower::{Layer, Service};

use crate::error::ApiError;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// `GET`: the process is up.
pub const HEALTH_ROUTE: &str = "/health";
/// `GET`: the data is loaded.
pub const READY_ROUTE: &str = "/ready";

/// `GET /health`: the service is up, whether its data is loaded, its data version and layer
/// count.
pub async fn health(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::new(query, &[])?;
    let service = state.service();
    Ok(Json(json!({
        "status": "ok",
        "ready": state.is_ready(),
        "data_version": service.data_version(),
        "layers": service.layers().len(),
        "tile_cache": service.tiles().cache_stats(),
    })))
}

/// `GET /ready`: 200 with the data version once the data is loaded; 503 with the reason before.
pub async fn ready(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
    Ok(match state.not_ready_reason() {
        None => Json(json!({"ready": true, "data_version": state.service().data_version()}))
            .into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false, "reason": reason})),
        )
            .into_response(),
    })
}

/// Answers 503 ([`ApiError::NotReady`]) until the data is loaded, for every route but
/// `/health`, `/ready`, `/metrics`, and the admin page and the static assets (which hold no
/// data: the operator may need the page to fix a folder that did not load). The check is one
/// atomic load once the data is loaded.
#[derive(Debug, Clone)]
pub struct GateLayer {
    state: Arc<AppState>,
}

impl GateLayer {
    /// Gates on `state`'s readiness.
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate {
            inner,
            state: self.state.clone(),
        }
    }
}

/// The service of [`GateLayer`]: a tower service rather than `axum::middleware::from_fn`,
/// which boxes the rest of the stack on every request.
#[derive(Debug, Clone)]
pub struct Gate<S> {
    inner: S,
    state: Arc<AppState>,
}

impl<S, B> Service<Request<B>> for Gate<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Gated<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if !self.state.is_ready() {
            let path = request.uri().path();
            let always = [
                HEALTH_ROUTE,
                READY_ROUTE,
                crate::metrics::METRICS_ROUTE,
                crate::web::ADMIN_ROUTE,
            ];
            if !always.contains(&path)
                && !path.starts_with("/assets/")
                && let Some(reason) = self.state.not_ready_reason()
            {
                return Gated::Refused {
                    answer: Some(ApiError::NotReady { reason }.into_response()),
                };
            }
        }
        Gated::Passed {
            inner: self.inner.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of [`Gate`]: the 503 (`Refused`, taken when polled), or the route's
    /// future (`Passed`).
    #[allow(missing_docs, reason = "the macro takes no documentation on variant fields")]
    #[project = GatedProjection]
    pub enum Gated<F> {
        /// Not ready: this answer (taken when polled).
        Refused { answer: Option<Response> },
        /// Ready: the route's answer.
        Passed { #[pin] inner: F },
    }
}

impl<F, E> std::future::Future for Gated<F>
where
    F: std::future::Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GatedProjection::Refused { answer } => Poll::Ready(Ok(answer
                .take()
                .unwrap_or_else(|| StatusCode::SERVICE_UNAVAILABLE.into_response()))),
            GatedProjection::Passed { inner } => inner.poll(cx),
        }
    }
}

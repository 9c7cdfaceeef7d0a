//! The operator's routes: `POST /admin/reload` (read the data folder again and swap it in),
//! `GET /admin/status` (data version, the last reload and its outcome, layers, memory, tile
//! cache), behind a bearer token (`admin_token`, `KVARTER_ADMIN_TOKEN`); and the unguarded
//! `GET /ready` and `GET /metrics` (Prometheus text) for load balancers and monitoring.
//!
//! Without a configured token the admin routes answer 404, as if they did not exist, and the
//! service is read-only. A missing or wrong token is answered 401 with
//! `WWW-Authenticate: Bearer`. The reload itself is the service's ([`kvarter_service::reload`]).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kvarter_service::reload::{Outcome, Trigger};
use serde_json::json;

use crate::error::{ApiError, shortened};
use crate::state::AppState;

/// `POST`: reload the data.
pub const RELOAD_ROUTE: &str = "/admin/reload";
/// `GET`: how the service is doing.
pub const STATUS_ROUTE: &str = "/admin/status";
/// `GET`: 200 once the data is loaded (always, after start-up: a failed reload keeps the old
/// data serving).
pub const READY_ROUTE: &str = "/ready";
/// `GET`: Prometheus metrics.
pub const METRICS_ROUTE: &str = "/metrics";

/// Lets the request through when it carries the admin token; see the [module docs](self).
fn authorize(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<(), ApiError> {
    let Some(token) = &state.config.admin_token else {
        return Err(ApiError::NoRoute {
            path: shortened(uri.path()),
        });
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match given {
        Some(given) if token.matches(given.trim()) => Ok(()),
        Some(_) => {
            tracing::warn!(path = uri.path(), "admin request with a wrong token");
            Err(ApiError::Unauthorized {
                reason: "the admin token is wrong",
            })
        }
        None => Err(ApiError::Unauthorized {
            reason: "the admin routes need the admin token: Authorization: Bearer <token>",
        }),
    }
}

/// `POST /admin/reload`: reads the data folder again and swaps the new data in; answers the
/// attempt (200, or 422 when the new data does not load and the old keeps serving).
pub async fn reload(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, &uri)?;
    let Some(reloader) = state.reloader.clone() else {
        return Err(ApiError::Conflict {
            reason: "this server serves the dataset embedded in its binary, which cannot change; start it with --data DIR to reload".into(),
        });
    };
    let worker = state.clone();
    let attempt =
        tokio::task::spawn_blocking(move || reloader.reload(&worker.live, Trigger::Admin))
            .await
            .map_err(|error| ApiError::internal("reloading the data", error))?;
    log_attempt(&attempt);
    let status = match attempt.outcome {
        Outcome::Failed { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    Ok((status, Json(attempt)).into_response())
}

/// Logs a reload's outcome.
pub(crate) fn log_attempt(attempt: &kvarter_service::reload::Attempt) {
    let trigger = format!("{:?}", attempt.trigger);
    match &attempt.outcome {
        Outcome::Reloaded { from, to } => {
            tracing::info!(%trigger, %from, %to, seconds = attempt.seconds, "data reloaded");
        }
        Outcome::Unchanged { version } => {
            tracing::info!(%trigger, %version, "data reloaded: same data version, address index read again");
        }
        Outcome::Failed { reason } => {
            tracing::error!(%trigger, %reason, "cannot reload the data; the old data keeps serving");
        }
    }
}

/// `GET /admin/status`.
pub async fn status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    authorize(&state, &headers, &uri)?;
    let service = state.service();
    let layers: Vec<_> = service
        .layers()
        .iter()
        .map(|layer| json!({"id": layer.meta.id, "status": layer.meta.status, "features": layer.areas.len()}))
        .collect();
    let body = json!({
        "data_version": service.data_version(),
        "source": state.reloader.as_ref().map_or_else(|| "the embedded dataset".to_owned(), |r| r.describe()),
        "reload": state.reloader.as_ref().map(|r| r.status()),
        "layers": layers,
        "memory": {"rss_bytes": rss_bytes()},
        "tile_cache": service.tiles().cache_stats(),
    });
    Ok(Json(body).into_response())
}

/// `GET /ready`.
pub async fn ready(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({"ready": true, "data_version": state.service().data_version()})).into_response()
}

/// `GET /metrics`: the data version, reloads by outcome, the last reload's time and result, the
/// resident memory and the tile cache, in Prometheus' text format.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let service = state.service();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP kvarter_data_version_info The data version being served."
    );
    let _ = writeln!(out, "# TYPE kvarter_data_version_info gauge");
    let _ = writeln!(
        out,
        "kvarter_data_version_info{{version=\"{}\"}} 1",
        service.data_version()
    );
    let _ = writeln!(out, "# HELP kvarter_layers Layers being served.");
    let _ = writeln!(out, "# TYPE kvarter_layers gauge");
    let _ = writeln!(out, "kvarter_layers {}", service.layers().len());
    if let Some(reloader) = &state.reloader {
        let status = reloader.status();
        let _ = writeln!(out, "# HELP kvarter_reloads_total Data reloads by outcome.");
        let _ = writeln!(out, "# TYPE kvarter_reloads_total counter");
        for (outcome, count) in [
            ("reloaded", status.reloaded),
            ("unchanged", status.unchanged),
            ("failed", status.failed),
        ] {
            let _ = writeln!(
                out,
                "kvarter_reloads_total{{outcome=\"{outcome}\"}} {count}"
            );
        }
        let failed = status
            .last
            .as_ref()
            .is_some_and(|a| matches!(a.outcome, Outcome::Failed { .. }));
        let _ = writeln!(
            out,
            "# HELP kvarter_last_reload_failed 1 when the last reload failed (the old data keeps serving)."
        );
        let _ = writeln!(out, "# TYPE kvarter_last_reload_failed gauge");
        let _ = writeln!(out, "kvarter_last_reload_failed {}", u8::from(failed));
    }
    if let Some(rss) = rss_bytes() {
        let _ = writeln!(
            out,
            "# HELP kvarter_resident_memory_bytes Resident memory of the process."
        );
        let _ = writeln!(out, "# TYPE kvarter_resident_memory_bytes gauge");
        let _ = writeln!(out, "kvarter_resident_memory_bytes {rss}");
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// The process's resident memory, from `/proc/self/statm` (Linux; `None` elsewhere).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

//! Batch lookup by address, `POST /api/lookup/batch`: a CSV of addresses in, the same CSV out
//! with the best match, its confidence and point, and the designated area(s) in every
//! designation layer. The CSV and the answer are [`kvarter_service::batch`]'s; this module reads
//! the body (up to `batch_max_bytes`) and answers off the async workers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kvarter_service::ServiceError;

use crate::error::ApiError;
use crate::state::AppState;

/// Whether `headers` announce a body (`Content-Length`) larger than `max_bytes`: refused at
/// once, before a byte of it is read, rather than once the limit is reached.
pub(crate) fn announced_too_large(headers: &HeaderMap, max_bytes: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .is_some_and(|length| length > u64::try_from(max_bytes).unwrap_or(u64::MAX))
}

/// How much of a body announced too large is read and dropped before the 413, and for how long
/// at most.
const DRAIN_BYTES: usize = 4 << 20;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(1);

/// The 413 for a body announced too large ([`announced_too_large`]), given after reading and
/// dropping up to 4 MiB of the body for at most a second. Most HTTP clients send their whole
/// body before they read the answer; answering and closing at once made them see a connection
/// reset instead of the 413 (a lingering close, as nginx does, for the same reason).
pub(crate) async fn drain_then_refuse(body: axum::body::Body, max_bytes: usize) -> ApiError {
    let drain = async {
        let mut body = body;
        let mut read = 0_usize;
        while read <= DRAIN_BYTES {
            let frame = std::future::poll_fn(|cx| {
                http_body::Body::poll_frame(std::pin::Pin::new(&mut body), cx)
            })
            .await;
            match frame {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
    ApiError::BodyTooLarge { max_bytes }
}

/// `POST /api/lookup/batch`: the body is read up to `batch_max_bytes` (the router sets the
/// limit on this route only), and answered off the async threads.
pub async fn batch(
    State(state): State<Arc<AppState>>,
    request: Request,
) -> Result<Response, ApiError> {
    let max_bytes = state.config.batch_max_bytes;
    if announced_too_large(request.headers(), max_bytes) {
        return Err(drain_then_refuse(request.into_body(), max_bytes).await);
    }
    let body = Bytes::from_request(request, &state).await;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge {
                max_bytes: state.config.batch_max_bytes,
            }
        } else {
            ApiError::bad_parameter("body", rejection.body_text())
        }
    })?;
    let max_rows = state.config.batch_max_rows;
    let service = state.service();
    let csv = tokio::task::spawn_blocking(move || {
        service
            .lookup_batch(&body, max_rows, |_, _| {})
            .map_err(ServiceError::from)
    })
    .await
    .map_err(|error| ApiError::internal("answering a batch", error))??;
    let mut response = csv.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(response)
}

//! The operator's routes: `POST /admin/layers` (import a layer, as `kvarter layers import`
//! does, then reload), `DELETE /admin/layers/{id}`, `GET /admin/layers/history`, `POST
//! /admin/reload` (read the data folder again and swap it in) and `GET /admin/status` (data
//! version, the last reload and its outcome, layers, memory, tile cache), all behind the admin
//! token ([`crate::auth`]). `/api/openapi.json` describes them under the `admin` tag with the
//! bearer scheme ([`crate::openapi`]); the README shows them in use. The reload itself is the
//! service's ([`kvarter_service::reload`]); `/ready` and `/metrics`, for load balancers and
//! monitoring, are unguarded ([`crate::health`], [`crate::metrics`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kvarter_data::import::{self, Format, ImportRequest, Source, Targets};
use kvarter_service::reload::{Attempt, Outcome, Reloader, Trigger};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::auth::Admin;
use crate::error::ApiError;
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// `POST`: reload the data.
pub const RELOAD_ROUTE: &str = "/admin/reload";
/// `GET`: how the service is doing.
pub const STATUS_ROUTE: &str = "/admin/status";

/// `POST /admin/reload`: reads the data folder again and swaps the new data in; answers the
/// attempt (200, or 422 when the new data does not load and the old keeps serving).
pub async fn reload(
    State(state): State<Arc<AppState>>,
    Admin { who }: Admin,
    query: RawQuery,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
    tracing::info!(%who, "admin: reload asked for");
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
pub(crate) fn log_attempt(attempt: &Attempt) {
    let trigger = format!("{:?}", attempt.trigger);
    match &attempt.outcome {
        Outcome::Reloaded { to, .. } if attempt.trigger == Trigger::Start => {
            tracing::info!(data_version = %to, seconds = attempt.seconds, "data loaded: ready");
        }
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
    _: Admin,
    query: RawQuery,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
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
        "store": state.changes.as_ref().map(|changes| changes.state()),
        "layers": layers,
        "memory": {"rss_bytes": crate::metrics::rss_bytes()},
        "tile_cache": service.tiles().cache_stats(),
    });
    Ok(Json(body).into_response())
}

/// `POST`: import a layer (multipart `file` + `metadata`, or JSON with `wfs_url`).
pub const LAYERS_ROUTE: &str = "/admin/layers";
/// `DELETE`: remove a layer (its file is kept).
pub const LAYER_ROUTE: &str = "/admin/layers/{id}";
/// `GET`: the data folder's history.
pub const HISTORY_ROUTE: &str = "/admin/layers/history";

/// The data folder or store the layer routes change and the reloader, or 409 for the embedded
/// dataset.
fn targets(state: &AppState) -> Result<(Arc<dyn Targets>, Arc<Reloader>), ApiError> {
    match (&state.targets, &state.reloader) {
        (Some(targets), Some(reloader)) => Ok((targets.clone(), reloader.clone())),
        _ => Err(ApiError::Conflict {
            reason: "this server serves the dataset embedded in its binary, which cannot change; start it with --data DIR or --store URL to import layers".into(),
        }),
    }
}

/// `POST /admin/layers`: the same import as `kvarter layers import`, then a reload; answers 201
/// with the import report and the reload. The body is `multipart/form-data` with a `metadata`
/// part (JSON: the import's options in `snake_case`) and a `file` part (named with its extension:
/// `.geojson`, `.json`, `.fgb`, `.zip` for a Shapefile, `.gpkg`, `.csv`), or JSON with the
/// options and a `wfs_url`.
pub async fn import_layer(
    State(state): State<Arc<AppState>>,
    Admin { who }: Admin,
    query: RawQuery,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
    let (targets, reloader) = targets(&state)?;
    let max_bytes = state.config.admin_upload_max_bytes;
    if crate::batch::announced_too_large(&headers, max_bytes) {
        return Err(crate::batch::drain_then_refuse(request.into_body(), max_bytes).await);
    }
    let upload =
        tempfile::tempdir().map_err(|e| ApiError::internal("making an upload folder", e))?;
    let (metadata, source, file) = if is_multipart(&headers) {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| ApiError::bad_parameter("body", e.body_text()))?;
        read_multipart(multipart, upload.path(), max_bytes).await?
    } else {
        // Too large is a 413; a body cut short or otherwise unreadable is the client's 400.
        let bytes = Bytes::from_request(request, &state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::BodyTooLarge { max_bytes }
                } else {
                    ApiError::bad_parameter("body", rejection.body_text())
                }
            })?;
        let mut json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_parameter("body", format!("not JSON ({e}); send multipart/form-data with file and metadata, or JSON with wfs_url"))
        })?;
        let url = json
            .as_object_mut()
            .and_then(|o| o.remove("wfs_url"))
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| {
                ApiError::bad_parameter(
                    "wfs_url",
                    "a JSON body needs wfs_url (or send the file as multipart/form-data)",
                )
            })?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ApiError::bad_parameter(
                "wfs_url",
                "must be an http:// or https:// URL",
            ));
        }
        (json, Source::Wfs(url.clone()), url)
    };
    let request: ImportRequest = serde_json::from_value(metadata)
        .map_err(|e| ApiError::bad_parameter("metadata", e.to_string()))?;
    let options = request.options(&file)?;
    let live = state.clone();
    let (report, attempt) = tokio::task::spawn_blocking(move || {
        let report = import::import_into(&mut *targets.open()?, &source, &options, &mut |_| {})?;
        let attempt = reloader.reload(&live.live, Trigger::Admin);
        drop(upload);
        Ok::<_, ApiError>((report, attempt))
    })
    .await
    .map_err(|error| ApiError::internal("importing a layer", error))?
    .inspect_err(|error| tracing::warn!(%who, error = %error, "admin: import refused"))?;
    tracing::info!(
        %who,
        action = report.entry.action.as_str(),
        layer = %report.entry.layer,
        file = %report.entry.entry.file,
        data_version = %report.data_version,
        "admin: layer imported"
    );
    log_attempt(&attempt);
    let f = &report.features;
    let body = json!({
        "action": report.entry.action.as_str(),
        "layer": report.entry.layer,
        "file": report.entry.entry.file,
        "sha256": report.entry.entry.sha256,
        "source": file,
        "format": report.format.name(),
        "source_sha256": report.source_sha256,
        "source_bytes": report.source_bytes,
        "features": {
            "read": f.read,
            "written": f.written,
            "dropped": f.dropped.iter().map(|(id, reason)| json!({"id": id, "reason": reason})).collect::<Vec<_>>(),
            "repaired": f.repaired.iter().map(|(id, repairs)| json!({"id": id, "repairs": repairs})).collect::<Vec<_>>(),
            "notes": f.notes,
        },
        "replaced": report.entry.replaced.as_ref().map(|r| json!({"file": r.file, "sha256": r.sha256})),
        "previous_data_version": report.entry.previous_data_version,
        "data_version": report.data_version,
        "seconds": report.elapsed.as_secs_f64(),
        "reload": attempt,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The `metadata` JSON and the `file` part, written to `folder` as `upload.<extension>`; the
/// source, and the file name as uploaded.
async fn read_multipart(
    mut multipart: Multipart,
    folder: &std::path::Path,
    max_bytes: usize,
) -> Result<(serde_json::Value, Source, String), ApiError> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::BodyTooLarge { max_bytes }
        } else {
            ApiError::bad_parameter("body", e.body_text())
        }
    };
    let (mut metadata, mut file) = (None, None);
    while let Some(mut field) = multipart.next_field().await.map_err(too_large)? {
        match field.name() {
            Some("metadata") => {
                let text = field.text().await.map_err(too_large)?;
                metadata =
                    Some(serde_json::from_str(&text).map_err(|e| {
                        ApiError::bad_parameter("metadata", format!("not JSON: {e}"))
                    })?);
            }
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let path = std::path::Path::new(&name);
                let format = Format::from_extension(path).ok_or_else(|| {
                    ApiError::bad_parameter("file", format!("{name:?}: name the file with its extension: .geojson, .json, .fgb, .zip (a Shapefile), .gpkg or .csv"))
                })?;
                if format == Format::Shapefile {
                    return Err(ApiError::bad_parameter(
                        "file",
                        "upload a Shapefile as one .zip holding its .shp, .shx, .dbf and .prj",
                    ));
                }
                let extension = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or_default();
                let target = folder.join(format!("upload.{}", extension.to_ascii_lowercase()));
                let mut out = tokio::fs::File::create(&target)
                    .await
                    .map_err(|e| ApiError::internal("writing an upload", e))?;
                while let Some(chunk) = field.chunk().await.map_err(too_large)? {
                    out.write_all(&chunk)
                        .await
                        .map_err(|e| ApiError::internal("writing an upload", e))?;
                }
                // A tokio file hands its last write to a blocking thread and returns before
                // it is done; without this flush the import could open the file while that
                // write is still in flight and read a truncated upload.
                out.flush()
                    .await
                    .map_err(|e| ApiError::internal("writing an upload", e))?;
                file = Some((Source::File(target), name));
            }
            other => {
                return Err(ApiError::bad_parameter(
                    "body",
                    format!("unknown part {other:?}: send file and metadata"),
                ));
            }
        }
    }
    let metadata = metadata
        .ok_or_else(|| ApiError::bad_parameter("metadata", "the metadata part is missing"))?;
    let (source, name) =
        file.ok_or_else(|| ApiError::bad_parameter("file", "the file part is missing"))?;
    Ok((metadata, source, name))
}

/// `DELETE /admin/layers/{id}`: removes the layer (its file is kept), then reloads.
pub async fn remove_layer(
    State(state): State<Arc<AppState>>,
    Admin { who }: Admin,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    Params::new(query, &[])?;
    let (targets, reloader) = targets(&state)?;
    let live = state.clone();
    let (entry, attempt) = tokio::task::spawn_blocking(move || {
        let entry = import::change::remove(&mut *targets.open()?, &id, &mut |_| {})?;
        let attempt = reloader.reload(&live.live, Trigger::Admin);
        Ok::<_, ApiError>((entry, attempt))
    })
    .await
    .map_err(|error| ApiError::internal("removing a layer", error))?
    .inspect_err(|error| tracing::warn!(%who, error = %error, "admin: remove refused"))?;
    tracing::info!(%who, layer = %entry.layer, file = %entry.entry.file, "admin: layer removed");
    log_attempt(&attempt);
    Ok(Json(json!({"removed": entry, "reload": attempt})).into_response())
}

/// `GET /admin/layers/history`: what was imported, replaced, removed and restored.
pub async fn history(
    State(state): State<Arc<AppState>>,
    _: Admin,
    query: RawQuery,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
    let (targets, _) = targets(&state)?;
    let history = tokio::task::spawn_blocking(move || targets.history())
        .await
        .map_err(|error| ApiError::internal("reading the history", error))??;
    Ok(Json(history).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A multipart body with a `metadata` part and a `file` part named `name` holding `content`.
    fn upload_request(name: &str, content: &[u8]) -> Request {
        let boundary = "kvarter-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{{\"id\":\"x\"}}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Request::builder()
            .method("POST")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(axum::body::Body::from(body))
            .unwrap()
    }

    /// The import opens the upload as soon as `read_multipart` returns, so the whole file must
    /// be on disk by then, the last write included (the browser test's upload was once refused
    /// as a truncated GeoJSON).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_upload_is_whole_on_disk_when_read_multipart_returns() {
        // Under axum's default 2 MiB body limit for an extractor outside the router.
        let content: Vec<u8> = (0..1_500_000_u32).map(|i| b'a' + (i % 26) as u8).collect();
        for round in 0..10 {
            let folder = tempfile::tempdir().unwrap();
            let multipart = Multipart::from_request(upload_request("areas.geojson", &content), &())
                .await
                .unwrap();
            let (metadata, source, name) = read_multipart(multipart, folder.path(), usize::MAX)
                .await
                .unwrap();
            let Source::File(path) = source else {
                panic!("an upload is a file")
            };
            let written = std::fs::read(&path).unwrap();
            assert_eq!(
                written.len(),
                content.len(),
                "round {round}: the upload on disk is short"
            );
            assert!(
                written == content,
                "round {round}: the upload on disk differs"
            );
            assert_eq!(
                (metadata["id"].as_str(), name.as_str()),
                (Some("x"), "areas.geojson")
            );
            assert_eq!(path, folder.path().join("upload.geojson"));
        }
    }
}

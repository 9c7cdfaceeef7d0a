//! Indicators over HTTP: the catalogue (`GET /api/indicators`), a layer's table of joined
//! values (`GET /api/layers/{id}/indicators`, JSON or CSV), and `?indicators=a,b&period=P` on
//! the `GeoJSON` and tile routes (indicator values as feature properties, for choropleths).
//! The values and their provenance are [`kvarter_service::indicators`]'; this module reads the
//! request and encodes the answer.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kvarter_service::Service;
use kvarter_service::choropleth::Choropleth;
use kvarter_service::indicators::IndicatorTable;

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};
use crate::state::AppState;

/// The parameters that add indicator values to features and tiles.
pub const CHOROPLETH_PARAMETERS: [&str; 2] = ["indicators", "period"];
const TABLE_PARAMETERS: [&str; 3] = ["indicators", "period", "format"];

/// Reads `indicators=` and `period=`: `None` when no indicators are asked for, a 400 for a
/// period without indicators, and the service's checks of the names and the period.
pub fn choropleth(service: &Service, params: &Params) -> Result<Option<Choropleth>, ApiError> {
    let Some(names) = params.list("indicators") else {
        if params.has("period") {
            return Err(ApiError::bad_parameter(
                "period",
                "only means something with indicators=; name the indicators too",
            ));
        }
        return Ok(None);
    };
    Ok(Some(Choropleth::new(
        service.indicators(),
        &names,
        params.get("period"),
    )?))
}

/// `GET /api/indicators`: the catalogue — policies, datasets (with provenance), indicators
/// (with their periods, or why there is no data) and the published facts.
pub async fn catalogue(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    Params::new(query, &[])?;
    Ok(axum::Json(state.service().indicator_catalogue()).into_response())
}

/// `GET /api/layers/{id}/indicators?indicators=a,b&period=P&format=json|csv`: one row per area
/// and indicator, with how each value was obtained.
pub async fn table(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let Path(id) =
        path.map_err(|rejection| ApiError::bad_parameter("id", rejection.body_text()))?;
    let params = Params::new(query, &TABLE_PARAMETERS)?;
    let csv = match params.get("format") {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "format",
                format!("{} is not a format; use json or csv", quoted(other)),
            ));
        }
    };
    let service = state.service();
    // Joining a layer for the first time is CPU work: keep it off the async workers.
    let table = tokio::task::spawn_blocking(move || {
        let at = service.layer(&id)?;
        let names: Vec<&str> = params.list("indicators").unwrap_or_default();
        let table = service.indicator_table(at, &names, params.get("period"), csv)?;
        // A table without indicators in the data is no download of values.
        let attachment = service.indicators().is_some().then_some(id);
        Ok::<_, ApiError>((table, attachment))
    })
    .await
    .map_err(|error| ApiError::internal("building an indicator table", error))??;
    Ok(match table {
        (IndicatorTable::Json(body), _) => axum::Json(body).into_response(),
        (IndicatorTable::Csv(text), attachment) => {
            let mut response = (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                )],
                text,
            )
                .into_response();
            if let Some(id) = attachment {
                let filename = format!("attachment; filename=\"{id}-indicators.csv\"");
                response.headers_mut().insert(
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&filename)
                        .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
                );
            }
            response
        }
    })
}

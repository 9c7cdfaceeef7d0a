//! `GET /api/static/{view}.{png|svg|pdf}`: a finished map image for a report — one year, two
//! side by side, or the changes between two — with its legend, scale bar and sources (see
//! [`kvarter_render`]). The parameters mirror the map page's permalink.
//!
//! Answered through the one response builder ([`crate::respond`]): a strong `ETag` from the
//! data version and the request (a `304` before any work), `Cache-Control` as tiles, a render on
//! the blocking pool on a miss and the image cache ([`kvarter_render::Images`]) on a hit. SVG is
//! compressed when the client accepts it; PNG and PDF are compressed already.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use kvarter_render::{
    Extent, Format, ImageKey, Lang, LegendPlacement, Paper, RenderError, RenderRequest, View,
};

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery};
use crate::respond::Cached;
use crate::state::AppState;

/// The route.
pub const ROUTE: &str = "/api/static/{file}";

/// The query parameters the route accepts.
pub const PARAMETERS: [&str; 17] = [
    "year",
    "from",
    "to",
    "bbox",
    "center",
    "zoom",
    "width",
    "height",
    "scale",
    "units",
    "state",
    "indicator",
    "period",
    "lang",
    "title",
    "legend",
    "paper",
];

/// `GET /api/static/{view}.{format}`.
pub async fn image(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(file) =
        path.map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))?;
    let (view, format) = file.rsplit_once('.').ok_or_else(|| {
        ApiError::bad_parameter(
            "path",
            format!(
                "{} should be a view and a format, e.g. side.png (views: single, side, changes; formats: png, svg, pdf)",
                quoted(&file)
            ),
        )
    })?;
    let format: Format = format.parse()?;
    let params = Params::new(query, &PARAMETERS)?;
    let request = request(view, &params)?;
    request.check()?;

    let service = state.service();
    let images = state.images.clone();
    let key = ImageKey::new(&service, &request, format);
    let disposition = format!(
        "inline; filename=\"kvarter-{}.{}\"",
        file_stem(&request.view),
        format.extension()
    );
    let how = Cached {
        tag: key.tag(),
        content_type: format.content_type(),
        headers: Cow::Owned(Cached::headers(
            state.cache_control().clone(),
            [(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("inline")),
            )],
        )),
        empty_is_no_content: false,
        compress: format == Format::Svg,
    };
    let ready = images.cached(&key);
    how.answer(
        &headers,
        move || ready,
        move || Ok(images.render(&service, &request, format, key)?),
    )
    .await
}

/// The request the parameters describe, checked for form (the data is checked on render).
pub fn request(view: &str, params: &Params) -> Result<RenderRequest, ApiError> {
    let view = View::from_parts(
        view,
        params.get("year"),
        params.get("from"),
        params.get("to"),
    )?;
    let mut request = RenderRequest::new(view);
    request.extent = match (params.get("bbox"), params.get("center"), params.get("zoom")) {
        (Some(_), Some(_), _) => {
            return Err(ApiError::bad_parameter(
                "bbox",
                "give bbox= or center= and zoom=, not both",
            ));
        }
        (Some(bbox), None, _) => Extent::parse_bbox(bbox)?,
        (None, Some(centre), Some(zoom)) => Extent::parse_centre(centre, zoom)?,
        (None, Some(_), None) => {
            return Err(ApiError::bad_parameter(
                "zoom",
                "center= needs zoom= (0 to 22)",
            ));
        }
        (None, None, Some(_)) => {
            return Err(ApiError::bad_parameter(
                "center",
                "zoom= needs center=lon,lat",
            ));
        }
        (None, None, None) => Extent::Fit,
    };
    if let Some(units) = params.list("units") {
        request.units = units.into_iter().map(str::to_owned).collect();
    }
    if let Some(lists) = params.list("state") {
        request.state_lists = lists.into_iter().map(str::to_owned).collect();
    }
    if let Some(paper) = params.get("paper") {
        if params.has("width") || params.has("height") {
            return Err(ApiError::bad_parameter(
                "paper",
                "give paper= or width= and height=, not both",
            ));
        }
        request = request.on_paper(paper.parse::<Paper>()?);
    }
    if let Some(width) = whole(params, "width")? {
        request.width = width;
    }
    if let Some(height) = whole(params, "height")? {
        request.height = height;
    }
    if let Some(scale) = whole(params, "scale")? {
        request.scale = scale;
    }
    if let Some(lang) = params.get("lang") {
        request.lang = lang.parse::<Lang>()?;
    }
    if let Some(legend) = params.get("legend") {
        request.legend = legend.parse::<LegendPlacement>()?;
    }
    request.indicator = params.get("indicator").map(str::to_owned);
    request.period = params.get("period").map(str::to_owned);
    request.title = params.get("title").map(str::to_owned);
    Ok(request)
}

/// `name` as a whole number, when given (its range is checked with the request).
fn whole(params: &Params, name: &'static str) -> Result<Option<u32>, ApiError> {
    params
        .get(name)
        .map(|text| {
            text.parse::<u32>().map_err(|_| {
                ApiError::bad_parameter(name, format!("{} is not a whole number", quoted(text)))
            })
        })
        .transpose()
}

/// The file name a saved image gets, without its extension: the view and its designations.
fn file_stem(view: &View) -> String {
    let name = |designation: &kvarter_render::Designation| match designation {
        kvarter_render::Designation::Year(year) => year.to_string(),
        kvarter_render::Designation::Layer(id) => id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect(),
    };
    match view {
        View::Single(year) => format!("single-{}", name(year)),
        View::Side { from, to } => format!("side-{}-{}", name(from), name(to)),
        View::Changes { from, to } => format!("changes-{}-{}", name(from), name(to)),
    }
}

impl From<RenderError> for ApiError {
    fn from(error: RenderError) -> Self {
        match error {
            RenderError::Service(error) => ApiError::Service(error),
            RenderError::Invalid { field, problem } => ApiError::bad_parameter(field, problem),
            error => ApiError::Render(error),
        }
    }
}

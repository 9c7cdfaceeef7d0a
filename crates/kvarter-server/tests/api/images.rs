//! `/api/static/{view}.{format}`: the map image's headers, the same bytes and `ETag` for the
//! same request, `304`, a new `ETag` once the data changes, compression only for SVG, the
//! image cache, and refusals that name the parameter.

use axum::http::StatusCode;
use kvarter_server::ServerConfig;
use kvarter_service::Service;
use resvg::tiny_skia::Pixmap;

use crate::support::{
    UNITS, Y2011, Y2017, assert_refused, dataset, get, get_from, request, send_to, state,
    state_with,
};

const SIDE_PNG: &str = "/api/static/side.png?from=2011&to=2017&width=600&height=400";

#[tokio::test]
async fn a_png_has_its_size_a_strong_etag_caching_headers_and_a_file_name() {
    let answer = get(&format!("{SIDE_PNG}&scale=2")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "image/png");
    let png = Pixmap::decode_png(&answer.body).unwrap();
    assert_eq!((png.width(), png.height()), (1200, 800));
    let etag = answer.headers["etag"].to_str().unwrap();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    assert_eq!(answer.headers["cache-control"], "public, max-age=3600");
    assert_eq!(
        answer.headers["content-disposition"],
        "inline; filename=\"kvarter-side-2011-2017.png\""
    );
}

#[tokio::test]
async fn the_same_request_gives_the_same_bytes_and_etag_and_if_none_match_a_304() {
    let state = state();
    let first = get_from(state.clone(), SIDE_PNG).await;
    let second = get_from(state.clone(), SIDE_PNG).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body == second.body, "two answers differ");
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(second.headers["etag"], etag.as_str());
    assert_eq!(state.images.cache_stats().0, 1, "one image cached");

    let conditional = send_to(
        state.clone(),
        request(SIDE_PNG, &[("if-none-match", &etag)]),
    )
    .await;
    assert_eq!(conditional.status, StatusCode::NOT_MODIFIED);
    assert!(conditional.body.is_empty());

    let other = get_from(state, &format!("{SIDE_PNG}&title=Husum")).await;
    assert_ne!(
        other.headers["etag"],
        etag.as_str(),
        "another request, another tag"
    );
}

#[tokio::test]
async fn new_data_gives_a_new_etag() {
    let state = state();
    let before = get_from(state.clone(), SIDE_PNG).await;
    let mut changed = dataset();
    changed.version = "another-version".to_owned();
    changed
        .layers
        .retain(|layer| layer.meta.id.as_str() != UNITS);
    state
        .live
        .replace(Service::new(changed, ServerConfig::default().service()));
    let after = get_from(state, SIDE_PNG).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(before.headers["etag"], after.headers["etag"]);
    assert!(
        after.headers["etag"]
            .to_str()
            .unwrap()
            .contains("another-version")
    );
}

#[tokio::test]
async fn svg_is_compressed_when_accepted_and_png_and_pdf_never_are() {
    let svg = send_to(
        state(),
        request(
            "/api/static/single.svg?year=2017",
            &[("accept-encoding", "gzip")],
        ),
    )
    .await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.content_type(), "image/svg+xml");
    assert_eq!(svg.headers["content-encoding"], "gzip");
    for path in [
        "/api/static/single.png?year=2017",
        "/api/static/single.pdf?year=2017&paper=a4-portrait",
    ] {
        let answer = send_to(state(), request(path, &[("accept-encoding", "gzip, br")])).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(answer.headers.get("content-encoding").is_none(), "{path}");
    }
}

#[tokio::test]
async fn a_pdf_on_paper_is_one_a4_page() {
    let answer = get("/api/static/changes.pdf?from=2011&to=2017&paper=a4-landscape&lang=en").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/pdf");
    let text = String::from_utf8_lossy(&answer.body);
    assert!(text.starts_with("%PDF"));
    let media_box = text
        .split("/MediaBox")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_default();
    let sides: Vec<f64> = media_box
        .trim_start_matches([' ', '['])
        .split_whitespace()
        .map(|number| number.parse().unwrap())
        .collect();
    assert_eq!(sides.len(), 4, "{media_box}");
    assert!(
        (sides[2] - 841.89).abs() < 0.01 && (sides[3] - 595.276).abs() < 0.01,
        "an A4 landscape page: {media_box}"
    );
}

#[tokio::test]
async fn layer_ids_work_as_well_as_years() {
    let answer = get(&format!("/api/static/side.svg?from={Y2011}&to={Y2017}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(answer.text().contains("<title>"));
}

#[tokio::test]
async fn bad_requests_are_json_errors_naming_the_parameter() {
    let bad = StatusCode::BAD_REQUEST;
    for (uri, named) in [
        ("/api/static/side.png?from=2011&to=2017&width=5000", "width"),
        ("/api/static/side.png?from=2011&to=2017&scale=9", "scale"),
        ("/api/static/side.png?from=2011&to=2017&width=wide", "width"),
        ("/api/static/swipe.png?from=2011&to=2017", "swipe"),
        ("/api/static/side.gif?from=2011&to=2017", "format"),
        ("/api/static/side?from=2011&to=2017", "path"),
        ("/api/static/side.png?from=2011", "to"),
        (
            "/api/static/single.png?year=2017&bbox=12.6,55.6,12.4,55.7",
            "bbox",
        ),
        (
            "/api/static/single.png?year=2017&bbox=12.4,55.6,12.6,55.7&center=12.5,55.65",
            "bbox",
        ),
        ("/api/static/single.png?year=2017&center=12.5,55.65", "zoom"),
        (
            "/api/static/single.png?year=2017&paper=a4-landscape&width=900",
            "paper",
        ),
        ("/api/static/single.png?year=2017&paper=letter", "paper"),
        ("/api/static/single.png?year=2017&lang=de", "lang"),
        ("/api/static/single.png?year=2017&legend=left", "legend"),
        ("/api/static/single.png?year=2017&colour=red", "colour"),
    ] {
        assert_refused(uri, bad, "bad_parameter", &[named]).await;
    }
    assert_refused(
        "/api/static/single.png?year=1999",
        StatusCode::NOT_FOUND,
        "no_designation",
        &["1999", "2011", "2017"],
    )
    .await;
    assert_refused(
        "/api/static/single.png?year=roder-1900",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["roder-1900", Y2011],
    )
    .await;
}

#[tokio::test]
async fn without_an_image_cache_every_request_renders_the_same_bytes() {
    let state = state_with(ServerConfig {
        image_cache_mb: 0,
        ..ServerConfig::default()
    });
    let first = get_from(state.clone(), SIDE_PNG).await;
    let second = get_from(state.clone(), SIDE_PNG).await;
    assert!(first.body == second.body);
    assert_eq!(state.images.cache_stats(), (0, 0));
}

#[tokio::test]
async fn an_indicator_colours_the_units_and_is_named_in_the_legend() {
    use crate::squares;
    let path = format!(
        "/api/static/single.svg?year={}&units={}&indicator=population",
        squares::D2017,
        squares::UNITS_A
    );
    let answer = get_from(squares::state(), &path).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let svg = answer.text();
    assert!(svg.contains("Befolkning"), "the indicator in the legend");
    assert!(
        svg.contains("Ingen data") || svg.contains("&lt; "),
        "its classes"
    );
    let unknown = format!("{path}x");
    crate::support::assert_refused_by(
        squares::state(),
        &unknown,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["indicator", "populationx"],
    )
    .await;
    assert_refused(
        &format!("/api/static/single.svg?year={Y2017}&period=2019"),
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["period"],
    )
    .await;
}

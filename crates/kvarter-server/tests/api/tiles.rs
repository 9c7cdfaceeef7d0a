//! `/tiles/{layers}/{z}/{x}/{y}.mvt` and `/tiles/{layers}.json`: decoded tiles, content
//! negotiation, ETag / 304 / 204, and bad paths.

use std::io::Read as _;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use kvarter_server::ServerConfig;
use kvarter_tiles::TileCoord;
use mvt_reader::Reader;

use crate::support::{
    IN_BOTH_YEARS, OUTSIDE, UNITS, Y2011, Y2017, assert_refused, get, request, send_to, state,
    state_with, strings,
};

/// The path of the zoom-`z` tile holding `point` for `layers`.
fn tile_path(layers: &str, z: u8, point: (f64, f64)) -> String {
    let tile = TileCoord::containing(point.0, point.1, z);
    format!("/tiles/{layers}/{tile}.mvt")
}

fn layer_names(bytes: &[u8]) -> Vec<String> {
    Reader::new(bytes.to_vec())
        .unwrap()
        .get_layer_names()
        .unwrap()
}

#[tokio::test]
async fn a_tile_is_an_mvt_with_one_layer_and_one_label_layer_per_source_layer_in_the_order_asked() {
    let answer = get(&tile_path(&format!("{Y2017},{UNITS}"), 13, IN_BOTH_YEARS)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "application/vnd.mapbox-vector-tile");
    assert!(answer.headers.get("content-encoding").is_none());
    assert_eq!(
        layer_names(&answer.body),
        [
            Y2017.to_owned(),
            format!("{Y2017}_labels"),
            UNITS.to_owned(),
            format!("{UNITS}_labels")
        ]
    );
    let reader = Reader::new(answer.body.clone()).unwrap();
    let units = reader.get_features(2).unwrap();
    let names: Vec<_> = units
        .iter()
        .map(|f| format!("{:?}", f.properties.as_ref().unwrap()["name"]))
        .collect();
    assert!(
        names.iter().any(|n| n.contains("Brønshøj-Husum")),
        "{names:?}"
    );
    for feature in &units {
        let properties = feature.properties.as_ref().unwrap();
        for key in ["id", "layer", "status", "source", "vintage", "licence"] {
            assert!(properties.contains_key(key), "{key}: {properties:?}");
        }
    }
}

#[tokio::test]
async fn tiles_carry_a_strong_etag_cache_control_and_vary() {
    let answer = get(&tile_path(UNITS, 12, IN_BOTH_YEARS)).await;
    let etag = answer.headers["etag"].to_str().unwrap();
    assert!(
        etag.starts_with("\"test-1-") && etag.ends_with('"'),
        "{etag}"
    );
    assert_eq!(answer.headers["cache-control"], "public, max-age=3600");
    assert_eq!(answer.headers["vary"], "accept-encoding");
    assert_eq!(answer.headers["access-control-allow-origin"], "*");
    // The same request again: the same ETag (it is not made from a clock or a counter).
    let again = get(&tile_path(UNITS, 12, IN_BOTH_YEARS)).await;
    assert_eq!(again.headers["etag"], answer.headers["etag"]);
}

#[tokio::test]
async fn gzip_and_brotli_are_negotiated_and_decompress_to_the_same_tile() {
    let path = tile_path(UNITS, 12, IN_BOTH_YEARS);
    let plain = get(&path).await;
    let app_state = state();
    let gzipped = send_to(
        app_state.clone(),
        request(&path, &[("accept-encoding", "gzip")]),
    )
    .await;
    assert_eq!(gzipped.status, StatusCode::OK);
    assert_eq!(gzipped.headers["content-encoding"], "gzip");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped.body[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain.body);

    let brotli = send_to(
        app_state.clone(),
        request(&path, &[("accept-encoding", "gzip, deflate, br")]),
    )
    .await;
    assert_eq!(brotli.headers["content-encoding"], "br");
    let mut unbrotlied = Vec::new();
    brotli::BrotliDecompress(&mut &brotli.body[..], &mut unbrotlied).unwrap();
    assert_eq!(unbrotlied, plain.body);

    // Each representation has its own ETag.
    let tags = [&plain, &gzipped, &brotli].map(|a| a.headers["etag"].clone());
    assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2]);
    // A second gzip request is answered from the cache with the same bytes.
    let cached = send_to(app_state, request(&path, &[("accept-encoding", "gzip")])).await;
    assert_eq!(cached.body, gzipped.body);
}

#[tokio::test]
async fn if_none_match_with_the_etag_is_a_304_with_the_caching_headers_and_no_body() {
    let path = tile_path(UNITS, 12, IN_BOTH_YEARS);
    let first = get(&path).await;
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    for header in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_owned(),
    ] {
        let answer = send_to(state(), request(&path, &[("if-none-match", &header)])).await;
        assert_eq!(answer.status, StatusCode::NOT_MODIFIED, "{header}");
        assert!(answer.body.is_empty());
        assert_eq!(answer.headers["etag"], etag.as_str());
        assert_eq!(answer.headers["vary"], "accept-encoding");
        assert_eq!(answer.headers["cache-control"], "public, max-age=3600");
    }
    let stale = send_to(
        state(),
        request(&path, &[("if-none-match", "\"old-version\"")]),
    )
    .await;
    assert_eq!(stale.status, StatusCode::OK);
    // The gzip representation does not match the identity ETag.
    let gzip = send_to(
        state(),
        request(
            &path,
            &[("if-none-match", &etag), ("accept-encoding", "gzip")],
        ),
    )
    .await;
    assert_eq!(gzip.status, StatusCode::OK);
}

#[tokio::test]
async fn a_tile_without_features_is_a_204_with_the_same_caching_headers() {
    let path = tile_path(UNITS, 12, OUTSIDE);
    let answer = get(&path).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(answer.body.is_empty());
    assert_eq!(answer.headers["cache-control"], "public, max-age=3600");
    assert_eq!(answer.headers["vary"], "accept-encoding");
    let etag = answer.headers["etag"].to_str().unwrap().to_owned();
    let again = send_to(state(), request(&path, &[("if-none-match", &etag)])).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let gzip = send_to(state(), request(&path, &[("accept-encoding", "gzip")])).await;
    assert_eq!(gzip.status, StatusCode::NO_CONTENT);
    assert!(gzip.body.is_empty() && gzip.headers.get("content-encoding").is_none());
}

#[tokio::test]
async fn malformed_or_out_of_range_tile_paths_are_json_400s_naming_the_part() {
    let cases = [
        (format!("/tiles/{UNITS}/21/0/0.mvt"), "z", "out of range"),
        (format!("/tiles/{UNITS}/3/8/0.mvt"), "x", "outside 0..8"),
        (format!("/tiles/{UNITS}/3/0/8.mvt"), "y", "outside 0..8"),
        (format!("/tiles/{UNITS}/1.5/0/0.mvt"), "z", "integer"),
        (format!("/tiles/{UNITS}/-1/0/0.mvt"), "z", "integer"),
        (format!("/tiles/{UNITS}/3/x/0.mvt"), "x", "integer"),
        (format!("/tiles/{UNITS}/3/0/0.png"), "y", ".mvt"),
        (format!("/tiles/{UNITS}/3/0/0"), "y", ".mvt"),
        (
            format!("/tiles/{UNITS}/99999999999999999999999/0/0.mvt"),
            "z",
            "integer",
        ),
        (
            format!("/tiles/{UNITS},{UNITS}/3/0/0.mvt"),
            "layers",
            "twice",
        ),
        ("/tiles/,/3/0/0.mvt".to_owned(), "layers", "empty"),
    ];
    for (uri, part, problem) in cases {
        assert_refused(
            &uri,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &[part, problem],
        )
        .await;
    }
}

#[tokio::test]
async fn an_unknown_layer_in_a_tile_path_is_a_404_listing_the_known_ones() {
    assert_refused(
        &format!("/tiles/{UNITS},nowhere/3/0/0.mvt"),
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["nowhere", UNITS, Y2011],
    )
    .await;
    assert_refused(
        "/tiles/nowhere.json",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["nowhere"],
    )
    .await;
    assert_refused(
        &format!("/tiles/{UNITS}"),
        StatusCode::NOT_FOUND,
        "not_found",
        &[UNITS],
    )
    .await;
}

#[tokio::test]
async fn tilejson_names_the_tile_url_zooms_bounds_fields_and_provenance() {
    let answer = send_to(
        state(),
        request(
            &format!("/tiles/{Y2011},{UNITS}.json"),
            &[("host", "kort.example:8080")],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.json();
    assert_eq!(doc["tilejson"], "3.0.0");
    assert_eq!(
        doc["tiles"][0],
        format!("http://kort.example:8080/tiles/{Y2011},{UNITS}/{{z}}/{{x}}/{{y}}.mvt")
    );
    assert_eq!(
        (doc["minzoom"].as_u64(), doc["maxzoom"].as_u64()),
        (Some(0), Some(20))
    );
    assert_eq!(doc["version"], "test-1");
    let bounds: Vec<f64> = doc["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(bounds, [12.44, 55.70, 12.52, 55.72]);
    assert_eq!(doc["center"].as_array().unwrap().len(), 3);
    let layers = strings(&doc["vector_layers"], "/id");
    assert_eq!(
        layers,
        [
            Y2011,
            &format!("{Y2011}_labels"),
            UNITS,
            &format!("{UNITS}_labels")
        ]
    );
    let first = &doc["vector_layers"][0];
    assert_eq!(first["status"], "reconstructed");
    assert_eq!(first["fields"]["area_m2"], "Number");
    assert_eq!(first["fields"]["name"], "String");
    let attribution = doc["attribution"].as_str().unwrap();
    assert!(
        attribution.contains("status reconstructed") && attribution.contains("status official"),
        "{attribution}"
    );
    assert!(attribution.contains("CC BY 4.0"), "{attribution}");
    assert_eq!(answer.headers["cache-control"], "public, max-age=3600");
}

#[tokio::test]
async fn a_configured_public_url_cache_control_and_no_cache_are_honoured() {
    let config = ServerConfig {
        public_url: Some("https://kort.kk.dk/kvarter/".into()),
        tile_cache_control: "public, max-age=60".into(),
        tile_cache_mb: 0,
        ..ServerConfig::default()
    };
    let answer = send_to(
        state_with(config.clone()),
        request(&format!("/tiles/{UNITS}.json"), &[]),
    )
    .await;
    assert_eq!(
        answer.json()["tiles"][0],
        format!("https://kort.kk.dk/kvarter/tiles/{UNITS}/{{z}}/{{x}}/{{y}}.mvt")
    );
    let path = tile_path(UNITS, 12, IN_BOTH_YEARS);
    let uncached = send_to(state_with(config), request(&path, &[])).await;
    assert_eq!(uncached.headers["cache-control"], "public, max-age=60");
    assert_eq!(uncached.body, get(&path).await.body);
}

#[tokio::test]
async fn head_requests_get_the_headers_without_the_tile() {
    let path = tile_path(UNITS, 12, IN_BOTH_YEARS);
    let answer = send_to(state(), Request::head(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.is_empty());
    assert!(answer.headers.contains_key("etag"));
}

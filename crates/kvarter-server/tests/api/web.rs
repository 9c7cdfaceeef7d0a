//! The map front end and its glyphs: `/`, `/embed`, `/assets/{file}`, `/fonts/{fontstack}/{range}.pbf`,
//! the catalogue page at `/about`, and the admin page at `/admin`.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kvarter_server::ServerConfig;
use kvarter_server::config::AdminToken;

use crate::support::{Answer, assert_refused, get, get_from, send_to, state, state_with};

/// `GET uri` with one extra request header.
async fn get_with(uri: &str, name: header::HeaderName, value: &str) -> Answer {
    let request = Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap();
    send_to(state(), request).await
}

/// A header of `answer` as text ("" when absent).
fn header<'a>(answer: &'a Answer, name: &header::HeaderName) -> &'a str {
    answer
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// Asserts that `uri` is a page with `frame_ancestors` in its policy, and answers a
/// conditional request with its ETag with 304.
async fn assert_page(uri: &str, frame_ancestors: &str) -> String {
    let answer = get(uri).await;
    assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
    assert_eq!(answer.content_type(), "text/html; charset=utf-8", "{uri}");
    assert_eq!(header(&answer, &header::CACHE_CONTROL), "no-cache", "{uri}");
    assert_eq!(header(&answer, &header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let policy = header(&answer, &header::CONTENT_SECURITY_POLICY);
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "connect-src 'self'",
        "img-src 'self' data: blob:",
        "worker-src blob:",
        "child-src blob:",
        &format!("frame-ancestors {frame_ancestors}"),
    ] {
        assert!(
            policy.split("; ").any(|d| d == directive),
            "{uri}: {directive:?} not in {policy:?}"
        );
    }
    let etag = header(&answer, &header::ETAG);
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
        "{uri}: a strong ETag, not {etag:?}"
    );
    let again = get_with(uri, header::IF_NONE_MATCH, etag).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
    assert!(again.body.is_empty());
    assert_eq!(header(&again, &header::ETAG), etag);
    assert_eq!(header(&again, &header::CACHE_CONTROL), "no-cache");
    let other = get_with(uri, header::IF_NONE_MATCH, "\"something-else\"").await;
    assert_eq!(other.status, StatusCode::OK, "{uri}");
    answer.text()
}

#[tokio::test]
async fn the_root_is_the_map_page_which_only_this_site_may_frame() {
    let html = assert_page("/", "'self'").await;
    assert!(html.contains("/assets/app.js"), "{html}");
    assert!(html.contains("/assets/app.css"), "{html}");
}

#[tokio::test]
async fn the_embed_page_may_be_framed_by_any_site_and_ignores_its_query() {
    let html = assert_page("/embed", "*").await;
    assert!(html.contains("/assets/app.js"), "{html}");
    let with_view = get("/embed?layers=udsatte-byomraader-2017&lon=12.5&lat=55.7&zoom=12").await;
    assert_eq!(with_view.status, StatusCode::OK);
    assert_eq!(with_view.text(), html);
}

#[tokio::test]
async fn the_script_and_stylesheet_are_served_with_their_media_types() {
    for (uri, content_type) in [
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/app.css", "text/css; charset=utf-8"),
    ] {
        let answer = get(uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_eq!(answer.content_type(), content_type, "{uri}");
        assert!(!answer.body.is_empty(), "{uri}");
        assert_eq!(header(&answer, &header::CACHE_CONTROL), "no-cache");
        assert_eq!(header(&answer, &header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert!(
            answer
                .headers
                .get(header::CONTENT_SECURITY_POLICY)
                .is_none()
        );
        let etag = header(&answer, &header::ETAG);
        let again = get_with(uri, header::IF_NONE_MATCH, etag).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
    }
}

#[tokio::test]
async fn assets_are_compressed_once_with_an_etag_per_coding() {
    use std::io::Read as _;
    let plain = get("/assets/app.js").await;
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    let gzip = get_with("/assets/app.js", header::ACCEPT_ENCODING, "gzip").await;
    assert_eq!(header(&gzip, &header::CONTENT_ENCODING), "gzip");
    assert_eq!(header(&gzip, &header::VARY), "accept-encoding");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzip.body[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain.body, "gzip once, not twice");
    let brotli = get_with("/assets/app.js", header::ACCEPT_ENCODING, "gzip, br").await;
    assert_eq!(header(&brotli, &header::CONTENT_ENCODING), "br");
    let mut unbrotlied = Vec::new();
    brotli::BrotliDecompress(&mut &brotli.body[..], &mut unbrotlied).unwrap();
    assert_eq!(unbrotlied, plain.body);
    assert!(brotli.body.len() < plain.body.len() / 2);
    let tags = [&plain, &gzip, &brotli].map(|answer| header(answer, &header::ETAG).to_owned());
    assert!(
        tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2],
        "{tags:?}"
    );
    let css = get_with("/assets/app.css", header::ACCEPT_ENCODING, "gzip").await;
    assert_eq!(header(&css, &header::CONTENT_ENCODING), "gzip");
    let page = get_with("/", header::ACCEPT_ENCODING, "gzip").await;
    assert_eq!(header(&page, &header::CONTENT_ENCODING), "gzip");
}

#[tokio::test]
async fn only_the_assets_are_under_assets() {
    for name in [
        "nope.js",
        "index.html",
        "embed.html",
        "SOURCE-HASH",
        "..%2FCargo.toml",
    ] {
        assert_refused(
            &format!("/assets/{name}"),
            StatusCode::NOT_FOUND,
            "unknown_asset",
            &["app.js", "app.css"],
        )
        .await;
    }
    for uri in [
        "/assets/../Cargo.toml",
        "/assets/../../web/dist/index.html",
        "/assets/",
        "/assets/app.js/x",
    ] {
        let answer = get(uri).await;
        assert!(
            answer.status == StatusCode::NOT_FOUND || answer.status == StatusCode::BAD_REQUEST,
            "{uri}: {}",
            answer.status
        );
        assert_eq!(answer.content_type(), "application/json", "{uri}");
        assert!(answer.json()["error"].is_string(), "{uri}");
    }
}

/// The length-delimited fields of a protobuf message, in order: (field number, bytes); other
/// wire types are skipped.
fn fields(mut message: &[u8]) -> Vec<(u64, &[u8])> {
    fn varint(bytes: &mut &[u8]) -> u64 {
        let mut value = 0;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = bytes.split_first().expect("a varint");
            *bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                break;
            }
        }
        value
    }
    let mut out = Vec::new();
    while !message.is_empty() {
        let key = varint(&mut message);
        match key & 7 {
            0 => {
                varint(&mut message);
            }
            1 => message = &message[8..],
            2 => {
                let length = usize::try_from(varint(&mut message)).unwrap();
                let (value, rest) = message.split_at(length);
                out.push((key >> 3, value));
                message = rest;
            }
            5 => message = &message[4..],
            other => panic!("wire type {other}"),
        }
    }
    out
}

/// The font name and range of a glyph answer (its first font stack).
fn name_and_range(body: &[u8]) -> (String, String) {
    let glyphs = fields(body);
    assert_eq!(glyphs.first().map(|f| f.0), Some(1), "stacks first");
    let stack = fields(glyphs[0].1);
    let text = |number| {
        stack
            .iter()
            .find(|(field, _)| *field == number)
            .map(|(_, bytes)| String::from_utf8(bytes.to_vec()).unwrap())
            .unwrap_or_default()
    };
    (text(1), text(2))
}

/// Asserts that `uri` answers glyphs of a font whose name starts with `font` (a generated file
/// may name the font's style too) for `range`.
async fn assert_glyphs(uri: &str, font: &str, range: &str) -> Answer {
    let answer = get(uri).await;
    assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
    assert_eq!(answer.content_type(), "application/x-protobuf", "{uri}");
    assert_eq!(
        header(&answer, &header::CACHE_CONTROL),
        "public, max-age=86400"
    );
    let (name, got_range) = name_and_range(&answer.body);
    assert!(name.starts_with(font), "{uri}: font {name:?}");
    assert_eq!(got_range, range, "{uri}");
    let etag = header(&answer, &header::ETAG);
    let again = get_with(uri, header::IF_NONE_MATCH, etag).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
    answer
}

#[tokio::test]
async fn glyphs_are_served_for_the_first_font_of_the_stack_that_is_served() {
    // Generated or not (web/glyphs may not exist), the answer names the font and range.
    let regular = assert_glyphs("/fonts/DejaVu%20Sans/0-255.pbf", "DejaVu Sans", "0-255").await;
    assert!(!name_and_range(&regular.body).0.contains("Bold"));
    let generated = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../web/glyphs/DejaVuSans/0-255.pbf");
    if let Ok(bytes) = std::fs::read(&generated) {
        assert_eq!(regular.body, bytes, "the generated range is served");
    }
    let bold = assert_glyphs(
        "/fonts/DejaVu%20Sans%20Bold/8192-8447.pbf",
        "DejaVu Sans",
        "8192-8447",
    )
    .await;
    assert!(name_and_range(&bold.body).0.contains("Bold"));
    let fallback = assert_glyphs(
        "/fonts/Foo,DejaVu%20Sans,DejaVu%20Sans%20Bold/0-255.pbf",
        "DejaVu Sans",
        "0-255",
    )
    .await;
    assert_eq!(
        fallback.body, regular.body,
        "Foo is skipped for DejaVu Sans"
    );
    let spaced = get("/fonts/Open%20Sans%20Regular,%20DejaVu%20Sans/0-255.pbf").await;
    assert_eq!(spaced.body, regular.body, "names are trimmed");
}

#[tokio::test]
async fn a_range_no_glyphs_were_made_for_is_an_empty_glyph_set() {
    let answer = assert_glyphs(
        "/fonts/DejaVu%20Sans/65280-65535.pbf",
        "DejaVu Sans",
        "65280-65535",
    )
    .await;
    // Only 0-255, 256-511 and 8192-8447 are generated; should this range be generated one
    // day, its glyphs (field 3) are served instead.
    let stack = fields(fields(&answer.body)[0].1);
    if stack.iter().all(|(field, _)| *field != 3) {
        assert_eq!(
            answer.body, b"\x0a\x1a\x0a\x0bDejaVu Sans\x12\x0b65280-65535",
            "glyphs {{ stacks {{ name, range }} }}"
        );
    }
}

#[tokio::test]
async fn a_glyph_request_for_no_served_font_is_a_404_listing_the_fonts() {
    assert_refused(
        "/fonts/Foo,Arial%20Unicode%20MS%20Regular/0-255.pbf",
        StatusCode::NOT_FOUND,
        "unknown_font",
        &[
            "Foo,Arial Unicode MS Regular",
            "DejaVu Sans",
            "DejaVu Sans Bold",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_glyph_range_that_is_not_256_code_points_of_the_bmp_is_a_400() {
    for (range, named) in [
        ("100-355.pbf", "multiple of 256"),
        ("0-511.pbf", "ends at 511"),
        ("0-255.png", "{start}-{end}.pbf"),
        ("0-255", "{start}-{end}.pbf"),
        ("65536-65791.pbf", "65280-65535"),
        ("a-b.pbf", "whole numbers"),
        ("%FF.pbf", "path"),
    ] {
        assert_refused(
            &format!("/fonts/DejaVu%20Sans/{range}"),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &[named],
        )
        .await;
    }
}

#[tokio::test]
async fn the_catalogue_page_is_at_about_and_links_to_the_map() {
    let answer = get("/about").await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = answer.text();
    let body = &html[html.find("<body>").unwrap() + "<body>".len()..];
    assert!(
        body.trim_start()
            .starts_with("<p><a href=\"/\">Kort / Map</a></p>"),
        "{body}"
    );
    assert!(html.contains("<h1>Kvarter</h1>"));
    assert!(html.contains("Udsatte byområder 2017"));
}

const ADMIN_TOKEN: &str = "test-token-0123456789";

#[tokio::test]
async fn with_an_admin_token_the_admin_page_is_served_unstored_and_unframeable() {
    let with_token = || {
        state_with(ServerConfig {
            admin_token: Some(AdminToken::new(ADMIN_TOKEN)),
            ..ServerConfig::default()
        })
    };
    // The page itself needs no token: the operator types it into the page.
    let answer = get_from(with_token(), "/admin").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "text/html; charset=utf-8");
    assert_eq!(header(&answer, &header::CACHE_CONTROL), "no-store");
    assert_eq!(header(&answer, &header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let policy = header(&answer, &header::CONTENT_SECURITY_POLICY);
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.split("; ").any(|d| d == directive),
            "{directive:?} not in {policy:?}"
        );
    }
    let html = answer.text();
    assert!(html.contains("/assets/admin.js"), "{html}");
    assert!(html.contains("/assets/admin.css"), "{html}");
    assert!(!html.contains(ADMIN_TOKEN));
    for (asset, media_type) in [
        ("/assets/admin.js", "text/javascript; charset=utf-8"),
        ("/assets/admin.css", "text/css; charset=utf-8"),
    ] {
        let answer = get_from(with_token(), asset).await;
        assert_eq!(answer.status, StatusCode::OK, "{asset}");
        assert_eq!(answer.content_type(), media_type, "{asset}");
    }
    // The page is a page, not an asset.
    let as_asset = get_from(with_token(), "/assets/admin.html").await;
    assert_eq!(as_asset.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_an_admin_token_the_admin_page_does_not_exist() {
    let answer = get_from(state(), "/admin").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/json");
    assert_eq!(answer.json()["error"], "not_found");
    // As the admin routes answer without a token.
    let status = get_from(state(), "/admin/status").await;
    assert_eq!(status.status, StatusCode::NOT_FOUND);
    assert_eq!(status.json()["error"], answer.json()["error"]);
}

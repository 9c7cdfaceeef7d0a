//! The map front end and the glyphs its labels are drawn with, embedded in the binary at build
//! time (see `build.rs`): `GET /` (the map), `GET /embed` (the locked view for other sites'
//! iframes), `GET /admin` (the operator's page for the admin routes; only when an admin token is
//! configured), `GET /assets/{file}` (the pages' scripts and stylesheets) and
//! `GET /fonts/{fontstack}/{range}.pbf` (glyphs in `MapLibre`'s protobuf format).
//!
//! The files' names are not content-hashed, so the pages and assets are `Cache-Control:
//! no-cache`: clients revalidate each time and get `304` while the ETag holds. ETags are strong,
//! from the bytes and the content coding. Each file is answered by the one builder tiles use
//! ([`crate::respond`]): compressed (brotli or gzip, as the client accepts) once, on first
//! demand and on the blocking pool; the compression middleware leaves answers that have a
//! `Content-Encoding` alone.
//! A glyph range of a served font that was not generated is answered with an empty glyph set,
//! made here, so that labels with rare characters still draw the rest of their text.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, LazyLock};

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::Response;
use kvarter_glyphs::{FONTS, Font, empty_range, font_by_name, range_end};
use kvarter_service::encoding::Rendered;
use sha2::{Digest as _, Sha256};

use crate::error::{ApiError, quoted, shortened};
use crate::respond::Cached;
use crate::state::AppState;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_files.rs"));
}

/// The map page in `web/dist/`, served at `/`.
const MAP_PAGE: &str = "index.html";
/// The embed page in `web/dist/`, served at `/embed`.
const EMBED_PAGE: &str = "embed.html";
/// The admin page in `web/dist/`, served at [`ADMIN_ROUTE`].
const ADMIN_PAGE: &str = "admin.html";
/// Files of `web/dist/` that are not assets: the pages, and the hash of the sources they were
/// built from.
const NOT_ASSETS: [&str; 4] = [MAP_PAGE, EMBED_PAGE, ADMIN_PAGE, "SOURCE-HASH"];

/// `GET`: the admin page.
pub const ADMIN_ROUTE: &str = "/admin";

/// The media type of glyph ranges.
pub const GLYPHS_CONTENT_TYPE: &str = "application/x-protobuf";
/// The admin page: never stored, by browsers or proxies (it is only useful with a token, and a
/// new binary may change what the admin routes take).
const ADMIN_CACHE_CONTROL: &str = "no-store";
/// How long clients may keep a glyph range without asking again: glyphs change only with a
/// new binary, and a day bounds how long an old one is shown.
const GLYPHS_CACHE_CONTROL: &str = "public, max-age=86400";
/// Pages and assets: kept, but revalidated on every use (their names carry no hash).
const PAGE_CACHE_CONTROL: &str = "no-cache";

/// The Content-Security-Policy of a page, with `frame-ancestors` as given. Everything comes
/// from this origin; `MapLibre` also needs `blob:` workers (its worker code is bundled into
/// app.js), `data:` and `blob:` images (icons in its stylesheet, decoded tiles) and inline
/// styles (it positions the map and its controls with `style=`).
macro_rules! content_security_policy {
    ($frame_ancestors:literal) => {
        concat!(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; ",
            "img-src 'self' data: blob:; connect-src 'self'; worker-src blob:; child-src blob:; ",
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors ",
            $frame_ancestors
        )
    };
}

/// The Content-Security-Policy of the map page: other sites may not frame it.
pub const MAP_CSP: &str = content_security_policy!("'self'");
/// The Content-Security-Policy of the embed page: any site may frame it.
pub const EMBED_CSP: &str = content_security_policy!("*");
/// The Content-Security-Policy of the admin page, stricter than the map's: no site may frame it
/// (clickjacking a form that holds the token), no inline styles, workers or plugins, and its
/// scripts may only talk to this origin.
pub const ADMIN_CSP: &str = concat!(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; ",
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; ",
    "frame-ancestors 'none'"
);

/// One file to serve: its bytes (compressed on first demand) and a hash of them for its ETags.
#[derive(Debug)]
struct File {
    content: Arc<Rendered>,
    hash: String,
}

impl File {
    fn new(bytes: impl Into<bytes::Bytes>) -> File {
        let bytes = bytes.into();
        let digest = Sha256::digest(&bytes);
        // 128 bits tell files apart well enough for a cache validator.
        let hash = digest[..16]
            .iter()
            .fold(String::with_capacity(32), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            });
        File {
            content: Arc::new(Rendered::new(bytes)),
            hash,
        }
    }
}

/// The files of an embedded table by their path, hashed once on first use.
fn index(table: &'static [(&'static str, &'static [u8])]) -> HashMap<&'static str, File> {
    table
        .iter()
        .map(|&(path, bytes)| (path, File::new(bytes)))
        .collect()
}

static DIST: LazyLock<HashMap<&'static str, File>> = LazyLock::new(|| index(embedded::DIST));
static GLYPHS: LazyLock<HashMap<&'static str, File>> = LazyLock::new(|| index(embedded::GLYPHS));

/// How a file is answered besides its bytes.
struct Headers {
    content_type: &'static str,
    cache_control: &'static str,
    /// The Content-Security-Policy, for pages.
    policy: Option<&'static str>,
}

/// Answers a request for `file`: `304` when `If-None-Match` names its ETag, else its bytes in
/// the best coding the client accepts (compressed once per file and coding, on the blocking
/// pool: brotli takes a tenth of a second for app.js), with the caching and security headers.
async fn answer(file: &File, request: &HeaderMap, how: &Headers) -> Result<Response, ApiError> {
    let policy = how.policy.map(|policy| {
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        )
    });
    let headers = Cached::headers(
        HeaderValue::from_static(how.cache_control),
        [(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        )]
        .into_iter()
        .chain(policy),
    );
    let cached = Cached {
        tag: file.hash.clone(),
        content_type: how.content_type,
        headers: Cow::Owned(headers),
        empty_is_no_content: false,
        compress: true,
    };
    // The bytes are always at hand: `make` is never called.
    let content = file.content.clone();
    let made = content.clone();
    cached
        .answer(request, move || Some(content), move || Ok(made))
        .await
}

/// Answers with a page of `web/dist/` and its Content-Security-Policy.
async fn page(name: &str, policy: &'static str, request: HeaderMap) -> Result<Response, ApiError> {
    page_with(name, policy, PAGE_CACHE_CONTROL, request).await
}

/// Answers with a page of `web/dist/`, its Content-Security-Policy and its `Cache-Control`.
async fn page_with(
    name: &str,
    policy: &'static str,
    cache_control: &'static str,
    request: HeaderMap,
) -> Result<Response, ApiError> {
    let file = DIST.get(name).ok_or_else(|| {
        ApiError::internal(
            "serving a page of the map",
            format!("web/dist/{name} is not embedded"),
        )
    })?;
    let headers = Headers {
        content_type: "text/html; charset=utf-8",
        cache_control,
        policy: Some(policy),
    };
    answer(file, &request, &headers).await
}

/// `GET /`: the map.
pub async fn map(headers: HeaderMap) -> Result<Response, ApiError> {
    page(MAP_PAGE, MAP_CSP, headers).await
}

/// `GET /embed`: the map locked to one view, for other sites' iframes. Its query string (the
/// view) is read by the page's script, not by the server.
pub async fn embed(headers: HeaderMap) -> Result<Response, ApiError> {
    page(EMBED_PAGE, EMBED_CSP, headers).await
}

/// `GET /admin`: the page from which the operator uses the admin routes with the token typed
/// into it. Without a configured token it does not exist (the JSON 404 of the admin routes).
pub async fn admin(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if state.config.admin_token.is_none() {
        return Err(ApiError::NoRoute {
            path: shortened(uri.path()),
        });
    }
    page_with(ADMIN_PAGE, ADMIN_CSP, ADMIN_CACHE_CONTROL, headers).await
}

/// The media type of an asset, by its extension.
fn asset_content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("map" | "json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The names of the assets, sorted.
fn asset_names() -> Vec<String> {
    let mut names: Vec<String> = DIST
        .keys()
        .filter(|name| !NOT_ASSETS.contains(name))
        .map(|&name| name.to_owned())
        .collect();
    names.sort_unstable();
    names
}

/// `GET /assets/{file}`: a file of `web/dist/` other than the pages (`app.js`, `app.css`).
pub async fn asset(
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(name) =
        path.map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))?;
    let file = DIST
        .get(name.as_str())
        .filter(|_| !NOT_ASSETS.contains(&name.as_str()))
        .ok_or_else(|| ApiError::UnknownAsset {
            name: shortened(&name),
            known: asset_names(),
        })?;
    let how = Headers {
        content_type: asset_content_type(&name),
        cache_control: PAGE_CACHE_CONTROL,
        policy: None,
    };
    answer(file, &headers, &how).await
}

/// A range of 256 Unicode code points, as glyphs are served: `{start}-{end}` with `start` a
/// multiple of 256 and `end = start + 255 ≤ 65535`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlyphRange {
    start: u32,
}

impl GlyphRange {
    /// The range of `{start}-{end}.pbf`, or a 400 naming what is wrong with it.
    pub fn parse(text: &str) -> Result<GlyphRange, ApiError> {
        let bad = |problem: String| ApiError::bad_parameter("range", problem);
        let Some(range) = text.strip_suffix(".pbf") else {
            return Err(bad(format!(
                "{} should be {{start}}-{{end}}.pbf, e.g. 0-255.pbf",
                quoted(text)
            )));
        };
        let number = |part: &str| {
            part.parse::<u32>()
                .ok()
                .filter(|_| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        };
        let Some((start, end)) = range
            .split_once('-')
            .and_then(|(start, end)| Some((number(start)?, number(end)?)))
        else {
            return Err(bad(format!(
                "{} should be two whole numbers, {{start}}-{{end}}.pbf, e.g. 256-511.pbf",
                quoted(text)
            )));
        };
        if Some(end) != start.checked_add(255) {
            return Err(bad(format!(
                "{} ends at {end}, but a range starting at {start} ends at {}",
                quoted(text),
                u64::from(start) + 255
            )));
        }
        // The start rule is the glyph crate's, the one the files were generated by.
        if let Err(error) = range_end(start) {
            return Err(bad(format!(
                "{}: {error} (the ranges are 0-255, 256-511, … 65280-65535)",
                quoted(text)
            )));
        }
        Ok(GlyphRange { start })
    }

    /// The first code point.
    pub fn start(self) -> u32 {
        self.start
    }

    /// The last code point.
    pub fn end(self) -> u32 {
        self.start + 255
    }
}

impl std::fmt::Display for GlyphRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.start(), self.end())
    }
}

/// The first font of a comma-separated font stack that is served (one of
/// [`kvarter_glyphs::FONTS`]).
pub fn font(fontstack: &str) -> Option<&'static Font> {
    fontstack.split(',').map(str::trim).find_map(font_by_name)
}

/// `GET /fonts/{fontstack}/{range}.pbf`: the glyphs of the first served font of the stack in a
/// range of 256 code points; an empty glyph set when the range was not generated.
pub async fn glyphs(
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((fontstack, range)) =
        path.map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))?;
    let range = GlyphRange::parse(&range)?;
    let font = font(&fontstack).ok_or_else(|| ApiError::UnknownFont {
        fontstack: shortened(&fontstack),
        known: FONTS.iter().map(|font| font.name.to_owned()).collect(),
    })?;
    let how = Headers {
        content_type: GLYPHS_CONTENT_TYPE,
        cache_control: GLYPHS_CACHE_CONTROL,
        policy: None,
    };
    if let Some(file) = GLYPHS.get(format!("{}/{range}.pbf", font.folder).as_str()) {
        return answer(file, &headers, &how).await;
    }
    // A range we did not generate: a few dozen bytes, compressed on the spot.
    let empty = empty_range(font.name, range.start())
        .map_err(|error| ApiError::bad_parameter("range", error.to_string()))?;
    answer(&File::new(empty), &headers, &how).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    #[test]
    fn glyph_ranges_are_256_code_points_from_a_multiple_of_256_up_to_65535() {
        for (text, start) in [
            ("0-255.pbf", 0),
            ("8192-8447.pbf", 8192),
            ("65280-65535.pbf", 65280),
        ] {
            let range = GlyphRange::parse(text).unwrap();
            assert_eq!((range.start(), range.end()), (start, start + 255), "{text}");
            assert_eq!(format!("{range}.pbf"), text);
        }
        for (text, named) in [
            ("0-255", "0-255.pbf"),
            ("0-255.png", "0-255.pbf"),
            ("100-355.pbf", "multiple of 256"),
            ("0-511.pbf", "ends at 255"),
            ("65536-65791.pbf", "65280-65535"),
            ("4294967040-4294967295.pbf", "65280-65535"),
            ("4294967040-0.pbf", "ends at 4294967295"),
            ("a-b.pbf", "whole numbers"),
            ("+0-255.pbf", "whole numbers"),
            ("-255.pbf", "whole numbers"),
            ("0255.pbf", "whole numbers"),
            ("99999999999-99999999999.pbf", "whole numbers"),
        ] {
            let error = GlyphRange::parse(text).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{text}");
            let message = error.to_string();
            assert!(message.starts_with("range: "), "{message}");
            assert!(
                message.contains(named),
                "{text}: {message} should name {named}"
            );
        }
    }

    #[test]
    fn the_first_served_font_of_a_stack_wins() {
        let name = |stack: &str| font(stack).map(|font| font.name);
        assert_eq!(name("DejaVu Sans"), Some("DejaVu Sans"));
        assert_eq!(
            name("Open Sans Bold, DejaVu Sans Bold,DejaVu Sans"),
            Some("DejaVu Sans Bold")
        );
        assert_eq!(font("Arial Unicode MS Regular"), None);
        assert_eq!(font("dejavu sans"), None, "names are exact");
        assert_eq!(font(""), None);
    }

    #[test]
    fn the_pages_and_assets_are_embedded() {
        for name in [
            MAP_PAGE,
            EMBED_PAGE,
            ADMIN_PAGE,
            "app.js",
            "app.css",
            "admin.js",
            "admin.css",
        ] {
            assert!(DIST.get(name).is_some(), "{name}");
        }
        assert_eq!(
            asset_names()
                .iter()
                .filter(|n| n.starts_with("app."))
                .count(),
            2
        );
        assert!(
            !asset_names()
                .iter()
                .any(|n| NOT_ASSETS.contains(&n.as_str()))
        );
    }

    #[test]
    fn every_embedded_glyph_range_belongs_to_a_served_font_and_a_valid_range() {
        for (path, _) in embedded::GLYPHS {
            let (folder, range) = path.split_once('/').unwrap();
            assert!(
                FONTS.iter().any(|font| font.folder == folder),
                "{path}: {folder} is not in FONTS"
            );
            GlyphRange::parse(range).unwrap();
        }
    }

    #[test]
    fn the_admin_policy_lets_nothing_in_but_this_origin_and_no_one_frame_it() {
        let directives: Vec<&str> = ADMIN_CSP.split("; ").collect();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(directives.contains(&directive), "{directive}");
        }
        assert!(!ADMIN_CSP.contains("unsafe"), "{ADMIN_CSP}");
        assert!(!ADMIN_CSP.contains("blob:"), "{ADMIN_CSP}");
    }

    #[test]
    fn the_policies_differ_only_in_who_may_frame_the_page() {
        assert!(MAP_CSP.ends_with("frame-ancestors 'self'"));
        assert!(EMBED_CSP.ends_with("frame-ancestors *"));
        assert_eq!(
            MAP_CSP.trim_end_matches("'self'"),
            EMBED_CSP.trim_end_matches('*')
        );
        for directive in [
            "worker-src blob:",
            "child-src blob:",
            "img-src 'self' data: blob:",
        ] {
            assert!(MAP_CSP.contains(directive), "{directive}");
        }
    }
}

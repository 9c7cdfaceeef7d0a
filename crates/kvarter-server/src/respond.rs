//! The one response builder for cached bytes — tiles, the map's pages and assets, glyphs:
//! content negotiation (brotli, gzip or identity), a strong `ETag` per content coding,
//! `If-None-Match` → `304` before any work, `Vary: Accept-Encoding`, `Cache-Control`, and a
//! body compressed at most once per coding, off the async workers.
//!
//! The bytes come as a [`Rendered`] (see [`kvarter_service::encoding`]); an answer whose bytes
//! must still be made (a tile to render) or compressed in a new coding is worked out on the
//! blocking pool, so an async worker never renders or compresses.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use kvarter_service::encoding::{Encoding, Rendered};

use crate::error::ApiError;

/// How one answer of cached bytes is made, besides its bytes.
#[derive(Debug, Clone)]
pub struct Cached<'a> {
    /// The `ETag` without its quotes and coding: what identifies the bytes (a data version and a
    /// tile address, a hash of a file). The coding's token is appended, so each coding has its
    /// own tag.
    pub tag: String,
    /// The `Content-Type` of a `200`.
    pub content_type: &'static str,
    /// The headers of every answer (`200`, `204` and `304` alike) besides the `ETag`, made by
    /// [`Cached::headers`]: `Cache-Control`, `Vary` and more. Borrowed where many answers share
    /// them (a tile's), and copied once into each answer: a copy of a map costs less than
    /// inserting its headers one by one (BENCHMARKS.md, "The HTTP fast path").
    pub headers: Cow<'a, HeaderMap>,
    /// Empty bytes are a `204 No Content` (a tile without features) rather than an empty
    /// `200`.
    pub empty_is_no_content: bool,
    /// Whether to offer gzip and brotli: not for bytes compressed already (PNG, PDF).
    pub compress: bool,
}

/// The coding an answer is in, its `ETag`, and whether the client has those bytes already
/// (`If-None-Match` names the `ETag`): the part of an answer worked out before its bytes are
/// needed (see [`Cached::conditional`]).
#[derive(Debug)]
pub struct Conditional {
    encoding: Encoding,
    etag: HeaderValue,
    /// Whether the answer is a `304 Not Modified`.
    pub not_modified: bool,
}

impl Cached<'_> {
    /// The headers every answer of cached bytes carries: `cache_control`,
    /// `Vary: Accept-Encoding`, and `more` (`X-Content-Type-Options`, a
    /// `Content-Security-Policy`, CORS). Room is left for the headers added per answer.
    pub fn headers(
        cache_control: HeaderValue,
        more: impl IntoIterator<Item = (HeaderName, HeaderValue)>,
    ) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(16);
        headers.insert(header::CACHE_CONTROL, cache_control);
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.extend(more);
        headers
    }

    /// The strong `ETag` of the answer in `encoding`.
    fn etag(&self, encoding: Encoding) -> HeaderValue {
        // Pushed rather than format!ted, and handed to the header without a copy: this runs
        // for every cached tile (BENCHMARKS.md, "The HTTP fast path").
        let token = encoding.token();
        let mut etag = String::with_capacity(self.tag.len() + token.len() + 3);
        etag.push('"');
        etag.push_str(&self.tag);
        etag.push('-');
        etag.push_str(token);
        etag.push('"');
        HeaderValue::from_maybe_shared(bytes::Bytes::from(etag))
            .unwrap_or_else(|_| HeaderValue::from_static("\"cached\""))
    }

    /// The coding the answer to `request` is in, its `ETag`, and whether it is a `304`.
    pub fn conditional(&self, request: &HeaderMap) -> Conditional {
        let encoding = if self.compress {
            negotiate(request)
        } else {
            Encoding::Identity
        };
        let etag = self.etag(encoding);
        let not_modified = none_match(request, &etag);
        Conditional {
            encoding,
            etag,
            not_modified,
        }
    }

    /// Answers `request`: `304` when `If-None-Match` names the `ETag`, without looking for
    /// the bytes; else the bytes — from `ready` when it has them (a cache hit), otherwise made
    /// by `make` — in the best coding the client accepts. `make` and any compression not done
    /// yet run on the blocking pool.
    pub async fn answer<F>(
        &self,
        request: &HeaderMap,
        ready: impl FnOnce() -> Option<Arc<Rendered>>,
        make: F,
    ) -> Result<Response, ApiError>
    where
        F: FnOnce() -> Result<Arc<Rendered>, ApiError> + Send + 'static,
    {
        let conditional = self.conditional(request);
        let ready = if conditional.not_modified {
            None
        } else {
            ready()
        };
        let pending = match self.answer_conditional(conditional, ready.as_deref()) {
            Ok(response) => return Ok(response),
            Err(pending) => pending,
        };
        let encoding = pending.encoding;
        let body = tokio::task::spawn_blocking(move || {
            let rendered = match ready {
                Some(rendered) => rendered,
                None => make()?,
            };
            Ok::<_, ApiError>(rendered.body(encoding))
        })
        .await
        .map_err(|error| ApiError::internal("making an answer", error))??;
        Ok(self.with_body(pending, body))
    }

    /// The answer to `request` when it takes no work: a `304`, or the bytes of `ready` when
    /// they are there in the coding the client is answered in. Otherwise `Err` with what the
    /// answer will carry, for [`Cached::answer`] to finish once the bytes are made — and for the
    /// fast lane ([`crate::lane`]) to leave the request to the router.
    pub fn answer_now(
        &self,
        request: &HeaderMap,
        ready: Option<&Rendered>,
    ) -> Result<Response, Pending> {
        self.answer_conditional(self.conditional(request), ready)
    }

    /// [`Cached::answer_now`] for a request whose [`Cached::conditional`] is worked out
    /// already.
    pub fn answer_conditional(
        &self,
        conditional: Conditional,
        ready: Option<&Rendered>,
    ) -> Result<Response, Pending> {
        let Conditional {
            encoding,
            etag,
            not_modified,
        } = conditional;
        let mut headers = self.headers.as_ref().clone();
        headers.insert(header::ETAG, etag);
        if not_modified {
            return Ok(with_headers(
                StatusCode::NOT_MODIFIED,
                headers,
                Body::empty(),
            ));
        }
        let pending = Pending { encoding, headers };
        match ready {
            Some(rendered) if rendered.is_ready(encoding) => {
                Ok(self.with_body(pending, rendered.body(encoding)))
            }
            _ => Err(pending),
        }
    }

    /// The answer with `body` in the coding and with the headers of `pending`: `204` for empty
    /// bytes when [`Cached::empty_is_no_content`], else `200`.
    fn with_body(&self, pending: Pending, body: Bytes) -> Response {
        let Pending {
            encoding,
            mut headers,
        } = pending;
        if body.is_empty() && self.empty_is_no_content {
            return with_headers(StatusCode::NO_CONTENT, headers, Body::empty());
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if encoding != Encoding::Identity {
            headers.insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(encoding.token()),
            );
        }
        with_headers(StatusCode::OK, headers, Body::from(body))
    }
}

/// An answer of cached bytes that waits for its bytes: the coding they are wanted in and the
/// headers it will carry (see [`Cached::answer_now`]).
#[derive(Debug)]
pub struct Pending {
    encoding: Encoding,
    headers: HeaderMap,
}

/// A response of `status` with exactly `headers` and `body` (the headers are moved in, not
/// merged into an empty map one by one as `(headers, body).into_response()` does).
fn with_headers(status: StatusCode, headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The coding to answer in: brotli or gzip when the client accepts it (brotli first at equal
/// preference, being smaller), else identity.
pub fn negotiate(headers: &HeaderMap) -> Encoding {
    // What tile clients (GDAL, QGIS, MapLibre Native) and caches send, answered before parsing.
    let mut sent = headers.get_all(header::ACCEPT_ENCODING).iter();
    if let (Some(only), None) = (sent.next(), sent.next())
        && only.as_bytes() == b"gzip"
    {
        return Encoding::Gzip;
    }
    let mut best = (Encoding::Identity, 0_u32);
    for (encoding, quality) in accepted(headers) {
        let better = quality > best.1 || (quality == best.1 && encoding == Encoding::Brotli);
        if quality > 0 && better {
            best = (encoding, quality);
        }
    }
    best.0
}

/// The compressed codings `Accept-Encoding` names (brotli, gzip or x-gzip), each with its
/// quality in thousandths (q has at most three decimals; 1000 when not given).
pub fn accepted(headers: &HeaderMap) -> impl Iterator<Item = (Encoding, u32)> + '_ {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|text| text.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let encoding = if name.eq_ignore_ascii_case("br") {
                Encoding::Brotli
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                Encoding::Gzip
            } else {
                return None;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .map_or(1000, |q| {
                    #[expect(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        reason = "clamped to 0..=1 first"
                    )]
                    let thousandths = (q.clamp(0.0, 1.0) * 1000.0).round() as u32;
                    thousandths
                });
            Some((encoding, quality))
        })
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET).
pub fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let sent = headers.get_all(header::IF_NONE_MATCH);
    // What a cache or a browser revalidating sends, compared before any parsing: the tag alone.
    if sent.iter().any(|value| value == etag) {
        return true;
    }
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    sent.iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|text| text.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("")),
        );
        headers
    }

    #[test]
    fn content_negotiation_prefers_brotli_then_gzip_and_honours_q_zero() {
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(negotiate(&accept("gzip")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("gzip, deflate, br")), Encoding::Brotli);
        assert_eq!(negotiate(&accept("br;q=0.5, gzip")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("br;q=0, gzip;q=0")), Encoding::Identity);
        assert_eq!(negotiate(&accept("deflate")), Encoding::Identity);
    }

    fn cached() -> Cached<'static> {
        Cached {
            tag: "v1-thing".into(),
            content_type: "text/plain",
            headers: Cow::Owned(Cached::headers(HeaderValue::from_static("no-cache"), [])),
            empty_is_no_content: true,
            compress: true,
        }
    }

    #[tokio::test]
    async fn a_named_etag_is_a_304_without_making_the_bytes() {
        let mut request = accept("gzip");
        request.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"v1-thing-gzip\""),
        );
        let response = cached()
            .answer(
                &request,
                || panic!("a 304 looks for nothing"),
                || panic!("a 304 makes nothing"),
            )
            .await
            .unwrap_or_else(|_| panic!("answered"));
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
    }

    #[tokio::test]
    async fn made_bytes_are_compressed_as_asked_and_empty_ones_are_a_204() {
        let made = Arc::new(Rendered::new(b"bytes bytes bytes".to_vec()));
        let response = cached()
            .answer(&accept("br"), || None, move || Ok(made))
            .await
            .unwrap_or_else(|_| panic!("answered"));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(response.headers()[header::ETAG], "\"v1-thing-br\"");
        let empty = cached()
            .answer(
                &HeaderMap::new(),
                || Some(Arc::new(Rendered::new(Vec::new()))),
                || panic!("a ready answer makes nothing"),
            )
            .await
            .unwrap_or_else(|_| panic!("answered"));
        assert_eq!(empty.status(), StatusCode::NO_CONTENT);
    }
}

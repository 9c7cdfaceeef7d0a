//! gzip for answers that are whole in memory when they leave their handler — JSON, CSV, HTML,
//! SVG, the OpenAPI documents — by libdeflate, with one compressor per thread.
//!
//! Why not tower-http's `CompressionLayer` for these: it opens a new zlib stream for every
//! answer, and setting one up (zlib-rs zeroes its window and hash tables) took two thirds of the
//! CPU time of a `/api/lookup` answer, more than the lookup and its JSON together (BENCHMARKS.md,
//! "The HTTP fast path"). libdeflate compresses a whole buffer in one call and its compressor is
//! kept for the thread's next answer. The `CompressionLayer` stays outside this layer for answers
//! whose size is not known up front (a streamed body); it never compresses an answer twice.
//!
//! What is compressed follows tower-http's default predicate and Kvarter's exceptions, as before:
//! not below 32 bytes, not images but SVG, not gRPC or event streams, not tiles (which negotiate
//! their own cached codings, [`crate::respond`]) or PDFs (compressed inside already), nothing with
//! a `Content-Encoding` or `Content-Range`, no `204`/`304`. A compressed answer gets
//! `Content-Encoding: gzip` and `Vary: accept-encoding`, and loses `Content-Length` and
//! `Accept-Ranges`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};
use kvarter_service::encoding::Encoding;
use tower::{Layer, Service};

/// The smallest answer worth compressing (tower-http's default).
const MIN_SIZE: u64 = 32;

/// Content types never compressed here (compared up to a `;`).
const NOT_COMPRESSED: [&str; 4] = [
    crate::tiles::MVT_CONTENT_TYPE,
    "application/pdf",
    "application/grpc",
    "text/event-stream",
];

thread_local! {
    /// The thread's compressor, at level 1 (`CompressionLvl::fastest()` is 0, which stores
    /// without compressing): answers are small and made per request, and level 1 already
    /// shrinks JSON three- to fivefold.
    static COMPRESSOR: RefCell<libdeflater::Compressor> = RefCell::new(
        libdeflater::Compressor::new(
            libdeflater::CompressionLvl::new(1).unwrap_or_default(),
        ),
    );
}

/// The layer: add it inside tower-http's `CompressionLayer`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GzipLayer;

impl<S> Layer<S> for GzipLayer {
    type Service = Gzip<S>;

    fn layer(&self, inner: S) -> Gzip<S> {
        Gzip { inner }
    }
}

/// The service of [`GzipLayer`].
#[derive(Debug, Clone)]
pub struct Gzip<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for Gzip<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Gzipped<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        Gzipped {
            accepts: accepts_gzip(request.headers()),
            inner: self.inner.call(request),
        }
    }
}

pin_project_lite::pin_project! {
    /// An answer on its way, compressed when it is there (if the client and the answer allow).
    pub struct Gzipped<F> {
        #[pin]
        inner: F,
        accepts: bool,
    }
}

impl<F, E> Future for Gzipped<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        Poll::Ready(Ok(if *this.accepts {
            compress(response)
        } else {
            response
        }))
    }
}

/// Whether the request's `Accept-Encoding` accepts gzip (`q` above 0).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    crate::respond::accepted(headers)
        .any(|(encoding, quality)| encoding == Encoding::Gzip && quality > 0)
}

/// Whether `response` is one this layer compresses (see the module docs), given its size.
fn compressible(response: &Response<Body>, size: u64) -> bool {
    let headers = response.headers();
    let status = response.status();
    if size < MIN_SIZE
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || headers.contains_key(header::CONTENT_ENCODING)
        || headers.contains_key(header::CONTENT_RANGE)
    {
        return false;
    }
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return true;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let image = essence.starts_with("image/") && !essence.starts_with("image/svg+xml");
    !image
        && !NOT_COMPRESSED
            .iter()
            .any(|t| essence.eq_ignore_ascii_case(t))
}

/// `response` gzipped when it is compressible and its whole body is at hand; else unchanged.
fn compress(response: Response<Body>) -> Response<Body> {
    let Some(size) = response.body().size_hint().exact() else {
        return response;
    };
    if !compressible(&response, size) {
        return response;
    }
    let (mut parts, mut body) = response.into_parts();
    // A body of known size built in memory gives all its bytes at the first poll; one that
    // does not (it waits, or gives a part) goes on as it is, after the part it gave.
    let mut context = Context::from_waker(Waker::noop());
    let bytes = match Pin::new(&mut body).poll_frame(&mut context) {
        Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
            Ok(data) if data.len() as u64 == size => data,
            Ok(data) => return Response::from_parts(parts, Prefixed::body(data, body)),
            Err(frame) => {
                return Response::from_parts(parts, Prefixed::frame(frame, body));
            }
        },
        Poll::Ready(None) => return Response::from_parts(parts, Body::empty()),
        Poll::Ready(Some(Err(error))) => {
            return Response::from_parts(parts, Prefixed::error(error, body));
        }
        Poll::Pending => return Response::from_parts(parts, body),
    };
    let gzipped = COMPRESSOR.with_borrow_mut(|compressor| {
        let mut out = vec![0; compressor.gzip_compress_bound(bytes.len())];
        let written = compressor.gzip_compress(&bytes, &mut out).ok()?;
        out.truncate(written);
        Some(out)
    });
    let Some(gzipped) = gzipped else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let headers = &mut parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::ACCEPT_RANGES);
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    let varies = headers.get_all(header::VARY).iter().any(|value| {
        value
            .to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    Response::from_parts(parts, Body::from(gzipped))
}

/// A body that gives what was already taken from it first, then the rest.
struct Prefixed {
    first: Option<Result<Frame<Bytes>, axum::Error>>,
    rest: Body,
}

impl Prefixed {
    fn body(first: Bytes, rest: Body) -> Body {
        Self::frame(Frame::data(first), rest)
    }

    fn frame(first: Frame<Bytes>, rest: Body) -> Body {
        Body::new(Self {
            first: Some(Ok(first)),
            rest,
        })
    }

    fn error(error: axum::Error, rest: Body) -> Body {
        Body::new(Self {
            first: Some(Err(error)),
            rest,
        })
    }
}

impl http_body::Body for Prefixed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(first));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn answer(content_type: &str, body: impl Into<Body>) -> Response<Body> {
        Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap()
    }

    fn body_of(response: Response<Body>) -> Bytes {
        let mut body = response.into_body();
        let mut context = Context::from_waker(Waker::noop());
        let mut out = Vec::new();
        while let Poll::Ready(Some(frame)) = Pin::new(&mut body).poll_frame(&mut context) {
            out.extend_from_slice(&frame.unwrap().into_data().unwrap());
        }
        out.into()
    }

    #[test]
    fn json_is_gzipped_and_reads_back_the_same() {
        let json = format!("[{}]", vec!["{\"ø\":\"Mjølnerparken\"}"; 200].join(","));
        let response = compress(answer("application/json", json.clone()));
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        let gzipped = body_of(response);
        assert!(gzipped.len() < json.len() / 5, "{} bytes", gzipped.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, json);
    }

    #[test]
    fn what_should_not_be_compressed_is_left_alone() {
        let long = "x".repeat(1000);
        for content_type in [
            crate::tiles::MVT_CONTENT_TYPE,
            "application/pdf",
            "image/png",
            "text/event-stream",
        ] {
            let response = compress(answer(content_type, long.clone()));
            assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
            assert_eq!(body_of(response), long.as_bytes());
        }
        let svg = compress(answer("image/svg+xml", long.clone()));
        assert_eq!(svg.headers()[header::CONTENT_ENCODING], "gzip");
        let small = compress(answer("application/json", "{}"));
        assert!(!small.headers().contains_key(header::CONTENT_ENCODING));
        let mut coded = answer("application/json", long.clone());
        coded
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        assert_eq!(compress(coded).headers()[header::CONTENT_ENCODING], "br");
    }

    #[test]
    fn gzip_is_accepted_by_name_and_quality() {
        let accepts = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            accepts_gzip(&headers)
        };
        assert!(accepts("gzip"));
        assert!(accepts("br, GZIP;q=0.5"));
        assert!(accepts("deflate, x-gzip"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("br, identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}

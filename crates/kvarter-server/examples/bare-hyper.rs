//! The ceiling of a conditional request, which `scripts/bench-http` measures beside Kvarter and
//! nginx: hyper 1 alone — no router, no middleware, no cache — on tokio's default
//! multi-threaded runtime. A `GET` with `If-None-Match` gets a `304` with the headers Kvarter's
//! carries (`ETag`, `Cache-Control`, `Vary`, a request id); any other request gets a fixed
//! 800-byte body. What hyper and tokio cost before any server does anything.
//!
//! Usage: `cargo run --release -p kvarter-server --example bare-hyper -- 127.0.0.1:18091`

use std::convert::Infallible;

use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use bytes::Bytes;
use http_body_util::Full;

static BODY: [u8; 800] = [b'x'; 800];

async fn answer(
    request: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::new()));
    if request.headers().contains_key(header::IF_NONE_MATCH) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
    } else {
        *response.body_mut() = Full::new(Bytes::from_static(&BODY));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
        );
    }
    let headers = response.headers_mut();
    headers.insert(
        header::ETAG,
        HeaderValue::from_static("\"6c3497f244f12ad3-525a34c961ca8c50-10-547-320-gzip\""),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert("x-request-id", HeaderValue::from_static("c9aca083-521fc8"));
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18091".to_owned());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            // A connection's error (a client gone) ends that connection only.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    hyper::service::service_fn(answer),
                )
                .await;
        });
    }
}

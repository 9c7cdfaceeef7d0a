//! The ceiling `scripts/bench-http` measures Kvarter against: a bare axum 0.8 server on the
//! same route shape as a tile (`/tiles/{layers}/{z}/{x}/{y}`) answering a fixed 800-byte body
//! with no middleware, on tokio's default multi-threaded runtime — what hyper and axum cost
//! before Kvarter does anything.
//!
//! Usage: `cargo run --release -p kvarter-server --example bare-axum -- 127.0.0.1:18090`

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

static BODY: [u8; 800] = [b'x'; 800];

async fn tile(Path(_): Path<(String, String, String, String)>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile")],
        &BODY[..],
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18090".to_owned());
    let app = Router::new().route("/tiles/{layers}/{z}/{x}/{y}", get(tile));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    axum::serve(listener, app).await
}

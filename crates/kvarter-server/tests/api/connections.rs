//! The server over real TCP connections (`kvarter_server::serve_until`, what `kvarter serve`
//! runs): keep-alive requests answered by the fast lane and by the router on one connection,
//! `Connection: close`, a request too large for hyper, and the graceful shutdown.

use std::time::Duration;

use kvarter_server::{ServerConfig, serve_until};
use kvarter_testkit::husum;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::state_with;

/// Reads one HTTP/1.1 answer with a `Content-Length` body (or none) from `stream`: its status
/// line, its headers (names lowercase) and body.
async fn answer(stream: &mut TcpStream) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut seen = Vec::new();
    let mut byte = [0_u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).await.unwrap();
        assert_eq!(
            n, 1,
            "the connection closed inside an answer's head: {seen:?}"
        );
        seen.push(byte[0]);
    }
    let head = String::from_utf8(seen).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| value.parse::<usize>().unwrap());
    let mut body = vec![0_u8; length];
    stream.read_exact(&mut body).await.unwrap();
    (status, headers, body)
}

#[tokio::test]
async fn keep_alive_requests_reach_the_lane_and_the_router_and_shutdown_is_graceful() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_until(
        listener,
        state_with(ServerConfig::default()),
        async {
            stopped.await.ok();
        },
    ));

    let mut stream = TcpStream::connect(address).await.unwrap();
    let (lon, lat) = husum::IN_BOTH_YEARS;
    let layer = husum::Y2011;
    // A lookup (the lane), the same again, a tile (rendered by the router, then cached), the same
    // tile (the lane), a 404 (the router): one connection, one after the other.
    let paths = [
        format!("/api/lookup?lon={lon}&lat={lat}"),
        format!("/api/lookup?lon={lon}&lat={lat}"),
        format!("/tiles/{layer}/14/8759/5125.mvt"),
        format!("/tiles/{layer}/14/8759/5125.mvt"),
        "/api/no-such-route".to_owned(),
    ];
    let mut answers = Vec::new();
    for path in &paths {
        let request = format!("GET {path} HTTP/1.1\r\nHost: kvarter.test\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        answers.push(answer(&mut stream).await);
    }
    let statuses: Vec<&str> = answers
        .iter()
        .map(|(status, _, _)| status.as_str())
        .collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 404 Not Found"
        ]
    );
    assert_eq!(
        answers[0].2, answers[1].2,
        "the same lookup, the same answer"
    );
    assert_eq!(
        answers[2].2, answers[3].2,
        "the tile rendered, then from the cache"
    );
    for (status, headers, _) in &answers {
        let id = headers.iter().find(|(name, _)| name == "x-request-id");
        assert!(id.is_some(), "{status}: no request id in {headers:?}");
    }
    let lookup: serde_json::Value = serde_json::from_slice(&answers[0].2).unwrap();
    let designated: Vec<&str> = lookup["designations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|year| year["layers"].as_array().unwrap())
        .filter(|entry| entry["designated"] == true)
        .map(|entry| entry["layer"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(designated, [husum::Y2011, husum::Y2017], "{lookup}");

    // A head larger than hyper takes is refused, and the connection closed.
    let mut huge = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET /health HTTP/1.1\r\nHost: kvarter.test\r\nX-Padding: {}\r\n\r\n",
        "x".repeat(1024 * 1024)
    );
    // The server may close before it has read everything; what it answers is what counts.
    let _ = huge.write_all(request.as_bytes()).await;
    let mut refused = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), huge.read_to_end(&mut refused)).await;
    let refused = String::from_utf8_lossy(&refused);
    assert!(refused.starts_with("HTTP/1.1 431"), "{refused}");

    // `Connection: close` is answered, then the server closes.
    let mut once = TcpStream::connect(address).await.unwrap();
    once.write_all(b"GET /health HTTP/1.1\r\nHost: kvarter.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (status, _, _) = answer(&mut once).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(once.read(&mut [0_u8; 1]).await.unwrap(), 0);

    // Shutdown: the idle keep-alive connection is closed and the server returns.
    stop.send(()).unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut [0_u8; 1]))
        .await
        .expect("the idle connection is closed at shutdown");
    assert_eq!(closed.unwrap(), 0);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server returns once its connections are closed")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(address).await.is_err(),
        "nothing listens after the shutdown"
    );
}

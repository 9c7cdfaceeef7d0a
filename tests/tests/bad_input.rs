//! Bad input that only a real HTTP connection can carry, sent to the real binary over a raw TCP
//! socket (`kvarter serve --data DIR --admin-token T`): huge headers, a 100 kB URL, bytes that are
//! not UTF-8 in the request line, malformed request lines, lying or broken `Content-Length` and
//! chunked framing, a body cut short, a slow body. None may be a 5xx; afterwards the server
//! answers exactly as before and the data folder's manifest is byte for byte the same. The rest
//! of the matrix (every route family) is the router test `crates/kvarter-server/tests/api/bad_input.rs`.
//!
//! Where hyper, the HTTP/1 parser under axum, refuses a request before Kvarter sees it — a header
//! section over its limit (431), a request target over its limit (414), a request line or
//! header it cannot parse (400) — its answer has an empty body, not Kvarter's JSON error. These
//! cases assert the 4xx only: hyper writes that answer itself and offers no hook to replace it
//! (the request never becomes a `Request`, so no axum handler or middleware runs), and a
//! client that sends such bytes is not a client that reads a JSON error. Every request hyper
//! does pass on (a percent-encoding that is not UTF-8, a body cut short, a bad chunk) is
//! answered by Kvarter, and must be its JSON error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use kvarter_e2e::{Server, data_folder};
use serde_json::Value;

const TOKEN: &str = "an-e2e-admin-token-0123456789";

/// An answer read off the socket: status, the lower-cased header section and the body.
struct Raw {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Raw {
    /// The body as Kvarter's JSON error (`{"error", "detail"}`), or a panic naming `what`.
    fn json_error(&self, what: &str) -> Value {
        assert!(
            self.head.contains("content-type: application/json"),
            "{what}: {} without a JSON content type:\n{}",
            self.status,
            self.head
        );
        let body: Value = serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{what}: not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        });
        assert!(
            body["error"].is_string() && body["detail"].is_string(),
            "{what}: {body}"
        );
        body
    }
}

/// The `host:port` of `server`.
fn address(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// Sends `head` (the request line and headers, without the blank line), then the blank line,
/// then each of `body` (pausing `pause` between pieces), half-closes the connection when
/// `close` (a body cut short: the server reads no more) and reads the whole answer.
fn exchange(server: &Server, head: &[u8], body: &[&[u8]], pause: Duration, close: bool) -> Raw {
    let mut stream = TcpStream::connect(address(server)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // The server may answer (and close) before it has read everything: a refusal, read below.
    let sent = stream
        .write_all(head)
        .and_then(|()| stream.write_all(b"\r\nconnection: close\r\n\r\n"));
    for (i, piece) in body.iter().enumerate().filter(|_| sent.is_ok()) {
        if i > 0 {
            std::thread::sleep(pause);
        }
        if stream.write_all(piece).is_err() {
            break;
        }
    }
    if close {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let mut answer = Vec::new();
    // A reset after the answer was written still leaves the answer read.
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let (head, _) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |p| p + 4);
    Raw {
        status,
        head: head.to_lowercase(),
        body: answer[at..].to_vec(),
    }
}

/// `GET target` with `headers` (each `name: value`).
fn get(server: &Server, target: &[u8], headers: &[&str]) -> Raw {
    let mut head = [b"GET ", target, b" HTTP/1.1\r\nhost: kvarter"].concat();
    for header in headers {
        head.extend_from_slice(b"\r\n");
        head.extend_from_slice(header.as_bytes());
    }
    exchange(server, &head, &[], Duration::ZERO, false)
}

/// `POST path` with `headers` and `body` in pieces.
fn post(
    server: &Server,
    path: &str,
    headers: &[&str],
    body: &[&[u8]],
    pause: Duration,
    close: bool,
) -> Raw {
    let mut head = format!("POST {path} HTTP/1.1\r\nhost: kvarter");
    for header in headers {
        head.push_str("\r\n");
        head.push_str(header);
    }
    exchange(server, head.as_bytes(), body, pause, close)
}

/// What the server answers to a few fixed requests: the data version, the layer list, a
/// lookup and a tile's `ETag`.
fn fixed_answers(server: &Server) -> Vec<String> {
    let mut answers: Vec<String> = [
        "/ready",
        "/api/layers",
        "/api/lookup?lon=12.5426&lat=55.7009",
    ]
    .iter()
    .map(|path| format!("{path}: {}", server.json(path, 200)))
    .collect();
    let tile = server.get("/tiles/bydele-2023/12/2190/1282.mvt");
    answers.push(format!("tile: {:?}", tile.headers().get("etag")));
    answers
}

/// Asserts a 4xx answered by hyper or by Kvarter; when Kvarter answered (any body), its JSON.
fn refused(what: &str, raw: &Raw, status: u16) {
    assert_eq!(
        raw.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&raw.body)
    );
    if !raw.body.is_empty() {
        raw.json_error(what);
    }
}

#[test]
fn bad_bytes_on_the_wire_are_4xx_never_5xx_and_change_nothing() {
    let folder = data_folder();
    let path = folder.path().to_str().unwrap();
    let server = Server::start(&["--data", path, "--admin-token", TOKEN]);
    let manifest = std::fs::read(folder.path().join("layers.json")).unwrap();
    let before = fixed_answers(&server);

    hyper_refusals(&server);
    kvarter_refusals(&server);

    // A slow body that does arrive whole is answered.
    let csv = "content-type: text/csv";
    let pieces: [&[u8]; 3] = [b"address\n", b"Mj\xC3\xB8lnerparken ", b"2\n"];
    let slow = post(
        &server,
        "/api/lookup/batch",
        &[csv, "content-length: 25"],
        &pieces,
        Duration::from_millis(400),
        false,
    );
    assert_eq!(slow.status, 200, "{}", String::from_utf8_lossy(&slow.body));
    assert!(slow.head.contains("content-type: text/csv"));

    assert_eq!(fixed_answers(&server), before);
    assert_eq!(
        std::fs::read(folder.path().join("layers.json")).unwrap(),
        manifest
    );
}

/// What hyper refuses before Kvarter sees a request (empty bodies; see the module docs).
fn hyper_refusals(server: &Server) {
    // hyper's own refusals (empty bodies; see the module docs).
    let big = format!("x-big: {}", "a".repeat(600_000));
    refused(
        "a 600 kB header",
        &get(server, b"/api/layers", &[&big]),
        431,
    );
    let many: Vec<String> = (0..200).map(|i| format!("x-h{i}: v")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    refused("200 headers", &get(server, b"/api/layers", &many), 431);
    let long = format!("/api/search?q={}", "a".repeat(100_000));
    refused("a 100 kB URL", &get(server, long.as_bytes(), &[]), 414);
    refused(
        "raw bytes not UTF-8 in the target",
        &get(server, b"/api/\xFF\xFE", &[]),
        400,
    );
    refused(
        "a space in the target",
        &get(server, b"/api/lay ers", &[]),
        400,
    );
    refused(
        "a control character in a header",
        &get(server, b"/api/layers", &["x-a: \x01b"]),
        400,
    );
    let garbage = exchange(server, b"HELLO", &[], Duration::ZERO, false);
    refused("a request line that is not one", &garbage, 400);
    let lying = post(
        server,
        "/api/lookup/batch",
        &["content-length: abc"],
        &[b"x"],
        Duration::ZERO,
        false,
    );
    refused("a Content-Length that is not a number", &lying, 400);
    let twice = ["content-length: 3", "content-length: 4"];
    refused(
        "two different Content-Lengths",
        &post(
            server,
            "/api/lookup/batch",
            &twice,
            &[b"abcd"],
            Duration::ZERO,
            false,
        ),
        400,
    );
}

/// What reaches Kvarter and is refused by it: JSON errors.
fn kvarter_refusals(server: &Server) {
    // Kvarter's refusals: JSON.
    let not_utf8 = get(server, b"/api/layers/%FF%FE", &[]);
    assert_eq!(not_utf8.status, 400);
    not_utf8.json_error("a percent-encoding that is not UTF-8");
    let search = get(
        server,
        format!("/api/search?q={}", "a".repeat(60_000)).as_bytes(),
        &[],
    );
    assert_eq!(search.status, 400);
    search.json_error("a 60 kB query");
    let csv = "content-type: text/csv";
    let cut = post(
        server,
        "/api/lookup/batch",
        &[csv, "content-length: 1000"],
        &[b"address\nAbel"],
        Duration::ZERO,
        true,
    );
    assert_eq!(cut.status, 400);
    cut.json_error("a batch cut short of its Content-Length");
    let chunked = ["transfer-encoding: chunked", csv];
    let bad_chunk = post(
        server,
        "/api/lookup/batch",
        &chunked,
        &[b"zz\r\nabc\r\n0\r\n\r\n"],
        Duration::ZERO,
        false,
    );
    assert_eq!(bad_chunk.status, 400);
    bad_chunk.json_error("a chunk size that is not hex");
    let huge = post(
        server,
        "/api/lookup/batch",
        &[csv, "content-length: 100000000"],
        &[b"address\n"],
        Duration::ZERO,
        false,
    );
    assert_eq!(huge.status, 413);
    huge.json_error("a Content-Length over the batch limit");
    let bearer = format!("authorization: Bearer {TOKEN}");
    let json = "content-type: application/json";
    let cut_import = post(
        server,
        "/admin/layers",
        &[&bearer, json, "content-length: 500"],
        &[b"{\"wfs_url\":"],
        Duration::ZERO,
        true,
    );
    assert_eq!(cut_import.status, 400);
    cut_import.json_error("an admin import cut short");
    let no_token = post(
        server,
        "/admin/reload",
        &["content-length: 0"],
        &[],
        Duration::ZERO,
        false,
    );
    assert_eq!(no_token.status, 401);
    no_token.json_error("a reload without the token");
}

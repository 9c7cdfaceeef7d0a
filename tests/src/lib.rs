//! Helpers for Kvarter's end-to-end tests: start the real `kvarter` binary on a free port, talk
//! to it over HTTP, stop it when the test ends.
//!
//! The binary must be built first (`scripts/test` runs `cargo build --bins` before the tests).

pub mod load;
pub mod synthetic;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a server may take to start listening. `--warm` renders tiles and joins indicators
/// before it listens, which takes several seconds in a debug build and more on a busy CI machine.
pub const START_SECONDS: u64 = 120;

/// The `kvarter` binary next to the test executable (`target/<profile>/kvarter`).
///
/// # Panics
/// When it has not been built.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps");
    let binary = profile_dir.join(format!("kvarter{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --bins` first (scripts/test does)",
        binary.display()
    );
    binary
}

/// Runs the GDAL program `program` (`ogrinfo`, `ogr2ogr`; Debian's `gdal-bin`, which
/// `scripts/setup-gdal` installs) and answers its standard output; panics when it fails. When it
/// is missing, `None` after saying so — but in CI (`CI` set) a missing GDAL is a failure.
pub fn gdal(program: &str, args: &[&str]) -> Option<String> {
    match Command::new(program).args(args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("{program} is missing (run scripts/setup-gdal); skipping");
            None
        }
        Err(error) => panic!("{program} is needed in CI (scripts/setup-gdal installs it): {error}"),
    }
}

/// Runs `kvarter ARGS` to completion.
///
/// # Panics
/// When the binary cannot be started.
pub fn run(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("kvarter runs")
}

/// A data folder made by `kvarter layers init` (the embedded dataset), deleted when dropped.
///
/// # Panics
/// When the command fails.
pub fn data_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let folder = dir.path().to_str().expect("a UTF-8 path");
    let out = run(&["--data", folder, "layers", "init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// The city's 2017 areas (the WFS snapshot of 2023, 17 features, lon/lat) in `../shared`: the
/// file the tests import as a test layer.
pub fn udsatte_2017_geojson() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../shared/geodata-sources/kk-udsatte-byomraader-2017/f_udsatte_byomraader_snapshot2023_epsg4326.geojson",
    )
}

/// Imports `source` — the 2017 file or a file with its fields (`ogc_fid`, `delomraade`) — into
/// the data folder `dir` as the test layer `id` (status imported, metadata saying it is a test),
/// with `extra` arguments: the `--kind` and whatever else the test needs (`--valid-from`,
/// `--replace`).
///
/// # Panics
/// When the import fails.
pub fn import_test_layer(dir: &Path, source: &Path, id: &str, extra: &[&str]) {
    let mut args = vec![
        "--data",
        dir.to_str().expect("a UTF-8 path"),
        "layers",
        "import",
        source.to_str().expect("a UTF-8 path"),
        "--id",
        id,
        "--authority",
        "Københavns Kommune",
        "--title-da",
        "Testlag",
        "--title-en",
        "Test layer",
        "--source-publisher",
        "test",
        "--source-url",
        "test",
        "--vintage",
        "test",
        "--licence",
        "CC BY 4.0",
        "--id-field",
        "ogc_fid",
        "--name-field",
        "delomraade",
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running `kvarter serve`, stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    client: reqwest::blocking::Client,
    /// Every line the server has written to stderr so far (its log).
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `kvarter serve --bind 127.0.0.1:0 EXTRA…` and waits until its data is loaded
    /// (`/ready` answers 200).
    ///
    /// # Panics
    /// When the server is not ready within [`START_SECONDS`].
    pub fn start(extra: &[&str]) -> Self {
        let server = Self::listening(extra);
        let deadline = std::time::Instant::now() + Duration::from_secs(START_SECONDS);
        while server.get("/ready").status().as_u16() != 200 {
            assert!(
                std::time::Instant::now() < deadline,
                "kvarter serve was not ready within {START_SECONDS} s; its log:\n{}",
                server.log().join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Starts `kvarter serve --bind 127.0.0.1:0 EXTRA…` and waits until it listens, loaded or
    /// not.
    ///
    /// # Panics
    /// When the server does not listen within [`START_SECONDS`].
    pub fn listening(extra: &[&str]) -> Self {
        let mut child = Command::new(binary())
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kvarter serve starts");
        reap_when_the_tests_end(child.id());
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = log.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line.clone());
                }
                if !sent && let Some(at) = line.find("http://127.0.0.1:") {
                    let url: String = line[at..]
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '"')
                        .collect();
                    sent = tx.send(url).is_ok();
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(START_SECONDS))
            .expect("kvarter serve logs its address in time");
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        Self {
            child,
            base,
            client,
            log,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory (`VmRSS` of `/proc/PID/status`), in bytes; `None` where
    /// there is no `/proc` or the server has exited.
    pub fn rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// The server's log lines so far.
    ///
    /// # Panics
    /// When the reader thread panicked while holding the log.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("the log").clone()
    }

    /// Sends the server SIGHUP (with `--data`, it reloads the data folder).
    ///
    /// # Panics
    /// When `kill` cannot be run or fails.
    pub fn hangup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -HUP failed");
    }

    /// `GET path` (with query), returning the response.
    ///
    /// # Panics
    /// When the request fails at the transport level.
    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .expect("the server answers")
    }

    /// `GET path` with one extra header.
    ///
    /// # Panics
    /// When the request fails at the transport level.
    pub fn get_with(&self, path: &str, header: (&str, &str)) -> reqwest::blocking::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(header.0, header.1)
            .send()
            .expect("the server answers")
    }

    /// `POST path` with an optional bearer token and no body.
    ///
    /// # Panics
    /// When the request fails at the transport level.
    pub fn post(&self, path: &str, token: Option<&str>) -> reqwest::blocking::Response {
        let mut request = self.client.post(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().expect("the server answers")
    }

    /// `GET path`, asserting the status, and parsing the body as JSON.
    ///
    /// # Panics
    /// When the status differs or the body is not JSON.
    pub fn json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path);
        let got = response.status().as_u16();
        let text = response.text().expect("a body");
        assert_eq!(got, status, "GET {path} → {got}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}"))
    }
}

/// Servers kept in statics for a whole test file are never dropped, so they would outlive the
/// test process. A watchdog shell stops the server once the test process is gone (checked every
/// second).
fn reap_when_the_tests_end(server: u32) {
    let script = format!(
        "while kill -0 {} 2>/dev/null; do sleep 1; done; kill {server} 2>/dev/null",
        std::process::id()
    );
    // Without a watchdog the server is still stopped by `Drop` where it runs; nothing to do.
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Load while the data is reloaded (issue 14): many keep-alive clients ask lookups and tiles
//! while another thread switches the data folder between two datasets and reloads it through
//! `POST /admin/reload`, and every answer is checked against the data version it names. The
//! smoke test (`tests/tests/load.rs`) runs it briefly against the debug binary;
//! `scripts/load-reload` runs it longer against the release binary (`examples/load-reload.rs`)
//! and prints the [`Report`]. Speed is reported, never asserted.
//!
//! # The two datasets
//! [`two_datasets`] makes a data folder holding the default layers and the test layer [`LAYER`]
//! (the city's 2017 areas standing in for a 2025 designation) in two versions: **A**, all 17
//! areas, and **B**, the same without Tingbjerg/Husum. `kvarter layers restore LAYER` switches
//! between them — the real command an operator would run, and a cheap one (the file is already
//! in the folder). Each switch writes a manifest with one more history entry, so every switch is
//! a new data version; the manifest also says which file the layer has, so the driver knows which
//! dataset a version holds before it asks the server to reload.
//!
//! # What is checked
//! The answer to every probe ([`probes`]: lookups in and out of Tingbjerg, tiles over it) is
//! learnt once per dataset before the load starts — A, then B after a switch and a reload, then
//! A again (the first A→B→A cycle). Under load:
//! - every request must be answered 200 (204 for an empty tile) — else it is a *failure*;
//! - a lookup's body without its `data_version` must be the body learnt for that version's
//!   dataset, and a tile's bytes those learnt for the dataset of the version its `ETag` starts
//!   with (`ETag`s are `"VERSION-TILESET-Z-X-Y-CODING"`, see `kvarter_server::tiles`) — else it
//!   is a *mismatch* (so is a version no switch made);
//! - one `ETag` must never come with two different bodies (an *`ETag` conflict*);
//! - every reload must answer `"reloaded"` to the version the manifest gives.
//!
//! # Memory
//! The server's `VmRSS` is read after the warm-up (the first A→B→A cycle), after a phase of
//! load without reloads, at its peak while reloading, after the last reload, and once the
//! clients have stopped and the old versions have been dropped. [`Report::memory_check`]
//! compares the last with *the level*, the higher of the first two: by then two versions have
//! been built and dropped and the clients' load has run, so the allocator holds what a server
//! that has reloaded holds. It allows [`MEMORY_MARGIN`] more: what the allocator keeps of the
//! version before and the holes between versions (a version of the default data is 25–30
//! MiB). Measured on 2 cores, the end reading was 28 MiB over the level after 20 reloads and 20
//! MiB over after 80 with the release binary, 15–32 MiB over with the debug one, and the highest
//! reading at any time, at a peak while reloading, 45 MiB over: it levels off rather than
//! growing with the reloads. On a CI machine also busy with a release build, builds took four
//! times as long, more of them overlapped the clients' work on other threads, and the debug
//! server ended 72 MiB over. The margin, 160 MiB (five or six versions), sits above all of
//! that, and far below what a server that kept its old versions reaches: before reloads were
//! built on one thread (see `kvarter_service::reload`), the debug server went from 125 to 645
//! MiB over 20 reloads (520 over) and stayed there.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use kvarter_data::manifest::{self, Manifest};

use crate::{Server, data_folder, import_test_layer, run, udsatte_2017_geojson};

/// The admin token the driver starts the server with.
pub const TOKEN: &str = "load-test-token-0123456789";

/// The test layer switched between its two versions.
pub const LAYER: &str = "udsatte-byomraader-2025-load";

/// How much higher the memory may be once the old versions are dropped than before the reloads;
/// see the [module docs](self).
pub const MEMORY_MARGIN: u64 = 160 * 1024 * 1024;

/// The two datasets' names, by index.
pub const DATASETS: [&str; 2] = ["A", "B"];

/// A point in Tingbjerg: designated in A, not in B.
const TINGBJERG: (f64, f64) = (12.4745, 55.7185);

/// A data folder with the test layer in two versions (see the [module docs](self)): A serving,
/// B put aside.
pub struct TwoDatasets {
    /// The data folder, deleted when dropped.
    pub dir: tempfile::TempDir,
    /// The file checksums of the layer's version in A and in B, as the manifest gives them.
    sha256: [String; 2],
}

/// Makes the folder: `layers init`, B imported, then A imported over it with `--replace` (which
/// puts B aside for `layers restore`).
///
/// # Panics
/// When a command fails or the 2017 file cannot be read.
pub fn two_datasets() -> TwoDatasets {
    let dir = data_folder();
    let sources = tempfile::tempdir().expect("a temporary folder");
    let all = udsatte_2017_geojson();
    let mut without: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&all).expect("the 2017 file")).expect("GeoJSON");
    let features = without["features"]
        .as_array_mut()
        .expect("a feature collection");
    let before = features.len();
    features.retain(|f| f["properties"]["delomraade"] != "Tingbjerg/Husum");
    assert_eq!(
        features.len() + 1,
        before,
        "the 2017 file has one Tingbjerg"
    );
    let b_source = sources.path().join("without-tingbjerg.geojson");
    std::fs::write(&b_source, without.to_string()).expect("a temporary file");
    let kind = [
        "--kind",
        "municipal_designation",
        "--valid-from",
        "2025-07-01",
    ];
    import_test_layer(dir.path(), &b_source, LAYER, &kind);
    let b = layer_sha256(dir.path());
    import_test_layer(
        dir.path(),
        &all,
        LAYER,
        &[&kind[..], &["--replace"]].concat(),
    );
    let a = layer_sha256(dir.path());
    TwoDatasets {
        dir,
        sha256: [a, b],
    }
}

impl TwoDatasets {
    /// The data version now in the folder and which dataset (0 = A, 1 = B) it holds.
    ///
    /// # Panics
    /// When the manifest cannot be read or holds neither version of the layer.
    pub fn current(&self) -> (String, usize) {
        let bytes = std::fs::read(self.dir.path().join(manifest::FILE_NAME)).expect("a manifest");
        let sha = layer_sha256(self.dir.path());
        let dataset = self
            .sha256
            .iter()
            .position(|s| *s == sha)
            .expect("the layer is A or B");
        (manifest::data_version(&bytes), dataset)
    }

    /// Switches the folder to the other dataset (`kvarter layers restore LAYER`); answers the new
    /// data version and dataset.
    ///
    /// # Panics
    /// When the command fails.
    pub fn switch(&self) -> (String, usize) {
        let folder = self.dir.path().to_str().expect("a UTF-8 path");
        let out = run(&["--data", folder, "layers", "restore", LAYER]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.current()
    }
}

/// The file checksum of [`LAYER`] in the manifest of `dir`.
fn layer_sha256(dir: &Path) -> String {
    let bytes = std::fs::read(dir.join(manifest::FILE_NAME)).expect("a manifest");
    let manifest: Manifest = serde_json::from_slice(&bytes).expect("a valid manifest");
    manifest
        .layers
        .iter()
        .find(|l| l.meta.id.as_str() == LAYER)
        .map(|l| l.sha256.clone())
        .expect("the test layer is in the manifest")
}

/// One request the clients send, round-robin.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The path and query.
    pub path: String,
    /// A tile (checked by its `ETag`) rather than a lookup (checked by its `data_version`).
    pub tile: bool,
}

/// The requests: lookups at five points (two in Tingbjerg, where A and B differ; three in
/// designated and undesignated places elsewhere) and four tiles over Tingbjerg at z12–z15, of
/// the test layer alone and together with the 2017 layer.
pub fn probes() -> Vec<Probe> {
    let lookups = [
        TINGBJERG,
        (12.4700, 55.7150), // Tingbjerg, further south-west
        (12.5700, 55.6761), // the City Hall Square: no area
        (12.5980, 55.6550), // Urbanplanen: in A and B
        (12.5300, 55.6550), // Sydhavnen: in A and B
    ];
    let mut probes: Vec<Probe> = lookups
        .iter()
        .map(|(lon, lat)| Probe {
            path: format!("/api/lookup?lon={lon}&lat={lat}"),
            tile: false,
        })
        .collect();
    let with_2017 = format!("{LAYER},udsatte-byomraader-2017");
    for (z, tileset) in [
        (12, LAYER),
        (13, with_2017.as_str()),
        (14, LAYER),
        (15, with_2017.as_str()),
    ] {
        let (x, y) = tile_of(TINGBJERG, z);
        probes.push(Probe {
            path: format!("/tiles/{tileset}/{z}/{x}/{y}.mvt"),
            tile: true,
        });
    }
    probes
}

/// The Web Mercator tile at zoom `z` holding a lon/lat point.
fn tile_of((lon, lat): (f64, f64), z: u8) -> (u32, u32) {
    let n = f64::from(1_u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a Copenhagen point: both are small and positive"
    )]
    let tile = (x.floor() as u32, y.floor() as u32);
    tile
}

/// How long and how hard to load.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Concurrent keep-alive clients (one connection each).
    pub connections: usize,
    /// The phase of load without reloads, before the reloads.
    pub quiet: Duration,
    /// Reloads in the reload phase, each after a switch of dataset.
    pub reloads: usize,
    /// The reloads are spread evenly over this long (back to back when it is zero or when a
    /// reload takes longer than its share).
    pub reload_span: Duration,
    /// Load goes on this long after the last reload, so its version is served too.
    pub tail: Duration,
    /// How long to wait after the clients stopped before the last memory reading.
    pub settle: Duration,
}

/// The answer bodies learnt per probe and dataset.
type Learnt = Vec<[Vec<u8>; 2]>;

/// Where a request was sent: 0 the phase without reloads; in the reload phase, 1 while no reload
/// was running, 2 while one was.
const BUCKETS: [&str; 3] = [
    "no reloads",
    "reload phase, between reloads",
    "reload phase, while a reload ran",
];

/// What the clients share.
struct Shared {
    /// 0 quiet, 1 reloading, 2 stop.
    phase: AtomicU8,
    reload_running: AtomicBool,
    /// Which dataset each data version holds, filled in before the reload that serves it.
    versions: RwLock<HashMap<String, usize>>,
    learnt: Learnt,
    probes: Vec<Probe>,
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies_us: [Vec<u32>; 3],
    failures: u64,
    mismatches: u64,
    /// Answers per data version in the reload phase.
    versions: HashMap<String, u64>,
    /// The hash of the body of each `ETag`.
    etags: HashMap<String, u64>,
    etag_conflicts: u64,
    problems: Vec<String>,
}

impl Tally {
    fn problem(&mut self, text: String) {
        if self.problems.len() < 5 {
            self.problems.push(text);
        }
    }
}

/// Latencies of one bucket of requests.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    /// Requests answered.
    pub requests: u64,
    /// Median, 90th and 99th percentile and maximum, in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

impl Latency {
    fn of(mut micros: Vec<u32>) -> Self {
        micros.sort_unstable();
        let at = |q: f64| {
            if micros.is_empty() {
                return 0.0;
            }
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "an index into a vector far shorter than 2^52"
            )]
            let index = ((micros.len() - 1) as f64 * q).round() as usize;
            f64::from(micros[index]) / 1000.0
        };
        Self {
            requests: micros.len() as u64,
            p50_ms: at(0.5),
            p90_ms: at(0.9),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        }
    }
}

/// Memory readings (`VmRSS`, bytes; 0 when unreadable).
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// After the first A→B→A cycle.
    pub warm: u64,
    /// After the phase without reloads.
    pub quiet: u64,
    /// The highest reading (every 50 ms) in the reload phase.
    pub peak: u64,
    /// Right after the last reload answered (clients still running).
    pub reloaded: u64,
    /// After the clients stopped and [`Plan::settle`] passed.
    pub dropped: u64,
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The plan's connections.
    pub connections: usize,
    /// Seconds of the phase without reloads and of the reload phase.
    pub seconds: [f64; 2],
    /// Per bucket: no reloads, between reloads, while a reload ran.
    pub latency: [Latency; 3],
    /// Requests that failed: a transport error or a status other than 200 (204 for tiles).
    pub failures: u64,
    /// Answers whose content disagrees with their data version.
    pub mismatches: u64,
    /// `ETag`s seen with two different bodies.
    pub etag_conflicts: u64,
    /// The first few failures and mismatches, described.
    pub problems: Vec<String>,
    /// Answers in the reload phase from a version of A and of B.
    pub per_dataset: [u64; 2],
    /// Data versions answered from in the reload phase.
    pub versions_seen: usize,
    /// Probes whose answer differs between A and B, of all probes.
    pub probes_differing: (usize, usize),
    /// Seconds each reload took, as the server reported; reloads that did not answer
    /// `"reloaded"` to the expected version are in [`Report::reload_failures`].
    pub reload_seconds: Vec<f64>,
    /// Reloads that failed or reloaded to another version than the manifest's.
    pub reload_failures: Vec<String>,
    /// The memory readings.
    pub memory: Memory,
}

impl Report {
    /// Whether the memory came back: the reading after the old versions were dropped at most
    /// [`MEMORY_MARGIN`] above the level (the higher of the readings after the warm-up and
    /// after the load without reloads; see the [module docs](self)).
    ///
    /// # Errors
    /// When it did not, or memory could not be read.
    pub fn memory_check(&self) -> Result<(), String> {
        let m = &self.memory;
        let level = m.warm.max(m.quiet);
        if level == 0 || m.dropped == 0 {
            return Err("the server's memory could not be read".into());
        }
        if m.dropped > level + MEMORY_MARGIN {
            return Err(format!(
                "memory after the reloads, {} MiB, is more than {} MiB above the level before them, {} MiB",
                mib(m.dropped),
                mib(MEMORY_MARGIN),
                mib(level)
            ));
        }
        Ok(())
    }

    /// All requests sent.
    pub fn requests(&self) -> u64 {
        self.latency.iter().map(|l| l.requests).sum()
    }
}

fn mib(bytes: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a memory size, far below 2^52")]
    let mib = bytes as f64 / 1024.0 / 1024.0;
    format!("{mib:.1}")
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reloading = self.latency[1].requests + self.latency[2].requests;
        #[expect(clippy::cast_precision_loss, reason = "request counts, far below 2^52")]
        let rates = [
            self.latency[0].requests as f64 / self.seconds[0].max(1e-9),
            reloading as f64 / self.seconds[1].max(1e-9),
        ];
        writeln!(
            f,
            "{} connections; {:.1} s without reloads at {:.0} req/s, {:.1} s with {} reloads at {:.0} req/s",
            self.connections,
            self.seconds[0],
            rates[0],
            self.seconds[1],
            self.reload_seconds.len() + self.reload_failures.len(),
            rates[1]
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "| requests | answered | p50 ms | p90 ms | p99 ms | max ms |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|")?;
        for (name, l) in BUCKETS.iter().zip(&self.latency) {
            writeln!(
                f,
                "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.1} |",
                l.requests, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "failed requests: {}; answers disagreeing with their data version: {}; ETags with two bodies: {}",
            self.failures, self.mismatches, self.etag_conflicts
        )?;
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        writeln!(
            f,
            "reload phase answers: {} from A, {} from B, {} data versions ({} of {} probes differ between A and B)",
            self.per_dataset[0],
            self.per_dataset[1],
            self.versions_seen,
            self.probes_differing.0,
            self.probes_differing.1
        )?;
        let mut seconds = self.reload_seconds.clone();
        seconds.sort_by(f64::total_cmp);
        writeln!(
            f,
            "reloads: {} reloaded, {} failed; build time median {:.2} s, max {:.2} s",
            seconds.len(),
            self.reload_failures.len(),
            seconds.get(seconds.len() / 2).copied().unwrap_or(0.0),
            seconds.last().copied().unwrap_or(0.0)
        )?;
        for failure in &self.reload_failures {
            writeln!(f, "  {failure}")?;
        }
        let m = &self.memory;
        writeln!(
            f,
            "memory (VmRSS, MiB): {} after the first A→B→A cycle, {} after the load without reloads, \
             {} at the peak of the reload phase, {} after the last reload, {} after the old versions \
             were dropped ({})",
            mib(m.warm),
            mib(m.quiet),
            mib(m.peak),
            mib(m.reloaded),
            mib(m.dropped),
            match self.memory_check() {
                Ok(()) => format!("within {} MiB: ok", mib(MEMORY_MARGIN)),
                Err(why) => why,
            }
        )
    }
}

/// An HTTP client with one keep-alive connection.
fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_mins(1))
        .pool_max_idle_per_host(1)
        .build()
        .expect("an HTTP client")
}

/// A probe's answer, read.
struct Answer {
    status: u16,
    /// The lookup's `data_version`, or the version the tile's `ETag` starts with.
    version: Option<String>,
    etag: Option<String>,
    /// The body, a lookup's without its `data_version` (as compact JSON).
    body: Vec<u8>,
}

fn ask(client: &reqwest::blocking::Client, base: &str, probe: &Probe) -> Result<Answer, String> {
    let response = client
        .get(format!("{base}{}", probe.path))
        .send()
        .map_err(|e| format!("GET {}: {e}", probe.path))?;
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches('"').to_owned());
    let bytes = response
        .bytes()
        .map_err(|e| format!("GET {}: reading the body: {e}", probe.path))?
        .to_vec();
    if probe.tile {
        let version = etag
            .as_deref()
            .and_then(|e| e.split('-').next())
            .map(str::to_owned);
        return Ok(Answer {
            status,
            version,
            etag,
            body: bytes,
        });
    }
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(&bytes) else {
        return Ok(Answer {
            status,
            version: None,
            etag,
            body: bytes,
        });
    };
    let version = object
        .remove("data_version")
        .and_then(|v| v.as_str().map(str::to_owned));
    Ok(Answer {
        status,
        version,
        etag,
        body: serde_json::Value::Object(object).to_string().into_bytes(),
    })
}

fn ok_status(probe: &Probe, status: u16) -> bool {
    status == 200 || (probe.tile && status == 204)
}

/// Asks every probe once, answering the bodies, after checking they come from `version`.
fn learn(base: &str, probes: &[Probe], version: &str) -> Vec<Vec<u8>> {
    let client = client();
    probes
        .iter()
        .map(|probe| {
            let answer = ask(&client, base, probe).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                ok_status(probe, answer.status),
                "GET {} → {}",
                probe.path,
                answer.status
            );
            assert_eq!(
                answer.version.as_deref(),
                Some(version),
                "GET {}",
                probe.path
            );
            answer.body
        })
        .collect()
}

/// Switches the folder, records the new version, reloads; an error says what went wrong.
fn switch_and_reload(
    folder: &TwoDatasets,
    reloader: &reqwest::blocking::Client,
    base: &str,
    versions: &RwLock<HashMap<String, usize>>,
) -> Result<f64, String> {
    let (version, dataset) = folder.switch();
    versions
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(version.clone(), dataset);
    let response = reloader
        .post(format!("{base}/admin/reload"))
        .bearer_auth(TOKEN)
        .send()
        .map_err(|e| format!("POST /admin/reload: {e}"))?;
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    let attempt: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if status != 200 || attempt["outcome"] != "reloaded" || attempt["to"] != version.as_str() {
        return Err(format!(
            "POST /admin/reload → {status} {text} (expected reloaded to {version})"
        ));
    }
    Ok(attempt["seconds"].as_f64().unwrap_or(0.0))
}

/// Starts `kvarter serve` on `folder` with the admin token.
///
/// # Panics
/// When it does not start.
pub fn serve(folder: &TwoDatasets) -> Server {
    Server::start(&[
        "--data",
        folder.dir.path().to_str().expect("a UTF-8 path"),
        "--admin-token",
        TOKEN,
    ])
}

/// Runs the [`Plan`] against `server`, which serves `folder` (see [`serve`]), and reports; see
/// the [module docs](self). It asserts nothing about the load: the caller judges the report.
///
/// # Panics
/// When the warm-up fails (the server does not answer the probes, a warm-up reload fails, or A
/// and B answer every probe alike, so the run could not tell them apart).
pub fn run_load(server: &Server, folder: &TwoDatasets, plan: &Plan) -> Report {
    let base = server.base.as_str();
    let probes = probes();
    let reloader = client();
    let versions = RwLock::new(HashMap::new());
    let (first, dataset) = folder.current();
    assert_eq!(dataset, 0, "the folder starts with A");
    versions
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(first.clone(), 0);
    let a = learn(base, &probes, &first);
    switch_and_reload(folder, &reloader, base, &versions).unwrap_or_else(|e| panic!("{e}"));
    let b_version = folder.current().0;
    let b = learn(base, &probes, &b_version);
    switch_and_reload(folder, &reloader, base, &versions).unwrap_or_else(|e| panic!("{e}"));
    let learnt: Learnt = a.into_iter().zip(b).map(|(a, b)| [a, b]).collect();
    let differing = learnt.iter().filter(|[a, b]| a != b).count();
    assert!(
        differing > 0,
        "A and B answer every probe alike: the run could not tell them apart"
    );
    let mut report = Report {
        connections: plan.connections,
        probes_differing: (differing, probes.len()),
        ..Report::default()
    };
    report.memory.warm = server.rss_bytes().unwrap_or(0);

    let shared = Shared {
        phase: AtomicU8::new(0),
        reload_running: AtomicBool::new(false),
        versions,
        learnt,
        probes,
    };
    let peak = Mutex::new(0_u64);
    let sampling = AtomicBool::new(true);
    let tallies = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..plan.connections)
            .map(|id| {
                let shared = &shared;
                scope.spawn(move || load(id, base, shared))
            })
            .collect();
        let started = Instant::now();
        std::thread::sleep(plan.quiet);
        report.memory.quiet = server.rss_bytes().unwrap_or(0);
        report.seconds[0] = started.elapsed().as_secs_f64();

        let reloading = Instant::now();
        shared.phase.store(1, Ordering::SeqCst);
        scope.spawn(|| {
            while sampling.load(Ordering::SeqCst) {
                let rss = server.rss_bytes().unwrap_or(0);
                let mut peak = peak.lock().unwrap_or_else(PoisonError::into_inner);
                *peak = (*peak).max(rss);
                drop(peak);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        for n in 0..plan.reloads {
            #[expect(clippy::cast_precision_loss, reason = "a few reloads")]
            let share = n as f64 / plan.reloads as f64;
            let due = plan.reload_span.mul_f64(share);
            if let Some(wait) = due.checked_sub(reloading.elapsed()) {
                std::thread::sleep(wait);
            }
            shared.reload_running.store(true, Ordering::SeqCst);
            let outcome = switch_and_reload(folder, &reloader, base, &shared.versions);
            shared.reload_running.store(false, Ordering::SeqCst);
            match outcome {
                Ok(seconds) => report.reload_seconds.push(seconds),
                Err(why) => report.reload_failures.push(why),
            }
        }
        report.memory.reloaded = server.rss_bytes().unwrap_or(0);
        std::thread::sleep(plan.tail);
        shared.phase.store(2, Ordering::SeqCst);
        sampling.store(false, Ordering::SeqCst);
        report.seconds[1] = reloading.elapsed().as_secs_f64();
        clients
            .into_iter()
            .map(|c| c.join().expect("a client thread"))
            .collect::<Vec<_>>()
    });
    std::thread::sleep(plan.settle);
    report.memory.dropped = server.rss_bytes().unwrap_or(0);
    report.memory.peak = *peak.lock().unwrap_or_else(PoisonError::into_inner);
    merge(&mut report, tallies, &shared);
    report
}

/// Adds up the clients' tallies.
fn merge(report: &mut Report, tallies: Vec<Tally>, shared: &Shared) {
    let mut latencies: [Vec<u32>; 3] = Default::default();
    let mut etags: HashMap<String, u64> = HashMap::new();
    let mut versions: HashMap<String, u64> = HashMap::new();
    for tally in tallies {
        for (all, some) in latencies.iter_mut().zip(tally.latencies_us) {
            all.extend(some);
        }
        report.failures += tally.failures;
        report.mismatches += tally.mismatches;
        report.etag_conflicts += tally.etag_conflicts;
        for problem in tally.problems {
            if report.problems.len() < 10 {
                report.problems.push(problem);
            }
        }
        for (version, n) in tally.versions {
            *versions.entry(version).or_default() += n;
        }
        for (etag, hash) in tally.etags {
            let seen = *etags.entry(etag.clone()).or_insert(hash);
            if seen != hash {
                report.etag_conflicts += 1;
                if report.problems.len() < 10 {
                    report
                        .problems
                        .push(format!("ETag {etag} came with two bodies"));
                }
            }
        }
    }
    report.latency = latencies.map(Latency::of);
    let known = shared
        .versions
        .read()
        .unwrap_or_else(PoisonError::into_inner);
    report.versions_seen = versions.len();
    for (version, n) in versions {
        if let Some(&dataset) = known.get(&version) {
            report.per_dataset[dataset] += n;
        }
    }
}

/// One client: asks the probes round-robin (starting at its own offset) until told to stop.
fn load(id: usize, base: &str, shared: &Shared) -> Tally {
    let client = client();
    let mut tally = Tally::default();
    let mut next = id;
    loop {
        let phase = shared.phase.load(Ordering::SeqCst);
        if phase >= 2 {
            return tally;
        }
        let index = next % shared.probes.len();
        next += 1;
        let probe = &shared.probes[index];
        let bucket = if phase == 0 {
            0
        } else if shared.reload_running.load(Ordering::SeqCst) {
            2
        } else {
            1
        };
        let started = Instant::now();
        let answer = ask(&client, base, probe);
        let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        tally.latencies_us[bucket].push(micros);
        let answer = match answer {
            Ok(answer) if ok_status(probe, answer.status) => answer,
            Ok(answer) => {
                tally.failures += 1;
                tally.problem(format!(
                    "GET {} → {}: {}",
                    probe.path,
                    answer.status,
                    String::from_utf8_lossy(&answer.body)
                ));
                continue;
            }
            Err(why) => {
                tally.failures += 1;
                tally.problem(why);
                continue;
            }
        };
        check(&mut tally, shared, index, phase, answer);
    }
}

/// Checks one answer against the body learnt for its version's dataset.
fn check(tally: &mut Tally, shared: &Shared, index: usize, phase: u8, answer: Answer) {
    let probe = &shared.probes[index];
    let Some(version) = answer.version else {
        tally.mismatches += 1;
        tally.problem(format!("GET {}: no data version in the answer", probe.path));
        return;
    };
    let dataset = shared
        .versions
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&version)
        .copied();
    match dataset {
        Some(dataset) if shared.learnt[index][dataset] == answer.body => {}
        Some(dataset) => {
            tally.mismatches += 1;
            tally.problem(format!(
                "GET {}: the answer of version {version} is not {}'s",
                probe.path, DATASETS[dataset]
            ));
        }
        None => {
            tally.mismatches += 1;
            tally.problem(format!(
                "GET {}: version {version} is no version the driver switched to",
                probe.path
            ));
        }
    }
    if let Some(etag) = answer.etag {
        let mut hasher = DefaultHasher::new();
        answer.body.hash(&mut hasher);
        let hash = hasher.finish();
        let seen = *tally.etags.entry(etag.clone()).or_insert(hash);
        if seen != hash {
            tally.etag_conflicts += 1;
            tally.problem(format!("ETag {etag} came with two bodies"));
        }
    }
    if phase == 1 {
        *tally.versions.entry(version).or_default() += 1;
    }
}

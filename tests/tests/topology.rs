//! The compose file's topology without Docker: PostgreSQL 15 + PostGIS 3 (a private server,
//! `kvarter_testkit::postgres`), the store filled by `kvarter store init`, two replicas
//! (`kvarter serve --store`) and nginx in front with the compose file's own configuration
//! (`deploy/nginx/kvarter.conf.template`, its variables filled in here as the nginx image fills
//! them in from its environment). Debian's nginx is installed by `scripts/setup-nginx`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kvarter_e2e::{Server, run};
use kvarter_testkit::postgres::Postgres;
use serde_json::Value;

const TOKEN: &str = "a-token-for-the-topology-test";

/// nginx with the deployment's configuration in front of `upstreams`; stopped when dropped.
struct Nginx {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
}

impl Nginx {
    fn start(upstreams: &[&str]) -> Self {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|path| Path::new(path).exists())
            .expect("nginx is installed (scripts/setup-nginx)");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let servers: String = upstreams
            .iter()
            .map(|base| format!("server {};", base.trim_start_matches("http://")))
            .collect::<Vec<_>>()
            .join(" ");
        let template = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx/kvarter.conf.template"),
        )
        .unwrap();
        let site = template
            .replace(
                "${NGINX_CACHE_DIR}",
                &dir.path().join("cache").display().to_string(),
            )
            .replace("${KVARTER_UPSTREAM_SERVERS}", &servers)
            .replace("${NGINX_PORT}", &format!("127.0.0.1:{port}"));
        assert!(
            !site.contains("${"),
            "a variable of the template is not filled in"
        );
        std::fs::write(dir.path().join("kvarter.conf"), site).unwrap();
        let main = format!(
            "worker_processes 1;\npid {0}/nginx.pid;\nerror_log {0}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{ access_log off; include {0}/kvarter.conf; }}\n",
            dir.path().display()
        );
        std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
        // As root, nginx's workers run as nobody: they write the cache and temporary files.
        let _ = Command::new("chmod")
            .args(["-R", "a+rwx"])
            .arg(dir.path())
            .status();
        let child = Command::new(nginx)
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-p")
            .arg(dir.path())
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let nginx = Self { child, base, dir };
        let up = within(10, || {
            reqwest::blocking::get(format!("{}/health", nginx.base)).is_ok()
        });
        assert!(up.is_some(), "nginx did not start: {}", nginx.errors());
        nginx
    }

    fn get(&self, path: &str) -> reqwest::blocking::Response {
        reqwest::blocking::get(format!("{}{path}", self.base)).unwrap()
    }

    fn json(&self, path: &str) -> Value {
        let answer = self.get(path);
        assert_eq!(answer.status().as_u16(), 200, "{path}");
        answer.json().unwrap()
    }

    fn errors(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// Stops nginx with SIGTERM, so its master stops the workers too (a master killed with
    /// SIGKILL leaves them running, holding the port); SIGKILL if it has not stopped in 5 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let stopped = within(5, || matches!(self.child.try_wait(), Ok(Some(_))));
        if stopped.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits up to `seconds` for `done`; returns how long it took, or `None`.
fn within(seconds: u64, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        if done() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A replica's `/admin/status`.
fn status(server: &Server) -> Value {
    let answer = server.get_with(
        "/admin/status",
        ("authorization", &format!("Bearer {TOKEN}")),
    );
    assert_eq!(answer.status().as_u16(), 200);
    answer.json().unwrap()
}

/// Uploads `bytes` as `name` with the test layer's metadata to `base`'s `POST /admin/layers`.
fn upload(base: &str, name: &str, bytes: Vec<u8>) -> reqwest::blocking::Response {
    let metadata = serde_json::json!({
        "id": "test-2017",
        "kind": "admin_unit",
        "authority": "test",
        "title_da": "Test",
        "title_en": "Test",
        "source_publisher": "test",
        "source_url": "test",
        "vintage": "test",
        "licence": "CC0",
        "id_field": "ogc_fid",
    });
    let form = reqwest::blocking::multipart::Form::new()
        .text("metadata", metadata.to_string())
        .part(
            "file",
            reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    reqwest::blocking::Client::new()
        .post(format!("{base}/admin/layers"))
        .bearer_auth(TOKEN)
        .multipart(form)
        .send()
        .unwrap()
}

/// The store's data version and row counts, to see that a failed change left nothing.
fn store_state(postgres: &Postgres) -> String {
    postgres.psql(
        "kort",
        "SELECT (SELECT data_version FROM kvarter.manifest),
                (SELECT count(*) FROM kvarter.layers), (SELECT count(*) FROM kvarter.areas)",
    )
}

fn source() -> PathBuf {
    kvarter_e2e::udsatte_2017_geojson()
}

/// Stops the database: both replicas keep serving `imported`, ready, and say the store is
/// away; nginx keeps answering; an import is refused. Then starts it again.
fn without_the_database(
    postgres: &Postgres,
    replicas: &[Server; 2],
    nginx: &Nginx,
    imported: &Value,
    tile: &str,
) {
    postgres.pause();
    for replica in replicas {
        assert!(within(15, || status(replica)["store"]["connected"] == false).is_some());
        assert_eq!(replica.get("/ready").status().as_u16(), 200);
        let answer = replica.json("/api/lookup?lon=12.5426&lat=55.7009", 200);
        assert_eq!(&answer["data_version"], imported);
        let metrics = replica.get("/metrics").text().unwrap();
        assert!(metrics.contains("kvarter_store_connected 0"), "{metrics}");
    }
    let answer = nginx.json("/api/lookup?lon=12.5426&lat=55.7009");
    assert_eq!(&answer["data_version"], imported);
    assert_eq!(nginx.get(tile).status().as_u16(), 200);
    let refused = upload(
        &nginx.base,
        "udsatte-2017.geojson",
        std::fs::read(source()).unwrap(),
    );
    assert_eq!(
        refused.status().as_u16(),
        503,
        "{}",
        refused.text().unwrap()
    );
    postgres.resume();
}

#[test]
fn two_replicas_on_one_store_behind_nginx_serve_one_version_and_outlive_the_database() {
    let postgres = Postgres::start();
    let url = postgres.database("kort");
    let out = run(&["--store", &url, "store", "init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = ["--store", url.as_str(), "--admin-token", TOKEN];
    let replicas = [Server::start(&args), Server::start(&args)];
    let nginx = Nginx::start(&[&replicas[0].base, &replicas[1].base]);
    let version = |server: &Server| status(server)["data_version"].clone();
    let before = version(&replicas[0]);

    // nginx passes the API through and caches the tiles, as Kvarter's headers say.
    assert_eq!(
        nginx.json("/api/layers"),
        replicas[1].json("/api/layers", 200)
    );
    let tile = "/tiles/udsatte-byomraader-2017/12/2190/1281.mvt";
    let cache = |answer: &reqwest::blocking::Response| answer.headers()["x-cache-status"].clone();
    assert_eq!(cache(&nginx.get(tile)), "MISS");
    assert_eq!(cache(&nginx.get(tile)), "HIT");
    assert_eq!(
        cache(&nginx.get("/api/layers")),
        "MISS",
        "the API is not cached"
    );

    // A bad upload through nginx: refused, and nothing changes anywhere.
    let state = store_state(&postgres);
    let bad = upload(
        &nginx.base,
        "broken.geojson",
        b"{\"type\": \"FeatureCollection\"".to_vec(),
    );
    assert!(bad.status().is_client_error(), "{}", bad.status());
    assert_eq!(store_state(&postgres), state);
    for replica in &replicas {
        assert_eq!(version(replica), before);
    }

    // An import through replica A: replica B and nginx serve it within 2 s.
    let answer = upload(
        &replicas[0].base,
        "udsatte-2017.geojson",
        std::fs::read(source()).unwrap(),
    );
    assert_eq!(answer.status().as_u16(), 201, "{}", answer.text().unwrap());
    for replica in &replicas {
        let took = within(2, || version(replica) != before);
        assert!(
            took.is_some(),
            "no reload within 2 s: {}",
            replica.log().join("\n")
        );
        assert!(
            replica
                .json("/api/layers", 200)
                .to_string()
                .contains("test-2017")
        );
    }
    let imported = version(&replicas[0]);
    assert_eq!(version(&replicas[1]), imported);
    assert!(
        within(2, || nginx
            .json("/api/layers")
            .to_string()
            .contains("test-2017"))
        .is_some()
    );

    without_the_database(&postgres, &replicas, &nginx, &imported, tile);

    // It came back: both reconnect and follow the next change, a remove through nginx.
    for replica in &replicas {
        assert!(within(20, || status(replica)["store"]["connected"] == true).is_some());
    }
    let removed = reqwest::blocking::Client::new()
        .delete(format!("{}/admin/layers/test-2017", nginx.base))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(
        removed.status().as_u16(),
        200,
        "{}",
        removed.text().unwrap()
    );
    for replica in &replicas {
        let took = within(2, || version(replica) != imported);
        assert!(took.is_some(), "{}", replica.log().join("\n"));
        assert!(
            !replica
                .json("/api/layers", 200)
                .to_string()
                .contains("test-2017")
        );
        assert_eq!(status(replica)["store"]["reconnects"], 1);
    }
    assert!(
        nginx.errors().lines().all(|line| !line.contains("[emerg]")),
        "{}",
        nginx.errors()
    );
}

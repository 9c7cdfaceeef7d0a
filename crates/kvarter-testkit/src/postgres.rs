//! A private PostgreSQL 15 + PostGIS 3 server for a test: its own cluster in a temporary folder
//! (`initdb`, trust authentication), on a free port of 127.0.0.1, stopped and removed when
//! dropped. The Debian packages (`postgresql-15`, `postgresql-15-postgis-3`) are installed by
//! `scripts/setup-postgres`; without them the test fails saying so. As root (CI), the cluster
//! runs as the `postgres` user, since PostgreSQL refuses to run as root.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

/// Where Debian puts PostgreSQL 15's programs (`KVARTER_PG_BIN` overrides it).
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running private PostgreSQL server; stopped and removed when dropped.
#[derive(Debug)]
pub struct Postgres {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
    drop_root: bool,
}

impl Postgres {
    /// Starts a new cluster. Panics, naming the way to install PostgreSQL, when it cannot.
    pub fn start() -> Self {
        let bin =
            std::env::var_os("KVARTER_PG_BIN").map_or_else(|| PathBuf::from(BIN), PathBuf::from);
        assert!(
            bin.join("initdb").exists(),
            "PostgreSQL 15 is not installed ({} has no initdb): run scripts/setup-postgres",
            bin.display()
        );
        let dir = std::env::temp_dir().join(format!(
            "kvarter-test-pg-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // Whether the test runs as root.
        let drop_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|output| output.stdout.starts_with(b"0\n"));
        if drop_root {
            run(Command::new("chown").args(["postgres:postgres", &dir.display().to_string()]));
        }
        let server = Self {
            port: free_port(),
            dir,
            bin,
            drop_root,
        };
        run(server.command("initdb").args([
            "-D",
            &server.data().display().to_string(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]));
        server.resume();
        server
    }

    /// Starts the server again after [`Postgres::pause`] (same cluster, same port).
    pub fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        run(self.command("pg_ctl").args([
            "-D",
            &self.data().display().to_string(),
            "-l",
            &self.dir.join("log").display().to_string(),
            "-w",
            "-o",
            &options,
            "start",
        ]));
    }

    /// Stops the server (fast shutdown), keeping the cluster for [`Postgres::resume`].
    pub fn pause(&self) {
        run(self.command("pg_ctl").args([
            "-D",
            &self.data().display().to_string(),
            "-m",
            "fast",
            "-w",
            "stop",
        ]));
    }

    /// Creates the database `name`; returns its URL.
    pub fn database(&self, name: &str) -> String {
        run(self.command("createdb").args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            name,
        ]));
        self.url(name)
    }

    /// The URL of the database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs `sql` in the database `name` with psql (stopping at the first error); returns what
    /// it printed, unaligned and without headers.
    pub fn psql(&self, name: &str, sql: &str) -> String {
        let output = run(self.command("psql").args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-At",
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            "-d",
            name,
            "-c",
            sql,
        ]));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// One of PostgreSQL's programs, as the `postgres` user when the test runs as root.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.drop_root {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `command`, panicking with its output when it fails.
fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap()
}

//! PostgreSQL/PostGIS as Kvarter's layer store: the database a city's GIS department already
//! runs holds the manifest and the layers' areas, and every Kvarter process (`kvarter --store
//! postgres://… serve`) loads them into its in-memory index. The database is the source of
//! truth, not a per-request dependency: requests are answered from memory, and a database that
//! goes away leaves the last version serving.
//!
//! # The schema (`kvarter`)
//! Created and brought up to date by versioned migrations ([`migrations`]), which only ever add:
//! * `kvarter.manifest` — one row: the same JSON a data folder's `layers.json` holds (every
//!   layer's metadata, file name and checksum, the indicator files, the gazetteer, the history of
//!   changes) and the data version made from it;
//! * `kvarter.layers` — every version of every layer ever written, by the file name the manifest
//!   gives it, with its metadata and checksum;
//! * `kvarter.areas` (`geometry(MultiPolygon, 4326)`, GiST-indexed) and `kvarter.lines`
//!   (`geometry(MultiLineString, 4326)`, the base map's streets) — the features of each layer
//!   version, in the layer's order;
//! * `kvarter.files` — the indicator catalogue and tables and the gazetteer, by name and
//!   checksum;
//! * `kvarter.current_areas` — a view of the areas of the layers in force, for QGIS;
//! * `kvarter.attached` — layers kept in tables or views of the GIS department's own, read on
//!   each load ([`Attachment`]).
//!
//! Layers are imported, removed and restored as in a data folder, in one transaction each
//! ([`Session`]); `store init` fills an empty store.
//!
//! # The same checks as a data folder
//! A load reads everything in one read-only, repeatable-read transaction (one version, never a
//! mix), and goes through the loaders a data folder goes through
//! ([`kvarter_data::dataset::load_with`]): each layer is encoded as the FlatGeobuf file a folder
//! would hold and checked against the manifest's checksum, so a row edited behind Kvarter's back
//! is refused by the layer's name instead of served, and the data version is the same as that of
//! a folder with the same manifest — the default dataset has the same data version, and so the
//! same `ETag`s, from the binary, from a folder and from the store.
//!
//! Every change of the store notifies `kvarter_reload` in its commit, and each `kvarter serve
//! --store` follows it ([`kvarter_data::store::Changes`]): all replicas reload within a moment
//! of an import through any of them, and keep serving the last version while the database is
//! away.
//!
//! Why `postgres` (the synchronous client of rust-postgres): loads and imports are blocking work
//! already (the service's reload runs on a thread of its own), and the crate keeps its own small
//! runtime, so the data crates stay free of an async runtime. Geometries go as WKB, written and
//! read by `geozero`, which the FlatGeobuf code already uses.

mod attach;
mod follow;
mod migrations;
mod read;
mod session;
mod write;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kvarter_data::store::FollowState;

use postgres::{Client, NoTls};

pub use attach::Attachment;
pub use migrations::{MIGRATIONS, Migration, latest};
pub use read::{Held, Status};
pub use session::Session;
pub use write::Init;

/// The channel an import notifies, with the new data version as the payload; every replica
/// listening on it reloads.
pub const RELOAD_CHANNEL: &str = "kvarter_reload";

/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the store could not be used. Every variant names the store (never with its password).
#[derive(Debug, thiserror::Error)]
pub enum PgStoreError {
    /// The store's URL is not a PostgreSQL connection string.
    #[error(
        "the store {url:?} is not a PostgreSQL URL (postgres://user@host:port/database): {reason}"
    )]
    Url {
        /// The URL, without its password.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database could not be reached, or refused the login.
    #[error("cannot connect to the store {store}")]
    Connect {
        /// The store.
        store: String,
        /// The cause.
        #[source]
        source: postgres::Error,
    },
    /// The database has no Kvarter schema, or no data in it yet.
    #[error("the store {store} holds no Kvarter data yet: run `kvarter --store URL store init`")]
    NotInitialised {
        /// The store.
        store: String,
    },
    /// The schema is older than this Kvarter.
    #[error(
        "the store {store} has schema version {found}, this kvarter needs {needed}: run `kvarter --store URL store migrate`"
    )]
    Behind {
        /// The store.
        store: String,
        /// The schema's version.
        found: i32,
        /// The version this Kvarter needs.
        needed: i32,
    },
    /// The schema was migrated by a newer Kvarter.
    #[error(
        "the store {store} has schema version {found}, newer than this kvarter knows ({known}): upgrade kvarter"
    )]
    TooNew {
        /// The store.
        store: String,
        /// The schema's version.
        found: i32,
        /// The newest version this Kvarter knows.
        known: i32,
    },
    /// A statement failed.
    #[error("the store {store} failed while {doing}")]
    Query {
        /// The store.
        store: String,
        /// What was being done.
        doing: String,
        /// The cause.
        #[source]
        source: postgres::Error,
    },
    /// The data in the store could not be loaded (a checksum, a missing layer: see the cause).
    #[error(transparent)]
    Load(#[from] kvarter_data::dataset::LoadError),
    /// A layer could not be encoded.
    #[error(transparent)]
    Fgb(#[from] kvarter_data::fgb::FgbError),
    /// An attached table or view cannot be read as a layer (see the cause).
    #[error("the table {relation} attached in {store} does not read as a layer")]
    Attached {
        /// The table or view.
        relation: String,
        /// The store.
        store: String,
        /// Why.
        #[source]
        source: Box<kvarter_data::import::ImportError>,
    },
}

/// A PostgreSQL database as Kvarter's layer store. Nothing is connected until it is used.
#[derive(Clone)]
pub struct PgStore {
    config: postgres::Config,
    shown: String,
    /// How following the store's changes stands (shared by the clones).
    follow: Arc<Mutex<FollowState>>,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("store", &self.shown)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// The store at `url` (`postgres://user:password@host:port/database`, or the key-value
    /// form `host=… dbname=…`). Checked for form only; nothing is connected.
    ///
    /// # Errors
    /// [`PgStoreError::Url`] when it is not a PostgreSQL connection string.
    pub fn new(url: &str) -> Result<Self, PgStoreError> {
        let mut config: postgres::Config =
            url.parse()
                .map_err(|error: postgres::Error| PgStoreError::Url {
                    url: without_password(url),
                    reason: error.to_string(),
                })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("kvarter");
        }
        let shown = shown(&config);
        Ok(Self {
            config,
            shown,
            follow: Arc::default(),
        })
    }

    /// The store in words, without its password: `postgres://kvarter@db:5432/kvarter`.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// A new connection.
    ///
    /// # Errors
    /// [`PgStoreError::Connect`] when the database cannot be reached or refuses the login.
    pub fn connect(&self) -> Result<Client, PgStoreError> {
        self.config
            .connect(NoTls)
            .map_err(|source| PgStoreError::Connect {
                store: self.shown.clone(),
                source,
            })
    }

    /// The error of a statement that failed while `doing` something.
    fn query_error(
        &self,
        doing: impl Into<String>,
    ) -> impl FnOnce(postgres::Error) -> PgStoreError {
        let store = self.shown.clone();
        let doing = doing.into();
        move |source| PgStoreError::Query {
            store,
            doing,
            source,
        }
    }
}

/// `error` and its causes, as one line (`a: b: c`), as the command line prints them.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}

/// The store as a connection's settings show it, without the password.
fn shown(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or_default();
    let database = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{database}")
}

/// `url` with any password replaced by `***`, for an error about the URL itself.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // The key-value form: drop a password=… pair.
        return url
            .split_whitespace()
            .map(|pair| {
                if pair.starts_with("password=") {
                    "password=***"
                } else {
                    pair
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    match rest.split_once('@') {
        Some((login, host)) if login.contains(':') => {
            let user = login.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_is_shown_and_refused_without_its_password() {
        let store = PgStore::new("postgres://kvarter:hemmelig@db.kk.dk:6543/kort").unwrap();
        assert_eq!(store.shown(), "postgres://kvarter@db.kk.dk:6543/kort");
        assert!(!format!("{store:?}").contains("hemmelig"));
        let error = PgStore::new("postgres://kvarter:hemmelig@db:notaport/kort").unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("hemmelig"), "{text}");
        assert!(text.contains("kvarter:***@db"), "{text}");
        let error = PgStore::new("host=db password=hemmelig nonsense").unwrap_err();
        assert!(!error.to_string().contains("hemmelig"), "{error}");
    }
}

//! Reloading the data while serving: a SIGHUP, `POST /admin/reload` or a changed manifest
//! (`serve --watch`) asks the [`Reloader`] to read its source again. The new [`Service`] is
//! built beside the one serving and swapped in whole ([`Live::replace`]); requests in flight
//! finish on the old one. A reload that fails — a damaged file, a bad manifest — leaves the old
//! service in place, and the failure is kept for `/admin/status` and the metrics.
//!
//! When the data version has not changed (only the address register was replaced, say), the
//! service keeps its data — index, tile cache, joins — and only the address index is read again.
//! Reloads run one at a time; a second waits for the first.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use kvarter_data::store::DataSource;
use serde::Serialize;

use crate::live::Live;
use crate::service::Service;
use crate::{ServiceConfig, error};

/// What asked for a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The first load of a server that listens before it reads its data.
    Start,
    /// SIGHUP.
    Signal,
    /// `POST /admin/reload`.
    Admin,
    /// `serve --watch` saw the manifest change.
    Watch,
}

/// How a reload ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A new data version is serving.
    Reloaded {
        /// The version before.
        from: String,
        /// The version now.
        to: String,
    },
    /// The data version is the same; the address index was read again.
    Unchanged {
        /// The version.
        version: String,
    },
    /// Nothing changed: the old data keeps serving.
    Failed {
        /// Why, with every cause.
        reason: String,
    },
}

/// One reload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// When it started, UTC, RFC 3339.
    pub at: String,
    /// What asked for it.
    pub trigger: Trigger,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// How long it took.
    pub seconds: f64,
}

/// The reloads so far, for `/admin/status` and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReloadStatus {
    /// The last reload, if any.
    pub last: Option<Attempt>,
    /// The last failed one, if any (kept when later ones succeed).
    pub last_failure: Option<Attempt>,
    /// Reloads that swapped in a new data version.
    pub reloaded: u64,
    /// Reloads that found the same data version.
    pub unchanged: u64,
    /// Reloads that failed.
    pub failed: u64,
}

/// Reloads a [`Live`] service from its source.
#[derive(Debug)]
pub struct Reloader {
    source: Arc<dyn DataSource>,
    config: ServiceConfig,
    status: Mutex<ReloadStatus>,
    /// Held while a reload runs, so reloads take turns.
    running: Mutex<()>,
}

impl Reloader {
    /// A reloader reading `source`, building services with `config`.
    pub fn new(source: Arc<dyn DataSource>, config: ServiceConfig) -> Self {
        Self {
            source,
            config,
            status: Mutex::new(ReloadStatus::default()),
            running: Mutex::new(()),
        }
    }

    /// The source, in words.
    pub fn describe(&self) -> String {
        self.source.describe()
    }

    /// Reads the source again and swaps the result into `live`; see the [module docs](self).
    /// Blocking (it reads files and builds an index): call it off async workers.
    pub fn reload(&self, live: &Live, trigger: Trigger) -> Attempt {
        let _turn = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let started = Instant::now();
        let at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let current = live.current();
        let outcome = match self.rebuild(&current) {
            Ok(service) => {
                let (from, to) = (
                    current.data_version().to_owned(),
                    service.data_version().to_owned(),
                );
                live.replace(service);
                if from == to {
                    Outcome::Unchanged { version: to }
                } else {
                    Outcome::Reloaded { from, to }
                }
            }
            Err(reason) => Outcome::Failed { reason },
        };
        let attempt = Attempt {
            at,
            trigger,
            outcome,
            seconds: started.elapsed().as_secs_f64(),
        };
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        match attempt.outcome {
            Outcome::Reloaded { .. } => status.reloaded += 1,
            Outcome::Unchanged { .. } => status.unchanged += 1,
            Outcome::Failed { .. } => {
                status.failed += 1;
                status.last_failure = Some(attempt.clone());
            }
        }
        status.last = Some(attempt.clone());
        attempt
    }

    /// The new service: the whole data when its version changed, else the current data with the
    /// address index read again.
    fn rebuild(&self, current: &Service) -> Result<Service, String> {
        let origin = self.source.describe();
        let snapshot = self
            .source
            .load()
            .map_err(|e| format!("cannot load {origin}: {}", error::chain(&e)))?;
        if snapshot.dataset.version == current.data_version() {
            // The snapshot read the addresses already: no second read.
            return Ok(current.with_addresses(snapshot.addresses));
        }
        Service::from_snapshot(snapshot, &origin, self.config.clone())
            .map(|service| service.counting_into(current.counters().clone()))
            .map_err(|e| error::chain(&e))
    }

    /// The reloads so far.
    pub fn status(&self) -> ReloadStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

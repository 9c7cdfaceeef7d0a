//! Reloading the data while serving: a SIGHUP, `POST /admin/reload` or a changed manifest
//! (`serve --watch`) asks the [`Reloader`] to read its source again. The new [`Service`] is
//! built beside the one serving and swapped in whole ([`Live::replace`]); requests in flight
//! finish on the old one. A reload that fails — a damaged file, a bad manifest — leaves the old
//! service in place, and the failure is kept for `/admin/status` and the metrics.
//!
//! When the data version has not changed (only the address register was replaced, say), the
//! service keeps its data — index, tile cache, joins — and only the address index is read again.
//! Reloads run one at a time; a second waits for the first.
//!
//! Every version is built on one long-lived thread of the reloader's, whichever thread asked.
//! glibc's allocator gives each thread that allocates its own arena (up to eight per core) and
//! keeps the pages freed in an arena for that arena: when reloads ran on whichever blocking
//! thread was free, a version dropped in one arena was not reused by the next build in another,
//! and under load (many blocking threads rendering tiles) the resident memory grew by about a
//! version per reload — 123 to 645 MiB over 20 reloads on 2 cores, although nothing leaked
//! (`malloc_trim` gave it back). Built on one thread, each version reuses what the one before it
//! freed (`tests/src/load.rs` measures it).

use std::sync::mpsc;
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
    /// The store announced a change (an import through any replica or the command line).
    Notify,
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
    /// The thread that builds every version (see the [module docs](self)), started by the first
    /// reload; it ends when the reloader is dropped.
    builder: Mutex<Option<mpsc::Sender<Build>>>,
}

/// A build for the builder thread, which sends its result back.
type Build = Box<dyn FnOnce() + Send>;

impl Reloader {
    /// A reloader reading `source`, building services with `config`.
    pub fn new(source: Arc<dyn DataSource>, config: ServiceConfig) -> Self {
        Self {
            source,
            config,
            status: Mutex::new(ReloadStatus::default()),
            running: Mutex::new(()),
            builder: Mutex::new(None),
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
        let outcome = match self.on_builder(&current) {
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

    /// [`rebuild`] on the builder thread, started if need be; on the calling thread when no
    /// thread can be started.
    fn on_builder(&self, current: &Arc<Service>) -> Result<Service, String> {
        let (source, config, current) = (self.source.clone(), self.config.clone(), current.clone());
        let (answer, result) = mpsc::sync_channel(1);
        let build: Build = Box::new(move || {
            let _ = answer.send(rebuild(source.as_ref(), config, &current));
        });
        let mut builder = self.builder.lock().unwrap_or_else(PoisonError::into_inner);
        if builder.is_none() {
            *builder = start_builder();
        }
        let unsent = match builder.as_ref() {
            Some(jobs) => jobs.send(build).err().map(|mpsc::SendError(build)| build),
            None => Some(build),
        };
        if let Some(build) = unsent {
            // No thread could be started, or it is gone (a build panicked): build here, and
            // start a new one next time.
            *builder = None;
            drop(builder);
            build();
        } else {
            drop(builder);
        }
        result
            .recv()
            .unwrap_or_else(|_| Err("the reload panicked; the old data keeps serving".into()))
    }

    /// The reloads so far.
    pub fn status(&self) -> ReloadStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Starts the builder thread; `None` when the system will not start one.
fn start_builder() -> Option<mpsc::Sender<Build>> {
    let (jobs, builds) = mpsc::channel::<Build>();
    std::thread::Builder::new()
        .name("kvarter-reload".into())
        .spawn(move || {
            for build in builds {
                build();
            }
        })
        .ok()?;
    Some(jobs)
}

/// The new service: the whole data when its version changed, else the current data with the
/// address index read again.
fn rebuild(
    source: &dyn DataSource,
    config: ServiceConfig,
    current: &Service,
) -> Result<Service, String> {
    let origin = source.describe();
    let snapshot = source
        .load()
        .map_err(|e| format!("cannot load {origin}: {}", error::chain(&e)))?;
    if snapshot.dataset.version == current.data_version() {
        // The snapshot read the addresses already: no second read.
        return Ok(current.with_addresses(snapshot.addresses));
    }
    Service::from_snapshot(snapshot, &origin, config)
        .map(|service| service.counting_into(current.counters().clone()))
        .map_err(|e| error::chain(&e))
}

#[cfg(test)]
mod tests {
    use kvarter_core::Dataset;
    use kvarter_data::dataset::IndicatorFiles;
    use kvarter_data::manifest::Manifest;
    use kvarter_data::store::StoreError;

    use super::*;

    /// A source that notes which thread reads it, and cannot be read.
    #[derive(Debug, Default)]
    struct Noting(Mutex<Vec<Option<String>>>);

    impl DataSource for Noting {
        fn describe(&self) -> String {
            "a test source".into()
        }

        fn load_layers(&self) -> Result<(Dataset, Manifest), StoreError> {
            let name = std::thread::current().name().map(str::to_owned);
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(name);
            Err(StoreError::Io {
                path: "nowhere".into(),
                source: std::io::Error::other("a test source"),
            })
        }

        fn load_indicators(&self, _: &Manifest) -> Result<IndicatorFiles, StoreError> {
            unreachable!("load_layers fails first")
        }

        fn load_addresses(&self, _: &Manifest) -> Result<Vec<kvarter_geocode::Entry>, StoreError> {
            unreachable!("load_layers fails first")
        }
    }

    #[test]
    fn every_reload_is_built_on_the_one_builder_thread_whichever_thread_asks() {
        let source = Arc::new(Noting::default());
        let reloader = Arc::new(Reloader::new(source.clone(), ServiceConfig::default()));
        let live = Arc::new(Live::new(Service::new(
            Dataset {
                version: "one".into(),
                layers: vec![],
            },
            ServiceConfig::default(),
        )));
        let askers: Vec<_> = (0..3)
            .map(|_| {
                let (reloader, live) = (reloader.clone(), live.clone());
                std::thread::spawn(move || reloader.reload(&live, Trigger::Admin))
            })
            .collect();
        for asker in askers {
            let attempt = asker.join().unwrap_or_else(|_| panic!("a reload"));
            assert!(matches!(attempt.outcome, Outcome::Failed { .. }));
        }
        let threads = source.0.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(*threads, vec![Some("kvarter-reload".to_owned()); 3]);
        assert_eq!(live.current().data_version(), "one");
    }
}

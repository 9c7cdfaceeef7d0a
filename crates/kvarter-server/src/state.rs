//! What every handler shares: the live service (swapped whole on reload; see
//! [`kvarter_service::Live`]), whether it is loaded yet, the server's settings and its metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{HeaderMap, HeaderValue};
use kvarter_core::Dataset;
use kvarter_service::reload::{Outcome, Reloader};
use kvarter_service::{Live, Service};

use crate::auth::Failures;
use crate::config::ServerConfig;
use crate::metrics::HttpMetrics;

/// Built once at start-up and shared behind an `Arc`. A handler takes the current service once
/// ([`AppState::service`]) and answers from it, so one answer comes from one data version.
#[derive(Debug)]
pub struct AppState {
    /// The service answers come from.
    pub live: Live,
    /// The server's settings.
    pub config: ServerConfig,
    /// The `Cache-Control` of tiles and of other answers derived from the data alone.
    cache_control: HeaderValue,
    /// The headers of every tile answer but its `ETag` ([`crate::respond::Cached::headers`]):
    /// made once, copied into each answer.
    tile_headers: HeaderMap,
    /// The base URL of tile URLs in `TileJSON`, when configured (without a trailing `/`).
    public_url: Option<String>,
    /// Reads the data again on SIGHUP, `POST /admin/reload` and (with `--watch`) a changed
    /// manifest; `None` for the embedded dataset, which cannot change.
    pub reloader: Option<Arc<Reloader>>,
    /// The source's announcements of changes (a store's notifications), followed on a thread
    /// of its own: each one reloads.
    pub changes: Option<Arc<dyn kvarter_data::store::Changes>>,
    /// The data folder or store the admin routes import into and remove from; `None` for the
    /// embedded dataset.
    pub targets: Option<Arc<dyn kvarter_data::import::Targets>>,
    /// Whether the live service holds the data (not the empty stand-in of [`AppState::loading`]).
    /// Once true, it stays true: a failed reload keeps the old data serving.
    loaded: AtomicBool,
    /// Set while the first load's tile cache warming (`serve --warm`) runs: not ready yet.
    warming: AtomicBool,
    /// Requests counted and timed, for `/metrics`.
    pub metrics: HttpMetrics,
    /// The map image renderer and its cache (`/api/static/…`).
    pub images: Arc<kvarter_render::Images>,
    /// Wrong admin tokens per address ([`crate::auth`]).
    pub(crate) auth_failures: Failures,
}

impl AppState {
    /// Serves `service` under `config`.
    pub fn new(service: Service, config: ServerConfig) -> Self {
        let cache_control = HeaderValue::from_str(&config.tile_cache_control)
            .unwrap_or_else(|_| HeaderValue::from_static("public, max-age=3600"));
        let public_url = config
            .public_url
            .as_ref()
            .map(|url| url.trim_end_matches('/').to_owned());
        let images = Arc::new(kvarter_render::Images::new(
            kvarter_render::Renderer::new(),
            config.image_cache_mb,
        ));
        Self {
            live: Live::new(service),
            config,
            tile_headers: crate::respond::Cached::headers(cache_control.clone(), []),
            cache_control,
            public_url,
            reloader: None,
            changes: None,
            targets: None,
            loaded: AtomicBool::new(true),
            warming: AtomicBool::new(false),
            metrics: HttpMetrics::default(),
            images,
            auth_failures: Failures::default(),
        }
    }

    /// A server whose data is still to be loaded, by its reloader ([`AppState::with_data_dir`]):
    /// it serves an empty stand-in, which [`crate::health::GateLayer`] keeps from every client
    /// (503) until the first reload succeeds.
    pub fn loading(config: ServerConfig) -> Self {
        let empty = Dataset {
            version: String::new(),
            layers: Vec::new(),
        };
        let state = Self::new(Service::new(empty, config.service()), config);
        state.loaded.store(false, Ordering::Release);
        state
    }

    /// Serves the data folder `dir`: reloads from it (with `reloader`) and lets the admin routes
    /// change its layers.
    #[must_use]
    pub fn with_data_dir(self, dir: std::path::PathBuf, reloader: Reloader) -> Self {
        self.with_targets(
            Arc::new(kvarter_data::import::folder::FolderTargets(dir)),
            reloader,
        )
    }

    /// Serves the data of `targets` (a data folder, a store): reloads with `reloader` and lets
    /// the admin routes change its layers.
    #[must_use]
    pub fn with_targets(
        mut self,
        targets: Arc<dyn kvarter_data::import::Targets>,
        reloader: Reloader,
    ) -> Self {
        self.targets = Some(targets);
        self.with_reloader(reloader)
    }

    /// Reloads with `reloader`.
    #[must_use]
    pub fn with_reloader(mut self, reloader: Reloader) -> Self {
        self.reloader = Some(Arc::new(reloader));
        self
    }

    /// Reloads whenever `changes` announces one (see [`crate::run_with`]).
    #[must_use]
    pub fn with_changes(mut self, changes: Arc<dyn kvarter_data::store::Changes>) -> Self {
        self.changes = Some(changes);
        self
    }

    /// Whether the data is loaded (see [`AppState::not_ready_reason`]).
    pub fn is_ready(&self) -> bool {
        self.not_ready_reason().is_none()
    }

    /// Why the data is not served yet — the first load is running, or failed and why — or
    /// `None` once it is.
    pub fn not_ready_reason(&self) -> Option<String> {
        if self.warming.load(Ordering::Acquire) {
            return Some("warming the tile cache (serve --warm)".into());
        }
        if self.loaded.load(Ordering::Acquire) {
            return None;
        }
        let Some(reloader) = &self.reloader else {
            return Some("no data to load".into());
        };
        let status = reloader.status();
        if status.reloaded + status.unchanged > 0 {
            self.loaded.store(true, Ordering::Release);
            return None;
        }
        Some(match status.last.map(|attempt| attempt.outcome) {
            Some(Outcome::Failed { reason }) => format!(
                "the data did not load: {reason}; fix it and reload (SIGHUP, POST /admin/reload)"
            ),
            _ => format!("loading {}", reloader.describe()),
        })
    }

    /// Marks the tile cache warming of the first load as running (not ready) or done.
    pub(crate) fn set_warming(&self, warming: bool) {
        self.warming.store(warming, Ordering::Release);
    }

    /// The service now.
    pub fn service(&self) -> Arc<Service> {
        self.live.current()
    }

    /// The `Cache-Control` value of tiles (and of other answers derived from the data alone).
    pub fn cache_control(&self) -> &HeaderValue {
        &self.cache_control
    }

    /// The headers of every tile answer but its `ETag`: `Cache-Control` and `Vary`.
    pub fn tile_headers(&self) -> &HeaderMap {
        &self.tile_headers
    }

    /// The configured public base URL, if any.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }
}

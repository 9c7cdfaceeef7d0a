//! What every handler shares: the live service (swapped whole on reload; see
//! [`kvarter_service::Live`]) and the server's settings.

use std::sync::Arc;

use axum::http::HeaderValue;
use kvarter_service::reload::Reloader;
use kvarter_service::{Live, Service};

use crate::config::ServerConfig;

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
    /// The base URL of tile URLs in `TileJSON`, when configured (without a trailing `/`).
    public_url: Option<String>,
    /// Reads the data again on SIGHUP, `POST /admin/reload` and (with `--watch`) a changed
    /// manifest; `None` for the embedded dataset, which cannot change.
    pub reloader: Option<Arc<Reloader>>,
    /// The data folder the admin routes import into and remove from; `None` for the embedded
    /// dataset.
    pub data_dir: Option<std::path::PathBuf>,
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
        Self {
            live: Live::new(service),
            config,
            cache_control,
            public_url,
            reloader: None,
            data_dir: None,
        }
    }

    /// Serves the data folder `dir`: reloads from it (with `reloader`) and lets the admin routes
    /// change its layers.
    #[must_use]
    pub fn with_data_dir(mut self, dir: std::path::PathBuf, reloader: Reloader) -> Self {
        self.data_dir = Some(dir);
        self.with_reloader(reloader)
    }

    /// Reloads with `reloader`.
    #[must_use]
    pub fn with_reloader(mut self, reloader: Reloader) -> Self {
        self.reloader = Some(Arc::new(reloader));
        self
    }

    /// The service now.
    pub fn service(&self) -> Arc<Service> {
        self.live.current()
    }

    /// The `Cache-Control` value of tiles (and of other answers derived from the data alone).
    pub fn cache_control(&self) -> &HeaderValue {
        &self.cache_control
    }

    /// The configured public base URL, if any.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }
}

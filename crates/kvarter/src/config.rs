//! Configuration in layers: command-line flags, then environment variables (`KVARTER_*`), then
//! the config file (`--config`, TOML), then defaults that serve the embedded dataset.
//!
//! | setting | flag | environment | config key | default |
//! |---|---|---|---|---|
//! | data folder | `--data` | `KVARTER_DATA` | `data` | the embedded dataset |
//! | layer store (PostgreSQL URL), instead of a data folder | `--store` | `KVARTER_STORE` | `store` | none |
//! | listen address | `--bind` | `KVARTER_BIND` | `bind` | `127.0.0.1:8080` |
//! | log format | `--log-format` | `KVARTER_LOG_FORMAT` | `log_format` | `text` (`json` for machines) |
//! | log filter | — | `RUST_LOG` | — | `info` |
//! | CORS origins | — | — | `server.cors_allowed_origins` | any origin (GET only) |
//! | request timeout | — | — | `server.request_timeout_secs` | 30 |
//! | max features per response | — | — | `server.max_features` | 20000 |
//! | tile cache size (MiB, 0 = off) | `--tile-cache-mb` | `KVARTER_TILE_CACHE_MB` | `server.tile_cache_mb` | 256 |
//! | pre-render tiles at start-up | `--warm 0-14` | `KVARTER_WARM` | — | none |
//! | `Cache-Control` of tiles, TileJSON and map images | — | — | `server.tile_cache_control` | `public, max-age=3600` |
//! | map image cache size (MiB, 0 = off) | — | — | `server.image_cache_mb` | 64 |
//! | base URL in TileJSON | — | — | `server.public_url` | from the `Host` header |
//! | largest batch lookup body (bytes) → 413 | — | — | `server.batch_max_bytes` | 5242880 (5 MiB) |
//! | most rows in a batch lookup → 413 | — | — | `server.batch_max_rows` | 10000 |
//! | tile extent / buffer / simplification / maxzoom | — | — | `server.tiles.extent`, `.buffer`, `.simplify`, `.maxzoom` | 4096 / 64 / 1.0 / 20 |
//!
//! Unknown keys in the config file are an error, so a typo never goes unnoticed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kvarter_server::ServerConfig;
use serde::Deserialize;

/// The config file's contents.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Data folder.
    pub data: Option<PathBuf>,
    /// The layer store's URL, instead of a data folder.
    pub store: Option<String>,
    /// Listen address.
    pub bind: Option<SocketAddr>,
    /// `text` or `json`.
    pub log_format: Option<LogFormat>,
    /// HTTP settings.
    #[serde(default)]
    pub server: Option<ServerConfig>,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl FileConfig {
    /// Reads a config file; a missing file is an error (it was named explicitly).
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("the config file {} is invalid", path.display()))
    }
}

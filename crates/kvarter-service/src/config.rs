//! The service's settings: what every face gets the same (the features limit, the tile cache,
//! how tiles are cut). The HTTP API's settings — CORS, timeouts, caching headers — are
//! [`ServerConfig`](crate::server_config::ServerConfig), which makes this one from its own.

use kvarter_tiles::TileConfig;

/// How the service behaves, whatever face asks it. (The HTTP API's settings — CORS, timeouts,
/// caching headers — are [`ServerConfig`](crate::server_config::ServerConfig).)
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceConfig {
    /// The most features one features answer may hold; more is
    /// [`ServiceError::TooManyFeatures`].
    pub max_features: usize,
    /// MiB of memory for rendered tiles (each kept with its compressed forms); 0: no cache.
    pub tile_cache_mb: u64,
    /// How tiles are cut.
    pub tiles: TileConfig,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            max_features: 20_000,
            tile_cache_mb: 256,
            tiles: TileConfig::default(),
        }
    }
}

//! The tile cache the service keeps: rendered tiles in a size-bounded in-memory cache (moka)
//! keyed by data version, tileset name and tile, each with its bytes and, made once on first
//! demand, their gzip and brotli forms ([`Rendered`]); and the renderer that fills it.

use std::sync::Arc;

use kvarter_index::Index;
use kvarter_tiles::{TileCoord, Tiler};
use moka::sync::Cache;
use serde::Serialize;

use crate::config::ServiceConfig;
use crate::encoding::Rendered;

/// Tiles: the renderer and the cache.
pub struct TileService {
    tiler: Tiler,
    cache: Option<Cache<TileKey, Arc<Rendered>>>,
    version: Arc<str>,
}

impl std::fmt::Debug for TileService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileService")
            .field("tiler", &self.tiler)
            .field("cached_tiles", &self.cache.as_ref().map(Cache::entry_count))
            .finish_non_exhaustive()
    }
}

/// A tile cache key: the data version, what the tile shows (a tileset's name) and where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TileKey {
    version: Arc<str>,
    tileset: Arc<str>,
    tile: TileCoord,
}

/// How full the tile cache is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Tiles held.
    pub tiles: u64,
    /// Bytes they weigh (identity and compressed forms, at most).
    pub bytes: u64,
    /// The cache's capacity in bytes.
    pub capacity_bytes: Option<u64>,
}

impl TileService {
    /// The tile service for `index` as `config` says (cache size, tile settings).
    pub fn new(index: &Index, config: &ServiceConfig) -> TileService {
        let cache = (config.tile_cache_mb > 0).then(|| {
            Cache::builder()
                .max_capacity(config.tile_cache_mb.saturating_mul(1024 * 1024))
                .weigher(|_key: &TileKey, tile: &Arc<Rendered>| tile.weight())
                .build()
        });
        TileService {
            tiler: Tiler::new(index, config.tiles.clone()),
            cache,
            version: Arc::from(index.dataset().version.as_str()),
        }
    }

    /// How full the tile cache is; `None` when it is off.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.cache.as_ref().map(|cache| {
            cache.run_pending_tasks();
            CacheStats {
                tiles: cache.entry_count(),
                bytes: cache.weighted_size(),
                capacity_bytes: cache.policy().max_capacity(),
            }
        })
    }

    /// The renderer.
    pub fn tiler(&self) -> &Tiler {
        &self.tiler
    }

    fn key(&self, tileset: &str, tile: TileCoord) -> TileKey {
        TileKey {
            version: self.version.clone(),
            tileset: Arc::from(tileset),
            tile,
        }
    }

    /// The tile of `tileset` from the cache, if it is there.
    pub(crate) fn cached(&self, tileset: &str, tile: TileCoord) -> Option<Arc<Rendered>> {
        self.cache.as_ref()?.get(&self.key(tileset, tile))
    }

    /// The tile of `tileset`, from the cache or made by `render` (and then cached).
    pub(crate) fn get_or_render(
        &self,
        tileset: &str,
        tile: TileCoord,
        render: impl FnOnce() -> Vec<u8>,
    ) -> Arc<Rendered> {
        let render = || Arc::new(Rendered::new(render()));
        match &self.cache {
            Some(cache) => cache.get_with(self.key(tileset, tile), render),
            None => render(),
        }
    }

    /// Whether tiles are cached at all.
    pub(crate) fn has_cache(&self) -> bool {
        self.cache.is_some()
    }
}

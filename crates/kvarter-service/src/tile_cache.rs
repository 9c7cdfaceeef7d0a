//! The tile cache the service keeps: rendered tiles in a size-bounded in-memory cache (moka)
//! keyed by tileset name and tile (each data version has its own service and so its own cache), each with its bytes and, made once on first
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
    cache: Option<Cache<TileKey, Arc<Rendered>, foldhash::fast::RandomState>>,
}

impl std::fmt::Debug for TileService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileService")
            .field("tiler", &self.tiler)
            .field("cached_tiles", &self.cache.as_ref().map(Cache::entry_count))
            .finish_non_exhaustive()
    }
}

/// A tile cache key: what the tile shows (a tileset's name) and where.
///
/// A lookup borrows the name ([`KeyView`]) rather than copying it into a new key: the cached
/// tile is the hot path (BENCHMARKS.md, "The HTTP fast path").
#[derive(Debug, Clone)]
struct TileKey {
    tileset: Arc<str>,
    tile: TileCoord,
}

/// A tile cache key's parts, borrowed: what [`TileKey`] and a lookup's `(&str, TileCoord)`
/// both are, hashed and compared alike.
trait KeyView {
    fn parts(&self) -> (&str, TileCoord);
}

impl KeyView for TileKey {
    fn parts(&self) -> (&str, TileCoord) {
        (&self.tileset, self.tile)
    }
}

impl KeyView for (&str, TileCoord) {
    fn parts(&self) -> (&str, TileCoord) {
        *self
    }
}

impl<'a> std::borrow::Borrow<dyn KeyView + 'a> for TileKey {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

impl std::hash::Hash for dyn KeyView + '_ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn KeyView + '_ {}

impl std::hash::Hash for TileKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self as &dyn KeyView).hash(state);
    }
}

impl PartialEq for TileKey {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for TileKey {}

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
                .build_with_hasher(foldhash::fast::RandomState::default())
        });
        TileService {
            tiler: Tiler::new(index, config.tiles.clone()),
            cache,
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

    /// The tile of `tileset` from the cache, if it is there.
    pub(crate) fn cached(&self, tileset: &str, tile: TileCoord) -> Option<Arc<Rendered>> {
        self.cache.as_ref()?.get(&(tileset, tile) as &dyn KeyView)
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
            Some(cache) => cache.get_with(
                TileKey {
                    tileset: Arc::from(tileset),
                    tile,
                },
                render,
            ),
            None => render(),
        }
    }

    /// Whether tiles are cached at all.
    pub(crate) fn has_cache(&self) -> bool {
        self.cache.is_some()
    }
}

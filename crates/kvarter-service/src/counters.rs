//! How much work the service has done since the process started — lookups, searches, tiles
//! served from the cache and rendered — for a face to report (the server's `/metrics`).
//!
//! The counters belong to the process, not to one data version: a reload hands them to the new
//! [`Service`](crate::Service) ([`Service::counting_into`](crate::Service::counting_into)), so
//! they only ever grow, as Prometheus counters must. Relaxed atomics: each counter is
//! independent, and a scrape that sees one a moment before another is harmless.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// The work counters; see the [module docs](self).
#[derive(Debug, Default)]
pub struct Counters {
    lookups: AtomicU64,
    searches: AtomicU64,
    tile_cache_hits: AtomicU64,
    tile_cache_misses: AtomicU64,
    tiles_rendered: AtomicU64,
    tile_bytes_rendered: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CountersNow {
    /// Lookups answered: by point, by address, and each row of a batch.
    pub lookups: u64,
    /// Address and place searches answered.
    pub searches: u64,
    /// Tiles answered from the tile cache.
    pub tile_cache_hits: u64,
    /// Tiles that were not in the cache (or with the cache off), each then rendered or found
    /// rendered by a request that asked at the same moment.
    pub tile_cache_misses: u64,
    /// Tiles rendered.
    pub tiles_rendered: u64,
    /// The bytes of the tiles rendered (uncompressed).
    pub tile_bytes_rendered: u64,
}

impl Counters {
    /// Counts `n` lookups.
    pub(crate) fn lookups(&self, n: u64) {
        self.lookups.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a search.
    pub(crate) fn search(&self) {
        self.searches.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a tile answered from the cache.
    pub fn tile_hit(&self) {
        self.tile_cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a tile not found in the cache.
    pub(crate) fn tile_miss(&self) {
        self.tile_cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a rendered tile of `bytes` bytes.
    pub(crate) fn tile_rendered(&self, bytes: usize) {
        self.tiles_rendered.fetch_add(1, Ordering::Relaxed);
        self.tile_bytes_rendered
            .fetch_add(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The counters now.
    pub fn now(&self) -> CountersNow {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CountersNow {
            lookups: read(&self.lookups),
            searches: read(&self.searches),
            tile_cache_hits: read(&self.tile_cache_hits),
            tile_cache_misses: read(&self.tile_cache_misses),
            tiles_rendered: read(&self.tiles_rendered),
            tile_bytes_rendered: read(&self.tile_bytes_rendered),
        }
    }
}

//! Map images as a server hands them out: rendered once per data version and request, then
//! answered from a size-bounded in-memory cache (moka, as the tile cache), each image with a
//! key that names its bytes (for a strong `ETag`) without rendering it.
//!
//! A face builds one [`Images`] and shares it; [`Images::cached`] answers a hit without work,
//! [`Images::render`] renders a miss (slow: call it off the async workers) and keeps it.

use std::sync::{Arc, Mutex, PoisonError};

use kvarter_service::Service;
use kvarter_service::encoding::Rendered;
use moka::sync::Cache;

use crate::{Format, RenderError, RenderRequest, Renderer};

/// What names one image's bytes: the data version, the request and the encoding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageKey {
    version: Arc<str>,
    request: String,
    format: &'static str,
}

impl ImageKey {
    /// The key of the image `request` asks for from `service`'s data, as `format`.
    pub fn new(service: &Service, request: &RenderRequest, format: Format) -> ImageKey {
        ImageKey {
            version: Arc::from(service.data_version()),
            // Every field of the request, in order; the same request gives the same text.
            request: format!("{request:?}"),
            format: format.extension(),
        }
    }

    /// A tag for the bytes, to be an `ETag`: the data version and a 64-bit FNV-1a hash of the
    /// request and the format. The same request on the same data gives the same tag, and
    /// another data version another.
    pub fn tag(&self) -> String {
        let hash = [self.request.as_bytes(), b"|", self.format.as_bytes()]
            .concat()
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        format!("{}-{hash:016x}", self.version)
    }
}

/// The renderer and its cache of rendered images.
pub struct Images {
    renderer: Renderer,
    cache: Option<Cache<ImageKey, Arc<Rendered>>>,
    /// The data version the cache holds images of; a new one empties it.
    version: Mutex<Arc<str>>,
}

impl std::fmt::Debug for Images {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Images")
            .field(
                "cached_images",
                &self.cache.as_ref().map(Cache::entry_count),
            )
            .finish_non_exhaustive()
    }
}

impl Images {
    /// Images by `renderer`, up to `capacity_mb` MiB of them cached (0: none).
    pub fn new(renderer: Renderer, capacity_mb: u64) -> Images {
        let cache = (capacity_mb > 0).then(|| {
            Cache::builder()
                .max_capacity(capacity_mb.saturating_mul(1024 * 1024))
                .weigher(|_key: &ImageKey, image: &Arc<Rendered>| image.weight())
                .build()
        });
        Images {
            renderer,
            cache,
            version: Mutex::new(Arc::from("")),
        }
    }

    /// The renderer.
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// The image under `key`, when cached.
    pub fn cached(&self, key: &ImageKey) -> Option<Arc<Rendered>> {
        self.cache.as_ref()?.get(key)
    }

    /// Renders the image `request` asks for from `service`'s data as `format`, and caches it
    /// under `key` (made by [`ImageKey::new`] from the same three). Images of an older data
    /// version are dropped from the cache when the first of a new one is kept.
    pub fn render(
        &self,
        service: &Service,
        request: &RenderRequest,
        format: Format,
        key: ImageKey,
    ) -> Result<Arc<Rendered>, RenderError> {
        let image = Arc::new(Rendered::new(
            self.renderer.render(service, request, format)?,
        ));
        if let Some(cache) = &self.cache {
            let mut version = self.version.lock().unwrap_or_else(PoisonError::into_inner);
            if *version != key.version {
                cache.invalidate_all();
                version.clone_from(&key.version);
            }
            drop(version);
            cache.insert(key, image.clone());
        }
        Ok(image)
    }

    /// How many images are cached and what they weigh in bytes.
    pub fn cache_stats(&self) -> (u64, u64) {
        self.cache.as_ref().map_or((0, 0), |cache| {
            cache.run_pending_tasks();
            (cache.entry_count(), cache.weighted_size())
        })
    }
}

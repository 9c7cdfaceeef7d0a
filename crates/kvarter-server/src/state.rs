//! The state every handler shares read-only: the index, the config, the optional indicators and
//! address index, and what is worked out once per layer at start-up (its JSON summary and
//! reference, the property names its features carry).

use std::sync::{Arc, LazyLock, OnceLock};

use kvarter_core::{Layer, LayerId};
use kvarter_index::Index;
use kvarter_overlay::{OverlayError, Projected};
use serde_json::value::RawValue;

use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::{features, layers};

/// Built once at start-up and shared behind an `Arc`; to reload data, build a new one and swap
/// the whole `Arc`.
pub struct AppState {
    /// The layers and the spatial index over them.
    pub index: Index,
    /// The server's settings.
    pub config: ServerConfig,
    /// Vector tiles: renderer and cache.
    pub tiles: crate::tiles::TileService,
    /// Comparisons between layers, computed on first demand.
    pub comparisons: crate::compare::Comparisons,
    /// Indicator values joined to every area layer, when the data has indicators.
    pub indicators: Option<kvarter_indicators::Joins>,
    /// The address index, when the data has a gazetteer; without one the address routes
    /// answer with no results and a note. Swapped whole by [`AppState::replace_gazetteer`]
    /// (on SIGHUP after `kvarter addresses import`); requests in flight keep the one they read.
    addresses: arc_swap::ArcSwapOption<crate::addresses::Addresses>,
    /// Per layer, in the index's layer order.
    catalogue: Vec<Entry>,
    /// Per layer, its areas in EPSG:25832 (`None` for line layers), made on first demand.
    projected: Vec<OnceLock<Option<Arc<Projected>>>>,
}

/// What is worked out once for one layer.
struct Entry {
    /// The layer's full summary (see [`layers::summary`]), as JSON text.
    summary: Box<RawValue>,
    /// The layer's short reference (see [`layers::reference`]), as JSON text: lookups copy it
    /// into every answer.
    reference: Box<RawValue>,
    properties: Vec<String>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("data_version", &self.index.dataset().version)
            .field("layers", &self.catalogue.len())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Shares `index` under `config`, working out each layer's summary and property names.
    /// The state has no indicators; see [`AppState::with_indicators`].
    pub fn new(index: Index, config: ServerConfig) -> Self {
        let catalogue = index
            .layers()
            .iter()
            .map(|layer| Entry {
                summary: layers::summary(layer),
                reference: layers::reference(layer),
                properties: features::property_names(layer),
            })
            .collect();
        let tiles = crate::tiles::TileService::new(&index, &config);
        let projected = index.layers().iter().map(|_| OnceLock::new()).collect();
        Self {
            index,
            config,
            tiles,
            comparisons: crate::compare::Comparisons::default(),
            indicators: None,
            addresses: arc_swap::ArcSwapOption::empty(),
            catalogue,
            projected,
        }
    }

    /// The state with indicator values joined to its layers (built from the same index).
    #[must_use]
    pub fn with_indicators(mut self, joins: kvarter_indicators::Joins) -> Self {
        self.indicators = Some(joins);
        self
    }

    /// The state with an address index over `gazetteer`, for search, reverse geocoding and
    /// lookup by address.
    #[must_use]
    pub fn with_gazetteer(self, gazetteer: kvarter_geocode::Gazetteer) -> Self {
        self.replace_gazetteer(Some(gazetteer));
        self
    }

    /// The address index now, if there is one.
    pub fn addresses(&self) -> Option<Arc<crate::addresses::Addresses>> {
        self.addresses.load_full()
    }

    /// Replaces the address index in one step: requests already running finish with the old
    /// one, every later request sees the new one. `None` removes it.
    pub fn replace_gazetteer(&self, gazetteer: Option<kvarter_geocode::Gazetteer>) {
        self.addresses
            .store(gazetteer.map(|g| Arc::new(crate::addresses::Addresses::new(g))));
    }

    /// The position in the index of the layer with id `id`, or a 404 listing the known ids.
    pub fn layer_position(&self, id: &str) -> Result<usize, ApiError> {
        let layer = self.layer(id)?;
        self.index
            .layers()
            .iter()
            .position(|l| std::ptr::eq(l, layer))
            .ok_or_else(|| ApiError::internal("finding a layer", "the layer is not in the index"))
    }

    /// `layer`'s areas in EPSG:25832, projected on first demand; a 422 for a line layer, naming
    /// `purpose` (what needed areas).
    pub fn projected(
        &self,
        layer: &Layer,
        purpose: &'static str,
    ) -> Result<Arc<Projected>, ApiError> {
        let position = self
            .index
            .layers()
            .iter()
            .position(|l| std::ptr::eq(l, layer));
        let slot = position.and_then(|p| self.projected.get(p));
        let projected = match slot {
            Some(slot) => slot.get_or_init(|| project(layer)).clone(),
            None => project(layer),
        };
        projected.ok_or_else(|| ApiError::NotAreaLayer {
            layer: layer.meta.id.to_string(),
            purpose,
        })
    }

    /// The data version (changes whenever any layer's data does).
    pub fn data_version(&self) -> &str {
        &self.index.dataset().version
    }

    /// The layer named in a request path, or a 404 naming it and listing the known ids.
    pub fn layer(&self, id: &str) -> Result<&Layer, ApiError> {
        id.parse::<LayerId>()
            .ok()
            .and_then(|id| self.index.layer(&id))
            .ok_or_else(|| ApiError::UnknownLayer {
                id: crate::error::shortened(id),
                known: self.known_ids(),
            })
    }

    /// The ids of all layers, in order.
    pub fn known_ids(&self) -> Vec<String> {
        self.index
            .layers()
            .iter()
            .map(|layer| layer.meta.id.to_string())
            .collect()
    }

    /// The JSON summary of a layer (see [`layers::summary`]), built at start-up.
    pub fn summary(&self, layer: &Layer) -> &RawValue {
        self.entry(layer).map_or(&NULL_JSON, |entry| &entry.summary)
    }

    /// The short JSON reference to a layer that lookups show, built at start-up.
    pub fn reference(&self, layer: &Layer) -> &RawValue {
        self.entry(layer)
            .map_or(&NULL_JSON, |entry| &entry.reference)
    }

    /// The property names a layer's features can carry, including the fixed ones.
    pub fn property_names(&self, layer: &Layer) -> Vec<String> {
        self.entry(layer)
            .map(|entry| entry.properties.clone())
            .unwrap_or_default()
    }

    /// What was worked out for `layer`, found by its position in the index (layers handed to
    /// handlers always come from the index).
    fn entry(&self, layer: &Layer) -> Option<&Entry> {
        self.index
            .layers()
            .iter()
            .position(|l| std::ptr::eq(l, layer))
            .and_then(|i| self.catalogue.get(i))
    }
}

/// A layer's areas in EPSG:25832, or `None` for a line layer. Loaded data is checked to lie on
/// the globe, so projection cannot fail otherwise; if it does, the layer is treated as having
/// no areas to overlay, and the failure is logged.
fn project(layer: &Layer) -> Option<Arc<Projected>> {
    match Projected::new(layer) {
        Ok(projected) => Some(Arc::new(projected)),
        Err(OverlayError::NotAreas { .. }) => None,
        Err(error) => {
            tracing::error!(%error, "cannot project a layer to EPSG:25832");
            None
        }
    }
}

/// What [`AppState::summary`] and [`AppState::reference`] answer for a layer that is not in the
/// index (never, in practice).
static NULL_JSON: LazyLock<Box<RawValue>> = LazyLock::new(|| {
    RawValue::from_string("null".to_owned()).unwrap_or_else(|_| unreachable!("null is JSON"))
});

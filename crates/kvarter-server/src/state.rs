//! The state every handler shares read-only: the index, the config, and what is worked out once
//! per layer at start-up (its JSON summary, the property names its features carry).

use kvarter_core::{Layer, LayerId};
use kvarter_index::Index;
use serde_json::Value;
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
    /// Per layer, in the index's layer order.
    catalogue: Vec<Entry>,
}

/// What is worked out once for one layer.
struct Entry {
    summary: Value,
    /// The layer's short reference (see [`layers::reference`]), serialised once: lookups copy
    /// it into every answer.
    reference_json: Box<RawValue>,
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
    pub fn new(index: Index, config: ServerConfig) -> Self {
        let catalogue = index
            .layers()
            .iter()
            .map(|layer| {
                let summary = layers::summary(layer);
                Entry {
                    reference_json: raw(&layers::reference(layer)),
                    summary,
                    properties: features::property_names(layer),
                }
            })
            .collect();
        Self {
            index,
            config,
            catalogue,
        }
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

    /// The JSON summary of a layer (see [`layers::summary`]).
    pub fn summary(&self, layer: &Layer) -> Value {
        self.entry(layer)
            .map_or_else(|| layers::summary(layer), |entry| entry.summary.clone())
    }

    /// The short JSON reference to a layer that lookups show, serialised once at start-up.
    pub fn reference_json(&self, layer: &Layer) -> &RawValue {
        self.entry(layer)
            .map_or_else(|| NULL_JSON.as_ref(), |entry| entry.reference_json.as_ref())
    }

    /// The property names a layer's features can carry, including the fixed ones.
    pub fn property_names(&self, layer: &Layer) -> Vec<String> {
        self.entry(layer).map_or_else(
            || features::property_names(layer),
            |entry| entry.properties.clone(),
        )
    }

    fn entry(&self, layer: &Layer) -> Option<&Entry> {
        self.index
            .layers()
            .iter()
            .position(|l| l.meta.id == layer.meta.id)
            .and_then(|i| self.catalogue.get(i))
    }
}

/// What [`AppState::reference_json`] answers for a layer that is not in the index (never, in
/// practice: layers come from the index).
static NULL_JSON: std::sync::LazyLock<Box<RawValue>> =
    std::sync::LazyLock::new(|| raw(&Value::Null));

/// A JSON value as raw JSON text. Serialising a `Value` cannot fail; should it ever, `null`.
fn raw(value: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| {
        RawValue::from_string("null".to_owned()).unwrap_or_else(|_| unreachable!("null is JSON"))
    })
}

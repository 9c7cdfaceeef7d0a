//! A dataset: every layer the service holds, with one version string that changes whenever any
//! layer's data changes (used for cache keys and `ETag`s).

use crate::{Layer, LayerId};

/// All layers of one data version.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Changes whenever any layer's bytes change (for the embedded data: a hash of the manifest's
    /// checksums).
    pub version: String,
    /// The layers, in manifest order.
    pub layers: Vec<Layer>,
}

impl Dataset {
    /// The layer with the given id.
    pub fn layer(&self, id: &LayerId) -> Option<&Layer> {
        self.layers.iter().find(|layer| &layer.meta.id == id)
    }
}

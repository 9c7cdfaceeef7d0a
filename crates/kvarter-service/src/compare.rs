//! The designation diff: what of one area layer (the 2011 udsatte byområder, say) was kept,
//! removed and added in another, computed once per data version and layer pair and kept with
//! its encodings and its map (see [`crate::comparisons`]).

use std::sync::Arc;

use crate::comparisons::{Compared, Comparisons};
use crate::error::ServiceError;
use crate::service::{LayerAt, Service};

/// What a comparison needs of its layers, for the error naming a street layer.
pub const PURPOSE: &str = "a comparison";

impl Service {
    /// The comparison of the area layers `from` and `to` (see [`Service::area_layer`]),
    /// computed on first demand and kept: CPU work the first time, so call it off async
    /// workers.
    pub fn comparison(
        &self,
        from: LayerAt<'_>,
        to: LayerAt<'_>,
    ) -> Result<Arc<Compared>, ServiceError> {
        let from_projected = self.projected(from, PURPOSE)?;
        let to_projected = self.projected(to, PURPOSE)?;
        let comparisons: &Comparisons = self.comparisons();
        comparisons
            .cache
            .try_get_with((from.position, to.position), || {
                kvarter_compare::compare_projected(
                    from.layer,
                    &from_projected,
                    to.layer,
                    &to_projected,
                )
                .map(|comparison| {
                    let tiles = self.config().tiles.clone();
                    Arc::new(Compared::new(comparison, self.data_version(), tiles))
                })
            })
            .map_err(|error| ServiceError::internal("comparing two layers", error.to_string()))
    }

    /// The comparison of the layers with ids `from` and `to`: unknown layers and street
    /// layers are refused ([`ServiceError::UnknownLayer`], [`ServiceError::NotAreaLayer`]).
    pub fn compare(&self, from: &str, to: &str) -> Result<Arc<Compared>, ServiceError> {
        let from = self.area_layer(from, PURPOSE)?;
        let to = self.area_layer(to, PURPOSE)?;
        self.comparison(from, to)
    }
}

//! The designation diff: what of one area layer (the 2011 udsatte byområder, say) was kept,
//! removed and added in another, computed once per data version and layer pair and kept with
//! its encodings and its map (see [`crate::comparisons`]).

use std::sync::Arc;

use kvarter_compare::LayerRef;
use kvarter_core::Layer;
use kvarter_overlay::Projected;

use crate::comparisons::{Compared, Comparisons};
use crate::error::ServiceError;
use crate::service::{LayerAt, Service, Whole};

/// One side of a comparison: a layer, or the designation it makes with its state lists.
struct Side<'a> {
    layer: &'a Layer,
    whole: Option<Arc<Whole>>,
    projected: Arc<Projected>,
}

impl Side<'_> {
    fn layer(&self) -> &Layer {
        self.whole.as_ref().map_or(self.layer, |whole| &whole.layer)
    }
}

/// What a comparison needs of its layers, for the error naming a street layer.
pub const PURPOSE: &str = "a comparison";

impl Service {
    /// The comparison of the area layers `from` and `to` (see [`Service::area_layer`]),
    /// computed on first demand and kept: CPU work the first time, so call it off async
    /// workers. A side that is a municipal designation with state lists counting as part of it
    /// is compared as the designation as a whole ([`Service::whole`]): its areas plus the
    /// lists' estates (ids `<list id>/<area id>`), and its layer reference names every layer
    /// that made it in `made_of`.
    pub fn comparison(
        &self,
        from: LayerAt<'_>,
        to: LayerAt<'_>,
    ) -> Result<Arc<Compared>, ServiceError> {
        let from_side = self.side(from)?;
        let to_side = self.side(to)?;
        let comparisons: &Comparisons = self.comparisons();
        comparisons
            .cache
            .try_get_with((from.position, to.position), || {
                kvarter_compare::compare_projected(
                    from_side.layer(),
                    &from_side.projected,
                    to_side.layer(),
                    &to_side.projected,
                )
                .map(|mut comparison| {
                    comparison.from.made_of = self.made_of(&from_side);
                    comparison.to.made_of = self.made_of(&to_side);
                    let tiles = self.config().tiles.clone();
                    Arc::new(Compared::new(comparison, self.data_version(), tiles))
                })
            })
            .map_err(|error| ServiceError::internal("comparing two layers", error.to_string()))
    }

    /// What one side of a comparison compares: the designation as a whole, or the layer.
    fn side<'a>(&'a self, at: LayerAt<'a>) -> Result<Side<'a>, ServiceError> {
        Ok(match self.whole(at, PURPOSE)? {
            Some(whole) => Side {
                projected: whole.projected.clone(),
                whole: Some(whole),
                layer: at.layer,
            },
            None => Side {
                projected: self.projected(at, PURPOSE)?,
                whole: None,
                layer: at.layer,
            },
        })
    }

    /// The references of the layers that made a side: empty for a single layer.
    fn made_of(&self, side: &Side<'_>) -> Vec<LayerRef> {
        side.whole.as_ref().map_or_else(Vec::new, |whole| {
            whole
                .made_of
                .iter()
                .map(|&position| LayerRef::from(&self.layers()[position].meta))
                .collect()
        })
    }

    /// The comparison of the layers with ids `from` and `to`: unknown layers and street
    /// layers are refused ([`ServiceError::UnknownLayer`], [`ServiceError::NotAreaLayer`]).
    pub fn compare(&self, from: &str, to: &str) -> Result<Arc<Compared>, ServiceError> {
        let from = self.area_layer(from, PURPOSE)?;
        let to = self.area_layer(to, PURPOSE)?;
        self.comparison(from, to)
    }
}

//! The service: one loaded dataset and everything derived from it — the spatial index, the layer
//! catalogue, the tiler and its tile cache, the comparisons, the indicator joins and the address
//! index — built once, read by every request, and replaced whole (see [`crate::Live`]).

use std::sync::{Arc, OnceLock};

use kvarter_core::{Dataset, Date, Layer, LayerId};
use kvarter_data::manifest::Manifest;
use kvarter_data::store::{DataSource, Snapshot};
use kvarter_geocode::Gazetteer;
use kvarter_index::Index;
use kvarter_indicators::{Catalogue, Indicators, Joins};
use kvarter_overlay::{OverlayError, Projected};
use serde_json::value::RawValue;

use crate::addresses::Addresses;
use crate::answer_cache::AnswerCache;
use crate::catalogue::{LayerInfo, LayerList};
use crate::comparisons::Comparisons;
use crate::config::ServiceConfig;
use crate::counters::Counters;
use crate::designation::{StateListJoins, whole};
use crate::error::{ServiceError, quoted, shortened};
use crate::tile_cache::TileService;

/// The data and all that is derived from it, shared by every [`Service`] value that serves it.
struct Data {
    index: Index,
    config: ServiceConfig,
    /// Per layer, in the index's order.
    layers: Vec<LayerInfo>,
    /// Per layer, its areas in EPSG:25832 (`None` for line layers), made on first demand.
    projected: Vec<OnceLock<Option<Arc<Projected>>>>,
    tiles: TileService,
    /// Point lookups' answers by the areas they fall in.
    answers: AnswerCache,
    comparisons: Comparisons,
    /// Which state lists count as part of which municipal designation (the 2025 rule).
    state_lists: StateListJoins,
    /// Per layer, the designation as a whole (the layer and its state lists, projected), for
    /// layers that take state lists; made on first demand.
    wholes: Vec<OnceLock<Option<Arc<Whole>>>>,
    indicators: Option<Joins>,
    /// The manifest the data was loaded through, when it came from a [`DataSource`].
    manifest: Option<Manifest>,
}

/// One version of the data and everything derived from it, with the operations the faces call
/// (lookups, features, tiles, comparisons, indicators, search, batch; see the modules).
///
/// Cheap to clone (two `Arc`s). Built once — [`Service::load`] from a [`DataSource`], or
/// [`Service::new`] from a dataset in memory — and never changed: a reload builds a new one
/// beside it (sharing what did not change, as [`Service::with_gazetteer`] shares the data) and
/// swaps it in (see [`crate::Live`]), so an answer always comes from one version.
#[derive(Clone)]
pub struct Service {
    data: Arc<Data>,
    addresses: Option<Arc<Addresses>>,
    /// The process's work counters, handed on to the service that replaces this one.
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("data_version", &self.data_version())
            .field("layers", &self.data.layers.len())
            .field("indicators", &self.data.indicators.is_some())
            .field("addresses", &self.addresses.is_some())
            .finish_non_exhaustive()
    }
}

/// A municipal designation as a whole (see [`crate::designation::whole`]) and its areas in
/// EPSG:25832.
pub struct Whole {
    /// The municipal layer's areas and its state lists' estates, as one layer.
    pub layer: Layer,
    /// Its areas in EPSG:25832.
    pub projected: Arc<Projected>,
    /// The positions of the layers that made it: the municipal layer, then its state lists.
    pub made_of: Vec<usize>,
}

impl std::fmt::Debug for Whole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Whole")
            .field("id", &self.layer.meta.id)
            .field("made_of", &self.made_of)
            .finish_non_exhaustive()
    }
}

/// A layer of the service and its position (what per-layer work is keyed by).
#[derive(Debug, Clone, Copy)]
pub struct LayerAt<'a> {
    /// The layer's position in [`Service::layers`].
    pub position: usize,
    /// The layer.
    pub layer: &'a Layer,
}

impl Service {
    /// The service over `dataset`, without indicators or an address index.
    pub fn new(dataset: Dataset, config: ServiceConfig) -> Self {
        Self::build(dataset, None, None, config)
    }

    /// The service over `dataset`, with indicator values joined to its layers (`indicators`
    /// must have been made from the same layers) and an address index over `gazetteer`.
    /// Nothing heavy happens yet: tiles, joins and projections are made on first demand.
    pub fn build(
        dataset: Dataset,
        indicators: Option<Joins>,
        gazetteer: Option<Gazetteer>,
        config: ServiceConfig,
    ) -> Self {
        Self::assemble(dataset, indicators, gazetteer, None, config)
    }

    fn assemble(
        dataset: Dataset,
        indicators: Option<Joins>,
        gazetteer: Option<Gazetteer>,
        manifest: Option<Manifest>,
        config: ServiceConfig,
    ) -> Self {
        let index = Index::new(dataset);
        let state_lists = StateListJoins::new(index.layers());
        let ids = |positions: &[usize]| -> Vec<LayerId> {
            positions
                .iter()
                .map(|&p| index.layers()[p].meta.id.clone())
                .collect()
        };
        let layers = index
            .layers()
            .iter()
            .enumerate()
            .map(|(position, layer)| {
                LayerInfo::new(
                    layer,
                    &ids(state_lists.lists_of(position)),
                    &ids(state_lists.part_of(position)),
                )
            })
            .collect();
        let projected = index.layers().iter().map(|_| OnceLock::new()).collect();
        let wholes = index.layers().iter().map(|_| OnceLock::new()).collect();
        let tiles = TileService::new(&index, &config);
        let data = Data {
            index,
            config,
            layers,
            projected,
            tiles,
            answers: AnswerCache::default(),
            comparisons: Comparisons::default(),
            state_lists,
            wholes,
            indicators,
            manifest,
        };
        Self {
            data: Arc::new(data),
            addresses: gazetteer.map(|g| Arc::new(Addresses::new(g))),
            counters: Arc::default(),
        }
    }

    /// The service over everything `source` holds: its layers, its indicators (joined on first
    /// demand) and its address index.
    pub fn load(source: &dyn DataSource, config: ServiceConfig) -> Result<Self, ServiceError> {
        let snapshot = source.load().map_err(|error| ServiceError::Data {
            origin: source.describe(),
            source: error.into(),
        })?;
        Self::from_snapshot(snapshot, &source.describe(), config)
    }

    /// The service over `snapshot` (read from `origin`, for errors): parses the indicator
    /// catalogue and tables and prepares their joins, and indexes the address entries.
    pub fn from_snapshot(
        snapshot: Snapshot,
        origin: &str,
        config: ServiceConfig,
    ) -> Result<Self, ServiceError> {
        let Snapshot {
            dataset,
            manifest,
            indicators: files,
            addresses,
        } = snapshot;
        let data_error = |source: Box<dyn std::error::Error + Send + Sync>| ServiceError::Data {
            origin: origin.to_owned(),
            source,
        };
        let joins = match files.catalogue {
            None => None,
            Some(bytes) => {
                let file = manifest
                    .catalogue
                    .as_ref()
                    .map_or("indicators/catalogue.toml", |entry| entry.file.as_str());
                let text = std::str::from_utf8(&bytes)
                    .map_err(|_| data_error(format!("{file} is not UTF-8 text").into()))?;
                let catalogue =
                    Catalogue::parse(text, file).map_err(|error| data_error(error.into()))?;
                let tables: Vec<(String, Vec<u8>)> = files
                    .tables
                    .into_iter()
                    .map(|(entry, bytes)| (entry.dataset, bytes))
                    .collect();
                let values = Indicators::load(&catalogue, &tables, &dataset.layers)
                    .map_err(|error| data_error(error.into()))?;
                Some(
                    Joins::new(values, dataset.layers.clone())
                        .map_err(|error| data_error(error.into()))?,
                )
            }
        };
        let gazetteer = (!addresses.is_empty()).then(|| Gazetteer::new(addresses));
        Ok(Self::assemble(
            dataset,
            joins,
            gazetteer,
            Some(manifest),
            config,
        ))
    }

    /// The same data with another address index (`None`: none), sharing everything else.
    #[must_use]
    pub fn with_gazetteer(&self, gazetteer: Option<Gazetteer>) -> Self {
        Self {
            data: self.data.clone(),
            addresses: gazetteer.map(|g| Arc::new(Addresses::new(g))),
            counters: self.counters.clone(),
        }
    }

    /// This service, counting its work into `counters` (those of the service it replaces).
    #[must_use]
    pub fn counting_into(mut self, counters: Arc<Counters>) -> Self {
        self.counters = counters;
        self
    }

    /// The work done so far (by this service and those it replaced; see [`crate::counters`]).
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// The same data with its address index read again from `source` (after
    /// `kvarter addresses import`), or the reason it could not be (then keep this one).
    pub fn reload_addresses(&self, source: &dyn DataSource) -> Result<Self, ServiceError> {
        let manifest = self.data.manifest.as_ref().ok_or_else(|| {
            ServiceError::internal(
                "reloading the address index",
                "this service was not loaded from a data source",
            )
        })?;
        let entries = source
            .load_addresses(manifest)
            .map_err(|error| ServiceError::Data {
                origin: source.describe(),
                source: error.into(),
            })?;
        Ok(self.with_addresses(entries))
    }

    /// A service with this one's data and an address index of `entries` (none when empty).
    #[must_use]
    pub fn with_addresses(&self, entries: Vec<kvarter_geocode::Entry>) -> Self {
        self.with_gazetteer((!entries.is_empty()).then(|| Gazetteer::new(entries)))
    }

    /// The data version (changes whenever any layer's data does).
    pub fn data_version(&self) -> &str {
        &self.data.index.dataset().version
    }

    /// The day the data last changed, as its data source records it: the date of the last
    /// import, removal or restore in the folder's history. `None` when no change is recorded
    /// (a folder as `kvarter data build` made it, or data built in memory). Read from the
    /// data, never from a clock, so that what shows it (a map image's footer) stays the same
    /// until the data changes.
    pub fn data_changed(&self) -> Option<Date> {
        let entry = self.data.manifest.as_ref()?.history.last()?;
        entry.at.get(..10)?.parse().ok()
    }

    /// The spatial index over the layers.
    pub fn index(&self) -> &Index {
        &self.data.index
    }

    /// The layers, in manifest order.
    pub fn layers(&self) -> &[Layer] {
        self.data.index.layers()
    }

    /// The settings.
    pub fn config(&self) -> &ServiceConfig {
        &self.data.config
    }

    /// The manifest the data was loaded through (`None` for a dataset built in memory).
    pub fn manifest(&self) -> Option<&Manifest> {
        self.data.manifest.as_ref()
    }

    /// The indicator joins, when the data has indicators.
    pub fn indicators(&self) -> Option<&Joins> {
        self.data.indicators.as_ref()
    }

    /// The address index, when the data has a gazetteer.
    pub fn addresses(&self) -> Option<&Addresses> {
        self.addresses.as_deref()
    }

    /// Tiles: the renderer and the cache.
    pub fn tiles(&self) -> &TileService {
        &self.data.tiles
    }

    /// Point lookups' answers kept (see [`crate::answer_cache`]).
    pub(crate) fn answers(&self) -> &AnswerCache {
        &self.data.answers
    }

    pub(crate) fn comparisons(&self) -> &Comparisons {
        &self.data.comparisons
    }

    /// Which state lists count as part of which municipal designation.
    pub fn state_lists(&self) -> &StateListJoins {
        &self.data.state_lists
    }

    /// The designation of the layer at `at` as a whole — its areas and those of the state lists
    /// that count as part of it — or `None` when no list counts as part of it (then the layer
    /// is the whole). Made and projected once per data version, on first demand (CPU work:
    /// call it off async workers); [`ServiceError::NotAreaLayer`] naming `purpose` if it cannot
    /// be projected.
    pub fn whole(
        &self,
        at: LayerAt<'_>,
        purpose: &'static str,
    ) -> Result<Option<Arc<Whole>>, ServiceError> {
        let lists = self.data.state_lists.lists_of(at.position);
        if lists.is_empty() {
            return Ok(None);
        }
        let slot = &self.data.wholes[at.position];
        let made = slot.get_or_init(|| {
            let list_layers: Vec<&Layer> = lists.iter().map(|&p| &self.layers()[p]).collect();
            let layer = whole(at.layer, &list_layers);
            let projected = project(&layer)?;
            Some(Arc::new(Whole {
                layer,
                projected,
                made_of: std::iter::once(at.position)
                    .chain(lists.iter().copied())
                    .collect(),
            }))
        });
        made.clone()
            .map(Some)
            .ok_or_else(|| ServiceError::NotAreaLayer {
                layer: at.layer.meta.id.to_string(),
                purpose,
            })
    }

    /// The layer with id `id` (any text), or [`ServiceError::UnknownLayer`] naming it and
    /// listing the known ids.
    pub fn layer(&self, id: &str) -> Result<LayerAt<'_>, ServiceError> {
        let position = self
            .data
            .index
            .position(id)
            .ok_or_else(|| ServiceError::UnknownLayer {
                id: shortened(id),
                known: self.known_ids(),
            })?;
        Ok(self.at(position))
    }

    /// The layer at `position` (which must be a position of [`Service::layers`]).
    pub(crate) fn at(&self, position: usize) -> LayerAt<'_> {
        LayerAt {
            position,
            layer: &self.layers()[position],
        }
    }

    /// The area layer with id `id`: [`ServiceError::UnknownLayer`] when there is none,
    /// [`ServiceError::NotAreaLayer`] naming `purpose` when it holds lines. Checks geometry
    /// types only, so it is cheap enough to call before deciding to do the work.
    pub fn area_layer(&self, id: &str, purpose: &'static str) -> Result<LayerAt<'_>, ServiceError> {
        let at = self.layer(id)?;
        if self.info(at.position).holds_areas {
            Ok(at)
        } else {
            Err(ServiceError::NotAreaLayer {
                layer: at.layer.meta.id.to_string(),
                purpose,
            })
        }
    }

    /// The ids of all layers, in order.
    pub fn known_ids(&self) -> Vec<String> {
        self.layers()
            .iter()
            .map(|layer| layer.meta.id.to_string())
            .collect()
    }

    /// What was worked out for the layer at `position`.
    pub fn info(&self, position: usize) -> &LayerInfo {
        &self.data.layers[position]
    }

    /// The JSON summary of the layer at `position` (see [`crate::catalogue::summary`]).
    pub fn summary(&self, position: usize) -> &RawValue {
        &self.info(position).summary
    }

    /// The short JSON reference to the layer at `position` that lookups show.
    pub fn reference(&self, position: usize) -> &RawValue {
        &self.info(position).reference
    }

    /// Every layer's summary, for `/api/layers`.
    pub fn layer_list(&self) -> LayerList<'_> {
        LayerList {
            data_version: self.data_version(),
            layers: self.data.layers.iter().map(|info| &*info.summary).collect(),
        }
    }

    /// The layer's areas in EPSG:25832, projected on first demand (CPU work for a big layer:
    /// call it off async workers); [`ServiceError::NotAreaLayer`] naming `purpose` for a line
    /// layer.
    pub fn projected(
        &self,
        at: LayerAt<'_>,
        purpose: &'static str,
    ) -> Result<Arc<Projected>, ServiceError> {
        let slot = &self.data.projected[at.position];
        slot.get_or_init(|| project(at.layer))
            .clone()
            .ok_or_else(|| ServiceError::NotAreaLayer {
                layer: at.layer.meta.id.to_string(),
                purpose,
            })
    }

    /// The layers named in `items` (the `field` of a request, e.g. `layers`), checked, in the
    /// dataset's order whatever order they were named in.
    pub fn layer_selection(
        &self,
        field: &'static str,
        items: &[&str],
    ) -> Result<Vec<LayerId>, ServiceError> {
        if items.is_empty() {
            return Err(ServiceError::invalid(
                field,
                "name at least one layer, e.g. layers=udsatte-byomraader-2017",
            ));
        }
        let mut wanted = vec![false; self.layers().len()];
        for item in items {
            let position = self.data.index.position(item).ok_or_else(|| {
                ServiceError::invalid(
                    field,
                    format!(
                        "there is no layer {}; known layers: {}",
                        quoted(item),
                        self.known_ids().join(", ")
                    ),
                )
            })?;
            wanted[position] = true;
        }
        Ok(self
            .layers()
            .iter()
            .zip(wanted)
            .filter(|(_, wanted)| *wanted)
            .map(|(layer, _)| layer.meta.id.clone())
            .collect())
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

//! Vector tiles: what a tile shows ([`Tileset`]: one layer or several, optionally with
//! indicator values, or a comparison's map), rendered on demand by [`kvarter_tiles::Tiler`]
//! into the service's tile cache ([`crate::tile_cache`]), and the `TileJSON` that describes
//! them.

use std::sync::Arc;

use kvarter_tiles::{LayerSet, LayerSetError, TileCoord, TileJson, ZoomRange};

use crate::choropleth::Choropleth;
use crate::compare::PURPOSE;
use crate::encoding::{Encoding, Rendered};
use crate::error::ServiceError;
use crate::service::Service;

/// What tiles show: a checked layer set with the indicator values it carries, or the map of a
/// comparison.
#[derive(Debug, Clone)]
pub struct Tileset {
    kind: Kind,
    name: String,
}

#[derive(Debug, Clone)]
enum Kind {
    Layers {
        set: LayerSet,
        choropleth: Option<Choropleth>,
    },
    Compare {
        from: usize,
        to: usize,
    },
}

impl Tileset {
    /// The tiles of the layers `set` (see [`Service::layer_set`]), with `choropleth`'s
    /// indicator values as attributes.
    pub fn layers(set: LayerSet, choropleth: Option<Choropleth>) -> Tileset {
        let name = match &choropleth {
            Some(choropleth) => format!("{}?{}", set.name(), choropleth.key()),
            None => set.name().to_owned(),
        };
        Tileset {
            kind: Kind::Layers { set, choropleth },
            name,
        }
    }

    /// What the tiles show, as a cache key and in ETags: the layer ids joined by commas
    /// (`roder-2023,bydele-2023`), with the indicators they carry
    /// (`bydele-2023?indicators=population&period=2019`), or `compare/{from}/{to}`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path its tiles are served under after `/tiles/`, with the query they need:
    /// `bydele-2023` or `compare/a/b`, then `?indicators=…` when it carries indicators.
    fn path_and_query(&self) -> (String, String) {
        match &self.kind {
            Kind::Layers { set, choropleth } => (
                set.name().to_owned(),
                choropleth
                    .as_ref()
                    .map(|c| format!("?{}", c.key()))
                    .unwrap_or_default(),
            ),
            Kind::Compare { .. } => (self.name.clone(), String::new()),
        }
    }
}

/// What [`Service::warm_tiles`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmSummary {
    /// Tiles rendered.
    pub tiles: usize,
    /// Of those, tiles with features.
    pub non_empty: usize,
}

impl Service {
    /// The layers `layers` (`a,b,c`, as in a tile URL), checked: an unknown layer is
    /// [`ServiceError::UnknownLayer`], any other problem with the list
    /// [`ServiceError::Invalid`] (`layers`). See [`Tileset::layers`].
    pub fn layer_set(&self, layers: &str) -> Result<LayerSet, ServiceError> {
        self.tiles()
            .tiler()
            .layer_set(self.index(), layers)
            .map_err(|error| match error {
                LayerSetError::Unknown { id } => ServiceError::UnknownLayer {
                    id,
                    known: self.known_ids(),
                },
                other => ServiceError::invalid("layers", other.to_string()),
            })
    }

    /// The tileset of the comparison of the area layers `from` and `to`: unknown layers and
    /// street layers are refused before anything is computed or cached under their names.
    pub fn compare_tileset(&self, from: &str, to: &str) -> Result<Tileset, ServiceError> {
        let from_at = self.area_layer(from, PURPOSE)?;
        let to_at = self.area_layer(to, PURPOSE)?;
        Ok(Tileset {
            kind: Kind::Compare {
                from: from_at.position,
                to: to_at.position,
            },
            name: format!("compare/{from}/{to}"),
        })
    }

    /// The tile of `tileset` if it is in the cache (never renders: cheap).
    /// Counts a hit when it is; a miss is counted by the [`Service::tile`] that follows.
    pub fn cached_tile(&self, tileset: &Tileset, tile: TileCoord) -> Option<Arc<Rendered>> {
        let cached = self.tiles().cached(tileset.name(), tile);
        if cached.is_some() {
            self.counters().tile_hit();
        }
        cached
    }

    /// The tile of the layers named `layers` — exactly as a layer set without indicators names
    /// itself ([`Tileset::name`], the ids joined by commas) — if it is in the cache: for the
    /// cached tile's fast path, which skips parsing and checking the list. A list written any
    /// other way (another order, spaces, an unknown id) is not found here, and the caller takes
    /// the full path ([`Service::layer_set`], [`Service::cached_tile`]). Counts nothing: the
    /// caller calls [`crate::counters::Counters::tile_hit`] when it answers with the tile.
    pub fn cached_tile_named(&self, layers: &str, tile: TileCoord) -> Option<Arc<Rendered>> {
        self.tiles().cached(layers, tile)
    }

    /// The tile of `tileset`, from the cache or rendered (and then cached). Renders, and a
    /// comparison's first tile computes the comparison: call it off async workers. An empty
    /// [`Rendered`] is a tile without features.
    pub fn tile(&self, tileset: &Tileset, tile: TileCoord) -> Arc<Rendered> {
        let mut rendered = false;
        let answer = self.tiles().get_or_render(tileset.name(), tile, || {
            rendered = true;
            let bytes = self.render(tileset, tile);
            self.counters().tile_rendered(bytes.len());
            bytes
        });
        if rendered || !self.tiles().has_cache() {
            self.counters().tile_miss();
        } else {
            self.counters().tile_hit();
        }
        answer
    }

    fn render(&self, tileset: &Tileset, tile: TileCoord) -> Vec<u8> {
        let tiler = self.tiles().tiler();
        match &tileset.kind {
            Kind::Layers {
                set,
                choropleth: Some(choropleth),
            } => tiler.render_with(
                self.index(),
                set,
                tile,
                &choropleth.attributes(self.indicators()),
            ),
            Kind::Layers {
                set,
                choropleth: None,
            } => tiler.render(self.index(), set, tile),
            Kind::Compare { from, to } => match self.comparison(self.at(*from), self.at(*to)) {
                Ok(compared) => compared.render(tile),
                Err(error) => {
                    tracing::error!(%error, "comparison failed while rendering a tile");
                    Vec::new()
                }
            },
        }
    }

    /// The `TileJSON` of `tileset`, its tile URL starting with `base_url` (`scheme://host`).
    /// For a comparison this computes it: call it off async workers.
    pub fn tilejson(&self, tileset: &Tileset, base_url: &str) -> Result<TileJson, ServiceError> {
        let (path, query) = tileset.path_and_query();
        let url = format!("{base_url}/tiles/{path}/{{z}}/{{x}}/{{y}}.mvt{query}");
        match &tileset.kind {
            Kind::Layers { set, choropleth } => {
                let mut document = self.tiles().tiler().tilejson(self.index(), set, url);
                if let Some(choropleth) = choropleth {
                    choropleth.describe(self.indicators(), &mut document);
                }
                Ok(document)
            }
            Kind::Compare { from, to } => {
                let compared = self.comparison(self.at(*from), self.at(*to))?;
                Ok(compared.tilejson(url))
            }
        }
    }

    /// Gets the service ready for its first requests: joins the indicators onto every layer
    /// but the base maps (map context, joined on first use), then [`Service::warm_tiles`].
    /// Blocking, on all cores.
    pub fn warm(&self, zooms: ZoomRange) -> Result<WarmSummary, ServiceError> {
        if let Some(joins) = self.indicators() {
            joins
                .prepare_where(|layer| layer.meta.kind.in_default_lookup())
                .map_err(|error| {
                    ServiceError::internal("joining the indicators onto the layers", error)
                })?;
        }
        Ok(self.warm_tiles(zooms))
    }

    /// Renders every layer's tiles at zoom levels `zooms` within the layer's bounds into the
    /// cache, with their gzip bytes, on all cores. Without a cache, only prepares the layers.
    pub fn warm_tiles(&self, zooms: ZoomRange) -> WarmSummary {
        let tiler = self.tiles().tiler();
        let has_cache = self.tiles().has_cache();
        let mut jobs: Vec<(Tileset, TileCoord)> = Vec::new();
        for layer in self.layers() {
            let Ok(set) = self.layer_set(layer.meta.id.as_str()) else {
                continue;
            };
            tiler.prepare(self.index(), &set, zooms);
            if has_cache {
                let covering = tiler.tiles_covering(self.index(), &set, zooms);
                let tileset = Tileset::layers(set, None);
                for tile in covering {
                    jobs.push((tileset.clone(), tile));
                }
            }
        }
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let chunk = jobs.len().div_ceil(threads).max(1);
        let non_empty: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .filter(|(tileset, tile)| {
                                let rendered = self.tile(tileset, *tile);
                                rendered.body(Encoding::Gzip);
                                !rendered.is_empty()
                            })
                            .count()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
        });
        WarmSummary {
            tiles: jobs.len(),
            non_empty,
        }
    }
}

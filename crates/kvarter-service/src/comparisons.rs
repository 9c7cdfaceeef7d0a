//! The comparisons the service keeps: each comparison of two layers (see [`kvarter_compare`])
//! once per data version and layer pair, with each encoding (JSON, `GeoJSON`, CSV) and its map
//! (the pieces as a layer, tiled with `change` = kept | added | removed) made once on first
//! demand.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use kvarter_compare::Comparison;
use kvarter_core::{Dataset, Layer};
use kvarter_index::Index;
use kvarter_tiles::{ExtraAttributes, LayerSet, TileConfig, TileCoord, TileJson, Tiler, Value};
use moka::sync::Cache;

/// The comparisons worked out so far, by (from, to) layer position. Few pairs are ever asked
/// for, so the cache is bounded by count.
pub(crate) struct Comparisons {
    pub(crate) cache: Cache<(usize, usize), Arc<Compared>>,
}

impl Default for Comparisons {
    fn default() -> Self {
        Comparisons {
            cache: Cache::builder().max_capacity(64).build(),
        }
    }
}

/// The encodings of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The full report: both layers' provenance, summary, pairs and areas.
    Json,
    /// The pieces (kept, added, removed) as a `FeatureCollection`.
    GeoJson,
    /// One row per pair and per removed or added part.
    Csv,
}

impl Format {
    /// The format's name (`json`, `geojson`, `csv`), as the API's `format` parameter says it.
    pub fn token(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
        }
    }
}

/// One comparison, with its encodings and its map made on first demand.
pub struct Compared {
    /// The comparison.
    pub comparison: Comparison,
    /// The map's version: the data version's, marked as a comparison's.
    version: String,
    /// How the map's tiles are cut.
    tiles: TileConfig,
    json: OnceLock<Bytes>,
    csv: OnceLock<Bytes>,
    geojson: OnceLock<Bytes>,
    map: OnceLock<ChangeMap>,
}

impl std::fmt::Debug for Compared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compared")
            .field("from", &self.comparison.from.id)
            .field("to", &self.comparison.to.id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The pieces of a comparison as a one-layer index, and the tiler that renders it.
struct ChangeMap {
    index: Index,
    tiler: Tiler,
    set: LayerSet,
}

impl Compared {
    /// The comparison of data version `data_version`, its map to be cut with `tiles`.
    pub(crate) fn new(comparison: Comparison, data_version: &str, tiles: TileConfig) -> Compared {
        Compared {
            comparison,
            version: format!("{data_version}-compare"),
            tiles,
            json: OnceLock::new(),
            csv: OnceLock::new(),
            geojson: OnceLock::new(),
            map: OnceLock::new(),
        }
    }

    /// The comparison in `format`, encoded once.
    pub fn body(&self, format: Format) -> Bytes {
        match format {
            Format::Json => self
                .json
                .get_or_init(|| {
                    Bytes::from(serde_json::to_vec(&self.comparison).unwrap_or_default())
                })
                .clone(),
            Format::GeoJson => self
                .geojson
                .get_or_init(|| Bytes::from(self.comparison.to_geojson()))
                .clone(),
            Format::Csv => self
                .csv
                .get_or_init(|| Bytes::from(self.comparison.to_csv()))
                .clone(),
        }
    }

    /// The pieces as a layer of their own, indexed and ready to tile (made once).
    fn map(&self) -> &ChangeMap {
        self.map.get_or_init(|| {
            let dataset = Dataset {
                version: self.version.clone(),
                layers: vec![self.comparison.layer()],
            };
            let index = Index::new(dataset);
            let tiler = Tiler::new(&index, self.tiles.clone());
            let id = index.layers()[0].meta.id.to_string();
            let set = tiler
                .layer_set(&index, &id)
                .unwrap_or_else(|_| unreachable!("the index holds exactly this layer"));
            ChangeMap { index, tiler, set }
        })
    }

    /// The pieces as a layer of their own (kept, added, removed; see
    /// [`kvarter_compare::Comparison::layer`]), with the comparison's provenance.
    pub fn pieces(&self) -> &Layer {
        &self.map().index.layers()[0]
    }

    /// The positions of the pieces whose bounding box meets `rect` (lon/lat), in order.
    pub fn pieces_in(&self, rect: geo::Rect<f64>) -> Vec<usize> {
        let map = self.map();
        map.index
            .query_bbox_positions(&map.index.layers()[0].meta.id, rect)
    }

    /// One tile of the comparison's map, with every piece's `change`, `from_*` and `to_*`.
    pub fn render(&self, tile: TileCoord) -> Vec<u8> {
        let map = self.map();
        let extra = PieceAttributes {
            layer: &map.index.layers()[0],
            comparison: &self.comparison,
        };
        map.tiler.render_with(&map.index, &map.set, tile, &extra)
    }

    /// The `TileJSON` of the comparison's map, with tiles at `url`.
    pub fn tilejson(&self, url: String) -> TileJson {
        let map = self.map();
        let mut document = map.tiler.tilejson(&map.index, &map.set, url);
        for layer in &mut document.vector_layers {
            for field in PIECE_PROPERTIES.into_iter().chain(SIDE_ATTRIBUTES) {
                layer.fields.insert(field.into(), "String".into());
            }
        }
        document
    }
}

/// The attributes a piece's own properties give it in a tile.
const PIECE_PROPERTIES: [&str; 5] = ["change", "from_id", "from_name", "to_id", "to_name"];
/// The attributes every piece gets from the comparison: both layers and their statuses.
const SIDE_ATTRIBUTES: [&str; 4] = ["from_layer", "from_status", "to_layer", "to_status"];

/// The `change`, `from_*` and `to_*` of each piece as tile attributes, with both layers' ids
/// and statuses (so a map legend can say a side is reconstructed).
struct PieceAttributes<'a> {
    layer: &'a Layer,
    comparison: &'a Comparison,
}

impl ExtraAttributes for PieceAttributes<'_> {
    fn extend(&self, _layer: usize, area: usize, out: &mut Vec<(String, Value)>) {
        if let Some(area) = self.layer.areas.get(area) {
            for key in PIECE_PROPERTIES {
                if let Some(serde_json::Value::String(text)) = area.properties.get(key) {
                    out.push((key.to_owned(), Value::String(text.clone())));
                }
            }
        }
        let (from, to) = (&self.comparison.from, &self.comparison.to);
        let values = [
            from.id.to_string(),
            from.status.as_str().to_owned(),
            to.id.to_string(),
            to.status.as_str().to_owned(),
        ];
        for (key, value) in SIDE_ATTRIBUTES.into_iter().zip(values) {
            out.push((key.to_owned(), Value::String(value)));
        }
    }
}

//! TileJSON 3.0.0 documents describing a layer set's tiles: where they are, which zoom levels
//! and bounds they cover, which layers and fields they hold, and whose data they show under what
//! licence and status.

use kvarter_index::Index;
use serde::Serialize;

use crate::tiler::{LayerSet, Tiler, set_bounds};

/// A TileJSON 3.0.0 document.
#[derive(Debug, Clone, Serialize)]
pub struct TileJson {
    /// Always `"3.0.0"`.
    pub tilejson: &'static str,
    /// The tile set's name: its layer ids joined by commas.
    pub name: String,
    /// The layers' English titles.
    pub description: String,
    /// The data version: tiles change only when it does.
    pub version: String,
    /// Source, vintage, licence and status of every layer.
    pub attribution: String,
    /// Always `"xyz"`.
    pub scheme: &'static str,
    /// The tile URL template.
    pub tiles: Vec<String>,
    /// Lowest zoom level.
    pub minzoom: u8,
    /// Highest zoom level.
    pub maxzoom: u8,
    /// `[west, south, east, north]` of the layers' data.
    pub bounds: [f64; 4],
    /// `[lon, lat, zoom]`: the middle of the bounds at a zoom that shows the city.
    pub center: [f64; 3],
    /// The MVT layers in each tile.
    pub vector_layers: Vec<VectorLayer>,
}

/// One MVT layer, as TileJSON describes it (with Kvarter's provenance fields added).
#[derive(Debug, Clone, Serialize)]
pub struct VectorLayer {
    /// The MVT layer name.
    pub id: String,
    /// What it holds.
    pub description: String,
    /// Lowest zoom level.
    pub minzoom: u8,
    /// Highest zoom level.
    pub maxzoom: u8,
    /// Attribute name → type (`"String"` or `"Number"`).
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// `official`, `reconstructed`, `imported` or `synthetic`.
    pub status: String,
    /// Publisher of the data.
    pub source: String,
    /// Snapshot or vintage of the data.
    pub vintage: String,
    /// Licence of the data.
    pub licence: String,
}

/// The zoom level [`TileJson::center`] suggests, when the layers' zoom range allows it.
const CENTER_ZOOM: u8 = 11;

impl Tiler {
    /// The TileJSON document of `set`, with `tiles_url` (containing `{z}`, `{x}`, `{y}`) as the
    /// tile URL template.
    pub fn tilejson(&self, index: &Index, set: &LayerSet, tiles_url: String) -> TileJson {
        let layers: Vec<_> = set
            .positions()
            .iter()
            .filter_map(|&position| index.layers().get(position))
            .collect();
        let maxzoom = self.config().maxzoom;
        let bounds = set_bounds(index.layers(), set).unwrap_or([-180.0, -85.0, 180.0, 85.0]);
        let mut vector_layers = Vec::with_capacity(layers.len() * 2);
        for layer in &layers {
            let meta = &layer.meta;
            let mut fields = serde_json::Map::new();
            let mut field = |name: &str, kind: &str| {
                fields.insert(name.to_owned(), kind.into());
            };
            field("id", "String");
            if layer.areas.iter().any(|a| a.name.is_some()) {
                field("name", "String");
            }
            field("layer", "String");
            field("status", "String");
            if layer.areas.iter().any(|a| a.parent.is_some()) {
                field("parent", "String");
            }
            if layer.areas.iter().any(|a| a.area_m2.is_some()) {
                field("area_m2", "Number");
            }
            field("source", "String");
            field("vintage", "String");
            field("licence", "String");
            if meta.confidence.is_some() {
                field("confidence", "String");
            }
            let described = |description: String, id: String| VectorLayer {
                id,
                description,
                minzoom: 0,
                maxzoom,
                fields: fields.clone(),
                status: meta.status.as_str().to_owned(),
                source: meta.source.publisher.clone(),
                vintage: meta.source.vintage.clone(),
                licence: meta.licence.clone(),
            };
            vector_layers.push(described(
                format!("{} ({})", meta.title.en, meta.status.as_str()),
                meta.id.to_string(),
            ));
            vector_layers.push(described(
                format!("{}: one label point per area, inside it", meta.title.en),
                format!("{}_labels", meta.id),
            ));
        }
        let attribution = layers
            .iter()
            .map(|layer| {
                let meta = &layer.meta;
                format!(
                    "{}: {} ({}), {}, status {}",
                    meta.title.da,
                    meta.source.publisher,
                    meta.source.vintage,
                    meta.licence,
                    meta.status.as_str()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        TileJson {
            tilejson: "3.0.0",
            name: set.name().to_owned(),
            description: layers
                .iter()
                .map(|layer| layer.meta.title.en.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            version: index.dataset().version.clone(),
            attribution,
            scheme: "xyz",
            tiles: vec![tiles_url],
            minzoom: 0,
            maxzoom,
            bounds,
            center: [
                f64::midpoint(bounds[0], bounds[2]),
                f64::midpoint(bounds[1], bounds[3]),
                f64::from(CENTER_ZOOM.min(maxzoom)),
            ],
            vector_layers,
        }
    }
}

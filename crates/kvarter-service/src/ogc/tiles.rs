//! The documents of OGC API – Tiles (Part 1) for the vector tiles Kvarter already renders: the
//! tile matrix set they are cut in (`WebMercatorQuad`, as OGC 17-083r4 defines it), and each
//! layer's one vector tileset in it, with the tile URL template, the tile ranges that hold the
//! layer at each zoom level, its MVT layers and their fields, and its provenance.
//!
//! Why no second tiler: an OGC tile `{tileMatrix}/{tileRow}/{tileCol}` of `WebMercatorQuad` is
//! the XYZ tile `z/x/y` with `z = tileMatrix`, `y = tileRow`, `x = tileCol` (both count rows
//! from the north and columns from the antimeridian), so the HTTP face answers it with the tile
//! `/tiles/{id}/{z}/{x}/{y}.mvt` answers — the same bytes, cache entry and `ETag`. What is here
//! is the description: the numbers of the tile matrices are computed from the WGS 84 radius
//! rather than copied, and the tilesets' layers and fields are the `TileJSON`'s, so the two
//! descriptions of one tile cannot disagree.

use serde::Serialize;
use serde_json::{Value, json};

use super::CRS84;
use crate::error::{ServiceError, quoted};
use crate::service::{LayerAt, Service};
use kvarter_core::layer::Bounds;
use kvarter_tiles::{MAX_ZOOM, TileCoord, TileCoordError};

/// The conformance classes of OGC API – Tiles (and of the tile matrix set standard, for
/// `/tileMatrixSets`) that the `/ogc` face meets, for the conformance declaration beside the
/// features' [`crate::ogc::CONFORMANCE`]: Core (tiles at
/// `…/{tileMatrix}/{tileRow}/{tileCol}`, exceptions for addresses outside the set, `204` for a
/// tile with nothing in it), Tileset ([`tileset`]), Tilesets list ([`tilesets`]), Geodata
/// tilesets (the tilesets of each collection, which its document links with the relation
/// `…/tilesets-vector`), MVT, and the tile matrix set in the JSON of OGC 17-083r4
/// ([`web_mercator_quad`]).
pub const TILES_CONFORMANCE: [&str; 7] = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
];

/// The one tile matrix set served: its id in paths.
pub const WEB_MERCATOR_QUAD: &str = "WebMercatorQuad";
/// Its URI in the OGC register.
pub const WEB_MERCATOR_QUAD_URI: &str =
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
/// Web Mercator (EPSG:3857), the CRS of its tile matrices.
pub const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
/// The well-known scale set `WebMercatorQuad`'s scales are those of.
pub const GOOGLE_MAPS_COMPATIBLE: &str =
    "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible";
/// The link relation from a tileset to its tile matrix set.
pub const REL_TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
/// The media type of the tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Cells across a tile of `WebMercatorQuad`. The set defines its scales for 256-pixel tiles, so
/// this is part of its definition, not a setting: the MVT `extent` (`tiles.extent`, 4096 grid
/// units by default) is the resolution of the coordinates inside a tile, which clients scale to
/// the tile's size, and changing it does not change which piece of the world a tile covers.
pub const TILE_SIZE: u32 = 256;

/// The WGS 84 semi-major axis in metres: the radius of the sphere Web Mercator projects onto.
const SEMI_MAJOR_AXIS: f64 = 6_378_137.0;
/// The size of a "standardized rendering pixel" in metres (0.28 mm), which turns a cell size
/// into a scale denominator.
const STANDARD_PIXEL: f64 = 0.000_28;

const JSON: &str = "application/json";

fn link(href: &str, rel: &str, kind: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": kind, "title": title})
}

/// Half the width of the Web Mercator square in metres (π · a): the easting of its east edge and
/// the northing of its north edge.
pub fn half_world() -> f64 {
    std::f64::consts::PI * SEMI_MAJOR_AXIS
}

/// One tile matrix (zoom level) of `WebMercatorQuad`, as the standard's JSON writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TileMatrix {
    /// The zoom level as text (`"0"` … `"20"`).
    pub id: String,
    /// The scale at 0.28 mm a pixel.
    pub scale_denominator: f64,
    /// Metres a cell (pixel of a 256-cell tile) spans at the equator.
    pub cell_size: f64,
    /// Always `"topLeft"`: rows count from the north.
    pub corner_of_origin: &'static str,
    /// The north-west corner of the square, in EPSG:3857 metres (easting, northing).
    pub point_of_origin: [f64; 2],
    /// [`TILE_SIZE`].
    pub tile_width: u32,
    /// [`TILE_SIZE`].
    pub tile_height: u32,
    /// Tiles across: `2^z`.
    pub matrix_width: u32,
    /// Tiles down: `2^z`.
    pub matrix_height: u32,
}

/// The tile matrix of zoom level `z` (at most [`MAX_ZOOM`]): the world's width in 256-cell
/// tiles, `2^z` of them, so a cell is `2πa / (256 · 2^z)` metres. Halving by powers of two is
/// exact in floating point, so every level is level 0 divided exactly.
pub fn tile_matrix(z: u8) -> TileMatrix {
    let tiles = 1_u32 << z.min(MAX_ZOOM);
    let cell_size = 2.0 * half_world() / f64::from(TILE_SIZE) / f64::from(tiles);
    TileMatrix {
        id: z.to_string(),
        scale_denominator: cell_size / STANDARD_PIXEL,
        cell_size,
        corner_of_origin: "topLeft",
        point_of_origin: [-half_world(), half_world()],
        tile_width: TILE_SIZE,
        tile_height: TILE_SIZE,
        matrix_width: tiles,
        matrix_height: tiles,
    }
}

/// `GET …/tileMatrixSets`: the one tile matrix set, with a link to its definition.
pub fn tile_matrix_sets(base: &str) -> Value {
    let href = format!("{base}/tileMatrixSets");
    json!({
        "links": [link(&href, "self", JSON, "This document")],
        "tileMatrixSets": [{
            "id": WEB_MERCATOR_QUAD,
            "title": title(),
            "uri": WEB_MERCATOR_QUAD_URI,
            "crs": EPSG_3857,
            "links": [link(
                &format!("{href}/{WEB_MERCATOR_QUAD}"),
                REL_TILING_SCHEME,
                JSON,
                "Its definition",
            )],
        }],
    })
}

fn title() -> &'static str {
    "Web Mercator quadtree (Google Maps compatible), 256-cell tiles"
}

/// `GET …/tileMatrixSets/WebMercatorQuad`: the definition, with the tile matrices of zoom
/// levels 0 to [`MAX_ZOOM`] — the levels the tile routes answer.
pub fn web_mercator_quad(base: &str) -> Value {
    let half = half_world();
    let matrices: Vec<TileMatrix> = (0..=MAX_ZOOM).map(tile_matrix).collect();
    json!({
        "id": WEB_MERCATOR_QUAD,
        "title": title(),
        "uri": WEB_MERCATOR_QUAD_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": GOOGLE_MAPS_COMPATIBLE,
        "boundingBox": {"lowerLeft": [-half, -half], "upperRight": [half, half], "crs": EPSG_3857},
        "tileMatrices": matrices,
        "links": [link(
            &format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}"),
            "self",
            JSON,
            "This document",
        )],
    })
}

/// The tiles of one zoom level that hold a layer, as a tileset's `tileMatrixSetLimits` writes
/// them (rows and columns both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TileMatrixLimits {
    /// The zoom level, written as text in JSON.
    #[serde(serialize_with = "as_text")]
    pub tile_matrix: u8,
    /// The northernmost row.
    pub min_tile_row: u32,
    /// The southernmost row.
    pub max_tile_row: u32,
    /// The westernmost column.
    pub min_tile_col: u32,
    /// The easternmost column.
    pub max_tile_col: u32,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes the field by reference"
)]
fn as_text<S: serde::Serializer>(z: &u8, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(z)
}

/// The limits of the tiles of zoom levels `0..=max_zoom` within `bounds` (lon/lat): the rows
/// and columns of the tiles holding its north-west and south-east corners, as the cache warming
/// chooses the tiles of a layer (see [`kvarter_tiles::Tiler::tiles_covering`]).
pub fn limits(bounds: &Bounds, max_zoom: u8) -> Vec<TileMatrixLimits> {
    (0..=max_zoom.min(MAX_ZOOM))
        .map(|z| {
            let north_west = TileCoord::containing(bounds.west, bounds.north, z);
            let south_east = TileCoord::containing(bounds.east, bounds.south, z);
            TileMatrixLimits {
                tile_matrix: z,
                min_tile_row: north_west.y(),
                max_tile_row: south_east.y(),
                min_tile_col: north_west.x(),
                max_tile_col: south_east.x(),
            }
        })
        .collect()
}

/// The deepest zoom level a tileset offers: `tiles.maxzoom`, as in the `TileJSON` (deeper tiles
/// are still answered, up to [`MAX_ZOOM`]).
fn max_zoom(service: &Service) -> u8 {
    service.tiles().tiler().config().maxzoom.min(MAX_ZOOM)
}

/// `GET …/collections/{id}/tiles`: the layer's one tileset, vector tiles in `WebMercatorQuad`.
pub fn tilesets(at: LayerAt<'_>, base: &str) -> Value {
    let meta = &at.layer.meta;
    let tiles = format!("{base}/collections/{}/tiles", meta.id);
    json!({
        "links": [link(&tiles, "self", JSON, "This document")],
        "tilesets": [{
            "title": format!("{}: vector tiles", meta.title.da),
            "dataType": "vector",
            "crs": EPSG_3857,
            "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
            "links": [
                link(&format!("{tiles}/{WEB_MERCATOR_QUAD}"), "self", JSON, "The tileset"),
                link(
                    &format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}"),
                    REL_TILING_SCHEME,
                    JSON,
                    "The tile matrix set",
                ),
            ],
        }],
    })
}

/// `GET …/collections/{id}/tiles/WebMercatorQuad`: the tileset of the layer at `at` — the tile
/// URL template, the limits of each zoom level it is offered at, its MVT layers (the layer and
/// its label points) with their fields, taken from the `TileJSON`, and its status, source,
/// vintage and licence as on the collection.
pub fn tileset(service: &Service, at: LayerAt<'_>, base: &str) -> Result<Value, ServiceError> {
    let meta = &at.layer.meta;
    let collection = format!("{base}/collections/{}", meta.id);
    let tiles = format!("{collection}/tiles/{WEB_MERCATOR_QUAD}");
    let max_zoom = max_zoom(service);
    let set = service.layer_set(meta.id.as_str())?;
    // The `TileJSON` of the same tiles, for its layers and fields (its tile URL is not used).
    let tilejson = service
        .tiles()
        .tiler()
        .tilejson(service.index(), &set, String::new());
    let dimension = match at.layer.areas.first().map(|area| &area.geometry) {
        Some(geo::Geometry::LineString(_) | geo::Geometry::MultiLineString(_)) => 1,
        _ => 2,
    };
    let layers: Vec<Value> = tilejson
        .vector_layers
        .iter()
        .map(|layer| {
            let properties: serde_json::Map<String, Value> = layer
                .fields
                .iter()
                .map(|(name, kind)| {
                    let kind = if kind == "Number" { "number" } else { "string" };
                    (name.clone(), json!({"type": kind}))
                })
                .collect();
            let labels = layer.id.ends_with("_labels");
            json!({
                "id": layer.id,
                "description": layer.description,
                "dataType": "vector",
                "geometryDimension": if labels { 0 } else { dimension },
                "minTileMatrix": layer.minzoom.to_string(),
                "maxTileMatrix": layer.maxzoom.min(max_zoom).to_string(),
                "propertiesSchema": {"type": "object", "properties": properties},
            })
        })
        .collect();
    let bounds = at.layer.bounds();
    let bounding_box = bounds.as_ref().map_or(
        Value::Null,
        |b| json!({"lowerLeft": [b.west, b.south], "upperRight": [b.east, b.north], "crs": CRS84}),
    );
    let limits = bounds.map_or_else(Vec::new, |b| limits(&b, max_zoom));
    Ok(json!({
        "title": format!("{}: vector tiles", meta.title.da),
        "description": format!("{} ({}): {}", meta.title.en, meta.status.as_str(), meta.authority),
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "tileMatrixSetLimits": limits,
        "boundingBox": bounding_box,
        "version": service.data_version(),
        "attribution": tilejson.attribution,
        "status": meta.status,
        "licence": meta.licence,
        "source": {"publisher": meta.source.publisher, "origin": meta.source.origin, "vintage": meta.source.vintage},
        "layers": layers,
        "links": [
            link(&tiles, "self", JSON, "This tileset"),
            link(
                &format!("{base}/tileMatrixSets/{WEB_MERCATOR_QUAD}"),
                REL_TILING_SCHEME,
                JSON,
                "The tile matrix set",
            ),
            json!({
                "href": format!("{tiles}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"),
                "rel": "item",
                "type": MVT,
                "templated": true,
                "title": "A tile",
            }),
            link(&collection, "collection", JSON, "The collection"),
        ],
    }))
}

/// The tile `{tileMatrix}/{tileRow}/{tileCol}` of `WebMercatorQuad` as the XYZ tile it is
/// (`z = tileMatrix`, `x = tileCol`, `y = tileRow`), or [`ServiceError::Invalid`] naming the
/// part that is not a whole number or lies outside the tile matrix set.
pub fn tile_address(
    tile_matrix: &str,
    tile_row: &str,
    tile_col: &str,
) -> Result<TileCoord, ServiceError> {
    TileCoord::parse(tile_matrix, tile_col, tile_row).map_err(|error| match error {
        TileCoordError::ZoomOutOfRange { z } => ServiceError::invalid(
            "tileMatrix",
            format!("{z} is not a tile matrix of {WEB_MERCATOR_QUAD}; use 0 to {MAX_ZOOM}"),
        ),
        TileCoordError::OutsideGrid {
            axis, value, limit, ..
        } => ServiceError::invalid(
            if axis == "x" { "tileCol" } else { "tileRow" },
            format!(
                "{value} is outside tile matrix {tile_matrix}, which has {limit} {}",
                if axis == "x" { "columns" } else { "rows" }
            ),
        ),
        TileCoordError::NotAnInteger { part, text } => ServiceError::invalid(
            match part {
                "z" => "tileMatrix",
                "x" => "tileCol",
                _ => "tileRow",
            },
            format!("{} is not a whole number of 0 or more", quoted(&text)),
        ),
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "a test should fail loudly, and level 0 is exact"
)]
mod tests {
    use super::*;

    #[test]
    fn level_0_is_one_tile_of_the_whole_world_at_the_registered_scale() {
        let level = tile_matrix(0);
        assert_eq!(level.scale_denominator, 559_082_264.028_717_8);
        assert_eq!(level.cell_size, 156_543.033_928_040_97);
        assert_eq!((level.matrix_width, level.matrix_height), (1, 1));
        assert_eq!(
            level.point_of_origin,
            [-20_037_508.342_789_244, 20_037_508.342_789_244]
        );
        assert_eq!((level.tile_width, level.corner_of_origin), (256, "topLeft"));
    }

    #[test]
    fn level_14_matches_the_registered_table_and_halves_level_13() {
        let level = tile_matrix(14);
        // OGC 17-083r4, Annex D (WebMercatorQuad), to the digits the table prints.
        assert!((level.scale_denominator - 34_123.673_341_596_54).abs() < 1e-9);
        assert!((level.cell_size - 9.554_628_535_647_03).abs() < 1e-12);
        assert_eq!((level.matrix_width, level.matrix_height), (16_384, 16_384));
        assert_eq!(level.id, "14");
        assert_eq!(level.cell_size * 2.0, tile_matrix(13).cell_size);
    }

    #[test]
    fn the_definition_lists_every_zoom_level_the_tile_routes_answer() {
        let document = web_mercator_quad("http://x/ogc");
        let matrices = document["tileMatrices"].as_array().unwrap();
        assert_eq!(matrices.len(), usize::from(MAX_ZOOM) + 1);
        assert_eq!(matrices[20]["matrixWidth"], 1_u32 << 20);
        assert_eq!(matrices[0]["cornerOfOrigin"], "topLeft");
        assert_eq!(document["crs"], EPSG_3857);
        assert_eq!(document["uri"], WEB_MERCATOR_QUAD_URI);
    }

    #[test]
    fn limits_hold_the_tiles_of_the_corners_of_the_bounds() {
        // Copenhagen's city hall is in tile 12/2190/1282.
        let bounds = Bounds {
            west: 12.5683,
            south: 55.6761,
            east: 12.5683,
            north: 55.6761,
        };
        let limits = limits(&bounds, 14);
        assert_eq!(limits.len(), 15);
        assert_eq!(
            limits[12],
            TileMatrixLimits {
                tile_matrix: 12,
                min_tile_row: 1282,
                max_tile_row: 1282,
                min_tile_col: 2190,
                max_tile_col: 2190,
            }
        );
        assert_eq!(
            serde_json::to_value(limits[0]).unwrap(),
            json!({"tileMatrix": "0", "minTileRow": 0, "maxTileRow": 0, "minTileCol": 0, "maxTileCol": 0})
        );
    }

    #[test]
    fn an_ogc_tile_address_is_the_xyz_tile_with_row_and_column_swapped() {
        let tile = tile_address("12", "1282", "2190").unwrap();
        assert_eq!((tile.z(), tile.x(), tile.y()), (12, 2190, 1282));
        let refused = |m: &str, r: &str, c: &str| match tile_address(m, r, c) {
            Err(ServiceError::Invalid { field, .. }) => field,
            other => panic!("{m}/{r}/{c}: {other:?}"),
        };
        assert_eq!(refused("21", "0", "0"), "tileMatrix");
        assert_eq!(refused("x", "0", "0"), "tileMatrix");
        assert_eq!(refused("2", "4", "0"), "tileRow");
        assert_eq!(refused("2", "0", "4"), "tileCol");
        assert_eq!(refused("2", "-1", "0"), "tileRow");
    }
}

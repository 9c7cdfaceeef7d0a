//! OGC API – Tiles through a real client: GDAL's MVT driver (Debian's `gdal-bin`, which
//! `scripts/setup-gdal` installs) reads a tile of the roder straight from its OGC URL
//! `…/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}` and finds the roder inside the
//! tile GDAL computes for that address; the bytes are those of `/tiles/{id}/{z}/{x}/{y}.mvt`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kvarter_e2e::{Server, gdal};
use serde_json::Value;

/// Half the width of the Web Mercator square in metres.
const HALF_WORLD: f64 = std::f64::consts::PI * 6_378_137.0;

/// The column and row of the zoom-`z` tile holding a lon/lat point.
fn tile_of(lon: f64, lat: f64, z: i32) -> (u32, u32) {
    let n = 2_f64.powi(z);
    let lat = lat.to_radians();
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a point in Copenhagen is well inside the grid"
    )]
    let cell = |v: f64| v.floor() as u32;
    (cell(x), cell(y))
}

/// The first vertex of the first rode: a point the roder layer certainly has in its tile.
fn a_rode_vertex(server: &Server) -> (f64, f64) {
    let items = server.json("/ogc/collections/roder-2023/items?limit=1", 200);
    let mut ring = &items["features"][0]["geometry"]["coordinates"];
    while ring[0].is_array() {
        ring = &ring[0];
    }
    (ring[0].as_f64().unwrap(), ring[1].as_f64().unwrap())
}

/// `(min x, min y, max x, max y)` of ogrinfo's `Extent: (a, b) - (c, d)` line for the layer
/// named first after `Layer name: {layer}`.
fn extent(listing: &str, layer: &str) -> [f64; 4] {
    let start = listing
        .find(&format!("Layer name: {layer}\n"))
        .unwrap_or_else(|| panic!("no layer {layer} in:\n{listing}"));
    let line = listing[start..]
        .lines()
        .find(|line| line.starts_with("Extent: "))
        .unwrap_or_else(|| panic!("no extent for {layer} in:\n{listing}"));
    let numbers: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter(|part| !part.is_empty() && *part != "-")
        .map(|part| part.parse().unwrap())
        .collect();
    numbers[..4].try_into().unwrap()
}

#[test]
fn gdal_reads_an_ogc_tile_of_the_roder_and_finds_them_inside_that_tile() {
    let server = Server::start(&[]);
    let (lon, lat) = a_rode_vertex(&server);
    let z = 12;
    let (col, row) = tile_of(lon, lat, z);
    let ogc = format!("/ogc/collections/roder-2023/tiles/WebMercatorQuad/{z}/{row}/{col}");
    let xyz = format!("/tiles/roder-2023/{z}/{col}/{row}.mvt");
    let from_ogc = server.get(&ogc);
    assert_eq!(from_ogc.status(), 200, "{ogc}");
    let etag = from_ogc.headers()["etag"].clone();
    let from_tiles = server.get(&xyz);
    assert_eq!(from_tiles.headers()["etag"], etag, "one tile, one ETag");
    assert_eq!(
        from_ogc.bytes().unwrap(),
        from_tiles.bytes().unwrap(),
        "the same bytes"
    );

    // The tileset says where the roder are at this zoom level, and the tile is among them.
    let tileset = server.json("/ogc/collections/roder-2023/tiles/WebMercatorQuad", 200);
    let limits: &Value = tileset["tileMatrixSetLimits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|limit| limit["tileMatrix"].as_str() == Some("12"))
        .expect("limits at zoom 12");
    let within = |value: u32, min: &str, max: &str| {
        limits[min].as_u64().unwrap() <= u64::from(value)
            && u64::from(value) <= limits[max].as_u64().unwrap()
    };
    assert!(within(row, "minTileRow", "maxTileRow"), "{limits}");
    assert!(within(col, "minTileCol", "maxTileCol"), "{limits}");

    // GDAL's MVT driver reads the tile from its OGC URL. The path ends in row/column, not the
    // x/y the driver would guess from a tile file name, so the address is given as options; and
    // the driver takes a `/vsicurl/` path ending in a number for a folder of tiles (`…/{z}`), so
    // `?f=mvt` (the one encoding, which the route accepts) makes it a file.
    let url = format!("/vsicurl/{}{ogc}?f=mvt", server.base);
    let (x, y, zoom) = (format!("X={col}"), format!("Y={row}"), format!("Z={z}"));
    let Some(listing) = gdal(
        "ogrinfo",
        &[
            "-ro", "-so", "-al", "-oo", &x, "-oo", &y, "-oo", &zoom, &url,
        ],
    ) else {
        return;
    };
    assert!(
        listing.contains("Layer name: roder-2023_labels"),
        "{listing}"
    );
    assert!(listing.contains("status: String"), "{listing}");
    let count: u64 = listing
        .lines()
        .find(|line| line.starts_with("Feature Count: "))
        .and_then(|line| line["Feature Count: ".len()..].trim().parse().ok())
        .expect("a feature count");
    assert!(count > 0, "{listing}");
    // The driver clips to the tile it was told about, in EPSG:3857 metres: the roder it found
    // lie in that tile, and reach into it (not only its edge).
    let size = 2.0 * HALF_WORLD / 2_f64.powi(z);
    let west = -HALF_WORLD + f64::from(col) * size;
    let north = HALF_WORLD - f64::from(row) * size;
    let [min_x, min_y, max_x, max_y] = extent(&listing, "roder-2023");
    let slack = size / 4096.0 * 2.0;
    assert!(
        min_x >= west - slack && max_x <= west + size + slack,
        "{listing}"
    );
    assert!(
        min_y >= north - size - slack && max_y <= north + slack,
        "{listing}"
    );
    assert!(max_x - min_x > slack && max_y - min_y > slack, "{listing}");
}

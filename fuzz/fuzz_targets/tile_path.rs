//! The tile paths: `/tiles/{layers}/{z}/{x}/{y}.mvt` (the layer list, then `z`, `x` and `y`
//! with its `.mvt`, as `kvarter-server`'s `parse_tile` reads them), the OGC API's
//! `…/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}` and `--warm`'s zoom range. A tile that
//! parses must lie in the grid and read back the same from its own numbers; a layer set must
//! name known layers, each once.
#![no_main]

use kvarter_tiles::{MAX_ZOOM, TileCoord, ZoomRange};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = text.trim_start_matches('/');
    let path = path.strip_prefix("tiles/").unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    if let [layers, z, x, y] = segments[..] {
        if let Some(y) = y.strip_suffix(".mvt") {
            check_tile(TileCoord::parse(z, x, y).ok());
        }
        check_layer_set(layers);
    }
    if let [.., matrix, row, col] = segments[..] {
        check_tile(kvarter_service::ogc::tiles::tile_address(matrix, row, col).ok());
    }
    check_layer_set(path);
    if let Ok(zooms) = path.parse::<ZoomRange>() {
        assert!(zooms.min <= zooms.max && zooms.max <= MAX_ZOOM, "{zooms:?}");
        assert_eq!(zooms.to_string().parse::<ZoomRange>().ok(), Some(zooms));
    }
});

/// A parsed tile is inside the grid of its zoom level and reads back from its own numbers.
fn check_tile(tile: Option<TileCoord>) {
    let Some(tile) = tile else { return };
    assert!(tile.z() <= MAX_ZOOM, "{tile:?}");
    let limit = 1_u64 << tile.z();
    assert!(
        u64::from(tile.x()) < limit && u64::from(tile.y()) < limit,
        "{tile:?}"
    );
    let again = TileCoord::parse(
        &tile.z().to_string(),
        &tile.x().to_string(),
        &tile.y().to_string(),
    );
    assert_eq!(again.ok(), Some(tile));
    let [west, south, east, north] = tile.lon_lat_bounds();
    assert!(
        (-180.0..=180.0).contains(&west) && west < east && east <= 180.0,
        "{tile:?}"
    );
    assert!(
        (-90.0..=90.0).contains(&south) && south < north && north <= 90.0,
        "{tile:?}"
    );
}

/// A layer set is a list of distinct known layers, named in the order asked.
fn check_layer_set(text: &str) {
    let (index, tiler) = kvarter_fuzz::tiler();
    if let Ok(set) = tiler.layer_set(index, text) {
        assert_eq!(set.name(), text);
        let mut positions = set.positions().to_vec();
        assert!(positions.iter().all(|&p| p < index.layers().len()));
        positions.sort_unstable();
        positions.dedup();
        assert_eq!(positions.len(), set.positions().len(), "{text:?}");
    }
}

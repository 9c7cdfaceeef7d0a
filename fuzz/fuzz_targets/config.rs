//! The TOML configuration the service reads: the config file (`--config`) parsed with the
//! binary's TOML reader, its `[server.tiles]` table read into `kvarter_tiles::TileConfig` and
//! validated as start-up does, and the indicator catalogue (`indicators/catalogue.toml`) parsed
//! and checked. A tile configuration that validates must write out as TOML and read back the
//! same. (The rest of `[server]` is `kvarter-server`'s `ServerConfig`, which this crate does not
//! build: see fuzz/README.md.)
#![no_main]

use kvarter_tiles::TileConfig;
use serde::Deserialize as _;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = kvarter_indicators::catalogue::Catalogue::parse(text, "fuzz");
    let Ok(file) = text.parse::<toml::Table>() else {
        return;
    };
    let tiles = file
        .get("server")
        .and_then(|server| server.get("tiles"))
        .or_else(|| file.get("tiles"))
        .cloned();
    let Some(tiles) = tiles else { return };
    let Ok(config) = TileConfig::deserialize(tiles) else {
        return;
    };
    if config.validate().is_err() {
        return;
    }
    let written = toml::to_string(&config).expect("a valid tile configuration writes as TOML");
    let again: TileConfig = toml::from_str(&written).expect("a written tile configuration reads");
    assert_eq!(again, config, "{written}");
    assert_eq!(again.validate(), Ok(()));
});

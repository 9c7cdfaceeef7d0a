//! The TOML configuration the service reads: the config file (`--config`) parsed with the
//! binary's TOML reader; its `[server]` table read into `kvarter_service::server_config::
//! ServerConfig` (what `kvarter-server` re-exports, unknown keys refused) and validated as
//! start-up does — CORS origins, the `Cache-Control` value, the public URL, the limits, the
//! admin token and the `[server.tiles]` table, which is also read alone into
//! `kvarter_tiles::TileConfig`; and the indicator catalogue (`indicators/catalogue.toml`) parsed
//! and checked. A validated admin token must be one a client can send in `Authorization`. A
//! server or tile configuration that validates must write out as TOML, read back the same and
//! still validate — except a server configuration with a string of 256 or more `'` or `"` in a
//! row, which the TOML writer cannot write (see [`trips_the_toml_writer`]). A file without a
//! `[server]` table is also read as one, so the fuzzer need not find the header first.
#![no_main]

use kvarter_service::server_config::ServerConfig;
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
    let server = file
        .get("server")
        .cloned()
        .unwrap_or_else(|| toml::Value::Table(file.clone()));
    check_server(server.clone());
    let tiles = server.get("tiles").or_else(|| file.get("tiles")).cloned();
    if let Some(tiles) = tiles {
        check_tiles(tiles);
    }
});

fn check_server(table: toml::Value) {
    let Ok(config) = ServerConfig::deserialize(table.clone()) else {
        return;
    };
    if config.validate().is_err() {
        return;
    }
    // A validated admin token is one a client can send: `Authorization: Bearer <token>` as
    // kvarter-server's auth reads it (text only when every byte is visible ASCII, a space or a
    // tab; then trimmed) matches it.
    if let (Some(token), Some(text)) = (
        &config.admin_token,
        table.get("admin_token").and_then(toml::Value::as_str),
    ) {
        let header = format!("Bearer {text}");
        assert!(
            header
                .bytes()
                .all(|b| b == b'\t' || (0x20..0x7f).contains(&b)),
            "{text:?}"
        );
        let given = header.strip_prefix("Bearer ").map(str::trim);
        assert!(given.is_some_and(|given| token.matches(given)), "{text:?}");
    }
    if trips_the_toml_writer(&table) {
        return;
    }
    let written = toml::to_string(&config).expect("a valid server configuration writes as TOML");
    let again: ServerConfig =
        toml::from_str(&written).expect("a written server configuration reads");
    assert_eq!(again, config, "{written}");
    assert_eq!(again.validate(), Ok(()));
}

fn check_tiles(table: toml::Value) {
    let Ok(config) = TileConfig::deserialize(table) else {
        return;
    };
    if config.validate().is_err() {
        return;
    }
    let written = toml::to_string(&config).expect("a valid tile configuration writes as TOML");
    let again: TileConfig = toml::from_str(&written).expect("a written tile configuration reads");
    assert_eq!(again, config, "{written}");
    assert_eq!(again.validate(), Ok(()));
}

/// Whether a string in `value` holds 256 or more `'` or `"` in a row. toml 0.8's writer
/// (`toml_write` 0.1.2) counts such runs in a `u8` to choose the quoting, which overflows there:
/// a panic in a build with overflow checks, as the fuzz build is (toml-rs/toml#1188, reported
/// against `toml_writer` 1.1.1 and fixed upstream by toml-rs/toml#1189; a release build wraps
/// harmlessly). Kvarter only reads TOML, so such a configuration skips the round trip; found by
/// this target in its first minute (an `admin_token` with 316 `'` in a row).
fn trips_the_toml_writer(value: &toml::Value) -> bool {
    let longest_run = |text: &str, quote: char| {
        text.split(|c| c != quote)
            .map(|run| run.len())
            .max()
            .unwrap_or(0)
    };
    match value {
        toml::Value::String(text) => {
            longest_run(text, '\'') >= 256 || longest_run(text, '"') >= 256
        }
        toml::Value::Array(items) => items.iter().any(trips_the_toml_writer),
        toml::Value::Table(table) => table.values().any(trips_the_toml_writer),
        _ => false,
    }
}

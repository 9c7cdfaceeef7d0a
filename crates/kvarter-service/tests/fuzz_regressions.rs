//! Inputs the fuzz targets (`scripts/fuzz`, `fuzz/fuzz_targets/`) found to crash or to break a
//! check of the service's parsers, kept as named regression tests: each must now be refused with
//! a clear error. The files are the fuzzer's own (for the `query` target: a query string; for
//! `config`: a config file).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use kvarter_service::ogc::Period;
use kvarter_service::server_config::{AdminToken, ConfigError, ServerConfig};

fn regression(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_datetime_interval_open_at_both_ends_is_refused() {
    // Found by `scripts/fuzz query` in its first second: the value `/ ` (and so `../..`) was read
    // as a period with no day at either end, which selects everything, while `..` alone was
    // already refused.
    let query = regression("query", "datetime-slash-only.txt");
    let (_, value) = form_urlencoded::parse(&query)
        .find(|(_, value)| value.contains('/'))
        .expect("the input has a value with a slash");
    for text in [value.as_ref(), "/", "../..", " .. / .. "] {
        let error = Period::parse(text).expect_err(text).to_string();
        assert!(error.contains("one end at least"), "{text:?}: {error}");
    }
    assert!(Period::parse("2011-01-01/..").is_ok());
    assert!(Period::parse("../2017-12-31").is_ok());
}

#[test]
fn an_admin_token_with_a_line_break_is_refused_as_one_no_client_can_send() {
    // Found by `scripts/fuzz config` in its first minute. The crash itself was toml 0.8's writer
    // (toml_write 0.1.2) overflowing its u8 count of the token's 316 `'` in a row while the
    // target wrote the validated configuration back out (toml-rs/toml#1188; the target now
    // skips such strings, Kvarter never writes TOML). But the configuration should not have
    // validated: its admin token holds a line break, which no `Authorization` header can carry,
    // so the admin routes could never be opened. Such tokens, and ones outside ASCII or with
    // blanks at either end (the server trims what it is given), are now refused at start-up.
    let text = String::from_utf8(regression(
        "config",
        "admin-token-line-break-316-quotes.toml",
    ))
    .expect("the input is UTF-8");
    let file: toml::Table = toml::from_str(&text).unwrap();
    let server = file["server"].clone();
    let token = server["admin_token"].as_str().unwrap().to_owned();
    assert!(token.contains('\n') && token.contains(&"'".repeat(256)));
    let config: ServerConfig = server.try_into().unwrap();
    let error = config.validate().unwrap_err();
    assert_eq!(error, ConfigError::UnsendableAdminToken);
    assert!(
        error.to_string().contains("Authorization: Bearer"),
        "{error}"
    );

    // The same token without the line break can be sent, quotes, tab and all.
    let config = ServerConfig {
        admin_token: Some(AdminToken::new(token.replace('\n', ""))),
        ..ServerConfig::default()
    };
    assert_eq!(config.validate(), Ok(()));
}

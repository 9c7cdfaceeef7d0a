//! Inputs the fuzz targets (`scripts/fuzz`, `fuzz/fuzz_targets/`) found to crash or to break a
//! check of the service's parsers, kept as named regression tests: each must now be refused with
//! a clear error. The files are the fuzzer's own (for the `query` target: a query string).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use kvarter_service::ogc::Period;

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

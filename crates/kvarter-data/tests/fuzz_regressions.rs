//! Inputs the fuzz targets (`scripts/fuzz`, `fuzz/fuzz_targets/`) found to crash or exhaust a
//! reader, kept as named regression tests: each must now be refused with a clear error. The
//! files are the fuzzer's own, in its format (for the Shapefile target: two little-endian u32
//! lengths, then the `.shp`, the `.shx` and the `.dbf`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use kvarter_data::import::{self, ReadOptions, Source};

fn regression(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Unpacks a Shapefile-target input into `dir/in.shp`, `.shx`, `.dbf`.
fn unpack_shapefile(data: &[u8], dir: &Path) -> std::path::PathBuf {
    let length = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
    let (shapes_len, index_len) = (length(0), length(4));
    let rest = &data[8..];
    let stem = dir.join("in");
    std::fs::write(stem.with_extension("shp"), &rest[..shapes_len]).unwrap();
    std::fs::write(
        stem.with_extension("shx"),
        &rest[shapes_len..shapes_len + index_len],
    )
    .unwrap();
    std::fs::write(stem.with_extension("dbf"), &rest[shapes_len + index_len..]).unwrap();
    stem.with_extension("shp")
}

#[test]
fn a_shape_stating_two_billion_parts_is_refused_before_memory_is_reserved() {
    // Found by `scripts/fuzz shapefile` in its first ten seconds: a polyline record whose part
    // count (1.9 billion) made the `shapefile` crate reserve 7.7 GB.
    let dir = tempfile::tempdir().unwrap();
    let shp = unpack_shapefile(
        &regression("shapefile", "points-count-7-gb.bin"),
        dir.path(),
    );
    let error = import::read_source(&Source::File(shp), &ReadOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("parts and"), "{message}");
    assert!(message.contains("which need"), "{message}");
}

//! The GeoPackage reader (SQLite, GeoPackage geometry blobs), then prepare.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = kvarter_fuzz::scratch().join("in.gpkg");
    if std::fs::write(&path, data).is_ok() {
        kvarter_fuzz::read_and_prepare(path, None);
    }
});

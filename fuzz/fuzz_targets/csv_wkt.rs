//! The CSV-with-WKT reader, then prepare in EPSG:25832 (the city's CSV export).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = kvarter_fuzz::scratch().join("in.csv");
    if std::fs::write(&path, data).is_ok() {
        kvarter_fuzz::read_and_prepare(path, Some(kvarter_crs::Crs::Utm32));
    }
});

//! The DAWA/DAR reader (`kvarter addresses import`): CSV, JSON and GeoJSON exports of access
//! addresses, with ETRS89 / UTM 32N coordinates converted as the binary converts them; and the
//! gazetteer file the import writes, read back. Every imported row must be an address on the
//! globe with a house number of 1–999, a four-digit postcode and an id not seen before; a
//! gazetteer file that reads must write out and read back the same (coordinates to seven
//! decimals).
#![no_main]

use std::collections::HashSet;

use kvarter_geocode::Kind;
use kvarter_geocode::dawa::{DawaReader, Row};

/// Rows looked at per input: enough for every path, few enough to stay fast.
const MAX_ROWS: usize = 2_000;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = DawaReader::new(data, |x, y| kvarter_crs::utm32_to_wgs84(x, y).ok()) {
        let mut ids = HashSet::new();
        for row in reader.take(MAX_ROWS) {
            let Ok(Row::Imported(entry)) = row else {
                continue;
            };
            assert_eq!(entry.kind, Kind::Address);
            assert!(
                ids.insert(entry.id.clone()),
                "{:?} imported twice",
                entry.id
            );
            let (lon, lat) = (entry.point.x(), entry.point.y());
            assert!(
                (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat),
                "{entry:?}"
            );
            let number = entry.house_number.expect("an address has a house number");
            assert!((1..=999).contains(&number.number), "{entry:?}");
            assert!(
                entry.postcode.is_some_and(|c| (1000..=9999).contains(&c)),
                "{entry:?}"
            );
            assert!(!entry.text.is_empty(), "{entry:?}");
        }
    }

    if let Ok(records) = kvarter_geocode::read_records(data, "fuzz") {
        let written = kvarter_geocode::write_csv(&records);
        let again = kvarter_geocode::read_records(&written, "fuzz").expect("a written file reads");
        // Coordinates are written with seven decimals; everything else must come back as read.
        assert_eq!(kvarter_geocode::write_csv(&again), written);
        for (first, second) in records.iter().zip(&again) {
            let mut moved = second.clone();
            moved.entry.point = first.entry.point;
            assert_eq!(&moved, first);
            let (dx, dy) = (second.entry.point - first.entry.point).x_y();
            assert!(
                dx.abs() <= 1e-7 && dy.abs() <= 1e-7,
                "{first:?} → {second:?}"
            );
        }
        assert_eq!(again.len(), records.len());
    }
});

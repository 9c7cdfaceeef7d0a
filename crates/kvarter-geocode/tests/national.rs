//! The national-scale benchmark's pieces on a small **synthetic** register (the smoke run of
//! `scripts/bench-addresses`, in-process): the generator writes a DAWA CSV the real reader
//! imports without a rejected row, the gazetteer file written from it streams back, and every
//! seeded query finds what it was made from — each address by its own text, at its own point.

#![allow(clippy::unwrap_used, reason = "tests")]

#[path = "../examples/national_addresses/queries.rs"]
mod queries;
#[path = "../examples/national_addresses/synthetic.rs"]
#[allow(dead_code, reason = "the benchmark uses the rest")]
mod synthetic;

use kvarter_geocode::dawa::{DawaReader, Row};
use kvarter_geocode::file::{self, Record};
use kvarter_geocode::{Gazetteer, Reverse};
use queries::QueryKind;

const ROWS: usize = 3000;

fn imported_file() -> Vec<u8> {
    let mut csv = Vec::new();
    assert_eq!(synthetic::write_csv(ROWS, &mut csv).unwrap(), ROWS);
    let records: Vec<Record> = DawaReader::new(csv.as_slice(), |_, _| None)
        .unwrap()
        .map(|row| match row.unwrap() {
            Row::Imported(mut entry) => {
                entry.point = geo::Point::new(
                    file::round_coordinate(entry.point.x()),
                    file::round_coordinate(entry.point.y()),
                );
                Record {
                    entry,
                    source: "synthetic".into(),
                }
            }
            Row::Rejected(rejected) => panic!("a synthetic row was rejected: {rejected:?}"),
        })
        .collect();
    file::write_csv(&records)
}

#[test]
fn the_synthetic_register_is_the_same_for_the_same_size_and_labelled() {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    synthetic::write_csv(500, &mut a).unwrap();
    synthetic::write_csv(500, &mut b).unwrap();
    assert_eq!(a, b);
    let text = String::from_utf8(a).unwrap();
    assert!(text.lines().next().unwrap().ends_with(";synthetic"));
    assert!(text.lines().skip(1).all(|l| l.ends_with(";true")));
    assert!(text.contains('ø') || text.contains('æ') || text.contains('å'));
}

#[test]
fn every_synthetic_address_is_found_by_its_own_text_and_point() {
    let bytes = imported_file();
    let entries = file::read_entries(bytes.as_slice(), "synthetic.csv").unwrap();
    assert_eq!(entries, file::read_csv(&bytes, "synthetic.csv").unwrap());
    assert_eq!(entries.len(), ROWS);
    let gazetteer = Gazetteer::new(entries);
    let reverse = Reverse::new(&gazetteer);
    for kind in QueryKind::ALL {
        let list = queries::make(&gazetteer, kind, 300);
        let missed: Vec<_> = list
            .iter()
            .filter(|q| !queries::run(&gazetteer, &reverse, kind, q))
            .collect();
        let allowed = if kind == QueryKind::Fuzzy { 15 } else { 0 };
        assert!(missed.len() <= allowed, "{}: {missed:?}", kind.name());
    }
    for source in 0..ROWS {
        assert!(queries::reverse_finds_itself(&gazetteer, &reverse, source));
    }
}

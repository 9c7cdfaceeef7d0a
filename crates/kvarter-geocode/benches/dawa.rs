//! DAWA/DAR import throughput on **synthetic** rows.
//!
//! `synthetic_export` makes, from a fixed seed, 200,000 adgangsadresse rows in DAWA's CSV
//! shape (20 columns, `;`-separated, WGS84 and ETRS89 filled, as the register export has them):
//! invented UUIDs, Copenhagen-like street names, house numbers 1–400 with an occasional letter,
//! points scattered over the city. About one row in 500 is broken on purpose (house number 0)
//! so the rejection path is timed too. It describes no real address and is never written to
//! disk.
//!
//! * `dawa 200k / csv` — [`DawaReader`] over the CSV bytes, every row to an entry or rejection;
//! * `dawa 200k / geojson` — the same rows as a flattened `GeoJSON` `FeatureCollection`;
//! * `dawa 200k / gazetteer file` — the imported rows as the gazetteer file the import writes,
//!   read back by [`file::read_entries`] (what a data folder's address index loads).
//!
//! The goal (issue 5) is ≥ 100,000 rows/s; criterion prints the rate as `thrpt`.
//!
//! Run: `cargo bench -p kvarter-geocode --bench dawa -- --warm-up-time 1 --measurement-time 5`

#![allow(clippy::unwrap_used, reason = "benchmark set-up on generated data")]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kvarter_geocode::dawa::{DawaReader, Row};
use kvarter_geocode::file::{self, Record};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0xda3a_0001;
const ROWS: usize = 200_000;

const STREETS: &[&str] = &[
    "Nørrebrogade",
    "Istedgade",
    "Mjølnerparken",
    "Åboulevard",
    "Valby Langgade",
    "Amagerbrogade",
    "Blågårdsgade",
    "Frederiksberg Allé",
    "Jagtvej",
    "Tagensvej",
    "Vesterbrogade",
    "Gothersgade",
    "Østerbrogade",
    "Sjælør Boulevard",
    "Ruten",
    "Andreas Bjørns Gade",
];
const POSTCODES: &[(u16, &str)] = &[
    (2200, "København N"),
    (1650, "København V"),
    (2300, "København S"),
    (2500, "Valby"),
    (2450, "København SV"),
    (2700, "Brønshøj"),
    (2100, "København Ø"),
    (1123, "København K"),
];

/// One synthetic row's values.
struct Synthetic {
    id: String,
    street: &'static str,
    number: String,
    postcode: u16,
    district: &'static str,
    lon: f64,
    lat: f64,
}

fn synthetic_rows() -> Vec<Synthetic> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..ROWS)
        .map(|_| {
            let id = format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                rng.r#gen::<u32>(),
                rng.r#gen::<u16>(),
                rng.r#gen::<u16>(),
                rng.r#gen::<u16>(),
                rng.r#gen::<u64>() & 0xffff_ffff_ffff
            );
            let mut number = rng.gen_range(1..=400).to_string();
            if rng.gen_bool(0.1) {
                number.push(char::from(b'A' + rng.gen_range(0..6)));
            }
            if rng.gen_bool(0.002) {
                number = "0".into();
            }
            let (postcode, district) = POSTCODES[rng.gen_range(0..POSTCODES.len())];
            Synthetic {
                id,
                street: STREETS[rng.gen_range(0..STREETS.len())],
                number,
                postcode,
                district,
                lon: rng.gen_range(12.45..12.65),
                lat: rng.gen_range(55.61..55.73),
            }
        })
        .collect()
}

/// The rows as a DAWA CSV export.
fn synthetic_csv(rows: &[Synthetic]) -> Vec<u8> {
    let mut out = String::from(
        "id;status;oprettet;ændret;vejkode;vejnavn;adresseringsvejnavn;husnr;\
         supplerendebynavn;postnr;postnrnavn;kommunekode;kommunenavn;ejerlavkode;matrikelnr;\
         etrs89koordinat_øst;etrs89koordinat_nord;wgs84koordinat_bredde;wgs84koordinat_længde;\
         nøjagtighed\n",
    );
    for r in rows {
        let (east, north) = (
            720_000.0 + (r.lon - 12.5) * 63_000.0,
            6_170_000.0 + (r.lat - 55.6) * 111_000.0,
        );
        writeln!(
            out,
            "{};1;2009-11-24T01:07:36.000;2018-07-04T18:00:00.000;1234;{street};{street};{};;{};{};\
             0101;København;2000175;123a;{east:.2};{north:.2};{:.8};{:.8};A",
            r.id,
            r.number,
            r.postcode,
            r.district,
            r.lat,
            r.lon,
            street = r.street,
        )
        .unwrap();
    }
    out.into_bytes()
}

/// The rows as DAWA's flattened `GeoJSON`.
fn synthetic_geojson(rows: &[Synthetic]) -> Vec<u8> {
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write!(
            out,
            "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{:.8},{:.8}]}},\
             \"properties\":{{\"id\":\"{}\",\"status\":1,\"vejkode\":\"1234\",\"vejnavn\":\"{}\",\
             \"husnr\":\"{}\",\"postnr\":\"{}\",\"postnrnavn\":\"{}\",\"kommunekode\":\"0101\"}}}}",
            r.lon, r.lat, r.id, r.street, r.number, r.postcode, r.district
        )
        .unwrap();
    }
    out.push_str("]}");
    out.into_bytes()
}

/// Reads every row; the number imported.
fn import(bytes: &[u8]) -> usize {
    DawaReader::new(bytes, |_, _| None)
        .unwrap()
        .map(Result::unwrap)
        .filter(|row| matches!(row, Row::Imported(_)))
        .count()
}

fn bench(c: &mut Criterion) {
    let rows = synthetic_rows();
    let csv = synthetic_csv(&rows);
    let geojson = synthetic_geojson(&rows);
    let imported = import(&csv);
    assert!(imported > ROWS * 99 / 100 && imported < ROWS, "{imported}");
    assert_eq!(import(&geojson), imported);

    let records: Vec<Record> = DawaReader::new(csv.as_slice(), |_, _| None)
        .unwrap()
        .filter_map(|row| match row.unwrap() {
            Row::Imported(entry) => Some(Record {
                entry,
                source: "synthetic".into(),
            }),
            Row::Rejected(_) => None,
        })
        .collect();
    let gazetteer_file = file::write_csv(&records);
    drop(records);

    let mut group = c.benchmark_group("dawa 200k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("csv", |b| b.iter(|| import(black_box(&csv))));
    group.bench_function("geojson", |b| b.iter(|| import(black_box(&geojson))));
    group.bench_function("gazetteer file", |b| {
        b.iter(|| file::read_entries(black_box(gazetteer_file.as_slice()), "bench").unwrap());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

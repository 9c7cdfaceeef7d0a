//! Reading DAWA/DAR exports of adgangsadresser: the made-up fixtures in `tests/fixtures/` (see
//! the README there), with known answers, every rejection reason and every whole-file error.

#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::PathBuf;

use kvarter_geocode::dawa::{DawaError, DawaReader, Format, RejectReason, Rejected, Row, Tally};
use kvarter_geocode::{Entry, HouseNumber, Kind};

/// A stand-in for the ETRS89 → WGS84 conversion, so the tests see which numbers it was given
/// (the real one, in `kvarter-data`, is checked in the `kvarter` crate's import tests).
#[expect(clippy::unnecessary_wraps, reason = "the signature of Utm32ToWgs84")]
fn scaled(east: f64, north: f64) -> Option<(f64, f64)> {
    Some((east / 100_000.0, north / 1_000_000.0))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

struct Read {
    format: Format,
    entries: Vec<Entry>,
    rejected: Vec<Rejected>,
    tally: Tally,
}

fn read_bytes(bytes: &[u8]) -> Result<Read, DawaError> {
    let reader = DawaReader::new(bytes, scaled)?;
    let format = reader.format();
    let (mut entries, mut rejected, mut tally) = (Vec::new(), Vec::new(), Tally::default());
    for row in reader {
        let row = row?;
        tally.add(&row);
        match row {
            Row::Imported(entry) => entries.push(entry),
            Row::Rejected(r) => rejected.push(r),
        }
    }
    Ok(Read {
        format,
        entries,
        rejected,
        tally,
    })
}

fn read(name: &str) -> Read {
    let bytes = std::fs::read(fixture(name)).unwrap();
    read_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn texts(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.text.as_str()).collect()
}

fn assert_near(entry: &Entry, lon: f64, lat: f64) {
    let (x, y) = (entry.point.x(), entry.point.y());
    assert!(
        (x - lon).abs() < 1e-9 && (y - lat).abs() < 1e-9,
        "{}: ({x}, {y}) is not ({lon}, {lat})",
        entry.text
    );
}

#[test]
fn a_semicolon_csv_export_becomes_address_entries_with_all_parts() {
    let read = read("adgangsadresser_semicolon.csv");
    assert_eq!(read.format, Format::Csv { delimiter: b';' });
    assert_eq!(read.rejected, []);
    assert_eq!(
        texts(&read.entries),
        [
            "Mjølnerparken 2, 2200 København N",
            "Mjølnerparken 4, 2200 København N",
            "Istedgade 119, 1650 København V",
            "Nørrebrogade 52A, 2200 København N",
            "Andreas Bjørns Gade 12, 1428 København K",
            "Valby Langgade 10B, 2500 Valby",
        ]
    );
    let first = &read.entries[0];
    assert_eq!(
        first,
        &Entry {
            kind: Kind::Address,
            id: "0a3f507a-b2e6-32b8-e044-0003ba298018".into(),
            text: "Mjølnerparken 2, 2200 København N".into(),
            street: Some("Mjølnerparken".into()),
            house_number: Some(HouseNumber::new(2)),
            postcode: Some(2200),
            district: Some("København N".into()),
            point: geo::Point::new(12.5426, 55.7009),
        }
    );
    assert_eq!(
        read.entries[5].house_number,
        Some(HouseNumber::with_letter(10, 'B'))
    );
}

#[test]
fn wgs84_columns_win_and_etrs89_is_converted_only_when_they_are_empty() {
    let read = read("adgangsadresser_semicolon.csv");
    // Mjølnerparken 2 has both: the WGS84 pair is used as is.
    assert_near(&read.entries[0], 12.5426, 55.7009);
    // Nørrebrogade 52A has only ETRS89: the conversion got easting and northing.
    assert_near(&read.entries[3], 7.234_967_5, 6.177_365_75);
}

#[test]
fn a_decimal_comma_is_read_in_a_semicolon_file() {
    let read = read("adgangsadresser_semicolon.csv");
    assert_near(&read.entries[4], 12.597_918_2, 55.675_624_6);
}

#[test]
fn a_quoted_comma_csv_with_bom_and_crlf_reads_and_counts_lines_across_quoted_line_breaks() {
    let read = read("adgangsadresser_comma_bom.csv");
    assert_eq!(read.format, Format::Csv { delimiter: b',' });
    assert_eq!(
        texts(&read.entries),
        [
            "Ruten 2, 2700 Brønshøj",
            "Amagerbrogade 150, 2300 København S",
            "Frederiksberg Allé 1, 1820 Frederiksberg C",
            "Blågårdsgade 3, 2200 København N",
        ]
    );
    assert_eq!(read.entries[0].id, "0a3f50a1-0001-32b8-e044-0003ba298018");
    assert_near(&read.entries[0], 12.478, 55.7165);
    // The third row spans lines 4–5, so the fourth starts on line 6.
    assert_eq!(
        read.rejected,
        [Rejected {
            record: 4,
            line: Some(6),
            id: Some("0a3f50a1-0004-32b8-e044-0003ba298018".into()),
            reason: RejectReason::BadHouseNumber { found: "0".into() },
        }]
    );
}

#[test]
fn a_decimal_comma_in_a_comma_separated_file_would_be_a_separator_so_it_is_not_a_number() {
    let csv = "id,vejnavn,husnr,postnr,wgs84koordinat_bredde,wgs84koordinat_længde\n\
               a,Istedgade,1,1650,\"55,669\",12.5531\n";
    let read = read_bytes(csv.as_bytes()).unwrap();
    assert_eq!(
        read.rejected[0].reason,
        RejectReason::CoordinatesNotNumbers {
            found: "55,669".into()
        }
    );
}

#[test]
fn every_rejection_reason_names_its_line_and_id() {
    let read = read("adgangsadresser_rejects.csv");
    let id = |n: u32| Some(format!("0a3f50c0-{n:04}-32b8-e044-0003ba298018"));
    let rejected = |record: u64, id: Option<String>, reason| Rejected {
        record,
        line: Some(record + 1),
        id,
        reason,
    };
    assert_eq!(
        read.rejected,
        [
            rejected(2, None, RejectReason::MissingId),
            rejected(3, id(3), RejectReason::MissingStreet),
            rejected(
                4,
                id(4),
                RejectReason::BadHouseNumber {
                    found: "12-14".into()
                }
            ),
            rejected(
                5,
                id(5),
                RejectReason::PostcodeNotFourDigits {
                    found: "123".into()
                }
            ),
            rejected(6, id(6), RejectReason::CoordinatesMissing),
            rejected(
                7,
                id(7),
                RejectReason::CoordinatesNotNumbers {
                    found: "nord".into()
                }
            ),
            rejected(
                8,
                id(8),
                RejectReason::CoordinatesOffTheGlobe {
                    x: 12.58,
                    y: 155.68,
                    epsg: 4326
                }
            ),
            rejected(
                9,
                id(9),
                RejectReason::CoordinatesOffTheGlobe {
                    x: -5.0,
                    y: 6_175_000.0,
                    epsg: 25832
                }
            ),
            rejected(10, id(1), RejectReason::DuplicateId),
        ]
    );
    // The id of a row rejected for another reason is still free for a later good row.
    assert_eq!(
        texts(&read.entries),
        [
            "Gothersgade 1, 1123 København K",
            "Gothersgade 12, 1123 København K"
        ]
    );
    assert_eq!(read.entries[1].id, id(4).unwrap());
    let codes: Vec<&str> = read.rejected.iter().map(|r| r.reason.code()).collect();
    for code in RejectReason::CODES {
        assert!(codes.contains(&code), "no row rejected for {code}");
    }
    assert_eq!((read.tally.read, read.tally.imported), (11, 2));
    assert_eq!(read.tally.rejected_total(), 9);
    assert_eq!(read.tally.rejected["coordinates-off-the-globe"], 2);
}

#[test]
fn a_projection_that_fails_rejects_the_row_as_off_the_globe() {
    let csv = "id;vejnavn;husnr;postnr;etrs89koordinat_øst;etrs89koordinat_nord\n\
               a;Istedgade;1;1650;723437.19;6174965.32\n";
    let reader = DawaReader::new(csv.as_bytes(), |_, _| None).unwrap();
    let rows: Vec<Row> = reader.collect::<Result<_, _>>().unwrap();
    let Row::Rejected(rejected) = &rows[0] else {
        panic!("{rows:?}")
    };
    assert_eq!(rejected.reason.code(), "coordinates-off-the-globe");
}

#[test]
fn dawa_json_nested_and_flat_objects_become_entries() {
    let read = read("adgangsadresser.json");
    assert_eq!(read.format, Format::Json);
    assert_eq!(
        texts(&read.entries),
        [
            "Mjølnerparken 6, 2200 København N",
            "Istedgade 119A, 1650 København V",
            "Sjælør Boulevard 135, 2450 København SV",
        ]
    );
    assert_near(&read.entries[0], 12.54301, 55.70071);
    // Coordinates that cannot be degrees but fit UTM are DAWA's srid=25832: converted.
    assert_near(&read.entries[1], 7.234_371_9, 6.174_965_32);
    assert_eq!(read.entries[2].postcode, Some(2450));
    assert_near(&read.entries[2], 12.5142, 55.6475);
    assert_eq!(
        read.rejected,
        [Rejected {
            record: 3,
            line: None,
            id: Some("0a3f50b2-0003-32b8-e044-0003ba298018".into()),
            reason: RejectReason::MissingStreet,
        }]
    );
}

#[test]
fn a_geojson_feature_collection_becomes_entries() {
    let read = read("adgangsadresser.geojson");
    assert_eq!(read.format, Format::GeoJson);
    assert_eq!(
        texts(&read.entries),
        [
            "Blågårdsgade 23, 2200 København N",
            "Amagerbrogade 201C, 2300 København S"
        ]
    );
    assert_near(&read.entries[1], 12.6105, 55.6597);
    assert_eq!(read.rejected.len(), 1);
    assert_eq!(
        read.rejected[0].reason,
        RejectReason::PostcodeNotFourDigits {
            found: "230".into()
        }
    );
    assert_eq!(read.rejected[0].record, 3);
}

#[test]
fn a_geojson_in_etrs89_is_converted() {
    let geojson = r#"{"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:25832"}},
        "features": [{"type": "Feature", "geometry": {"type": "Point",
            "coordinates": [100, 200]},
            "properties": {"id": "a", "vejnavn": "Istedgade", "husnr": 1, "postnr": 1650}}]}"#;
    let read = read_bytes(geojson.as_bytes()).unwrap();
    assert_near(&read.entries[0], 0.001, 0.0002);
    assert_eq!(read.entries[0].text, "Istedgade 1, 1650");
    assert_eq!(read.entries[0].district, None);
}

#[test]
fn whole_file_problems_are_typed_errors() {
    let error = |bytes: &[u8]| match read_bytes(bytes) {
        Ok(_) => panic!("{} read", String::from_utf8_lossy(bytes)),
        Err(error) => error,
    };
    assert!(matches!(error(b""), DawaError::Empty));
    assert!(matches!(error(b"\xEF\xBB\xBF \n"), DawaError::Empty));
    assert!(matches!(
        error(b"\x1f\x8b\x08\x00"),
        DawaError::UnknownFormat { .. }
    ));
    assert!(matches!(
        error(b"just some words\n"),
        DawaError::UnknownFormat { .. }
    ));
    assert!(matches!(
        error(br#"{"type": "Feature"}"#),
        DawaError::UnknownFormat { .. }
    ));
    assert!(matches!(error(b"[{\"id\": "), DawaError::Json(_)));

    let DawaError::MissingColumns { missing, found } =
        error("id;vejnavn;postnr;wgs84koordinat_bredde\n".as_bytes())
    else {
        panic!("not MissingColumns")
    };
    assert_eq!(missing[0], "husnr");
    assert!(missing[1].starts_with("wgs84koordinat_længde and wgs84koordinat_bredde, or"));
    assert_eq!(found.len(), 4);
    let message = error(b"id;vejnavn\n").to_string();
    assert!(
        message.contains("husnr") && message.contains("postnr"),
        "{message}"
    );

    let broken = std::fs::read(fixture("adgangsadresser_broken_row.csv")).unwrap();
    assert!(matches!(error(&broken), DawaError::Csv { line: 4, .. }));

    let latin1 = b"id;vejnavn;husnr;postnr;wgs84koordinat_bredde;wgs84koordinat_l\xc3\xa6ngde\n\
                   a;Mj\xf8lnerparken;2;2200;55.7;12.5\n";
    assert!(matches!(error(latin1), DawaError::NotUtf8 { line: 2 }));
}

#[test]
fn reading_stops_after_the_first_whole_file_error() {
    let broken = std::fs::read(fixture("adgangsadresser_broken_row.csv")).unwrap();
    let rows: Vec<_> = DawaReader::new(&broken[..], scaled).unwrap().collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[..2].iter().all(Result::is_ok));
    assert!(rows[2].is_err());
}

#[test]
fn header_names_are_matched_without_case_and_other_columns_are_ignored() {
    let csv = "ID\tVejnavn\tHusnr\tPostnr\tPostnrnavn\tWGS84koordinat_Bredde\tWGS84koordinat_Længde\tx\n\
               a\tIstedgade\t1\t1650\tKøbenhavn V\t55.669\t12.5531\tignored\n";
    let read = read_bytes(csv.as_bytes()).unwrap();
    assert_eq!(read.format, Format::Csv { delimiter: b'\t' });
    assert_eq!(texts(&read.entries), ["Istedgade 1, 1650 København V"]);
}

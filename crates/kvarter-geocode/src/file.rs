//! The gazetteer file: Kvarter's offline list of addresses, streets, place names and postcodes
//! (`geodata/gazetteer.csv`), one [`Entry`] per row with the dataset it came from.
//!
//! The format is CSV (RFC 4180 quoting, UTF-8, `\n` line ends) with the header
//!
//! ```text
//! kind,id,text,street,house_number,postcode,district,lon,lat,source
//! ```
//!
//! * `kind` — `address`, `street`, `place` or `postcode`;
//! * `id` — unique in the file (`byfornyelse-17`, `postnummer-2200`);
//! * `text` — the display text, never empty;
//! * `street`, `district` — empty when the entry has none;
//! * `house_number` — `12` or `12B` (1–999 and at most one letter), or empty;
//! * `postcode` — four digits, or empty;
//! * `lon`, `lat` — WGS84, written with seven decimals (about a centimetre);
//! * `source` — the id of the source dataset (`kk-byfornyelse-2023`), never empty.
//!
//! [`write_csv`] writes rows in the order given (the data build sorts them with
//! [`sort_records`]); [`read_records`] and [`read_csv`] check every row and name the line of the
//! first that is wrong. Points written by [`write_csv`] after [`round_coordinate`] read back
//! bit for bit.
//!
//! ```
//! use geo::Point;
//! use kvarter_geocode::file::{Record, read_csv, write_csv};
//! use kvarter_geocode::{Entry, HouseNumber, Kind};
//!
//! let entry = Entry {
//!     kind: Kind::Address,
//!     id: "byfornyelse-1".into(),
//!     text: "Andreas Bjørns Gade 12, 1428 København K".into(),
//!     street: Some("Andreas Bjørns Gade".into()),
//!     house_number: Some(HouseNumber::new(12)),
//!     postcode: Some(1428),
//!     district: Some("København K".into()),
//!     point: Point::new(12.5979182, 55.6756246),
//! };
//! let bytes = write_csv(&[Record { entry: entry.clone(), source: "kk-byfornyelse-2023".into() }]);
//! assert_eq!(read_csv(&bytes, "example.csv")?, vec![entry]);
//! # Ok::<(), kvarter_geocode::file::FileError>(())
//! ```

use std::collections::HashSet;
use std::fmt::Write as _;
use std::hash::{Hash as _, Hasher as _};
use std::io::{self, BufRead as _, Read};

use geo::Point;

use crate::address::HouseNumber;
use crate::index::{Entry, Kind};
use crate::normalise::normalise;

/// The header line of a gazetteer file.
pub const HEADER: &str = "kind,id,text,street,house_number,postcode,district,lon,lat,source";

/// The columns of [`HEADER`], in order.
const COLUMNS: [&str; 10] = [
    "kind",
    "id",
    "text",
    "street",
    "house_number",
    "postcode",
    "district",
    "lon",
    "lat",
    "source",
];

/// One row of a gazetteer file: an entry and the id of the dataset it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The searchable entry.
    pub entry: Entry,
    /// The source dataset's id (`kk-byfornyelse-2023`), as the data folder's README lists it.
    pub source: String,
}

/// Why a gazetteer file could not be read. Every variant names the file and the line (1-based,
/// the header is line 1).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The first line is not [`HEADER`]: the file is not a gazetteer file, or of another version.
    /// Rebuild it with `kvarter data build`.
    #[error("{origin}: line 1 is {found:?}, expected the header {HEADER:?}")]
    Header {
        /// The file.
        origin: String,
        /// The first line as read.
        found: String,
    },
    /// A line is not well-formed CSV (unbalanced quotes, another number of fields, not UTF-8).
    #[error("{origin}: line {line}: not a well-formed row of {} fields", COLUMNS.len())]
    Csv {
        /// The file.
        origin: String,
        /// The line.
        line: u64,
        /// The CSV reader's message.
        #[source]
        source: csv::Error,
    },
    /// The kind is none of `address`, `street`, `place`, `postcode`.
    #[error("{origin}: line {line}: kind {found:?} is not address, street, place or postcode")]
    Kind {
        /// The file.
        origin: String,
        /// The line.
        line: u64,
        /// The kind as written.
        found: String,
    },
    /// A required field (`id`, `text`, `source`) is empty.
    #[error("{origin}: line {line}: the {column} is empty")]
    Empty {
        /// The file.
        origin: String,
        /// The line.
        line: u64,
        /// The column.
        column: &'static str,
    },
    /// A number field does not hold what its column allows: `house_number` 1–999 with at most
    /// one letter, `postcode` four digits, `lon`/`lat` a decimal number.
    #[error("{origin}: line {line}: {column} {found:?} is not a valid number for that column")]
    Number {
        /// The file.
        origin: String,
        /// The line.
        line: u64,
        /// The column.
        column: &'static str,
        /// The field as written.
        found: String,
    },
    /// Two rows share an id; ids must be unique in the file.
    #[error("{origin}: line {line}: id {id:?} was already used on line {first}")]
    DuplicateId {
        /// The file.
        origin: String,
        /// The line of the second use.
        line: u64,
        /// The id.
        id: String,
        /// The line of the first use.
        first: u64,
    },
    /// The coordinates are not on the globe (longitude −180…180, latitude −90…90); usually a
    /// swapped pair or a projected coordinate written as lon/lat.
    #[error("{origin}: line {line}: ({lon}, {lat}) is not a longitude/latitude on the globe")]
    OffTheGlobe {
        /// The file.
        origin: String,
        /// The line.
        line: u64,
        /// The longitude as read.
        lon: f64,
        /// The latitude as read.
        lat: f64,
    },
}

/// The name of a kind in the file.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Address => "address",
        Kind::Street => "street",
        Kind::Place => "place",
        Kind::Postcode => "postcode",
    }
}

/// The kind a name in the file stands for.
pub fn parse_kind(name: &str) -> Option<Kind> {
    match name {
        "address" => Some(Kind::Address),
        "street" => Some(Kind::Street),
        "place" => Some(Kind::Place),
        "postcode" => Some(Kind::Postcode),
        _ => None,
    }
}

/// A coordinate rounded to the seven decimals the file keeps, so that it reads back unchanged.
pub fn round_coordinate(value: f64) -> f64 {
    (value * 1e7).round() / 1e7
}

/// Sorts records in the file's order: by kind (address, street, place, postcode), then by the
/// normalised display text ([`normalise`]), then by the text as written, then by id.
pub fn sort_records(records: &mut [Record]) {
    records.sort_by_cached_key(|r| {
        (
            r.entry.kind,
            normalise(&r.entry.text),
            r.entry.text.clone(),
            r.entry.id.clone(),
        )
    });
}

/// Writes records as a gazetteer file, in the order given. Coordinates are written with seven
/// decimals; round them first with [`round_coordinate`] to read back the same values.
pub fn write_csv(records: &[Record]) -> Vec<u8> {
    let mut out = String::with_capacity(64 + records.len() * 96);
    out.push_str(HEADER);
    out.push('\n');
    for record in records {
        let e = &record.entry;
        let fields: [String; 10] = [
            kind_name(e.kind).to_owned(),
            e.id.clone(),
            e.text.clone(),
            e.street.clone().unwrap_or_default(),
            e.house_number.map(|n| n.to_string()).unwrap_or_default(),
            e.postcode.map(|p| format!("{p:04}")).unwrap_or_default(),
            e.district.clone().unwrap_or_default(),
            format!("{:.7}", e.point.x()),
            format!("{:.7}", e.point.y()),
            record.source.clone(),
        ];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_field(&mut out, field);
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Appends a CSV field, quoted when it holds a comma, a quote or a line break.
fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        let _ = write!(out, "\"{}\"", field.replace('"', "\"\""));
    } else {
        out.push_str(field);
    }
}

/// Reads a gazetteer file's entries (without their sources); `origin` names the file in errors.
pub fn read_csv(bytes: &[u8], origin: &str) -> Result<Vec<Entry>, FileError> {
    read_entries(bytes, origin)
}

/// Reads a gazetteer file's entries (without their sources) from `input` as it streams, with
/// the checks of [`read_records`]; `origin` names the file in errors.
///
/// This is the loader for large files (the national register is ≈ 3.9 million rows): the file
/// is never held whole, no row's source is kept, and ids are checked for uniqueness by a set of
/// their 64-bit hashes (8 bytes an id instead of a copy of it; a repeated hash is confirmed
/// against the ids read before it, so two ids that merely share a hash are no error).
///
/// # Errors
/// As [`read_records`]; a failure to read `input` is a [`FileError::Csv`] at the line reached.
pub fn read_entries(input: impl Read, origin: &str) -> Result<Vec<Entry>, FileError> {
    let mut entries = Vec::new();
    read_rows(input, origin, false, &mut entries, |r| r.entry, |e| &e.id)?;
    Ok(entries)
}

/// Reads a gazetteer file's records, checking every row (see [`FileError`]); `origin` names the
/// file in errors.
pub fn read_records(bytes: &[u8], origin: &str) -> Result<Vec<Record>, FileError> {
    let mut records = Vec::new();
    read_rows(bytes, origin, true, &mut records, |r| r, |r| &r.entry.id)?;
    Ok(records)
}

/// The hash of an id in the uniqueness check.
fn id_hash(id: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// Reads every row of a gazetteer file from `input` into `rows` as `make` turns it, in file
/// order; stops at the first wrong row. `make` is handed the row's record with an empty source
/// unless `keep_source` (bare entries need none: no allocation per row for it);
/// `id_of` gives a kept row's id, for the rare repeated hash.
fn read_rows<T>(
    input: impl Read,
    origin: &str,
    keep_source: bool,
    rows: &mut Vec<T>,
    make: impl Fn(Record) -> T,
    id_of: impl Fn(&T) -> &str,
) -> Result<(), FileError> {
    let mut input = io::BufReader::with_capacity(1 << 16, input);
    let mut first_line = Vec::new();
    let io_error = |source: io::Error, line: u64| FileError::Csv {
        origin: origin.to_owned(),
        line,
        source: csv::Error::from(source),
    };
    input
        .read_until(b'\n', &mut first_line)
        .map_err(|e| io_error(e, 1))?;
    let header = String::from_utf8_lossy(first_line.strip_suffix(b"\n").unwrap_or(&first_line));
    let header = header.trim_end_matches('\r');
    if header != HEADER {
        return Err(FileError::Header {
            origin: origin.to_owned(),
            found: header.chars().take(200).collect(),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(io::Cursor::new(first_line).chain(input));
    let mut seen: HashSet<u64> = HashSet::new();
    // The line of each row, kept only to name the first use of a repeated id.
    let mut lines: Vec<u32> = Vec::new();
    let mut row = csv::StringRecord::new();
    let mut index = 0_u64;
    loop {
        // Line numbers count the header; a quoted line break would shift them, and the reader's
        // own position says where the row starts.
        let fallback = index + 2;
        match reader.read_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(source) => {
                return Err(FileError::Csv {
                    origin: origin.to_owned(),
                    line: source.position().map_or(fallback, csv::Position::line),
                    source,
                });
            }
        }
        let line = row.position().map_or(fallback, csv::Position::line);
        let mut record = read_row(&row, origin, line, keep_source)?;
        if !seen.insert(id_hash(&record.entry.id))
            && let Some(first) = rows.iter().position(|r| id_of(r) == record.entry.id)
        {
            return Err(FileError::DuplicateId {
                origin: origin.to_owned(),
                line,
                id: std::mem::take(&mut record.entry.id),
                first: u64::from(lines[first]),
            });
        }
        lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        rows.push(make(record));
        index += 1;
    }
}

/// One checked row.
fn read_row(
    row: &csv::StringRecord,
    origin: &str,
    line: u64,
    keep_source: bool,
) -> Result<Record, FileError> {
    let field = |i: usize| row.get(i).unwrap_or_default();
    let optional = |i: usize| Some(field(i).to_owned()).filter(|s| !s.is_empty());
    let required = |i: usize| {
        optional(i).ok_or(FileError::Empty {
            origin: origin.to_owned(),
            line,
            column: COLUMNS[i],
        })
    };
    let bad_number = |i: usize| FileError::Number {
        origin: origin.to_owned(),
        line,
        column: COLUMNS[i],
        found: field(i).to_owned(),
    };
    let kind = parse_kind(field(0)).ok_or_else(|| FileError::Kind {
        origin: origin.to_owned(),
        line,
        found: field(0).to_owned(),
    })?;
    let id = required(1)?;
    let text = required(2)?;
    let house_number = match field(4) {
        "" => None,
        written => Some(parse_house_number(written).ok_or_else(|| bad_number(4))?),
    };
    let postcode = match field(5) {
        "" => None,
        written if written.len() == 4 && written.bytes().all(|b| b.is_ascii_digit()) => {
            Some(written.parse::<u16>().map_err(|_| bad_number(5))?)
        }
        _ => return Err(bad_number(5)),
    };
    let coordinate = |i: usize| {
        field(i)
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad_number(i))
    };
    let (lon, lat) = (coordinate(7)?, coordinate(8)?);
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(FileError::OffTheGlobe {
            origin: origin.to_owned(),
            line,
            lon,
            lat,
        });
    }
    let source = if keep_source {
        required(9)?
    } else if field(9).is_empty() {
        return Err(FileError::Empty {
            origin: origin.to_owned(),
            line,
            column: COLUMNS[9],
        });
    } else {
        String::new()
    };
    Ok(Record {
        entry: Entry {
            kind,
            id,
            text,
            street: optional(3),
            house_number,
            postcode,
            district: optional(6),
            point: Point::new(lon, lat),
        },
        source,
    })
}

/// "12" or "12B" (1–999, at most one ASCII letter, stored upper case).
fn parse_house_number(written: &str) -> Option<HouseNumber> {
    let digits_end = written
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(written.len());
    let (digits, rest) = written.split_at(digits_end);
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    let number: u16 = digits.parse().ok().filter(|n| (1..=999).contains(n))?;
    let mut letters = rest.chars();
    match (letters.next(), letters.next()) {
        (None, _) => Some(HouseNumber::new(number)),
        (Some(letter), None) if letter.is_ascii_alphabetic() => {
            Some(HouseNumber::with_letter(number, letter))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// What a bad row's error must be.
    type Expected = fn(&FileError) -> bool;

    fn record(kind: Kind, id: &str, text: &str) -> Record {
        Record {
            entry: Entry {
                kind,
                id: id.into(),
                text: text.into(),
                street: None,
                house_number: None,
                postcode: None,
                district: None,
                point: Point::new(12.55, 55.7),
            },
            source: "test-source".into(),
        }
    }

    fn sample() -> Vec<Record> {
        let mut address = record(
            Kind::Address,
            "byfornyelse-1",
            "Andreas Bjørns Gade 12B, 1428 København K",
        );
        address.entry.street = Some("Andreas Bjørns Gade".into());
        address.entry.house_number = Some(HouseNumber::with_letter(12, 'B'));
        address.entry.postcode = Some(1428);
        address.entry.district = Some("København K".into());
        address.entry.point = Point::new(
            round_coordinate(12.597_918_224),
            round_coordinate(55.675_624_64),
        );
        address.source = "kk-byfornyelse-2023".into();
        let mut postcode = record(Kind::Postcode, "postnummer-0800", "0800 Høje Taastrup");
        postcode.entry.postcode = Some(800);
        postcode.entry.district = Some("Høje Taastrup".into());
        let mut quoted = record(Kind::Place, "q", "Kirken \"Sankt\", Nørrebro\nanden linje");
        quoted.entry.point = Point::new(-0.000_000_1, -89.999_999_9);
        vec![
            address,
            record(Kind::Street, "vejklasser-amagerbrogade", "Amagerbrogade"),
            quoted,
            postcode,
        ]
    }

    /// The file with `row` (fields after the header) as its only row.
    fn one_row(row: &str) -> Vec<u8> {
        format!("{HEADER}\n{row}\n").into_bytes()
    }

    #[test]
    fn records_round_trip_through_the_file_bit_for_bit() {
        let records = sample();
        let bytes = write_csv(&records);
        assert_eq!(read_records(&bytes, "t.csv").unwrap(), records);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(&format!("{HEADER}\n")));
        assert!(text.contains(
            "address,byfornyelse-1,\"Andreas Bjørns Gade 12B, 1428 København K\",Andreas Bjørns Gade,12B,1428,København K,12.5979182,55.6756246,kk-byfornyelse-2023\n"
        ));
        assert!(text.contains(",0800,"), "postcodes keep four digits");
        assert_eq!(
            read_csv(&bytes, "t.csv").unwrap(),
            records.into_iter().map(|r| r.entry).collect::<Vec<_>>()
        );
    }

    #[test]
    fn sorting_orders_by_kind_then_normalised_text_then_id() {
        let mut records = vec![
            record(Kind::Place, "b", "Åbenrå"),
            record(Kind::Place, "a", "aabenraa"),
            record(Kind::Street, "s", "Zinkgade"),
            record(Kind::Address, "x", "Østergade 1"),
            record(Kind::Place, "c", "Amager"),
        ];
        sort_records(&mut records);
        let ids: Vec<&str> = records.iter().map(|r| r.entry.id.as_str()).collect();
        assert_eq!(ids, ["x", "s", "a", "b", "c"]);
    }

    #[test]
    fn a_file_without_the_header_is_refused() {
        let err = read_csv(b"kind,id,text\naddress,1,x\n", "g.csv").unwrap_err();
        assert!(matches!(err, FileError::Header { .. }), "{err}");
        assert!(err.to_string().starts_with("g.csv: line 1"), "{err}");
        assert!(matches!(
            read_csv(b"", "g.csv").unwrap_err(),
            FileError::Header { .. }
        ));
    }

    #[test]
    fn each_bad_row_is_refused_with_its_line() {
        let good = "place,p1,Fælledparken,,,,,12.57,55.70,src";
        let cases: [(&str, Expected); 9] = [
            ("castle,p1,Fælledparken,,,,,12.57,55.70,src", |e| {
                matches!(e, FileError::Kind { .. })
            }),
            ("place,,Fælledparken,,,,,12.57,55.70,src", |e| {
                matches!(e, FileError::Empty { column: "id", .. })
            }),
            ("place,p2,Fælledparken,,,,,12.57,55.70,", |e| {
                matches!(
                    e,
                    FileError::Empty {
                        column: "source",
                        ..
                    }
                )
            }),
            (
                "address,p2,Istedgade 0,Istedgade,0,,,12.57,55.70,src",
                |e| {
                    matches!(
                        e,
                        FileError::Number {
                            column: "house_number",
                            ..
                        }
                    )
                },
            ),
            (
                "address,p2,Istedgade 1,Istedgade,12BC,,,12.57,55.70,src",
                |e| {
                    matches!(
                        e,
                        FileError::Number {
                            column: "house_number",
                            ..
                        }
                    )
                },
            ),
            ("postcode,p2,220 København N,,,220,,12.57,55.70,src", |e| {
                matches!(
                    e,
                    FileError::Number {
                        column: "postcode",
                        ..
                    }
                )
            }),
            ("place,p2,X,,,,,twelve,55.70,src", |e| {
                matches!(e, FileError::Number { column: "lon", .. })
            }),
            ("place,p2,X,,,,,55.70,190.0,src", |e| {
                matches!(e, FileError::OffTheGlobe { .. })
            }),
            ("place,p1,Fælledparken igen,,,,,12.57,55.70,src", |e| {
                matches!(e, FileError::DuplicateId { first: 2, .. })
            }),
        ];
        for (row, expected) in cases {
            let bytes = format!("{HEADER}\n{good}\n{row}\n").into_bytes();
            let err = read_csv(&bytes, "g.csv").unwrap_err();
            assert!(expected(&err), "{row}: {err}");
            assert!(err.to_string().starts_with("g.csv: line 3:"), "{err}");
        }
        let err = read_csv(&one_row("place,p1,X,,,,,12.5,55.7"), "g.csv").unwrap_err();
        assert!(matches!(err, FileError::Csv { line: 2, .. }), "{err}");
    }

    #[test]
    fn house_numbers_are_read_as_written_in_the_register() {
        assert_eq!(parse_house_number("7"), Some(HouseNumber::new(7)));
        assert_eq!(
            parse_house_number("12b"),
            Some(HouseNumber::with_letter(12, 'B'))
        );
        for bad in ["", "0", "1000", "0012", "B", "12-14", "12 B", "12Ø"] {
            assert_eq!(parse_house_number(bad), None, "{bad}");
        }
    }
}

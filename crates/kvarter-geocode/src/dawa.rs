//! Reading the national address register: DAWA/DAR exports of access addresses
//! (adgangsadresser) as CSV, JSON or GeoJSON, one [`Entry`] of kind [`Kind::Address`] per row.
//!
//! [`DawaReader`] finds the format from the first bytes ([`Format`]) and then yields one
//! [`Row`] at a time — an entry ("Mjølnerparken 2, 2200 København N") or a [`Rejected`] row
//! with its position and a [`RejectReason`]. Problems with the whole file (not a known format,
//! missing columns, broken CSV or JSON, not UTF-8) are [`DawaError`]s and end the reading.
//!
//! * **CSV** (DAWA's `?format=csv`, DAR extracts): a header line, `;`, `,` or tab separated
//!   (whichever the header line has most of outside quotes), quoted fields, UTF-8 with or
//!   without a byte-order mark. Read row by row from any [`Read`], so memory stays flat on the
//!   national register (≈ 2.5 million rows). Required columns: `id`, `vejnavn`, `husnr`,
//!   `postnr`, and either `wgs84koordinat_længde` + `wgs84koordinat_bredde` or
//!   `etrs89koordinat_øst` + `etrs89koordinat_nord`; `postnrnavn` is used when present.
//!   Header names are matched case-insensitively; other columns are ignored. In a
//!   `;`-separated file a decimal comma ("55,7009") is accepted.
//! * **JSON**: an array of adgangsadresse objects as `/adgangsadresser` answers, nested
//!   (`vejstykke.navn`, `postnummer.nr`/`.navn`, `adgangspunkt.koordinater` `[lon, lat]`) or
//!   flat (the CSV column names; `x`/`y` of `struktur=mini`). Read whole (it is at most a few
//!   hundred MB).
//! * **GeoJSON**: a `FeatureCollection` whose features carry those fields as `properties` and
//!   a `Point` geometry (DAWA's `?format=geojson`); a `crs` naming EPSG:25832 is honoured.
//!
//! Coordinates: WGS84 columns when they are filled, else ETRS89 / UTM 32N converted by the
//! [`Utm32ToWgs84`] function the caller passes (this crate does not depend on the CRS code in
//! `kvarter-data`, which may come to depend on this crate). A point array without a declared
//! CRS whose values cannot be degrees but fit UTM (DAWA's `srid=25832`) is read as UTM.
//!
//! A row is rejected for: no id, no street, a house number that is not 1–999 with at most one
//! letter, a postcode that is not four digits, coordinates missing, not numbers or off the
//! globe, and an id already imported from an earlier row (the first one wins).
//!
//! ```
//! use kvarter_geocode::dawa::{DawaReader, Row};
//!
//! let csv = "id;vejnavn;husnr;postnr;postnrnavn;wgs84koordinat_længde;wgs84koordinat_bredde\n\
//!            0a3f5090-1111-32b8-e044-0003ba298018;Mjølnerparken;2;2200;København N;12.5426;55.7009\n\
//!            0a3f5090-2222-32b8-e044-0003ba298018;Mjølnerparken;0;2200;København N;12.5427;55.7010\n";
//! let no_projection = |_: f64, _: f64| None;
//! let rows: Vec<Row> = DawaReader::new(csv.as_bytes(), no_projection)?
//!     .collect::<Result<_, _>>()?;
//! let Row::Imported(entry) = &rows[0] else { panic!("the first row is good") };
//! assert_eq!(entry.text, "Mjølnerparken 2, 2200 København N");
//! let Row::Rejected(rejected) = &rows[1] else { panic!("house number 0 is not one") };
//! assert_eq!((rejected.line, rejected.reason.code()), (Some(3), "bad-house-number"));
//! # Ok::<(), kvarter_geocode::dawa::DawaError>(())
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use geo::Point;
use serde::Deserialize;
use serde_json::Value;

use crate::address::HouseNumber;
use crate::index::{Entry, Kind};

/// Converts ETRS89 / UTM zone 32N (EPSG:25832) easting and northing in metres to WGS84
/// longitude and latitude in degrees; `None` when the coordinate cannot be converted. The
/// binary passes `kvarter_crs::utm32_to_wgs84`.
pub type Utm32ToWgs84 = fn(f64, f64) -> Option<(f64, f64)>;

/// The input buffer: large enough that the header line is always inside the first fill.
const BUFFER: usize = 1 << 16;

/// The kind of export, found from the first bytes of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header line and this field separator (`b';'`, `b','` or `b'\t'`).
    Csv {
        /// The field separator.
        delimiter: u8,
    },
    /// A JSON array of adgangsadresse objects.
    Json,
    /// A `GeoJSON` `FeatureCollection` of adgangsadresse points.
    GeoJson,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Csv { delimiter: b'\t' } => write!(f, "CSV (tab-separated)"),
            Self::Csv { delimiter } => write!(f, "CSV ('{}'-separated)", char::from(*delimiter)),
            Self::Json => write!(f, "DAWA JSON"),
            Self::GeoJson => write!(f, "GeoJSON"),
        }
    }
}

/// Why a whole input cannot be read. Reading stops at the first of these.
#[derive(Debug, thiserror::Error)]
pub enum DawaError {
    /// Reading the input failed. Check that the file is readable and complete.
    #[error("cannot read the input")]
    Io(#[source] io::Error),
    /// The input has no bytes (or only a byte-order mark and white space). Export again.
    #[error("the input is empty")]
    Empty,
    /// The input is neither CSV with a header line, nor a JSON array, nor a `GeoJSON`
    /// `FeatureCollection`. Unpack archives first; export from DAWA with `format=csv`,
    /// `format=json` or `format=geojson`.
    #[error("unknown format: {detail}")]
    UnknownFormat {
        /// What was found instead.
        detail: String,
    },
    /// The CSV header lacks columns the import needs. Export adgangsadresser (not adresser or
    /// vejstykker) with DAWA's CSV columns, or rename the columns.
    #[error("the CSV header lacks {}; it has: {}", .missing.join("; "), .found.join(", "))]
    MissingColumns {
        /// The missing columns (or alternatives), by name.
        missing: Vec<String>,
        /// The columns the header has.
        found: Vec<String>,
    },
    /// A CSV row is malformed (a different number of fields than the header, usually from
    /// an unquoted separator or quote). Fix or re-export the file; the line is where the row
    /// starts.
    #[error("line {line}: malformed CSV")]
    Csv {
        /// The line where the malformed row starts (the header is line 1).
        line: u64,
        /// The CSV parser's error.
        #[source]
        source: csv::Error,
    },
    /// Text that is not UTF-8 (often a Latin-1 / Windows-1252 export). Convert the file to
    /// UTF-8 (e.g. `iconv -f latin1 -t utf-8`).
    #[error("line {line}: the text is not UTF-8")]
    NotUtf8 {
        /// The line where the row with the bad text starts.
        line: u64,
    },
    /// The input starts like JSON but is not valid JSON of the expected shape. The error
    /// gives the line and column.
    #[error("invalid JSON")]
    Json(#[source] serde_json::Error),
}

/// Why one row did not become an entry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RejectReason {
    /// The `id` is empty.
    #[error("no id")]
    MissingId,
    /// The street name (`vejnavn`, `vejstykke.navn`) is empty.
    #[error("no street name")]
    MissingStreet,
    /// The house number (`husnr`) is not 1–999 with at most one letter ("12B").
    #[error("{found:?} is not a house number (1–999 and at most one letter, e.g. 12B)")]
    BadHouseNumber {
        /// The house number as written.
        found: String,
    },
    /// The postcode (`postnr`) is not four digits (1000–9999).
    #[error("postcode {found:?} is not four digits")]
    PostcodeNotFourDigits {
        /// The postcode as written.
        found: String,
    },
    /// Neither WGS84 nor ETRS89 coordinates are filled in.
    #[error("no coordinates")]
    CoordinatesMissing,
    /// A coordinate is not a number.
    #[error("coordinate {found:?} is not a number")]
    CoordinatesNotNumbers {
        /// The value as written.
        found: String,
    },
    /// The coordinates are not on the globe: longitude outside −180…180 or latitude outside
    /// −90…90, or an ETRS89 / UTM 32N coordinate that cannot be converted.
    #[error("({x}, {y}) in EPSG:{epsg} is off the globe")]
    CoordinatesOffTheGlobe {
        /// Longitude or easting.
        x: f64,
        /// Latitude or northing.
        y: f64,
        /// 4326 (WGS84) or 25832 (ETRS89 / UTM 32N).
        epsg: u32,
    },
    /// An earlier row with the same id was imported; this one is dropped.
    #[error("the id was already imported from an earlier row")]
    DuplicateId,
}

impl RejectReason {
    /// Every [`code`](Self::code), in the order summaries list them.
    pub const CODES: [&'static str; 8] = [
        "missing-id",
        "missing-street",
        "bad-house-number",
        "postcode-not-four-digits",
        "coordinates-missing",
        "coordinates-not-numbers",
        "coordinates-off-the-globe",
        "duplicate-id",
    ];

    /// A short stable name for counting and reports ("bad-house-number").
    pub fn code(&self) -> &'static str {
        let index = match self {
            Self::MissingId => 0,
            Self::MissingStreet => 1,
            Self::BadHouseNumber { .. } => 2,
            Self::PostcodeNotFourDigits { .. } => 3,
            Self::CoordinatesMissing => 4,
            Self::CoordinatesNotNumbers { .. } => 5,
            Self::CoordinatesOffTheGlobe { .. } => 6,
            Self::DuplicateId => 7,
        };
        Self::CODES[index]
    }
}

/// A row that did not become an entry, where it is and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The data row's number, from 1 (the header does not count): the CSV row, the JSON array
    /// element or the `GeoJSON` feature.
    pub record: u64,
    /// For CSV, the line the row starts on (the header is line 1); `None` for JSON.
    pub line: Option<u64>,
    /// The row's id, when it has one.
    pub id: Option<String>,
    /// Why it was rejected.
    pub reason: RejectReason,
}

/// One row of the input: an entry, or a rejection.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// The row is an access address.
    Imported(Entry),
    /// The row was rejected.
    Rejected(Rejected),
}

/// Counts of rows read, imported and rejected by reason, for the import summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rows read.
    pub read: u64,
    /// Rows that became entries.
    pub imported: u64,
    /// Rejected rows by [`RejectReason::code`]; reasons with no rows are absent.
    pub rejected: BTreeMap<&'static str, u64>,
}

impl Tally {
    /// Counts `row`.
    pub fn add(&mut self, row: &Row) {
        self.read += 1;
        match row {
            Row::Imported(_) => self.imported += 1,
            Row::Rejected(rejected) => {
                *self.rejected.entry(rejected.reason.code()).or_default() += 1;
            }
        }
    }

    /// All rejected rows.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// A streaming reader of a DAWA/DAR export: an iterator of [`Row`]s that stops after the
/// first [`DawaError`]. See the [module docs](self) for the formats.
pub struct DawaReader<R: Read> {
    format: Format,
    source: Source<R>,
    project: Utm32ToWgs84,
    seen: SeenIds,
    records: u64,
    done: bool,
}

enum Source<R: Read> {
    /// Boxed: the CSV reader's state is large and there is one per import.
    Csv(Box<CsvSource<R>>),
    Json(std::vec::IntoIter<JsonRecord>),
}

struct CsvSource<R: Read> {
    reader: csv::Reader<BufReader<R>>,
    delimiter: u8,
    columns: Columns,
    record: csv::ByteRecord,
    /// Line breaks inside quoted fields of the rows read so far. The csv reader skips them
    /// when it counts lines (it copies quoted text in bulk), so they are added back here.
    quoted_line_breaks: u64,
}

impl<R: Read> fmt::Debug for DawaReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DawaReader")
            .field("format", &self.format)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl<R: Read> DawaReader<R> {
    /// Detects the format of `input` and, for CSV, reads and checks the header; `project`
    /// converts ETRS89 / UTM 32N coordinates for rows without WGS84 ones. JSON and `GeoJSON`
    /// are read and parsed whole here.
    pub fn new(input: R, project: Utm32ToWgs84) -> Result<Self, DawaError> {
        let mut input = BufReader::with_capacity(BUFFER, input);
        let first = peek_start(&mut input)?;
        let source = match first {
            b'[' | b'{' => read_json(&mut input, first)?,
            _ => open_csv(input)?,
        };
        let format = match &source {
            Source::Csv(csv) => Format::Csv {
                delimiter: csv.delimiter,
            },
            Source::Json(_) if first == b'[' => Format::Json,
            Source::Json(_) => Format::GeoJson,
        };
        Ok(Self {
            format,
            source,
            project,
            seen: SeenIds::default(),
            records: 0,
            done: false,
        })
    }

    /// The format found.
    pub fn format(&self) -> Format {
        self.format
    }

    fn next_csv(&mut self) -> Option<Result<Row, DawaError>> {
        let Source::Csv(csv) = &mut self.source else {
            return None;
        };
        let CsvSource {
            reader,
            delimiter,
            columns,
            record,
            quoted_line_breaks,
        } = &mut **csv;
        let result = reader.read_byte_record(record);
        let csv_line = |position: Option<&csv::Position>| {
            position.map_or_else(|| reader.position().line(), csv::Position::line)
                + *quoted_line_breaks
        };
        match result {
            Ok(false) => None,
            Err(source) => {
                let line = csv_line(source.position());
                Some(Err(DawaError::Csv { line, source }))
            }
            Ok(true) => {
                self.records += 1;
                let line = csv_line(record.position());
                *quoted_line_breaks += line_breaks(record.as_slice());
                let raw = match columns.raw(record, line) {
                    Ok(raw) => raw,
                    Err(error) => return Some(Err(error)),
                };
                let raw = raw.with_decimal_comma(*delimiter != b',');
                Some(Ok(finish(
                    &raw,
                    self.records,
                    Some(line),
                    self.project,
                    &mut self.seen,
                )))
            }
        }
    }
}

impl<R: Read> Iterator for DawaReader<R> {
    type Item = Result<Row, DawaError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = match &mut self.source {
            Source::Csv(_) => self.next_csv(),
            Source::Json(records) => records.next().map(|json| {
                self.records += 1;
                Ok(finish(
                    &json.raw(),
                    self.records,
                    None,
                    self.project,
                    &mut self.seen,
                ))
            }),
        };
        if !matches!(next, Some(Ok(_))) {
            self.done = true;
        }
        next
    }
}

/// Builds the entry and checks the id is new; only imported ids count as seen.
fn finish(
    raw: &RawAddress<'_>,
    record: u64,
    line: Option<u64>,
    project: Utm32ToWgs84,
    seen: &mut SeenIds,
) -> Row {
    let id = raw.id.trim();
    let result = entry(raw, project).and_then(|entry| {
        if seen.insert(&entry.id) {
            Ok(entry)
        } else {
            Err(RejectReason::DuplicateId)
        }
    });
    match result {
        Ok(entry) => Row::Imported(entry),
        Err(reason) => Row::Rejected(Rejected {
            record,
            line,
            id: (!id.is_empty()).then(|| id.to_owned()),
            reason,
        }),
    }
}

/// One row's fields as text (or parsed coordinates), whatever the format.
struct RawAddress<'a> {
    id: Cow<'a, str>,
    street: Cow<'a, str>,
    house_number: Cow<'a, str>,
    postcode: Cow<'a, str>,
    district: Cow<'a, str>,
    point: RawPoint,
}

impl RawAddress<'_> {
    fn with_decimal_comma(mut self, allowed: bool) -> Self {
        if !allowed {
            for coordinate in [
                &mut self.point.lon,
                &mut self.point.lat,
                &mut self.point.east,
                &mut self.point.north,
            ] {
                if let Coordinate::DecimalComma(_, text) = coordinate {
                    *coordinate = Coordinate::NotNumber(std::mem::take(text));
                }
            }
        }
        self
    }
}

/// WGS84 and UTM 32N ordinates of a row, each maybe missing.
#[derive(Default)]
struct RawPoint {
    lon: Coordinate,
    lat: Coordinate,
    east: Coordinate,
    north: Coordinate,
}

/// One ordinate as read.
#[derive(Default)]
enum Coordinate {
    #[default]
    Missing,
    Number(f64),
    /// A number written with a decimal comma ("55,7009"), allowed in `;`-separated CSV.
    DecimalComma(f64, String),
    NotNumber(String),
}

impl Coordinate {
    fn parse(text: &str) -> Self {
        let text = text.trim();
        if text.is_empty() {
            return Self::Missing;
        }
        if let Ok(number) = text.parse::<f64>() {
            return Self::Number(number);
        }
        if text.bytes().filter(|b| *b == b',').count() == 1
            && !text.contains('.')
            && let Ok(number) = text.replace(',', ".").parse::<f64>()
        {
            return Self::DecimalComma(number, text.to_owned());
        }
        Self::NotNumber(text.to_owned())
    }

    fn from_json(value: Option<&Value>) -> Self {
        match value {
            None | Some(Value::Null) => Self::Missing,
            Some(Value::Number(number)) => number
                .as_f64()
                .map_or_else(|| Self::NotNumber(number.to_string()), Self::Number),
            Some(Value::String(text)) => match Self::parse(text) {
                Self::DecimalComma(..) => Self::NotNumber(text.clone()),
                other => other,
            },
            Some(other) => Self::NotNumber(other.to_string()),
        }
    }

    /// The number, `Ok(None)` when missing, or the rejection for text that is no number.
    fn value(&self) -> Result<Option<f64>, RejectReason> {
        match self {
            Self::Missing => Ok(None),
            Self::Number(number) | Self::DecimalComma(number, _) => Ok(Some(*number)),
            Self::NotNumber(text) => Err(RejectReason::CoordinatesNotNumbers {
                found: text.clone(),
            }),
        }
    }
}

fn on_globe(lon: f64, lat: f64) -> bool {
    lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
}

fn fits_utm(x: f64, y: f64) -> bool {
    (0.0..=1_000_000.0).contains(&x) && (0.0..=10_000_000.0).contains(&y)
}

/// The point of a row: WGS84 when both are filled, else ETRS89 / UTM 32N converted.
fn point(raw: &RawPoint, project: Utm32ToWgs84) -> Result<Point<f64>, RejectReason> {
    let (lon, lat) = (raw.lon.value()?, raw.lat.value()?);
    if let (Some(lon), Some(lat)) = (lon, lat) {
        return if on_globe(lon, lat) {
            Ok(Point::new(lon, lat))
        } else {
            Err(RejectReason::CoordinatesOffTheGlobe {
                x: lon,
                y: lat,
                epsg: 4326,
            })
        };
    }
    let (Some(east), Some(north)) = (raw.east.value()?, raw.north.value()?) else {
        return Err(RejectReason::CoordinatesMissing);
    };
    let off = || RejectReason::CoordinatesOffTheGlobe {
        x: east,
        y: north,
        epsg: 25832,
    };
    if !(east.is_finite() && north.is_finite() && fits_utm(east, north)) {
        return Err(off());
    }
    match project(east, north) {
        Some((lon, lat)) if on_globe(lon, lat) => Ok(Point::new(lon, lat)),
        _ => Err(off()),
    }
}

/// Reads "12", "12B", "12 b" as a house number 1–999 with at most one letter.
fn house_number(text: &str) -> Option<HouseNumber> {
    let digits_end = text
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, rest) = text.split_at(digits_end);
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    let number: u16 = digits.parse().ok()?;
    if number == 0 {
        return None;
    }
    let mut letters = rest.trim_start().chars();
    match (letters.next(), letters.next()) {
        (None, _) => Some(HouseNumber::new(number)),
        (Some(letter), None) if letter.is_ascii_alphabetic() => {
            Some(HouseNumber::with_letter(number, letter))
        }
        _ => None,
    }
}

fn postcode(text: &str) -> Option<u16> {
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|code| *code >= 1000)
}

/// The entry for a row, or why there is none (duplicates are checked by the caller).
fn entry(raw: &RawAddress<'_>, project: Utm32ToWgs84) -> Result<Entry, RejectReason> {
    let id = raw.id.trim();
    if id.is_empty() {
        return Err(RejectReason::MissingId);
    }
    let street = raw.street.trim();
    if street.is_empty() {
        return Err(RejectReason::MissingStreet);
    }
    let number_text = raw.house_number.trim();
    let number = house_number(number_text).ok_or_else(|| RejectReason::BadHouseNumber {
        found: number_text.to_owned(),
    })?;
    let code_text = raw.postcode.trim();
    let code = postcode(code_text).ok_or_else(|| RejectReason::PostcodeNotFourDigits {
        found: code_text.to_owned(),
    })?;
    let point = point(&raw.point, project)?;
    let district = raw.district.trim();
    let text = if district.is_empty() {
        format!("{street} {number}, {code}")
    } else {
        format!("{street} {number}, {code} {district}")
    };
    Ok(Entry {
        kind: Kind::Address,
        id: id.to_owned(),
        text,
        street: Some(street.to_owned()),
        house_number: Some(number),
        postcode: Some(code),
        district: (!district.is_empty()).then(|| district.to_owned()),
        point,
    })
}

/// Ids already imported. DAR ids are UUIDs, kept as 16 bytes each (≈ 40 MB for the national
/// register instead of ≈ 150 MB as strings); other ids are kept as strings.
#[derive(Default)]
struct SeenIds {
    uuids: HashSet<u128>,
    others: HashSet<Box<str>>,
}

impl SeenIds {
    /// Records `id`; false if it was there already.
    fn insert(&mut self, id: &str) -> bool {
        match uuid(id) {
            Some(bits) => self.uuids.insert(bits),
            None => {
                if self.others.contains(id) {
                    false
                } else {
                    self.others.insert(id.into())
                }
            }
        }
    }
}

/// The 128 bits of a hyphenated UUID ("0a3f5090-…"), case-insensitive.
fn uuid(id: &str) -> Option<u128> {
    let bytes = id.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut bits: u128 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let digit = char::from(b).to_digit(16)?;
        bits = (bits << 4) | u128::from(digit);
    }
    Some(bits)
}

// --- Format detection ---------------------------------------------------------------------

/// Skips a UTF-8 byte-order mark and returns the first byte that is not white space, without
/// consuming it (white space is consumed only when a whole buffer of it comes first).
fn peek_start<R: Read>(input: &mut BufReader<R>) -> Result<u8, DawaError> {
    let buffer = input.fill_buf().map_err(DawaError::Io)?;
    if buffer.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    loop {
        let buffer = input.fill_buf().map_err(DawaError::Io)?;
        if buffer.is_empty() {
            return Err(DawaError::Empty);
        }
        if buffer.starts_with(b"\x1f\x8b") || buffer.starts_with(b"PK\x03\x04") {
            return Err(DawaError::UnknownFormat {
                detail: "a gzip or zip archive; unpack it first".into(),
            });
        }
        if let Some(&first) = buffer.iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(first);
        }
        let n = buffer.len();
        input.consume(n);
    }
}

/// The separator of a header line: the most frequent of `;`, `,` and tab outside quotes.
fn detect_delimiter(header: &[u8]) -> Option<u8> {
    let mut counts = [0_usize; 3];
    let mut quoted = false;
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let (index, count) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, count)| (**count, std::cmp::Reverse(*i)))?;
    (*count > 0).then(|| [b';', b',', b'\t'][index])
}

/// The header line (without the line end), from the start of the buffered input.
fn header_line(buffer: &[u8]) -> &[u8] {
    let start = buffer
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(buffer.len());
    let rest = &buffer[start..];
    let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end])
}

/// Opens the CSV reader: finds the separator from the header line and the columns.
fn open_csv<R: Read>(input: BufReader<R>) -> Result<Source<R>, DawaError> {
    let header = header_line(input.buffer());
    if header.contains(&0) {
        return Err(DawaError::UnknownFormat {
            detail: "binary data, not text".into(),
        });
    }
    let delimiter = detect_delimiter(header).ok_or_else(|| DawaError::UnknownFormat {
        detail: format!(
            "the first line {:?} has no ';', ',' or tab, so it is no CSV header",
            String::from_utf8_lossy(header)
                .chars()
                .take(80)
                .collect::<String>()
        ),
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let headers = reader
        .byte_headers()
        .map_err(|source| DawaError::Csv { line: 1, source })?;
    let columns = Columns::find(headers)?;
    let quoted_line_breaks = line_breaks(headers.as_slice());
    Ok(Source::Csv(Box::new(CsvSource {
        reader,
        delimiter,
        columns,
        record: csv::ByteRecord::new(),
        quoted_line_breaks,
    })))
}

/// The `\n`s in a record's fields (only quoted fields can hold them).
fn line_breaks(fields: &[u8]) -> u64 {
    fields.iter().map(|b| u64::from(*b == b'\n')).sum()
}

/// The positions of the columns the import reads.
struct Columns {
    id: usize,
    street: usize,
    house_number: usize,
    postcode: usize,
    district: Option<usize>,
    lon: Option<usize>,
    lat: Option<usize>,
    east: Option<usize>,
    north: Option<usize>,
}

impl Columns {
    fn find(headers: &csv::ByteRecord) -> Result<Self, DawaError> {
        let mut names = Vec::with_capacity(headers.len());
        for header in headers {
            let name = std::str::from_utf8(header).map_err(|_| DawaError::NotUtf8 { line: 1 })?;
            names.push(name.trim().to_lowercase());
        }
        let find = |name: &str| names.iter().position(|n| n == name);
        let mut missing = Vec::new();
        let mut required = |name: &str| {
            let found = find(name);
            if found.is_none() {
                missing.push(name.to_owned());
            }
            found.unwrap_or(0)
        };
        let (id, street) = (required("id"), required("vejnavn"));
        let (house_number, postcode) = (required("husnr"), required("postnr"));
        let (lon, lat) = (find("wgs84koordinat_længde"), find("wgs84koordinat_bredde"));
        let (east, north) = (find("etrs89koordinat_øst"), find("etrs89koordinat_nord"));
        let wgs84 = lon.is_some() && lat.is_some();
        let utm = east.is_some() && north.is_some();
        if !wgs84 && !utm {
            missing.push(
                "wgs84koordinat_længde and wgs84koordinat_bredde, or etrs89koordinat_øst and \
                 etrs89koordinat_nord"
                    .to_owned(),
            );
        }
        if !missing.is_empty() {
            return Err(DawaError::MissingColumns {
                missing,
                found: names,
            });
        }
        Ok(Self {
            id,
            street,
            house_number,
            postcode,
            district: find("postnrnavn"),
            lon: lon.filter(|_| wgs84),
            lat: lat.filter(|_| wgs84),
            east: east.filter(|_| utm),
            north: north.filter(|_| utm),
        })
    }

    /// The fields of one record, checked to be UTF-8.
    fn raw<'r>(&self, record: &'r csv::ByteRecord, line: u64) -> Result<RawAddress<'r>, DawaError> {
        let text = |column: Option<usize>| -> Result<&'r str, DawaError> {
            match column.and_then(|i| record.get(i)) {
                None => Ok(""),
                Some(bytes) => std::str::from_utf8(bytes).map_err(|_| DawaError::NotUtf8 { line }),
            }
        };
        let coordinate = |column| text(column).map(Coordinate::parse);
        Ok(RawAddress {
            id: Cow::Borrowed(text(Some(self.id))?),
            street: Cow::Borrowed(text(Some(self.street))?),
            house_number: Cow::Borrowed(text(Some(self.house_number))?),
            postcode: Cow::Borrowed(text(Some(self.postcode))?),
            district: Cow::Borrowed(text(self.district)?),
            point: RawPoint {
                lon: coordinate(self.lon)?,
                lat: coordinate(self.lat)?,
                east: coordinate(self.east)?,
                north: coordinate(self.north)?,
            },
        })
    }
}

// --- JSON and GeoJSON ---------------------------------------------------------------------

/// An adgangsadresse object, nested (DAWA's default) or flat (CSV names, `struktur=mini`), or
/// a `GeoJSON` feature's properties. Unknown fields are ignored.
#[derive(Debug, Default, Deserialize)]
struct JsonAddress {
    id: Option<Value>,
    vejnavn: Option<Value>,
    vejstykke: Option<JsonNamed>,
    husnr: Option<Value>,
    postnr: Option<Value>,
    postnrnavn: Option<Value>,
    postnummer: Option<JsonPostcode>,
    adgangspunkt: Option<JsonAccessPoint>,
    #[serde(rename = "wgs84koordinat_længde")]
    lon: Option<Value>,
    #[serde(rename = "wgs84koordinat_bredde")]
    lat: Option<Value>,
    #[serde(rename = "etrs89koordinat_øst")]
    east: Option<Value>,
    #[serde(rename = "etrs89koordinat_nord")]
    north: Option<Value>,
    x: Option<Value>,
    y: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonNamed {
    navn: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonPostcode {
    nr: Option<Value>,
    navn: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonAccessPoint {
    koordinater: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonCollection {
    features: Option<Vec<JsonFeature>>,
    crs: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct JsonFeature {
    id: Option<Value>,
    properties: Option<JsonAddress>,
    geometry: Option<JsonGeometry>,
}

#[derive(Debug, Deserialize)]
struct JsonGeometry {
    coordinates: Option<Value>,
}

/// The CRS of a point array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PointCrs {
    Wgs84,
    Utm32,
    /// Not declared: degrees, unless the values only make sense as UTM metres.
    Guess,
}

impl PointCrs {
    /// From a `GeoJSON` `crs` member (`{"type": "name", "properties": {"name": "EPSG:25832"}}`).
    fn from_geojson(crs: Option<&Value>) -> Self {
        let name = crs
            .and_then(|crs| crs.pointer("/properties/name"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.contains("25832") {
            Self::Utm32
        } else if name.contains("4326") || name.contains("4258") || name.ends_with("CRS84") {
            Self::Wgs84
        } else {
            Self::Guess
        }
    }
}

/// One JSON array element or `GeoJSON` feature.
#[derive(Debug)]
struct JsonRecord {
    address: JsonAddress,
    /// The `GeoJSON` geometry's coordinates.
    geometry: Option<Value>,
    crs: PointCrs,
    feature_id: Option<Value>,
}

/// A JSON scalar as text: strings as they are, numbers written out, null or absent as "".
fn json_text(value: Option<&Value>) -> Cow<'_, str> {
    match value {
        None | Some(Value::Null) => Cow::Borrowed(""),
        Some(Value::String(text)) => Cow::Borrowed(text),
        Some(other) => Cow::Owned(other.to_string()),
    }
}

impl JsonRecord {
    fn raw(&self) -> RawAddress<'_> {
        let a = &self.address;
        let postnummer = a.postnummer.as_ref();
        let mut point = RawPoint {
            lon: Coordinate::from_json(a.lon.as_ref()),
            lat: Coordinate::from_json(a.lat.as_ref()),
            east: Coordinate::from_json(a.east.as_ref()),
            north: Coordinate::from_json(a.north.as_ref()),
        };
        if matches!(
            (&point.lon, &point.lat),
            (Coordinate::Missing, Coordinate::Missing)
        ) {
            let array = self
                .geometry
                .as_ref()
                .or_else(|| a.adgangspunkt.as_ref().and_then(|p| p.koordinater.as_ref()));
            let (x, y) = match array {
                Some(Value::Array(values)) if values.len() >= 2 => (
                    Coordinate::from_json(values.first()),
                    Coordinate::from_json(values.get(1)),
                ),
                None | Some(Value::Null) => (
                    Coordinate::from_json(a.x.as_ref()),
                    Coordinate::from_json(a.y.as_ref()),
                ),
                Some(other) => (
                    Coordinate::NotNumber(other.to_string()),
                    Coordinate::Missing,
                ),
            };
            let utm = match (self.crs, &x, &y) {
                (PointCrs::Utm32, _, _) => true,
                (PointCrs::Guess, Coordinate::Number(x), Coordinate::Number(y)) => {
                    !on_globe(*x, *y) && fits_utm(*x, *y)
                }
                _ => false,
            };
            if utm {
                (point.east, point.north) = (x, y);
            } else {
                (point.lon, point.lat) = (x, y);
            }
        }
        RawAddress {
            id: json_text(a.id.as_ref().or(self.feature_id.as_ref())),
            street: json_text(
                a.vejnavn
                    .as_ref()
                    .or_else(|| a.vejstykke.as_ref().and_then(|v| v.navn.as_ref())),
            ),
            house_number: json_text(a.husnr.as_ref()),
            postcode: json_text(
                a.postnr
                    .as_ref()
                    .or_else(|| postnummer.and_then(|p| p.nr.as_ref())),
            ),
            district: json_text(
                a.postnrnavn
                    .as_ref()
                    .or_else(|| postnummer.and_then(|p| p.navn.as_ref())),
            ),
            point,
        }
    }
}

/// Reads and parses the whole JSON or `GeoJSON` input.
fn read_json<R: Read>(input: &mut BufReader<R>, first: u8) -> Result<Source<R>, DawaError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(DawaError::Io)?;
    let records: Vec<JsonRecord> = if first == b'[' {
        let addresses: Vec<JsonAddress> =
            serde_json::from_slice(&bytes).map_err(DawaError::Json)?;
        addresses
            .into_iter()
            .map(|address| JsonRecord {
                address,
                geometry: None,
                crs: PointCrs::Guess,
                feature_id: None,
            })
            .collect()
    } else {
        let collection: JsonCollection = serde_json::from_slice(&bytes).map_err(DawaError::Json)?;
        let Some(features) = collection.features else {
            return Err(DawaError::UnknownFormat {
                detail: "a JSON object without \"features\", not a GeoJSON FeatureCollection"
                    .into(),
            });
        };
        let crs = PointCrs::from_geojson(collection.crs.as_ref());
        features
            .into_iter()
            .map(|feature| JsonRecord {
                address: feature.properties.unwrap_or_default(),
                geometry: feature.geometry.and_then(|g| g.coordinates),
                crs,
                feature_id: feature.id,
            })
            .collect()
    };
    Ok(Source::Json(records.into_iter()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_numbers_with_and_without_letters_are_read() {
        assert_eq!(house_number("12"), Some(HouseNumber::new(12)));
        assert_eq!(house_number("12B"), Some(HouseNumber::with_letter(12, 'B')));
        assert_eq!(
            house_number("12 b"),
            Some(HouseNumber::with_letter(12, 'B'))
        );
        for bad in ["", "0", "1000", "12-14", "12BC", "B", "12Ø"] {
            assert_eq!(house_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn postcodes_are_four_digits_from_1000() {
        assert_eq!(postcode("2200"), Some(2200));
        for bad in ["", "220", "22000", "0999", "22a0"] {
            assert_eq!(postcode(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_separator_is_the_most_frequent_outside_quotes() {
        assert_eq!(detect_delimiter(b"id;vejnavn;husnr"), Some(b';'));
        assert_eq!(
            detect_delimiter(b"\"id\",\"vej;navn\",\"husnr\""),
            Some(b',')
        );
        assert_eq!(detect_delimiter(b"id\tvejnavn"), Some(b'\t'));
        assert_eq!(detect_delimiter(b"id vejnavn"), None);
    }

    #[test]
    fn uuids_are_read_case_insensitively_and_other_ids_are_not_uuids() {
        let a = uuid("0a3f5090-1111-32b8-e044-0003ba298018");
        assert!(a.is_some());
        assert_eq!(a, uuid("0A3F5090-1111-32B8-E044-0003BA298018"));
        assert_eq!(uuid("0a3f5090111132b8e0440003ba298018xxxx"), None);
        assert_eq!(uuid("kk-1"), None);
        let mut seen = SeenIds::default();
        assert!(seen.insert("kk-1"));
        assert!(!seen.insert("kk-1"));
        assert!(seen.insert("0a3f5090-1111-32b8-e044-0003ba298018"));
        assert!(!seen.insert("0A3F5090-1111-32B8-E044-0003BA298018"));
    }

    #[test]
    fn decimal_commas_are_numbers_only_outside_comma_separated_files() {
        assert!(matches!(
            Coordinate::parse("55,7009"),
            Coordinate::DecimalComma(..)
        ));
        assert!(matches!(
            Coordinate::parse(" 55.7009 "),
            Coordinate::Number(_)
        ));
        assert!(matches!(Coordinate::parse("øst"), Coordinate::NotNumber(_)));
        assert!(matches!(Coordinate::parse(" "), Coordinate::Missing));
    }
}

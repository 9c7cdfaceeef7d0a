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
//!
//! [`Kind::Address`]: crate::index::Kind::Address

mod csv;
mod geojson;
mod json;
mod row;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use crate::index::Entry;

use self::csv::{CsvSource, open_csv};
use self::json::JsonRecord;
use self::row::{SeenIds, finish};

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
        source: ::csv::Error,
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
}

impl<R: Read> Iterator for DawaReader<R> {
    type Item = Result<Row, DawaError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = match &mut self.source {
            Source::Csv(csv) => csv.next_row(&mut self.records, self.project, &mut self.seen),
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

/// Reads and parses the whole JSON or `GeoJSON` input.
fn read_json<R: Read>(input: &mut BufReader<R>, first: u8) -> Result<Source<R>, DawaError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(DawaError::Io)?;
    let records = if first == b'[' {
        json::records(&bytes)?
    } else {
        geojson::records(&bytes)?
    };
    Ok(Source::Json(records.into_iter()))
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

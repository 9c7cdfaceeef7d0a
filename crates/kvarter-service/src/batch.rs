//! The batch CSV of lookups by address (`POST /api/lookup/batch`, `kvarter lookup --batch`): a
//! CSV of addresses in, the same CSV out with the best match, its confidence and point, and the
//! designated area(s) in every designation layer. This module reads and writes the CSV; the
//! answers are [`crate::lookup`]'s (`Service::lookup_batch`).
//!
//! # Input
//! UTF-8 (a byte-order mark is skipped); `;`-separated when the first line has a `;`, else
//! `,`-separated; fields may be quoted. The first line decides the layout:
//! * a header naming an `address` (or `adresse`) column: that column is the address text (when
//!   it is the only column, a line's fields are joined again as below, so commas need no quotes);
//! * a header naming `vejnavn`, `husnr` and `postnr`: the text is `"{vejnavn} {husnr}, {postnr}"`;
//! * any other first line is data: **one address per line**, no header. A line's fields are
//!   joined again with the separator, so `Mjølnerparken 2, 2200 København N` needs no quotes.
//!
//! Other columns of a header are kept as they are. A header naming only some of `vejnavn`,
//! `husnr`, `postnr`, or a row with another number of fields than its header, is a
//! [`BatchError`] naming the line.
//!
//! # Output
//! The input's columns (with the header `address` when there was none), then
//! `matched_address, match, confidence, lon, lat` and one column per designation layer (kind
//! municipal or state designation) named by its layer id: the names of the designated areas
//! containing the point, `;`-joined, empty when outside. A row without a match has these
//! columns empty; so do all rows when the service has no gazetteer. Same separator as the
//! input, `\n` line ends. `match` and `confidence` are as in `/api/lookup?address=` (see
//! [`crate::addresses`]).

use csv::{ReaderBuilder, StringRecord, Terminator, WriterBuilder};

/// The columns added after the input's own, before the designation layers.
pub const ADDED_COLUMNS: [&str; 5] = ["matched_address", "match", "confidence", "lon", "lat"];

/// Why a batch cannot be answered. Every variant but [`BatchError::Write`] is the sender's to
/// fix.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The body has no rows. Send a CSV with one address per line.
    #[error(
        "the CSV has no rows; send one address per line, or a header with address (or vejnavn,husnr,postnr) and rows"
    )]
    Empty,
    /// More data rows than `batch_max_rows`. Split the file.
    #[error("the CSV has more than {max} rows; split it into batches of at most {max}")]
    TooManyRows {
        /// The configured limit.
        max: usize,
    },
    /// The bytes are not UTF-8. Save the file as UTF-8 (Excel: "CSV UTF-8").
    #[error("line {line}: the CSV is not UTF-8; save it as UTF-8 (in Excel: CSV UTF-8)")]
    NotUtf8 {
        /// The 1-based line of the first bad byte.
        line: u64,
    },
    /// The header names some of `vejnavn`, `husnr`, `postnr` but not all.
    #[error(
        "line {line}: the header {found:?} lacks {missing}; name a column address, or all of vejnavn, husnr and postnr"
    )]
    WrongColumns {
        /// The header's line.
        line: u64,
        /// The header as found.
        found: String,
        /// The missing column names.
        missing: String,
    },
    /// A row cannot be read (a stray quote, another number of fields than the header).
    #[error("line {line}: {problem}")]
    Malformed {
        /// The 1-based line.
        line: u64,
        /// What is wrong.
        problem: String,
    },
    /// Writing the answer failed (never for an in-memory answer).
    #[error("cannot write the CSV answer")]
    Write(#[source] csv::Error),
}

/// Where the address text of a row comes from.
#[derive(Clone, Copy)]
enum Layout {
    /// No header: the whole line.
    Lines,
    /// A header of one column (`address`): the whole line too, so unquoted commas are kept.
    Single,
    /// The column at this position.
    Column(usize),
    /// `vejnavn`, `husnr` and `postnr` at these positions.
    Parts([usize; 3]),
}

/// Reads a batch CSV (see the [module docs](self)) of at most `max_rows` data rows, answers
/// each row's address text with `answer`, which gives the values of `columns` (the columns
/// added after the input's own), and writes the answer CSV. `progress(done, total)` is called
/// after every row.
pub fn answer_csv(
    input: &[u8],
    max_rows: usize,
    columns: &[String],
    mut answer: impl FnMut(&str) -> Vec<String>,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<u8>, BatchError> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    if let Err(error) = std::str::from_utf8(input) {
        // The pieces before the bad byte, split at line ends: its 1-based line.
        let line = input[..error.valid_up_to()].split(|&b| b == b'\n').count() as u64;
        return Err(BatchError::NotUtf8 { line });
    }
    let first_line = input.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') {
        b';'
    } else {
        b','
    };

    let mut records: Vec<(u64, StringRecord)> = Vec::new();
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(input);
    for record in reader.records() {
        let record = record.map_err(|error| BatchError::Malformed {
            line: error.position().map_or(0, csv::Position::line),
            problem: error.to_string(),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        records.push((line, record));
        // One more than the limit may be a header.
        if records.len() > max_rows.saturating_add(1) {
            return Err(BatchError::TooManyRows { max: max_rows });
        }
    }
    let Some((header_line, first)) = records.first() else {
        return Err(BatchError::Empty);
    };
    let layout = match layout(*header_line, first)? {
        Layout::Column(_) if first.len() == 1 => Layout::Single,
        layout => layout,
    };
    let (header, rows): (StringRecord, &[(u64, StringRecord)]) = match layout {
        Layout::Lines => (StringRecord::from(vec!["address"]), &records[..]),
        _ => (first.clone(), &records[1..]),
    };
    if rows.len() > max_rows {
        return Err(BatchError::TooManyRows { max: max_rows });
    }

    let mut writer = WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut out_header: Vec<String> = header.iter().map(str::to_owned).collect();
    out_header.extend(columns.iter().cloned());
    writer
        .write_record(&out_header)
        .map_err(BatchError::Write)?;

    let separator = char::from(delimiter).to_string();
    for (done, (line, record)) in rows.iter().enumerate() {
        if !matches!(layout, Layout::Lines | Layout::Single) && record.len() != header.len() {
            return Err(BatchError::Malformed {
                line: *line,
                problem: format!(
                    "the row has {} fields, the header {}",
                    record.len(),
                    header.len()
                ),
            });
        }
        let text = match layout {
            Layout::Lines | Layout::Single => record.iter().collect::<Vec<_>>().join(&separator),
            Layout::Column(column) => record.get(column).unwrap_or_default().to_owned(),
            Layout::Parts([street, number, postcode]) => {
                let field = |i: usize| record.get(i).unwrap_or_default().trim();
                match field(postcode) {
                    "" => format!("{} {}", field(street), field(number)),
                    code => format!("{} {}, {code}", field(street), field(number)),
                }
            }
        };
        let mut out: Vec<String> = match layout {
            Layout::Lines | Layout::Single => vec![text.clone()],
            _ => record.iter().map(str::to_owned).collect(),
        };
        out.extend(answer(&text));
        writer.write_record(&out).map_err(BatchError::Write)?;
        progress(done + 1, rows.len());
    }
    writer
        .into_inner()
        .map_err(|error| BatchError::Write(error.into_error().into()))
}

/// Reads the first record: a header, or data.
fn layout(line: u64, first: &StringRecord) -> Result<Layout, BatchError> {
    let names: Vec<String> = first.iter().map(|f| f.trim().to_lowercase()).collect();
    let position = |name: &str| names.iter().position(|n| n == name);
    if let Some(column) = position("address").or_else(|| position("adresse")) {
        return Ok(Layout::Column(column));
    }
    let parts = ["vejnavn", "husnr", "postnr"].map(position);
    if let [Some(street), Some(number), Some(postcode)] = parts {
        return Ok(Layout::Parts([street, number, postcode]));
    }
    if parts.iter().any(Option::is_some) {
        let missing: Vec<&str> = ["vejnavn", "husnr", "postnr"]
            .into_iter()
            .zip(parts)
            .filter(|(_, found)| found.is_none())
            .map(|(name, _)| name)
            .collect();
        return Err(BatchError::WrongColumns {
            line,
            found: first.iter().collect::<Vec<_>>().join(","),
            missing: missing.join(", "),
        });
    }
    Ok(Layout::Lines)
}

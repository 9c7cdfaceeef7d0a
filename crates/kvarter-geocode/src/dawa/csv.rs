//! The CSV source: the separator and columns from the header line, then one row at a time.

use std::borrow::Cow;
use std::io::{BufReader, Read};

use super::row::{Coordinate, RawAddress, RawPoint, SeenIds, finish};
use super::{DawaError, Row, Source, Utm32ToWgs84};

/// The CSV reader over the input and what it keeps between rows.
pub(super) struct CsvSource<R: Read> {
    reader: csv::Reader<BufReader<R>>,
    pub(super) delimiter: u8,
    columns: Columns,
    record: csv::ByteRecord,
    /// Line breaks inside quoted fields of the rows read so far. The csv reader skips them
    /// when it counts lines (it copies quoted text in bulk), so they are added back here.
    quoted_line_breaks: u64,
}

impl<R: Read> CsvSource<R> {
    /// The next row, or `None` at the end of the input; `records` counts the rows read.
    pub(super) fn next_row(
        &mut self,
        records: &mut u64,
        project: Utm32ToWgs84,
        seen: &mut SeenIds,
    ) -> Option<Result<Row, DawaError>> {
        let Self {
            reader,
            delimiter,
            columns,
            record,
            quoted_line_breaks,
        } = self;
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
                *records += 1;
                let line = csv_line(record.position());
                *quoted_line_breaks += line_breaks(record.as_slice());
                let raw = match columns.raw(record, line) {
                    Ok(raw) => raw,
                    Err(error) => return Some(Err(error)),
                };
                let raw = raw.with_decimal_comma(*delimiter != b',');
                Some(Ok(finish(&raw, *records, Some(line), project, seen)))
            }
        }
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
pub(super) fn open_csv<R: Read>(input: BufReader<R>) -> Result<Source<R>, DawaError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! A Shapefile's attribute table, the dBase `.dbf`: one record per shape, each field a typed
//! JSON value, text decoded by `encoding_rs` in the encoding the `.cpg` names (Windows-1252
//! without one).
//!
//! The table is decoded here rather than by the `dbase` crate the `shapefile` crate brings along,
//! for two reasons: `dbase` skips deleted records, which would pair every later record with the
//! wrong shape, and it reads every numeric field as an `f64` without saying how many decimals
//! the field has, so whole numbers (codes, counts, large ids) could not stay integers. The format
//! is a fixed-width table behind a small header, so reading it by hand is short and strict.

use encoding_rs::Encoding;
use serde_json::{Map, Number, Value};

use super::read::{Format, ReadError};

/// A record's attributes, or `None` for a record marked deleted (its shape is skipped too).
pub(super) type Record = Option<Map<String, Value>>;

/// The encoding a `.cpg` names: `UTF-8`, a Windows code page (`1252`, `CP1252`,
/// `Windows-1252`, `ANSI 1252`), `ISO-8859-1`/`Latin-1`, `ISO-8859-15`, or any WHATWG label.
/// `None` when the name is not one `encoding_rs` decodes.
pub(super) fn encoding_for_cpg(cpg: &str) -> Option<&'static Encoding> {
    let name = cpg.trim().trim_start_matches('\u{feff}').trim();
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    let key = key
        .strip_prefix("WINDOWS")
        .or_else(|| key.strip_prefix("ANSI"))
        .or_else(|| key.strip_prefix("CP"))
        .unwrap_or(&key);
    let key = key.strip_prefix("ISO").unwrap_or(key);
    match key {
        "UTF8" | "65001" => Some(encoding_rs::UTF_8),
        // ISO-8859-1 is decoded as its superset Windows-1252, as the WHATWG encoding standard does.
        "1252" | "88591" | "LATIN1" => Some(encoding_rs::WINDOWS_1252),
        "885915" | "LATIN9" => Some(encoding_rs::ISO_8859_15),
        "1250" => Some(encoding_rs::WINDOWS_1250),
        "1251" => Some(encoding_rs::WINDOWS_1251),
        "1253" => Some(encoding_rs::WINDOWS_1253),
        "1254" => Some(encoding_rs::WINDOWS_1254),
        "1257" => Some(encoding_rs::WINDOWS_1257),
        _ => Encoding::for_label(name.as_bytes()),
    }
}

/// One column of the table.
struct Field {
    name: String,
    kind: u8,
    /// Where its bytes start in a record (after the deletion flag).
    offset: usize,
    length: usize,
    decimals: u8,
}

/// Decodes a whole `.dbf` held in `bytes`: one [`Record`] per record in file order. `origin` is
/// the Shapefile the table belongs to, for messages.
pub(super) fn decode(
    bytes: &[u8],
    encoding: &'static Encoding,
    origin: &str,
) -> Result<Vec<Record>, ReadError> {
    let invalid = |reason: String| ReadError::format(origin, Format::Shapefile, reason);
    let Some(header) = bytes.get(..32) else {
        return Err(invalid(format!(
            "its .dbf has {} bytes, less than a dBase header",
            bytes.len()
        )));
    };
    let count = usize::try_from(u32::from_le_bytes([
        header[4], header[5], header[6], header[7],
    ]))
    .map_err(|_| invalid("its .dbf claims more records than this machine can address".into()))?;
    let header_len = usize::from(u16::from_le_bytes([header[8], header[9]]));
    let record_len = usize::from(u16::from_le_bytes([header[10], header[11]]));
    let fields = fields(bytes, header_len, record_len, encoding).map_err(invalid)?;

    let mut records = Vec::new();
    for index in 0..count {
        let record = index
            .checked_mul(record_len)
            .and_then(|at| at.checked_add(header_len))
            .and_then(|start| bytes.get(start..start.checked_add(record_len)?))
            .ok_or_else(|| {
                invalid(format!(
                    "its .dbf is truncated: the header promises {count} records, the file holds {index}"
                ))
            })?;
        if record[0] == b'*' {
            records.push(None);
            continue;
        }
        let mut properties = Map::with_capacity(fields.len());
        for field in &fields {
            let raw = &record[field.offset..field.offset + field.length];
            let value = value(field, raw, encoding).map_err(|reason| ReadError::Feature {
                origin: origin.to_owned(),
                index,
                reason: format!("field {}: {reason}", field.name),
            })?;
            properties.insert(field.name.clone(), value);
        }
        records.push(Some(properties));
    }
    Ok(records)
}

/// The field descriptors between the 32-byte header and the `0x0D` terminator, checked against
/// the header's record length.
fn fields(
    bytes: &[u8],
    header_len: usize,
    record_len: usize,
    encoding: &'static Encoding,
) -> Result<Vec<Field>, String> {
    let mut fields: Vec<Field> = Vec::new();
    let mut offset = 1; // the deletion flag
    let mut at = 32;
    loop {
        match bytes.get(at) {
            Some(0x0D) => break,
            Some(_) if at + 32 <= header_len => {}
            _ => return Err("its .dbf field list is not terminated within its header".into()),
        }
        let Some(descriptor) = bytes.get(at..at + 32) else {
            return Err("its .dbf ends inside its field list".into());
        };
        let name_bytes = &descriptor[..11];
        let name_end = name_bytes.iter().position(|&b| b == 0).unwrap_or(11);
        let (name, _, _) = encoding.decode(&name_bytes[..name_end]);
        let mut name = name.trim().to_owned();
        if name.is_empty() {
            name = format!("field_{}", fields.len() + 1);
        }
        // Keep every column even if a careless writer repeated a name.
        if fields.iter().any(|f| f.name == name) {
            let mut n = 2;
            while fields.iter().any(|f| f.name == format!("{name}_{n}")) {
                n += 1;
            }
            name = format!("{name}_{n}");
        }
        let length = usize::from(descriptor[16]);
        fields.push(Field {
            name,
            kind: descriptor[11].to_ascii_uppercase(),
            offset,
            length,
            decimals: descriptor[17],
        });
        offset += length;
        at += 32;
    }
    if offset > record_len {
        return Err(format!(
            "its .dbf fields need {offset} bytes per record, the header says records have {record_len}"
        ));
    }
    if header_len < at + 1 {
        return Err("its .dbf header is shorter than its field list".into());
    }
    Ok(fields)
}

/// One field's value as JSON.
fn value(field: &Field, raw: &[u8], encoding: &'static Encoding) -> Result<Value, String> {
    Ok(match field.kind {
        b'N' | b'F' => number(ascii(raw)?, field.kind == b'N' && field.decimals == 0)?,
        b'L' => match raw.first() {
            Some(b'T' | b't' | b'Y' | b'y') => Value::Bool(true),
            Some(b'F' | b'f' | b'N' | b'n') => Value::Bool(false),
            _ => Value::Null,
        },
        b'D' => date(ascii(raw)?)?,
        b'I' | b'+' if raw.len() == 4 => {
            Value::from(i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
        }
        b'O' | b'B' if raw.len() == 8 => float(f64::from_le_bytes(eight(raw))),
        b'Y' if raw.len() == 8 => float(i64::from_le_bytes(eight(raw)) as f64 / 10_000.0),
        b'T' | b'@' if raw.len() == 8 => date_time(raw),
        // Memo, general and picture fields point into a .dbt Shapefiles do not carry.
        b'M' | b'G' | b'P' | b'B' => Value::Null,
        // Character fields, and any other type as the text it holds.
        _ => {
            let text = trim_end(raw);
            if text.is_empty() {
                Value::Null
            } else {
                Value::String(encoding.decode_without_bom_handling(text).0.into_owned())
            }
        }
    })
}

/// `raw` without trailing spaces and NULs (the padding of fixed-width fields).
fn trim_end(raw: &[u8]) -> &[u8] {
    let end = raw
        .iter()
        .rposition(|&b| b != b' ' && b != 0)
        .map_or(0, |at| at + 1);
    &raw[..end]
}

/// A numeric or date field's text, without padding.
fn ascii(raw: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(raw)
        .map(|text| text.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\0'))
        .map_err(|_| "holds bytes that are not digits".to_owned())
}

/// A numeric field: empty or `*`-filled (overflowed) is null, whole numbers in a field without
/// decimals are integers, everything else a float.
fn number(text: &str, integer_field: bool) -> Result<Value, String> {
    if text.is_empty() || text.bytes().all(|b| b == b'*') {
        return Ok(Value::Null);
    }
    if integer_field && let Ok(n) = text.parse::<i64>() {
        return Ok(Value::from(n));
    }
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    match text.parse::<f64>() {
        Ok(n) if plain && n.is_finite() => Ok(float(n)),
        _ => Err(format!("{text:?} is not a number")),
    }
}

fn float(n: f64) -> Value {
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

fn eight(raw: &[u8]) -> [u8; 8] {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&raw[..8]);
    bytes
}

/// A `YYYYMMDD` date as `YYYY-MM-DD`; blank or all zeros is null.
fn date(text: &str) -> Result<Value, String> {
    if text.is_empty() || text.bytes().all(|b| b == b'0') {
        return Ok(Value::Null);
    }
    let valid = text.len() == 8
        && text.bytes().all(|b| b.is_ascii_digit())
        && matches!(text[4..6].parse::<u8>(), Ok(1..=12))
        && matches!(text[6..8].parse::<u8>(), Ok(1..=31));
    if valid {
        Ok(Value::String(format!(
            "{}-{}-{}",
            &text[..4],
            &text[4..6],
            &text[6..8]
        )))
    } else {
        Err(format!("{text:?} is not a YYYYMMDD date"))
    }
}

/// A Visual FoxPro date-time (Julian day number, milliseconds since midnight) as
/// `YYYY-MM-DDTHH:MM:SS`; zero is null.
fn date_time(raw: &[u8]) -> Value {
    let day = i64::from(i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]));
    let millis = i64::from(i32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]));
    if day <= 0 {
        return Value::Null;
    }
    // Julian day number to the proleptic Gregorian calendar (Richards' algorithm).
    let shifted = day + 1401 + (((4 * day + 274_277) / 146_097) * 3) / 4 - 38;
    let cycle = 4 * shifted + 3;
    let in_year = 5 * ((cycle % 1461) / 4) + 2;
    let day_of_month = (in_year % 153) / 5 + 1;
    let month = (in_year / 153 + 2) % 12 + 1;
    let year = cycle / 1461 - 4716 + (14 - month) / 12;
    let seconds = millis.clamp(0, 86_399_999) / 1000;
    Value::String(format!(
        "{year:04}-{month:02}-{day_of_month:02}T{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A dBase III table with the given (name, type, length, decimals) fields and records.
    fn table(fields: &[(&str, u8, u8, u8)], records: &[(&[u8], bool)]) -> Vec<u8> {
        let record_len: usize = 1 + fields.iter().map(|f| usize::from(f.2)).sum::<usize>();
        let header_len = 32 + 32 * fields.len() + 1;
        let mut out = vec![0x03, 124, 1, 1];
        out.extend(u32::try_from(records.len()).unwrap().to_le_bytes());
        out.extend(u16::try_from(header_len).unwrap().to_le_bytes());
        out.extend(u16::try_from(record_len).unwrap().to_le_bytes());
        out.resize(32, 0);
        for (name, kind, length, decimals) in fields {
            let mut descriptor = [0_u8; 32];
            descriptor[..name.len()].copy_from_slice(name.as_bytes());
            descriptor[11] = *kind;
            descriptor[16] = *length;
            descriptor[17] = *decimals;
            out.extend(descriptor);
        }
        out.push(0x0D);
        for (data, deleted) in records {
            out.push(if *deleted { b'*' } else { b' ' });
            assert_eq!(data.len() + 1, record_len);
            out.extend(*data);
        }
        out.push(0x1A);
        out
    }

    const FIELDS: &[(&str, u8, u8, u8)] = &[
        ("NAVN", b'C', 10, 0),
        ("KODE", b'C', 4, 0),
        ("ANTAL", b'N', 10, 0),
        ("AREAL", b'N', 12, 3),
        ("AKTIV", b'L', 1, 0),
        ("DATO", b'D', 8, 0),
    ];

    #[test]
    fn fields_keep_their_natural_json_types() {
        let full = [
            &b"N\xf8rrebro  "[..],
            b"0101",
            b"      4217",
            b"      12.500",
            b"T",
            b"20190301",
        ]
        .concat();
        let blank = [
            &b"          "[..],
            b"0000",
            b"          ",
            b"************",
            b"?",
            b"        ",
        ]
        .concat();
        let bytes = table(FIELDS, &[(&full, false), (&blank, false)]);
        let records = decode(&bytes, encoding_rs::WINDOWS_1252, "t.shp").unwrap();
        assert_eq!(
            Value::Object(records[0].clone().unwrap()),
            json!({"NAVN": "Nørrebro", "KODE": "0101", "ANTAL": 4217, "AREAL": 12.5,
                   "AKTIV": true, "DATO": "2019-03-01"})
        );
        assert_eq!(
            Value::Object(records[1].clone().unwrap()),
            json!({"NAVN": null, "KODE": "0000", "ANTAL": null, "AREAL": null,
                   "AKTIV": null, "DATO": null})
        );
    }

    #[test]
    fn a_deleted_record_keeps_its_place_so_later_records_stay_with_their_shapes() {
        let fields = &[("N", b'N', 3, 0)];
        let bytes = table(fields, &[(b"  1", false), (b"  2", true), (b"  3", false)]);
        let records = decode(&bytes, encoding_rs::UTF_8, "t.shp").unwrap();
        assert_eq!(records.len(), 3);
        assert!(records[1].is_none());
        assert_eq!(records[2].as_ref().unwrap()["N"], json!(3));
    }

    #[test]
    fn a_truncated_or_damaged_table_is_a_format_error_never_a_panic() {
        let row = [
            &b"Valby     "[..],
            b"0101",
            b"      4217",
            b"      12.500",
            b"T",
            b"20190301",
        ]
        .concat();
        let bytes = table(FIELDS, &[(&row, false)]);
        for len in 0..bytes.len() - 2 {
            let result = decode(&bytes[..len], encoding_rs::UTF_8, "t.shp");
            assert!(
                matches!(result, Err(ReadError::Format { .. })),
                "{len}: {result:?}"
            );
        }
        let mut bad = bytes.clone();
        bad[10] = 5; // a record length shorter than the fields
        assert!(matches!(
            decode(&bad, encoding_rs::UTF_8, "t.shp"),
            Err(ReadError::Format { .. })
        ));
        let mut bad = bytes;
        let at = bad.len() - 25;
        bad[at] = b'x'; // a letter in ANTAL's number
        let error = decode(&bad, encoding_rs::UTF_8, "t.shp").unwrap_err();
        assert!(error.to_string().contains("ANTAL"), "{error}");
    }

    #[test]
    fn cpg_names_map_to_encodings() {
        for name in ["UTF-8", "utf8", "65001\r\n"] {
            assert_eq!(encoding_for_cpg(name), Some(encoding_rs::UTF_8), "{name}");
        }
        for name in [
            "1252",
            "CP1252",
            "Windows-1252",
            "ANSI 1252",
            "ISO-8859-1",
            "88591",
            "latin1",
        ] {
            assert_eq!(
                encoding_for_cpg(name),
                Some(encoding_rs::WINDOWS_1252),
                "{name}"
            );
        }
        assert_eq!(
            encoding_for_cpg("ISO 8859-15"),
            Some(encoding_rs::ISO_8859_15)
        );
        assert_eq!(encoding_for_cpg("klingon"), None);
    }

    #[test]
    fn foxpro_date_times_are_iso_strings() {
        // Julian day 2458544 is 2019-03-01.
        let mut raw = 2_458_544_i32.to_le_bytes().to_vec();
        raw.extend((13 * 3_600_000 + 5 * 60_000 + 7_000_i32).to_le_bytes());
        assert_eq!(date_time(&raw), json!("2019-03-01T13:05:07"));
    }
}

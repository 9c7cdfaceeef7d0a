//! CSV with a WKT geometry column: rows read by the `csv` crate (`,` or `;`, sniffed from the
//! header line), geometries parsed by the `wkt` crate.
//!
//! The geometry column is [`ReadOptions::wkt_column`] or the first of `wkt`, `geometry`,
//! `wkb_geometry`, `the_geom`, `geom` (ASCII case ignored); an `FID` column becomes the native
//! id. Other cells are numbers only when the whole cell is one (so codes like `0101` stay text),
//! empty cells are null. A file that is not UTF-8 is read as Windows-1252. CSV declares no CRS:
//! the importer asks for `--crs`.

use std::path::Path;
use std::str::FromStr;

use geo::Geometry;
use serde_json::{Map, Number, Value};
use wkt::TryFromWkt;

use super::read::{Declared, Format, RawFile, ReadError, ReadOptions};
use crate::source::SourceFeature;

/// Header names taken as the geometry column, in order of preference.
const WKT_COLUMNS: [&str; 5] = ["wkt", "geometry", "wkb_geometry", "the_geom", "geom"];

/// How deeply a WKT may nest parentheses (a multipolygon needs 3, inside a collection 4); deeper
/// nesting is refused before parsing so a hostile cell cannot exhaust the stack.
const MAX_WKT_DEPTH: usize = 16;

/// Reads the CSV at `path`.
pub(crate) fn read(path: &Path, options: &ReadOptions) -> Result<RawFile, ReadError> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(e.as_bytes())
            .0
            .into_owned(),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let features = parse(text, options, &origin)?;
    Ok(RawFile {
        origin,
        format: Format::CsvWkt,
        crs: Declared::Missing,
        features,
    })
}

fn parse(text: &str, options: &ReadOptions, origin: &str) -> Result<Vec<SourceFeature>, ReadError> {
    let invalid = |reason: String| ReadError::format(origin, Format::CsvWkt, reason);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| invalid(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let geometry_at =
        geometry_column(&headers, options.wkt_column.as_deref()).ok_or_else(|| {
            let wanted = options.wkt_column.as_ref().map_or_else(
                || format!("any of {}", WKT_COLUMNS.join(", ")),
                |name| format!("{name:?}"),
            );
            invalid(format!(
                "it has no WKT column ({wanted}); its columns are {}; name one with --wkt-column",
                headers
                    .iter()
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let fid_at = headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("fid"))
        .filter(|&at| at != geometry_at);

    let mut features = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| invalid(e.to_string()))?;
        let geometry = geometry(record.get(geometry_at).unwrap_or_default()).map_err(|reason| {
            ReadError::Feature {
                origin: origin.to_owned(),
                index,
                reason: format!("column {:?}: {reason}", headers[geometry_at]),
            }
        })?;
        let native_id = fid_at
            .and_then(|at| record.get(at))
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        let mut properties = Map::with_capacity(headers.len());
        for (at, (header, cell)) in headers.iter().zip(record.iter()).enumerate() {
            if at != geometry_at && Some(at) != fid_at {
                properties.insert(header.clone(), value(cell));
            }
        }
        features.push(SourceFeature {
            index,
            native_id,
            properties,
            geometry,
            unclosed_rings: 0,
        });
    }
    Ok(features)
}

/// `;` when the header line has more semicolons than commas (outside quotes), else `,`.
fn delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0_usize, 0_usize, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// The geometry column's position: the one named (exactly, else ASCII case ignored), or the
/// first well-known WKT column name.
fn geometry_column(headers: &[String], named: Option<&str>) -> Option<usize> {
    let find = |name: &str| {
        headers.iter().position(|h| h == name).or_else(|| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        })
    };
    match named {
        Some(name) => find(name),
        None => WKT_COLUMNS.iter().find_map(|name| find(name)),
    }
}

/// A WKT cell as a geometry; empty cells and `… EMPTY` are `None`. Z and M are dropped.
fn geometry(cell: &str) -> Result<Option<Geometry<f64>>, String> {
    let wkt = cell.trim();
    if wkt.is_empty() || (!wkt.contains('(') && wkt.to_ascii_uppercase().ends_with("EMPTY")) {
        return Ok(None);
    }
    let mut depth = 0_usize;
    for c in wkt.bytes() {
        match c {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_WKT_DEPTH {
            return Err(format!(
                "the WKT nests more than {MAX_WKT_DEPTH} levels deep"
            ));
        }
    }
    Geometry::<f64>::try_from_wkt_str(wkt)
        .map(Some)
        .map_err(|e| format!("not valid WKT: {e}"))
}

/// A cell as JSON: null when empty, a number when the whole cell is a plain integer or decimal
/// (no leading zeros, no `+`, no `inf`/`NaN`), text otherwise.
fn value(cell: &str) -> Value {
    if cell.is_empty() {
        return Value::Null;
    }
    match number_kind(cell) {
        Some(Kind::Integer) => i64::from_str(cell).map_or_else(|_| text(cell), Value::from),
        Some(Kind::Float) => f64::from_str(cell)
            .ok()
            .and_then(Number::from_f64)
            .map_or_else(|| text(cell), Value::Number),
        None => text(cell),
    }
}

fn text(cell: &str) -> Value {
    Value::String(cell.to_owned())
}

enum Kind {
    Integer,
    Float,
}

/// Whether `cell` is `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, and which kind.
fn number_kind(cell: &str) -> Option<Kind> {
    let bytes = cell.as_bytes();
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let whole = digits(at);
    if whole == 0 || (whole > 1 && bytes[at] == b'0') {
        return None;
    }
    at += whole;
    let mut kind = Kind::Integer;
    if bytes.get(at) == Some(&b'.') {
        let fraction = digits(at + 1);
        if fraction == 0 {
            return None;
        }
        at += 1 + fraction;
        kind = Kind::Float;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent == 0 {
            return None;
        }
        at += exponent;
        kind = Kind::Float;
    }
    (at == bytes.len()).then_some(kind)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::fixtures;
    use super::*;
    use geo::{BoundingRect, Coord};
    use serde_json::json;

    const SHARED_CSV: &str = "/work/shared/geodata-sources/kk-udsatte-byomraader-2017/\
                              f_udsatte_byomraader_snapshot2019_epsg25832_wkt.csv";

    fn parse_str(text: &str) -> Result<Vec<SourceFeature>, ReadError> {
        parse(text, &ReadOptions::default(), "test.csv")
    }

    #[test]
    fn the_copenhagen_deprived_areas_csv_reads() {
        let path = Path::new(SHARED_CSV);
        if !path.exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{SHARED_CSV} is required under CI"
            );
            eprintln!("skipped: {SHARED_CSV} is not on this machine");
            return;
        }
        let file = read(path, &ReadOptions::default()).unwrap();
        assert_eq!(file.crs, Declared::Missing);
        assert_eq!(file.features.len(), 17);
        let first = &file.features[0];
        assert_eq!(first.native_id.as_deref(), Some("f_udsatte_byomraader.1"));
        assert_eq!(first.properties["delomraade"], json!("Tingbjerg/Husum"));
        assert_eq!(first.properties["id"], json!(1));
        assert_eq!(first.properties["m2"], json!(2_220_902));
        assert!(!first.properties.contains_key("wkb_geometry"));
        let Some(Geometry::MultiPolygon(multi)) = &first.geometry else {
            panic!("{:?}", first.geometry);
        };
        let start = multi.0[0].exterior().0[0];
        assert!((start.x - 717_206.0).abs() < 1.0 && (start.y - 6_179_973.0).abs() < 1.0);
        let all: Vec<&str> = file
            .features
            .iter()
            .map(|f| f.properties["delomraade"].as_str().unwrap())
            .collect();
        assert!(all.iter().any(|n| n.contains('ø')), "{all:?}");
    }

    #[test]
    fn an_ogr_wkt_csv_reads_with_danish_names() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("udsatte.csv");
        let Some(()) = fixtures::ogr2ogr(&[
            "-f",
            "CSV",
            "-lco",
            "GEOMETRY=AS_WKT",
            "-t_srs",
            "EPSG:25832",
            out.to_str().unwrap(),
            fixtures::UDSATTE_FGB,
        ]) else {
            return;
        };
        let file = read(&out, &ReadOptions::default()).unwrap();
        assert_eq!(file.features.len(), 17);
        let names: Vec<&str> = file
            .features
            .iter()
            .map(|f| f.properties["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Indre Nørrebro"), "{names:?}");
        assert!(file.features.iter().all(|f| f.native_id.is_some()));
        let rect = file.features[0]
            .geometry
            .as_ref()
            .unwrap()
            .bounding_rect()
            .unwrap();
        assert!(rect.min().x > 700_000.0, "{rect:?}");
    }

    #[test]
    fn numbers_are_numbers_only_when_the_whole_cell_is_one() {
        let features =
            parse_str("WKT;kode;n;x;e;tekst;tom\n\"POINT (1 2)\";0101;42;-3.5;1e3;12 m;\n")
                .unwrap();
        assert_eq!(
            Value::Object(features[0].properties.clone()),
            json!({"kode": "0101", "n": 42, "x": -3.5, "e": 1000.0, "tekst": "12 m", "tom": null})
        );
        assert_eq!(
            features[0].geometry,
            Some(Geometry::Point(geo::Point::new(1.0, 2.0)))
        );
        for text in ["0", "-0", "7", "0.5", "-2.5e-3"] {
            assert!(!value(text).is_string(), "{text}");
        }
        // An integer too large for i64 stays text rather than losing digits.
        for text in [
            "00",
            "+1",
            "1.",
            ".5",
            "inf",
            "NaN",
            "1e",
            "1,5",
            " 1",
            "12345678901234567890",
        ] {
            assert!(value(text).is_string(), "{text}");
        }
    }

    #[test]
    fn a_csv_without_a_wkt_column_names_its_columns() {
        let error = parse_str("id,navn,x\n1,Valby,2\n").unwrap_err();
        assert!(matches!(error, ReadError::Format { .. }));
        let message = error.to_string();
        assert!(message.contains("\"navn\""), "{message}");
        // Naming the column finds it.
        let options = ReadOptions {
            wkt_column: Some("Form".into()),
            ..ReadOptions::default()
        };
        let features = parse("id,form\n1,POINT(1 2)\n", &options, "t.csv").unwrap();
        assert!(features[0].geometry.is_some());
    }

    #[test]
    fn empty_geometries_are_none_and_bad_wkt_names_the_row() {
        let features =
            parse_str("id,Geom\n1,\n2,POINT EMPTY\n3,\"POLYGON Z ((0 0 1,1 0 1,1 1 1,0 0 1))\"\n")
                .unwrap();
        assert_eq!(features[0].geometry, None);
        assert_eq!(features[1].geometry, None);
        let Some(Geometry::Polygon(polygon)) = &features[2].geometry else {
            panic!("{:?}", features[2].geometry);
        };
        assert_eq!(polygon.exterior().0[1], Coord { x: 1.0, y: 0.0 });

        let error = parse_str("id,wkt\n1,POINT(1 2)\n2,\"POLYGON((0 0, 1\"\n").unwrap_err();
        assert!(
            matches!(error, ReadError::Feature { index: 1, .. }),
            "{error:?}"
        );
        let deep = format!("wkt\n\"{}\"\n", "GEOMETRYCOLLECTION(".repeat(10_000));
        assert!(matches!(parse_str(&deep), Err(ReadError::Feature { .. })));
    }

    #[test]
    fn a_windows_1252_csv_keeps_its_danish_letters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin.csv");
        std::fs::write(&path, b"wkt;navn\nPOINT(1 2);N\xf8rrebro\n").unwrap();
        let file = read(&path, &ReadOptions::default()).unwrap();
        assert_eq!(file.features[0].properties["navn"], json!("Nørrebro"));
    }

    #[test]
    fn ragged_rows_are_format_errors() {
        assert!(matches!(
            parse_str("wkt,a\nPOINT(1 2),1,2\n"),
            Err(ReadError::Format { .. })
        ));
    }
}

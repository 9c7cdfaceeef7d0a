//! GeoPackages: one feature table read through `rusqlite` (SQLite bundled, the file opened
//! read-only), its geometry blobs decoded by [`super::wkb`], its CRS from
//! `gpkg_spatial_ref_sys`.
//!
//! The table is the one [`ReadOptions::table`] names, or the first feature table in
//! `gpkg_contents` (insertion order, the layer QGIS and ogr list first). Its integer primary key
//! (`fid`) becomes the feature's native id, every other column but the geometry a property:
//! integers, reals and text as they are, `BOOLEAN` columns as true/false, blobs as hex.

use std::fmt::Write as _;
use std::path::Path;

use kvarter_crs::Crs;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::{Map, Number, Value};

use super::read::{Declared, Format, RawFile, ReadError, ReadOptions, declared_from_wkt};
use super::wkb;
use crate::source::SourceFeature;

/// Reads a feature table of the GeoPackage at `path`.
pub(crate) fn read(path: &Path, options: &ReadOptions) -> Result<RawFile, ReadError> {
    let origin = path.display().to_string();
    std::fs::metadata(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let invalid = |reason: String| ReadError::format(&origin, Format::GeoPackage, reason);
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| invalid(format!("SQLite cannot open it: {e}")))?;

    let tables = feature_tables(&db)
        .map_err(|e| invalid(format!("cannot list its feature tables ({e})")))?;
    let table = match &options.table {
        Some(wanted) => tables
            .iter()
            .find(|t| *t == wanted)
            .or_else(|| tables.iter().find(|t| t.eq_ignore_ascii_case(wanted)))
            .ok_or_else(|| {
                invalid(format!(
                    "it has no feature table {wanted:?}; its feature tables are {}",
                    list(&tables)
                ))
            })?,
        None => tables
            .first()
            .ok_or_else(|| invalid("it holds no feature tables".into()))?,
    };

    let (geometry_column, srs_id) = db
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns \
             WHERE table_name = ?1 COLLATE NOCASE",
            [table],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
        )
        .optional()
        .map_err(|e| invalid(format!("cannot read gpkg_geometry_columns ({e})")))?
        .ok_or_else(|| {
            invalid(format!(
                "gpkg_geometry_columns names no geometry column for {table:?}"
            ))
        })?;
    let crs = declared(&db, srs_id)
        .map_err(|e| invalid(format!("cannot read gpkg_spatial_ref_sys ({e})")))?;
    let columns = columns(&db, table)
        .map_err(|e| invalid(format!("cannot read the columns of {table:?} ({e})")))?;

    // The primary key (if it is one column), the geometry, then every other column.
    let keys: Vec<&Column> = columns.iter().filter(|c| c.primary_key).collect();
    let key = match keys.as_slice() {
        [key] => Some(*key),
        _ => None,
    };
    let properties: Vec<&Column> = columns
        .iter()
        .filter(|c| {
            !c.name.eq_ignore_ascii_case(&geometry_column)
                && key.is_none_or(|key| key.name != c.name)
        })
        .collect();
    let mut sql = format!("SELECT {}", quote(&geometry_column));
    for column in key.iter().chain(&properties) {
        let _ = write!(sql, ", {}", quote(&column.name));
    }
    let _ = write!(sql, " FROM {}", quote(table));
    if let Some(key) = key {
        let _ = write!(sql, " ORDER BY {}", quote(&key.name));
    }

    let features =
        features(&db, &sql, key.is_some(), &properties, &origin).map_err(
            |failure| match failure {
                Failure::Sql(e) => invalid(format!("cannot read the table {table:?} ({e})")),
                Failure::Feature(error) => error,
            },
        )?;
    Ok(RawFile {
        origin,
        format: Format::GeoPackage,
        crs,
        features,
    })
}

/// The feature tables in `gpkg_contents`, in insertion order.
fn feature_tables(db: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = db.prepare(
        "SELECT table_name FROM gpkg_contents WHERE lower(data_type) = 'features' ORDER BY rowid",
    )?;
    statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect()
}

fn list(tables: &[String]) -> String {
    if tables.is_empty() {
        return "none".into();
    }
    tables
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The CRS an `srs_id` stands for: an EPSG code Kvarter knows, else the WKT definition's; the
/// undefined systems (-1, 0) and ids the table lacks are [`Declared::Missing`].
fn declared(db: &Connection, srs_id: i64) -> rusqlite::Result<Declared> {
    if srs_id == -1 || srs_id == 0 {
        return Ok(Declared::Missing);
    }
    let row = db
        .query_row(
            "SELECT organization, organization_coordsys_id, definition, srs_name \
             FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |row| {
                Ok((
                    row.get::<_, Option<String>>(0)?,
                    row.get::<_, Option<i64>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((organization, code, definition, name)) = row else {
        return Ok(Declared::Missing);
    };
    if let (Some(organization), Some(code)) = (organization, code)
        && organization.eq_ignore_ascii_case("EPSG")
    {
        let crs = u32::try_from(code).ok().and_then(Crs::from_epsg);
        return Ok(crs.map_or_else(
            || Declared::Unsupported(format!("EPSG:{code} ({})", name.unwrap_or_default())),
            Declared::Crs,
        ));
    }
    Ok(match definition {
        Some(wkt) if !wkt.trim().eq_ignore_ascii_case("undefined") => declared_from_wkt(&wkt),
        _ => Declared::Missing,
    })
}

/// A column of the feature table.
struct Column {
    name: String,
    /// The declared type, upper-cased (`BOOLEAN`, `DATE`, `TEXT(20)`, …).
    kind: String,
    primary_key: bool,
}

fn columns(db: &Connection, table: &str) -> rusqlite::Result<Vec<Column>> {
    let mut statement = db.prepare("SELECT name, type, pk FROM pragma_table_info(?1)")?;
    statement
        .query_map([table], |row| {
            Ok(Column {
                name: row.get(0)?,
                kind: row
                    .get::<_, Option<String>>(1)?
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
                primary_key: row.get::<_, i64>(2)? > 0,
            })
        })?
        .collect()
}

/// An SQL identifier in double quotes, inner quotes doubled.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Why reading the rows stopped.
enum Failure {
    Sql(rusqlite::Error),
    Feature(ReadError),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

/// The rows of `sql`: the geometry, the key if `keyed`, then `properties`.
fn features(
    db: &Connection,
    sql: &str,
    keyed: bool,
    properties: &[&Column],
    origin: &str,
) -> Result<Vec<SourceFeature>, Failure> {
    let mut statement = db.prepare(sql)?;
    let mut rows = statement.query([])?;
    let mut features = Vec::new();
    while let Some(row) = rows.next()? {
        let index = features.len();
        let feature_error = |reason: String| {
            Failure::Feature(ReadError::Feature {
                origin: origin.to_owned(),
                index,
                reason,
            })
        };
        let geometry = match row.get_ref(0)? {
            ValueRef::Null => None,
            ValueRef::Blob(blob) => wkb::decode_gpkg(blob).map_err(feature_error)?,
            other => {
                return Err(feature_error(format!(
                    "its geometry is {:?}, not a GeoPackage geometry blob",
                    other.data_type()
                )));
            }
        };
        let first_property = if keyed { 2 } else { 1 };
        let native_id = if keyed {
            match row.get_ref(1)? {
                ValueRef::Null => None,
                ValueRef::Integer(n) => Some(n.to_string()),
                value => Some(text(value)),
            }
        } else {
            None
        };
        let mut map = Map::with_capacity(properties.len());
        for (at, column) in properties.iter().enumerate() {
            map.insert(
                column.name.clone(),
                json(row.get_ref(first_property + at)?, column),
            );
        }
        features.push(SourceFeature {
            index,
            native_id,
            properties: map,
            geometry,
            unclosed_rings: 0,
        });
    }
    Ok(features)
}

/// A cell as JSON by its stored type; integers in a `BOOLEAN` column are true/false.
fn json(value: ValueRef<'_>, column: &Column) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) if column.kind == "BOOLEAN" => Value::Bool(n != 0),
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(x) => Number::from_f64(x).map_or(Value::Null, Value::Number),
        ValueRef::Text(_) | ValueRef::Blob(_) => Value::String(text(value)),
    }
}

/// Text (invalid UTF-8 replaced) or a blob as lower-case hex.
fn text(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        ValueRef::Blob(bytes) => bytes.iter().fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        }),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Null => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::fixtures;
    use super::*;
    use geo::{BoundingRect, Geometry};
    use serde_json::json;

    fn gpkg(dir: &Path, extra: &[&str]) -> Option<std::path::PathBuf> {
        let out = dir.join("udsatte.gpkg");
        let mut args = vec!["-f", "GPKG"];
        args.extend(extra);
        args.extend([out.to_str()?, fixtures::UDSATTE_FGB]);
        fixtures::ogr2ogr(&args)?;
        Some(out)
    }

    #[test]
    fn an_ogr_geopackage_reads_with_its_crs_ids_and_danish_names() {
        let dir = tempfile::tempdir().unwrap();
        let Some(path) = gpkg(dir.path(), &["-t_srs", "EPSG:25832"]) else {
            return;
        };
        let file = read(&path, &ReadOptions::default()).unwrap();
        assert_eq!(file.format, Format::GeoPackage);
        assert_eq!(file.crs, Declared::Crs(Crs::Utm32));
        assert_eq!(file.features.len(), 17);
        let first = &file.features[0];
        assert_eq!(first.native_id.as_deref(), Some("1"));
        assert!(first.properties["m2"].is_i64(), "{:?}", first.properties);
        assert!(first.properties["area_m2"].is_f64());
        let names: Vec<&str> = file
            .features
            .iter()
            .map(|f| f.properties["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Indre Nørrebro"), "{names:?}");
        for feature in &file.features {
            let geometry = feature.geometry.as_ref().unwrap();
            assert!(matches!(
                geometry,
                Geometry::MultiPolygon(_) | Geometry::Polygon(_)
            ));
            let rect = geometry.bounding_rect().unwrap();
            assert!(rect.min().x > 700_000.0 && rect.max().y < 6_200_000.0);
        }
    }

    #[test]
    fn a_named_table_is_read_and_an_unknown_one_lists_the_tables() {
        let dir = tempfile::tempdir().unwrap();
        let Some(path) = gpkg(dir.path(), &["-nln", "first"]) else {
            return;
        };
        let path_str = path.to_str().unwrap();
        fixtures::ogr2ogr(&[
            "-update",
            "-nln",
            "second",
            "-where",
            "m2 > 1000000",
            path_str,
            fixtures::UDSATTE_FGB,
        ])
        .unwrap();
        let first = read(&path, &ReadOptions::default()).unwrap();
        assert_eq!(first.features.len(), 17);
        assert_eq!(first.crs, Declared::Crs(Crs::Wgs84));
        let options = ReadOptions {
            table: Some("second".into()),
            ..ReadOptions::default()
        };
        let second = read(&path, &options).unwrap();
        assert!(!second.features.is_empty() && second.features.len() < 17);
        let options = ReadOptions {
            table: Some("third".into()),
            ..ReadOptions::default()
        };
        let error = read(&path, &options).unwrap_err().to_string();
        assert!(
            error.contains("\"first\", \"second\""),
            "the error lists the tables: {error}"
        );
    }

    #[test]
    fn garbage_empty_and_plain_sqlite_files_are_format_errors() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.gpkg");
        std::fs::write(&garbage, [0x5a_u8; 4096]).unwrap();
        let empty = dir.path().join("empty.gpkg");
        std::fs::write(&empty, b"").unwrap();
        let plain = dir.path().join("plain.gpkg");
        Connection::open(&plain)
            .unwrap()
            .execute_batch("CREATE TABLE t (a INTEGER);")
            .unwrap();
        for path in [&garbage, &empty, &plain] {
            let result = read(path, &ReadOptions::default());
            assert!(
                matches!(result, Err(ReadError::Format { .. })),
                "{}: {result:?}",
                path.display()
            );
        }
        assert!(matches!(
            read(&dir.path().join("absent.gpkg"), &ReadOptions::default()),
            Err(ReadError::Io { .. })
        ));
    }

    /// A GeoPackage made by hand: a table whose name needs quoting, a BOOLEAN, a NULL geometry,
    /// an empty geometry, a CRS by WKT only.
    #[test]
    fn a_hand_made_geopackage_with_a_quoted_table_name_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hand.gpkg");
        let db = Connection::open(&path).unwrap();
        db.execute_batch(
            r#"
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY,
                organization TEXT, organization_coordsys_id INTEGER, definition TEXT);
            INSERT INTO gpkg_spatial_ref_sys VALUES ('custom', 99, 'NONE', 99,
                'PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989"]]');
            CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT);
            INSERT INTO gpkg_contents VALUES ('zones "a"; DROP TABLE x', 'features');
            CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, srs_id INTEGER);
            INSERT INTO gpkg_geometry_columns VALUES ('zones "a"; DROP TABLE x', 'shape', 99);
            CREATE TABLE "zones ""a""; DROP TABLE x" (fid INTEGER PRIMARY KEY, shape BLOB,
                code TEXT, active BOOLEAN, share REAL);
            "#,
        )
        .unwrap();
        let mut point = b"GP\x00\x01".to_vec();
        point.extend(99_i32.to_le_bytes());
        point.push(1);
        point.extend(1_u32.to_le_bytes());
        point.extend(717_206.0_f64.to_le_bytes());
        point.extend(6_179_973.0_f64.to_le_bytes());
        let empty = b"GP\x00\x11\x63\x00\x00\x00".to_vec();
        let mut insert = db
            .prepare(r#"INSERT INTO "zones ""a""; DROP TABLE x" VALUES (?1, ?2, ?3, ?4, ?5)"#)
            .unwrap();
        insert
            .execute(rusqlite::params![7, point, "0101", 1, 0.25])
            .unwrap();
        insert
            .execute(rusqlite::params![
                3,
                None::<Vec<u8>>,
                None::<String>,
                0,
                None::<f64>
            ])
            .unwrap();
        insert
            .execute(rusqlite::params![9, empty, "x", None::<i64>, 1.5])
            .unwrap();
        drop(insert);
        drop(db);

        let file = read(&path, &ReadOptions::default()).unwrap();
        assert_eq!(file.crs, Declared::Crs(Crs::Utm32));
        let ids: Vec<_> = file
            .features
            .iter()
            .map(|f| f.native_id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["3", "7", "9"]);
        assert_eq!(file.features[0].geometry, None);
        assert_eq!(file.features[2].geometry, None);
        assert_eq!(
            file.features[1].geometry,
            Some(Geometry::Point(geo::Point::new(717_206.0, 6_179_973.0)))
        );
        assert_eq!(
            Value::Object(file.features[1].properties.clone()),
            json!({"code": "0101", "active": true, "share": 0.25})
        );
        assert_eq!(
            Value::Object(file.features[0].properties.clone()),
            json!({"code": null, "active": false, "share": null})
        );
    }
}

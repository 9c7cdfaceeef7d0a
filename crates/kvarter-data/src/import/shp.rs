//! Shapefiles: the shapes of the `.shp` (found through its `.shx`) read by the `shapefile`
//! crate, the attributes of the `.dbf` by [`super::dbf`] in the encoding the `.cpg` names
//! (Windows-1252 without one, as Danish Shapefiles mostly are), and the CRS the `.prj` names.
//!
//! Companion files are found beside the `.shp` whatever the case of their extension. Polygon
//! rings are sorted as the Shapefile specification orders them — outer rings clockwise, holes
//! counter-clockwise — and each hole goes to the smallest outer ring that contains it; a hole no
//! outer ring contains becomes a polygon of its own (as GDAL reads it). Z and M values are
//! dropped; a Null shape is a feature without a geometry.

use std::ffi::OsStr;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use geo::{
    Area, BoundingRect, Coord, CoordinatePosition, Geometry, LineString, MultiLineString,
    MultiPoint, MultiPolygon, Point, Polygon, coordinate_position::CoordPos,
};
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape, ShapeReader};

use super::dbf;
use super::read::{Declared, Format, RawFile, ReadError, ReadOptions, declared_from_wkt};
use crate::source::SourceFeature;

/// Reads the Shapefile at `path` (the `.shp`; the `.shx` and `.dbf` beside it).
pub(crate) fn read(path: &Path, _options: &ReadOptions) -> Result<RawFile, ReadError> {
    read_as(path, &path.display().to_string(), Format::Shapefile)
}

/// Reads the Shapefile at `path`, naming it `origin` in messages and `format` in the result (a
/// zipped Shapefile is read from where it was unpacked).
pub(super) fn read_as(path: &Path, origin: &str, format: Format) -> Result<RawFile, ReadError> {
    let shx_path = companion(path, "shx")?.ok_or_else(|| missing(path, origin, "shx"))?;
    let dbf_path = companion(path, "dbf")?.ok_or_else(|| missing(path, origin, "dbf"))?;

    let encoding = match companion(path, "cpg")? {
        Some(cpg_path) => {
            let cpg = read_text(&cpg_path)?;
            dbf::encoding_for_cpg(&cpg).ok_or_else(|| {
                ReadError::format(
                    origin,
                    Format::Shapefile,
                    format!(
                        "its .cpg names the encoding {:?}, which Kvarter cannot decode; \
                         convert the .dbf to UTF-8 and write UTF-8 in the .cpg",
                        cpg.trim()
                    ),
                )
            })?
        }
        None => encoding_rs::WINDOWS_1252,
    };
    let crs = match companion(path, "prj")? {
        Some(prj_path) => declared_from_wkt(&read_text(&prj_path)?),
        None => Declared::Missing,
    };

    let invalid = |reason: String| ReadError::format(origin, Format::Shapefile, reason);
    let shapes_file = std::fs::read(path).map_err(|source| io(path, source))?;
    let index_file = std::fs::read(&shx_path).map_err(|source| io(&shx_path, source))?;
    check_counts(&shapes_file, &index_file).map_err(invalid)?;
    let mut reader = ShapeReader::with_shx(Cursor::new(&shapes_file), Cursor::new(&index_file))
        .map_err(|e| invalid(format!("cannot read its header or .shx: {e}")))?;
    let shapes = reader
        .iter_shapes()
        .enumerate()
        .map(|(index, shape)| shape.map_err(|e| invalid(format!("shape #{index}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;

    let dbf_bytes = std::fs::read(&dbf_path).map_err(|source| io(&dbf_path, source))?;
    let records = dbf::decode(&dbf_bytes, encoding, origin)?;
    if records.len() != shapes.len() {
        return Err(invalid(format!(
            "its .shp holds {} shapes but its .dbf {} records",
            shapes.len(),
            records.len()
        )));
    }

    let mut features = Vec::with_capacity(shapes.len());
    for (index, (shape, record)) in shapes.into_iter().zip(records).enumerate() {
        let Some(properties) = record else {
            continue; // deleted in the .dbf
        };
        let geometry = geometry(shape).map_err(|reason| ReadError::Feature {
            origin: origin.to_owned(),
            index,
            reason,
        })?;
        features.push(SourceFeature {
            index,
            native_id: None,
            properties,
            geometry,
            unclosed_rings: 0,
        });
    }
    Ok(RawFile {
        origin: origin.to_owned(),
        format,
        crs,
        features,
    })
}

/// Checks that every record the `.shp` holds — walked from its first record, and at each offset
/// its `.shx` lists — lies inside the file, and that the part and point counts of each shape fit
/// in its record. The `shapefile` crate reserves memory for the counts a record states before
/// it reads the points; a damaged or hostile file stating a billion points would make it ask
/// for gigabytes (found by fuzzing: `scripts/fuzz shapefile`). After this check a shape's
/// memory is bounded by its record's size.
fn check_counts(shp: &[u8], shx: &[u8]) -> Result<(), String> {
    const HEADER: usize = 100;
    let be = |bytes: &[u8], at: usize| -> Option<i64> {
        Some(i64::from(i32::from_be_bytes(
            bytes.get(at..at + 4)?.try_into().ok()?,
        )))
    };
    let mut offsets = Vec::new();
    let mut at = HEADER;
    while at + 8 <= shp.len() {
        offsets.push(at);
        let words = be(shp, at + 4).ok_or("a record header is cut off")?;
        let length =
            usize::try_from(words.max(0) * 2).map_err(|_| "a record length is not a size")?;
        at = at.saturating_add(8).saturating_add(length);
    }
    for entry in shx.get(HEADER..).unwrap_or_default().chunks_exact(8) {
        let words = be(entry, 0).ok_or("an .shx entry is cut off")?;
        let at = usize::try_from(words * 2)
            .map_err(|_| format!("the .shx gives a negative record offset ({words})"))?;
        offsets.push(at);
    }
    for at in offsets {
        let words = be(shp, at + 4)
            .ok_or_else(|| format!("the record at byte {at} lies past the end of the .shp"))?;
        let length = usize::try_from(words * 2)
            .map_err(|_| format!("the record at byte {at} has a negative length"))?;
        let content = shp.get(at + 8..at + 8 + length).ok_or_else(|| {
            format!("the record at byte {at} runs past the end of the .shp (it is cut off)")
        })?;
        check_shape(content).map_err(|reason| format!("the record at byte {at}: {reason}"))?;
    }
    Ok(())
}

/// Checks that a shape record's stated part and point counts fit in its bytes.
fn check_shape(content: &[u8]) -> Result<(), String> {
    let le = |at: usize| -> Option<i64> {
        Some(i64::from(i32::from_le_bytes(
            content.get(at..at + 4)?.try_into().ok()?,
        )))
    };
    let Some(kind) = le(0) else {
        return if content.is_empty() {
            Ok(())
        } else {
            Err("its shape type is cut off".into())
        };
    };
    // (offset of the first count, bytes before the arrays, bytes per part, whether it has parts)
    let (counts, fixed, per_part, parts) = match kind {
        3 | 5 | 13 | 15 | 23 | 25 => (36, 44, 4, true),
        31 => (36, 44, 8, true), // multipatch: part starts and part types
        8 | 18 | 28 => (36, 40, 0, false),
        _ => return Ok(()), // null and point shapes have fixed sizes
    };
    let (part_count, point_count) = if parts {
        (le(counts), le(counts + 4))
    } else {
        (Some(0), le(counts))
    };
    let (Some(part_count), Some(point_count)) = (part_count, point_count) else {
        return Err("its counts are cut off".into());
    };
    if part_count < 0 || point_count < 0 {
        return Err(format!(
            "it states {part_count} parts and {point_count} points"
        ));
    }
    let needed = fixed + per_part * part_count + 16 * point_count;
    if needed > i64::try_from(content.len()).unwrap_or(i64::MAX) {
        return Err(format!(
            "it states {part_count} parts and {point_count} points, which need {needed} bytes, but the record has {}",
            content.len()
        ));
    }
    Ok(())
}

/// The file beside `path` with the same stem and the extension `ext` in any case.
fn companion(path: &Path, ext: &str) -> Result<Option<PathBuf>, ReadError> {
    for candidate in [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()] {
        let beside = path.with_extension(candidate);
        if beside.is_file() {
            return Ok(Some(beside));
        }
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let entries = std::fs::read_dir(dir).map_err(|source| io(dir, source))?;
    let stem = path.file_stem();
    Ok(entries.flatten().map(|entry| entry.path()).find(|found| {
        found.file_stem() == stem
            && found
                .extension()
                .and_then(OsStr::to_str)
                .is_some_and(|found_ext| found_ext.eq_ignore_ascii_case(ext))
            && found.is_file()
    }))
}

fn missing(path: &Path, origin: &str, ext: &str) -> ReadError {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    ReadError::Missing {
        origin: origin.to_owned(),
        missing: format!("{stem}.{ext}"),
    }
}

fn io(path: &Path, source: std::io::Error) -> ReadError {
    ReadError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A small text companion (`.prj`, `.cpg`); not UTF-8 is read as Windows-1252.
fn read_text(path: &Path) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| io(path, source))?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(e.as_bytes())
            .0
            .into_owned(),
    })
}

/// A shape as a geo geometry in the file's coordinates, without Z and M.
fn geometry(shape: Shape) -> Result<Option<Geometry<f64>>, String> {
    Ok(match shape {
        Shape::NullShape => None,
        Shape::Point(p) => Some(point(&p)),
        Shape::PointM(p) => Some(point(&p)),
        Shape::PointZ(p) => Some(point(&p)),
        Shape::Polyline(l) => lines(l.parts()),
        Shape::PolylineM(l) => lines(l.parts()),
        Shape::PolylineZ(l) => lines(l.parts()),
        Shape::Polygon(p) => polygons(p.into_inner()),
        Shape::PolygonM(p) => polygons(p.into_inner()),
        Shape::PolygonZ(p) => polygons(p.into_inner()),
        Shape::Multipoint(m) => points(m.points()),
        Shape::MultipointM(m) => points(m.points()),
        Shape::MultipointZ(m) => points(m.points()),
        Shape::Multipatch(_) => {
            return Err(
                "a Multipatch (3D surface) shape; Kvarter reads points, lines and polygons".into(),
            );
        }
    })
}

fn coord<P: HasXY>(p: &P) -> Coord<f64> {
    Coord { x: p.x(), y: p.y() }
}

fn point<P: HasXY>(p: &P) -> Geometry<f64> {
    Geometry::Point(Point(coord(p)))
}

fn points<P: HasXY>(points: &[P]) -> Option<Geometry<f64>> {
    (!points.is_empty())
        .then(|| Geometry::MultiPoint(MultiPoint(points.iter().map(|p| coord(p).into()).collect())))
}

fn ring<P: HasXY>(points: &[P]) -> LineString<f64> {
    points.iter().map(coord).collect()
}

fn lines<P: HasXY>(parts: &[Vec<P>]) -> Option<Geometry<f64>> {
    let lines: Vec<LineString<f64>> = parts
        .iter()
        .filter(|part| !part.is_empty())
        .map(|part| ring(part))
        .collect();
    (!lines.is_empty()).then_some(Geometry::MultiLineString(MultiLineString(lines)))
}

/// Outer rings become polygons; each hole goes to the smallest outer ring containing it.
fn polygons<P: HasXY>(rings: Vec<PolygonRing<P>>) -> Option<Geometry<f64>> {
    let mut shells: Vec<Polygon<f64>> = Vec::new();
    let mut holes = Vec::new();
    for part in rings {
        match part {
            PolygonRing::Outer(points) if !points.is_empty() => {
                shells.push(Polygon::new(ring(&points), Vec::new()));
            }
            PolygonRing::Inner(points) if !points.is_empty() => holes.push(ring(&points)),
            PolygonRing::Outer(_) | PolygonRing::Inner(_) => {}
        }
    }
    let areas: Vec<f64> = shells.iter().map(Area::unsigned_area).collect();
    let mut interiors: Vec<Vec<LineString<f64>>> = vec![Vec::new(); shells.len()];
    let mut orphans = Vec::new();
    for hole in holes {
        let host = shells
            .iter()
            .enumerate()
            .filter(|(_, shell)| encloses(shell, &hole))
            .min_by(|(a, _), (b, _)| areas[*a].total_cmp(&areas[*b]))
            .map(|(at, _)| at);
        match host {
            Some(at) => interiors[at].push(hole),
            None => orphans.push(Polygon::new(hole, Vec::new())),
        }
    }
    let mut polygons: Vec<Polygon<f64>> = shells
        .into_iter()
        .zip(interiors)
        .map(|(shell, holes)| Polygon::new(shell.into_inner().0, holes))
        .collect();
    polygons.extend(orphans);
    match polygons.len() {
        0 => None,
        1 => polygons.pop().map(Geometry::Polygon),
        _ => Some(Geometry::MultiPolygon(MultiPolygon(polygons))),
    }
}

/// Whether the hole lies inside `shell` (a polygon without holes): its bounding box inside the
/// shell's, and its first vertex not on the shell's boundary inside it.
fn encloses(shell: &Polygon<f64>, hole: &LineString<f64>) -> bool {
    let (Some(outer), Some(inner)) = (shell.bounding_rect(), hole.bounding_rect()) else {
        return false;
    };
    let within = outer.min().x <= inner.min().x
        && outer.min().y <= inner.min().y
        && inner.max().x <= outer.max().x
        && inner.max().y <= outer.max().y;
    if !within {
        return false;
    }
    hole.coords()
        .map(|c| shell.coordinate_position(c))
        .find(|position| *position != CoordPos::OnBoundary)
        .is_none_or(|position| position == CoordPos::Inside)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::fixtures;
    use super::*;
    use kvarter_crs::Crs;

    fn options() -> ReadOptions {
        ReadOptions::default()
    }

    /// The 17 areas of udsatte-byomraader-2017.fgb as a Shapefile in EPSG:25832, with a .cpg
    /// naming Windows-1252; `None` when ogr2ogr is missing (outside CI).
    fn cp1252_shapefile(dir: &Path) -> Option<PathBuf> {
        let out = dir.join("udsatte.shp");
        fixtures::ogr2ogr(&[
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "EPSG:25832",
            "-lco",
            "ENCODING=CP1252",
            out.to_str()?,
            fixtures::UDSATTE_FGB,
        ])?;
        Some(out)
    }

    fn name_of(file: &RawFile, index: usize) -> &str {
        file.features[index].properties["name"].as_str().unwrap()
    }

    #[test]
    fn a_cp1252_shapefile_reads_with_its_danish_letters_and_crs() {
        let dir = tempfile::tempdir().unwrap();
        let Some(shp) = cp1252_shapefile(dir.path()) else {
            return;
        };
        let cpg = std::fs::read_to_string(shp.with_extension("cpg")).unwrap();
        assert!(cpg.contains("1252"), "{cpg}");
        let file = read(&shp, &options()).unwrap();
        assert_eq!(file.format, Format::Shapefile);
        assert_eq!(file.crs, Declared::Crs(Crs::Utm32));
        assert_eq!(file.features.len(), 17);
        let names: Vec<&str> = (0..17).map(|i| name_of(&file, i)).collect();
        assert!(names.contains(&"Indre Nørrebro"), "{names:?}");
        assert!(names.iter().all(|n| !n.contains('\u{fffd}')), "{names:?}");
        // Integers stay integers, reals stay reals.
        let first = &file.features[0].properties;
        assert!(first["m2"].is_i64(), "{first:?}");
        assert!(first["area_m2"].is_f64(), "{first:?}");
        for feature in &file.features {
            let Some(Geometry::Polygon(_) | Geometry::MultiPolygon(_)) = &feature.geometry else {
                panic!("feature {} is not a polygon", feature.index);
            };
            let rect = feature.geometry.as_ref().unwrap().bounding_rect().unwrap();
            assert!(
                rect.min().x > 700_000.0 && rect.max().y < 6_200_000.0,
                "{rect:?}"
            );
        }
    }

    #[test]
    fn without_a_cpg_the_dbf_is_read_as_windows_1252() {
        let dir = tempfile::tempdir().unwrap();
        let Some(shp) = cp1252_shapefile(dir.path()) else {
            return;
        };
        std::fs::remove_file(shp.with_extension("cpg")).unwrap();
        let file = read(&shp, &options()).unwrap();
        let names: Vec<&str> = (0..17).map(|i| name_of(&file, i)).collect();
        assert!(names.contains(&"Indre Nørrebro"), "{names:?}");
    }

    #[test]
    fn companions_are_found_whatever_the_case_of_their_extension() {
        let dir = tempfile::tempdir().unwrap();
        let Some(shp) = cp1252_shapefile(dir.path()) else {
            return;
        };
        for ext in ["shx", "dbf", "prj", "cpg"] {
            std::fs::rename(
                shp.with_extension(ext),
                shp.with_extension(ext.to_ascii_uppercase()),
            )
            .unwrap();
        }
        let upper = dir.path().join("udsatte.Shp");
        std::fs::rename(&shp, &upper).unwrap();
        let file = read(&upper, &options()).unwrap();
        assert_eq!(file.features.len(), 17);
        assert_eq!(file.crs, Declared::Crs(Crs::Utm32));
    }

    #[test]
    fn a_missing_shx_or_dbf_is_named() {
        for ext in ["shx", "dbf"] {
            let dir = tempfile::tempdir().unwrap();
            let Some(shp) = cp1252_shapefile(dir.path()) else {
                return;
            };
            std::fs::remove_file(shp.with_extension(ext)).unwrap();
            match read(&shp, &options()) {
                Err(ReadError::Missing { missing, .. }) => {
                    assert_eq!(missing, format!("udsatte.{ext}"));
                }
                other => panic!("{ext}: {other:?}"),
            }
        }
    }

    #[test]
    fn without_a_prj_the_crs_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let Some(shp) = cp1252_shapefile(dir.path()) else {
            return;
        };
        std::fs::remove_file(shp.with_extension("prj")).unwrap();
        assert_eq!(read(&shp, &options()).unwrap().crs, Declared::Missing);
    }

    #[test]
    fn a_truncated_shp_is_a_format_error_at_every_length() {
        let dir = tempfile::tempdir().unwrap();
        let Some(shp) = cp1252_shapefile(dir.path()) else {
            return;
        };
        let full = std::fs::read(&shp).unwrap();
        let mut lengths = vec![
            0,
            1,
            20,
            99,
            100,
            101,
            108,
            150,
            full.len() / 2,
            full.len() - 1,
        ];
        lengths.extend((0..full.len()).step_by(997));
        for len in lengths {
            std::fs::write(&shp, &full[..len]).unwrap();
            let result = read(&shp, &options());
            assert!(
                matches!(result, Err(ReadError::Format { .. })),
                "{len} of {} bytes: {result:?}",
                full.len()
            );
        }
    }

    #[test]
    fn garbage_in_the_shp_is_an_error_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let Some(shp) = cp1252_shapefile(dir.path()) else {
            return;
        };
        let full = std::fs::read(&shp).unwrap();
        // Overwrite words throughout the file (headers, counts, part indices) with hostile values.
        for (n, at) in (0..full.len() - 4).step_by(251).enumerate() {
            let mut damaged = full.clone();
            let word: [u8; 4] = match n % 4 {
                0 => [0xFF; 4],
                1 => [0x7F, 0xFF, 0xFF, 0xFF],
                2 => [0; 4],
                _ => [0x80, 0, 0, 0],
            };
            damaged[at..at + 4].copy_from_slice(&word);
            std::fs::write(&shp, &damaged).unwrap();
            let _ = read(&shp, &options());
        }
        std::fs::write(&shp, b"this is not a shapefile at all, just words").unwrap();
        assert!(matches!(
            read(&shp, &options()),
            Err(ReadError::Format { .. })
        ));
    }

    fn xy(points: &[(f64, f64)]) -> Vec<shapefile::Point> {
        points
            .iter()
            .map(|&(x, y)| shapefile::Point::new(x, y))
            .collect()
    }

    #[test]
    fn holes_go_to_the_outer_ring_that_contains_them() {
        // Two squares side by side (clockwise) and a hole (counter-clockwise) in the second.
        let left = xy(&[(0., 0.), (0., 10.), (10., 10.), (10., 0.), (0., 0.)]);
        let right = xy(&[(20., 0.), (20., 10.), (30., 10.), (30., 0.), (20., 0.)]);
        let hole = xy(&[(22., 2.), (28., 2.), (28., 8.), (22., 8.), (22., 2.)]);
        let rings = vec![
            PolygonRing::Outer(left),
            PolygonRing::Inner(hole),
            PolygonRing::Outer(right),
        ];
        let Some(Geometry::MultiPolygon(multi)) = polygons(rings) else {
            panic!("expected a MultiPolygon");
        };
        assert_eq!(multi.0.len(), 2);
        assert!(multi.0[0].interiors().is_empty());
        assert_eq!(multi.0[1].interiors().len(), 1);
        assert!((multi.unsigned_area() - 164.0).abs() < 1e-9);
    }

    #[test]
    fn a_hole_inside_an_island_inside_a_hole_goes_to_the_island() {
        let big = xy(&[(0., 0.), (0., 100.), (100., 100.), (100., 0.), (0., 0.)]);
        let big_hole = xy(&[(10., 10.), (90., 10.), (90., 90.), (10., 90.), (10., 10.)]);
        let island = xy(&[(20., 20.), (20., 80.), (80., 80.), (80., 20.), (20., 20.)]);
        let island_hole = xy(&[(40., 40.), (60., 40.), (60., 60.), (40., 60.), (40., 40.)]);
        let rings = vec![
            PolygonRing::Outer(big),
            PolygonRing::Outer(island),
            PolygonRing::Inner(island_hole),
            PolygonRing::Inner(big_hole),
        ];
        let Some(Geometry::MultiPolygon(multi)) = polygons(rings) else {
            panic!("expected a MultiPolygon");
        };
        assert_eq!(multi.0[0].interiors()[0].0[0], Coord { x: 10., y: 10. });
        assert_eq!(multi.0[1].interiors()[0].0[0], Coord { x: 40., y: 40. });
    }

    #[test]
    fn null_shapes_points_and_lines_read() {
        assert_eq!(geometry(Shape::NullShape), Ok(None));
        assert_eq!(
            geometry(Shape::PointZ(shapefile::PointZ::new(1., 2., 3., 4.))),
            Ok(Some(Geometry::Point(Point::new(1., 2.))))
        );
        let line = shapefile::Polyline::new(xy(&[(0., 0.), (1., 1.)]));
        assert!(matches!(
            geometry(Shape::Polyline(line)),
            Ok(Some(Geometry::MultiLineString(_)))
        ));
        let cloud = shapefile::Multipoint::new(xy(&[(0., 0.), (1., 1.)]));
        assert!(matches!(
            geometry(Shape::Multipoint(cloud)),
            Ok(Some(Geometry::MultiPoint(m))) if m.0.len() == 2
        ));
    }
}

//! Reading a layer's source, whatever its format, into one shape: the features with their
//! properties and geometries *as the file has them* (in the file's CRS), and the CRS the file
//! declares. Converting to lon/lat, checking the coordinates fall in Denmark and repairing the
//! geometries is the importer's next step ([`super::prepare`]), the same for every format.
//!
//! Each format is read by a well-kept crate: `geojson` (GeoJSON), `flatgeobuf` (FlatGeobuf),
//! `shapefile` (Shapefile; its `.dbf` decoded by hand, text by `encoding_rs` from the `.cpg`),
//! `zip` (a zipped Shapefile), `rusqlite` (GeoPackage; the geometry blobs decoded by hand with
//! every count checked), `csv` + `wkt` (CSV with a WKT column) and `ureq` (a WFS, paged).

use std::path::{Path, PathBuf};

use kvarter_crs::Crs;

use crate::source::SourceFeature;

/// A source read: its features in the file's own coordinates, and the CRS the file declares.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFile {
    /// Where it was read from (a path or URL), for messages.
    pub origin: String,
    /// The format it was read as.
    pub format: Format,
    /// The CRS the file declares.
    pub crs: Declared,
    /// Its features in file order; `geometry` in the declared CRS.
    pub features: Vec<SourceFeature>,
}

/// The CRS a file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// A CRS Kvarter reads.
    Crs(Crs),
    /// A CRS Kvarter does not read, as the file names it (an EPSG code, a `.prj`'s name).
    Unsupported(String),
    /// The file says nothing. GeoJSON then means lon/lat (RFC 7946); other formats need `--crs`.
    Missing,
}

/// The formats a layer can be imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// GeoJSON (`.geojson`, `.json`), RFC 7946 or with the legacy `crs` member.
    GeoJson,
    /// FlatGeobuf (`.fgb`).
    FlatGeobuf,
    /// A Shapefile (`.shp` beside `.shx`, `.dbf`, and optionally `.prj` and `.cpg`).
    Shapefile,
    /// A zipped Shapefile (`.zip` holding one `.shp` with its companions).
    ShapefileZip,
    /// A GeoPackage (`.gpkg`): the first feature table or a named one.
    GeoPackage,
    /// CSV with a WKT geometry column (`.csv`).
    CsvWkt,
    /// A WFS `GetFeature` URL answering GeoJSON, paged with `count`/`startIndex`.
    Wfs,
    /// A table or view in the layer store's database, read on each load (`kvarter store
    /// attach`).
    PostgisTable,
}

impl Format {
    /// The format's name in messages and the history.
    pub fn name(self) -> &'static str {
        match self {
            Self::GeoJson => "GeoJSON",
            Self::FlatGeobuf => "FlatGeobuf",
            Self::Shapefile => "Shapefile",
            Self::ShapefileZip => "zipped Shapefile",
            Self::GeoPackage => "GeoPackage",
            Self::CsvWkt => "CSV with WKT",
            Self::Wfs => "WFS (GeoJSON)",
            Self::PostgisTable => "PostGIS table",
        }
    }

    /// The format a path's extension names (ASCII case ignored); `None` for anything else.
    pub fn from_extension(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "geojson" | "json" => Self::GeoJson,
            "fgb" => Self::FlatGeobuf,
            "shp" => Self::Shapefile,
            "zip" => Self::ShapefileZip,
            "gpkg" => Self::GeoPackage,
            "csv" => Self::CsvWkt,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// What a reader needs beyond the path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// GeoPackage: the feature table to read (default: the first in `gpkg_contents`).
    pub table: Option<String>,
    /// CSV: the WKT column (default: the first of `wkt`, `geometry`, `wkb_geometry`, `the_geom`,
    /// `geom`, ASCII case ignored).
    pub wkt_column: Option<String>,
}

/// Why a source could not be read. Every variant names the file (or URL).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The extension names no format Kvarter imports.
    #[error(
        "{origin}: unknown format; Kvarter imports .geojson/.json, .fgb, .shp, .zip (Shapefile), .gpkg, .csv (WKT) and WFS URLs"
    )]
    UnknownFormat {
        /// The file.
        origin: String,
    },
    /// The file is not valid in its format (truncated, damaged, or another format).
    #[error("{origin} is not a valid {format} file: {reason}")]
    Format {
        /// The file.
        origin: String,
        /// The format it was read as.
        format: Format,
        /// What the reader found.
        reason: String,
    },
    /// A companion file a format needs is missing (a Shapefile's `.shx` or `.dbf`).
    #[error(
        "{origin}: {missing} is missing; a Shapefile needs its .shp, .shx and .dbf side by side"
    )]
    Missing {
        /// The main file.
        origin: String,
        /// The missing file's name.
        missing: String,
    },
    /// One feature could not be decoded.
    #[error("{origin}: feature #{index}: {reason}")]
    Feature {
        /// The file.
        origin: String,
        /// The feature's position (0-based).
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// An archive holds something Kvarter refuses to unpack (a `../` or absolute path, too many
    /// or too large entries, not exactly one `.shp`).
    #[error("{origin}: {reason}")]
    Unsafe {
        /// The archive.
        origin: String,
        /// What was found.
        reason: String,
    },
    /// A WFS answered with an error, an exception report or something that is not GeoJSON.
    #[error("the WFS at {url} {reason}")]
    Wfs {
        /// The URL asked (with its paging parameters).
        url: String,
        /// What it answered.
        reason: String,
    },
}

impl ReadError {
    /// A format error for `origin`.
    pub(crate) fn format(origin: &str, format: Format, reason: impl std::fmt::Display) -> Self {
        Self::Format {
            origin: origin.to_owned(),
            format,
            reason: reason.to_string(),
        }
    }
}

/// The CRS a WKT CRS definition (a Shapefile's `.prj`, a GeoPackage's `definition`) names.
///
/// An `AUTHORITY["EPSG","…"]` (WKT1) or `ID["EPSG",…]` (WKT2) on the outermost CRS decides;
/// without one (ESRI-style `.prj`, as `ogr2ogr` and ArcGIS write), the CRS's name does:
/// `ETRS_1989_UTM_Zone_32N`/`ETRS89 / UTM zone 32N` is EPSG:25832, a geographic CRS on WGS 84 or
/// ETRS89 is lon/lat, and `WGS_1984_Web_Mercator_Auxiliary_Sphere`/`Pseudo-Mercator` is
/// EPSG:3857. Anything else is [`Declared::Unsupported`] with the name found.
pub fn declared_from_wkt(wkt: &str) -> Declared {
    let text = wkt.trim();
    if text.is_empty() {
        return Declared::Missing;
    }
    let name = wkt_name(text).unwrap_or_else(|| text.chars().take(80).collect());
    if let Some(code) = outer_epsg(text) {
        return Crs::from_epsg(code).map_or_else(
            || Declared::Unsupported(format!("EPSG:{code} ({name})")),
            Declared::Crs,
        );
    }
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let geographic = text.starts_with("GEOGCS") || text.starts_with("GEOGCRS");
    if (key.contains("etrs1989") || key.contains("etrs89")) && key.contains("utmzone32n") {
        Declared::Crs(Crs::Utm32)
    } else if key.contains("webmercator") || key.contains("pseudomercator") {
        Declared::Crs(Crs::WebMercator)
    } else if geographic
        && (key.contains("wgs1984")
            || key.contains("wgs84")
            || key.contains("etrs1989")
            || key.contains("etrs89"))
    {
        Declared::Crs(Crs::Wgs84)
    } else {
        Declared::Unsupported(name)
    }
}

/// The quoted name right after the WKT's first `[`.
fn wkt_name(text: &str) -> Option<String> {
    let rest = &text[text.find('[')? + 1..];
    let rest = rest.trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The EPSG code of the outermost CRS: the last `AUTHORITY["EPSG",…]` or `ID["EPSG",…]` at
/// bracket depth 1 (inner ones name the datum, the ellipsoid or the units).
fn outer_epsg(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    let mut depth = 0_usize;
    let mut found = None;
    for (at, &byte) in bytes.iter().enumerate() {
        match byte {
            b'[' | b'(' => depth += 1,
            b']' | b')' => depth = depth.saturating_sub(1),
            _ if depth == 1 => {
                let tail = &text[at..];
                for keyword in ["AUTHORITY[", "ID["] {
                    if let Some(args) = tail.strip_prefix(keyword) {
                        let mut parts = args.split(',');
                        let authority = parts.next()?.trim().trim_matches('"');
                        let code = parts.next()?.trim().trim_matches(|c| c == '"' || c == ']');
                        if authority.eq_ignore_ascii_case("EPSG") {
                            found = code.parse().ok().or(found);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esri_and_ogc_prj_files_name_their_crs() {
        // As ogr2ogr 3.6 writes them for EPSG:25832 and EPSG:4326.
        let utm = r#"PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(declared_from_wkt(utm), Declared::Crs(Crs::Utm32));
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(declared_from_wkt(wgs), Declared::Crs(Crs::Wgs84));
        let ogc = r#"PROJCS["ETRS89 / UTM zone 32N",GEOGCS["ETRS89",AUTHORITY["EPSG","4258"]],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","25832"]]"#;
        assert_eq!(declared_from_wkt(ogc), Declared::Crs(Crs::Utm32));
        let mercator = r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984"]]"#;
        assert_eq!(declared_from_wkt(mercator), Declared::Crs(Crs::WebMercator));
    }

    #[test]
    fn other_crs_are_named_as_found() {
        let lambert = r#"PROJCS["RGF93_Lambert_93",GEOGCS["GCS_RGF_1993"]]"#;
        assert_eq!(
            declared_from_wkt(lambert),
            Declared::Unsupported("RGF93_Lambert_93".into())
        );
        let laea =
            r#"PROJCS["ETRS89-extended / LAEA Europe",GEOGCS["ETRS89"],AUTHORITY["EPSG","3035"]]"#;
        assert!(
            matches!(declared_from_wkt(laea), Declared::Unsupported(s) if s.contains("EPSG:3035"))
        );
        assert_eq!(declared_from_wkt("  "), Declared::Missing);
    }

    #[test]
    fn formats_come_from_extensions() {
        assert_eq!(
            Format::from_extension(Path::new("a/B.SHP")),
            Some(Format::Shapefile)
        );
        assert_eq!(
            Format::from_extension(Path::new("x.gpkg")),
            Some(Format::GeoPackage)
        );
        assert_eq!(Format::from_extension(Path::new("x.txt")), None);
    }
}

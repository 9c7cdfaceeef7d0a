//! Reading a [`Source`] by its format: GeoJSON and FlatGeobuf here, a WFS in `super::wfs`,
//! the Shapefile, GeoPackage and CSV readers in their own modules. Every reader also gives the
//! source's checksum, for the history.

use std::io::Cursor;
use std::path::Path;

use flatgeobuf::geozero::ToGeo;
use flatgeobuf::{FallibleStreamingIterator, FeatureProperties, FgbReader};
use kvarter_crs::Crs;
use sha2::{Digest as _, Sha256};

use super::read::{Declared, Format, RawFile, ReadError, ReadOptions};
use super::{Event, ImportError, Source};
use crate::fgb::Collector;
use crate::manifest::{hex, sha256_hex};
use crate::source::{self, SourceError, SourceFeature};

/// A source's checksum and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Bytes read.
    pub bytes: u64,
}

impl Digest {
    pub(crate) fn of(bytes: &[u8]) -> Self {
        Self {
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
        }
    }

    /// The digest of a file, read in pieces.
    fn of_file(path: &Path) -> Result<Self, ReadError> {
        use std::io::Read as _;
        let io = |source| ReadError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0; 1 << 20];
        let mut bytes = 0;
        loop {
            let n = file.read(&mut buffer).map_err(io)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            bytes += n as u64;
        }
        let sha256 = hex(&hasher.finalize());
        Ok(Self { sha256, bytes })
    }
}

/// Reads `source` in the format its extension (or URL) names.
pub(crate) fn read_source(
    source: &Source,
    options: &ReadOptions,
    on: &mut dyn FnMut(Event),
) -> Result<(RawFile, Digest), ImportError> {
    let path = match source {
        #[cfg(feature = "wfs")]
        Source::Wfs(url) => return Ok(super::wfs::read(url, &super::wfs::Limits::default(), on)?),
        #[cfg(not(feature = "wfs"))]
        Source::Wfs(url) => {
            let _ = on;
            return Err(ReadError::Wfs {
                url: url.clone(),
                reason: "cannot be read by this build (kvarter-data without its `wfs` feature)"
                    .into(),
            }
            .into());
        }
        Source::File(path) => path,
    };
    let origin = path.display().to_string();
    let format = Format::from_extension(path).ok_or_else(|| ReadError::UnknownFormat {
        origin: origin.clone(),
    })?;
    let metadata = std::fs::metadata(path).map_err(|source| ReadError::Io {
        path: path.clone(),
        source,
    })?;
    if !metadata.is_file() {
        return Err(ReadError::format(&origin, format, "it is not a file").into());
    }
    let raw = match format {
        Format::GeoJson => {
            let bytes = read_bytes(path)?;
            let raw = geojson(&bytes, &origin, Format::GeoJson)?;
            return Ok((raw, Digest::of(&bytes)));
        }
        Format::FlatGeobuf => {
            let bytes = read_bytes(path)?;
            let raw = flatgeobuf(&bytes, &origin)?;
            return Ok((raw, Digest::of(&bytes)));
        }
        Format::Shapefile => super::shp::read(path, options)?,
        Format::ShapefileZip => super::shp_zip::read(path, options)?,
        Format::GeoPackage => super::gpkg::read(path, options)?,
        Format::CsvWkt => super::csv_wkt::read(path, options)?,
        Format::Wfs | Format::PostgisTable => {
            return Err(ReadError::UnknownFormat { origin }.into());
        }
    };
    Ok((raw, Digest::of_file(path)?))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })
}

/// A GeoJSON `FeatureCollection`, RFC 7946 or with the legacy `crs` member.
pub(crate) fn geojson(bytes: &[u8], origin: &str, format: Format) -> Result<RawFile, ReadError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ReadError::format(origin, format, format!("it is not UTF-8 text ({e})")))?;
    let collection = source::parse_collection(text, origin).map_err(|e| from_source(e, format))?;
    let crs = declared_by_name(source::crs_name(collection.foreign_members.as_ref()));
    let features =
        source::raw_features(collection.features, origin, 0).map_err(|e| from_source(e, format))?;
    Ok(RawFile {
        origin: origin.to_owned(),
        format,
        crs,
        features,
    })
}

/// The CRS a name (a `crs` member, an `srsName`) declares.
pub(crate) fn declared_by_name(name: Option<String>) -> Declared {
    match name {
        None => Declared::Missing,
        Some(name) => Crs::from_name(&name).map_or(Declared::Unsupported(name), Declared::Crs),
    }
}

/// A GeoJSON reading error as a [`ReadError`].
pub(crate) fn from_source(error: SourceError, format: Format) -> ReadError {
    match error {
        SourceError::Geometry {
            origin,
            index,
            reason,
        } => ReadError::Feature {
            origin,
            index,
            reason,
        },
        SourceError::Json { origin, source } => ReadError::format(&origin, format, source),
        SourceError::NotFeatureCollection { origin, found } => ReadError::format(
            &origin,
            format,
            format!("it is a GeoJSON {found}, not a FeatureCollection"),
        ),
        other => ReadError::format("the source", format, other),
    }
}

/// A FlatGeobuf file from any writer: every column as a property, the CRS from the header.
fn flatgeobuf(bytes: &[u8], origin: &str) -> Result<RawFile, ReadError> {
    let bad = |reason: String| ReadError::format(origin, Format::FlatGeobuf, reason);
    let mut cursor = Cursor::new(bytes);
    let reader = FgbReader::open(&mut cursor).map_err(|e| bad(e.to_string()))?;
    let header = reader.header();
    let declared = header.features_count();
    let crs = match header.crs() {
        Some(crs) if crs.code() > 0 && crs.org().is_none_or(|o| o.eq_ignore_ascii_case("EPSG")) => {
            let code = u32::try_from(crs.code()).unwrap_or_default();
            Crs::from_epsg(code).map_or_else(
                || Declared::Unsupported(format!("EPSG:{code}")),
                Declared::Crs,
            )
        }
        Some(crs) => crs
            .wkt()
            .map_or(Declared::Missing, super::read::declared_from_wkt),
        None => Declared::Missing,
    };
    let mut iter = reader.select_all().map_err(|e| bad(e.to_string()))?;
    let mut features = Vec::new();
    while let Some(feature) = iter.next().map_err(|e| bad(e.to_string()))? {
        let index = features.len();
        let feature_error = |reason: String| ReadError::Feature {
            origin: origin.to_owned(),
            index,
            reason,
        };
        let geometry = match feature.geometry() {
            Some(_) => Some(feature.to_geo().map_err(|e| feature_error(e.to_string()))?),
            None => None,
        };
        let mut collector = Collector::default();
        feature
            .process_properties(&mut collector)
            .map_err(|e| feature_error(e.to_string()))?;
        features.push(SourceFeature {
            index,
            native_id: None,
            properties: collector.0,
            geometry,
            unclosed_rings: 0,
        });
    }
    if declared > 0 && u64::try_from(features.len()).ok() != Some(declared) {
        return Err(bad(format!(
            "the header declares {declared} features but {} could be read: the file is truncated",
            features.len()
        )));
    }
    Ok(RawFile {
        origin: origin.to_owned(),
        format: Format::FlatGeobuf,
        crs,
        features,
    })
}

//! The manifest (`layers.json`) of a data folder: every layer's metadata, file, feature count,
//! bounds and checksum. The server loads a folder through it; a test checks the committed files
//! against it.

use kvarter_core::{Bounds, LayerMeta};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest's format tag; bump it when the structure changes.
pub const FORMAT: &str = "kvarter-geodata/1";

/// The manifest's file name inside a data folder.
pub const FILE_NAME: &str = "layers.json";

/// A data folder's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The layers, in the order the service lists them.
    pub layers: Vec<ManifestLayer>,
}

/// What a layer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometryKind {
    /// Polygons (stored as MultiPolygon).
    Areas,
    /// Lines (stored as MultiLineString).
    Lines,
}

/// One layer's entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestLayer {
    /// The layer's metadata.
    pub meta: LayerMeta,
    /// Its FlatGeobuf file, a plain name inside the data folder.
    pub file: String,
    /// Areas or lines.
    pub geometry: GeometryKind,
    /// Number of features in the file.
    pub feature_count: usize,
    /// Bounds of all features, lon/lat.
    pub bounds: Bounds,
    /// Sum of the features' areas in m² (EPSG:25832); 0 for lines.
    pub total_area_m2: f64,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
}

impl Manifest {
    /// The manifest as pretty JSON with a final newline (the form committed to the repository).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The data version of a manifest: the first 16 hex digits of its SHA-256. Because the manifest
/// holds every file's checksum and every layer's metadata, any change to data or metadata gives a
/// new version.
pub fn data_version(manifest_bytes: &[u8]) -> String {
    sha256_hex(manifest_bytes)[..16].to_owned()
}

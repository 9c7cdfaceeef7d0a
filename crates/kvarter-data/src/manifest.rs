//! The manifest (`layers.json`) of a data folder: every layer's metadata, file, feature count,
//! bounds and checksum, and the checksums of the indicator catalogue and tables (in the
//! `indicators/` subfolder), and of the offline gazetteer (`gazetteer.csv`). The server loads a folder through it; a test checks the committed
//! files against it.

use kvarter_core::{Bounds, LayerMeta};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest's format tag; bump it when the structure changes.
pub const FORMAT: &str = "kvarter-geodata/1";

/// The manifest's file name inside a data folder.
pub const FILE_NAME: &str = "layers.json";

/// The one subfolder a data folder may have: indicator catalogue and tables.
pub const INDICATORS_DIR: &str = "indicators";

/// The indicator catalogue's file name, relative to the data folder (and to the recipe's folder,
/// where the hand-written original lives).
pub const CATALOGUE_FILE: &str = "indicators/catalogue.toml";

/// A data folder's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The layers, in the order the service lists them.
    pub layers: Vec<ManifestLayer>,
    /// The indicator catalogue (absent in data folders without indicators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<ManifestFile>,
    /// The indicator tables, in recipe order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<ManifestTable>,
    /// The offline gazetteer (`gazetteer.csv`, see `kvarter_geocode::file`), absent in data
    /// folders without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gazetteer: Option<ManifestFile>,
    /// What `kvarter layers import`, `remove` and `restore` did to the folder, oldest first.
    /// Kept in the manifest so that a change and its record are switched in by the same rename.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

/// One change to a data folder's layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    /// When, in UTC (RFC 3339, to the second).
    pub at: String,
    /// What was done.
    pub action: Action,
    /// The layer.
    pub layer: String,
    /// The source imported from (a path or URL), for imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The source's format, for imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// SHA-256 of the source's bytes, for imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_sha256: Option<String>,
    /// The layer's manifest entry the change put in (import, restore) or took out (remove):
    /// its file, checksum and metadata, so that `layers restore` can bring it back.
    pub entry: ManifestLayer,
    /// The entry it replaced, whose file stays in the folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<ManifestLayer>,
    /// The data version before the change.
    pub previous_data_version: String,
}

/// What a history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new layer was imported.
    Import,
    /// A layer was imported over one with the same id.
    Replace,
    /// A layer was removed (its file stays).
    Remove,
    /// A replaced or removed layer was brought back.
    Restore,
}

impl Action {
    /// The action in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Import => "import",
            Self::Replace => "replace",
            Self::Remove => "remove",
            Self::Restore => "restore",
        }
    }
}

/// A file listed by name and checksum only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Its name inside the data folder (`indicators/catalogue.toml`).
    pub file: String,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
}

/// One indicator table's entry: a CSV `indicator,unit,period,value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestTable {
    /// The dataset id the catalogue refers to.
    pub dataset: String,
    /// Its file inside the data folder: `indicators/<plain name>.csv`.
    pub file: String,
    /// The layer whose area ids the `unit` column holds.
    pub geography: String,
    /// Number of data rows (without the header).
    pub rows: usize,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
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

/// Whether `name` is a plain file name: not empty, not starting with `.`, only ASCII letters,
/// digits, `-`, `_` and `.` (so no folder, no `..`, no absolute path).
pub fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Whether `name` is a plain file name ending in `.<ext>` (ASCII case ignored).
pub fn is_plain_file_name_with(name: &str, ext: &str) -> bool {
    is_plain_file_name(name)
        && std::path::Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Whether `name` is `indicators/<plain file name>.<ext>`: the one subfolder a data folder may
/// have, and nothing below it.
pub fn is_indicator_file_name(name: &str, ext: &str) -> bool {
    name.strip_prefix(INDICATORS_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|rest| is_plain_file_name_with(rest, ext))
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex (a digest computed in pieces, say).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut hex, b| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_and_the_indicators_subfolder_are_data_file_names() {
        assert!(is_plain_file_name_with("roder-2023.fgb", "fgb"));
        assert!(is_indicator_file_name(
            "indicators/kk-befolkning-bydel.csv",
            "csv"
        ));
        assert!(is_indicator_file_name(CATALOGUE_FILE, "toml"));
        for bad in [
            "../x.csv",
            "indicators/../../x.csv",
            "indicators/../x.csv",
            "indicators/sub/x.csv",
            "/indicators/x.csv",
            "indicators//x.csv",
            "indicators/.x.csv",
            "indicators/x.fgb",
            "indicators\\x.csv",
            "other/x.csv",
            "x.csv",
        ] {
            assert!(!is_indicator_file_name(bad, "csv"), "{bad}");
        }
        assert!(!is_plain_file_name_with("indicators/x.fgb", "fgb"));
        assert!(!is_plain_file_name_with("/etc/x.fgb", "fgb"));
    }

    #[test]
    fn a_manifest_without_indicators_loads_and_writes_as_before() {
        let old = r#"{"format": "kvarter-geodata/1", "layers": []}"#;
        let manifest: Manifest = serde_json::from_str(old).unwrap();
        assert!(manifest.catalogue.is_none() && manifest.tables.is_empty());
        assert!(manifest.gazetteer.is_none());
        assert!(!manifest.to_json().contains("tables"));
        assert!(!manifest.to_json().contains("gazetteer"));
        assert!(!manifest.to_json().contains("catalogue"));
    }
}

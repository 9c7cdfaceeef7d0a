//! The build recipe (`geodata/recipe.toml`): which layers the default dataset has, the source
//! file each comes from, how its fields map onto Kvarter's, and its metadata.

use std::path::Path;

use kvarter_core::LayerMeta;
use serde::Deserialize;

use crate::manifest::GeometryKind;

/// The whole recipe.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The layers, in the order the service lists them.
    #[serde(rename = "layer")]
    pub layers: Vec<LayerRecipe>,
}

/// How to build one layer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerRecipe {
    /// Output file name inside the data folder (`roder-2023.fgb`).
    pub file: String,
    /// Areas or lines.
    pub geometry: GeometryKind,
    /// Where the features come from.
    pub from: From,
    /// The layer's metadata.
    pub meta: LayerMeta,
}

/// Where a layer's features come from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum From {
    /// Copied (converted, validated, repaired) from one GeoJSON source file.
    Source(SourceRecipe),
    /// Reconstructed as unions of official units, by a rule table.
    Reconstruct(ReconstructRecipe),
}

/// A layer copied from a source file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecipe {
    /// The GeoJSON file, relative to the sources folder.
    pub path: String,
    /// The property holding each feature's id (unique in the layer).
    pub id_field: String,
    /// The property holding the display name.
    #[serde(default)]
    pub name_field: Option<String>,
    /// The property naming the enclosing unit.
    #[serde(default)]
    pub parent_field: Option<String>,
    /// Further properties to carry over unchanged.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Drop (and report) features whose geometry is null instead of failing the build.
    #[serde(default)]
    pub drop_null_geometries: bool,
}

/// A layer reconstructed from official units.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconstructRecipe {
    /// The rule table (CSV), relative to the sources folder.
    pub table: String,
    /// Column of the table naming the reconstructed area.
    pub area_column: String,
    /// Column of the table naming the unit to include.
    pub unit_column: String,
    /// The official units (GeoJSON), relative to the sources folder.
    pub units: String,
    /// Property of the units matched against `unit_column`.
    pub unit_field: String,
    /// Holes smaller than this (m²) left between units by digitising are filled.
    pub fill_holes_below_m2: f64,
}

/// Why the recipe could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// The file could not be read.
    #[error("cannot read the recipe {path}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown keys.
    #[error("the recipe {path} is invalid")]
    Toml {
        /// The path.
        path: String,
        /// The parser's message (names the key and line).
        #[source]
        source: toml::de::Error,
    },
}

impl Recipe {
    /// Reads a recipe file.
    pub fn read(path: &Path) -> Result<Self, RecipeError> {
        let text = std::fs::read_to_string(path).map_err(|source| RecipeError::Io {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| RecipeError::Toml {
            path: path.display().to_string(),
            source,
        })
    }
}

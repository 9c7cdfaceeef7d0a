//! The build recipe (`geodata/recipe.toml`): which layers the default dataset has, the source
//! file each comes from, how its fields map onto Kvarter's, and its metadata; and which indicator
//! tables are converted from which statistics files onto which layer.
//!
//! The optional `[gazetteer]` section lists the sources of the offline gazetteer
//! (`gazetteer.csv`: addresses, streets, place names, postcodes), each read by a named converter
//! of [`crate::gazetteer`].
//!
//! Paths to source files are relative to the sources folder (`--sources`). A reconstruction's
//! rule table may instead start with `./`: it is then relative to the folder holding the recipe
//! file, so rule tables written for Kvarter live beside the recipe (`geodata/rules/`).

use std::path::{Path, PathBuf};

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
    /// The indicator tables, converted after the layers (their units are checked against them).
    #[serde(rename = "table", default)]
    pub tables: Vec<TableRecipe>,
    /// The offline gazetteer, built after the layers (its entries are kept inside the bounds
    /// of one of them).
    #[serde(default)]
    pub gazetteer: Option<GazetteerRecipe>,
    /// The folder the recipe file was read from (not part of the file): `./` paths and the
    /// indicator catalogue (`indicators/catalogue.toml`) are found relative to it.
    #[serde(skip)]
    pub folder: PathBuf,
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
    /// The rule table (CSV), relative to the sources folder, or to the recipe's folder when it
    /// starts with `./` (see [`Recipe::resolve`]).
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

/// How to build one indicator table: a statistics file converted to the tidy form
/// `indicator,unit,period,value` (see [`crate::tables`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRecipe {
    /// The dataset id the indicator catalogue refers to (`kk-befolkning-bydel`).
    pub dataset: String,
    /// The output file inside the data folder: `indicators/<dataset>.csv`.
    pub file: String,
    /// The layer (built by the same recipe) whose area ids the table's units are.
    pub geography: String,
    /// Which converter reads the source file.
    pub convert: Converter,
    /// The source file, relative to the sources folder.
    pub path: String,
}

/// The converters of [`crate::tables`], one per source table layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Converter {
    /// Københavns Kommune Statistikbank Be4.3: population per bydel at each year-end.
    #[serde(rename = "statistikbank-be43")]
    StatistikbankBe43,
    /// Københavns Kommune Statistikbank In74: mean disposable income per bydel and year.
    #[serde(rename = "statistikbank-in74")]
    StatistikbankIn74,
    /// Tryghedsundersøgelsen 2025, the 13 districts.
    #[serde(rename = "tryghed-2025-districts")]
    Tryghed2025Districts,
    /// Tryghedsundersøgelsen 2025, the city total ("København i alt").
    #[serde(rename = "tryghed-2025-city")]
    Tryghed2025City,
}

impl Converter {
    /// The name used in the recipe.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StatistikbankBe43 => "statistikbank-be43",
            Self::StatistikbankIn74 => "statistikbank-in74",
            Self::Tryghed2025Districts => "tryghed-2025-districts",
            Self::Tryghed2025City => "tryghed-2025-city",
        }
    }
}

impl std::fmt::Display for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to build the offline gazetteer (`[gazetteer]`, with one `[[gazetteer.source]]` per
/// source dataset): see [`crate::gazetteer`] for what each converter reads and how.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GazetteerRecipe {
    /// Output file name inside the data folder (`gazetteer.csv`, a plain name ending in `.csv`).
    pub file: String,
    /// The layer (built by the same recipe) whose bounds every entry must lie in, and whose
    /// outline (holes filled) a postcode's point is moved into when it lies outside:
    /// `kommune-2023`, Copenhagen with Frederiksberg as a hole.
    pub within: String,
    /// The sources, in order; within a converter, earlier files win when duplicates merge.
    #[serde(rename = "source")]
    pub sources: Vec<GazetteerSource>,
}

/// One source dataset of the gazetteer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GazetteerSource {
    /// The source dataset's id, written in the `source` column of every entry it gives
    /// (`kk-byfornyelse-2023`: the folder name under the sources folder).
    pub dataset: String,
    /// Which converter reads the files.
    pub convert: GazetteerConverter,
    /// The GeoJSON files, relative to the sources folder.
    pub paths: Vec<String>,
    /// A table the names are checked against and completed from (`dawa-postnumre` only: the
    /// `PostNord` postcode list, `;`-separated).
    #[serde(default)]
    pub names: Option<String>,
}

/// The converters of [`crate::gazetteer`], one per source layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum GazetteerConverter {
    /// Københavns Kommune byfornyelse: one address text (`adresse`) per building polygon.
    #[serde(rename = "byfornyelse-addresses")]
    ByfornyelseAddresses,
    /// data.kk.dk stednavne: named points, areas and lines (`navn`).
    #[serde(rename = "stednavne")]
    Stednavne,
    /// data.kk.dk vejklasser: street segments (`vejnavn`), one entry per street name.
    #[serde(rename = "vejklasser-streets")]
    VejklasserStreets,
    /// DAWA postnumre: one polygon per postcode (`nr`, `navn`).
    #[serde(rename = "dawa-postnumre")]
    DawaPostnumre,
}

impl GazetteerConverter {
    /// The name used in the recipe.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ByfornyelseAddresses => "byfornyelse-addresses",
            Self::Stednavne => "stednavne",
            Self::VejklasserStreets => "vejklasser-streets",
            Self::DawaPostnumre => "dawa-postnumre",
        }
    }
}

impl std::fmt::Display for GazetteerConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
        let mut recipe: Self = toml::from_str(&text).map_err(|source| RecipeError::Toml {
            path: path.display().to_string(),
            source,
        })?;
        recipe.folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(recipe)
    }

    /// Where a path of the recipe points: under the recipe's folder when it starts with `./`,
    /// under `sources` otherwise.
    pub fn resolve(&self, path: &str, sources: &Path) -> PathBuf {
        resolve(path, sources, &self.folder)
    }
}

/// Where a path of a recipe read from `recipe_folder` points: under `recipe_folder` when it starts
/// with `./`, under `sources` otherwise.
pub fn resolve(path: &str, sources: &Path, recipe_folder: &Path) -> PathBuf {
    match path.strip_prefix("./") {
        Some(rest) => recipe_folder.join(rest),
        None => sources.join(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_slash_paths_are_relative_to_the_recipe_folder_and_others_to_the_sources() {
        let recipe = Recipe {
            layers: vec![],
            tables: vec![],
            gazetteer: None,
            folder: PathBuf::from("/repo/geodata"),
        };
        let sources = Path::new("/shared/sources");
        assert_eq!(
            recipe.resolve("./rules/a.csv", sources),
            Path::new("/repo/geodata/rules/a.csv")
        );
        assert_eq!(
            recipe.resolve("../designations/b.csv", sources),
            Path::new("/shared/sources/../designations/b.csv")
        );
    }

    #[test]
    fn reading_a_recipe_remembers_its_folder_and_its_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recipe.toml");
        std::fs::write(
            &path,
            "layer = []\n[[table]]\ndataset = \"d\"\nfile = \"indicators/d.csv\"\n\
             geography = \"bydele-2023\"\nconvert = \"tryghed-2025-city\"\npath = \"x.csv\"\n",
        )
        .unwrap();
        let recipe = Recipe::read(&path).unwrap();
        assert_eq!(recipe.folder, dir.path());
        assert_eq!(recipe.tables[0].convert, Converter::Tryghed2025City);
    }
}

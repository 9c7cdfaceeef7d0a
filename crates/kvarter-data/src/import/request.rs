//! An import as the faces ask for it: the layer's metadata and the reading options by name, the
//! same fields for `kvarter layers import` (its flags) and `POST /admin/layers` (its `metadata`
//! JSON, in `snake_case`), turned into [`ImportOptions`] in one place.

use kvarter_core::{Date, LayerId, LayerKind, LayerMeta, Source as Provenance, Status, Title};
use kvarter_crs::Crs;
use serde::Deserialize;

use super::{Fields, ImportError, ImportOptions, ReadOptions};

/// What a face asks to import. Unknown JSON fields are refused, so a typo is an error.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The layer id.
    pub id: LayerId,
    /// What the layer is.
    pub kind: LayerKind,
    /// Who designated or defined the areas.
    pub authority: String,
    /// The policy or list.
    #[serde(default)]
    pub policy: Option<String>,
    /// First day in force.
    #[serde(default)]
    pub valid_from: Option<Date>,
    /// First day no longer in force.
    #[serde(default)]
    pub valid_to: Option<Date>,
    /// How exact the period is.
    #[serde(default)]
    pub validity_note: Option<String>,
    /// The Danish title.
    pub title_da: String,
    /// The English title.
    pub title_en: String,
    /// `official` or `imported` (the default).
    #[serde(default = "imported")]
    pub status: Status,
    /// The original publisher.
    pub source_publisher: String,
    /// Where the publisher serves it.
    pub source_url: String,
    /// The snapshot or vintage.
    pub vintage: String,
    /// The licence.
    pub licence: String,
    /// The attribute holding names.
    #[serde(default)]
    pub name_field: Option<String>,
    /// The attribute holding ids.
    #[serde(default)]
    pub id_field: Option<String>,
    /// The attribute holding parents.
    #[serde(default)]
    pub parent_field: Option<String>,
    /// The CRS, when the file declares none or declares it wrongly (`EPSG:25832`).
    #[serde(default)]
    pub crs: Option<String>,
    /// GeoPackage: the feature table.
    #[serde(default)]
    pub table: Option<String>,
    /// CSV: the WKT column.
    #[serde(default)]
    pub wkt_column: Option<String>,
    /// Replace a layer with the same id.
    #[serde(default)]
    pub replace: bool,
}

fn imported() -> Status {
    Status::Imported
}

impl ImportRequest {
    /// The import's options; `file` is the source's name as the provenance records it.
    pub fn options(&self, file: &str) -> Result<ImportOptions, ImportError> {
        let crs = self
            .crs
            .as_deref()
            .map(|name| {
                Crs::from_name(name).ok_or_else(|| ImportError::Metadata {
                    layer: self.id.to_string(),
                    reason: format!(
                        "crs {name:?}: Kvarter reads EPSG:4326, EPSG:25832 and EPSG:3857"
                    ),
                })
            })
            .transpose()?;
        Ok(ImportOptions {
            meta: LayerMeta {
                id: self.id.clone(),
                title: Title {
                    da: self.title_da.clone(),
                    en: self.title_en.clone(),
                },
                kind: self.kind,
                authority: self.authority.clone(),
                policy: self.policy.clone(),
                valid_from: self.valid_from,
                valid_to: self.valid_to,
                validity_note: self.validity_note.clone(),
                status: self.status,
                source: Provenance {
                    publisher: self.source_publisher.clone(),
                    origin: self.source_url.clone(),
                    files: vec![file.to_owned()],
                    vintage: self.vintage.clone(),
                },
                licence: self.licence.clone(),
                method: None,
                confidence: None,
            },
            fields: Fields {
                id: self.id_field.clone(),
                name: self.name_field.clone(),
                parent: self.parent_field.clone(),
            },
            crs,
            read: ReadOptions {
                table: self.table.clone(),
                wkt_column: self.wkt_column.clone(),
            },
            replace: self.replace,
        })
    }
}

//! Layers the GIS department keeps in a table or view of its own, in the store's database
//! (`kvarter store attach`): Kvarter records the table, its columns and the layer's metadata
//! (stated when attaching, never guessed) in `kvarter.attached`, and reads the rows on every
//! load — start-up, SIGHUP, `POST /admin/reload` and every change the store announces.
//!
//! The rows go through the import's own preparation ([`kvarter_data::import::prepare`]): the CRS
//! from the geometry column's SRID (EPSG:4326, 25832 or 3857), coordinates checked to lie in
//! Denmark, every geometry validated and repaired, ids, names and parents from the named
//! columns — so an attached layer is checked as an imported file is. Its rows are its version:
//! the layer's FlatGeobuf checksum joins the data version, so an edit to the table is served
//! (with new `ETag`s) from the next load on.

use geozero::ToGeo as _;
use kvarter_core::{Layer, LayerMeta};
use kvarter_data::import::{
    Declared, Fields, Format, ImportError, ImportOptions, RawFile, ReadOptions,
};
use kvarter_data::manifest::{self, ManifestLayer};
use kvarter_data::source::SourceFeature;
use postgres::GenericClient;

use crate::{PgStore, PgStoreError, RELOAD_CHANNEL};

/// A table or view to attach as a layer, and the columns to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The table or view: `schema.name`, or `name` on the search path.
    pub relation: String,
    /// The column holding each area's id.
    pub id_column: String,
    /// The column holding each area's name.
    pub name_column: String,
    /// The column holding each area's parent (its byområde), if any.
    pub parent_column: Option<String>,
    /// The geometry column (polygons or multipolygons, with an SRID).
    pub geometry_column: String,
}

/// `name` as a quoted SQL identifier; `schema.name` as two.
fn quoted(name: &str) -> String {
    name.split('.')
        .map(|part| format!("\"{}\"", part.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

impl PgStore {
    /// Attaches `attachment` as the layer `meta` describes, replacing an attachment with the
    /// same id: reads it once now — so a table that does not read (a missing column, no
    /// polygons, a CRS Kvarter does not read, coordinates outside Denmark) is refused here,
    /// with the reason, and nothing is recorded — then records it and notifies the replicas.
    /// Returns the number of areas read.
    ///
    /// # Errors
    /// When the metadata is incomplete, the id is a layer of the manifest, the table does not
    /// read, or the store cannot be reached.
    pub fn attach(&self, attachment: &Attachment, meta: &LayerMeta) -> Result<usize, PgStoreError> {
        kvarter_data::import::check_meta(meta)
            .map_err(|source| self.attach_error(attachment, source))?;
        let mut client = self.connect()?;
        self.check_schema(&mut client)?;
        let mut transaction = client
            .transaction()
            .map_err(self.query_error("starting an attachment"))?;
        let (manifest, _) = self.manifest_in(&mut transaction)?;
        if manifest.layers.iter().any(|layer| layer.meta.id == meta.id) {
            return Err(self.attach_error(
                attachment,
                ImportError::Exists {
                    layer: meta.id.to_string(),
                },
            ));
        }
        let (_, layer) = self.read_attached(&mut transaction, attachment, meta)?;
        let meta_json = serde_json::to_string(meta).unwrap_or_default();
        transaction
            .execute(
                "INSERT INTO kvarter.attached
                     (layer_id, relation, id_column, name_column, parent_column, geometry_column, meta)
                 VALUES ($1, $2, $3, $4, $5, $6, $7::text::json)
                 ON CONFLICT (layer_id) DO UPDATE SET relation = excluded.relation,
                     id_column = excluded.id_column, name_column = excluded.name_column,
                     parent_column = excluded.parent_column,
                     geometry_column = excluded.geometry_column, meta = excluded.meta,
                     attached_at = now()",
                &[
                    &meta.id.as_str(),
                    &attachment.relation,
                    &attachment.id_column,
                    &attachment.name_column,
                    &attachment.parent_column,
                    &attachment.geometry_column,
                    &meta_json,
                ],
            )
            .map_err(self.query_error("recording the attachment"))?;
        transaction
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&RELOAD_CHANNEL, &meta.id.as_str()],
            )
            .map_err(self.query_error("notifying the replicas"))?;
        transaction
            .commit()
            .map_err(self.query_error("committing the attachment"))?;
        Ok(layer.areas.len())
    }

    /// Detaches the layer `id` (its table stays as it is); returns whether it was attached.
    ///
    /// # Errors
    /// When the store cannot be reached.
    pub fn detach(&self, id: &str) -> Result<bool, PgStoreError> {
        let mut client = self.connect()?;
        self.check_schema(&mut client)?;
        let mut transaction = client
            .transaction()
            .map_err(self.query_error("starting a detachment"))?;
        let removed = transaction
            .execute("DELETE FROM kvarter.attached WHERE layer_id = $1", &[&id])
            .map_err(self.query_error("detaching a layer"))?;
        transaction
            .execute("SELECT pg_notify($1, $2)", &[&RELOAD_CHANNEL, &id])
            .map_err(self.query_error("notifying the replicas"))?;
        transaction
            .commit()
            .map_err(self.query_error("committing the detachment"))?;
        Ok(removed > 0)
    }

    /// Every attached layer, read now, with a manifest entry for it.
    pub(crate) fn attached_in(
        &self,
        client: &mut impl GenericClient,
    ) -> Result<Vec<(ManifestLayer, Layer)>, PgStoreError> {
        let rows = client
            .query(
                "SELECT relation, id_column, name_column, parent_column, geometry_column, meta::text
                 FROM kvarter.attached ORDER BY attached_at, layer_id",
                &[],
            )
            .map_err(self.query_error("reading the attached layers"))?;
        let mut layers = Vec::with_capacity(rows.len());
        for row in rows {
            let attachment = Attachment {
                relation: row.get(0),
                id_column: row.get(1),
                name_column: row.get(2),
                parent_column: row.get(3),
                geometry_column: row.get(4),
            };
            let meta: String = row.get(5);
            let meta: LayerMeta = serde_json::from_str(&meta).map_err(|error| {
                self.attach_error(
                    &attachment,
                    ImportError::Unknown {
                        what: format!("its recorded metadata does not read: {error}"),
                    },
                )
            })?;
            layers.push(self.read_attached(client, &attachment, &meta)?);
        }
        Ok(layers)
    }

    /// Reads the table of `attachment` as the layer `meta` describes.
    fn read_attached(
        &self,
        client: &mut impl GenericClient,
        attachment: &Attachment,
        meta: &LayerMeta,
    ) -> Result<(ManifestLayer, Layer), PgStoreError> {
        let geometry = quoted(&attachment.geometry_column);
        let sql = format!(
            "SELECT (to_jsonb(t) - $1)::text, ST_SRID(t.{geometry}), ST_AsBinary(t.{geometry})
             FROM {} t",
            quoted(&attachment.relation)
        );
        let rows = client
            .query(&sql, &[&attachment.geometry_column])
            .map_err(|source| {
                self.attach_error(
                    attachment,
                    ImportError::Unknown {
                        what: crate::error_chain(&source),
                    },
                )
            })?;
        let mut srid = None;
        let mut features = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let properties: String = row.get(0);
            let wkb: Option<Vec<u8>> = row.get(2);
            srid = srid.or(row.get::<_, Option<i32>>(1));
            features.push(SourceFeature {
                index,
                native_id: None,
                properties: serde_json::from_str(&properties).unwrap_or_default(),
                geometry: wkb.and_then(|wkb| geozero::wkb::Wkb(wkb).to_geo().ok()),
                unclosed_rings: 0,
            });
        }
        let crs = match srid {
            None | Some(0) => Declared::Missing,
            Some(code) => u32::try_from(code)
                .ok()
                .and_then(kvarter_crs::Crs::from_epsg)
                .map_or_else(
                    || Declared::Unsupported(format!("EPSG:{code}")),
                    Declared::Crs,
                ),
        };
        let raw = RawFile {
            origin: format!("the table {} in {}", attachment.relation, self.shown),
            format: Format::PostgisTable,
            crs,
            features,
        };
        let options = ImportOptions {
            meta: meta.clone(),
            fields: Fields {
                id: Some(attachment.id_column.clone()),
                name: Some(attachment.name_column.clone()),
                parent: attachment.parent_column.clone(),
            },
            crs: None,
            read: ReadOptions::default(),
            replace: false,
        };
        let prepared = kvarter_data::import::prepare(raw, &options, &mut |_| {})
            .map_err(|source| self.attach_error(attachment, source))?;
        let layer = prepared.layer;
        let bytes = kvarter_data::fgb::write_layer(&layer)?;
        let bounds = layer.bounds().ok_or_else(|| {
            self.attach_error(
                attachment,
                ImportError::Unknown {
                    what: "the table has no areas".into(),
                },
            )
        })?;
        let entry = ManifestLayer {
            meta: layer.meta.clone(),
            file: format!("attached:{}", attachment.relation),
            geometry: prepared.geometry,
            feature_count: layer.areas.len(),
            bounds,
            total_area_m2: (layer.areas.iter().filter_map(|a| a.area_m2).sum::<f64>() * 100.0)
                .round()
                / 100.0,
            sha256: manifest::sha256_hex(&bytes),
        };
        Ok((entry, layer))
    }

    /// Why the attached table of `attachment` cannot be used.
    fn attach_error(&self, attachment: &Attachment, source: ImportError) -> PgStoreError {
        PgStoreError::Attached {
            relation: attachment.relation.clone(),
            store: self.shown.clone(),
            source: Box::new(source),
        }
    }
}

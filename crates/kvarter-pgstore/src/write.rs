//! Writing the store: `store init` fills an empty store with a dataset (the embedded default, or
//! a data folder's) in one transaction that is checked — loaded back in full through the same
//! loaders a replica uses — before it commits and notifies the replicas.

use std::borrow::Cow;

use geozero::{CoordDimensions, ToWkb as _};
use kvarter_core::Layer;
use kvarter_data::dataset::LoadError;
use kvarter_data::manifest::{self, Manifest, ManifestFile, ManifestLayer};
use postgres::GenericClient;

use crate::migrations::LOCK;
use crate::read::is_lines;
use crate::{PgStore, PgStoreError, RELOAD_CHANNEL};

/// What `store init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Init {
    /// The store was empty and now holds the dataset.
    Loaded {
        /// Its data version.
        data_version: String,
        /// How many layers it has.
        layers: usize,
    },
    /// The store held data already, and was left as it was.
    AlreadyHeld {
        /// The data version in force.
        data_version: String,
    },
}

impl PgStore {
    /// Brings the schema up to date and, if the store holds no data yet, fills it with the
    /// dataset whose manifest is `manifest_bytes` and whose files `file` reads by name (`None`
    /// for a file that is not there). Idempotent: a store that holds data is left as it is.
    ///
    /// # Errors
    /// When the database cannot be reached, a file is missing or does not match the manifest,
    /// or the loaded-back data differs; then nothing is written.
    pub fn init<'a>(
        &self,
        manifest_bytes: &[u8],
        mut file: impl FnMut(&str) -> Result<Option<Cow<'a, [u8]>>, LoadError>,
    ) -> Result<Init, PgStoreError> {
        let mut client = self.connect()?;
        self.migrate_with(&mut client)?;
        let mut transaction = client
            .transaction()
            .map_err(self.query_error("starting the load"))?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
            .map_err(self.query_error("waiting for the store's lock"))?;
        if let Some(row) = transaction
            .query_opt("SELECT data_version FROM kvarter.manifest", &[])
            .map_err(self.query_error("reading the manifest"))?
        {
            return Ok(Init::AlreadyHeld {
                data_version: row.get(0),
            });
        }
        // The dataset must load as it is before anything is written.
        let origin = format!("the dataset loaded into {}", self.shown);
        let (dataset, manifest) =
            kvarter_data::dataset::load_with(manifest_bytes, &origin, &mut file)?;
        for (entry, layer) in manifest.layers.iter().zip(&dataset.layers) {
            self.put_layer(&mut transaction, entry, layer)?;
        }
        for listed in listed_files(&manifest) {
            let bytes = file(&listed.file)?.ok_or_else(|| LoadError::MissingFile {
                what: origin.clone(),
                file: listed.file.clone(),
            })?;
            self.put_file(&mut transaction, &listed, &bytes)?;
        }
        let data_version = self.switch(&mut transaction, manifest_bytes)?;
        transaction
            .commit()
            .map_err(self.query_error("committing the load"))?;
        Ok(Init::Loaded {
            data_version,
            layers: manifest.layers.len(),
        })
    }

    /// Writes the layer version `entry` names (its areas or lines) unless the store has it
    /// already; refuses a different layer under the same file name.
    pub(crate) fn put_layer(
        &self,
        transaction: &mut impl GenericClient,
        entry: &ManifestLayer,
        layer: &Layer,
    ) -> Result<(), PgStoreError> {
        let doing = || format!("writing layer {}", entry.file);
        if let Some(row) = transaction
            .query_opt(
                "SELECT sha256 FROM kvarter.layers WHERE file = $1",
                &[&entry.file],
            )
            .map_err(self.query_error(doing()))?
        {
            let sha256: String = row.get(0);
            if sha256 == entry.sha256 {
                return Ok(());
            }
            return Err(PgStoreError::Load(LoadError::BadEntry {
                what: format!("layer file {} in {}", entry.file, self.shown),
                reason: "the store holds other bytes under that file name".into(),
            }));
        }
        let meta = serde_json::to_string(&layer.meta).unwrap_or_default();
        let geometry = if is_lines(entry.geometry) {
            "lines"
        } else {
            "areas"
        };
        let count = i32::try_from(layer.areas.len()).unwrap_or(i32::MAX);
        transaction
            .execute(
                "INSERT INTO kvarter.layers (file, layer_id, geometry, feature_count, meta, sha256)
                 VALUES ($1, $2, $3, $4, $5::text::json, $6)",
                &[
                    &entry.file,
                    &layer.meta.id.as_str(),
                    &geometry,
                    &count,
                    &meta,
                    &entry.sha256,
                ],
            )
            .map_err(self.query_error(doing()))?;
        let insert = if is_lines(entry.geometry) {
            "INSERT INTO kvarter.lines (file, ord, layer_id, area_id, name, parent, properties, geom)
             VALUES ($1, $2, $3, $4, $5, $6, $7::text::json, ST_GeomFromWKB($8, 4326))"
        } else {
            "INSERT INTO kvarter.areas
                 (file, ord, layer_id, area_id, name, parent, properties, geom, area_m2)
             VALUES ($1, $2, $3, $4, $5, $6, $7::text::json, ST_GeomFromWKB($8, 4326), $9)"
        };
        let statement = transaction
            .prepare(insert)
            .map_err(self.query_error(doing()))?;
        for (ord, area) in layer.areas.iter().enumerate() {
            let ord = i32::try_from(ord).unwrap_or(i32::MAX);
            let properties = serde_json::Value::Object(area.properties.clone()).to_string();
            let wkb = area
                .geometry
                .to_wkb(CoordDimensions::xy())
                .map_err(|error| {
                    PgStoreError::Load(LoadError::BadEntry {
                        what: format!("layer {}", layer.meta.id),
                        reason: format!("area {}: {error}", area.id),
                    })
                })?;
            let id = layer.meta.id.as_str();
            let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![
                &entry.file,
                &ord,
                &id,
                &area.id,
                &area.name,
                &area.parent,
                &properties,
                &wkb,
            ];
            if !is_lines(entry.geometry) {
                params.push(&area.area_m2);
            }
            transaction
                .execute(&statement, &params)
                .map_err(self.query_error(doing()))?;
        }
        Ok(())
    }

    /// Writes a file other than a layer (an indicator file, the gazetteer), checked against its
    /// checksum, unless the store has it already.
    fn put_file(
        &self,
        transaction: &mut impl GenericClient,
        listed: &ManifestFile,
        bytes: &[u8],
    ) -> Result<(), PgStoreError> {
        let found = manifest::sha256_hex(bytes);
        if found != listed.sha256 {
            return Err(PgStoreError::Load(LoadError::Checksum {
                what: format!("the dataset loaded into {}", self.shown),
                file: listed.file.clone(),
                expected: listed.sha256.clone(),
                found,
            }));
        }
        transaction
            .execute(
                "INSERT INTO kvarter.files (name, sha256, bytes) VALUES ($1, $2, $3)
                 ON CONFLICT (name, sha256) DO NOTHING",
                &[&listed.file, &listed.sha256, &bytes],
            )
            .map_err(self.query_error(format!("writing file {}", listed.file)))?;
        Ok(())
    }

    /// Puts `manifest_bytes` in force, after loading everything it lists back from the
    /// transaction; notifies the replicas (on commit). Returns the new data version.
    pub(crate) fn switch(
        &self,
        transaction: &mut impl GenericClient,
        manifest_bytes: &[u8],
    ) -> Result<String, PgStoreError> {
        let (dataset, manifest) = self.layers_in(transaction, manifest_bytes)?;
        let data_version = dataset.version;
        let body = std::str::from_utf8(manifest_bytes).map_err(|error| {
            PgStoreError::Load(LoadError::BadEntry {
                what: format!("the manifest for {}", self.shown),
                reason: error.to_string(),
            })
        })?;
        // The indicator files and the gazetteer too, as a replica will read them.
        self.check_files(transaction, &manifest)?;
        transaction
            .execute(
                "INSERT INTO kvarter.manifest (singleton, body, data_version) VALUES (true, $1, $2)
                 ON CONFLICT (singleton) DO UPDATE
                 SET body = excluded.body, data_version = excluded.data_version, updated_at = now()",
                &[&body, &data_version],
            )
            .map_err(self.query_error("switching the manifest"))?;
        transaction
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&RELOAD_CHANNEL, &data_version],
            )
            .map_err(self.query_error("notifying the replicas"))?;
        Ok(data_version)
    }

    /// Checks that every non-layer file `manifest` lists is in the store with its checksum.
    fn check_files(
        &self,
        client: &mut impl GenericClient,
        manifest: &Manifest,
    ) -> Result<(), PgStoreError> {
        for listed in listed_files(manifest) {
            let found: bool = client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM kvarter.files WHERE name = $1 AND sha256 = $2)",
                    &[&listed.file, &listed.sha256],
                )
                .map_err(self.query_error(format!("checking file {}", listed.file)))?
                .get(0);
            if !found {
                return Err(PgStoreError::Load(LoadError::MissingFile {
                    what: format!("the manifest for {}", self.shown),
                    file: listed.file,
                }));
            }
        }
        Ok(())
    }
}

/// The files other than layers a manifest lists: the catalogue, the tables and the gazetteer.
fn listed_files(manifest: &Manifest) -> Vec<ManifestFile> {
    manifest
        .catalogue
        .iter()
        .cloned()
        .chain(manifest.tables.iter().map(|table| ManifestFile {
            file: table.file.clone(),
            sha256: table.sha256.clone(),
        }))
        .chain(manifest.gazetteer.iter().cloned())
        .collect()
}

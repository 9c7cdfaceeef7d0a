//! Reading the store: the manifest, the layers from their rows, the indicator files and the
//! gazetteer — all in one read-only, repeatable-read transaction, through the loaders and checks
//! a data folder goes through (see the crate docs).

use std::borrow::Cow;
use std::collections::HashMap;

use geozero::ToGeo as _;
use kvarter_core::{Area, Dataset, Layer, LayerMeta};
use kvarter_data::dataset::{self, IndicatorFiles, LoadError};
use kvarter_data::fgb;
use kvarter_data::manifest::{GeometryKind, HistoryEntry, Manifest};
use kvarter_data::store::{DataSource, Snapshot, StoreError, read_entries};
use kvarter_geocode::Entry;
use postgres::{GenericClient, IsolationLevel};

use crate::{PgStore, PgStoreError};

/// The state of a store, for `kvarter store status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The schema's version; `None` without a Kvarter schema.
    pub schema_version: Option<i32>,
    /// What the store holds; `None` before `store init`.
    pub held: Option<Held>,
}

/// What a store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The data version in force.
    pub data_version: String,
    /// When it was put in force (UTC, RFC 3339).
    pub since: String,
    /// How many layers it has.
    pub layers: usize,
}

impl PgStore {
    /// The store's state.
    ///
    /// # Errors
    /// When the database cannot be reached or read.
    pub fn status(&self) -> Result<Status, PgStoreError> {
        let mut client = self.connect()?;
        let schema_version = self.schema_version(&mut client)?;
        let held = if schema_version.unwrap_or(0) > 0 {
            client
                .query_opt(
                    "SELECT data_version,
                            to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                            json_array_length(body::json -> 'layers')
                     FROM kvarter.manifest",
                    &[],
                )
                .map_err(self.query_error("reading the manifest"))?
                .map(|row| Held {
                    data_version: row.get(0),
                    since: row.get(1),
                    layers: usize::try_from(row.get::<_, i32>(2)).unwrap_or(0),
                })
        } else {
            None
        };
        Ok(Status {
            schema_version,
            held,
        })
    }

    /// What imports, removes and restores did to the store, oldest first (the manifest's
    /// history, as a data folder keeps it).
    ///
    /// # Errors
    /// When the store cannot be read or holds no data.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, PgStoreError> {
        self.read(|store, transaction| Ok(store.manifest_in(transaction)?.0.history))
    }

    /// Reads the whole data in one transaction.
    fn read<T>(
        &self,
        read: impl FnOnce(&Self, &mut postgres::Transaction<'_>) -> Result<T, PgStoreError>,
    ) -> Result<T, PgStoreError> {
        let mut client = self.connect()?;
        self.check_schema(&mut client)?;
        let mut transaction = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(self.query_error("starting a read"))?;
        let value = read(self, &mut transaction)?;
        transaction
            .commit()
            .map_err(self.query_error("ending a read"))?;
        Ok(value)
    }

    /// The manifest in force and its bytes.
    pub(crate) fn manifest_in(
        &self,
        client: &mut impl GenericClient,
    ) -> Result<(Manifest, Vec<u8>), PgStoreError> {
        let row = client
            .query_opt("SELECT body FROM kvarter.manifest", &[])
            .map_err(self.query_error("reading the manifest"))?
            .ok_or_else(|| PgStoreError::NotInitialised {
                store: self.shown.clone(),
            })?;
        let body: String = row.get(0);
        let manifest = serde_json::from_str(&body).map_err(|source| LoadError::BadManifest {
            origin: self.origin(),
            source,
        })?;
        Ok((manifest, body.into_bytes()))
    }

    /// The layers `manifest_bytes` lists, read from their rows and checked as a folder's files
    /// are, then the attached layers ([`crate::Attachment`]), read from their tables. With
    /// attached layers, their checksums join the data version.
    pub(crate) fn layers_in(
        &self,
        client: &mut impl GenericClient,
        manifest_bytes: &[u8],
    ) -> Result<(Dataset, Manifest), PgStoreError> {
        let origin = self.origin();
        let (mut dataset, mut manifest) = dataset::load_with(manifest_bytes, &origin, |file| {
            self.layer_file(client, file)
                .map(|bytes| bytes.map(Cow::Owned))
                .map_err(|error| self.as_load_error(&format!("layer file {file}"), error))
        })?;
        let attached = self.attached_in(client)?;
        if attached.is_empty() {
            return Ok((dataset, manifest));
        }
        let mut versioned = manifest_bytes.to_vec();
        for (entry, layer) in attached {
            if manifest.layers.iter().any(|l| l.meta.id == entry.meta.id) {
                return Err(PgStoreError::Load(LoadError::BadEntry {
                    what: format!("the attached layer {}", entry.meta.id),
                    reason: "the manifest has a layer with that id too; detach one".into(),
                }));
            }
            versioned.extend_from_slice(format!("\n{} {}", entry.file, entry.sha256).as_bytes());
            manifest.layers.push(entry);
            dataset.layers.push(layer);
        }
        dataset.version = kvarter_data::manifest::data_version(&versioned);
        Ok((dataset, manifest))
    }

    /// The FlatGeobuf encoding of the layer version `file` (as a data folder would hold it),
    /// from its rows; `None` when the store has no such layer version.
    fn layer_file(
        &self,
        client: &mut impl GenericClient,
        file: &str,
    ) -> Result<Option<Vec<u8>>, PgStoreError> {
        let Some(row) = client
            .query_opt(
                "SELECT geometry, meta::text FROM kvarter.layers WHERE file = $1",
                &[&file],
            )
            .map_err(self.query_error(format!("reading layer {file}")))?
        else {
            return Ok(None);
        };
        let geometry: String = row.get(0);
        let meta: String = row.get(1);
        let meta: LayerMeta =
            serde_json::from_str(&meta).map_err(|error| self.bad_row(file, 0, &error))?;
        let table = match geometry.as_str() {
            "lines" => "kvarter.lines",
            _ => "kvarter.areas",
        };
        let area_m2 = if table == "kvarter.lines" {
            "NULL::float8"
        } else {
            "area_m2"
        };
        let rows = client
            .query(
                &format!(
                    "SELECT area_id, name, parent, {area_m2}, properties::text, ST_AsBinary(geom)
                     FROM {table} WHERE file = $1 ORDER BY ord"
                ),
                &[&file],
            )
            .map_err(self.query_error(format!("reading the features of layer {file}")))?;
        let mut areas = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let properties: String = row.get(4);
            let wkb: Vec<u8> = row.get(5);
            let geometry = geozero::wkb::Wkb(wkb)
                .to_geo()
                .map_err(|error| self.bad_row(file, index, &error))?;
            areas.push(Area {
                id: row.get(0),
                name: row.get(1),
                parent: row.get(2),
                area_m2: row.get(3),
                properties: serde_json::from_str(&properties)
                    .map_err(|error| self.bad_row(file, index, &error))?,
                geometry,
            });
        }
        Ok(Some(fgb::write_layer(&Layer { meta, areas })?))
    }

    /// The indicator files `manifest` lists.
    fn indicators_in(
        &self,
        client: &mut impl GenericClient,
        manifest: &Manifest,
    ) -> Result<IndicatorFiles, PgStoreError> {
        let checksums = checksums(manifest);
        Ok(dataset::load_indicator_files_with(
            manifest,
            &self.origin(),
            |name| self.file(client, &checksums, name),
        )?)
    }

    /// The address entries of the gazetteer `manifest` lists (none without one).
    fn addresses_in(
        &self,
        client: &mut impl GenericClient,
        manifest: &Manifest,
    ) -> Result<Vec<Entry>, StoreError> {
        let checksums = checksums(manifest);
        let gazetteer = dataset::load_gazetteer_with(manifest, &self.origin(), |name| {
            self.file(client, &checksums, name)
        })?;
        let origin = format!("{}/gazetteer", self.shown);
        read_entries(gazetteer.as_deref(), &origin)
    }

    /// The bytes of the file `name` with the checksum the manifest lists for it.
    fn file(
        &self,
        client: &mut impl GenericClient,
        checksums: &HashMap<&str, &str>,
        name: &str,
    ) -> Result<Option<Cow<'static, [u8]>>, LoadError> {
        let Some(sha256) = checksums.get(name) else {
            return Ok(None);
        };
        let row = client
            .query_opt(
                "SELECT bytes FROM kvarter.files WHERE name = $1 AND sha256 = $2",
                &[&name, sha256],
            )
            .map_err(|error| {
                self.as_load_error(
                    &format!("file {name}"),
                    self.query_error("reading a file")(error),
                )
            })?;
        Ok(row.map(|row| Cow::Owned(row.get::<_, Vec<u8>>(0))))
    }

    /// How the store's manifest is named in errors.
    fn origin(&self) -> String {
        format!("{}/kvarter.manifest", self.shown)
    }

    /// A store error met inside a loader, as the loader's error.
    fn as_load_error(&self, what: &str, error: PgStoreError) -> LoadError {
        match error {
            PgStoreError::Load(error) => error,
            error => LoadError::Store {
                what: format!("{what} from {}", self.shown),
                source: Box::new(error),
            },
        }
    }

    /// A row that cannot be read as a feature.
    fn bad_row(&self, file: &str, index: usize, error: &dyn std::fmt::Display) -> PgStoreError {
        PgStoreError::Load(LoadError::BadEntry {
            what: format!("layer file {file} in {}", self.shown),
            reason: format!("feature #{index}: {error}"),
        })
    }
}

/// The checksum the manifest lists for each of its files other than layers.
fn checksums(manifest: &Manifest) -> HashMap<&str, &str> {
    manifest
        .catalogue
        .iter()
        .chain(&manifest.gazetteer)
        .map(|file| (file.file.as_str(), file.sha256.as_str()))
        .chain(
            manifest
                .tables
                .iter()
                .map(|table| (table.file.as_str(), table.sha256.as_str())),
        )
        .collect()
}

/// A store error as the data sources' error.
fn as_store_error(error: PgStoreError) -> StoreError {
    match error {
        PgStoreError::Load(error) => StoreError::Load(error),
        error => StoreError::Source(Box::new(error)),
    }
}

impl DataSource for PgStore {
    fn describe(&self) -> String {
        format!("the store {}", self.shown)
    }

    fn load_layers(&self) -> Result<(Dataset, Manifest), StoreError> {
        self.read(|store, transaction| {
            let (_, bytes) = store.manifest_in(transaction)?;
            store.layers_in(transaction, &bytes)
        })
        .map_err(as_store_error)
    }

    fn load_indicators(&self, manifest: &Manifest) -> Result<IndicatorFiles, StoreError> {
        self.read(|store, transaction| store.indicators_in(transaction, manifest))
            .map_err(as_store_error)
    }

    fn load_addresses(&self, manifest: &Manifest) -> Result<Vec<Entry>, StoreError> {
        let mut found = Ok(Vec::new());
        self.read(|store, transaction| {
            found = store.addresses_in(transaction, manifest);
            Ok(())
        })
        .map_err(as_store_error)?;
        found
    }

    /// Everything in one transaction: one version, whatever an import does meanwhile.
    fn load(&self) -> Result<Snapshot, StoreError> {
        let mut addresses = Ok(Vec::new());
        let (dataset, manifest, indicators) = self
            .read(|store, transaction| {
                let (_, bytes) = store.manifest_in(transaction)?;
                let (dataset, manifest) = store.layers_in(transaction, &bytes)?;
                let indicators = store.indicators_in(transaction, &manifest)?;
                addresses = store.addresses_in(transaction, &manifest);
                Ok((dataset, manifest, indicators))
            })
            .map_err(as_store_error)?;
        Ok(Snapshot {
            dataset,
            manifest,
            indicators,
            addresses: addresses?,
        })
    }
}

/// Whether a layer of `kind` is kept in `kvarter.lines` rather than `kvarter.areas`.
pub(crate) fn is_lines(kind: GeometryKind) -> bool {
    kind == GeometryKind::Lines
}

//! The store as the target of a layer change ([`kvarter_data::import::Target`]): `kvarter
//! --store URL layers import | remove | restore` go through the same steps as for a data folder
//! (`kvarter_data::import::change`), and here each step is a statement of one transaction:
//!
//! 1. `BEGIN`, then the store's advisory lock (a second change waits for the first);
//! 2. the new layer version's rows, beside the old ones;
//! 3. the new manifest loaded back in full from the transaction, every layer against its
//!    checksum, then written over the old one with a notification to the replicas;
//! 4. `COMMIT`: the new layer, the new manifest and the notification become visible together.
//!
//! Anything that fails before the commit — or a process killed, or a connection lost — rolls the
//! whole change back, so the store holds exactly what it held before.

use kvarter_core::Layer;
use kvarter_data::import::{Event, ImportError, Step, Target};
use kvarter_data::manifest::{Manifest, ManifestLayer};
use postgres::Client;

use crate::migrations::LOCK;
use crate::{PgStore, PgStoreError};

/// One change of the store, on a connection of its own; rolled back unless it switches.
pub struct Session<'a> {
    store: &'a PgStore,
    client: Client,
    /// Whether a transaction is open.
    open: bool,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("store", &self.store.shown)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// A session to change the store's layers: connected, the schema checked, nothing locked.
    ///
    /// # Errors
    /// When the store cannot be reached, or its schema is not this Kvarter's.
    pub fn session(&self) -> Result<Session<'_>, PgStoreError> {
        let mut client = self.connect()?;
        self.check_schema(&mut client)?;
        Ok(Session {
            store: self,
            client,
            open: false,
        })
    }
}

impl kvarter_data::import::Targets for PgStore {
    fn describe(&self) -> String {
        format!("the store {}", self.shown)
    }

    fn open(&self) -> Result<Box<dyn Target + '_>, ImportError> {
        Ok(Box::new(self.session().map_err(as_import_error)?))
    }

    fn history(&self) -> Result<Vec<kvarter_data::manifest::HistoryEntry>, ImportError> {
        PgStore::history(self).map_err(as_import_error)
    }
}

/// A store error as an import's error.
fn as_import_error(error: PgStoreError) -> ImportError {
    match error {
        PgStoreError::Load(error) => ImportError::Load(error),
        PgStoreError::Fgb(error) => ImportError::Fgb(error),
        error => ImportError::Store(Box::new(error)),
    }
}

impl Session<'_> {
    /// Runs `sql` (no parameters, no rows) while `doing` something.
    fn execute(&mut self, sql: &str, doing: &str) -> Result<(), ImportError> {
        self.client
            .batch_execute(sql)
            .map_err(self.store.query_error(doing))
            .map_err(as_import_error)
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if self.open {
            // Closing the connection would roll back too; this says so at once.
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

impl Target for Session<'_> {
    fn describe(&self) -> String {
        format!("the store {}", self.store.shown)
    }

    fn peek(&mut self) -> Result<Manifest, ImportError> {
        let (manifest, _) = self
            .store
            .manifest_in(&mut self.client)
            .map_err(as_import_error)?;
        Ok(manifest)
    }

    fn begin(&mut self, on: &mut dyn FnMut(Event)) -> Result<(Manifest, Vec<u8>), ImportError> {
        self.execute("BEGIN", "starting a change")?;
        self.open = true;
        let locked: bool = self
            .client
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&LOCK])
            .map_err(self.store.query_error("taking the store's lock"))
            .map_err(as_import_error)?
            .get(0);
        if !locked {
            on(Event::Waiting);
            self.client
                .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
                .map_err(self.store.query_error("waiting for the store's lock"))
                .map_err(as_import_error)?;
        }
        on(Event::Step(Step::Locked));
        self.store
            .manifest_in(&mut self.client)
            .map_err(as_import_error)
    }

    fn put_layer(
        &mut self,
        entry: &ManifestLayer,
        layer: &Layer,
        _bytes: &[u8],
    ) -> Result<(), ImportError> {
        self.store
            .put_layer(&mut self.client, entry, layer)
            .map_err(as_import_error)
    }

    fn check_layer(&mut self, entry: &ManifestLayer) -> Result<(), ImportError> {
        let kept: Option<String> = self
            .client
            .query_opt(
                "SELECT sha256 FROM kvarter.layers WHERE file = $1",
                &[&entry.file],
            )
            .map_err(self.store.query_error("looking for a layer version"))
            .map_err(as_import_error)?
            .map(|row| row.get(0));
        match kept {
            Some(sha256) if sha256 == entry.sha256 => Ok(()),
            Some(_) => Err(ImportError::Unknown {
                what: format!(
                    "the store's layer version {} has another checksum than the history's; it cannot be restored",
                    entry.file
                ),
            }),
            None => Err(ImportError::Unknown {
                what: format!(
                    "the store no longer holds the layer version {}; it cannot be restored",
                    entry.file
                ),
            }),
        }
    }

    fn switch(
        &mut self,
        manifest: &Manifest,
        on: &mut dyn FnMut(Event),
    ) -> Result<String, ImportError> {
        let bytes = manifest.to_json().into_bytes();
        let data_version = self
            .store
            .switch(&mut self.client, &bytes)
            .map_err(as_import_error)?;
        on(Event::Step(Step::ManifestStaged));
        self.execute("COMMIT", "committing the change")?;
        self.open = false;
        on(Event::Step(Step::Switched));
        Ok(data_version)
    }
}

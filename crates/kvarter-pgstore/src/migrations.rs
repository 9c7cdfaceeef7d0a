//! The store's schema, in versioned migrations: each is applied once, in order, in one
//! transaction with its record in `kvarter.migrations`, under an advisory lock (two processes
//! migrating at once take turns). Migrations only ever add — tables, columns, indexes, views —
//! and never drop or delete (a test reads them for it), so migrating never loses data, and a
//! Kvarter that is one version behind still reads what a newer one wrote until it refuses the
//! newer schema by its number.

use postgres::Client;

use crate::{PgStore, PgStoreError};

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number: 1, 2, … with no gaps.
    pub version: i32,
    /// What it does, in words.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "the manifest, layers, areas, lines, files and the current_areas view",
        sql: include_str!("../migrations/0001_layers.sql"),
    },
    Migration {
        version: 2,
        name: "layers attached from tables or views the GIS department keeps",
        sql: include_str!("../migrations/0002_attached.sql"),
    },
];

/// The schema version this Kvarter reads and writes.
pub fn latest() -> i32 {
    MIGRATIONS.last().map_or(0, |migration| migration.version)
}

/// The advisory lock migrations and writes take (any number; the same in every process).
pub(crate) const LOCK: i64 = 0x006b_7661_7274_6572; // "kvarter" in ASCII

/// What creates the schema and the record of migrations, before any migration.
const BOOTSTRAP: &str = "
CREATE SCHEMA IF NOT EXISTS kvarter;
CREATE TABLE IF NOT EXISTS kvarter.migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);";

impl PgStore {
    /// Applies the migrations the database does not have yet; returns them (none when it was
    /// up to date).
    ///
    /// # Errors
    /// When the database cannot be reached, a migration fails (then it and its record are
    /// rolled back) or the schema is newer than this Kvarter knows.
    pub fn migrate(&self) -> Result<Vec<Migration>, PgStoreError> {
        let mut client = self.connect()?;
        self.migrate_with(&mut client)
    }

    /// [`PgStore::migrate`] on an open connection.
    pub(crate) fn migrate_with(&self, client: &mut Client) -> Result<Vec<Migration>, PgStoreError> {
        let mut transaction = client
            .transaction()
            .map_err(self.query_error("starting a migration"))?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
            .map_err(self.query_error("waiting for the store's lock"))?;
        transaction
            .batch_execute(BOOTSTRAP)
            .map_err(self.query_error("creating the kvarter schema"))?;
        let found: Option<i32> = transaction
            .query_one("SELECT max(version) FROM kvarter.migrations", &[])
            .map_err(self.query_error("reading the schema version"))?
            .get(0);
        let found = found.unwrap_or(0);
        if found > latest() {
            return Err(PgStoreError::TooNew {
                store: self.shown.clone(),
                found,
                known: latest(),
            });
        }
        let mut applied = Vec::new();
        for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
            let doing = format!(
                "applying migration {} ({})",
                migration.version, migration.name
            );
            transaction
                .batch_execute(migration.sql)
                .map_err(self.query_error(doing.clone()))?;
            transaction
                .execute(
                    "INSERT INTO kvarter.migrations (version, name) VALUES ($1, $2)",
                    &[&migration.version, &migration.name],
                )
                .map_err(self.query_error(doing))?;
            applied.push(*migration);
        }
        transaction
            .commit()
            .map_err(self.query_error("committing the migrations"))?;
        Ok(applied)
    }

    /// The schema version of the database: `None` when it has no Kvarter schema.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn schema_version(&self, client: &mut Client) -> Result<Option<i32>, PgStoreError> {
        let exists: bool = client
            .query_one("SELECT to_regclass('kvarter.migrations') IS NOT NULL", &[])
            .map_err(self.query_error("looking for the kvarter schema"))?
            .get(0);
        if !exists {
            return Ok(None);
        }
        let version: Option<i32> = client
            .query_one("SELECT max(version) FROM kvarter.migrations", &[])
            .map_err(self.query_error("reading the schema version"))?
            .get(0);
        Ok(version)
    }

    /// Refuses a database whose schema is not the one this Kvarter reads: none yet, older, or
    /// newer.
    pub(crate) fn check_schema(&self, client: &mut Client) -> Result<(), PgStoreError> {
        match self.schema_version(client)? {
            None | Some(0) => Err(PgStoreError::NotInitialised {
                store: self.shown.clone(),
            }),
            Some(found) if found < latest() => Err(PgStoreError::Behind {
                store: self.shown.clone(),
                found,
                needed: latest(),
            }),
            Some(found) if found > latest() => Err(PgStoreError::TooNew {
                store: self.shown.clone(),
                found,
                known: latest(),
            }),
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_without_gaps_and_never_drop_or_delete() {
        for (at, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(usize::try_from(migration.version).ok(), Some(at + 1));
            let sql = migration.sql.to_ascii_uppercase();
            for word in ["DROP ", "DELETE ", "TRUNCATE ", "ALTER COLUMN", "RENAME "] {
                assert!(
                    !sql.contains(word),
                    "migration {} contains {word:?}",
                    migration.version
                );
            }
        }
    }
}

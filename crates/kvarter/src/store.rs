//! `kvarter --store URL store …`: create and migrate the layer store's schema, fill it with the
//! default dataset (or a data folder's), and show its state. The work is `kvarter_pgstore`'s;
//! this module reads the command line and prints the outcome.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use kvarter_data::dataset::LoadError;
use kvarter_data::manifest;
use kvarter_pgstore::{Init, PgStore};

/// `kvarter store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create the schema (or bring it up to date) and, if the store holds no data yet, load the
    /// embedded default dataset into it — or the data folder --from DIR. Safe to run again: a
    /// store that holds data is left as it is.
    Init {
        /// A data folder to load instead of the embedded dataset.
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Apply the schema migrations the store does not have yet (they only ever add).
    Migrate,
    /// The store's schema version, data version and layers.
    Status,
    /// Serve a table or view the GIS department keeps in the store's database as a layer, read
    /// again on every reload: its rows go through the import's checks (CRS from the SRID,
    /// coordinates in Denmark, geometries validated and repaired), with the metadata given here.
    Attach(Box<AttachArgs>),
    /// Stop serving an attached table (the table stays as it is).
    Detach {
        /// The layer's id.
        id: String,
    },
}

/// What `kvarter store attach` takes: the table, its columns and the layer's metadata.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// The table or view: `schema.name`, e.g. `plan.udsatte_2025`.
    #[arg(long)]
    pub table: String,
    /// The column holding each area's id.
    #[arg(long)]
    pub id_column: String,
    /// The column holding each area's name.
    #[arg(long)]
    pub name_column: String,
    /// The column holding each area's parent (e.g. its byområde).
    #[arg(long)]
    pub parent_column: Option<String>,
    /// The geometry column (polygons, with an SRID of 4326, 25832 or 3857).
    #[arg(long, default_value = "geom")]
    pub geometry_column: String,
    #[command(flatten)]
    pub meta: crate::layers::MetaArgs,
}

/// Fills `store` with the data folder `from`, or else the embedded dataset.
fn fill(store: &PgStore, from: Option<&Path>) -> anyhow::Result<Init> {
    let Some(dir) = from else {
        let embedded = crate::embedded::source();
        let manifest = embedded
            .file(manifest::FILE_NAME)
            .context("the binary embeds no manifest")?;
        return Ok(store.init(manifest, |name| Ok(embedded.file(name).map(Cow::Borrowed)))?);
    };
    let manifest = std::fs::read(dir.join(manifest::FILE_NAME)).with_context(|| {
        format!(
            "{} is not a data folder (it has no {})",
            dir.display(),
            manifest::FILE_NAME
        )
    })?;
    Ok(store.init(&manifest, |name| {
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(Cow::Owned(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LoadError::Io { path, source }),
        }
    })?)
}

/// Runs `command` on `store`.
pub fn run(command: StoreCommand, store: Option<&PgStore>) -> anyhow::Result<()> {
    let store = store.context(
        "give the store: --store postgres://user:password@host:port/database (or KVARTER_STORE)",
    )?;
    match command {
        StoreCommand::Init { from } => {
            let init = fill(store, from.as_deref())
                .with_context(|| format!("cannot fill the store {}", store.shown()))?;
            let what = from.as_ref().map_or_else(
                || "the embedded dataset".to_owned(),
                |dir| format!("the data folder {}", dir.display()),
            );
            match init {
                Init::Loaded {
                    data_version,
                    layers,
                } => println!(
                    "{} now holds {what}: {layers} layers, data version {data_version}",
                    store.shown()
                ),
                Init::AlreadyHeld { data_version } => println!(
                    "{} holds data already (data version {data_version}); left as it is",
                    store.shown()
                ),
            }
        }
        StoreCommand::Migrate => {
            let applied = store
                .migrate()
                .with_context(|| format!("cannot migrate the store {}", store.shown()))?;
            if applied.is_empty() {
                println!(
                    "{} is up to date (schema version {})",
                    store.shown(),
                    kvarter_pgstore::latest()
                );
            }
            for migration in applied {
                println!(
                    "applied migration {}: {}",
                    migration.version, migration.name
                );
            }
        }
        StoreCommand::Attach(args) => {
            let fields = kvarter_data::import::Fields {
                id: Some(args.id_column.clone()),
                name: Some(args.name_column.clone()),
                parent: args.parent_column.clone(),
            };
            let meta = args.meta.request(&fields).options(&args.table)?.meta;
            let attachment = kvarter_pgstore::Attachment {
                relation: args.table.clone(),
                id_column: args.id_column.clone(),
                name_column: args.name_column.clone(),
                parent_column: args.parent_column.clone(),
                geometry_column: args.geometry_column.clone(),
            };
            let areas = store
                .attach(&attachment, &meta)
                .with_context(|| format!("cannot attach {}", args.table))?;
            println!(
                "attached {} as the layer {} (areas read: {areas}); every `kvarter serve --store` on {} reads it again on each reload",
                args.table,
                meta.id,
                store.shown()
            );
        }
        StoreCommand::Detach { id } => {
            let detached = store
                .detach(&id)
                .with_context(|| format!("cannot detach {id}"))?;
            anyhow::ensure!(detached, "{} has no attached layer {id}", store.shown());
            println!("detached {id}; its table stays as it is");
        }
        StoreCommand::Status => {
            let status = store
                .status()
                .with_context(|| format!("cannot read the store {}", store.shown()))?;
            println!("store           {}", store.shown());
            println!(
                "schema version  {} (this kvarter: {})",
                status
                    .schema_version
                    .map_or_else(|| "none".to_owned(), |v| v.to_string()),
                kvarter_pgstore::latest()
            );
            match status.held {
                Some(held) => {
                    println!(
                        "data version    {} (since {})",
                        held.data_version, held.since
                    );
                    println!("layers          {}", held.layers);
                }
                None => println!("data            none yet (`kvarter --store URL store init`)"),
            }
        }
    }
    Ok(())
}

//! `kvarter`: serve Copenhagen's designation layers and admin units, look points up, and build
//! the data folder. This binary only parses the command line, loads configuration and data, and
//! wires the library crates together.

mod addresses;
mod compare;
mod config;
mod embedded;
mod export;
mod layers;
mod render;
mod store;

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use kvarter_core::{Date, LayerId};
use kvarter_data::store::{DataDir, DataSource};
use kvarter_index::LookupQuery;
use kvarter_pgstore::PgStore;
use kvarter_service::lookup::{Located, LookupRequest};
use kvarter_service::{Service, ServiceConfig};

use crate::config::{FileConfig, LogFormat};

/// mimalloc instead of the system allocator: a request to the server makes a few dozen small,
/// short-lived allocations (hyper's buffers, headers, the middleware's futures), and with
/// glibc's malloc they cost about a sixth of a cached tile's CPU time; mimalloc's per-thread free
/// lists make them a fraction of that (BENCHMARKS.md, "The HTTP fast path"). Memory after
/// reloads still levels off (the reload load test checks it), and stays flat in the soak — with
/// the blocking pool held to a few threads per core (`kvarter_server::run_with`): each thread
/// has a heap of its own, and with tokio's default of up to 512 threads memory rose all along.
/// mimalloc 2 rather than the crate's default 3: with 3, which gives freed memory back to the
/// system after a second rather than 10 ms, the server held 312 MiB after loading the embedded
/// data instead of 76, and grew by 85 MiB over the ten-minute soak instead of staying flat,
/// for the same speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Kvarter: a boundary and map service for Copenhagen's designated areas and admin units.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// A data folder made by `kvarter data build` (default: the dataset embedded in the binary).
    #[arg(long, global = true, env = "KVARTER_DATA", conflicts_with = "store")]
    data: Option<PathBuf>,
    /// The layer store: a PostgreSQL/PostGIS database (postgres://user:password@host:port/db)
    /// made by `kvarter --store URL store init`, instead of a data folder.
    #[arg(long, global = true, env = "KVARTER_STORE", hide_env_values = true)]
    store: Option<String>,
    /// A TOML config file (see `kvarter serve --help` for the keys).
    #[arg(long, global = true, env = "KVARTER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (API, and the map page at /).
    ///
    /// Config file keys: `data` or `store`, `bind`, `log_format`, and a `[server]` table with
    /// `cors_allowed_origins`, `request_timeout_secs`, `max_features`, `tile_cache_mb`,
    /// `tile_cache_control`, `public_url`, `batch_max_bytes`, `batch_max_rows`, `admin_token` and
    /// a `[server.tiles]` table (`extent`, `buffer`, `simplify`, `maxzoom`).
    ///
    /// With `--data DIR` the folder is read again, and swapped in without downtime, on SIGHUP, on
    /// `POST /admin/reload` (with the admin token) and, with `--watch`, when its manifest
    /// changes; a reload that fails keeps the old data serving. With `--store URL` the same, and
    /// on every change the store announces (an import through any replica or the command line);
    /// while the store is away the data loaded last keeps serving.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "KVARTER_BIND")]
        bind: Option<SocketAddr>,
        /// Log format.
        #[arg(long, env = "KVARTER_LOG_FORMAT", value_enum)]
        log_format: Option<LogFormat>,
        /// Pre-render every layer's tiles at these zoom levels (e.g. 0-14) into the tile cache
        /// before the server is ready (before it listens on the embedded dataset; after the
        /// first load of a data folder, before /ready answers 200).
        #[arg(long, env = "KVARTER_WARM")]
        warm: Option<kvarter_tiles::ZoomRange>,
        /// Size of the in-memory tile cache in MiB; 0 turns the cache off (every tile request
        /// renders). Default 256.
        #[arg(long, env = "KVARTER_TILE_CACHE_MB")]
        tile_cache_mb: Option<u64>,
        /// With --data: reload when the data folder's manifest changes (an import, a remove),
        /// as SIGHUP and POST /admin/reload do.
        #[arg(long)]
        watch: bool,
        /// The bearer token of the admin routes (/admin/…: status, reload, layer import and
        /// remove, history) and the /admin page (at least 16 characters of visible ASCII; prefer
        /// the environment variable to the command line). Without one the admin routes answer 404.
        #[arg(long, env = "KVARTER_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
    },
    /// Print every area containing a point, or an address's best match and the areas at it, as
    /// JSON; or answer a CSV of addresses (`--batch`) with their designations, as CSV.
    ///
    /// The batch CSV is the one `POST /api/lookup/batch` takes and answers: a header naming an
    /// `address` column or `vejnavn,husnr,postnr` columns, or one address per line; the answer
    /// adds `matched_address,match,confidence,lon,lat` and one column per designation layer.
    Lookup {
        /// Longitude (WGS84).
        #[arg(
            long,
            allow_negative_numbers = true,
            required_unless_present_any = ["address", "batch"],
            requires = "lat"
        )]
        lon: Option<f64>,
        /// Latitude (WGS84).
        #[arg(
            long,
            allow_negative_numbers = true,
            required_unless_present_any = ["address", "batch"],
            requires = "lon"
        )]
        lat: Option<f64>,
        /// An address ("Mjølnerparken 2, 2200 København N") instead of a point: prints the best
        /// match, its confidence and the lookup at its point.
        #[arg(long, conflicts_with_all = ["lon", "lat", "batch"])]
        address: Option<String>,
        /// A CSV file of addresses (`-` for standard input): writes the same CSV with the
        /// matches and one column per designation layer to standard output, with a progress
        /// line on standard error when that is a terminal.
        #[arg(long, conflicts_with_all = ["lon", "lat"])]
        batch: Option<PathBuf>,
        /// Only designations in force on this day (YYYY-MM-DD).
        #[arg(long)]
        at: Option<Date>,
        /// Only these layers (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        layers: Option<Vec<LayerId>>,
    },
    /// Ask a running server whether it is ready (GET /ready): exits 0 when it answers 200, 1
    /// otherwise, printing its answer. For container health checks, where no curl is at hand.
    Healthcheck {
        /// The readiness URL.
        #[arg(long, default_value = "http://127.0.0.1:8080/ready")]
        url: String,
    },
    /// The layers: list them (the default), or import, remove and restore layers of a data
    /// folder, show its history, or make one from the embedded dataset.
    Layers {
        #[command(subcommand)]
        command: Option<layers::LayersCommand>,
    },
    /// The address register: import DAWA/DAR exports of adgangsadresser.
    Addresses {
        #[command(subcommand)]
        command: AddressesCommand,
    },
    /// Compare two layers (e.g. the 2011 and 2017 designations): what was kept, added and
    /// removed, with m² in EPSG:25832. Areas are matched by overlap, not by name.
    Compare(compare::CompareArgs),
    /// A map image for a report (PNG, SVG or PDF by the --out file's extension): one
    /// designation, two side by side, or the changes between two, with legend, scale bar and
    /// sources; the image `GET /api/static/{view}.{format}` gives for the same parameters.
    Render(Box<render::RenderArgs>),
    /// Data folder tools.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Vector tile tools.
    Tiles {
        #[command(subcommand)]
        command: TilesCommand,
    },
    /// The layer store (--store URL, PostgreSQL/PostGIS): create or migrate its schema, fill it
    /// with the default dataset, show its state.
    Store {
        #[command(subcommand)]
        command: store::StoreCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AddressesCommand {
    /// Import a DAWA/DAR export (CSV with `;` or `,`, JSON, `GeoJSON`) into the data folder's
    /// addresses-imported.csv, swapped in atomically (a failed import leaves the old file);
    /// `kvarter serve --data DIR` searches it beside the shipped gazetteer.
    Import(addresses::ImportArgs),
}

#[derive(Debug, Subcommand)]
enum TilesCommand {
    /// Write tiles to a z/x/y folder (and optionally a PMTiles archive) for static hosting.
    Export(export::ExportArgs),
}

#[derive(Debug, Subcommand)]
enum DataCommand {
    /// Rebuild a data folder from the source files, deterministically.
    Build {
        /// The folder holding the source data (shared/geodata-sources).
        #[arg(long)]
        sources: PathBuf,
        /// The output folder.
        #[arg(long, default_value = "geodata")]
        out: PathBuf,
        /// The recipe (default: recipe.toml in the output folder).
        #[arg(long)]
        recipe: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let file_config = match &cli.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    let data = Data::new(
        cli.data.clone().or_else(|| file_config.data.clone()),
        cli.store.as_deref().or(file_config.store.as_deref()),
    )?;
    match cli.command {
        Command::Serve {
            bind,
            log_format,
            warm,
            tile_cache_mb,
            watch,
            admin_token,
        } => {
            init_logging(log_format.or(file_config.log_format).unwrap_or_default());
            let bind = bind
                .or(file_config.bind)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
            let mut server_config = file_config.server.unwrap_or_default();
            if let Some(mb) = tile_cache_mb {
                server_config.tile_cache_mb = mb;
            }
            if let Some(token) = admin_token {
                server_config.admin_token = Some(kvarter_server::config::AdminToken::new(token));
            }
            anyhow::ensure!(
                !watch || data.folder.is_some(),
                "--watch needs --data DIR: the embedded dataset cannot change, and a server on a store follows its changes by itself"
            );
            let watch = watch
                .then(|| {
                    data.folder
                        .as_deref()
                        .map(|dir| dir.join(kvarter_data::manifest::FILE_NAME))
                })
                .flatten();
            serve(&data, bind, server_config, warm, watch)
        }
        Command::Tiles {
            command: TilesCommand::Export(args),
        } => {
            let (dataset, _) = load_layers(&*data.source())?;
            let tiles = file_config
                .server
                .map(|server| server.tiles)
                .unwrap_or_default();
            tiles
                .validate()
                .context("the [server.tiles] settings of the config file are invalid")?;
            export::run(dataset, tiles, &args)
        }
        Command::Lookup {
            lon,
            lat,
            address,
            batch,
            at,
            layers,
        } => match (address, batch, lon, lat) {
            (Some(address), _, _, _) => lookup_address(&data, &address, at, layers),
            (None, Some(path), _, _) => lookup_batch(&data, &path),
            (None, None, Some(lon), Some(lat)) => lookup(&data, lon, lat, at, layers),
            // clap requires lon and lat unless --address or --batch is given.
            (None, None, _, _) => anyhow::bail!("give --lon and --lat, --address, or --batch"),
        },
        Command::Addresses {
            command: AddressesCommand::Import(args),
        } => {
            let data_dir = args.out.clone().or_else(|| data.folder.clone()).context(
                "give the data folder to import into: --data DIR (the folder `kvarter serve --data DIR` serves) or --out DIR",
            )?;
            addresses::run(&args, &data_dir)
        }
        Command::Compare(args) => compare::run(&service(&data)?, &args),
        Command::Render(args) => render::run(&service(&data)?, &args),
        Command::Healthcheck { url } => healthcheck(&url),
        Command::Layers { command } => {
            layers::run(command.unwrap_or(layers::LayersCommand::List), &data)
        }
        Command::Store { command } => store::run(command, data.store.as_ref()),
        Command::Data {
            command:
                DataCommand::Build {
                    sources,
                    out,
                    recipe,
                },
        } => data_build(&sources, &out, recipe),
    }
}

/// `kvarter healthcheck`: GET `url` with a 5 s timeout; an error unless it answers 200.
fn healthcheck(url: &str) -> anyhow::Result<()> {
    let agent = ureq::AgentBuilder::new()
        .timeout(std::time::Duration::from_secs(5))
        .build();
    match agent.get(url).call() {
        Ok(answer) => {
            println!("{}", answer.into_string().unwrap_or_default());
            Ok(())
        }
        Err(ureq::Error::Status(status, answer)) => {
            let body = answer.into_string().unwrap_or_default();
            anyhow::bail!("{url} answered {status}: {body}")
        }
        Err(error) => anyhow::bail!("cannot reach {url}: {error}"),
    }
}

/// `kvarter data build`: rebuilds a data folder from the sources and the recipe.
fn data_build(sources: &Path, out: &Path, recipe: Option<PathBuf>) -> anyhow::Result<()> {
    let recipe_path = recipe.unwrap_or_else(|| out.join("recipe.toml"));
    let recipe = kvarter_data::recipe::Recipe::read(&recipe_path)?;
    let report = kvarter_data::build::build(&recipe, sources, out)
        .with_context(|| format!("building {} from {}", out.display(), sources.display()))?;
    for layer in &report.layers {
        println!(
            "{:<26} read {:>5}  written {:>5}  dropped {:>3}  repaired {:>3}",
            layer.id,
            layer.read,
            layer.written,
            layer.dropped.len(),
            layer.repaired.len()
        );
    }
    for table in &report.tables {
        println!(
            "{:<26} rows  {:>5}  on {}",
            table.dataset, table.rows, table.geography
        );
    }
    println!(
        "wrote {} layers and {} indicator tables to {} (details in {})",
        report.layers.len(),
        report.tables.len(),
        out.display(),
        out.join(kvarter_data::build::REPORT_FILE).display()
    );
    Ok(())
}

/// `kvarter lookup --lon --lat`: the lookup answer at the point, as JSON on stdout (the answer
/// of `/api/lookup`).
fn lookup(
    data: &Data,
    lon: f64,
    lat: f64,
    at: Option<Date>,
    layers: Option<Vec<LayerId>>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        kvarter_crs::is_valid_lon_lat(lon, lat),
        "({lon}, {lat}) is not a WGS84 coordinate: longitude must be within -180..180 and latitude within -90..90"
    );
    let service = service(data)?;
    let request = LookupRequest {
        at: Located::lon_lat(lon, lat),
        query: query(&service, at, layers)?,
    };
    print_json(&service.lookup(&request))
}

/// `kvarter lookup --address`: the best match, its confidence and the areas at its point, as
/// JSON on stdout (the answer of `/api/lookup?address=`).
fn lookup_address(
    data: &Data,
    address: &str,
    at: Option<Date>,
    layers: Option<Vec<LayerId>>,
) -> anyhow::Result<()> {
    let service = address_service(data)?;
    let query = query(&service, at, layers)?;
    print_json(&service.lookup_address(address, &query)?)
}

/// Which layers and which day a lookup answers for; unknown layers are refused by name.
fn query(
    service: &Service,
    at: Option<Date>,
    layers: Option<Vec<LayerId>>,
) -> anyhow::Result<LookupQuery> {
    let layers = layers
        .map(|ids| {
            let ids: Vec<&str> = ids.iter().map(LayerId::as_str).collect();
            service.layer_selection("layers", &ids)
        })
        .transpose()?;
    Ok(LookupQuery { layers, at })
}

/// `answer` as indented JSON on standard output.
fn print_json(answer: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, answer).context("cannot write the answer")?;
    std::io::Write::write_all(&mut out, b"\n").context("cannot write the answer")?;
    Ok(())
}

/// `kvarter lookup --batch FILE`: the CSV answer of `POST /api/lookup/batch` on stdout, without
/// its size limits, with a progress line on stderr when stderr is a terminal.
fn lookup_batch(data: &Data, path: &Path) -> anyhow::Result<()> {
    let input = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .context("cannot read the CSV from standard input")?;
        bytes
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let service = address_service(data)?;
    let show_progress = std::io::stderr().is_terminal();
    let output = service
        .lookup_batch(&input, usize::MAX, |done, total| {
            if show_progress && (done % 100 == 0 || done == total) {
                eprint!("\rlooked up {done} of {total} rows");
                if done == total {
                    eprintln!();
                }
            }
        })
        .with_context(|| format!("cannot answer the batch {}", path.display()))?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &output)
        .context("cannot write the answer to standard output")?;
    Ok(())
}

/// The service the address commands answer from, warning when the data has no gazetteer
/// (then every address gets no match, as the server answers).
fn address_service(data: &Data) -> anyhow::Result<Service> {
    let service = service(data)?;
    if service.addresses().is_none() {
        eprintln!("warning: the data has no gazetteer, so no address can be matched");
    }
    Ok(service)
}

/// Where the data comes from: a data folder (`--data`), the layer store (`--store`), or else
/// the dataset embedded in the binary.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// The data folder.
    pub folder: Option<PathBuf>,
    /// The layer store.
    pub store: Option<PgStore>,
}

impl Data {
    /// The data of `folder` or `store` (at most one of them).
    fn new(folder: Option<PathBuf>, store: Option<&str>) -> anyhow::Result<Self> {
        anyhow::ensure!(
            folder.is_none() || store.is_none(),
            "give a data folder (--data, KVARTER_DATA, `data`) or a store (--store, KVARTER_STORE, `store`), not both"
        );
        let store = store.map(PgStore::new).transpose()?;
        Ok(Self { folder, store })
    }

    /// The source to load from.
    pub fn source(&self) -> Arc<dyn DataSource> {
        match (&self.folder, &self.store) {
            (Some(dir), _) => Arc::new(DataDir::new(dir)),
            (None, Some(store)) => Arc::new(store.clone()),
            (None, None) => Arc::new(embedded::source()),
        }
    }
}

/// The layers `source` holds and their manifest, checked (for the commands that need no
/// indicators or addresses).
fn load_layers(
    source: &dyn DataSource,
) -> anyhow::Result<(kvarter_core::Dataset, kvarter_data::manifest::Manifest)> {
    source
        .load_layers()
        .with_context(|| format!("cannot load {}", source.describe()))
}

/// The service over the data (a command's, without a tile cache: it answers once).
fn service(data: &Data) -> anyhow::Result<Service> {
    let config = ServiceConfig {
        tile_cache_mb: 0,
        ..ServiceConfig::default()
    };
    Ok(Service::load(&*data.source(), config)?)
}

fn serve(
    data: &Data,
    bind: SocketAddr,
    config: kvarter_server::ServerConfig,
    warm: Option<kvarter_tiles::ZoomRange>,
    watch: Option<PathBuf>,
) -> anyhow::Result<()> {
    let source = data.source();
    config
        .validate()
        .context("the [server] settings of the config file are invalid")?;
    let service_config = config.service();
    let startup = kvarter_server::Startup { watch, warm };
    // A data folder or a store is read once the server listens, so /ready can say it is
    // loading (and why not, should the first load fail); SIGHUP, POST /admin/reload, --watch
    // (a folder) and the store's notifications read it again and swap it in, and the admin
    // routes import into it.
    let state = if let Some(dir) = &data.folder {
        anyhow::ensure!(
            dir.is_dir(),
            "the data folder {} does not exist (make one with `kvarter --data {} layers init`)",
            dir.display(),
            dir.display()
        );
        let reloader = kvarter_service::reload::Reloader::new(source, service_config);
        kvarter_server::AppState::loading(config).with_data_dir(dir.to_owned(), reloader)
    } else if let Some(store) = &data.store {
        let reloader = kvarter_service::reload::Reloader::new(source, service_config);
        kvarter_server::AppState::loading(config)
            .with_targets(Arc::new(store.clone()), reloader)
            .with_changes(Arc::new(store.clone()))
    } else {
        let service = Service::load(&*source, service_config)?;
        log_addresses(&service);
        if let Some(zooms) = startup.warm {
            kvarter_server::warm(&service, zooms)?;
        }
        kvarter_server::AppState::new(service, config)
    };
    kvarter_server::run_with(bind, Arc::new(state), startup)
        .context("the server stopped with an error")
}

/// Says whether address search is on.
fn log_addresses(service: &Service) {
    if let Some(addresses) = service.addresses() {
        tracing::info!(
            entries = addresses.gazetteer.entries().len(),
            "address search, reverse geocoding and lookup by address are on"
        );
    } else {
        tracing::warn!(
            "the data has no gazetteer: address search and lookup by address find nothing"
        );
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal, and never when NO_COLOR is set.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

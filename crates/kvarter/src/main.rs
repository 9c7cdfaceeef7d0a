//! `kvarter`: serve Copenhagen's designation layers and admin units, look points up, and build
//! the data folder. This binary only parses the command line, loads configuration and data, and
//! wires the library crates together.

mod addresses;
mod compare;
mod config;
mod embedded;
mod export;
mod indicators;

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use kvarter_core::{Dataset, Date, LayerId};
use kvarter_data::manifest::Manifest;
use kvarter_geocode::Gazetteer;
use kvarter_index::{Index, LookupQuery};

use crate::config::{FileConfig, LogFormat};

/// Kvarter: a boundary and map service for Copenhagen's designated areas and admin units.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// A data folder made by `kvarter data build` (default: the dataset embedded in the binary).
    #[arg(long, global = true, env = "KVARTER_DATA")]
    data: Option<PathBuf>,
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
    /// Config file keys: `data`, `bind`, `log_format`, and a `[server]` table with
    /// `cors_allowed_origins`, `request_timeout_secs`, `max_features`, `tile_cache_mb`,
    /// `tile_cache_control`, `public_url`, `batch_max_bytes`, `batch_max_rows` and a
    /// `[server.tiles]` table (`extent`, `buffer`, `simplify`, `maxzoom`).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "KVARTER_BIND")]
        bind: Option<SocketAddr>,
        /// Log format.
        #[arg(long, env = "KVARTER_LOG_FORMAT", value_enum)]
        log_format: Option<LogFormat>,
        /// Pre-render every layer's tiles at these zoom levels (e.g. 0-14) into the tile cache
        /// before listening.
        #[arg(long, env = "KVARTER_WARM")]
        warm: Option<kvarter_tiles::ZoomRange>,
        /// Size of the in-memory tile cache in MiB; 0 turns the cache off (every tile request
        /// renders). Default 256.
        #[arg(long, env = "KVARTER_TILE_CACHE_MB")]
        tile_cache_mb: Option<u64>,
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
    /// List the layers with their status, source and feature count.
    Layers,
    /// The address register: import DAWA/DAR exports of adgangsadresser.
    Addresses {
        #[command(subcommand)]
        command: AddressesCommand,
    },
    /// Compare two layers (e.g. the 2011 and 2017 designations): what was kept, added and
    /// removed, with m² in EPSG:25832. Areas are matched by overlap, not by name.
    Compare(compare::CompareArgs),
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
    let data = cli.data.clone().or_else(|| file_config.data.clone());
    match cli.command {
        Command::Serve {
            bind,
            log_format,
            warm,
            tile_cache_mb,
        } => {
            init_logging(log_format.or(file_config.log_format).unwrap_or_default());
            let bind = bind
                .or(file_config.bind)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
            let (dataset, manifest) = load(data.as_deref())?;
            let joins = indicators::load(data.as_deref(), &manifest, &dataset)?;
            let gazetteer = load_gazetteer(data.as_deref(), &manifest)?;
            let mut server_config = file_config.server.unwrap_or_default();
            if let Some(mb) = tile_cache_mb {
                server_config.tile_cache_mb = mb;
            }
            // SIGHUP re-reads the gazetteer and an imported register (`addresses import`).
            let reload: kvarter_server::ReloadAddresses = {
                let data = data.clone();
                Arc::new(move || {
                    load_gazetteer(data.as_deref(), &manifest).map_err(|error| format!("{error:#}"))
                })
            };
            serve(dataset, joins, gazetteer, bind, server_config, warm, reload)
        }
        Command::Tiles {
            command: TilesCommand::Export(args),
        } => {
            let (dataset, _) = load(data.as_deref())?;
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
            (Some(address), _, _, _) => lookup_address(data.as_deref(), &address, at, layers),
            (None, Some(path), _, _) => lookup_batch(data.as_deref(), &path),
            (None, None, Some(lon), Some(lat)) => lookup(data.as_deref(), lon, lat, at, layers),
            // clap requires lon and lat unless --address or --batch is given.
            (None, None, _, _) => anyhow::bail!("give --lon and --lat, --address, or --batch"),
        },
        Command::Addresses {
            command: AddressesCommand::Import(args),
        } => {
            let data_dir = args.out.clone().or_else(|| data.clone()).context(
                "give the data folder to import into: --data DIR (the folder `kvarter serve --data DIR` serves) or --out DIR",
            )?;
            addresses::run(&args, &data_dir)
        }
        Command::Compare(args) => {
            let (dataset, _) = load(data.as_deref())?;
            compare::run(&dataset, &args)
        }
        Command::Layers => {
            let (dataset, manifest) = load(data.as_deref())?;
            print_layers(&dataset, &manifest);
            Ok(())
        }
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

/// `kvarter lookup`: every area containing the point, as JSON on stdout.
fn lookup(
    data: Option<&Path>,
    lon: f64,
    lat: f64,
    at: Option<Date>,
    layers: Option<Vec<LayerId>>,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        kvarter_crs::is_valid_lon_lat(lon, lat),
        "({lon}, {lat}) is not a WGS84 coordinate: longitude must be within -180..180 and latitude within -90..90"
    );
    let (dataset, _) = load(data)?;
    if let Some(ids) = &layers {
        for id in ids {
            anyhow::ensure!(dataset.layer(id).is_some(), "unknown layer {id}");
        }
    }
    let index = Index::new(dataset);
    let hits = index.lookup(geo::Coord { x: lon, y: lat }, &LookupQuery { layers, at });
    let rows: Vec<serde_json::Value> = hits
        .iter()
        .map(|hit| {
            serde_json::json!({
                "layer": hit.layer.meta.id,
                "status": hit.layer.meta.status,
                "id": hit.area.id,
                "name": hit.area.name,
                "on_boundary": hit.on_boundary,
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&rows)?);
    Ok(())
}

/// `kvarter lookup --address`: the best match, its confidence and the areas at its point, as
/// JSON on stdout (the answer of `/api/lookup?address=`).
fn lookup_address(
    data: Option<&Path>,
    address: &str,
    at: Option<Date>,
    layers: Option<Vec<LayerId>>,
) -> anyhow::Result<()> {
    let state = address_state(data)?;
    if let Some(ids) = &layers {
        for id in ids {
            anyhow::ensure!(state.index.layer(id).is_some(), "unknown layer {id}");
        }
    }
    let answer = kvarter_server::lookup::by_address(&state, address, at, layers, true)?;
    println!("{answer}");
    Ok(())
}

/// `kvarter lookup --batch FILE`: the CSV answer of `POST /api/lookup/batch` on stdout, without
/// its size limits, with a progress line on stderr when stderr is a terminal.
fn lookup_batch(data: Option<&Path>, path: &Path) -> anyhow::Result<()> {
    let input = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .context("cannot read the CSV from standard input")?;
        bytes
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let state = address_state(data)?;
    let show_progress = std::io::stderr().is_terminal();
    let output = kvarter_server::batch::lookup_csv(&state, &input, usize::MAX, |done, total| {
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

/// The state the address commands share with the server: the data and, when it has one, its
/// gazetteer (without one, every address gets no match, as the server answers).
fn address_state(data: Option<&Path>) -> anyhow::Result<kvarter_server::AppState> {
    let (dataset, manifest) = load(data)?;
    let gazetteer = load_gazetteer(data, &manifest)?;
    if gazetteer.is_none() {
        eprintln!("warning: the data has no gazetteer, so no address can be matched");
    }
    let state = kvarter_server::AppState::new(
        Index::new(dataset),
        kvarter_server::ServerConfig {
            tile_cache_mb: 0,
            ..kvarter_server::ServerConfig::default()
        },
    );
    Ok(match gazetteer {
        Some(gazetteer) => state.with_gazetteer(gazetteer),
        None => state,
    })
}

/// The gazetteer of the data folder (or of the embedded data), indexed; `None` when the data
/// has none.
fn load_gazetteer(data: Option<&Path>, manifest: &Manifest) -> anyhow::Result<Option<Gazetteer>> {
    let (bytes, origin) = match data {
        Some(dir) => (
            kvarter_data::dataset::load_gazetteer(dir, manifest)
                .with_context(|| format!("cannot load the gazetteer of {}", dir.display()))?,
            dir.join("gazetteer.csv").display().to_string(),
        ),
        None => (
            embedded::load_gazetteer(manifest).context("cannot load the embedded gazetteer")?,
            "<embedded geodata>/gazetteer.csv".to_owned(),
        ),
    };
    let mut entries = match bytes {
        Some(bytes) => kvarter_geocode::read_csv(&bytes, &origin)
            .with_context(|| format!("the gazetteer {origin} is invalid"))?,
        None => Vec::new(),
    };
    // An address register imported with `kvarter addresses import` into the data folder.
    if let Some(dir) = data {
        let path = dir.join(addresses::OUTPUT_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let origin = path.display().to_string();
                let imported = kvarter_geocode::read_csv(&bytes, &origin)
                    .with_context(|| format!("the imported addresses {origin} are invalid"))?;
                tracing::info!(addresses = imported.len(), file = %origin, "imported addresses loaded");
                entries.extend(imported);
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", path.display()));
            }
        }
    }
    Ok((!entries.is_empty()).then(|| Gazetteer::new(entries)))
}

/// Loads the data folder, or the embedded dataset when none is given.
fn load(data: Option<&Path>) -> anyhow::Result<(Dataset, Manifest)> {
    match data {
        Some(dir) => kvarter_data::dataset::load_dir(dir)
            .with_context(|| format!("cannot load the data folder {}", dir.display())),
        None => embedded::load().context("cannot load the embedded dataset"),
    }
}

fn print_layers(dataset: &Dataset, manifest: &Manifest) {
    println!("data version {}", dataset.version);
    println!(
        "{:<26} {:<22} {:<13} {:>8}  title",
        "id", "kind", "status", "features"
    );
    for entry in &manifest.layers {
        let kind = serde_json::to_value(entry.meta.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        println!(
            "{:<26} {:<22} {:<13} {:>8}  {}",
            entry.meta.id, kind, entry.meta.status, entry.feature_count, entry.meta.title.da
        );
    }
}

fn serve(
    dataset: Dataset,
    joins: Option<kvarter_indicators::Joins>,
    gazetteer: Option<Gazetteer>,
    bind: SocketAddr,
    config: kvarter_server::ServerConfig,
    warm: Option<kvarter_tiles::ZoomRange>,
    reload: kvarter_server::ReloadAddresses,
) -> anyhow::Result<()> {
    config
        .validate()
        .context("the [server] settings of the config file are invalid")?;
    let mut state = kvarter_server::AppState::new(Index::new(dataset), config);
    if let Some(joins) = joins {
        state = state.with_indicators(joins);
    }
    if let Some(gazetteer) = gazetteer {
        tracing::info!(
            entries = gazetteer.entries().len(),
            "address search, reverse geocoding and lookup by address are on"
        );
        state = state.with_gazetteer(gazetteer);
    } else {
        tracing::warn!(
            "the data has no gazetteer: address search and lookup by address find nothing"
        );
    }
    let state = Arc::new(state);
    if let Some(zooms) = warm {
        if let Some(joins) = &state.indicators {
            let started = std::time::Instant::now();
            // Base maps are map context: their indicators are joined on first request.
            joins
                .prepare_where(|layer| layer.meta.kind.in_default_lookup())
                .context("cannot join the indicators onto the layers")?;
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "indicators joined onto every designation and admin layer"
            );
        }
        let started = std::time::Instant::now();
        let warmed = state.tiles.warm(&state.index, zooms);
        tracing::info!(
            zooms = %zooms,
            tiles = warmed.tiles,
            non_empty = warmed.non_empty,
            seconds = started.elapsed().as_secs_f64(),
            "tile cache warmed"
        );
    }
    kvarter_server::run_with(bind, state, Some(reload)).context("the server stopped with an error")
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

//! `kvarter`: serve Copenhagen's designation layers and admin units, look points up, and build
//! the data folder. This binary only parses the command line, loads configuration and data, and
//! wires the library crates together.

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
    /// `tile_cache_control`, `public_url` and a `[server.tiles]` table (`extent`, `buffer`,
    /// `simplify`, `maxzoom`).
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
    /// Print every area containing a point, as JSON.
    Lookup {
        /// Longitude (WGS84).
        #[arg(long, allow_negative_numbers = true)]
        lon: f64,
        /// Latitude (WGS84).
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        /// Only designations in force on this day (YYYY-MM-DD).
        #[arg(long)]
        at: Option<Date>,
        /// Only these layers (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        layers: Option<Vec<LayerId>>,
    },
    /// List the layers with their status, source and feature count.
    Layers,
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
            let mut server_config = file_config.server.unwrap_or_default();
            if let Some(mb) = tile_cache_mb {
                server_config.tile_cache_mb = mb;
            }
            serve(dataset, joins, bind, server_config, warm)
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
            at,
            layers,
        } => lookup(data.as_deref(), lon, lat, at, layers),
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
        } => {
            let recipe_path = recipe.unwrap_or_else(|| out.join("recipe.toml"));
            let recipe = kvarter_data::recipe::Recipe::read(&recipe_path)?;
            let report =
                kvarter_data::build::build(&recipe, &sources, &out).with_context(|| {
                    format!("building {} from {}", out.display(), sources.display())
                })?;
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
    }
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
        kvarter_data::crs::is_valid_lon_lat(lon, lat),
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
    bind: SocketAddr,
    config: kvarter_server::ServerConfig,
    warm: Option<kvarter_tiles::ZoomRange>,
) -> anyhow::Result<()> {
    config
        .validate()
        .context("the [server] settings of the config file are invalid")?;
    let mut state = kvarter_server::AppState::new(Index::new(dataset), config);
    if let Some(joins) = joins {
        state = state.with_indicators(joins);
    }
    let state = Arc::new(state);
    if let Some(zooms) = warm {
        if let Some(joins) = &state.indicators {
            let started = std::time::Instant::now();
            joins
                .prepare_all()
                .context("cannot join the indicators onto the layers")?;
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "indicators joined onto every area layer"
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
    kvarter_server::run(bind, state).context("the server stopped with an error")
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

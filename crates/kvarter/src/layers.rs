//! `kvarter layers …`: list a dataset's layers, and change a data folder's layers — import one
//! from a file or a WFS, remove one, restore a replaced or removed one, show the history, and
//! make a data folder from the embedded dataset. The work is `kvarter_data::import`'s; this
//! module reads the command line, draws the progress line and prints the outcome.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use kvarter_core::{Date, LayerId, LayerKind, Status};
use kvarter_crs::Crs;
use kvarter_data::import::{self, Event, ImportOptions, ImportRequest, Source, Target, change};
use kvarter_data::manifest::{HistoryEntry, Manifest};

/// The environment variable of the test hook: an import stops for a minute after the step it
/// names (`read`, `prepared`, `locked`, `file-written`, `manifest-staged`, `switched`), so a
/// test can `kill -9` it there.
pub const PAUSE_AFTER: &str = "KVARTER_TEST_PAUSE_AFTER";

/// `kvarter layers` subcommands; without one, the layers are listed.
#[derive(Debug, Subcommand)]
pub enum LayersCommand {
    /// List the layers with their status, source and feature count (the default).
    List,
    /// Import a layer from a file (GeoJSON, FlatGeobuf, Shapefile .shp or .zip, GeoPackage,
    /// CSV with a WKT column) or a WFS GetFeature URL into the data folder, atomically.
    Import(Box<ImportArgs>),
    /// Remove a layer from the data folder; its file is kept for `layers restore`.
    Remove {
        /// The layer's id.
        id: String,
    },
    /// Bring back a version of a layer that an import replaced or a remove took out.
    Restore {
        /// The layer's id.
        id: String,
        /// The version's file checksum (or its start), as `layers history` shows it; default:
        /// the latest version put aside.
        #[arg(long)]
        sha256: Option<String>,
    },
    /// What was imported, replaced, removed and restored, when, from what, with which checksum.
    History {
        /// Print the history as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a data folder (--data DIR) holding the embedded default dataset, to import into.
    Init,
}

/// The kinds a layer can be imported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum KindArg {
    /// A municipal designation (udsatte byområder).
    MunicipalDesignation,
    /// A state list (forebyggelsesområder, udsatte boligområder, parallelsamfund,
    /// omdannelsesområder, the 2010 list).
    StateDesignation,
    /// An administrative or statistical unit.
    AdminUnit,
    /// Map context (water, parks, streets).
    BaseMap,
}

impl From<KindArg> for LayerKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::MunicipalDesignation => Self::MunicipalDesignation,
            KindArg::StateDesignation => Self::StateDesignation,
            KindArg::AdminUnit => Self::AdminUnit,
            KindArg::BaseMap => Self::BaseMap,
        }
    }
}

/// The statuses an import may state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    /// The authority's own boundary file, unchanged but for reprojection and repair (the
    /// importer's statement).
    Official,
    /// Loaded by a user; not checked against the authority (the default).
    Imported,
}

/// The metadata of a layer (required, never guessed), as `layers import` and `store attach`
/// take it.
#[derive(Debug, Args)]
pub struct MetaArgs {
    /// The layer id (lower-case letters, digits, '-'), e.g. udsatte-byomraader-2025.
    #[arg(long)]
    pub id: LayerId,
    /// What the layer is.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// Who designated or defined the areas, e.g. "Københavns Kommune".
    #[arg(long)]
    pub authority: String,
    /// The policy or list, e.g. "Politik for udsatte byområder 2025-2035".
    #[arg(long)]
    pub policy: Option<String>,
    /// First day in force (YYYY-MM-DD); required for designations.
    #[arg(long)]
    pub valid_from: Option<Date>,
    /// First day no longer in force (YYYY-MM-DD), if it has ended.
    #[arg(long)]
    pub valid_to: Option<Date>,
    /// How exact the period is, when the sources do not give the day.
    #[arg(long)]
    pub validity_note: Option<String>,
    /// The Danish title.
    #[arg(long)]
    pub title_da: String,
    /// The English title.
    #[arg(long)]
    pub title_en: String,
    /// `official` states that this is the authority's own data; the default is `imported`.
    #[arg(long, value_enum, default_value = "imported")]
    pub status: StatusArg,
    /// The original publisher, e.g. "Københavns Kommune".
    #[arg(long)]
    pub source_publisher: String,
    /// Where the publisher serves it (the WFS or the portal page).
    #[arg(long)]
    pub source_url: String,
    /// The snapshot or vintage, e.g. "WFS snapshot 2026-12-04".
    #[arg(long)]
    pub vintage: String,
    /// The licence, e.g. "CC BY 4.0".
    #[arg(long)]
    pub licence: String,
}

impl MetaArgs {
    /// The request the admin API takes too, with the fields and reading options given.
    pub fn request(&self, fields: &import::Fields) -> ImportRequest {
        ImportRequest {
            id: self.id.clone(),
            kind: self.kind.into(),
            authority: self.authority.clone(),
            policy: self.policy.clone(),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            validity_note: self.validity_note.clone(),
            title_da: self.title_da.clone(),
            title_en: self.title_en.clone(),
            status: match self.status {
                StatusArg::Official => Status::Official,
                StatusArg::Imported => Status::Imported,
            },
            source_publisher: self.source_publisher.clone(),
            source_url: self.source_url.clone(),
            vintage: self.vintage.clone(),
            licence: self.licence.clone(),
            name_field: fields.name.clone(),
            id_field: fields.id.clone(),
            parent_field: fields.parent.clone(),
            crs: None,
            table: None,
            wkt_column: None,
            replace: false,
        }
    }
}

/// What `kvarter layers import` takes: the source, the layer's metadata (required, never
/// guessed) and how to read the source.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file, or a WFS GetFeature URL (http:// or https://, GeoJSON output).
    pub source: String,
    #[command(flatten)]
    pub meta: MetaArgs,
    /// The attribute holding each area's name.
    #[arg(long)]
    pub name_field: Option<String>,
    /// The attribute holding each area's id (default: the features' own ids, else 1, 2, …).
    #[arg(long)]
    pub id_field: Option<String>,
    /// The attribute holding each area's parent (e.g. its byområde).
    #[arg(long)]
    pub parent_field: Option<String>,
    /// The CRS of the coordinates, when the file declares none or declares it wrongly:
    /// EPSG:4326, EPSG:25832 or EPSG:3857.
    #[arg(long, value_parser = parse_crs)]
    pub crs: Option<Crs>,
    /// GeoPackage: the feature table (default: the first).
    #[arg(long)]
    pub table: Option<String>,
    /// CSV: the WKT column (default: the first of `wkt`, `geometry`, `wkb_geometry`, `the_geom`, `geom`).
    #[arg(long)]
    pub wkt_column: Option<String>,
    /// Replace a layer with the same id (its files are kept: `layers restore` brings it back).
    #[arg(long)]
    pub replace: bool,
    /// Write the per-feature report (repairs, dropped features, notes) to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

fn parse_crs(text: &str) -> Result<Crs, String> {
    Crs::from_name(text)
        .ok_or_else(|| format!("{text:?}: Kvarter reads EPSG:4326, EPSG:25832 and EPSG:3857"))
}

impl ImportArgs {
    /// The import's options, through the request the admin API takes too.
    fn options(&self, source: &Source) -> anyhow::Result<ImportOptions> {
        let file = match source {
            Source::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            Source::Wfs(url) => url.clone(),
        };
        let fields = import::Fields {
            id: self.id_field.clone(),
            name: self.name_field.clone(),
            parent: self.parent_field.clone(),
        };
        let request = ImportRequest {
            crs: self.crs.map(|crs| format!("EPSG:{}", crs.epsg())),
            table: self.table.clone(),
            wkt_column: self.wkt_column.clone(),
            replace: self.replace,
            ..self.meta.request(&fields)
        };
        Ok(request.options(&file)?)
    }
}

/// Runs a `kvarter layers` subcommand; `source` is the data the listing reads (the data folder,
/// or the embedded dataset without `--data`).
pub fn run(command: LayersCommand, data: &crate::Data) -> anyhow::Result<()> {
    let folder = || {
        data.folder.as_deref().context(
            "give the data folder: --data DIR (make one from the embedded dataset with `kvarter --data DIR layers init`)",
        )
    };
    // What import, remove and restore change: the store, or the data folder.
    let target = || -> anyhow::Result<Box<dyn Target + '_>> {
        match &data.store {
            Some(store) => {
                Ok(Box::new(store.session().with_context(|| {
                    format!("cannot change {}", store.shown())
                })?))
            }
            None => Ok(Box::new(import::folder::Folder::new(folder()?))),
        }
    };
    let source = data.source();
    let mut progress = Progress::new(std::io::stderr().is_terminal());
    let mut on = |event: Event| progress.event(event);
    match command {
        LayersCommand::List => {
            let (dataset, manifest) = source
                .load_layers()
                .with_context(|| format!("cannot load {}", source.describe()))?;
            print_list(&dataset.version, &manifest);
        }
        LayersCommand::Import(args) => {
            let source = Source::parse(&args.source);
            let options = args.options(&source)?;
            let report = import::import_into(&mut *target()?, &source, &options, &mut on)
                .with_context(|| format!("cannot import {}", source.describe()))?;
            progress.finish();
            if let Some(path) = &args.report {
                std::fs::write(path, report.to_text())
                    .with_context(|| format!("cannot write the report {}", path.display()))?;
            }
            print_import(&report, args.report.as_deref(), data.store.is_some());
        }
        LayersCommand::Remove { id } => {
            let mut target = target()?;
            let entry = change::remove(&mut *target, &id, &mut on)
                .with_context(|| format!("cannot remove {id}"))?;
            println!(
                "removed {id}; its version {} stays in {} (`kvarter layers restore {id}`, with the same --data or --store, brings it back)",
                entry.entry.file,
                target.describe(),
            );
        }
        LayersCommand::Restore { id, sha256 } => {
            let entry = change::restore(&mut *target()?, &id, sha256.as_deref(), &mut on)
                .with_context(|| format!("cannot restore {id}"))?;
            println!(
                "restored {id} from {} (sha256 {}, {} features)",
                entry.entry.file,
                &entry.entry.sha256[..12],
                entry.entry.feature_count
            );
        }
        LayersCommand::History { json } => {
            let history = match &data.store {
                Some(store) => store
                    .history()
                    .with_context(|| format!("cannot read the history of {}", store.shown()))?,
                None => import::history(folder()?)?,
            };
            if json {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer_pretty(&mut out, &history)?;
                writeln!(out)?;
            } else {
                print_history(&history);
            }
        }
        LayersCommand::Init => {
            anyhow::ensure!(
                data.store.is_none(),
                "`layers init` makes a data folder; a store is filled by `kvarter --store URL store init`"
            );
            let dir = folder()?;
            let version = import::init(dir, crate::embedded::FILES, &mut on)
                .with_context(|| format!("cannot make the data folder {}", dir.display()))?;
            println!(
                "{} now holds the embedded dataset (data version {version}); import into it with `kvarter --data {} layers import …`",
                dir.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

fn print_import(report: &import::ImportReport, report_file: Option<&Path>, store: bool) {
    let f = &report.features;
    let entry = &report.entry;
    println!(
        "{} {} from {} ({}, {:.1} MB) in {:.2} s ({:.0} features/s)",
        entry.action.as_str(),
        entry.layer,
        report.source,
        report.format,
        report.source_bytes as f64 / 1e6,
        report.elapsed.as_secs_f64(),
        report.features_per_second()
    );
    println!("{}", f.counts());
    for note in &f.notes {
        println!("note: {note}");
    }
    println!(
        "file {} (sha256 {}), data version {} -> {}",
        entry.entry.file,
        &entry.entry.sha256[..12],
        entry.previous_data_version,
        report.data_version
    );
    if let Some(replaced) = &entry.replaced {
        println!(
            "the replaced version stays as {} (`layers restore {} --sha256 {}`)",
            replaced.file,
            entry.layer,
            &replaced.sha256[..12]
        );
    }
    match report_file {
        Some(path) => println!("per-feature report: {}", path.display()),
        None if !f.repaired.is_empty() || !f.dropped.is_empty() => {
            println!("(--report FILE lists every repaired and dropped feature)");
        }
        None => {}
    }
    if store {
        println!(
            "a running `kvarter serve --store URL` serves it after SIGHUP or POST /admin/reload"
        );
    } else {
        println!(
            "a running `kvarter serve --data DIR` serves it after SIGHUP or POST /admin/reload, at once with --watch"
        );
    }
}

fn print_history(history: &[HistoryEntry]) {
    if history.is_empty() {
        println!("no layer has been imported, removed or restored in this folder");
        return;
    }
    println!(
        "{:<20} {:<8} {:<26} {:<12} {:>8}  source (sha256)",
        "at", "action", "layer", "file sha256", "features"
    );
    for h in history {
        let source = match (&h.source, &h.source_sha256) {
            (Some(source), Some(sha)) => format!("{source} ({})", &sha[..12.min(sha.len())]),
            _ => "-".to_owned(),
        };
        println!(
            "{:<20} {:<8} {:<26} {:<12} {:>8}  {source}",
            h.at,
            h.action.as_str(),
            h.layer,
            &h.entry.sha256[..12],
            h.entry.feature_count
        );
        println!("{:<29} file {}", "", h.entry.file);
        if let Some(replaced) = &h.replaced {
            println!(
                "{:<29} put aside {} (sha256 {})",
                "",
                replaced.file,
                &replaced.sha256[..12]
            );
        }
    }
}

/// The layers of a manifest, one line each.
fn print_list(version: &str, manifest: &Manifest) {
    println!("data version {version}");
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

/// A progress line on stderr (when it is a terminal), redrawn at most five times a second; and
/// the test hook [`PAUSE_AFTER`].
struct Progress {
    show: bool,
    drawn: Option<Instant>,
    pause_after: Option<String>,
}

impl Progress {
    fn new(show: bool) -> Self {
        Self {
            show,
            drawn: None,
            pause_after: std::env::var(PAUSE_AFTER).ok(),
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Waiting => {
                eprintln!(
                    "another import is writing to this data folder; waiting for it to finish"
                );
            }
            Event::Page { features, matched } => {
                let of = matched.map(|m| format!(" of {m}")).unwrap_or_default();
                self.draw(&format!("WFS: {features}{of} features read"), false);
            }
            Event::Prepared { done, total } => {
                let bar = bar(done, total);
                self.draw(
                    &format!("checking and repairing {bar} {done}/{total} features"),
                    done == total,
                );
            }
            Event::Step(step) => {
                if self.pause_after.as_deref() == Some(step.name()) {
                    eprintln!("paused after {} ({PAUSE_AFTER})", step.name());
                    std::thread::sleep(Duration::from_mins(1));
                }
            }
        }
    }

    fn draw(&mut self, line: &str, last: bool) {
        if !self.show {
            return;
        }
        let due = self
            .drawn
            .is_none_or(|at| at.elapsed() >= Duration::from_millis(200));
        if due || last {
            eprint!("\r\x1b[2K{line}");
            self.drawn = Some(Instant::now());
        }
    }

    fn finish(&mut self) {
        if self.show && self.drawn.is_some() {
            eprintln!();
        }
    }
}

/// A 24-character bar for `done` of `total`.
fn bar(done: usize, total: usize) -> String {
    let filled = (done * 24).checked_div(total).unwrap_or(24);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(24 - filled))
}

//! `kvarter addresses import FILE`: load the national or municipal address register (a DAWA/DAR
//! export of adgangsadresser as CSV, JSON or `GeoJSON`, read by [`kvarter_geocode::dawa`]) into
//! the data folder's `addresses-imported.csv`, in the gazetteer file format of
//! [`kvarter_geocode::file`].
//!
//! The steps, in [`import`]:
//! 1. open FILE and let [`DawaReader`] find its format (and, for CSV, check the header);
//!    ETRS89 / UTM 32N coordinates are converted with [`kvarter_crs::utm32_to_wgs84`];
//! 2. stream the rows: each entry goes, points rounded to the file's seven decimals, into a
//!    temporary file beside the output (written in chunks by [`file::write_csv`], so memory
//!    stays flat on the 2.5 million rows of the national register); each rejected row into
//!    the temporary report when `--report` is given; a progress line on stderr when it is a
//!    terminal;
//! 3. on any error — a whole-file [`DawaError`](kvarter_geocode::DawaError), a write error, or
//!    no row imported at all — return it: the temporary files are deleted and the old output
//!    is untouched, so the service keeps the address index it had;
//! 4. otherwise fsync the temporary files, rename them over the report and the output (the
//!    output last), and fsync the folder: readers see the old file or the new one, never half.

use std::cell::Cell;
use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal as _, Read, Write as _};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use kvarter_geocode::dawa::{DawaReader, Format, Rejected, Row, Tally};
use kvarter_geocode::file::{self, Record};
use tempfile::NamedTempFile;

/// The file the import writes, in the output folder: the one a data folder's address index
/// reads beside its gazetteer.
pub const OUTPUT_FILE: &str = kvarter_data::store::IMPORTED_ADDRESSES;

/// The `source` written on every imported row unless `--source` says otherwise.
pub const DEFAULT_SOURCE: &str = "dawa-adgangsadresser";

/// Entries per [`file::write_csv`] call.
const CHUNK: usize = 4096;

/// What `kvarter addresses import` takes.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export of adgangsadresser: DAWA/DAR CSV (`;` or `,` separated), DAWA JSON or
    /// `GeoJSON`.
    pub file: PathBuf,
    /// The folder to write addresses-imported.csv to (default: the data folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the rejected rows (line, record, id, reason, detail) to this CSV file.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// The source id written in each row's `source` column.
    #[arg(long, default_value = DEFAULT_SOURCE)]
    pub source: String,
}

/// What an import did.
#[derive(Debug)]
pub struct ImportSummary {
    /// The format of the input.
    pub format: Format,
    /// Rows read, imported and rejected by reason.
    pub tally: Tally,
    /// The file written.
    pub output: PathBuf,
    /// The report written, if one was asked for.
    pub report: Option<PathBuf>,
    /// Wall-clock time of the whole import.
    pub elapsed: Duration,
}

impl ImportSummary {
    /// Rows read per second.
    pub fn rows_per_second(&self) -> f64 {
        self.tally.read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `kvarter addresses import`: imports, then prints the summary on stdout.
pub fn run(args: &ImportArgs, data_dir: &Path) -> anyhow::Result<()> {
    let summary = import(args, data_dir, io::stderr().is_terminal())?;
    let tally = &summary.tally;
    println!(
        "read {} rows of {} from {} in {:.2} s ({:.0} rows/s)",
        tally.read,
        summary.format,
        args.file.display(),
        summary.elapsed.as_secs_f64(),
        summary.rows_per_second()
    );
    println!(
        "imported {} into {}",
        tally.imported,
        summary.output.display()
    );
    println!("rejected {}", tally.rejected_total());
    for (code, count) in &tally.rejected {
        println!("  {code:<26} {count:>9}");
    }
    if let Some(report) = &summary.report {
        println!("rejected rows with reasons: {}", report.display());
    }
    Ok(())
}

/// Imports `args.file` into `addresses-imported.csv` in `args.out` (default `data_dir`); see
/// the [module docs](self) for the steps. `progress` draws a progress line on stderr.
pub fn import(args: &ImportArgs, data_dir: &Path, progress: bool) -> anyhow::Result<ImportSummary> {
    let started = Instant::now();
    let input =
        File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let size = input.metadata().map_or(0, |m| m.len());
    let bytes_read = Rc::new(Cell::new(0));
    let counted = Counted {
        inner: input,
        read: Rc::clone(&bytes_read),
    };
    let reader = DawaReader::new(counted, |x, y| kvarter_crs::utm32_to_wgs84(x, y).ok())
        .with_context(|| format!("cannot import {}", args.file.display()))?;
    let format = reader.format();

    let out_dir = args.out.as_deref().unwrap_or(data_dir);
    fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create the folder {}", out_dir.display()))?;
    let output = out_dir.join(OUTPUT_FILE);
    let mut entries = AtomicFile::create(&output)?;
    entries.writer.write_all(file::HEADER.as_bytes())?;
    entries.writer.write_all(b"\n")?;
    let mut report = match &args.report {
        Some(path) => {
            let mut report = csv::Writer::from_writer(AtomicFile::create(path)?);
            report.write_record(["line", "record", "id", "reason", "detail"])?;
            Some(report)
        }
        None => None,
    };

    let mut tally = Tally::default();
    let mut chunk: Vec<Record> = Vec::with_capacity(CHUNK);
    let mut bar = Progress::new(progress, size, started);
    for row in reader {
        let row = row.with_context(|| format!("cannot import {}", args.file.display()))?;
        tally.add(&row);
        match row {
            Row::Imported(mut entry) => {
                entry.point = geo::Point::new(
                    file::round_coordinate(entry.point.x()),
                    file::round_coordinate(entry.point.y()),
                );
                chunk.push(Record {
                    entry,
                    source: args.source.clone(),
                });
                if chunk.len() == CHUNK {
                    write_chunk(&mut entries.writer, &chunk)?;
                    chunk.clear();
                }
            }
            Row::Rejected(rejected) => {
                if let Some(report) = &mut report {
                    write_rejected(report, &rejected)?;
                }
            }
        }
        bar.tick(tally.read, bytes_read.get());
    }
    write_chunk(&mut entries.writer, &chunk)?;
    bar.finish();
    anyhow::ensure!(
        tally.imported > 0,
        "no row of {} could be imported ({} read, {} rejected); {} is left as it was",
        args.file.display(),
        tally.read,
        tally.rejected_total(),
        output.display()
    );
    if let Some(report) = report {
        report
            .into_inner()
            .map_err(|error| anyhow::anyhow!("cannot write the report: {}", error.error()))?
            .commit()?;
    }
    entries.commit()?;
    Ok(ImportSummary {
        format,
        tally,
        output,
        report: args.report.clone(),
        elapsed: started.elapsed(),
    })
}

/// Appends records in the gazetteer format, without the header [`file::write_csv`] starts with.
fn write_chunk(out: &mut impl io::Write, chunk: &[Record]) -> anyhow::Result<()> {
    if chunk.is_empty() {
        return Ok(());
    }
    let bytes = file::write_csv(chunk);
    let body = bytes
        .strip_prefix(file::HEADER.as_bytes())
        .and_then(|rest| rest.strip_prefix(b"\n"))
        .context("the gazetteer writer did not start with its header")?;
    out.write_all(body)?;
    Ok(())
}

fn write_rejected(csv: &mut csv::Writer<AtomicFile>, rejected: &Rejected) -> anyhow::Result<()> {
    csv.write_record([
        rejected.line.map(|l| l.to_string()).unwrap_or_default(),
        rejected.record.to_string(),
        rejected.id.clone().unwrap_or_default(),
        rejected.reason.code().to_owned(),
        rejected.reason.to_string(),
    ])?;
    Ok(())
}

/// A file written under a temporary name in its folder and renamed over `target` only by
/// [`commit`](Self::commit); dropped uncommitted, the temporary file is deleted.
struct AtomicFile {
    writer: BufWriter<NamedTempFile>,
    target: PathBuf,
}

impl AtomicFile {
    fn create(target: &Path) -> anyhow::Result<Self> {
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .with_context(|| format!("{} is not a file name", target.display()))?
            .to_string_lossy();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        Ok(Self {
            writer: BufWriter::with_capacity(1 << 20, temp),
            target: target.to_owned(),
        })
    }

    /// Flushes and fsyncs the temporary file, gives it the old file's permissions (or the
    /// usual 0644 — a temporary file starts as 0600), renames it over the target and fsyncs the
    /// folder so the rename itself survives a crash.
    fn commit(self) -> anyhow::Result<()> {
        let target = self.target;
        let temp = self
            .writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .with_context(|| format!("cannot write {}", target.display()))?;
        temp.as_file()
            .sync_all()
            .with_context(|| format!("cannot write {}", target.display()))?;
        match fs::metadata(&target) {
            Ok(old) => fs::set_permissions(temp.path(), old.permissions())?,
            Err(_) => set_default_permissions(temp.path())?,
        }
        temp.persist(&target)
            .map_err(|error| error.error)
            .with_context(|| format!("cannot replace {}", target.display()))?;
        sync_dir(target.parent().unwrap_or(Path::new(".")));
        Ok(())
    }
}

impl io::Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Gives a new file the usual 0644 (a temporary file starts as 0600).
#[cfg(unix)]
fn set_default_permissions(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644))
}

/// Leaves a new file's permissions as the system made them.
#[cfg(not(unix))]
fn set_default_permissions(_: &Path) -> io::Result<()> {
    Ok(())
}

/// Fsyncs a folder, so a rename in it is durable (a no-op where folders cannot be opened).
fn sync_dir(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(dir) = File::open(dir) {
        // Best effort: some file systems refuse to fsync a folder; the file itself is synced.
        let _ = dir.sync_all();
    }
}

/// A reader that counts the bytes read, for the progress line.
struct Counted<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// A progress line on stderr, redrawn at most five times a second: rows, share of the file
/// read, rows/s. Hand-written rather than a progress-bar crate: it is one line, and the
/// binary does not need another dependency tree for it.
struct Progress {
    enabled: bool,
    size: u64,
    started: Instant,
    drawn: Instant,
}

impl Progress {
    const EVERY: Duration = Duration::from_millis(200);

    fn new(enabled: bool, size: u64, started: Instant) -> Self {
        Self {
            enabled,
            size,
            started,
            drawn: started,
        }
    }

    fn tick(&mut self, rows: u64, bytes: u64) {
        if !self.enabled || !rows.is_multiple_of(1024) || self.drawn.elapsed() < Self::EVERY {
            return;
        }
        self.drawn = Instant::now();
        let seconds = self.started.elapsed().as_secs_f64().max(1e-9);
        let share = if self.size > 0 {
            format!("{:>3.0}%  ", 100.0 * bytes as f64 / self.size as f64)
        } else {
            String::new()
        };
        eprint!(
            "\r\x1b[2K{share}{rows} rows  {:.0} rows/s",
            rows as f64 / seconds
        );
    }

    fn finish(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}

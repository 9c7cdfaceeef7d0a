//! `kvarter tiles export`: every tile of a layer set over a zoom range, written to a z/x/y folder
//! and optionally a PMTiles v3 archive, for static hosting.

use std::fmt::Write as _;
use std::fs;
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context as _, anyhow, bail};
use kvarter_index::Index;
use kvarter_tiles::pmtiles::{PmtilesWriter, TileCompression, WriteSummary};
use kvarter_tiles::{LayerSet, LayerSetError, TileCoord, TileJson, Tiler, ZoomRange};

/// What to export and where.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The layers, comma-separated (one MVT layer each, plus its label layer).
    #[arg(long)]
    pub layers: String,
    /// Zoom levels, e.g. 0-16.
    #[arg(long, default_value = "0-16")]
    pub zoom: ZoomRange,
    /// The output folder for `{z}/{x}/{y}.mvt` and `tiles.json`; must not exist yet, or be empty.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write a PMTiles v3 archive to this file.
    #[arg(long)]
    pub pmtiles: Option<PathBuf>,
    /// The URL the output folder will be served at (e.g. `https://cdn.kk.dk/kvarter`), making
    /// the tile URL in `tiles.json` absolute as TileJSON 3.0.0 requires. Without it the tile URL
    /// is relative: `{z}/{x}/{y}.mvt`.
    #[arg(long)]
    pub public_url: Option<String>,
}

/// The tile URL template in `tiles.json` when no `--public-url` is given.
const RELATIVE_TILES_URL: &str = "{z}/{x}/{y}.mvt";

/// How the tiles in the PMTiles archive are stored: gzip, as PMTiles readers expect (they
/// decompress tiles themselves). The `.mvt` files are uncompressed.
const ARCHIVE_COMPRESSION: TileCompression = TileCompression::Gzip;

/// Exports the tiles of `args.layers` at zoom levels `args.zoom`:
///
/// 1. **Check the targets** before any work: the output folder must not exist or be empty, and
///    the PMTiles file must not be a folder, must lie outside the output folder, and its folder
///    must exist.
/// 2. **Index** the dataset and parse the layer set (an unknown layer is reported with the list
///    of known ones).
/// 3. **List the tiles** within the layers' bounds at each zoom level.
/// 4. **Render** them on every core into a temporary sibling folder `OUT.partial-<pid>`: first
///    prepare (simplify) each layer at each zoom level, then render the tiles, each thread
///    taking the next one, writing each tile with features to `{z}/{x}/{y}.mvt` (uncompressed
///    MVT). Empty tiles get no file (and no PMTiles entry); clients treat a missing tile as an
///    empty one.
/// 5. **Describe** them in `tiles.json` (TileJSON 3.0.0) with the exported zoom range. Its tile
///    URL is `--public-url` + `/{z}/{x}/{y}.mvt`, or without that flag the relative
///    `{z}/{x}/{y}.mvt`, meant to be served beside `tiles.json` by a static host. TileJSON 3.0.0
///    requires absolute tile URLs, and clients such as MapLibre GL JS do not reliably resolve a
///    relative one against the document, so give `--public-url` when the folder's address is
///    known (or rewrite the file when deploying).
/// 6. **Write the PMTiles archive** if asked: the same tiles (gzip-compressed, see
///    [`ARCHIVE_COMPRESSION`]), and as metadata the TileJSON's `name`, `description`,
///    `version`, `attribution` and `vector_layers`; bounds and center from the TileJSON. The
///    writer writes it atomically.
/// 7. **Publish** the folder by renaming it to `OUT` (replacing `OUT` if it was an empty
///    folder), and print a summary line.
///
/// On any error the temporary folder is removed and no PMTiles file is left behind (one
/// written in step 6 is removed again if step 7 fails), so an export either completes or leaves
/// nothing.
pub fn run(
    dataset: kvarter_core::Dataset,
    config: kvarter_tiles::TileConfig,
    args: &ExportArgs,
) -> anyhow::Result<()> {
    let started = Instant::now();
    // Step 1.
    let out_existed_empty = check_out(&args.out)?;
    if let Some(pmtiles) = &args.pmtiles {
        check_pmtiles(pmtiles, &args.out)?;
    }
    let tiles_url = match &args.public_url {
        Some(url) => format!("{}/{RELATIVE_TILES_URL}", checked_public_url(url)?),
        None => RELATIVE_TILES_URL.to_owned(),
    };

    // Steps 2 and 3.
    let index = Index::new(dataset);
    let tiler = Tiler::new(&index, config);
    let set = tiler
        .layer_set(&index, &args.layers)
        .map_err(|error| layer_set_error(&index, error))?;
    let coords = tiler.tiles_covering(&index, &set, args.zoom);

    // Step 4.
    let partial = PartialFolder::create(&args.out)?;
    let rendered = render_all(
        &tiler,
        &index,
        &set,
        args.zoom,
        &coords,
        partial.path(),
        args.pmtiles.is_some(),
    )?;
    if rendered.written == 0 {
        bail!(
            "no tile of {} at zoom {} has features; nothing was exported",
            set.name(),
            args.zoom
        );
    }

    // Step 5.
    let tilejson = exported_tilejson(&tiler, &index, &set, args.zoom, tiles_url);
    let tilejson_path = partial.path().join("tiles.json");
    let mut text = serde_json::to_string_pretty(&tilejson)?;
    text.push('\n');
    fs::write(&tilejson_path, text)
        .with_context(|| format!("cannot write {}", tilejson_path.display()))?;

    // Step 6.
    let archive = match &args.pmtiles {
        Some(path) => Some((
            path,
            write_pmtiles(path, rendered.tiles, &tilejson, args.zoom)?,
        )),
        None => None,
    };

    // Step 7.
    if let Err(error) = partial.publish(&args.out, out_existed_empty) {
        if let Some((path, _)) = archive {
            let _ = fs::remove_file(path);
        }
        return Err(error);
    }

    let mut summary = format!(
        "exported {} at zoom {} to {}: {} tiles written ({} bytes), {} empty tiles skipped, in {:.1} s",
        set.name(),
        args.zoom,
        args.out.display(),
        rendered.written,
        rendered.bytes,
        rendered.empty,
        started.elapsed().as_secs_f64(),
    );
    if let Some((path, written)) = archive {
        let _ = write!(
            summary,
            "; PMTiles {}: {} tiles in {} entries, {} distinct, {} bytes of leaf directories, {} bytes",
            path.display(),
            written.addressed_tiles,
            written.tile_entries,
            written.tile_contents,
            written.leaf_directory_bytes,
            written.bytes,
        );
    }
    println!("{summary}");
    Ok(())
}

/// Step 1 for the output folder: fine if it does not exist (`false`) or is an empty folder
/// (`true`); an error naming it otherwise.
fn check_out(out: &Path) -> anyhow::Result<bool> {
    if out.file_name().is_none() {
        bail!(
            "--out {}: name the output folder itself (e.g. --out tiles)",
            out.display()
        );
    }
    if out.exists() && !out.is_dir() {
        bail!(
            "{} exists and is not a folder; export into a new or empty folder",
            out.display()
        );
    }
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} exists and is not empty; export into a new or empty folder (nothing was written)",
                    out.display()
                );
            }
            Ok(true)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error).with_context(|| format!("cannot read {}", out.display())),
    }
}

/// Step 1 for the PMTiles file: not a folder, not inside the output folder (which is replaced
/// whole), and in a folder that exists.
fn check_pmtiles(pmtiles: &Path, out: &Path) -> anyhow::Result<()> {
    if pmtiles.is_dir() {
        bail!(
            "--pmtiles {} is a folder; name the archive file",
            pmtiles.display()
        );
    }
    if pmtiles.starts_with(out) {
        bail!(
            "--pmtiles {} lies inside --out {}; write the archive elsewhere",
            pmtiles.display(),
            out.display()
        );
    }
    if let Some(folder) = pmtiles.parent().filter(|p| !p.as_os_str().is_empty())
        && !folder.is_dir()
    {
        bail!(
            "--pmtiles {}: the folder {} does not exist",
            pmtiles.display(),
            folder.display()
        );
    }
    Ok(())
}

/// `url` without a trailing `/`, if it is an absolute http(s) URL without a query or fragment.
fn checked_public_url(url: &str) -> anyhow::Result<&str> {
    let absolute = url.starts_with("http://") || url.starts_with("https://");
    if !absolute || url.contains(['?', '#', ' ', '{', '}']) {
        bail!(
            "--public-url {url:?} is not an absolute http:// or https:// URL without a query \
             (e.g. https://cdn.kk.dk/kvarter)"
        );
    }
    Ok(url.trim_end_matches('/'))
}

/// A layer set error as the user should read it: an unknown layer with the known ones listed.
fn layer_set_error(index: &Index, error: LayerSetError) -> anyhow::Error {
    match error {
        LayerSetError::Unknown { id } => {
            let known: Vec<&str> = index
                .layers()
                .iter()
                .map(|layer| layer.meta.id.as_str())
                .collect();
            anyhow!(
                "--layers: unknown layer {id:?}; the layers are {}",
                known.join(", ")
            )
        }
        other => anyhow::Error::new(other).context("--layers"),
    }
}

/// What the render threads produced.
#[derive(Default)]
struct Rendered {
    /// The non-empty tiles, kept only for the PMTiles archive.
    tiles: Vec<(TileCoord, Vec<u8>)>,
    /// Files written.
    written: u64,
    /// Tiles without features, skipped.
    empty: u64,
    /// Bytes of MVT written.
    bytes: u64,
    /// The `{z}/{x}` folder this thread made last (tiles come column by column, mostly).
    made_folder: Option<(u8, u32)>,
}

/// Step 4: prepares the layers of `set` at every zoom level of `zooms`, then renders `coords`,
/// writing each non-empty tile to `folder/{z}/{x}/{y}.mvt` and keeping its bytes if `keep` is
/// set; both on every core.
fn render_all(
    tiler: &Tiler,
    index: &Index,
    set: &LayerSet,
    zooms: ZoomRange,
    coords: &[TileCoord],
    folder: &Path,
    keep: bool,
) -> anyhow::Result<Rendered> {
    // A layer is prepared for a zoom level (simplified, snapped) on first use, and the tiles of
    // that level wait for it; with tiles in zoom order all threads would wait for one. So
    // prepare first, one layer and zoom level per item, deepest (dearest) first and layers
    // interleaved so the threads start on different layers.
    let mut single_layers = Vec::new();
    for &position in set.positions() {
        if let Some(layer) = index.layers().get(position) {
            single_layers.push(tiler.layer_set(index, layer.meta.id.as_str())?);
        }
    }
    let preparations: Vec<(&LayerSet, u8)> = (zooms.min..=zooms.max)
        .rev()
        .flat_map(|z| single_layers.iter().map(move |layer| (layer, z)))
        .collect();
    on_all_cores(
        &preparations,
        || (),
        |(), &(layer, z)| {
            tiler.prepare(index, layer, ZoomRange { min: z, max: z });
            Ok(())
        },
    )?;

    let per_thread = on_all_cores(coords, Rendered::default, |rendered, &tile| {
        let mvt = tiler.render(index, set, tile);
        if mvt.is_empty() {
            rendered.empty += 1;
            return Ok(());
        }
        let column = folder.join(tile.z().to_string()).join(tile.x().to_string());
        if rendered.made_folder != Some((tile.z(), tile.x())) {
            fs::create_dir_all(&column)
                .with_context(|| format!("cannot create {}", column.display()))?;
            rendered.made_folder = Some((tile.z(), tile.x()));
        }
        let file = column.join(format!("{}.mvt", tile.y()));
        fs::write(&file, &mvt).with_context(|| format!("cannot write {}", file.display()))?;
        rendered.written += 1;
        rendered.bytes += mvt.len() as u64;
        if keep {
            rendered.tiles.push((tile, mvt));
        }
        Ok(())
    })?;
    let mut total = Rendered::default();
    for rendered in per_thread {
        total.tiles.extend(rendered.tiles);
        total.written += rendered.written;
        total.empty += rendered.empty;
        total.bytes += rendered.bytes;
    }
    // Threads finish in any order; sort so the archive is built the same way every time.
    total.tiles.sort_unstable_by_key(|(tile, _)| *tile);
    Ok(total)
}

/// Runs `work` on every item on every core: each thread takes the next item until none are
/// left, folding them into its own state (made by `start`); returns each thread's state. The
/// first error stops all threads and is returned.
///
/// One item at a time, because items differ a lot in cost (a zoom 0 tile of every layer takes
/// seconds, a zoom 14 tile milliseconds) and taking one costs an atomic add.
fn on_all_cores<T: Sync, S: Send>(
    items: &[T],
    start: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &T) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<Vec<S>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZero::get)
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let thread = || -> anyhow::Result<S> {
        let mut state = start();
        while !failed.load(Ordering::Relaxed) {
            let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            work(&mut state, item)?;
        }
        Ok(state)
    };
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let result = thread();
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    result
                })
            })
            .collect();
        handles
            .into_iter()
            .map(std::thread::ScopedJoinHandle::join)
            .collect()
    });
    results
        .into_iter()
        .map(|result| result.map_err(|_| anyhow!("a worker thread panicked (a bug; see above)"))?)
        .collect()
}

/// Step 5: the layer set's TileJSON with `tiles_url`, limited to the exported zoom levels.
fn exported_tilejson(
    tiler: &Tiler,
    index: &Index,
    set: &LayerSet,
    zooms: ZoomRange,
    tiles_url: String,
) -> TileJson {
    let mut tilejson = tiler.tilejson(index, set, tiles_url);
    tilejson.minzoom = zooms.min;
    tilejson.maxzoom = zooms.max;
    for layer in &mut tilejson.vector_layers {
        layer.minzoom = zooms.min;
        layer.maxzoom = zooms.max;
    }
    tilejson.center[2] = f64::from(center_zoom(&tilejson, zooms));
    tilejson
}

/// The highest exported zoom level not above the one the TileJSON's center suggests, or the
/// lowest exported level.
fn center_zoom(tilejson: &TileJson, zooms: ZoomRange) -> u8 {
    (zooms.min..=zooms.max)
        .rfind(|z| f64::from(*z) <= tilejson.center[2])
        .unwrap_or(zooms.min)
}

/// `bytes` gzip-compressed.
fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Step 6: the PMTiles archive of `tiles`, described by `tilejson`.
fn write_pmtiles(
    path: &Path,
    tiles: Vec<(TileCoord, Vec<u8>)>,
    tilejson: &TileJson,
    zooms: ZoomRange,
) -> anyhow::Result<WriteSummary> {
    let mut writer = PmtilesWriter::new(ARCHIVE_COMPRESSION);
    for (tile, mvt) in tiles {
        writer.add(tile, &gzip(&mvt)?)?;
    }
    let metadata = serde_json::json!({
        "name": tilejson.name,
        "description": tilejson.description,
        "version": tilejson.version,
        "attribution": tilejson.attribution,
        "vector_layers": tilejson.vector_layers,
    });
    let center = (
        tilejson.center[0],
        tilejson.center[1],
        center_zoom(tilejson, zooms),
    );
    writer
        .write(path, &metadata, tilejson.bounds, center)
        .with_context(|| format!("cannot write the PMTiles archive {}", path.display()))
}

/// The temporary folder an export is built in; removed when dropped unless published.
struct PartialFolder {
    path: PathBuf,
    published: bool,
}

impl PartialFolder {
    /// Creates `OUT.partial-<pid>` beside `out`.
    fn create(out: &Path) -> anyhow::Result<PartialFolder> {
        let mut name = out.file_name().unwrap_or_default().to_owned();
        name.push(format!(".partial-{}", std::process::id()));
        let path = out.with_file_name(name);
        fs::create_dir(&path).with_context(|| {
            format!(
                "cannot create the temporary folder {} (does its parent folder exist?)",
                path.display()
            )
        })?;
        Ok(PartialFolder {
            path,
            published: false,
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Step 7: renames the folder to `out`, first removing `out` if it was an empty folder
    /// (`remove_dir` fails if something appeared in it meanwhile).
    fn publish(mut self, out: &Path, out_existed_empty: bool) -> anyhow::Result<()> {
        if out_existed_empty {
            fs::remove_dir(out).with_context(|| {
                format!(
                    "cannot replace the empty folder {} (is it still empty?)",
                    out.display()
                )
            })?;
        }
        if let Err(error) = fs::rename(&self.path, out) {
            if out_existed_empty {
                let _ = fs::create_dir(out);
            }
            return Err(error).with_context(|| {
                format!("cannot move {} to {}", self.path.display(), out.display())
            });
        }
        self.published = true;
        Ok(())
    }
}

impl Drop for PartialFolder {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

//! PMTiles v3 archives: a whole tile pyramid in one file that a static host serves by HTTP range
//! requests. [`PmtilesWriter`] collects encoded tiles and writes a spec-conformant archive; the
//! layout follows <https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md>.
//!
//! ```
//! use kvarter_tiles::TileCoord;
//! use kvarter_tiles::pmtiles::{PmtilesWriter, TileCompression, tile_id};
//!
//! assert_eq!(tile_id(TileCoord::new(1, 1, 0).unwrap()), 4);
//! let mut writer = PmtilesWriter::new(TileCompression::None);
//! writer.add(TileCoord::new(0, 0, 0).unwrap(), b"an MVT tile").unwrap();
//! let folder = std::env::temp_dir();
//! let path = folder.join(format!("kvarter-doc-{}.pmtiles", std::process::id()));
//! let metadata = serde_json::json!({ "vector_layers": [] });
//! let copenhagen = [12.45, 55.61, 12.65, 55.73];
//! let summary = writer.write(&path, &metadata, copenhagen, (12.57, 55.68, 0)).unwrap();
//! assert_eq!(summary.addressed_tiles, 1);
//! std::fs::remove_file(&path).unwrap();
//! ```

use std::collections::btree_map::Entry as Slot;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{MAX_ZOOM, TileCoord};

/// The length of a v3 header in bytes.
pub const HEADER_LEN: usize = 127;

/// The header plus the compressed root directory must fit in this many bytes, so that a client
/// that fetches the first 16 KiB of the archive has the whole root directory.
pub const ROOT_LIMIT: usize = 16_384;

/// Entries per leaf directory at the first try; each further try takes a fifth more, until the
/// root directory (one entry per leaf) fits under [`ROOT_LIMIT`].
const FIRST_LEAF_SIZE: usize = 4096;

/// Header value of the tile type "MVT vector tile".
const TILE_TYPE_MVT: u8 = 1;

/// Header value of gzip, the compression used for directories and metadata.
const GZIP: u8 = 2;

/// The PMTiles id of a tile: its position on the Hilbert curve of its zoom level, counted on from
/// the tiles of all lower zoom levels (`0/0/0` is 0, `1/0/0` is 1, `2/0/0` is 5).
///
/// ```
/// use kvarter_tiles::{TileCoord, pmtiles::tile_id};
/// assert_eq!(tile_id(TileCoord::new(12, 3423, 1763).unwrap()), 19_078_479);
/// ```
pub fn tile_id(tile: TileCoord) -> u64 {
    let z = tile.z();
    let (mut x, mut y) = (u64::from(tile.x()), u64::from(tile.y()));
    let mut position = 0;
    // `half` walks the bits from the highest down; each step picks the quadrant and turns the
    // remaining coordinates so that the quadrant's sub-curve is in the base orientation.
    let mut half = (1_u64 << z) >> 1;
    while half > 0 {
        let right = u64::from(x & half != 0);
        let lower = u64::from(y & half != 0);
        position += half * half * ((3 * right) ^ lower);
        x &= half - 1;
        y &= half - 1;
        if lower == 0 {
            if right == 1 {
                x = half - 1 - x;
                y = half - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        half >>= 1;
    }
    tiles_below(z) + position
}

/// The tile with PMTiles id `id`, the inverse of [`tile_id`]; `None` when the id lies beyond
/// [`MAX_ZOOM`].
///
/// ```
/// use kvarter_tiles::{TileCoord, pmtiles::tile_coord};
/// assert_eq!(tile_coord(2), Some(TileCoord::new(1, 0, 1).unwrap()));
/// ```
pub fn tile_coord(id: u64) -> Option<TileCoord> {
    let z = (0..=MAX_ZOOM).rev().find(|z| tiles_below(*z) <= id)?;
    let mut rest = id - tiles_below(z);
    let width = 1_u64 << z;
    if rest >= width * width {
        return None;
    }
    // The inverse walk: from the lowest two bits up, place the coordinates found so far (a
    // `done` × `done` square) into the quadrant the next two bits name, turned as needed.
    let (mut x, mut y) = (0_u64, 0_u64);
    let mut done = 1_u64;
    while done < width {
        let right = 1 & (rest >> 1);
        let lower = 1 & (rest ^ right);
        if lower == 0 {
            if right == 1 {
                x = done - 1 - x;
                y = done - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        x += done * right;
        y += done * lower;
        rest >>= 2;
        done <<= 1;
    }
    TileCoord::new(u64::from(z), x, y).ok()
}

/// The number of tiles in zoom levels `0..z`: `(4^z − 1) / 3`.
fn tiles_below(z: u8) -> u64 {
    ((1_u64 << (2 * u32::from(z))) - 1) / 3
}

/// How the tile data in the archive is compressed (the header field `tile_compression`). The
/// writer stores tiles as given; this only declares what they are, so that readers can decode
/// them and servers can send the right `Content-Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileCompression {
    /// Tiles are stored uncompressed.
    None,
    /// Each tile is a gzip stream.
    Gzip,
}

impl TileCompression {
    /// The value in the header's compression enum.
    fn header_value(self) -> u8 {
        match self {
            TileCompression::None => 1,
            TileCompression::Gzip => GZIP,
        }
    }
}

/// Why a tile could not be added or an archive could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PmtilesError {
    /// The tile was added before; add each tile once (merge all layers into one tile first).
    #[error("tile {tile} was added twice; each tile goes into the archive once")]
    DuplicateTile {
        /// The tile.
        tile: TileCoord,
    },
    /// The tile has no bytes, and PMTiles entries must not be empty; skip tiles without features.
    #[error("tile {tile} is empty; skip tiles without features instead of adding them")]
    EmptyTile {
        /// The tile.
        tile: TileCoord,
    },
    /// The tile is 4 GiB or more, more than a directory entry addresses; simplify the data or
    /// serve that zoom level from somewhere else.
    #[error(
        "tile {tile} is {len} bytes; an archive holds tiles of at most {} bytes",
        u32::MAX
    )]
    TileTooLarge {
        /// The tile.
        tile: TileCoord,
        /// Its length in bytes.
        len: usize,
    },
    /// No tile was added, and an archive's directories must not be empty; add at least one tile.
    #[error("no tiles to write; a PMTiles archive needs at least one tile")]
    NoTiles,
    /// The metadata is not a JSON object; pass an object such as `{"vector_layers": [...]}`.
    #[error("the PMTiles metadata must be a JSON object, not {kind}")]
    MetadataNotAnObject {
        /// What it is instead: `"an array"`, `"a string"`, ...
        kind: &'static str,
    },
    /// The bounds are not `[west, south, east, north]` in degrees; pass longitudes in −180..180,
    /// latitudes in −90..90, west ≤ east and south ≤ north.
    #[error(
        "bounds {bounds:?} are not [west, south, east, north] in degrees \
         (longitudes -180..180, latitudes -90..90, west <= east, south <= north)"
    )]
    InvalidBounds {
        /// The bounds as given.
        bounds: [f64; 4],
    },
    /// The center is not a longitude in −180..180 and a latitude in −90..90.
    #[error("center {lon}, {lat} is not a longitude in -180..180 and a latitude in -90..90")]
    InvalidCenter {
        /// The longitude as given.
        lon: f64,
        /// The latitude as given.
        lat: f64,
    },
    /// The path names no file (it is empty, a root or ends in `..`); give a path such as
    /// `out/kvarter.pmtiles`.
    #[error("{} does not name a file to write the archive to", path.display())]
    NotAFilePath {
        /// The path as given.
        path: PathBuf,
    },
    /// The temporary file beside the target could not be created; check that the folder exists
    /// and is writable.
    #[error("cannot create the temporary file {}", path.display())]
    Create {
        /// The temporary file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Writing the temporary file failed (is the disk full?); it has been removed again.
    #[error("cannot write the temporary file {}", path.display())]
    Write {
        /// The temporary file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The written archive could not be moved over the target (is the target a folder?); the
    /// temporary file has been removed again.
    #[error("cannot move {} to {}", from.display(), to.display())]
    Rename {
        /// The temporary file.
        from: PathBuf,
        /// The target.
        to: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// What [`PmtilesWriter::write`] wrote; the first three are also the header's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteSummary {
    /// Tiles the archive answers for (the tiles added).
    pub addressed_tiles: u64,
    /// Directory entries for tiles; a run of consecutive tiles with the same content is one.
    pub tile_entries: u64,
    /// Distinct tile contents, each stored once.
    pub tile_contents: u64,
    /// Leaf directories (0 when the root directory holds every entry).
    pub leaf_directories: u64,
    /// The archive's size in bytes.
    pub bytes: u64,
}

/// Collects MVT tiles in memory and writes them as one PMTiles v3 archive.
///
/// [`add`](PmtilesWriter::add) keys each tile by its Hilbert [`tile_id`] and stores each distinct
/// content once. [`write`](PmtilesWriter::write) then runs these steps:
///
/// 1. **Check** that there are tiles, the metadata is a JSON object and the bounds and center
///    are lon/lat.
/// 2. **Lay out the tile data** in tile-id order: a content is placed where it first occurs and
///    later tiles with the same content point back at it (so the archive is *clustered*); a run
///    of consecutive tile ids with the same content becomes one entry with a run length.
/// 3. **Build the directories**: encode the entries (count, delta tile ids, run lengths, lengths,
///    offsets with 0 for "right after the previous one", all varints) and gzip them. If the
///    header and root directory exceed 16 KiB, split the entries into leaf directories of
///    4096 entries, a fifth more per try, until the root directory of leaf pointers fits.
/// 4. **Gzip the metadata** JSON.
/// 5. **Fill in the header**: section offsets and lengths, counts, clustered, gzip as internal
///    compression, the declared tile compression, tile type MVT, zoom range of the tiles,
///    bounds and center as degrees × 10⁷.
/// 6. **Write atomically**: header, root directory, metadata, leaf directories, tile data into a
///    temporary file in the target's folder, flush it to disk, then rename it over the target.
///    On any error the temporary file is removed, so the target is either the old file or the
///    new archive, and nothing else is left behind.
///
/// Every distinct tile content stays in memory until `write`, so the writer needs about as much
/// memory as the archive's tile data.
#[derive(Debug)]
pub struct PmtilesWriter {
    compression: TileCompression,
    /// Tile id → index of its content.
    tiles: BTreeMap<u64, usize>,
    /// Each distinct content → its index, numbered in the order first added.
    contents: HashMap<Box<[u8]>, usize>,
    /// The lowest and highest zoom level added.
    zooms: Option<(u8, u8)>,
}

/// One directory entry: a run of tiles, or (`run_length` 0) a leaf directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DirEntry {
    /// The first tile id the entry covers.
    tile_id: u64,
    /// From the start of the tile data section, or for leaves of the leaf directory section.
    offset: u64,
    length: u64,
    run_length: u32,
}

/// The tile data in the order it is written, with the entries pointing into it.
struct TileLayout<'a> {
    entries: Vec<DirEntry>,
    blobs: Vec<&'a [u8]>,
    data_len: u64,
}

/// The gzipped root directory and the concatenated gzipped leaf directories.
struct Directories {
    root: Vec<u8>,
    leaves: Vec<u8>,
    leaf_count: usize,
}

impl PmtilesWriter {
    /// An empty writer for tiles compressed as `compression` declares.
    pub fn new(compression: TileCompression) -> Self {
        PmtilesWriter {
            compression,
            tiles: BTreeMap::new(),
            contents: HashMap::new(),
            zooms: None,
        }
    }

    /// Adds one tile's bytes, already compressed as declared in [`PmtilesWriter::new`]. Skip
    /// empty tiles instead of adding them; adding the same tile twice is an error.
    pub fn add(&mut self, tile: TileCoord, data: &[u8]) -> Result<(), PmtilesError> {
        if data.is_empty() {
            return Err(PmtilesError::EmptyTile { tile });
        }
        if u32::try_from(data.len()).is_err() {
            return Err(PmtilesError::TileTooLarge {
                tile,
                len: data.len(),
            });
        }
        let Slot::Vacant(slot) = self.tiles.entry(tile_id(tile)) else {
            return Err(PmtilesError::DuplicateTile { tile });
        };
        let content = if let Some(content) = self.contents.get(data) {
            *content
        } else {
            let content = self.contents.len();
            self.contents.insert(data.into(), content);
            content
        };
        slot.insert(content);
        let z = tile.z();
        self.zooms = Some(
            self.zooms
                .map_or((z, z), |(min, max)| (min.min(z), max.max(z))),
        );
        Ok(())
    }

    /// The number of tiles added.
    pub fn len(&self) -> usize {
        self.tiles.len()
    }

    /// Whether no tile has been added.
    pub fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }

    /// Writes the archive to `path` (see the steps on [`PmtilesWriter`]). `metadata` must be a
    /// JSON object (for MVT it should hold `vector_layers`); `bounds` is `[west, south, east,
    /// north]` and `center` is `(lon, lat, zoom)`, in degrees.
    pub fn write(
        self,
        path: &Path,
        metadata: &serde_json::Value,
        bounds: [f64; 4],
        center: (f64, f64, u8),
    ) -> Result<WriteSummary, PmtilesError> {
        let Some((min_zoom, max_zoom)) = self.zooms else {
            return Err(PmtilesError::NoTiles);
        };
        check_metadata(metadata)?;
        check_bounds(bounds)?;
        let (center_lon, center_lat, center_zoom) = center;
        if !is_lon(center_lon) || !is_lat(center_lat) {
            return Err(PmtilesError::InvalidCenter {
                lon: center_lon,
                lat: center_lat,
            });
        }

        let layout = self.lay_out_tiles();
        let directories = build_directories(&layout.entries, ROOT_LIMIT - HEADER_LEN);
        let metadata = gzip(metadata.to_string().as_bytes());

        let root_offset = HEADER_LEN as u64;
        let metadata_offset = root_offset + directories.root.len() as u64;
        let leaf_offset = metadata_offset + metadata.len() as u64;
        let data_offset = leaf_offset + directories.leaves.len() as u64;
        let summary = WriteSummary {
            addressed_tiles: self.tiles.len() as u64,
            tile_entries: layout.entries.len() as u64,
            tile_contents: layout.blobs.len() as u64,
            leaf_directories: directories.leaf_count as u64,
            bytes: data_offset + layout.data_len,
        };

        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(b"PMTiles");
        header.push(3);
        for value in [
            root_offset,
            directories.root.len() as u64,
            metadata_offset,
            metadata.len() as u64,
            leaf_offset,
            directories.leaves.len() as u64,
            data_offset,
            layout.data_len,
            summary.addressed_tiles,
            summary.tile_entries,
            summary.tile_contents,
        ] {
            header.extend_from_slice(&value.to_le_bytes());
        }
        header.extend_from_slice(&[
            1, // clustered
            GZIP,
            self.compression.header_value(),
            TILE_TYPE_MVT,
            min_zoom,
            max_zoom,
        ]);
        let [west, south, east, north] = bounds;
        for degrees in [west, south, east, north] {
            header.extend_from_slice(&e7(degrees).to_le_bytes());
        }
        header.push(center_zoom);
        header.extend_from_slice(&e7(center_lon).to_le_bytes());
        header.extend_from_slice(&e7(center_lat).to_le_bytes());
        debug_assert_eq!(header.len(), HEADER_LEN);

        write_atomically(path, |out| {
            out.write_all(&header)?;
            out.write_all(&directories.root)?;
            out.write_all(&metadata)?;
            out.write_all(&directories.leaves)?;
            for blob in &layout.blobs {
                out.write_all(blob)?;
            }
            Ok(())
        })?;
        Ok(summary)
    }

    /// Step 2: the entries in tile-id order, each content placed once where it first occurs,
    /// runs of the same content on consecutive ids merged into one entry.
    fn lay_out_tiles(&self) -> TileLayout<'_> {
        let mut by_index: Vec<&[u8]> = vec![&[]; self.contents.len()];
        for (bytes, index) in &self.contents {
            if let Some(slot) = by_index.get_mut(*index) {
                *slot = bytes;
            }
        }
        let mut offsets: Vec<Option<u64>> = vec![None; by_index.len()];
        let mut blobs = Vec::with_capacity(by_index.len());
        let mut data_len = 0_u64;
        let mut entries: Vec<DirEntry> = Vec::new();
        for (&id, &content) in &self.tiles {
            let (Some(bytes), Some(placed)) = (by_index.get(content), offsets.get_mut(content))
            else {
                continue; // unreachable: every content index comes from `contents`
            };
            let length = bytes.len() as u64;
            let offset = *placed.get_or_insert_with(|| {
                blobs.push(*bytes);
                data_len += length;
                data_len - length
            });
            if let Some(last) = entries.last_mut()
                && last.offset == offset
                && last.tile_id + u64::from(last.run_length) == id
                && last.run_length < u32::MAX
            {
                last.run_length += 1;
                continue;
            }
            entries.push(DirEntry {
                tile_id: id,
                offset,
                length,
                run_length: 1,
            });
        }
        TileLayout {
            entries,
            blobs,
            data_len,
        }
    }
}

/// Step 3: all entries in the root directory if it compresses to `max_root_len` bytes or less,
/// else leaf directories of a growing size until the root directory of leaf pointers fits.
fn build_directories(entries: &[DirEntry], max_root_len: usize) -> Directories {
    let root = gzip(&encode_directory(entries));
    if root.len() <= max_root_len {
        return Directories {
            root,
            leaves: Vec::new(),
            leaf_count: 0,
        };
    }
    let mut leaf_size = FIRST_LEAF_SIZE;
    loop {
        let mut leaves = Vec::new();
        let mut pointers = Vec::new();
        for chunk in entries.chunks(leaf_size) {
            let Some(first) = chunk.first() else { continue };
            let leaf = gzip(&encode_directory(chunk));
            pointers.push(DirEntry {
                tile_id: first.tile_id,
                offset: leaves.len() as u64,
                length: leaf.len() as u64,
                run_length: 0,
            });
            leaves.extend_from_slice(&leaf);
        }
        let root = gzip(&encode_directory(&pointers));
        // One pointer always fits; growing stops there at the latest.
        if root.len() <= max_root_len || pointers.len() <= 1 {
            return Directories {
                root,
                leaves,
                leaf_count: pointers.len(),
            };
        }
        leaf_size += leaf_size / 5;
    }
}

/// A directory as the spec lays it out, before compression: the entry count, then column by
/// column the delta-encoded tile ids, run lengths, lengths and offsets (0 when an entry starts
/// right where the previous one ended, else offset + 1), all as varints.
fn encode_directory(entries: &[DirEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 5 + 10);
    put_varint(&mut out, entries.len() as u64);
    let mut last_id = 0;
    for entry in entries {
        put_varint(&mut out, entry.tile_id - last_id);
        last_id = entry.tile_id;
    }
    for entry in entries {
        put_varint(&mut out, u64::from(entry.run_length));
    }
    for entry in entries {
        put_varint(&mut out, entry.length);
    }
    let mut next = None;
    for entry in entries {
        let value = if next == Some(entry.offset) {
            0
        } else {
            entry.offset + 1
        };
        put_varint(&mut out, value);
        next = Some(entry.offset + entry.length);
    }
    out
}

/// Appends `value` as a protobuf-style varint: seven bits a byte, low bits first, the high bit
/// set on every byte but the last.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

/// Gzip at the best level: directories and metadata are small and read on every first visit.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .expect("gzip into a Vec cannot fail: writing to a Vec never errors")
}

/// Degrees as the header stores them: a signed 32-bit integer of degrees × 10⁷.
fn e7(degrees: f64) -> i32 {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "checked to lie in -180..=180 before; 180e7 < 2^31"
    )]
    let value = (degrees * 1e7).round() as i32;
    value
}

fn is_lon(lon: f64) -> bool {
    (-180.0..=180.0).contains(&lon)
}

fn is_lat(lat: f64) -> bool {
    (-90.0..=90.0).contains(&lat)
}

fn check_bounds(bounds: [f64; 4]) -> Result<(), PmtilesError> {
    let [west, south, east, north] = bounds;
    let valid = is_lon(west)
        && is_lon(east)
        && is_lat(south)
        && is_lat(north)
        && west <= east
        && south <= north;
    if valid {
        Ok(())
    } else {
        Err(PmtilesError::InvalidBounds { bounds })
    }
}

fn check_metadata(metadata: &serde_json::Value) -> Result<(), PmtilesError> {
    use serde_json::Value;
    let kind = match metadata {
        Value::Object(_) => return Ok(()),
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
    };
    Err(PmtilesError::MetadataNotAnObject { kind })
}

/// Step 6: `write` fills a new temporary file beside `path`, which is synced and renamed over
/// `path`; on any error the temporary file is removed.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), PmtilesError> {
    /// Tells apart temporary files of writes running at the same time in one process.
    static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

    let Some(file_name) = path.file_name() else {
        return Err(PmtilesError::NotAFilePath {
            path: path.to_path_buf(),
        });
    };
    let mut temp_name = OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(
        ".{}-{}.tmp",
        std::process::id(),
        NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
    ));
    let temp_path = path.with_file_name(temp_name);
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&temp_path)
        .map_err(|source| PmtilesError::Create {
            path: temp_path.clone(),
            source,
        })?;
    // Ours from here on (not before: a failed `create_new` must not remove someone else's
    // file); dropping `temp` on an early return removes it.
    let mut temp = TempFile {
        path: temp_path,
        renamed: false,
    };
    let mut out = BufWriter::new(file);
    write(&mut out)
        .and_then(|()| out.into_inner().map_err(io::IntoInnerError::into_error))
        .and_then(|file| file.sync_all())
        .map_err(|source| PmtilesError::Write {
            path: temp.path.clone(),
            source,
        })?;
    fs::rename(&temp.path, path).map_err(|source| PmtilesError::Rename {
        from: temp.path.clone(),
        to: path.to_path_buf(),
        source,
    })?;
    temp.renamed = true;
    Ok(())
}

/// A temporary file that is removed when dropped, unless it has been renamed into place.
struct TempFile {
    path: PathBuf,
    renamed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.renamed {
            // Best effort: the write already failed, and that error is the one to report.
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use std::collections::BTreeSet;
    use std::io::Read;
    use std::sync::Arc;

    use bytes::Bytes;
    use futures_util::StreamExt;
    // `pmtiles::` in these tests is the crates.io reader, the independent second opinion.
    use pmtiles::{AsyncBackend, AsyncPmTilesReader, BackendResponse, HashMapCache, PmtResult};

    use super::*;

    fn tile(z: u64, x: u64, y: u64) -> TileCoord {
        TileCoord::new(z, x, y).unwrap()
    }

    const COPENHAGEN: [f64; 4] = [12.45, 55.61, 12.65, 55.73];
    const CITY_HALL: (f64, f64, u8) = (12.5683, 55.6761, 12);

    /// An archive held in memory, for the `pmtiles` crate's reader.
    struct Memory(Bytes);

    impl AsyncBackend for Memory {
        async fn read(&self, offset: usize, length: usize) -> PmtResult<BackendResponse> {
            let start = offset.min(self.0.len());
            let end = offset.saturating_add(length).min(self.0.len());
            Ok(BackendResponse::new(self.0.slice(start..end)))
        }
    }

    /// What the `pmtiles` crate reads from an archive.
    struct ReadBack {
        header: pmtiles::Header,
        metadata: serde_json::Value,
        /// Tile entries (leaf pointers excluded) found by walking every directory.
        entries: usize,
        /// Every addressed tile, decompressed.
        tiles: BTreeMap<TileCoord, Vec<u8>>,
    }

    /// Reads every tile of the archive with the `pmtiles` crate: it walks all directories for
    /// the entries, then looks each tile up by its coordinate.
    fn read_back(archive: &[u8]) -> ReadBack {
        let archive = Bytes::copy_from_slice(archive);
        let header = pmtiles::Header::try_from_bytes(archive.slice(..HEADER_LEN)).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let reader = AsyncPmTilesReader::try_from_cached_source(
                Memory(archive),
                HashMapCache::default(),
            )
            .await
            .unwrap();
            let reader = Arc::new(reader);
            let metadata = serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
            let mut ids = Vec::new();
            let mut entries = 0;
            let mut stream = Arc::clone(&reader).entries();
            while let Some(entry) = stream.next().await {
                entries += 1;
                ids.extend(entry.unwrap().iter_coords());
            }
            drop(stream);
            let mut tiles = BTreeMap::new();
            for id in ids {
                let coord = pmtiles::TileCoord::from(id);
                let data = reader
                    .get_tile_decompressed(coord)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("tile {id:?} is listed but not found"));
                let ours = tile(coord.z().into(), coord.x().into(), coord.y().into());
                assert!(
                    tiles.insert(ours, data.to_vec()).is_none(),
                    "{ours} listed twice"
                );
            }
            ReadBack {
                header,
                metadata,
                entries,
                tiles,
            }
        })
    }

    fn u64_at(archive: &[u8], offset: usize) -> u64 {
        u64::from_le_bytes(archive[offset..offset + 8].try_into().unwrap())
    }

    fn gzipped(text: &str) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap()
    }

    fn gunzipped(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// A fixed-seed pseudo-random sequence (splitmix64), so tests need no `rand`.
    fn random(seed: u64) -> impl FnMut() -> u64 {
        let mut state = seed;
        move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    #[test]
    fn tile_ids_match_the_table_in_the_spec() {
        let table = [
            ((0, 0, 0), 0),
            ((1, 0, 0), 1),
            ((1, 0, 1), 2),
            ((1, 1, 1), 3),
            ((1, 1, 0), 4),
            ((2, 0, 0), 5),
            ((12, 3423, 1763), 19_078_479),
        ];
        for ((z, x, y), id) in table {
            assert_eq!(tile_id(tile(z, x, y)), id, "{z}/{x}/{y}");
            assert_eq!(tile_coord(id), Some(tile(z, x, y)), "{id}");
        }
    }

    #[test]
    fn tile_ids_agree_with_the_pmtiles_crate_and_turn_back_into_the_same_tile() {
        // Every tile of zoom 0 to 7 gets its own id, and together they fill 0..21845 without gaps.
        let mut ids = BTreeSet::new();
        for z in 0..=7_u8 {
            for x in 0..1_u32 << z {
                for y in 0..1_u32 << z {
                    let ours = tile(z.into(), x.into(), y.into());
                    let theirs = pmtiles::TileId::from(pmtiles::TileCoord::new(z, x, y).unwrap());
                    assert_eq!(tile_id(ours), theirs.value(), "{ours}");
                    assert_eq!(tile_coord(tile_id(ours)), Some(ours));
                    ids.insert(tile_id(ours));
                }
            }
        }
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            (0..21_845).collect::<Vec<_>>()
        );

        let mut next = random(7);
        for _ in 0..10_000 {
            let z = u8::try_from(8 + next() % 13).unwrap();
            let (x, y) = (next() % (1 << z), next() % (1 << z));
            let ours = tile(z.into(), x, y);
            let theirs = pmtiles::TileCoord::new(z, ours.x(), ours.y()).unwrap();
            assert_eq!(
                tile_id(ours),
                pmtiles::TileId::from(theirs).value(),
                "{ours}"
            );
            assert_eq!(tile_coord(tile_id(ours)), Some(ours));
        }
        let deepest = tile(20, (1 << 20) - 1, 0);
        assert_eq!(
            tile_coord(tile_id(deepest) + 1),
            None,
            "ids past zoom 20 are no tile"
        );
    }

    #[test]
    fn directories_are_encoded_column_by_column_with_delta_ids_and_contiguous_offsets_as_zero() {
        let entry = |tile_id, offset, length, run_length| DirEntry {
            tile_id,
            offset,
            length,
            run_length,
        };
        let entries = [
            entry(5, 0, 10, 1),
            entry(42, 10, 300, 3), // right after the first: offset written as 0
            entry(69, 0, 10, 1),   // points back at the first: offset + 1
        ];
        assert_eq!(
            encode_directory(&entries),
            [
                3, // entries
                5, 37, 27, // tile ids as deltas
                1, 3, 1, // run lengths
                10, 0xac, 0x02, 10, // lengths (300 as a two-byte varint)
                1, 0, 1, // offsets
            ]
        );
    }

    /// The entries a run-length encoding of `tiles` needs, counted independently of the writer:
    /// the tiles in the `pmtiles` crate's id order, a new entry wherever the id is not the next
    /// one or the content changes.
    fn runs_in_id_order(tiles: &BTreeMap<TileCoord, String>) -> usize {
        let mut by_id: Vec<(u64, &String)> = tiles
            .iter()
            .map(|(coord, text)| {
                let theirs = pmtiles::TileCoord::new(coord.z(), coord.x(), coord.y()).unwrap();
                (pmtiles::TileId::from(theirs).value(), text)
            })
            .collect();
        by_id.sort();
        1 + by_id
            .windows(2)
            .filter(|pair| pair[1].0 != pair[0].0 + 1 || pair[1].1 != pair[0].1)
            .count()
    }

    #[test]
    fn a_few_hundred_tiles_with_duplicates_and_runs_read_back_with_the_pmtiles_crate() {
        // Zoom 0-2: a distinct tile each. Zoom 3: all "sea", one run. Zoom 4: three kinds of
        // land, one per block of 4×4 tiles (runs along the curve), with the diagonal left out
        // (holes in the id sequence).
        let mut expected = BTreeMap::new();
        for z in 0..=4_u64 {
            for x in 0..1 << z {
                for y in 0..1 << z {
                    let text = match z {
                        0..=2 => format!("tile {z}/{x}/{y}"),
                        3 => "sea".to_owned(),
                        _ if x == y => continue,
                        _ => format!("land {}", (x / 4 + y / 4) % 3),
                    };
                    expected.insert(tile(z, x, y), text);
                }
            }
        }
        // Insert in scrambled order; the writer sorts.
        let mut writer = PmtilesWriter::new(TileCompression::Gzip);
        for (coord, text) in expected.iter().rev() {
            writer.add(*coord, &gzipped(text)).unwrap();
        }
        assert_eq!(writer.len(), 21 + 64 + 240);

        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("kvarter.pmtiles");
        let metadata = serde_json::json!({
            "name": "Kvarter",
            "vector_layers": [{ "id": "areas", "fields": { "name": "String" } }],
        });
        let summary = writer
            .write(&path, &metadata, COPENHAGEN, CITY_HALL)
            .unwrap();
        let archive = fs::read(&path).unwrap();
        let read = read_back(&archive);

        // Every tile, and nothing else, with its content.
        let texts: BTreeMap<TileCoord, String> = read
            .tiles
            .iter()
            .map(|(coord, data)| (*coord, String::from_utf8(data.clone()).unwrap()))
            .collect();
        assert_eq!(texts, expected);
        assert_eq!(read.metadata, metadata);

        // The header as the reader sees it.
        let header = &read.header;
        assert_eq!(header.spec_version(), 3);
        assert_eq!(header.tile_type, pmtiles::TileType::Mvt);
        assert_eq!(header.tile_compression, pmtiles::Compression::Gzip);
        assert_eq!(header.internal_compression(), pmtiles::Compression::Gzip);
        assert!(header.clustered());
        assert_eq!((header.min_zoom, header.max_zoom), (0, 4));
        let bounds = [
            header.min_longitude,
            header.min_latitude,
            header.max_longitude,
            header.max_latitude,
        ];
        for (read, given) in bounds.into_iter().zip(COPENHAGEN) {
            assert!((read - given).abs() < 1e-7, "{read} vs {given}");
        }
        assert_eq!(header.center_zoom, 12);
        assert!((header.center_longitude - CITY_HALL.0).abs() < 1e-7);
        assert!((header.center_latitude - CITY_HALL.1).abs() < 1e-7);

        // Counts: 325 tiles; 21 + 1 + 3 distinct contents, each stored once; runs merged.
        let distinct: BTreeSet<&String> = expected.values().collect();
        assert_eq!(summary.addressed_tiles, 325);
        assert_eq!(summary.tile_contents, 25);
        assert_eq!(distinct.len(), 25);
        let runs = runs_in_id_order(&expected);
        assert!(
            runs < 325 - 63 - 100,
            "zoom 3 is one run, zoom 4 has long runs: {runs}"
        );
        assert_eq!(read.entries, runs);
        assert_eq!(summary.tile_entries, runs as u64);
        assert_eq!(summary.leaf_directories, 0);
        assert_eq!(header.n_addressed_tiles().unwrap().get(), 325);
        assert_eq!(header.n_tile_entries().unwrap().get(), summary.tile_entries);
        assert_eq!(header.n_tile_contents().unwrap().get(), 25);

        // Raw sections: the root directory right after the header and within 16 KiB, no leaves,
        // and tile data as long as the distinct contents, ending the file.
        assert_eq!(u64_at(&archive, 8), HEADER_LEN as u64);
        assert!(u64_at(&archive, 8) + u64_at(&archive, 16) <= ROOT_LIMIT as u64);
        assert_eq!(u64_at(&archive, 48), 0, "no leaf directories");
        let stored: usize = distinct.iter().map(|text| gzipped(text).len()).sum();
        assert_eq!(u64_at(&archive, 64), stored as u64);
        assert_eq!(
            u64_at(&archive, 56) + u64_at(&archive, 64),
            archive.len() as u64
        );
        assert_eq!(summary.bytes, archive.len() as u64);
        let metadata_offset = usize::try_from(u64_at(&archive, 24)).unwrap();
        let metadata_len = usize::try_from(u64_at(&archive, 32)).unwrap();
        let stored_metadata = &archive[metadata_offset..metadata_offset + metadata_len];
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&gunzipped(stored_metadata)).unwrap(),
            metadata
        );
        assert_eq!(
            fs::read_dir(folder.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn an_archive_too_large_for_one_root_directory_gets_leaf_directories_that_read_back() {
        // About 23 500 of the 33 600 tiles of a block over Copenhagen at zoom 14-16, each
        // distinct and of a random length, so the entries do not compress into 16 KiB.
        let mut next = random(2026);
        let mut expected = BTreeMap::new();
        for (z, x0, y0, side) in [
            (14_u64, 8_750, 5_120, 40),
            (15, 17_500, 10_240, 80),
            (16, 35_000, 20_480, 160),
        ] {
            for x in x0..x0 + side {
                for y in y0..y0 + side {
                    if next() % 10 < 3 {
                        continue;
                    }
                    let len = usize::try_from(20 + next() % 400).unwrap();
                    let mut data = format!("{z}/{x}/{y} ").into_bytes();
                    data.resize(len.max(data.len()), b'.');
                    expected.insert(tile(z, x, y), data);
                }
            }
        }
        assert!(expected.len() > 20_000);
        let mut writer = PmtilesWriter::new(TileCompression::None);
        for (coord, data) in &expected {
            writer.add(*coord, data).unwrap();
        }
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("deep.pmtiles");
        let summary = writer
            .write(&path, &serde_json::json!({}), COPENHAGEN, CITY_HALL)
            .unwrap();
        let archive = fs::read(&path).unwrap();

        assert!(summary.leaf_directories >= 2, "{summary:?}");
        assert!(
            u64_at(&archive, 48) > 0,
            "the header points at leaf directories"
        );
        assert!(u64_at(&archive, 8) + u64_at(&archive, 16) <= ROOT_LIMIT as u64);
        assert_eq!(summary.addressed_tiles, expected.len() as u64);
        assert_eq!(summary.tile_entries, expected.len() as u64);
        assert_eq!(summary.tile_contents, expected.len() as u64);

        let read = read_back(&archive);
        assert_eq!(read.entries, expected.len());
        assert_eq!((read.header.min_zoom, read.header.max_zoom), (14, 16));
        assert_eq!(read.header.tile_compression, pmtiles::Compression::None);
        assert!(
            read.tiles == expected,
            "the tiles read back differ from those written"
        );
    }

    /// Decodes a gzipped directory (the writer's own format; the `pmtiles` crate checks it
    /// independently in the read-back tests).
    fn decode_directory(gzipped: &[u8]) -> Vec<DirEntry> {
        let bytes = gunzipped(gzipped);
        let mut bytes = bytes.iter();
        let mut varint = || {
            let (mut value, mut shift) = (0_u64, 0);
            loop {
                let byte = *bytes.next().unwrap();
                value |= u64::from(byte & 0x7f) << shift;
                shift += 7;
                if byte < 0x80 {
                    return value;
                }
            }
        };
        let count = usize::try_from(varint()).unwrap();
        let mut entries = vec![
            DirEntry {
                tile_id: 0,
                offset: 0,
                length: 0,
                run_length: 0,
            };
            count
        ];
        let mut id = 0;
        for entry in &mut entries {
            id += varint();
            entry.tile_id = id;
        }
        for entry in &mut entries {
            entry.run_length = u32::try_from(varint()).unwrap();
        }
        for entry in &mut entries {
            entry.length = varint();
        }
        let mut next = 0;
        for entry in &mut entries {
            entry.offset = match varint() {
                0 => next,
                value => value - 1,
            };
            next = entry.offset + entry.length;
        }
        entries
    }

    #[test]
    fn leaf_directories_grow_until_the_root_directory_fits() {
        let mut next = random(99);
        let mut offset = 0;
        let entries: Vec<DirEntry> = (0..60_000)
            .map(|i| {
                let length = 1 + next() % 5_000;
                offset += length;
                DirEntry {
                    tile_id: 1_000 + 3 * i + next() % 2,
                    offset: offset - length,
                    length,
                    run_length: 1,
                }
            })
            .collect();
        // 60 000 entries are 15 leaves of 4096; a root of at most 40 bytes (about the gzip
        // framing and two pointers) needs several rounds of growth.
        let directories = build_directories(&entries, 40);
        assert!(directories.root.len() <= 40, "{}", directories.root.len());
        assert!(
            (2..=8).contains(&directories.leaf_count),
            "{}",
            directories.leaf_count
        );

        let pointers = decode_directory(&directories.root);
        assert_eq!(pointers.len(), directories.leaf_count);
        let mut read = Vec::new();
        let mut leaf_start = 0;
        for pointer in &pointers {
            assert_eq!(pointer.run_length, 0, "root entries point at leaves");
            assert_eq!(
                pointer.offset, leaf_start,
                "leaves are written back to back"
            );
            let start = usize::try_from(pointer.offset).unwrap();
            let end = start + usize::try_from(pointer.length).unwrap();
            let leaf = decode_directory(&directories.leaves[start..end]);
            assert_eq!(
                leaf[0].tile_id, pointer.tile_id,
                "a pointer names its leaf's first tile"
            );
            read.extend(leaf);
            leaf_start = end as u64;
        }
        assert_eq!(leaf_start, directories.leaves.len() as u64);
        assert_eq!(read, entries);

        // Without the limit biting, everything stays in the root directory.
        let small = build_directories(&entries[..100], ROOT_LIMIT - HEADER_LEN);
        assert_eq!((small.leaf_count, small.leaves.len()), (0, 0));
        assert_eq!(decode_directory(&small.root), entries[..100]);
    }

    #[test]
    fn a_failed_write_leaves_no_file_behind() {
        let folder = tempfile::tempdir().unwrap();
        let archive = || {
            let mut writer = PmtilesWriter::new(TileCompression::None);
            writer.add(tile(0, 0, 0), b"tile").unwrap();
            writer
        };
        let metadata = serde_json::json!({});

        // The folder does not exist: nothing can be created.
        let missing = folder.path().join("missing").join("out.pmtiles");
        let error = archive()
            .write(&missing, &metadata, COPENHAGEN, CITY_HALL)
            .unwrap_err();
        assert!(matches!(error, PmtilesError::Create { .. }), "{error:?}");
        assert!(
            std::error::Error::source(&error).is_some(),
            "the cause is kept"
        );
        assert!(!folder.path().join("missing").exists());

        // The target is a folder: the whole archive is written, then the rename fails and the
        // temporary file is removed again.
        let occupied = folder.path().join("occupied.pmtiles");
        fs::create_dir(&occupied).unwrap();
        fs::write(occupied.join("keep"), b"").unwrap();
        let error = archive()
            .write(&occupied, &metadata, COPENHAGEN, CITY_HALL)
            .unwrap_err();
        assert!(matches!(error, PmtilesError::Rename { .. }), "{error:?}");
        let names: Vec<_> = fs::read_dir(folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["occupied.pmtiles"]);

        // Bad input is refused before any file is touched.
        let target = folder.path().join("out.pmtiles");
        let error = PmtilesWriter::new(TileCompression::None)
            .write(&target, &metadata, COPENHAGEN, CITY_HALL)
            .unwrap_err();
        assert!(matches!(error, PmtilesError::NoTiles), "{error:?}");
        let error = archive()
            .write(&target, &serde_json::json!([]), COPENHAGEN, CITY_HALL)
            .unwrap_err();
        assert!(matches!(
            error,
            PmtilesError::MetadataNotAnObject { kind: "an array" }
        ));
        let error = archive()
            .write(&target, &metadata, [12.65, 55.61, 12.45, 55.73], CITY_HALL)
            .unwrap_err();
        assert!(
            matches!(error, PmtilesError::InvalidBounds { .. }),
            "{error:?}"
        );
        let error = archive()
            .write(&target, &metadata, COPENHAGEN, (f64::NAN, 55.0, 3))
            .unwrap_err();
        assert!(
            matches!(error, PmtilesError::InvalidCenter { .. }),
            "{error:?}"
        );
        assert!(!target.exists());
    }

    #[test]
    fn writing_over_an_existing_archive_replaces_it_whole() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("kvarter.pmtiles");
        fs::write(&path, vec![b'x'; 100_000]).unwrap();
        let mut writer = PmtilesWriter::new(TileCompression::None);
        writer.add(tile(3, 4, 2), b"one tile").unwrap();
        let summary = writer
            .write(&path, &serde_json::json!({}), COPENHAGEN, CITY_HALL)
            .unwrap();
        let archive = fs::read(&path).unwrap();
        assert_eq!(archive.len() as u64, summary.bytes);
        assert_eq!(
            read_back(&archive).tiles,
            BTreeMap::from([(tile(3, 4, 2), b"one tile".to_vec())])
        );
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_tile_added_twice_or_empty_is_refused() {
        let mut writer = PmtilesWriter::new(TileCompression::None);
        writer.add(tile(5, 17, 10), b"a").unwrap();
        assert!(matches!(
            writer.add(tile(5, 17, 10), b"b"),
            Err(PmtilesError::DuplicateTile { tile: t }) if t == tile(5, 17, 10)
        ));
        assert!(matches!(
            writer.add(tile(5, 17, 11), b""),
            Err(PmtilesError::EmptyTile { .. })
        ));
        assert_eq!(writer.len(), 1);
    }
}

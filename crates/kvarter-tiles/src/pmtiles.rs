//! PMTiles v3 archives: a whole tile pyramid in one file that a static host serves by HTTP range
//! requests. [`PmtilesWriter`] collects encoded tiles, checks what the export gives it and has
//! the [`pmtiles`](::pmtiles) crate's writer (`PmTilesWriter`, feature `write`) lay out the
//! archive — Hilbert tile ids, run lengths, de-duplicated contents, leaf directories, gzip
//! directories and metadata, the header — into a temporary file that replaces the target only
//! when complete. Layout: <https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md>.
//!
//! What stays here, and why the crate does not do it:
//! - **Tiles in any order.** The crate's writer streams: tiles must come in tile-id order for a
//!   clustered archive, each once. The export renders on every core and finishes tiles in any
//!   order, so this writer keys them by tile id first and refuses a tile added twice.
//! - **Exact de-duplication with less memory.** Each distinct content is kept once here and
//!   handed to the crate with its index as the key (`dedup_by_key`), so identical tiles are
//!   found by comparing bytes, not by the crate's 128-bit hash, and hashed only once.
//! - **Refusals the crate does not make**: an empty tile (the crate skips it silently), no tiles
//!   at all, metadata that is not a JSON object, bounds or a center that are not degrees.
//! - **Atomic replacement**: the crate writes to any `Write + Seek`; here that is a
//!   `tempfile` beside the target (mode 0644, not the private 0600, so the web server hosting
//!   the archive can read it), synced and then renamed over the target.
//!
//! ```
//! use kvarter_tiles::TileCoord;
//! use kvarter_tiles::pmtiles::{PmtilesWriter, TileCompression};
//!
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
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ::pmtiles::{Compression, Compressor, PmTilesWriter, PmtError, PmtResult, TileId, TileType};

use crate::TileCoord;

/// The length of a v3 header in bytes.
pub const HEADER_LEN: usize = 127;

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

impl From<TileCompression> for Compression {
    fn from(compression: TileCompression) -> Self {
        match compression {
            TileCompression::None => Compression::None,
            TileCompression::Gzip => Compression::Gzip,
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
    /// No temporary file could be created beside the target; check that the folder exists and
    /// is writable.
    #[error("cannot create a temporary file in {}", folder.display())]
    Create {
        /// The target's folder.
        folder: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Writing the temporary file failed (is the disk full?); it has been removed again.
    #[error("cannot write the temporary file {}", path.display())]
    Write {
        /// The temporary file.
        path: PathBuf,
        /// The cause: an I/O error, or what the `pmtiles` crate's writer refused.
        #[source]
        source: PmtError,
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
    /// Bytes of leaf directories (0 when the root directory holds every entry).
    pub leaf_directory_bytes: u64,
    /// The archive's size in bytes.
    pub bytes: u64,
}

/// Collects MVT tiles in memory and writes them as one PMTiles v3 archive.
///
/// [`add`](PmtilesWriter::add) keys each tile by its Hilbert tile id (the `pmtiles` crate's
/// `TileId`) and keeps each distinct content once. [`write`](PmtilesWriter::write) then runs
/// these steps:
///
/// 1. **Check** that there are tiles, the metadata is a JSON object and the bounds and center
///    are lon/lat.
/// 2. **Create a temporary file** beside the target.
/// 3. **Stream the tiles** in tile-id order into the `pmtiles` crate's writer, each with its
///    content's index as the de-duplication key: a content is stored where it first occurs
///    (so the archive is *clustered*), later tiles with it point back at it, and a run of
///    consecutive ids with the same content becomes one entry. The crate writes the header
///    (tile type MVT, the declared tile compression, zoom range of the tiles, bounds and
///    center), the gzipped root directory within the first 16 KiB, the gzipped metadata, the
///    tile data and, when the root directory would not fit, gzipped leaf directories.
///    Directories and metadata are gzipped at the best level.
/// 4. **Sync and rename** the file over the target. On any error the temporary file is
///    removed, so the target is either the old file or the new archive, and nothing else is
///    left behind.
///
/// The output depends only on the tiles, metadata, bounds and center, not on the order the
/// tiles were added in. Every distinct tile content stays in memory until `write`, so the
/// writer needs about as much memory as the archive's tile data.
#[derive(Debug)]
pub struct PmtilesWriter {
    compression: TileCompression,
    /// Tile id → the tile and the index of its content.
    tiles: BTreeMap<u64, (::pmtiles::TileCoord, usize)>,
    /// Each distinct content → its index, numbered in the order first added.
    contents: HashMap<Box<[u8]>, usize>,
    /// The lowest and highest zoom level added.
    zooms: Option<(u8, u8)>,
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
        let coord = ::pmtiles::TileCoord::new(tile.z(), tile.x(), tile.y())
            .expect("a TileCoord (zoom 0-20, x and y within it) is a valid PMTiles coordinate");
        let Slot::Vacant(slot) = self.tiles.entry(TileId::from(coord).value()) else {
            return Err(PmtilesError::DuplicateTile { tile });
        };
        let content = if let Some(content) = self.contents.get(data) {
            *content
        } else {
            let content = self.contents.len();
            self.contents.insert(data.into(), content);
            content
        };
        slot.insert((coord, content));
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
        // Step 1.
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

        let mut by_index: Vec<&[u8]> = vec![&[]; self.contents.len()];
        for (bytes, index) in &self.contents {
            if let Some(slot) = by_index.get_mut(*index) {
                *slot = bytes;
            }
        }
        let [west, south, east, north] = bounds;
        let builder = PmTilesWriter::new(TileType::Mvt)
            .precompressed(self.compression.into())
            .internal_codec(BestGzip)
            .min_zoom(min_zoom)
            .max_zoom(max_zoom)
            .bounds(west, south, east, north)
            .center(center_lon, center_lat)
            .center_zoom(center_zoom)
            .metadata(metadata.to_string())
            .dedup_by_key::<usize>();

        // Steps 2 to 4.
        let (header, len) = write_atomically(path, |file| {
            let mut archive = builder.create(&mut *file)?;
            for &(coord, content) in self.tiles.values() {
                let data = by_index.get(content).copied().unwrap_or_default();
                archive.add_tile(coord, data, Some(content))?;
            }
            archive.finalize()?;
            let len = file.seek(SeekFrom::End(0))?;
            let mut header = [0; HEADER_LEN];
            file.seek(SeekFrom::Start(0))?;
            file.read_exact(&mut header)?;
            Ok((header, len))
        })?;
        Ok(WriteSummary {
            addressed_tiles: u64_at(&header, 72),
            tile_entries: u64_at(&header, 80),
            tile_contents: u64_at(&header, 88),
            leaf_directory_bytes: u64_at(&header, 48),
            bytes: len,
        })
    }
}

/// The little-endian `u64` at `offset` of the header (the spec's field offsets).
fn u64_at(header: &[u8; HEADER_LEN], offset: usize) -> u64 {
    let mut field = [0; 8];
    if let Some(bytes) = header.get(offset..offset + 8) {
        field.copy_from_slice(bytes);
    }
    u64::from_le_bytes(field)
}

/// Gzip at the best level for the directories and metadata: they are small and read on every
/// first visit. (The crate's own gzip compressor uses the default level and is not public.)
struct BestGzip;

impl Compressor for BestGzip {
    fn compression(&self) -> Compression {
        Compression::Gzip
    }

    fn compress(
        &self,
        f: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
        writer: &mut dyn Write,
    ) -> PmtResult<()> {
        let mut encoder = flate2::write::GzEncoder::new(writer, flate2::Compression::best());
        f(&mut encoder)?;
        encoder.finish()?;
        Ok(())
    }
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

/// Steps 2 to 4: `write` fills a new temporary file beside `path` (a `tempfile`, removed when
/// dropped), which is synced and renamed over `path`.
fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut File) -> PmtResult<T>,
) -> Result<T, PmtilesError> {
    let Some(file_name) = path.file_name() else {
        return Err(PmtilesError::NotAFilePath {
            path: path.to_path_buf(),
        });
    };
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let mut prefix = OsString::from(".");
    prefix.push(file_name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Readable by others, as a file written directly would be (a temporary file is private),
    // so that the web server hosting the archive can read it.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut temp = builder
        .tempfile_in(folder)
        .map_err(|source| PmtilesError::Create {
            folder: folder.to_path_buf(),
            source,
        })?;
    let written = write(temp.as_file_mut())
        .and_then(|written| Ok(temp.as_file().sync_all().map(|()| written)?))
        .map_err(|source| PmtilesError::Write {
            path: temp.path().to_path_buf(),
            source,
        })?;
    temp.persist(path).map_err(|error| PmtilesError::Rename {
        from: error.file.path().to_path_buf(),
        to: path.to_path_buf(),
        source: error.error,
    })?;
    Ok(written)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use std::collections::BTreeSet;
    use std::fs;
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
    /// The header plus the root directory must fit in the first 16 KiB (the spec's advice, so
    /// one request of 16 KiB gets both).
    const ROOT_LIMIT: u64 = 16_384;
    const CITY_HALL: (f64, f64, u8) = (12.5683, 55.6761, 12);

    /// An archive held in memory, for the `pmtiles` crate's reader.
    struct Memory(Bytes);

    impl AsyncBackend for Memory {
        async fn read(&self, offset: u64, length: usize) -> PmtResult<BackendResponse> {
            let offset = usize::try_from(offset).unwrap_or(usize::MAX);
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
        assert_eq!(summary.leaf_directory_bytes, 0);
        assert_eq!(header.n_addressed_tiles().unwrap().get(), 325);
        assert_eq!(header.n_tile_entries().unwrap().get(), summary.tile_entries);
        assert_eq!(header.n_tile_contents().unwrap().get(), 25);

        // Raw sections: the root directory right after the header and within 16 KiB, no leaves,
        // and tile data as long as the distinct contents, ending the file.
        assert_eq!(u64_at(&archive, 8), HEADER_LEN as u64);
        assert!(u64_at(&archive, 8) + u64_at(&archive, 16) <= ROOT_LIMIT);
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

        assert!(summary.leaf_directory_bytes > 0, "{summary:?}");
        assert_eq!(u64_at(&archive, 48), summary.leaf_directory_bytes);
        let root = gunzipped(
            &archive[HEADER_LEN..HEADER_LEN + usize::try_from(u64_at(&archive, 16)).unwrap()],
        );
        assert!(
            root[0] >= 2 && root[0] < 0x80,
            "the root directory points at {} leaves",
            root[0]
        );
        assert!(u64_at(&archive, 8) + u64_at(&archive, 16) <= ROOT_LIMIT);
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o777,
                0o644,
                "readable by the web server that hosts it"
            );
        }
    }

    #[test]
    fn the_same_tiles_added_in_any_order_give_the_same_bytes() {
        let mut tiles = Vec::new();
        for z in 0..=5_u64 {
            for x in 0..1 << z {
                for y in 0..1 << z {
                    tiles.push((tile(z, x, y), format!("{}", (x * 7 + y) % 11).into_bytes()));
                }
            }
        }
        let folder = tempfile::tempdir().unwrap();
        let write = |name: &str, tiles: &[(TileCoord, Vec<u8>)]| {
            let mut writer = PmtilesWriter::new(TileCompression::None);
            for (coord, data) in tiles {
                writer.add(*coord, data).unwrap();
            }
            let path = folder.path().join(name);
            let metadata = serde_json::json!({ "vector_layers": [] });
            writer
                .write(&path, &metadata, COPENHAGEN, CITY_HALL)
                .unwrap();
            fs::read(path).unwrap()
        };
        let forward = write("forward.pmtiles", &tiles);
        tiles.reverse();
        let backward = write("backward.pmtiles", &tiles);
        let mut next = random(5);
        tiles.sort_by_cached_key(|_| next());
        let shuffled = write("shuffled.pmtiles", &tiles);
        assert!(forward == backward && forward == shuffled);
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

//! `kvarter tiles export`: the z/x/y folder, its TileJSON and the PMTiles archive, and the
//! refusals that leave the disk as it was.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use kvarter_e2e::run;
use kvarter_testkit::strings;
use serde_json::Value;

const LAYERS: &str = "bydele-2023,udsatte-byomraader-2017";

#[test]
fn exporting_two_layers_writes_decodable_tiles_a_tilejson_and_a_matching_pmtiles_archive() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tiles");
    let archive = dir.path().join("kvarter.pmtiles");
    let output = export(
        LAYERS,
        "10-12",
        &out,
        &["--pmtiles", archive.to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The folder holds tiles.json and z/x/y.mvt files, nothing else.
    let files = mvt_files(&out);
    assert!(!files.is_empty());
    let zooms: BTreeSet<u8> = files.keys().map(|(z, _, _)| *z).collect();
    assert_eq!(zooms, BTreeSet::from([10, 11, 12]));
    assert_eq!(entries(&out), ["10", "11", "12", "tiles.json"]);

    // Every tile decodes as an MVT tile of the asked layers and their label layers.
    let expected_layers = BTreeSet::from([
        "bydele-2023",
        "bydele-2023_labels",
        "udsatte-byomraader-2017",
        "udsatte-byomraader-2017_labels",
    ]);
    let mut seen = BTreeSet::new();
    for (coord, bytes) in &files {
        let layers = mvt_layer_names(bytes);
        assert!(!layers.is_empty(), "tile {coord:?} has no layer");
        for name in layers {
            assert!(
                expected_layers.contains(name.as_str()),
                "tile {coord:?} has layer {name}"
            );
            seen.insert(name);
        }
    }
    assert!(seen.contains("bydele-2023") && seen.contains("udsatte-byomraader-2017"));

    // The TileJSON: relative tile URL, the exported zoom range, both layers.
    let tilejson = tilejson(&out);
    assert_eq!(tilejson["tiles"], serde_json::json!(["{z}/{x}/{y}.mvt"]));
    assert_eq!(
        (tilejson["minzoom"].as_u64(), tilejson["maxzoom"].as_u64()),
        (Some(10), Some(12))
    );
    let ids: BTreeSet<&str> = strings(&tilejson["vector_layers"], "/id")
        .into_iter()
        .collect();
    assert_eq!(ids, expected_layers);

    // The archive: its header counts one addressed tile per file, and its directories hold
    // exactly the files' tiles with the files' bytes (stored uncompressed), under the metadata
    // of the TileJSON.
    let pmtiles = fs::read(&archive).unwrap();
    assert_eq!(&pmtiles[..7], b"PMTiles");
    assert_eq!(pmtiles[7], 3, "spec version");
    assert_eq!(u64_at(&pmtiles, 72), files.len() as u64, "addressed tiles");
    let distinct: BTreeSet<&Vec<u8>> = files.values().collect();
    assert_eq!(u64_at(&pmtiles, 88), distinct.len() as u64, "tile contents");
    assert_eq!(pmtiles[98], 2, "tile compression: gzip");
    assert_eq!(pmtiles[99], 1, "tile type: MVT");
    assert_eq!((pmtiles[100], pmtiles[101]), (10, 12), "zoom range");
    let by_id: BTreeMap<u64, Vec<u8>> = files
        .iter()
        .map(|(coord, bytes)| (tile_id(*coord), bytes.clone()))
        .collect();
    let archived: BTreeMap<u64, Vec<u8>> = pmtiles_tiles(&pmtiles)
        .into_iter()
        .map(|(id, bytes)| (id, gunzip(&bytes)))
        .collect();
    assert!(
        archived == by_id,
        "the archive's tiles differ from the files"
    );
    let metadata: Value = serde_json::from_slice(&gunzip(section(&pmtiles, 24))).unwrap();
    assert_eq!(metadata["vector_layers"], tilejson["vector_layers"]);
    assert_eq!(metadata["attribution"], tilejson["attribution"]);

    // The summary line, and no temporary folder left beside the output.
    assert!(
        stdout.contains(&format!("{} tiles written", files.len())),
        "{stdout}"
    );
    assert_eq!(entries(dir.path()), ["kvarter.pmtiles", "tiles"]);
}

#[test]
fn exporting_into_a_folder_that_is_not_empty_fails_naming_it_and_leaves_it_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("occupied");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("index.html"), b"<p>keep me</p>").unwrap();
    let archive = dir.path().join("kvarter.pmtiles");
    let output = export(
        LAYERS,
        "10",
        &out,
        &["--pmtiles", archive.to_str().unwrap()],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(out.to_str().unwrap()) && stderr.contains("not empty"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(entries(&out), ["index.html"]);
    assert_eq!(fs::read(out.join("index.html")).unwrap(), b"<p>keep me</p>");
    assert_eq!(
        entries(dir.path()),
        ["occupied"],
        "no archive, no temporary folder"
    );
}

#[test]
fn exporting_an_unknown_layer_fails_naming_it_and_the_known_layers_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tiles");
    let archive = dir.path().join("kvarter.pmtiles");
    let output = export(
        "bydele-2023,no-such-layer",
        "10-12",
        &out,
        &["--pmtiles", archive.to_str().unwrap()],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no-such-layer") && stderr.contains("kvarterer-2023"),
        "{stderr}"
    );
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[test]
fn exporting_into_an_empty_folder_with_a_public_url_fills_it_with_absolute_tile_urls() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tiles");
    fs::create_dir(&out).unwrap();
    let output = export(
        "bydele-2023",
        "11",
        &out,
        &["--public-url", "https://cdn.example/kvarter/"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!mvt_files(&out).is_empty());
    let tilejson = tilejson(&out);
    assert_eq!(
        tilejson["tiles"],
        serde_json::json!(["https://cdn.example/kvarter/{z}/{x}/{y}.mvt"])
    );
    assert_eq!(entries(dir.path()), ["tiles"]);
}

/// Runs `kvarter tiles export --layers LAYERS --zoom ZOOM --out OUT EXTRA…`.
fn export(layers: &str, zoom: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "tiles",
        "export",
        "--layers",
        layers,
        "--zoom",
        zoom,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The `tiles.json` an export wrote into `out`.
fn tilejson(out: &Path) -> Value {
    serde_json::from_slice(&fs::read(out.join("tiles.json")).unwrap()).expect("tiles.json is JSON")
}

/// The names in `folder`, sorted.
fn entries(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Every `{z}/{x}/{y}.mvt` under `out`, by `(z, x, y)`; panics on any other file but
/// `tiles.json`.
fn mvt_files(out: &Path) -> BTreeMap<(u8, u32, u32), Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending: Vec<PathBuf> = vec![out.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(out).unwrap();
            if relative == Path::new("tiles.json") {
                continue;
            }
            let parts: Vec<&str> = relative.iter().map(|p| p.to_str().unwrap()).collect();
            let [z, x, y] = parts[..] else {
                panic!("unexpected file {}", relative.display());
            };
            let y = y.strip_suffix(".mvt").expect("tiles end in .mvt");
            let coord = (z.parse().unwrap(), x.parse().unwrap(), y.parse().unwrap());
            files.insert(coord, fs::read(&path).unwrap());
        }
    }
    files
}

/// The little-endian `u64` at `offset`.
fn u64_at(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
}

/// The layer names of an MVT tile, decoded with `mvt-reader`, each layer checked to be MVT
/// version 2 with at least one feature that decodes.
fn mvt_layer_names(tile: &[u8]) -> Vec<String> {
    let reader = mvt_reader::Reader::new(tile.to_vec()).expect("an MVT tile");
    let mut names = Vec::new();
    for layer in reader.get_layer_metadata().unwrap() {
        assert_eq!(layer.version, 2, "layer {} is MVT version 2", layer.name);
        let features = reader.get_features(layer.layer_index).unwrap();
        assert!(!features.is_empty(), "layer {} has features", layer.name);
        assert_eq!(features.len(), layer.feature_count);
        names.push(layer.name);
    }
    names
}

/// The PMTiles tile id of `z/x/y`, written from the spec (Hilbert curve position within the
/// zoom level, after the tiles of all lower levels) independently of the writer.
fn tile_id((z, x, y): (u8, u32, u32)) -> u64 {
    let width = 1_u64 << z;
    let (mut x, mut y) = (u64::from(x), u64::from(y));
    let mut id = (width * width - 1) / 3;
    let mut half = width / 2;
    while half > 0 {
        let right = u64::from(x & half > 0);
        let lower = u64::from(y & half > 0);
        id += half * half * ((3 * right) ^ lower);
        if lower == 0 {
            if right == 1 {
                x = width - 1 - x;
                y = width - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        half /= 2;
    }
    id
}

/// The archive section whose offset and length the header holds at `offset_at` and
/// `offset_at + 8`: 8 the root directory, 24 the metadata, 40 the leaf directories, 56 the tile
/// data.
fn section(archive: &[u8], offset_at: usize) -> &[u8] {
    let start = usize::try_from(u64_at(archive, offset_at)).unwrap();
    let len = usize::try_from(u64_at(archive, offset_at + 8)).unwrap();
    &archive[start..start + len]
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).unwrap();
    out
}

/// Every tile of a PMTiles v3 archive by tile id, read from its directories (root and leaves,
/// run lengths expanded) as the spec lays them out.
fn pmtiles_tiles(archive: &[u8]) -> BTreeMap<u64, Vec<u8>> {
    let (leaves, data) = (section(archive, 40), section(archive, 56));
    let mut tiles = BTreeMap::new();
    let mut directories = vec![gunzip(section(archive, 8))];
    while let Some(directory) = directories.pop() {
        let mut bytes = &directory[..];
        let count = usize::try_from(varint(&mut bytes)).unwrap();
        let mut id = 0;
        let ids: Vec<u64> = (0..count)
            .map(|_| {
                id += varint(&mut bytes);
                id
            })
            .collect();
        let runs: Vec<u64> = (0..count).map(|_| varint(&mut bytes)).collect();
        let lens: Vec<u64> = (0..count).map(|_| varint(&mut bytes)).collect();
        let mut next = 0;
        for i in 0..count {
            let offset = match varint(&mut bytes) {
                0 => next,
                value => value - 1,
            };
            next = offset + lens[i];
            let range = usize::try_from(offset).unwrap()..usize::try_from(next).unwrap();
            if runs[i] == 0 {
                directories.push(gunzip(&leaves[range]));
                continue;
            }
            for run in 0..runs[i] {
                let previous = tiles.insert(ids[i] + run, data[range.clone()].to_vec());
                assert!(previous.is_none(), "tile id {} listed twice", ids[i] + run);
            }
        }
        assert!(bytes.is_empty(), "the directory has trailing bytes");
    }
    tiles
}

fn varint(bytes: &mut &[u8]) -> u64 {
    let (mut value, mut shift) = (0_u64, 0);
    loop {
        let (&byte, rest) = bytes.split_first().expect("a complete varint");
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte < 0x80 {
            return value;
        }
    }
}

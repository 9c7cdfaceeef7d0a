//! Tile rendering benchmarks on the committed default dataset (`geodata/`).
//!
//! - `render`: [`Tiler::render`] of one tile with the layers already prepared for its zoom level
//!   (what a request that misses the tile cache costs): the map's overlay (seven designation and
//!   admin layers) at z10 (all of Copenhagen in one tile), z12 and z14 around Rådhuspladsen, and
//!   the 4,886 karréer (city blocks) at z14; plus a round-robin over the z13–z15 tiles of the
//!   overlay covering Copenhagen.
//! - `prepare`: a fresh [`Tiler`] preparing the karréer for one zoom level (shared arcs,
//!   simplification, validity repair): the one-off cost a zoom level pays on first use.
//!
//! Run: `cargo bench -p kvarter-tiles --bench render -- --warm-up-time 1 --measurement-time 3`

#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up on the committed dataset"
)]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kvarter_index::Index;
use kvarter_tiles::{TileConfig, TileCoord, Tiler};

const OVERLAY: &str = "udsatte-byomraader-2011,udsatte-byomraader-2017,kommune-2023,bydele-2023,lokaludvalg-2023,kvarterer-2023,roder-2023";
const RAADHUSPLADSEN: (f64, f64) = (12.5683, 55.6761);

fn default_index() -> Index {
    let geodata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    let (dataset, _) = kvarter_data::dataset::load_dir(&geodata).unwrap();
    Index::new(dataset)
}

fn render(c: &mut Criterion) {
    let index = default_index();
    let tiler = Tiler::new(&index, TileConfig::default());
    let overlay = tiler.layer_set(&index, OVERLAY).unwrap();
    let karreer = tiler.layer_set(&index, "karreer-2014").unwrap();
    tiler.prepare(&index, &overlay, "0-16".parse().unwrap());
    tiler.prepare(&index, &karreer, "14".parse().unwrap());

    let mut group = c.benchmark_group("render");
    for (name, set, z) in [
        ("overlay z10", &overlay, 10),
        ("overlay z12", &overlay, 12),
        ("overlay z14", &overlay, 14),
        ("karreer z14", &karreer, 14),
    ] {
        let tile = TileCoord::containing(RAADHUSPLADSEN.0, RAADHUSPLADSEN.1, z);
        let bytes = tiler.render(&index, set, tile).len();
        eprintln!("{name} ({tile}): {bytes} bytes");
        group.bench_function(name, |b| {
            b.iter(|| black_box(tiler.render(&index, set, black_box(tile))));
        });
    }
    let covering = tiler.tiles_covering(&index, &overlay, "13-15".parse().unwrap());
    eprintln!("overlay z13-15: {} tiles", covering.len());
    group.bench_function("overlay z13-15 round-robin", |b| {
        let mut next = covering.iter().copied().cycle();
        b.iter(|| black_box(tiler.render(&index, &overlay, next.next().unwrap())));
    });
    group.finish();

    let mut group = c.benchmark_group("prepare");
    group.sample_size(10);
    for z in [10, 14] {
        group.bench_function(format!("karreer z{z}"), |b| {
            b.iter_batched(
                || Tiler::new(&index, TileConfig::default()),
                |fresh| fresh.prepare(&index, &karreer, format!("{z}").parse().unwrap()),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);

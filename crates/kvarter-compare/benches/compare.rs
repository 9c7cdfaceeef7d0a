//! Designation-diff benchmarks on the committed default dataset (`geodata/`): the reconstructed
//! 2011 udsatte byområder (6 areas) against the official 2017 ones (17 delområder).
//!
//! - `compare/full`: [`compare`] from the two layers, projection included — what an uncached
//!   request costs. Target: under 50 ms.
//! - `compare/project`: projecting both layers to EPSG:25832 (`Projected::new`), on its own.
//! - `compare/projected, fresh unions`: [`compare_projected`] on projections built in the
//!   (untimed) set-up of each iteration, so the layer unions are computed in the timed part.
//! - `compare/projected, cached unions`: [`compare_projected`] reusing projections whose layer
//!   unions are already cached — what a server that keeps projections per data version pays.
//!
//! Run: `cargo bench -p kvarter-compare --bench compare -- --warm-up-time 1 --measurement-time 3`

#![allow(
    clippy::unwrap_used,
    reason = "benchmark set-up on the committed dataset"
)]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kvarter_compare::{compare, compare_projected};
use kvarter_core::{Layer, LayerId};
use kvarter_overlay::Projected;

fn default_layers() -> (Layer, Layer) {
    let geodata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    let (dataset, _) = kvarter_data::dataset::load_dir(&geodata).unwrap();
    let get = |id: &str| {
        dataset
            .layer(&id.parse::<LayerId>().unwrap())
            .unwrap()
            .clone()
    };
    (
        get("udsatte-byomraader-2011"),
        get("udsatte-byomraader-2017"),
    )
}

fn bench_compare(c: &mut Criterion) {
    let (from, to) = default_layers();
    let vertices = |layer: &Layer| -> usize {
        layer
            .areas
            .iter()
            .map(|a| geo::CoordsIter::coords_count(&a.geometry))
            .sum()
    };
    let diff = compare(&from, &to).unwrap();
    eprintln!(
        "{} ({} areas, {} vertices) vs {} ({} areas, {} vertices): {} pairs, {} pieces",
        from.meta.id,
        from.areas.len(),
        vertices(&from),
        to.meta.id,
        to.areas.len(),
        vertices(&to),
        diff.pairs.len(),
        diff.pieces.len()
    );

    let mut group = c.benchmark_group("compare");
    group.bench_function("full", |b| {
        b.iter(|| black_box(compare(black_box(&from), black_box(&to)).unwrap()));
    });
    group.bench_function("project", |b| {
        b.iter(|| {
            black_box((
                Projected::new(black_box(&from)).unwrap(),
                Projected::new(black_box(&to)).unwrap(),
            ))
        });
    });
    group.bench_function("projected, fresh unions", |b| {
        b.iter_batched(
            || (Projected::new(&from).unwrap(), Projected::new(&to).unwrap()),
            |(pf, pt)| black_box(compare_projected(&from, &pf, &to, &pt).unwrap()),
            BatchSize::SmallInput,
        );
    });
    let (pf, pt) = (Projected::new(&from).unwrap(), Projected::new(&to).unwrap());
    let _ = (pf.union(), pt.union());
    group.bench_function("projected, cached unions", |b| {
        b.iter(|| black_box(compare_projected(&from, &pf, &to, &pt).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, bench_compare);
criterion_main!(benches);

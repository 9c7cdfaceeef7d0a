//! Areal-weighting benchmarks on the committed default dataset (`geodata/`).
//!
//! Values are synthetic — generated per rode from a fixed seed, and labelled so in every bench
//! name — because the join's cost does not depend on them: an extensive count (100–5,000), an
//! intensive rate (0–100 %) and, for the weighted variant, a synthetic population per rode.
//! Each is joined from roder-2023 (399 units) onto udsatte-byomraader-2011 (6 areas) and -2017
//! (17 areas):
//!
//! * `with overlaps`: [`join_values`], i.e. R-tree candidates and exact intersections, then
//!   the weighting — what a layer pays once per source layer and data version;
//! * `overlaps precomputed`: [`Overlaps::join`] alone — what every further indicator and
//!   period costs.
//!
//! Projection to EPSG:25832 ([`Projected::new`]) is done once in set-up, as the service does
//! once per data version.
//!
//! Run: `cargo bench -p kvarter-indicators --bench join -- --warm-up-time 1 --measurement-time 3`

#![allow(clippy::unwrap_used, reason = "benchmark set-up on committed data")]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kvarter_core::Dataset;
use kvarter_indicators::{Measure, Overlaps, join_values};
use kvarter_overlay::Projected;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x0de2_2023_0b1d;

/// A bench case: name, values per rode, weights per rode, measure.
type Case<'a> = (
    &'a str,
    &'a [Option<f64>],
    Option<&'a [Option<f64>]>,
    Measure,
);

fn projected(dataset: &Dataset, id: &str) -> Projected {
    Projected::new(dataset.layer(&id.parse().unwrap()).unwrap()).unwrap()
}

fn joins(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    let (dataset, _) = kvarter_data::dataset::load_dir(&dir).unwrap();
    let roder = projected(&dataset, "roder-2023");
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut synthetic = |range: std::ops::Range<f64>| -> Vec<Option<f64>> {
        (0..roder.len())
            .map(|_| Some(rng.gen_range(range.clone())))
            .collect()
    };
    let counts = synthetic(100.0..5_000.0);
    let rates = synthetic(0.0..100.0);
    let population = synthetic(100.0..5_000.0);

    for target_id in ["udsatte-byomraader-2011", "udsatte-byomraader-2017"] {
        let target = projected(&dataset, target_id);
        let overlaps = Overlaps::new(&roder, &target);
        let pairs: usize = (0..target.len()).map(|t| overlaps.of_target(t).len()).sum();
        eprintln!(
            "roder-2023 -> {target_id}: {} units, {} targets, {pairs} overlapping pairs",
            roder.len(),
            target.len()
        );
        let cases: [Case; 3] = [
            ("synthetic extensive", &counts, None, Measure::Extensive),
            ("synthetic intensive", &rates, None, Measure::Intensive),
            (
                "synthetic intensive, population-weighted",
                &rates,
                Some(&population),
                Measure::Intensive,
            ),
        ];

        let mut group = c.benchmark_group(format!("roder-2023 -> {target_id}"));
        group.sample_size(20);
        for (name, values, weights, measure) in cases {
            group.bench_function(format!("{name}, with overlaps"), |b| {
                b.iter(|| {
                    black_box(join_values(
                        &roder,
                        black_box(values),
                        weights,
                        &target,
                        measure,
                    ))
                });
            });
            group.bench_function(format!("{name}, overlaps precomputed"), |b| {
                b.iter(|| black_box(overlaps.join(black_box(values), weights, measure)));
            });
        }
        group.bench_function("overlaps only", |b| {
            b.iter(|| black_box(Overlaps::new(&roder, &target)));
        });
        group.finish();
    }
}

criterion_group!(benches, joins);
criterion_main!(benches);

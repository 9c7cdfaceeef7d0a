//! Point-lookup benchmarks.
//!
//! `synthetic` builds, from a fixed seed, a dataset shaped like Copenhagen's: a municipality
//! polygon of 7,000 vertices, nested tilings of 10, 12, 67 and 400 cells that share the
//! municipality's border (so border cells carry its detail, as real ones do), and 6,000 small
//! base-map polygons that default lookups skip. It describes no real place and is labelled
//! `Status::Synthetic`. Each group benches [`Index::lookup`] with the default query on a fixed
//! list of 1,000 seeded random points, reported per lookup.
//!
//! `default_dataset` does the same on the committed default dataset (`geodata/`).
//!
//! To add a group, write a function that builds an `Index` and its
//! points, calls [`bench_lookups`], and list it in `criterion_group!` at the bottom. Points,
//! areas and layers come from `src/fixtures.rs`, the helpers the tests build theirs with.
//!
//! Run: `cargo bench -p kvarter-index --bench lookup -- --warm-up-time 1 --measurement-time 3`

#![allow(clippy::unwrap_used, reason = "benchmark set-up on generated data")]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

#[path = "../src/fixtures.rs"]
mod fixtures;

use std::f64::consts::TAU;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::{Coord, LineString, Polygon};
use kvarter_core::{Dataset, Layer, LayerKind};
use kvarter_index::{Index, LookupQuery};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use fixtures::{area, at, layer, point_in};

const SEED: u64 = 0x0c0e_9e4a_9e40;

/// Benches `lookup` with the default query over `points`, one point per iteration
/// (round-robin), and all points per iteration.
fn bench_lookups(c: &mut Criterion, group: &str, index: &Index, points: &[Coord<f64>]) {
    let query = LookupQuery::default();
    let hits: usize = points.iter().map(|&p| index.lookup(p, &query).len()).sum();
    eprintln!(
        "{group}: {index:?}; {:.2} hits per lookup over {} points",
        hits as f64 / points.len() as f64,
        points.len()
    );

    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(1));
    group.bench_function("default query, one point round-robin", |b| {
        let mut next = points.iter().copied().cycle();
        b.iter(|| {
            let point = next.next().unwrap();
            black_box(index.lookup(black_box(point), &query))
        });
    });
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function(format!("default query, {} points", points.len()), |b| {
        b.iter(|| {
            for &point in points {
                black_box(index.lookup(black_box(point), &query));
            }
        });
    });
    group.finish();
}

/// `n` seeded random points in the bounding box of `layer`.
fn random_points(layer: &Layer, n: usize, seed: u64) -> Vec<Coord<f64>> {
    let bounds = layer.bounds().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| point_in(&mut rng, bounds)).collect()
}

/// The synthetic dataset, points over the bounding box of its first layer (the municipality).
fn synthetic(c: &mut Criterion) {
    let index = Index::new(synthetic::copenhagen(SEED));
    let points = random_points(&index.layers()[0], 1_000, SEED + 1);
    bench_lookups(c, "lookup/synthetic-copenhagen", &index, &points);
}

/// The committed default dataset (`geodata/`): every layer the service holds, points over the
/// municipality's bounding box (about half of them outside Copenhagen or in Frederiksberg).
fn default_dataset(c: &mut Criterion) {
    let index = Index::new(fixtures::default_dataset());
    let kommune = index.layer(&"kommune-2023".parse().unwrap()).unwrap();
    let points = random_points(kommune, 1_000, SEED + 2);
    bench_lookups(c, "lookup/default-dataset", &index, &points);
}

criterion_group!(benches, default_dataset, synthetic);
criterion_main!(benches);

/// A seeded dataset shaped like Copenhagen's layers.
mod synthetic {
    use super::{
        ChaCha8Rng, Coord, Dataset, Layer, LayerKind, LineString, Polygon, Rng, SeedableRng, TAU,
        area, at, layer,
    };

    /// Vertices of the municipality border.
    const BORDER: usize = 7_000;
    const CENTRE: Coord<f64> = Coord { x: 12.55, y: 55.68 };
    /// Half-width and half-height of the municipality, in degrees.
    const RADIUS: Coord<f64> = Coord { x: 0.11, y: 0.065 };

    /// The border: a wobbly star-shaped ring around `CENTRE` with coastline-like detail at
    /// several scales, as a radius factor per vertex; vertex `m` lies at angle `m / BORDER` of a
    /// turn.
    struct Border {
        radius: Vec<f64>,
    }

    impl Border {
        fn new(rng: &mut ChaCha8Rng) -> Self {
            // (frequency, amplitude, phase): from the city's overall shape to harbour-scale
            // detail, plus a little noise at the scale of the vertex spacing.
            let waves: Vec<(f64, f64, f64)> = [
                (3.0, 0.15),
                (7.0, 0.08),
                (23.0, 0.03),
                (71.0, 0.01),
                (211.0, 0.004),
            ]
            .into_iter()
            .map(|(frequency, amplitude)| (frequency, amplitude, rng.gen_range(0.0..TAU)))
            .collect();
            let radius = (0..BORDER)
                .map(|m| {
                    let t = angle(m);
                    let shape: f64 = waves
                        .iter()
                        .map(|&(k, a, phase)| a * (k * t + phase).sin())
                        .sum();
                    (1.0 + shape) * (1.0 + rng.gen_range(-0.0005..0.0005))
                })
                .collect();
            Border { radius }
        }

        /// The point at fraction `f` of the way from the centre to border vertex `m` (taken
        /// modulo `BORDER`). Computed the same way for every cell, so neighbours share vertices.
        fn point(&self, f: f64, m: usize) -> Coord<f64> {
            let m = m % BORDER;
            let t = angle(m);
            let r = f * self.radius[m];
            at(
                CENTRE.x + r * RADIUS.x * t.cos(),
                CENTRE.y + r * RADIUS.y * t.sin(),
            )
        }
    }

    fn angle(m: usize) -> f64 {
        m as f64 / BORDER as f64 * TAU
    }

    /// The border vertex indices `0..=BORDER` where `sectors` equal sectors start and end.
    fn sector_bounds(sectors: usize) -> Vec<usize> {
        (0..=sectors).map(|j| j * BORDER / sectors).collect()
    }

    /// A tiling of the municipality into rings (equal-area, by radius fraction `sqrt(i / n)`),
    /// ring `i` split into `sectors[i]` sectors. Ring boundaries inside the municipality keep
    /// every `stride`-th border angle plus every sector bound of the rings on both sides, so
    /// the cells on either side use exactly the same vertices; the outermost ring follows the
    /// border vertex by vertex.
    fn rings(border: &Border, sectors: &[usize], stride: usize) -> Vec<Polygon<f64>> {
        let rings = sectors.len();
        let fraction = |i: usize| (i as f64 / rings as f64).sqrt();
        let bounds: Vec<Vec<usize>> = sectors.iter().map(|&s| sector_bounds(s)).collect();
        // marks[i]: the vertex indices kept on the boundary between ring i - 1 and ring i.
        let marks: Vec<Vec<usize>> = (0..=rings)
            .map(|i| {
                if i == rings {
                    return (0..=BORDER).collect();
                }
                let mut kept: Vec<usize> = (0..=BORDER).step_by(stride).collect();
                kept.push(BORDER);
                for ring in [i.saturating_sub(1), i] {
                    kept.extend(&bounds[ring]);
                }
                kept.sort_unstable();
                kept.dedup();
                kept
            })
            .collect();
        let arc = |i: usize, from: usize, to: usize| -> Vec<Coord<f64>> {
            marks[i]
                .iter()
                .filter(|&&m| from <= m && m <= to)
                .map(|&m| border.point(fraction(i), m))
                .collect()
        };
        let mut cells = Vec::new();
        for (i, ring_bounds) in bounds.iter().enumerate() {
            for pair in ring_bounds.windows(2) {
                let (from, to) = (pair[0], pair[1]);
                let mut ring = arc(i + 1, from, to);
                if i == 0 {
                    ring.push(CENTRE);
                } else {
                    ring.extend(arc(i, from, to).into_iter().rev());
                }
                cells.push(Polygon::new(LineString::new(ring), vec![]));
            }
        }
        cells
    }

    /// Small base-map polygons (blocks, ponds) anywhere in the municipality's bounding box.
    fn blocks(rng: &mut ChaCha8Rng, count: usize) -> Vec<Polygon<f64>> {
        (0..count)
            .map(|_| {
                let centre = at(
                    CENTRE.x + rng.gen_range(-1.2..1.2) * RADIUS.x,
                    CENTRE.y + rng.gen_range(-1.2..1.2) * RADIUS.y,
                );
                let size = rng.gen_range(0.0005..0.002);
                let n: i32 = rng.gen_range(4..12);
                let outline = (0..n)
                    .map(|k| {
                        let t = (f64::from(k) + rng.gen_range(-0.3..0.3)) / f64::from(n) * TAU;
                        let r = size * rng.gen_range(0.6..1.0);
                        at(centre.x + r * t.cos(), centre.y + 0.6 * r * t.sin())
                    })
                    .collect();
                Polygon::new(LineString::new(outline), vec![])
            })
            .collect()
    }

    /// A layer of one area per polygon, the areas named `{id}-0`, `{id}-1`, ….
    fn numbered(id: &str, kind: LayerKind, polygons: Vec<Polygon<f64>>) -> Layer {
        let areas = polygons
            .into_iter()
            .enumerate()
            .map(|(i, polygon)| area(&format!("{id}-{i}"), polygon))
            .collect();
        layer(id, kind, areas)
    }

    /// The dataset: `kommune` (1 polygon, 7,000 vertices), `bydele` (10), `lokaludvalg` (12),
    /// `kvarterer` (67), `roder` (400) and the base map `blokke` (6,000 small polygons).
    pub(super) fn copenhagen(seed: u64) -> Dataset {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let border = Border::new(&mut rng);
        let kommune = Polygon::new(
            LineString::new((0..BORDER).map(|m| border.point(1.0, m)).collect()),
            vec![],
        );
        let roder_sectors = [6, 14, 22, 30, 38, 46, 54, 62, 64, 64];
        let layers = vec![
            numbered("kommune", LayerKind::AdminUnit, vec![kommune]),
            numbered("bydele", LayerKind::AdminUnit, rings(&border, &[10], 1)),
            numbered(
                "lokaludvalg",
                LayerKind::AdminUnit,
                rings(&border, &[4, 8], 10),
            ),
            numbered(
                "kvarterer",
                LayerKind::AdminUnit,
                rings(&border, &[5, 12, 22, 28], 20),
            ),
            numbered(
                "roder",
                LayerKind::AdminUnit,
                rings(&border, &roder_sectors, 40),
            ),
            numbered("blokke", LayerKind::BaseMap, blocks(&mut rng, 6_000)),
        ];
        Dataset {
            version: format!("synthetic-copenhagen-{seed:#x}"),
            layers,
        }
    }
}

//! Point-lookup benchmarks.
//!
//! `synthetic` builds, from a fixed seed, a dataset shaped like Copenhagen's: a municipality
//! polygon of 7,000 vertices, nested tilings of 10, 12, 67 and 400 cells that share the
//! municipality's border (so border cells carry its detail, as real ones do), and 6,000 small
//! base-map polygons that default lookups skip. It describes no real place and is labelled
//! `Status::Synthetic`. Each group benches [`Index::lookup`] with the default query on a fixed
//! list of 1,000 seeded random points, reported per lookup.
//!
//! To add a group (e.g. for the real dataset), write a function that builds an `Index` and its
//! points, calls [`bench_lookups`], and list it in `criterion_group!` at the bottom.
//!
//! Run: `cargo bench -p kvarter-index --bench lookup -- --warm-up-time 1 --measurement-time 3`

#![allow(clippy::unwrap_used, reason = "benchmark set-up on generated data")]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::f64::consts::TAU;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use kvarter_core::{Area, Dataset, Layer, LayerKind, LayerMeta, Properties, Source, Status, Title};
use kvarter_index::{Index, LookupQuery};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

    let (a, b) = points.iter().fold((0, 0), |acc, &p| {
        let (x, y) = index.tmp_candidates(p);
        (acc.0 + x, acc.1 + y)
    });
    eprintln!(
        "candidates per point: {} (default layers {})",
        a as f64 / 1000.0,
        b as f64 / 1000.0
    );
    {
        let mut per_layer = std::collections::BTreeMap::new();
        for &p in points {
            for (l, n, c) in index.tmp_stats(p) {
                let e = per_layer.entry(l).or_insert((0usize, 0usize, 0u32, 0usize));
                e.0 += 1;
                e.1 += n;
                e.2 = e.2.max(c);
                e.3 = e.3.max(n);
            }
        }
        for (l, (tests, edges, maxc, maxn)) in per_layer {
            eprintln!(
                "layer {l}: tests {tests} mean edges {:.1} max edges {maxn} max bands {maxc}",
                edges as f64 / tests as f64
            );
        }
    }
    let mut group = c.benchmark_group(group);
    group.bench_function("tree only", |b| {
        let mut next = points.iter().copied().cycle();
        b.iter(|| index.tmp_candidates(black_box(next.next().unwrap())));
    });
    group.bench_function("tree and tests, 8 points hot", |b| {
        let mut next = points[..8].iter().copied().cycle();
        b.iter(|| index.tmp_tests(black_box(next.next().unwrap())));
    });
    group.bench_function("tree only, 8 points hot", |b| {
        let mut next = points[..8].iter().copied().cycle();
        b.iter(|| index.tmp_candidates(black_box(next.next().unwrap())));
    });
    group.bench_function("tree and tests", |b| {
        let mut next = points.iter().copied().cycle();
        b.iter(|| index.tmp_tests(black_box(next.next().unwrap())));
    });
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

/// `n` seeded random points in the bounding box of the dataset's first layer, widened by 10 %.
fn random_points(index: &Index, n: usize, seed: u64) -> Vec<Coord<f64>> {
    let bounds = index.layers()[0].bounds().unwrap();
    let (dx, dy) = (
        0.1 * (bounds.east - bounds.west),
        0.1 * (bounds.north - bounds.south),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| Coord {
            x: rng.gen_range(bounds.west - dx..bounds.east + dx),
            y: rng.gen_range(bounds.south - dy..bounds.north + dy),
        })
        .collect()
}

mod exp {
    use rstar::{AABB, RStarInsertionStrategy, RTree, RTreeObject, RTreeParams};
    use std::ops::ControlFlow;
    #[derive(Clone, Copy)]
    pub struct E {
        pub env: AABB<[f64; 2]>,
        pub layer: u32,
    }
    impl RTreeObject for E {
        type Envelope = AABB<[f64; 2]>;
        fn envelope(&self) -> Self::Envelope {
            self.env
        }
    }
    pub struct P16;
    impl RTreeParams for P16 {
        const MIN_SIZE: usize = 6;
        const MAX_SIZE: usize = 16;
        const REINSERTION_COUNT: usize = 4;
        type DefaultInsertionStrategy = RStarInsertionStrategy;
    }
    pub struct P32;
    impl RTreeParams for P32 {
        const MIN_SIZE: usize = 12;
        const MAX_SIZE: usize = 32;
        const REINSERTION_COUNT: usize = 4;
        type DefaultInsertionStrategy = RStarInsertionStrategy;
    }
    pub struct P8;
    impl RTreeParams for P8 {
        const MIN_SIZE: usize = 3;
        const MAX_SIZE: usize = 8;
        const REINSERTION_COUNT: usize = 2;
        type DefaultInsertionStrategy = RStarInsertionStrategy;
    }
    pub fn count<Pa: RTreeParams>(t: &RTree<E, Pa>, p: [f64; 2]) -> usize {
        t.locate_in_envelope_intersecting(&AABB::from_point(p))
            .filter(|e| e.layer != 5)
            .count()
    }
    pub fn count_int<Pa: RTreeParams>(t: &RTree<E, Pa>, p: [f64; 2]) -> usize {
        let mut n = 0;
        let _ = t.locate_in_envelope_intersecting_int(&AABB::from_point(p), |e| {
            if e.layer != 5 {
                n += 1;
            }
            ControlFlow::<()>::Continue(())
        });
        n
    }
}

fn synthetic(c: &mut Criterion) {
    {
        use geo::BoundingRect;
        let ds = synthetic::copenhagen(SEED);
        let mut es = vec![];
        for (li, l) in ds.layers.iter().enumerate() {
            for a in &l.areas {
                let r = a.geometry.bounding_rect().unwrap();
                es.push(exp::E {
                    env: rstar::AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    layer: li as u32,
                });
            }
        }
        let t6: rstar::RTree<exp::E> = rstar::RTree::bulk_load(es.clone());
        let t_nobase: rstar::RTree<exp::E> =
            rstar::RTree::bulk_load(es.iter().copied().filter(|e| e.layer != 5).collect());
        let t8: rstar::RTree<exp::E, exp::P8> = rstar::RTree::bulk_load_with_params(es.clone());
        let t16: rstar::RTree<exp::E, exp::P16> = rstar::RTree::bulk_load_with_params(es.clone());
        let t32: rstar::RTree<exp::E, exp::P32> = rstar::RTree::bulk_load_with_params(es.clone());
        let idx = Index::new(synthetic::copenhagen(SEED));
        let pts: Vec<[f64; 2]> = random_points(&idx, 1000, SEED + 1)
            .iter()
            .map(|c| [c.x, c.y])
            .collect();
        fn visit<Pa: rstar::RTreeParams>(
            n: &rstar::ParentNode<exp::E>,
            p: [f64; 2],
            nodes: &mut usize,
            checks: &mut usize,
        ) {
            use rstar::{Envelope, RTreeNode};
            *nodes += 1;
            for ch in n.children() {
                *checks += 1;
                match ch {
                    RTreeNode::Leaf(_) => {}
                    RTreeNode::Parent(q) => {
                        if q.envelope().contains_point(&p) {
                            visit::<Pa>(q, p, nodes, checks)
                        }
                    }
                }
            }
        }
        let (mut nodes, mut checks) = (0, 0);
        for p in &pts {
            visit::<rstar::DefaultParams>(t6.root(), *p, &mut nodes, &mut checks);
        }
        eprintln!(
            "t6: nodes {} checks {}",
            nodes as f64 / 1000.0,
            checks as f64 / 1000.0
        );
        let (mut nodes, mut checks) = (0, 0);
        for p in &pts {
            visit::<exp::P16>(t16.root(), *p, &mut nodes, &mut checks);
        }
        eprintln!(
            "t16: nodes {} checks {}",
            nodes as f64 / 1000.0,
            checks as f64 / 1000.0
        );
        let mut g = c.benchmark_group("exp");
        macro_rules! run {
            ($name:expr, $f:expr) => {
                g.bench_function($name, |b| {
                    let mut it = pts.iter().copied().cycle();
                    b.iter(|| $f(black_box(it.next().unwrap())))
                });
            };
        }
        run!("t6 iter", |p| exp::count(&t6, p));
        run!("t6 int", |p| exp::count_int(&t6, p));
        run!("t6 int no base map", |p| exp::count_int(&t_nobase, p));
        run!("t8 int", |p| exp::count_int(&t8, p));
        run!("t16 iter", |p| exp::count(&t16, p));
        run!("t16 int", |p| exp::count_int(&t16, p));
        run!("t32 int", |p| exp::count_int(&t32, p));
        run!("t6 iter again", |p| exp::count(&t6, p));
        g.finish();
    }
    let ds = synthetic::copenhagen(SEED);
    {
        use geo::{Area as _, Validation};
        for layer in &ds.layers {
            let mut invalid = 0;
            let mut total = 0.0;
            let mut verts = 0usize;
            let mut maxv = 0usize;
            for a in &layer.areas {
                if !a.geometry.is_valid() {
                    invalid += 1;
                }
                total += a.geometry.unsigned_area();
                if let Geometry::MultiPolygon(mp) = &a.geometry {
                    let v = mp.0[0].exterior().0.len();
                    verts += v;
                    maxv = maxv.max(v);
                }
            }
            eprintln!(
                "{} areas={} invalid={} area={:.8} verts={} max={}",
                layer.meta.id,
                layer.areas.len(),
                invalid,
                total,
                verts,
                maxv
            );
        }
    }
    let index = Index::new(ds);
    let points = random_points(&index, 1_000, SEED + 1);
    bench_lookups(c, "lookup/synthetic-copenhagen", &index, &points);
}

criterion_group!(benches, synthetic);
criterion_main!(benches);

/// A seeded dataset shaped like Copenhagen's layers.
mod synthetic {
    use super::{
        Area, Coord, Dataset, Geometry, Layer, LayerKind, LayerMeta, LineString, MultiPolygon,
        Polygon, Properties, Rng, SeedableRng, Source, Status, TAU, Title,
    };
    use rand_chacha::ChaCha8Rng;

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
            Coord {
                x: CENTRE.x + r * RADIUS.x * t.cos(),
                y: CENTRE.y + r * RADIUS.y * t.sin(),
            }
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
                let centre = Coord {
                    x: CENTRE.x + rng.gen_range(-1.2..1.2) * RADIUS.x,
                    y: CENTRE.y + rng.gen_range(-1.2..1.2) * RADIUS.y,
                };
                let size = rng.gen_range(0.0005..0.002);
                let n: i32 = rng.gen_range(4..12);
                let outline = (0..n)
                    .map(|k| {
                        let t = (f64::from(k) + rng.gen_range(-0.3..0.3)) / f64::from(n) * TAU;
                        let r = size * rng.gen_range(0.6..1.0);
                        Coord {
                            x: centre.x + r * t.cos(),
                            y: centre.y + 0.6 * r * t.sin(),
                        }
                    })
                    .collect();
                Polygon::new(LineString::new(outline), vec![])
            })
            .collect()
    }

    fn layer(id: &str, kind: LayerKind, polygons: Vec<Polygon<f64>>) -> Layer {
        let areas = polygons
            .into_iter()
            .enumerate()
            .map(|(i, polygon)| Area {
                id: format!("{id}-{i}"),
                name: None,
                parent: None,
                area_m2: None,
                properties: Properties::new(),
                geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![polygon])),
            })
            .collect();
        Layer {
            meta: LayerMeta {
                id: id.parse().unwrap(),
                title: Title {
                    da: id.to_owned(),
                    en: id.to_owned(),
                },
                kind,
                authority: "synthetic".into(),
                policy: None,
                valid_from: None,
                valid_to: None,
                validity_note: None,
                status: Status::Synthetic,
                source: Source {
                    publisher: "kvarter-index benches".into(),
                    origin: "generated from a fixed seed".into(),
                    files: vec![],
                    vintage: "none".into(),
                },
                licence: "CC0".into(),
                method: None,
                confidence: None,
            },
            areas,
        }
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
            layer("kommune", LayerKind::AdminUnit, vec![kommune]),
            layer("bydele", LayerKind::AdminUnit, rings(&border, &[10], 1)),
            layer(
                "lokaludvalg",
                LayerKind::AdminUnit,
                rings(&border, &[4, 8], 10),
            ),
            layer(
                "kvarterer",
                LayerKind::AdminUnit,
                rings(&border, &[5, 12, 22, 28], 20),
            ),
            layer(
                "roder",
                LayerKind::AdminUnit,
                rings(&border, &roder_sectors, 40),
            ),
            layer("blokke", LayerKind::BaseMap, blocks(&mut rng, 6_000)),
        ];
        Dataset {
            version: format!("synthetic-copenhagen-{seed:#x}"),
            layers,
        }
    }
}

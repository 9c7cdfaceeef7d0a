//! A second opinion on the index: a seeded synthetic dataset (concave polygons, polygons with
//! holes, multipolygons, an exact tiling, lattice rectangles, base-map blocks and streets),
//! queried with random points, points on shared vertices and edges, and random rectangles; every
//! answer is compared with a brute-force scan using geo's `CoordinatePosition` and `Intersects`.

#![allow(clippy::unwrap_used)]

#[path = "../src/fixtures.rs"]
mod fixtures;

use std::f64::consts::TAU;

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{BoundingRect, Coord, Geometry, Intersects, LineString, Polygon, Rect};
use kvarter_core::{Bounds, Dataset, Layer, LayerKind};
use kvarter_index::{Index, LookupQuery};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use fixtures::{
    area, at, day, default_dataset, in_force, layer, multi_area, multi_line_area, point_in,
    rectangle_ring,
};

const SEED: u64 = 0x6b76_6172_7465_7200;

/// Coordinates of the lattice the tiling and the rectangles are built on are multiples of this
/// (a power of two, so midpoints of lattice edges are exact).
const LATTICE: f64 = 1.0 / 1024.0;

const WEST: f64 = 12.0;
const SOUTH: f64 = 55.0;
/// The synthetic layers cover `[WEST, WEST + SPAN] × [SOUTH, SOUTH + SPAN]`.
const SPAN: f64 = 1.0;

fn snap(v: f64) -> f64 {
    (v / LATTICE).round() * LATTICE
}

// ---------------------------------------------------------------------------------------------
// The synthetic dataset
// ---------------------------------------------------------------------------------------------

/// A closed star-shaped ring around `centre` with `n` vertices at radii in
/// `[min_r, max_r]`: concave unless the radii happen to line up. Angles are jittered but stay
/// in order, with gaps of at most 1.6 × the mean gap.
fn star(
    rng: &mut ChaCha8Rng,
    centre: Coord<f64>,
    n: usize,
    min_r: f64,
    max_r: f64,
) -> LineString<f64> {
    let offset = rng.gen_range(0.0..TAU);
    let coords: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let t = offset + (i as f64 + rng.gen_range(-0.3..0.3)) * TAU / n as f64;
            let r = rng.gen_range(min_r..=max_r);
            at(centre.x + r * t.cos(), centre.y + r * t.sin())
        })
        .collect();
    LineString::new(coords) // `Polygon::new` closes it
}

/// A star-shaped polygon of radius up to `r`, with a star-shaped hole in the middle when asked.
/// The outer ring has at least 6 vertices at radii ≥ 0.4 r, so it contains the disc of radius
/// 0.4 r · cos(0.8 · 60°) ≈ 0.27 r; the hole stays within 0.2 r.
fn blob(rng: &mut ChaCha8Rng, centre: Coord<f64>, r: f64, with_hole: bool) -> Polygon<f64> {
    let n = rng.gen_range(6..40);
    let exterior = star(rng, centre, n, 0.4 * r, r);
    let holes = if with_hole {
        let m = rng.gen_range(3..12);
        vec![star(rng, centre, m, 0.08 * r, 0.2 * r)]
    } else {
        vec![]
    };
    Polygon::new(exterior, holes)
}

/// A random point in the square the synthetic layers cover, widened by `margin` on every side.
fn random_point(rng: &mut ChaCha8Rng, margin: f64) -> Coord<f64> {
    let bounds = Bounds {
        west: WEST - margin,
        south: SOUTH - margin,
        east: WEST + SPAN + margin,
        north: SOUTH + SPAN + margin,
    };
    point_in(rng, bounds)
}

/// Concave polygons, a third of them with holes; they may overlap each other.
fn blobs(rng: &mut ChaCha8Rng) -> Layer {
    let areas = (0..80)
        .map(|i| {
            let centre = random_point(rng, 0.0);
            let r = rng.gen_range(0.02..0.12);
            let polygon = blob(rng, centre, r, i % 3 == 0);
            area(&format!("blob-{i}"), polygon)
        })
        .collect();
    layer("blobs", LayerKind::AdminUnit, areas)
}

/// Multipolygons of 2–4 disjoint parts (each in its own quarter of a square), some parts with
/// holes. A designation layer in force 2017-06-22 – 2025-07-01.
fn multis(rng: &mut ChaCha8Rng) -> Layer {
    let areas = (0..30)
        .map(|i| {
            let corner = random_point(rng, 0.0);
            let half = rng.gen_range(0.03..0.1);
            let mut quarters = [(0.5, 0.5), (1.5, 0.5), (0.5, 1.5), (1.5, 1.5)];
            let parts = rng.gen_range(2..=4);
            quarters.rotate_left(rng.gen_range(0..4));
            let polygons = quarters[..parts]
                .iter()
                .map(|&(fx, fy)| {
                    let centre = at(corner.x + fx * half, corner.y + fy * half);
                    let with_hole = rng.gen_bool(0.4);
                    blob(rng, centre, 0.45 * half, with_hole)
                })
                .collect();
            multi_area(&format!("multi-{i}"), polygons)
        })
        .collect();
    in_force(
        layer("multis", LayerKind::MunicipalDesignation, areas),
        Some("2017-06-22"),
        Some("2025-07-01"),
    )
}

/// A jittered grid on the lattice where neighbouring cells share their borders exactly: every
/// corner and every border polyline is generated once and used by both sides.
struct Tiling {
    layer: Layer,
    /// Every vertex (corners and border points).
    vertices: Vec<Coord<f64>>,
    /// Midpoints of straight border pieces between two cells (exactly on both cells' border).
    shared_edge_midpoints: Vec<Coord<f64>>,
    /// Interior corners (shared by four cells).
    interior_corners: Vec<Coord<f64>>,
}

fn tiling(rng: &mut ChaCha8Rng) -> Tiling {
    const NX: usize = 12;
    const NY: usize = 10;
    let cell_w = SPAN / NX as f64;
    let cell_h = SPAN / NY as f64;
    let jitter = |rng: &mut ChaCha8Rng, max: f64| snap(rng.gen_range(-max..=max));
    // corners[j][i], on the lattice; the outer frame stays straight.
    let corners: Vec<Vec<Coord<f64>>> = (0..=NY)
        .map(|j| {
            (0..=NX)
                .map(|i| {
                    let x = snap(WEST + i as f64 * cell_w);
                    let y = snap(SOUTH + j as f64 * cell_h);
                    let interior = i > 0 && i < NX && j > 0 && j < NY;
                    if interior {
                        at(x + jitter(rng, 0.2 * cell_w), y + jitter(rng, 0.2 * cell_h))
                    } else {
                        at(x, y)
                    }
                })
                .collect()
        })
        .collect();
    // A border from `a` to `b`: 0–3 lattice points between them, jittered by a few lattice steps.
    let border = |rng: &mut ChaCha8Rng, a: Coord<f64>, b: Coord<f64>| -> Vec<Coord<f64>> {
        let k: i32 = rng.gen_range(0..=3);
        let mut points = vec![a];
        for step in 1..=k {
            let f = f64::from(step) / f64::from(k + 1);
            points.push(at(
                snap(a.x + f * (b.x - a.x)) + jitter(rng, 3.0 * LATTICE),
                snap(a.y + f * (b.y - a.y)) + jitter(rng, 3.0 * LATTICE),
            ));
        }
        points.push(b);
        points
    };
    // horizontal[j][i]: from corners[j][i] to corners[j][i + 1];
    // vertical[j][i]: from corners[j][i] to corners[j + 1][i].
    let horizontal: Vec<Vec<Vec<Coord<f64>>>> = (0..=NY)
        .map(|j| {
            (0..NX)
                .map(|i| border(rng, corners[j][i], corners[j][i + 1]))
                .collect()
        })
        .collect();
    let vertical: Vec<Vec<Vec<Coord<f64>>>> = (0..NY)
        .map(|j| {
            (0..=NX)
                .map(|i| border(rng, corners[j][i], corners[j + 1][i]))
                .collect()
        })
        .collect();

    let mut areas = Vec::new();
    for j in 0..NY {
        for i in 0..NX {
            // Counter-clockwise: bottom →, right ↑, top ←, left ↓.
            let mut outline: Vec<Coord<f64>> = horizontal[j][i].clone();
            outline.extend(&vertical[j][i + 1][1..]);
            outline.extend(horizontal[j + 1][i].iter().rev().skip(1));
            outline.extend(vertical[j][i].iter().rev().skip(1));
            let polygon = Polygon::new(LineString::new(outline), vec![]);
            areas.push(area(&format!("cell-{i}-{j}"), polygon));
        }
    }

    let mut shared_edge_midpoints = Vec::new();
    let mut vertices = Vec::new();
    let interior_h = horizontal[1..NY].iter().flatten();
    let interior_v = vertical.iter().flat_map(|row| &row[1..NX]);
    for piece in interior_h.chain(interior_v) {
        for pair in piece.windows(2) {
            shared_edge_midpoints.push(at(
                f64::midpoint(pair[0].x, pair[1].x),
                f64::midpoint(pair[0].y, pair[1].y),
            ));
        }
    }
    for piece in horizontal.iter().flatten().chain(vertical.iter().flatten()) {
        vertices.extend(piece);
    }
    let interior_corners = corners[1..NY]
        .iter()
        .flat_map(|row| &row[1..NX])
        .copied()
        .collect();
    Tiling {
        layer: layer("grid", LayerKind::AdminUnit, areas),
        vertices,
        shared_edge_midpoints,
        interior_corners,
    }
}

/// Axis-aligned rectangles on a coarse lattice (1/64), some with a rectangular hole, so that
/// lattice points often fall exactly on horizontal and vertical edges.
fn rectangles(rng: &mut ChaCha8Rng) -> Layer {
    let coarse = |rng: &mut ChaCha8Rng, from: f64, steps: i32| {
        from + f64::from(rng.gen_range(0..steps)) / 64.0
    };
    let areas = (0..60)
        .map(|i| {
            let x0 = coarse(rng, WEST, 60);
            let y0 = coarse(rng, SOUTH, 60);
            let w = f64::from(rng.gen_range(2..8)) / 64.0;
            let h = f64::from(rng.gen_range(2..8)) / 64.0;
            let exterior = rectangle_ring(x0, y0, x0 + w, y0 + h);
            let holes = if i % 2 == 0 {
                vec![rectangle_ring(
                    x0 + 1.0 / 64.0,
                    y0 + 1.0 / 64.0,
                    x0 + w - 1.0 / 64.0,
                    y0 + h - 1.0 / 128.0,
                )]
            } else {
                vec![]
            };
            area(&format!("rect-{i}"), Polygon::new(exterior, holes))
        })
        .collect();
    layer("rectangles", LayerKind::StateDesignation, areas)
}

/// Small blocks (base-map polygons) and streets (lines).
fn base_map(rng: &mut ChaCha8Rng) -> (Layer, Layer) {
    let blocks = (0..400)
        .map(|i| {
            let centre = random_point(rng, 0.0);
            let r = rng.gen_range(0.002..0.01);
            let polygon = blob(rng, centre, r, false);
            area(&format!("block-{i}"), polygon)
        })
        .collect();
    let streets = (0..100)
        .map(|i| {
            let lines = (0..rng.gen_range(1..3))
                .map(|_| {
                    let n = rng.gen_range(2..6);
                    LineString::new((0..n).map(|_| random_point(rng, 0.0)).collect())
                })
                .collect();
            multi_line_area(&format!("street-{i}"), lines)
        })
        .collect();
    (
        layer("blocks", LayerKind::BaseMap, blocks),
        layer("streets", LayerKind::BaseMap, streets),
    )
}

struct Synthetic {
    index: Index,
    tiling_vertices: Vec<Coord<f64>>,
    shared_edge_midpoints: Vec<Coord<f64>>,
    interior_corners: Vec<Coord<f64>>,
    polygon_vertices: Vec<Coord<f64>>,
}

fn synthetic() -> Synthetic {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let tiling = tiling(&mut rng);
    let (blocks, streets) = base_map(&mut rng);
    let layers = vec![
        blobs(&mut rng),
        multis(&mut rng),
        tiling.layer,
        rectangles(&mut rng),
        blocks,
        streets,
    ];
    let polygon_vertices = layers
        .iter()
        .filter(|layer| layer.meta.id.as_str() != "grid")
        .flat_map(|layer| &layer.areas)
        .flat_map(|area| match &area.geometry {
            Geometry::MultiPolygon(multi) => multi
                .0
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(|ring| ring.0.iter().copied())
                .collect(),
            _ => vec![],
        })
        .collect();
    Synthetic {
        index: Index::new(Dataset {
            version: format!("synthetic-{SEED:#x}"),
            layers,
        }),
        tiling_vertices: tiling.vertices,
        shared_edge_midpoints: tiling.shared_edge_midpoints,
        interior_corners: tiling.interior_corners,
        polygon_vertices,
    }
}

// ---------------------------------------------------------------------------------------------
// Brute force
// ---------------------------------------------------------------------------------------------

/// `(layer index, area index, on_boundary)`.
type Found = (usize, usize, bool);

/// A plain scan over every polygon of every area, with each polygon's bounding rectangle
/// computed once (a point outside it is outside the polygon).
struct BruteForce<'a> {
    /// `(layer index, area index, bounding rectangle, polygon)`, in layer then area order.
    polygons: Vec<(usize, usize, Rect<f64>, &'a Polygon<f64>)>,
}

impl<'a> BruteForce<'a> {
    fn new(dataset: &'a Dataset) -> Self {
        let mut polygons = Vec::new();
        for (layer_ix, layer) in dataset.layers.iter().enumerate() {
            for (area_ix, area) in layer.areas.iter().enumerate() {
                // Lines never contain a point.
                if let Geometry::MultiPolygon(multi) = &area.geometry {
                    for polygon in &multi.0 {
                        let rect = polygon.bounding_rect().unwrap();
                        polygons.push((layer_ix, area_ix, rect, polygon));
                    }
                }
            }
        }
        BruteForce { polygons }
    }

    /// Every area of every layer containing `point`. Areas are closed; each polygon is asked
    /// separately (geo's multipolygon answer applies the OGC mod-2 boundary rule, under which two
    /// parts touching at a vertex would not contain it).
    fn lookup(&self, point: Coord<f64>) -> Vec<Found> {
        let mut found: Vec<Found> = Vec::new();
        for &(layer_ix, area_ix, rect, polygon) in &self.polygons {
            if !rect.intersects(&point) {
                continue;
            }
            let on_boundary = match polygon.coordinate_position(&point) {
                CoordPos::Outside => continue,
                CoordPos::Inside => false,
                CoordPos::OnBoundary => true,
            };
            match found.last_mut() {
                // Another part of the same area: inside any part wins.
                Some(last) if (last.0, last.1) == (layer_ix, area_ix) => last.2 &= on_boundary,
                _ => found.push((layer_ix, area_ix, on_boundary)),
            }
        }
        found
    }
}

fn indexed_lookup(index: &Index, point: Coord<f64>, query: &LookupQuery) -> Vec<Found> {
    let layers = index.layers();
    index
        .lookup(point, query)
        .iter()
        .map(|hit| {
            let layer_ix = layers
                .iter()
                .position(|l| std::ptr::eq(l, hit.layer))
                .unwrap();
            let area_ix = hit
                .layer
                .areas
                .iter()
                .position(|a| std::ptr::eq(a, hit.area))
                .unwrap();
            (layer_ix, area_ix, hit.on_boundary)
        })
        .collect()
}

/// Compares the index with brute force at `point` for the default query, a query naming every
/// layer, and a dated query; returns the answer over every layer.
fn check_point(index: &Index, brute: &BruteForce<'_>, point: Coord<f64>) -> Vec<Found> {
    let dataset = index.dataset();
    let everywhere = brute.lookup(point);
    let expected = |selected: &dyn Fn(&Layer) -> bool| -> Vec<Found> {
        everywhere
            .iter()
            .copied()
            .filter(|&(layer_ix, _, _)| selected(&dataset.layers[layer_ix]))
            .collect()
    };

    assert_eq!(
        indexed_lookup(index, point, &LookupQuery::default()),
        expected(&|l| l.meta.kind.in_default_lookup()),
        "default lookup at {point:?}"
    );

    let all = LookupQuery {
        layers: Some(dataset.layers.iter().map(|l| l.meta.id.clone()).collect()),
        at: None,
    };
    assert_eq!(
        indexed_lookup(index, point, &all),
        everywhere,
        "all-layers lookup at {point:?}"
    );

    let later = day("2026-01-01");
    let dated = LookupQuery {
        layers: None,
        at: Some(later),
    };
    assert_eq!(
        indexed_lookup(index, point, &dated),
        expected(&|l| {
            l.meta.kind.in_default_lookup()
                && (!l.meta.kind.is_designation() || l.meta.in_force_on(later))
        }),
        "dated lookup at {point:?}"
    );
    everywhere
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

#[test]
fn lookups_agree_with_a_brute_force_scan_on_ten_thousand_random_points() {
    let synthetic = synthetic();
    let brute = BruteForce::new(synthetic.index.dataset());
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    let mut hits = 0;
    let mut boundary_hits = 0;
    for _ in 0..10_000 {
        let found = check_point(&synthetic.index, &brute, random_point(&mut rng, 0.05));
        hits += found.len();
        boundary_hits += found.iter().filter(|f| f.2).count();
    }
    // Lattice points: often exactly on the rectangles' horizontal and vertical edges.
    for _ in 0..3_000 {
        let point = at(
            WEST + f64::from(rng.gen_range(-2..=66)) / 64.0,
            SOUTH + f64::from(rng.gen_range(-2..=66)) / 64.0,
        );
        let found = check_point(&synthetic.index, &brute, point);
        hits += found.len();
        boundary_hits += found.iter().filter(|f| f.2).count();
    }
    // Sanity: the random points really do exercise hits and boundaries.
    assert!(hits > 20_000, "{hits}");
    assert!(boundary_hits > 500, "{boundary_hits}");
}

#[test]
fn lookups_agree_with_a_brute_force_scan_on_every_vertex() {
    let synthetic = synthetic();
    let brute = BruteForce::new(synthetic.index.dataset());
    for &point in synthetic
        .tiling_vertices
        .iter()
        .chain(&synthetic.polygon_vertices)
    {
        let found = check_point(&synthetic.index, &brute, point);
        assert!(
            found.iter().any(|f| f.2),
            "vertex {point:?} is on some boundary"
        );
    }
}

/// Each of `points` with the cells of the `grid` layer containing it, after comparing the whole
/// answer there with brute force ([`check_point`]); one point at a time, as the caller asks.
fn grid_cells_at<'a>(
    synthetic: &'a Synthetic,
    points: &'a [Coord<f64>],
) -> impl Iterator<Item = (Coord<f64>, Vec<Found>)> + 'a {
    let brute = BruteForce::new(synthetic.index.dataset());
    let grid = synthetic
        .index
        .layers()
        .iter()
        .position(|l| l.meta.id.as_str() == "grid")
        .unwrap();
    points.iter().map(move |&point| {
        let found = check_point(&synthetic.index, &brute, point);
        let cells = found.into_iter().filter(|f| f.0 == grid).collect();
        (point, cells)
    })
}

#[test]
fn a_point_on_a_shared_tiling_vertex_is_in_every_cell_around_it() {
    let synthetic = synthetic();
    for (corner, cells) in grid_cells_at(&synthetic, &synthetic.interior_corners) {
        assert_eq!(cells.len(), 4, "corner {corner:?}: {cells:?}");
        assert!(cells.iter().all(|f| f.2), "corner {corner:?}: {cells:?}");
    }
}

#[test]
fn a_point_on_a_shared_tiling_edge_is_in_both_neighbours() {
    let synthetic = synthetic();
    assert!(synthetic.shared_edge_midpoints.len() > 200);
    for (point, cells) in grid_cells_at(&synthetic, &synthetic.shared_edge_midpoints) {
        assert_eq!(cells.len(), 2, "edge point {point:?}: {cells:?}");
        assert!(cells.iter().all(|f| f.2), "edge point {point:?}: {cells:?}");
    }
}

#[test]
fn bbox_queries_agree_with_a_brute_force_scan_on_random_rectangles() {
    let synthetic = synthetic();
    let index = &synthetic.index;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    let mut returned = 0;
    for round in 0..600 {
        let corner = random_point(&mut rng, 0.05);
        let size = match round % 4 {
            0 => 0.0, // a point or a segment
            1 => 0.01,
            2 => 0.1,
            _ => 0.6,
        };
        let w = if round % 8 == 0 {
            0.0
        } else {
            rng.gen_range(0.0..=size)
        };
        let h = rng.gen_range(0.0..=size);
        let rect = Rect::new(corner, at(corner.x + w, corner.y + h));
        for layer in index.layers() {
            let expected: Vec<&str> = layer
                .areas
                .iter()
                .filter(|area| rect.intersects(&area.geometry))
                .map(|area| area.id.as_str())
                .collect();
            let actual: Vec<&str> = index
                .query_bbox(&layer.meta.id, rect)
                .iter()
                .map(|area| area.id.as_str())
                .collect();
            assert_eq!(actual, expected, "layer {} rect {rect:?}", layer.meta.id);
            returned += actual.len();
        }
    }
    assert!(returned > 5_000, "{returned}");
}

// ---------------------------------------------------------------------------------------------
// The real default dataset
// ---------------------------------------------------------------------------------------------

#[test]
fn lookups_on_the_default_dataset_agree_with_a_brute_force_scan_on_ten_thousand_points() {
    let index = Index::new(default_dataset());
    let brute = BruteForce::new(index.dataset());
    let bounds = index
        .layer(&"kommune-2023".parse().unwrap())
        .unwrap()
        .bounds()
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 7);
    let mut hits = 0;
    for _ in 0..10_000 {
        hits += check_point(&index, &brute, point_in(&mut rng, bounds)).len();
    }
    // Vertices of the 2011 and 2017 designations: exactly on boundaries shared with roder.
    for id in ["udsatte-byomraader-2011", "udsatte-byomraader-2017"] {
        let layer = index.layer(&id.parse().unwrap()).unwrap();
        for area in &layer.areas {
            if let Geometry::MultiPolygon(shape) = &area.geometry {
                for coord in shape
                    .0
                    .iter()
                    .flat_map(|p| p.exterior().0.iter())
                    .step_by(7)
                {
                    hits += check_point(&index, &brute, *coord).len();
                }
            }
        }
    }
    assert!(hits > 25_000, "{hits}");
}

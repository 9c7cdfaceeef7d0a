//! Signed distance fields from anti-aliased coverage, with an exact Euclidean distance
//! transform (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", 2012).
//!
//! Every pixel gets the distance from its centre to the glyph's edge, found twice: once to the
//! nearest pixel outside the glyph and once to the nearest pixel inside it. A partly covered
//! pixel is an edge pixel whose centre lies `0.5 − coverage` pixels outside the edge (or
//! `coverage − 0.5` inside), which gives the transform sub-pixel edges — the approach of
//! Mapbox's `TinySDF`. The signed distance `d` (positive outside) becomes a byte as
//! node-fontnik maps it: `255 − (d · 256 / RADIUS + 256 · CUTOFF)`, clamped, so the edge is
//! 191 and one pixel further in or out is 32 more or less.

use crate::{CUTOFF, RADIUS};

/// Stands in for "no such pixel in this direction": large, yet finite so that the parabola
/// intersections stay numbers.
const FAR: f64 = 1e20;

/// Coverage closer than this to 0 or 1 counts as empty or full. The rasteriser sums signed
/// areas along each row, and the rounding left over in pixels past the outline must not turn
/// them into edge pixels half a pixel from an edge. Well under one step of 8-bit alpha.
const SNAP: f64 = 1.0 / 1024.0;

/// The SDF bytes of a `width × height` coverage grid (row-major, values 0 to 1).
pub(crate) fn from_coverage(coverage: &[f32], width: usize, height: usize) -> Vec<u8> {
    // Squared distance from each pixel centre to the nearest centre on the other side.
    let mut to_outside = Vec::with_capacity(coverage.len());
    let mut to_inside = Vec::with_capacity(coverage.len());
    for &alpha in coverage {
        let alpha = f64::from(alpha);
        if alpha >= 1.0 - SNAP {
            to_outside.push(FAR);
            to_inside.push(0.0);
        } else if alpha <= SNAP {
            to_outside.push(0.0);
            to_inside.push(FAR);
        } else {
            // An edge pixel: its centre is `0.5 − alpha` px outside the edge.
            let offset = 0.5 - alpha;
            to_inside.push(if offset > 0.0 { offset * offset } else { 0.0 });
            to_outside.push(if offset < 0.0 { offset * offset } else { 0.0 });
        }
    }
    squared_distance_2d(&mut to_outside, width, height);
    squared_distance_2d(&mut to_inside, width, height);

    let per_px = 256.0 / RADIUS;
    to_inside
        .iter()
        .zip(&to_outside)
        .map(|(inside, outside)| {
            let signed = inside.sqrt() - outside.sqrt();
            to_byte(255.0 - (signed * per_px + 256.0 * CUTOFF))
        })
        .collect()
}

/// A value rounded and clamped into a byte.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "rounded and clamped to 0..=255 first"
)]
fn to_byte(value: f64) -> u8 {
    value.round().clamp(0.0, 255.0) as u8
}

/// Replaces each cell of a `width × height` grid of values `f` with
/// `min over all cells q of (|p − q|² + f(q))`: the squared Euclidean distance to the nearest
/// cell whose value is 0, when cells are 0 or [`FAR`]. Columns first, then rows: the 2-D
/// transform separates into 1-D ones.
pub(crate) fn squared_distance_2d(grid: &mut [f64], width: usize, height: usize) {
    let longest = width.max(height);
    let mut scratch = Scratch {
        f: vec![0.0; longest],
        d: vec![0.0; longest],
        v: vec![0; longest],
        z: vec![0.0; longest + 1],
    };
    for x in 0..width {
        for y in 0..height {
            scratch.f[y] = grid[y * width + x];
        }
        scratch.transform(height);
        for y in 0..height {
            grid[y * width + x] = scratch.d[y];
        }
    }
    for row in grid.chunks_exact_mut(width.max(1)).take(height) {
        scratch.f[..width].copy_from_slice(row);
        scratch.transform(width);
        row.copy_from_slice(&scratch.d[..width]);
    }
}

/// Buffers for the 1-D transform, reused across rows and columns.
struct Scratch {
    /// The input values.
    f: Vec<f64>,
    /// The output: squared distances.
    d: Vec<f64>,
    /// Positions of the parabolas in the lower envelope.
    v: Vec<usize>,
    /// Boundaries between the envelope's parabolas (`z[k]..z[k + 1]` belongs to `v[k]`).
    z: Vec<f64>,
}

impl Scratch {
    /// The 1-D squared distance transform of `f[..n]` into `d[..n]`: the lower envelope of
    /// the parabolas `(q − p)² + f(p)`, built left to right, then read off at each `q`.
    fn transform(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let Self { f, d, v, z } = self;
        let parabola = |q: usize| f[q] + square(q);
        let mut k = 0;
        v[0] = 0;
        z[0] = f64::NEG_INFINITY;
        z[1] = f64::INFINITY;
        for q in 1..n {
            // Where the parabola from q overtakes the rightmost one in the envelope; drop
            // envelope parabolas it hides completely.
            let mut s = intersection(parabola(q), parabola(v[k]), q, v[k]);
            while k > 0 && s <= z[k] {
                k -= 1;
                s = intersection(parabola(q), parabola(v[k]), q, v[k]);
            }
            k += 1;
            v[k] = q;
            z[k] = s;
            z[k + 1] = f64::INFINITY;
        }
        k = 0;
        for (q, out) in d.iter_mut().enumerate().take(n) {
            while z[k + 1] < to_f64(q) {
                k += 1;
            }
            *out = square(q.abs_diff(v[k])) + f[v[k]];
        }
    }
}

/// Where the parabolas rooted at `q` and `p` (heights `fq + q²`, `fp + p²`) cross.
fn intersection(fq: f64, fp: f64, q: usize, p: usize) -> f64 {
    (fq - fp) / (2.0 * to_f64(q) - 2.0 * to_f64(p))
}

/// `value²` as a float.
fn square(value: usize) -> f64 {
    let value = to_f64(value);
    value * value
}

/// A grid index as a float (exact: grid indices are far below 2^52).
fn to_f64(value: usize) -> f64 {
    value as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64), so the test needs no `rand`.
    struct Xorshift(u64);

    impl Xorshift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// The same transform by looking at every pair of cells.
    fn brute_force(grid: &[f64], width: usize, height: usize) -> Vec<f64> {
        let mut out = vec![0.0; grid.len()];
        for y in 0..height {
            for x in 0..width {
                let mut best = f64::INFINITY;
                for qy in 0..height {
                    for qx in 0..width {
                        let candidate =
                            square(x.abs_diff(qx)) + square(y.abs_diff(qy)) + grid[qy * width + qx];
                        best = best.min(candidate);
                    }
                }
                out[y * width + x] = best;
            }
        }
        out
    }

    #[test]
    fn the_separable_transform_agrees_with_brute_force_on_random_grids() {
        let mut random = Xorshift(0x6b76_6172_7465_7200);
        for _ in 0..200 {
            let width = usize::try_from(random.next() % 12 + 1).unwrap();
            let height = usize::try_from(random.next() % 12 + 1).unwrap();
            let grid: Vec<f64> = (0..width * height)
                .map(|_| match random.next() % 4 {
                    0 => 0.0,
                    1 => (random.next() % 1000) as f64 / 4000.0, // a sub-pixel edge offset²
                    _ => FAR,
                })
                .collect();
            let expected = brute_force(&grid, width, height);
            let mut actual = grid.clone();
            squared_distance_2d(&mut actual, width, height);
            for (a, e) in actual.iter().zip(&expected) {
                if *e < FAR / 2.0 {
                    assert!((a - e).abs() < 1e-9, "{width}×{height}: {a} ≠ {e}");
                } else {
                    assert!(*a >= FAR / 2.0, "{width}×{height}: {a} should be far");
                }
            }
        }
    }

    #[test]
    fn a_lone_zero_spreads_as_squared_euclidean_distance() {
        let (width, height) = (5, 4);
        let mut grid = vec![FAR; width * height];
        grid[width + 1] = 0.0; // (1, 1)
        squared_distance_2d(&mut grid, width, height);
        assert!((grid[3 * width + 4] - 13.0).abs() < 1e-12); // (4, 3): 3² + 2²
        assert!((grid[0] - 2.0).abs() < 1e-12); // (0, 0): 1² + 1²
    }

    #[test]
    fn the_edge_of_a_half_plane_maps_to_191_and_each_pixel_to_32_steps() {
        // Left half covered, a column at half coverage, right half empty.
        let (width, height) = (9, 3);
        let coverage: Vec<f32> = (0..width * height)
            .map(|i| match i % width {
                0..=3 => 1.0,
                4 => 0.5,
                _ => 0.0,
            })
            .collect();
        let sdf = from_coverage(&coverage, width, height);
        let row = &sdf[width..2 * width];
        assert_eq!(row, [255, 255, 255, 223, 191, 159, 127, 95, 63]);
    }

    #[test]
    fn rounding_residue_in_empty_pixels_does_not_make_them_edges() {
        // The bug: coverage of 1e-7 left by the rasteriser's running sum made every pixel
        // past a glyph an edge pixel, so whole rows read 175 (half a pixel outside).
        let (width, height) = (12, 3);
        let grid = |full: f32, empty: f32| -> Vec<f32> {
            (0..width * height)
                .map(|i| if i % width < 2 { full } else { empty })
                .collect()
        };
        let with_residue = from_coverage(&grid(0.999_999_9, 1e-7), width, height);
        let exact = from_coverage(&grid(1.0, 0.0), width, height);
        assert_eq!(with_residue, exact);
        // Ten pixels from the ink is far past the radius: 0.
        assert_eq!(exact[width + 11], 0);
    }
}

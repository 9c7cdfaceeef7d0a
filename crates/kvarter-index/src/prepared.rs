//! Prepared polygons: a polygon's edges bucketed into horizontal bands ("slabs"), so that a point
//! test looks only at the few edges near the point's latitude instead of every edge.
//!
//! All polygons' bands live in two flat arrays ([`Bands`]); what locates one polygon's bands
//! ([`Banding`]) is small enough to ride in the R-tree entry, so a point test touches just the
//! band's offsets and the band's edges.

use std::num::NonZeroU32;

use geo::kernels::RobustKernel;
use geo::{Coord, Kernel, Orientation, Polygon, Rect};

/// Aim for about this many edges per band (before counting edges that span several bands).
const EDGES_PER_BAND: usize = 2;

/// Give up on finer bands once the band lists would hold more than this many edges per edge of
/// the polygon (long edges are listed in every band they span; a comb of tall edges would
/// otherwise cost memory quadratic in its edge count).
const MAX_COPIES_PER_EDGE: usize = 8;

/// Where a point lies relative to a closed polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// In the interior.
    Inside,
    /// Exactly on an edge or a vertex of the exterior or of a hole.
    Boundary,
    /// In the exterior, or inside a hole.
    Outside,
}

/// One edge of a ring, from `a` to `b`.
#[derive(Debug, Clone, Copy)]
struct Edge {
    a: Coord<f64>,
    b: Coord<f64>,
}

/// Where one polygon's bands are in [`Bands`], and how many there are. The bands split the
/// y-range of the polygon's envelope (all rings) into `count` equal slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Banding {
    /// Index of the polygon's first band offset in [`Bands::offsets`].
    first: u32,
    count: NonZeroU32,
}

/// The edges of one band of one polygon: a range of [`Bands`]' edge array.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Band {
    start: u32,
    end: u32,
}

/// The bands of every prepared polygon.
///
/// Band `i` of a polygon lists, in `edges[offsets[first + i]..offsets[first + i + 1]]`, a copy
/// of every edge (of any ring) whose y-range overlaps the band. The band of a y value is
/// computed by one monotonic function ([`band_index`]) both when building and when querying,
/// so every edge whose y-range contains the point's y is in the point's band, whatever the
/// rounding.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bands {
    offsets: Vec<u32>,
    edges: Vec<Edge>,
}

/// The band of `y` among `count` equal bands over `[min_y, max_y]`: non-decreasing in `y`
/// (subtraction, division and multiplication by non-negative constants, saturating truncation
/// and clamping are each monotonic in floating point), which is what makes the banding exact.
#[inline]
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "float-to-int `as` saturates (negative and NaN give 0), then we clamp"
)]
fn band_index(min_y: f64, max_y: f64, count: NonZeroU32, y: f64) -> usize {
    let last = count.get() as usize - 1;
    if last == 0 {
        return 0;
    }
    (((y - min_y) / (max_y - min_y) * f64::from(count.get())) as usize).min(last)
}

impl Bands {
    /// Prepares `polygon` and returns its envelope (over all rings) and where its bands are, or
    /// `None` when it has no edges, a coordinate that is not finite, or the arrays are full
    /// (2³² entries).
    pub(crate) fn prepare(&mut self, polygon: &Polygon<f64>) -> Option<(Rect<f64>, Banding)> {
        let edges: Vec<Edge> = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .flat_map(geo::LineString::lines)
            .map(|line| Edge {
                a: line.start,
                b: line.end,
            })
            .collect();
        let finite = |c: Coord<f64>| c.x.is_finite() && c.y.is_finite();
        if edges.is_empty() || !edges.iter().all(|e| finite(e.a) && finite(e.b)) {
            return None;
        }
        let (mut min, mut max) = (edges[0].a, edges[0].a);
        for c in edges.iter().flat_map(|e| [e.a, e.b]) {
            (min.x, min.y) = (min.x.min(c.x), min.y.min(c.y));
            (max.x, max.y) = (max.x.max(c.x), max.y.max(c.y));
        }
        let envelope = Rect::new(min, max);
        let span = |e: &Edge, count| {
            band_index(min.y, max.y, count, e.a.y.min(e.b.y))
                ..=band_index(min.y, max.y, count, e.a.y.max(e.b.y))
        };

        // As many bands as the copy budget allows, up to one per `EDGES_PER_BAND` edges.
        let budget = MAX_COPIES_PER_EDGE * edges.len();
        let mut wanted = edges.len().div_ceil(EDGES_PER_BAND);
        let (count, copies) = loop {
            let count = NonZeroU32::new(u32::try_from(wanted).unwrap_or(u32::MAX).max(1))?;
            let copies: usize = edges.iter().map(|e| span(e, count).count()).sum();
            if copies <= budget || count.get() == 1 {
                break (count, copies);
            }
            wanted /= 2;
        };

        // Counting sort of the edge copies by band, appended to the shared arrays.
        let first = u32::try_from(self.offsets.len()).ok()?;
        let base = self.edges.len();
        u32::try_from(base + copies).ok()?;
        let bands = count.get() as usize;
        let mut starts = vec![0_usize; bands + 1];
        for edge in &edges {
            for b in span(edge, count) {
                starts[b + 1] += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        self.edges.resize(base + copies, edges[0]);
        for edge in &edges {
            for b in span(edge, count) {
                self.edges[base + next[b]] = *edge;
                next[b] += 1;
            }
        }
        for start in starts {
            self.offsets.push(u32::try_from(base + start).ok()?);
        }
        Some((envelope, Banding { first, count }))
    }

    /// How many bands a polygon was split into.
    #[cfg(test)]
    pub(crate) fn count(banding: Banding) -> u32 {
        banding.count.get()
    }

    /// How many edge copies all bands hold together.
    #[cfg(test)]
    pub(crate) fn copies(&self) -> usize {
        self.edges.len()
    }

    /// The band of `y` in the polygon prepared as `banding`, whose envelope spans
    /// `min_y..=max_y`. Reads the band's offsets, not its edges.
    #[inline]
    pub(crate) fn band(&self, banding: Banding, min_y: f64, max_y: f64, y: f64) -> Band {
        let i = banding.first as usize + band_index(min_y, max_y, banding.count, y);
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&start), Some(&end)) => Band { start, end },
            _ => Band::default(),
        }
    }

    /// Where `p` lies relative to a polygon, given `band`, the polygon's band of `p.y`.
    ///
    /// Even–odd crossing number of a ray from `p` towards +x over the band's edges, with an
    /// exact on-edge test first. Orientation is decided by geo's robust (exact) predicate, so the
    /// answer is exact for the coordinates as given. For valid polygons the even–odd rule agrees
    /// with "inside the exterior and not inside a hole".
    #[inline]
    pub(crate) fn position(&self, band: Band, p: Coord<f64>) -> Position {
        let Band { start, end } = band;
        let Some(edges) = self.edges.get(start as usize..end as usize) else {
            return Position::Outside;
        };
        let mut inside = false;
        for edge in edges {
            let (a, b) = (edge.a, edge.b);
            // Entirely above, below or left of `p`: neither touches `p` nor crosses the ray.
            if (a.y < p.y && b.y < p.y) || (a.y > p.y && b.y > p.y) || (a.x < p.x && b.x < p.x) {
                continue;
            }
            // Half-open rule: an edge crosses the ray's line when exactly one end is above `p`.
            let straddles = (a.y > p.y) != (b.y > p.y);
            if straddles && a.x > p.x && b.x > p.x {
                // Wholly right of `p`: crosses the ray, cannot touch `p`.
                inside = !inside;
                continue;
            }
            match RobustKernel::orient2d(a, b, p) {
                // On the edge's line; y is already within the edge's range, x must be too.
                Orientation::Collinear if p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) => {
                    return Position::Boundary;
                }
                // `p` left of an upward edge, or right of a downward one: the edge is right of
                // `p`, so the ray crosses it.
                Orientation::CounterClockwise if straddles && b.y > a.y => inside = !inside,
                Orientation::Clockwise if straddles && a.y > b.y => inside = !inside,
                _ => {}
            }
        }
        if inside {
            Position::Inside
        } else {
            Position::Outside
        }
    }
}

#[cfg(test)]
mod tests {
    use geo::{LineString, polygon};

    use super::*;

    /// One polygon, prepared on its own.
    struct Prepared {
        bands: Bands,
        envelope: Rect<f64>,
        banding: Banding,
    }

    impl Prepared {
        fn position(&self, p: Coord<f64>) -> Position {
            let (min_y, max_y) = (self.envelope.min().y, self.envelope.max().y);
            let band = self.bands.band(self.banding, min_y, max_y, p.y);
            self.bands.position(band, p)
        }
    }

    fn prepare(polygon: &Polygon<f64>) -> Prepared {
        let mut bands = Bands::default();
        let (envelope, banding) = bands
            .prepare(polygon)
            .expect("a polygon with finite coordinates");
        Prepared {
            bands,
            envelope,
            banding,
        }
    }

    fn at(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn a_square_has_an_inside_a_boundary_and_an_outside() {
        let square = prepare(
            &polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)],
        );
        assert_eq!(square.position(at(1.0, 1.0)), Position::Inside);
        assert_eq!(square.position(at(0.0, 0.0)), Position::Boundary);
        assert_eq!(square.position(at(2.0, 1.0)), Position::Boundary);
        assert_eq!(square.position(at(1.0, 2.0)), Position::Boundary);
        assert_eq!(square.position(at(1.0, 0.0)), Position::Boundary);
        assert_eq!(square.position(at(3.0, 1.0)), Position::Outside);
        assert_eq!(square.position(at(-1.0, 1.0)), Position::Outside);
        assert_eq!(square.position(at(1.0, 2.5)), Position::Outside);
        assert_eq!(square.position(at(-1.0, 0.0)), Position::Outside);
        assert_eq!(square.position(at(-1.0, 2.0)), Position::Outside);
    }

    #[test]
    fn a_ray_through_a_vertex_is_counted_once() {
        // A diamond: the ray from (0, 0) passes exactly through the vertex (1, 0).
        let diamond = prepare(
            &polygon![(x: 1.0, y: 0.0), (x: 0.0, y: 1.0), (x: -1.0, y: 0.0), (x: 0.0, y: -1.0)],
        );
        assert_eq!(diamond.position(at(0.0, 0.0)), Position::Inside);
        assert_eq!(diamond.position(at(-2.0, 0.0)), Position::Outside);
        assert_eq!(diamond.position(at(0.5, 0.5)), Position::Boundary);
        // A concave notch: the ray from (1, 2) runs exactly through the notch's tip (2, 2).
        let notch = prepare(&polygon![
            (x: 0.0, y: 0.0),
            (x: 4.0, y: 0.0),
            (x: 4.0, y: 4.0),
            (x: 2.0, y: 2.0),
            (x: 0.0, y: 4.0),
        ]);
        assert_eq!(notch.position(at(1.0, 2.0)), Position::Inside);
        assert_eq!(notch.position(at(2.0, 3.0)), Position::Outside);
        assert_eq!(notch.position(at(0.5, 3.0)), Position::Inside);
        assert_eq!(notch.position(at(1.0, 3.0)), Position::Boundary);
        assert_eq!(notch.position(at(-1.0, 2.0)), Position::Outside);
    }

    #[test]
    fn a_polygon_with_many_edges_gets_many_bands_and_the_same_answers() {
        let ring: Vec<Coord<f64>> = (0..1000)
            .map(|i| {
                let t = f64::from(i) / 1000.0 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 1.0 } else { 0.98 };
                at(r * t.cos(), r * t.sin())
            })
            .collect();
        let star = Polygon::new(LineString::new(ring), vec![]);
        let prepared = prepare(&star);
        assert!(
            Bands::count(prepared.banding) > 100,
            "{:?}",
            prepared.banding
        );
        for (x, y, expected) in [
            (0.0, 0.0, Position::Inside),
            (0.979, 0.0, Position::Inside),
            (1.0, 0.0, Position::Boundary),
            (0.0, 1.01, Position::Outside),
            (2.0, 2.0, Position::Outside),
        ] {
            assert_eq!(prepared.position(at(x, y)), expected, "({x}, {y})");
        }
    }

    #[test]
    fn a_comb_of_tall_edges_does_not_explode_the_band_lists() {
        let mut ring = vec![at(0.0, -1.0)];
        for i in 0..2000 {
            let x = f64::from(i);
            ring.push(at(x, 1000.0));
            ring.push(at(x + 0.5, 0.0));
        }
        ring.push(at(2000.0, -1.0));
        let comb = prepare(&Polygon::new(LineString::new(ring), vec![]));
        assert!(comb.bands.copies() <= MAX_COPIES_PER_EDGE * 4002);
        assert_eq!(comb.position(at(0.25, 1.0)), Position::Inside);
        assert_eq!(comb.position(at(0.75, 999.0)), Position::Outside);
    }

    #[test]
    fn flat_empty_and_non_finite_polygons_are_handled() {
        let flat = prepare(&polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.0)]);
        assert_eq!(flat.position(at(1.5, 0.0)), Position::Boundary);
        assert_eq!(flat.position(at(1.5, 0.1)), Position::Outside);
        let mut bands = Bands::default();
        assert!(
            bands
                .prepare(&Polygon::new(LineString::new(vec![]), vec![]))
                .is_none()
        );
        let nan = polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 2.0, y: 1.0)];
        assert!(bands.prepare(&nan).is_none());
    }
}

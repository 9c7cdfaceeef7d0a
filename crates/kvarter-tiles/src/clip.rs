//! Clipping to a tile's buffered square, in integer grid coordinates.
//!
//! Rings are clipped with Sutherland–Hodgman against the four sides in turn, which keeps a ring's
//! orientation. Where a concave ring leaves and re-enters the square more than once, that leaves
//! zero-width "bridges" along the square's side between the pieces; such polygons are then
//! cleaned with `i_overlay` (a non-zero union of their rings), which drops the bridges and splits
//! the pieces into valid polygons. Every crossing point is computed from the edge's end points in
//! a fixed order (the lesser point first), so an edge shared by two neighbouring rings, run in
//! opposite directions, is cut at exactly the same integer point in both.

use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::Overlay;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::i_float::int::point::IntPoint;

/// A point of a zoom level's integer grid.
pub(crate) type GridPoint = [i64; 2];

/// An axis-aligned square (or rectangle) of the grid: `[min_x, min_y, max_x, max_y]`, closed.
pub(crate) type GridRect = [i64; 4];

/// Whether `inner` lies within `outer`.
pub(crate) fn contains_rect(outer: GridRect, inner: GridRect) -> bool {
    outer[0] <= inner[0] && outer[1] <= inner[1] && inner[2] <= outer[2] && inner[3] <= outer[3]
}

/// Whether two rectangles share at least a point.
pub(crate) fn intersects_rect(a: GridRect, b: GridRect) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// The bounding rectangle of some points, or `None` for none.
pub(crate) fn bounds(points: &[GridPoint]) -> Option<GridRect> {
    let first = points.first()?;
    Some(
        points
            .iter()
            .fold([first[0], first[1], first[0], first[1]], |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            }),
    )
}

/// One side of the clip rectangle.
#[derive(Clone, Copy)]
enum Side {
    MinX(i64),
    MaxX(i64),
    MinY(i64),
    MaxY(i64),
}

impl Side {
    fn inside(self, p: GridPoint) -> bool {
        match self {
            Side::MinX(v) => p[0] >= v,
            Side::MaxX(v) => p[0] <= v,
            Side::MinY(v) => p[1] >= v,
            Side::MaxY(v) => p[1] <= v,
        }
    }

    /// Where the segment `a`–`b` (one end inside, one outside) crosses this side.
    fn crossing(self, a: GridPoint, b: GridPoint) -> GridPoint {
        let (p, q) = if a <= b { (a, b) } else { (b, a) };
        let along = |v: i64, axis: usize| -> i64 {
            let other = 1 - axis;
            let t = (v - p[axis]) as f64 / (q[axis] - p[axis]) as f64;
            #[expect(
                clippy::cast_possible_truncation,
                reason = "the crossing lies between two grid points, well within i64"
            )]
            let value = (p[other] as f64 + t * (q[other] - p[other]) as f64).round() as i64;
            value
        };
        match self {
            Side::MinX(v) | Side::MaxX(v) => [v, along(v, 0)],
            Side::MinY(v) | Side::MaxY(v) => [along(v, 1), v],
        }
    }
}

fn sides(rect: GridRect) -> [Side; 4] {
    [
        Side::MinX(rect[0]),
        Side::MaxX(rect[2]),
        Side::MinY(rect[1]),
        Side::MaxY(rect[3]),
    ]
}

/// Clips a polygon (exterior first, then holes; exterior with positive area, holes negative,
/// vertices without the closing point) to `rect`: valid polygons, in the same convention.
pub(crate) fn clip_polygon(rings: &[Vec<GridPoint>], rect: GridRect) -> Vec<Vec<Vec<GridPoint>>> {
    let Some(exterior) = rings.first() else {
        return Vec::new();
    };
    let (clipped, mut crossings) = clip_ring(exterior, rect);
    if clipped.is_empty() {
        return Vec::new();
    }
    let mut polygon = vec![clipped];
    for hole in &rings[1..] {
        let (clipped, hole_crossings) = clip_ring(hole, rect);
        crossings += hole_crossings;
        if !clipped.is_empty() {
            polygon.push(clipped);
        }
    }
    // Where rings left the rectangle, clipping ran them along its sides. That leaves a valid
    // polygon unless two such runs (of the same ring or of different rings) overlap or touch,
    // or a vertex lies on another run: the zero-width "bridges" between pieces.
    if crossings == 0 || !runs_meet(&polygon, rect) {
        return vec![polygon];
    }
    clean(&polygon)
}

/// Whether the stretches of `rings` that run along the sides of `rect` overlap or touch each
/// other, or a vertex of the rings lies on such a stretch (other than at its ends).
fn runs_meet(rings: &[Vec<GridPoint>], rect: GridRect) -> bool {
    // Per side: (position along the side, as an interval; is it a run or a lone vertex).
    let mut on_side: [Vec<(i64, i64)>; 4] = Default::default();
    let side_of = |p: GridPoint| -> [Option<(usize, i64)>; 2] {
        let x = if p[0] == rect[0] {
            Some((0, p[1]))
        } else if p[0] == rect[2] {
            Some((1, p[1]))
        } else {
            None
        };
        let y = if p[1] == rect[1] {
            Some((2, p[0]))
        } else if p[1] == rect[3] {
            Some((3, p[0]))
        } else {
            None
        };
        [x, y]
    };
    for ring in rings {
        let n = ring.len();
        for i in 0..n {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            for (sa, sb) in side_of(a).into_iter().zip(side_of(b)) {
                if let (Some((side, u)), Some((side_b, v))) = (sa, sb)
                    && side == side_b
                {
                    on_side[side].push((u.min(v), u.max(v)));
                }
            }
        }
    }
    // Runs that continue one another share an end point; only longer overlaps count here.
    // Runs (or vertices) meeting at a point are a vertex visited twice: `vertex_on_run`.
    on_side.iter_mut().any(|runs| {
        runs.sort_unstable();
        runs.windows(2).any(|w| w[1].0 < w[0].1)
    }) || vertex_on_run(rings, rect)
}

/// Whether a vertex of the rings on a side lies strictly inside a stretch that runs along a
/// side, or is visited twice (by one ring or two).
fn vertex_on_run(rings: &[Vec<GridPoint>], rect: GridRect) -> bool {
    let mut runs: Vec<(GridPoint, GridPoint)> = Vec::new();
    let mut vertices: Vec<GridPoint> = Vec::new();
    for ring in rings {
        let n = ring.len();
        for i in 0..n {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            let on = |p: GridPoint| {
                p[0] == rect[0] || p[0] == rect[2] || p[1] == rect[1] || p[1] == rect[3]
            };
            if on(a) {
                vertices.push(a);
                if on(b) && (a[0] == b[0] || a[1] == b[1]) {
                    runs.push((a, b));
                }
            }
        }
    }
    let mut sorted = vertices.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return true;
    }
    runs.iter().any(|(a, b)| {
        vertices.iter().any(|p| {
            p != a
                && p != b
                && (a[0] == b[0] && p[0] == a[0] || a[1] == b[1] && p[1] == a[1])
                && (a[0].min(b[0])..=a[0].max(b[0])).contains(&p[0])
                && (a[1].min(b[1])..=a[1].max(b[1])).contains(&p[1])
        })
    })
}

/// Rebuilds a polygon's rings as valid polygons: the region where the rings' winding number is
/// not zero, by `i_overlay` on integers (so no vertex moves), shifted near the origin to fit its
/// 32-bit coordinates. Returns the polygon unchanged if it spans more than 2³⁰ grid units.
pub(crate) fn clean(polygon: &[Vec<GridPoint>]) -> Vec<Vec<Vec<GridPoint>>> {
    let Some(b) = bounds(&polygon.concat()) else {
        return Vec::new();
    };
    let span = (b[2] - b[0]).max(b[3] - b[1]);
    if span >= 1 << 30 {
        return vec![polygon.to_vec()];
    }
    #[expect(clippy::cast_possible_truncation, reason = "the span is below 2^30")]
    let contours: Vec<Vec<IntPoint>> = polygon
        .iter()
        .map(|ring| {
            ring.iter()
                .map(|p| IntPoint::new((p[0] - b[0]) as i32, (p[1] - b[1]) as i32))
                .collect()
        })
        .collect();
    let shapes =
        Overlay::with_shapes(&[contours], &[]).overlay(OverlayRule::Subject, FillRule::NonZero);
    let mut polygons = Vec::new();
    for shape in shapes {
        let mut exteriors: Vec<Vec<GridPoint>> = Vec::new();
        let mut holes: Vec<Vec<GridPoint>> = Vec::new();
        for (i, contour) in shape.into_iter().enumerate() {
            let mut ring: Vec<GridPoint> = contour
                .into_iter()
                .map(|p| [i64::from(p.x) + b[0], i64::from(p.y) + b[1]])
                .collect();
            dedup_ring(&mut ring);
            // The engine may return a ring that touches itself at a vertex; OGC (and MVT)
            // want such a ring as separate rings: loops turning like the shell are shells of
            // their own, loops turning the other way are holes.
            insert_touching_vertices(&mut ring);
            for mut part in split_at_repeated_vertices(ring) {
                let area = if part.len() >= 3 {
                    doubled_area(&part)
                } else {
                    0
                };
                if area == 0 {
                    continue;
                }
                let shell_like = (area < 0) == (i == 0);
                if i == 0 && !shell_like || i > 0 && shell_like {
                    holes.push(part);
                } else {
                    if area < 0 {
                        part.reverse();
                    }
                    exteriors.push(part);
                }
            }
        }
        let mut shells: Vec<Vec<Vec<GridPoint>>> = exteriors.into_iter().map(|e| vec![e]).collect();
        for mut hole in holes {
            if doubled_area(&hole) > 0 {
                hole.reverse();
            }
            if let Some(shell) = shells
                .iter_mut()
                .find(|shell| ring_contains(&shell[0], &hole))
            {
                shell.push(hole);
            }
        }
        polygons.extend(shells);
    }
    polygons
}

/// Adds, to every edge of a ring, the ring's own vertices that lie inside that edge, so a ring
/// that touches itself does so at a shared vertex, where [`split_at_repeated_vertices`] cuts it.
/// Quadratic; only run on the few rings that needed cleaning.
fn insert_touching_vertices(ring: &mut Vec<GridPoint>) {
    let mut i = 0;
    while i < ring.len() {
        let n = ring.len();
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        let inside = ring.iter().copied().find(|&p| {
            p != a
                && p != b
                && i128::from(b[0] - a[0]) * i128::from(p[1] - a[1])
                    == i128::from(b[1] - a[1]) * i128::from(p[0] - a[0])
                && (a[0].min(b[0])..=a[0].max(b[0])).contains(&p[0])
                && (a[1].min(b[1])..=a[1].max(b[1])).contains(&p[1])
        });
        match inside {
            // Stay on the shortened edge a–p: it may hold further vertices.
            Some(p) => ring.insert(i + 1, p),
            None => i += 1,
        }
    }
}

/// Splits a ring that passes through a vertex more than once into simple loops.
fn split_at_repeated_vertices(ring: Vec<GridPoint>) -> Vec<Vec<GridPoint>> {
    let mut loops = Vec::new();
    let mut stack: Vec<GridPoint> = Vec::with_capacity(ring.len());
    let mut seen: std::collections::HashMap<GridPoint, usize> = std::collections::HashMap::new();
    for p in ring {
        if let Some(&start) = seen.get(&p) {
            let closed: Vec<GridPoint> = stack.drain(start + 1..).collect();
            for q in &closed {
                seen.remove(q);
            }
            let mut piece = vec![p];
            piece.extend(closed);
            loops.push(piece);
        } else {
            seen.insert(p, stack.len());
            stack.push(p);
        }
    }
    loops.push(stack);
    loops
}

/// Whether `hole` lies inside `shell`, judged by a point of the hole that is not on the shell
/// (the middle of its first edge that is not one of the shell's vertices): crossing number.
fn ring_contains(shell: &[GridPoint], hole: &[GridPoint]) -> bool {
    let n = hole.len();
    let probe = (0..n)
        .map(|i| {
            let (a, b) = (hole[i], hole[(i + 1) % n]);
            [(a[0] + b[0]) as f64 / 2.0, (a[1] + b[1]) as f64 / 2.0]
        })
        .next();
    let Some([x, y]) = probe else {
        return false;
    };
    let m = shell.len();
    let mut inside = false;
    for i in 0..m {
        let (a, b) = (shell[i], shell[(i + 1) % m]);
        let (ax, ay, bx, by) = (a[0] as f64, a[1] as f64, b[0] as f64, b[1] as f64);
        if (ay > y) != (by > y) && x < (bx - ax) * (y - ay) / (by - ay) + ax {
            inside = !inside;
        }
    }
    inside
}

/// Clips a ring (vertices without the closing point) to `rect`. Returns the clipped ring
/// without repeated consecutive points (empty when nothing with area is left), and how many
/// times the ring crossed a side or, if more, how many of its vertices lie on the sides.
pub(crate) fn clip_ring(ring: &[GridPoint], rect: GridRect) -> (Vec<GridPoint>, usize) {
    let Some(bbox) = bounds(ring) else {
        return (Vec::new(), 0);
    };
    if !intersects_rect(rect, bbox) {
        return (Vec::new(), 0);
    }
    let mut current = ring.to_vec();
    let mut crossings = 0;
    if !contains_rect(rect, bbox) {
        let mut next = Vec::with_capacity(ring.len() + 8);
        for side in sides(rect) {
            next.clear();
            let n = current.len();
            for i in 0..n {
                let a = current[(i + n - 1) % n];
                let b = current[i];
                match (side.inside(a), side.inside(b)) {
                    (true, true) => next.push(b),
                    (true, false) => {
                        next.push(side.crossing(a, b));
                        crossings += 1;
                    }
                    (false, true) => {
                        next.push(side.crossing(a, b));
                        next.push(b);
                        crossings += 1;
                    }
                    (false, false) => {}
                }
            }
            std::mem::swap(&mut current, &mut next);
            if current.is_empty() {
                return (current, crossings);
            }
        }
    }
    dedup_ring(&mut current);
    if crossings > 0 {
        remove_spikes(&mut current);
        // Report vertices on the sides, not crossings: a vertex that was exactly on a side
        // can touch the stretch clipping ran along that side.
        crossings = current
            .iter()
            .filter(|p| p[0] == rect[0] || p[0] == rect[2] || p[1] == rect[1] || p[1] == rect[3])
            .count()
            .max(crossings);
    }
    if current.len() < 3 || doubled_area(&current) == 0 {
        current.clear();
    }
    (current, crossings)
}

/// Clips a line to `rect`: the pieces inside, each with at least two distinct points.
pub(crate) fn clip_line(line: &[GridPoint], rect: GridRect) -> Vec<Vec<GridPoint>> {
    let Some(bbox) = bounds(line) else {
        return Vec::new();
    };
    if !intersects_rect(rect, bbox) {
        return Vec::new();
    }
    if contains_rect(rect, bbox) {
        return vec![line.to_vec()];
    }
    let mut pieces = Vec::new();
    let mut piece: Vec<GridPoint> = Vec::new();
    for pair in line.windows(2) {
        let Some((a, b)) = clip_segment(pair[0], pair[1], rect) else {
            if piece.len() >= 2 {
                pieces.push(std::mem::take(&mut piece));
            }
            piece.clear();
            continue;
        };
        if piece.last() != Some(&a) {
            if piece.len() >= 2 {
                pieces.push(std::mem::take(&mut piece));
            }
            piece.clear();
            piece.push(a);
        }
        if b != a {
            piece.push(b);
        }
        if b != pair[1] {
            // The segment leaves the rectangle.
            if piece.len() >= 2 {
                pieces.push(std::mem::take(&mut piece));
            }
            piece.clear();
        }
    }
    if piece.len() >= 2 {
        pieces.push(piece);
    }
    pieces
}

/// The part of the segment `a`–`b` inside `rect`, cut side by side.
fn clip_segment(
    mut a: GridPoint,
    mut b: GridPoint,
    rect: GridRect,
) -> Option<(GridPoint, GridPoint)> {
    for side in sides(rect) {
        match (side.inside(a), side.inside(b)) {
            (true, true) => {}
            (false, false) => return None,
            (true, false) => b = side.crossing(a, b),
            (false, true) => a = side.crossing(a, b),
        }
    }
    Some((a, b))
}

/// Removes the vertices where a ring turns straight back on itself (clipping leaves such spikes
/// where a ring runs out along a side and back), until none is left.
fn remove_spikes(ring: &mut Vec<GridPoint>) {
    let mut i = 0;
    let mut unchanged = 0;
    while ring.len() >= 3 && unchanged < ring.len() {
        let n = ring.len();
        let (a, b, c) = (ring[(i + n - 1) % n], ring[i % n], ring[(i + 1) % n]);
        let (ux, uy, vx, vy) = (b[0] - a[0], b[1] - a[1], c[0] - b[0], c[1] - b[1]);
        let collinear = i128::from(ux) * i128::from(vy) == i128::from(uy) * i128::from(vx);
        let backwards = i128::from(ux) * i128::from(vx) + i128::from(uy) * i128::from(vy) < 0;
        if a == c || collinear && backwards {
            ring.remove(i % n);
            dedup_ring(ring);
            unchanged = 0;
            i = (i + n - 1) % n.max(1);
        } else {
            i = (i + 1) % n;
            unchanged += 1;
        }
    }
}

/// Removes repeated consecutive points of a ring, including a last point equal to the first.
pub(crate) fn dedup_ring(ring: &mut Vec<GridPoint>) {
    ring.dedup();
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
}

/// Twice the signed area of a ring by the surveyor's formula, in grid units (y down: positive
/// for rings that appear clockwise, which MVT calls exterior rings).
pub(crate) fn doubled_area(ring: &[GridPoint]) -> i128 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i128::from(a[0]) * i128::from(b[1]) - i128::from(b[0]) * i128::from(a[1])
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECT: GridRect = [0, 0, 100, 100];

    #[test]
    fn a_ring_inside_is_kept_as_it_is() {
        let ring = [[10, 10], [20, 10], [20, 20], [10, 20]];
        assert_eq!(clip_ring(&ring, RECT).0, ring);
    }

    #[test]
    fn a_ring_across_a_side_is_cut_there_and_keeps_its_orientation() {
        let ring = [[50, 10], [150, 10], [150, 20], [50, 20]];
        let (clipped, crossings) = clip_ring(&ring, RECT);
        assert_eq!((clipped.len(), crossings), (4, 2));
        assert!(clipped.iter().all(|p| p[0] <= 100));
        assert!(doubled_area(&clipped) > 0);
        assert_eq!(doubled_area(&clipped), 2 * 50 * 10);
    }

    #[test]
    fn a_ring_outside_or_only_touching_the_rectangle_is_dropped() {
        assert!(
            clip_ring(&[[200, 200], [300, 200], [300, 300]], RECT)
                .0
                .is_empty()
        );
        assert!(
            clip_ring(&[[100, 10], [200, 10], [200, 20], [100, 20]], RECT)
                .0
                .is_empty()
        );
    }

    #[test]
    fn a_shared_edge_is_cut_at_the_same_point_from_both_sides() {
        // Two triangles sharing the edge (50,-30)–(130,90), which crosses x = 100 off the grid.
        let left = [[50, -30], [130, 90], [0, 90]];
        let right = [[50, -30], [160, 0], [130, 90]];
        let (a, _) = clip_ring(&left, RECT);
        let (b, _) = clip_ring(&right, RECT);
        let on_edge = |ring: &[GridPoint]| -> Vec<GridPoint> {
            ring.iter()
                .copied()
                .filter(|p| p[0] == 100 || p[1] == 0)
                .collect()
        };
        let common: Vec<_> = on_edge(&a).into_iter().filter(|p| b.contains(p)).collect();
        assert!(common.len() >= 2, "{a:?} {b:?}");
    }

    #[test]
    fn a_u_shape_leaving_the_rectangle_twice_becomes_two_valid_polygons_without_bridges() {
        // A "U" (y down, clockwise on screen) whose bottom lies below the rectangle.
        let u = vec![vec![
            [10, 50],
            [30, 50],
            [30, 150],
            [70, 150],
            [70, 50],
            [90, 50],
            [90, 200],
            [10, 200],
        ]];
        let pieces = clip_polygon(&u, RECT);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        for piece in &pieces {
            assert_eq!(piece.len(), 1);
            assert!(doubled_area(&piece[0]) > 0);
            assert_eq!(doubled_area(&piece[0]), 2 * 20 * 50);
        }
    }

    #[test]
    fn a_line_is_cut_into_the_pieces_inside() {
        let line = [
            [-50, 50],
            [50, 50],
            [50, 150],
            [60, 150],
            [60, 50],
            [150, 50],
        ];
        let pieces = clip_line(&line, RECT);
        assert_eq!(
            pieces,
            [
                vec![[0, 50], [50, 50], [50, 100]],
                vec![[60, 100], [60, 50], [100, 50]]
            ]
        );
    }
}

//! Douglas–Peucker simplification of one arc or line with its end points fixed. Run on shared
//! arcs (see [`crate::topology`]), it changes every ring through an arc identically.

/// The points of `points` that Douglas–Peucker keeps with tolerance `tolerance` (same units as
/// the points), in order. The first and last points are always kept. A closed arc (first point
/// equal to the last) is split at its point farthest from the start, which is kept too, so a
/// ring never collapses to its start alone.
///
/// ```ignore
/// let kept = simplify(&[[0.0, 0.0], [1.0, 0.1], [2.0, 0.0]], 0.5);
/// assert_eq!(kept, [[0.0, 0.0], [2.0, 0.0]]);
/// ```
pub(crate) fn simplify(points: &[[f64; 2]], tolerance: f64) -> Vec<[f64; 2]> {
    let n = points.len();
    if n <= 2 || tolerance <= 0.0 {
        return points.to_vec();
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let closed = points[0][0].to_bits() == points[n - 1][0].to_bits()
        && points[0][1].to_bits() == points[n - 1][1].to_bits();
    if closed {
        let far = (1..n - 1)
            .max_by(|&a, &b| {
                squared_distance(points[a], points[0])
                    .total_cmp(&squared_distance(points[b], points[0]))
            })
            .unwrap_or(0);
        keep[far] = true;
        mark(points, 0, far, tolerance * tolerance, &mut keep);
        mark(points, far, n - 1, tolerance * tolerance, &mut keep);
    } else {
        mark(points, 0, n - 1, tolerance * tolerance, &mut keep);
    }
    points
        .iter()
        .zip(keep)
        .filter_map(|(point, kept)| kept.then_some(*point))
        .collect()
}

/// Marks the points between `first` and `last` that lie farther than the tolerance from the
/// simplified line, using an explicit stack.
fn mark(points: &[[f64; 2]], first: usize, last: usize, tolerance2: f64, keep: &mut [bool]) {
    let mut stack = vec![(first, last)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let mut farthest = a;
        let mut max = tolerance2;
        for (i, point) in points.iter().enumerate().take(b).skip(a + 1) {
            let d = segment_distance2(*point, points[a], points[b]);
            if d > max {
                max = d;
                farthest = i;
            }
        }
        if farthest != a {
            keep[farthest] = true;
            stack.push((a, farthest));
            stack.push((farthest, b));
        }
    }
}

fn squared_distance(p: [f64; 2], q: [f64; 2]) -> f64 {
    let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
    dx * dx + dy * dy
}

/// Squared distance from `p` to the segment `a`–`b` (to `a` when the segment is a point).
fn segment_distance2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return squared_distance(p, a);
    }
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
    squared_distance(p, [a[0] + t * dx, a[1] + t * dy])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_within_the_tolerance_are_dropped_and_the_ends_kept() {
        let kept = simplify(&[[0.0, 0.0], [1.0, 0.1], [2.0, -0.1], [3.0, 0.0]], 0.5);
        assert_eq!(kept, [[0.0, 0.0], [3.0, 0.0]]);
    }

    #[test]
    fn a_point_beyond_the_tolerance_is_kept() {
        let kept = simplify(&[[0.0, 0.0], [1.0, 1.4], [2.0, 3.0], [3.0, 0.0]], 0.5);
        assert_eq!(kept, [[0.0, 0.0], [2.0, 3.0], [3.0, 0.0]]);
    }

    #[test]
    fn a_closed_arc_keeps_its_start_and_its_farthest_point() {
        let square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
        assert_eq!(simplify(&square, 0.1), square);
        let kept = simplify(&square, 10.0);
        assert_eq!(kept, [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]);
    }

    #[test]
    fn the_same_arc_backwards_simplifies_to_the_same_points_when_there_are_no_ties() {
        let arc = [
            [0.0, 0.0],
            [1.0, 0.7],
            [2.0, -0.2],
            [3.0, 1.5],
            [4.0, 0.1],
            [5.0, 0.0],
        ];
        let mut backwards = arc;
        backwards.reverse();
        let mut kept_backwards = simplify(&backwards, 0.5);
        kept_backwards.reverse();
        assert_eq!(simplify(&arc, 0.5), kept_backwards);
    }
}

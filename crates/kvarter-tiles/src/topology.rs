//! Shared arcs: a layer's polygon rings cut at junctions into arcs, each arc stored once however
//! many rings use it, so that simplifying an arc once changes every ring that shares it in the
//! same way and neighbouring areas keep a common border at every zoom level.
//!
//! A *junction* is a vertex where rings stop running together: a vertex whose two neighbours
//! along one ring differ from its two neighbours along another ring (or along another pass of
//! the same ring). Between two junctions, every ring through that stretch has the same vertices,
//! so the stretch is one arc. A ring without junctions is one closed arc. Arcs are stored in a
//! canonical direction (and, for closed arcs, from a canonical start), and rings refer to them as
//! (arc, reversed?) pairs.
//!
//! The test for "same vertex" is exact equality of the world coordinates, which come from equal
//! lon/lat coordinates; borders digitised separately on each side (vertices that do not match)
//! are not shared and are simplified independently.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A point in world coordinates (see [`crate::mercator::world`]).
pub(crate) type WorldPoint = [f64; 2];

/// A reference from a ring to an arc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArcRef {
    /// The arc's index in [`Topology::arcs`].
    pub(crate) arc: u32,
    /// Whether the ring runs along the arc backwards.
    pub(crate) reversed: bool,
}

/// A ring as the arcs it runs along, in order. Joining the arcs (each oriented as referenced,
/// dropping the first point of every arc after the first, and the last point of the last one)
/// gives the ring's vertices.
pub(crate) type RingArcs = Vec<ArcRef>;

/// A polygon as rings: the exterior first, then holes.
pub(crate) type PolygonArcs = Vec<RingArcs>;

/// The arcs of a set of polygons.
#[derive(Debug, Default)]
pub(crate) struct Topology {
    /// Every arc once, as world points; an arc has at least two points, and a closed arc (a whole
    /// ring) repeats its first point at the end.
    pub(crate) arcs: Vec<Vec<WorldPoint>>,
}

/// A point as a hashable key: the bit patterns of its coordinates.
type Key = (u64, u64);

fn key(point: WorldPoint) -> Key {
    // +0.0 and -0.0 are the same point.
    ((point[0] + 0.0).to_bits(), (point[1] + 0.0).to_bits())
}

/// What is known of a vertex while looking for junctions.
struct VertexState {
    /// The unordered pair of its neighbours the first time it was seen.
    neighbours: (Key, Key),
    /// Whether it has since been seen with other neighbours.
    junction: bool,
}

impl Topology {
    /// Builds the arcs of `polygons` (each a list of rings, exterior first; rings given without
    /// the closing point, without repeated consecutive points, at least three points each) and
    /// returns every polygon as arc references, in the same order and shape as given.
    pub(crate) fn build(polygons: &[Vec<Vec<WorldPoint>>]) -> (Topology, Vec<PolygonArcs>) {
        let junctions = find_junctions(polygons);
        let mut topology = Topology::default();
        let mut by_points: HashMap<Vec<Key>, u32> = HashMap::new();
        let shapes = polygons
            .iter()
            .map(|rings| {
                rings
                    .iter()
                    .map(|ring| topology.ring_arcs(ring, &junctions, &mut by_points))
                    .collect()
            })
            .collect();
        (topology, shapes)
    }

    /// Cuts one ring at its junctions and registers its arcs.
    fn ring_arcs(
        &mut self,
        ring: &[WorldPoint],
        junctions: &HashMap<Key, VertexState>,
        by_points: &mut HashMap<Vec<Key>, u32>,
    ) -> RingArcs {
        let is_junction = |p: &WorldPoint| junctions.get(&key(*p)).is_some_and(|v| v.junction);
        let Some(first) = ring.iter().position(is_junction) else {
            // No junction: the whole ring is one closed arc.
            let closed = canonical_closed(ring);
            return vec![self.register(closed.points, closed.reversed, by_points)];
        };
        let n = ring.len();
        let mut arcs = Vec::new();
        let mut current = vec![ring[first]];
        for step in 1..=n {
            let point = ring[(first + step) % n];
            current.push(point);
            if step == n || is_junction(&point) {
                let points = std::mem::replace(&mut current, vec![point]);
                let forward = key(points[0]) <= key(points[points.len() - 1])
                    && !(key(points[0]) == key(points[points.len() - 1])
                        && key(points[1]) > key(points[points.len() - 2]));
                arcs.push(if forward {
                    self.register(points, false, by_points)
                } else {
                    let mut points = points;
                    points.reverse();
                    self.register(points, true, by_points)
                });
            }
        }
        arcs
    }

    /// The id of the arc with these points (in canonical direction), adding it if new.
    fn register(
        &mut self,
        points: Vec<WorldPoint>,
        reversed: bool,
        by_points: &mut HashMap<Vec<Key>, u32>,
    ) -> ArcRef {
        let keys: Vec<Key> = points.iter().map(|p| key(*p)).collect();
        let arc = match by_points.entry(keys) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                let id = u32::try_from(self.arcs.len()).unwrap_or(u32::MAX);
                self.arcs.push(points);
                *entry.insert(id)
            }
        };
        ArcRef { arc, reversed }
    }
}

/// Marks every vertex seen with two different neighbour pairs as a junction.
fn find_junctions(polygons: &[Vec<Vec<WorldPoint>>]) -> HashMap<Key, VertexState> {
    let mut vertices: HashMap<Key, VertexState> = HashMap::new();
    for ring in polygons.iter().flatten() {
        let n = ring.len();
        for i in 0..n {
            let (prev, next) = (key(ring[(i + n - 1) % n]), key(ring[(i + 1) % n]));
            let neighbours = if prev <= next {
                (prev, next)
            } else {
                (next, prev)
            };
            match vertices.entry(key(ring[i])) {
                Entry::Vacant(entry) => {
                    entry.insert(VertexState {
                        neighbours,
                        junction: false,
                    });
                }
                Entry::Occupied(mut entry) => {
                    let state = entry.get_mut();
                    if state.neighbours != neighbours {
                        state.junction = true;
                    }
                }
            }
        }
    }
    vertices
}

/// A ring without junctions as a closed arc in canonical form.
struct Closed {
    points: Vec<WorldPoint>,
    reversed: bool,
}

/// Rotates a ring to start at its least vertex and turns it so its second vertex is less than its
/// last, then closes it: two rings with the same vertices in the same cyclic order, either
/// direction, get the same closed arc.
fn canonical_closed(ring: &[WorldPoint]) -> Closed {
    let n = ring.len();
    let start = (0..n).min_by_key(|&i| key(ring[i])).unwrap_or(0);
    let forward_second = key(ring[(start + 1) % n]);
    let backward_second = key(ring[(start + n - 1) % n]);
    let reversed = backward_second < forward_second;
    let mut points: Vec<WorldPoint> = (0..=n)
        .map(|step| {
            let i = if reversed {
                (start + n - step % n) % n
            } else {
                (start + step) % n
            };
            ring[i]
        })
        .collect();
    if points.len() < 2 {
        points.push(ring[start]);
    }
    Closed { points, reversed }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    /// The ring's vertices back from its arcs (without the closing point).
    fn ring_points(topology: &Topology, ring: &RingArcs) -> Vec<WorldPoint> {
        let mut points: Vec<WorldPoint> = Vec::new();
        for r in ring {
            let arc = &topology.arcs[r.arc as usize];
            let mut arc_points = arc.clone();
            if r.reversed {
                arc_points.reverse();
            }
            let skip = usize::from(!points.is_empty());
            points.extend(arc_points.into_iter().skip(skip));
        }
        points.pop();
        points
    }

    fn same_cycle(a: &[WorldPoint], b: &[WorldPoint]) -> bool {
        a.len() == b.len()
            && (0..a.len())
                .any(|shift| (0..a.len()).all(|i| key(a[(i + shift) % a.len()]) == key(b[i])))
    }

    #[test]
    fn two_squares_sharing_an_edge_share_one_arc_run_in_opposite_directions() {
        // West square and east square, both counter-clockwise, sharing x = 1.
        let west = vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]];
        let east = vec![vec![[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0]]];
        let (topology, shapes) = Topology::build(&[west.clone(), east.clone()]);
        assert_eq!(topology.arcs.len(), 3, "{:?}", topology.arcs);
        let shared: Vec<_> = shapes[0][0]
            .iter()
            .filter(|a| shapes[1][0].iter().any(|b| b.arc == a.arc))
            .collect();
        assert_eq!(shared.len(), 1);
        let other = shapes[1][0]
            .iter()
            .find(|b| b.arc == shared[0].arc)
            .unwrap();
        assert_ne!(shared[0].reversed, other.reversed);
        assert!(same_cycle(&ring_points(&topology, &shapes[0][0]), &west[0]));
        assert!(same_cycle(&ring_points(&topology, &shapes[1][0]), &east[0]));
    }

    #[test]
    fn a_hole_filled_by_another_polygon_is_one_closed_arc_for_both() {
        let outer = vec![
            vec![[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]],
            vec![[1.0, 1.0], [1.0, 3.0], [3.0, 3.0], [3.0, 1.0]],
        ];
        let island = vec![vec![[3.0, 1.0], [3.0, 3.0], [1.0, 3.0], [1.0, 1.0]]];
        let (topology, shapes) = Topology::build(&[outer.clone(), island.clone()]);
        assert_eq!(topology.arcs.len(), 2);
        assert_eq!(shapes[0][1].len(), 1);
        assert_eq!(shapes[0][1][0].arc, shapes[1][0][0].arc);
        assert!(same_cycle(
            &ring_points(&topology, &shapes[0][1]),
            &outer[1]
        ));
        assert!(same_cycle(
            &ring_points(&topology, &shapes[1][0]),
            &island[0]
        ));
    }

    #[test]
    fn a_lone_ring_is_rebuilt_exactly_from_its_arcs() {
        let ring = vec![vec![
            [5.0, 5.0],
            [6.0, 5.5],
            [7.0, 5.0],
            [7.0, 7.0],
            [5.0, 7.0],
        ]];
        let (topology, shapes) = Topology::build(std::slice::from_ref(&ring));
        assert_eq!(topology.arcs.len(), 1);
        assert!(same_cycle(&ring_points(&topology, &shapes[0][0]), &ring[0]));
    }

    #[test]
    fn three_areas_meeting_at_a_point_make_junctions_there() {
        // Three rectangles: two below sharing x = 1, one on top spanning both.
        let a = vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]];
        let b = vec![vec![[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0]]];
        let c = vec![vec![
            [0.0, 1.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [2.0, 2.0],
            [0.0, 2.0],
        ]];
        let (topology, shapes) = Topology::build(&[a.clone(), b.clone(), c.clone()]);
        for (shape, ring) in shapes.iter().zip([&a, &b, &c]) {
            assert!(same_cycle(&ring_points(&topology, &shape[0]), &ring[0]));
        }
        // The borders a|c and b|c are separate arcs, each shared.
        let arcs_of = |s: &PolygonArcs| s[0].iter().map(|r| r.arc).collect::<Vec<_>>();
        let shared_with_a = arcs_of(&shapes[0])
            .into_iter()
            .filter(|x| arcs_of(&shapes[2]).contains(x))
            .count();
        let shared_with_b = arcs_of(&shapes[1])
            .into_iter()
            .filter(|x| arcs_of(&shapes[2]).contains(x))
            .count();
        assert_eq!((shared_with_a, shared_with_b), (1, 1));
    }
}

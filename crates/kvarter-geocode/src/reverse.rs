//! Reverse geocoding: the entry nearest to a point, within a radius, of the kinds asked for.
//!
//! [`Reverse::new`] builds a k-d tree over the gazetteer's points, each point stored as a
//! position on a sphere of radius [`EARTH_RADIUS_M`] in earth-centred x/y/z metres. The
//! straight-line (chord) distance between two such positions grows with the great-circle
//! distance, so the tree's nearest-neighbour order is the true order on the ground everywhere —
//! no local projection whose scale drifts away from Copenhagen's latitude. The distance given
//! back is the great-circle distance, `2R·asin(chord / 2R)`, which is the haversine distance on
//! the same sphere; on the ground it is within 0.5 % of the ellipsoidal distance.

use std::cmp::Ordering;

use crate::index::{Gazetteer, Kind};

/// The mean earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point on the sphere (x/y/z metres), the index of its entry and the entry's kind: 32 bytes.
#[derive(Debug, Clone, Copy)]
struct Node {
    at: [f64; 3],
    index: u32,
    kind: Kind,
}

/// The nearest-entry index over a [`Gazetteer`]'s points. See the [module docs](self).
///
/// A static k-d tree kept implicitly in one sorted array: the node of a slice is its middle
/// element, split on x, y, z by depth, with the smaller coordinates before it and the larger
/// after. It holds 32 bytes a point and nothing else; rstar's R-tree, used before, took about
/// 110 bytes a point (each leaf stored in its parent as an enum the size of a parent node): at
/// 4 million synthetic addresses the address index's resident memory fell by 320 MB
/// (BENCHMARKS.md, "National-scale addresses").
pub struct Reverse {
    nodes: Vec<Node>,
}

impl Reverse {
    /// Builds the index over every entry of `gazetteer` whose point is a valid lon/lat.
    pub fn new(gazetteer: &Gazetteer) -> Self {
        let mut nodes: Vec<Node> = (0u32..)
            .zip(gazetteer.entries())
            .filter(|(_, entry)| valid(entry.point.x(), entry.point.y()))
            .map(|(index, entry)| Node {
                at: on_sphere(entry.point.x(), entry.point.y()),
                index,
                kind: entry.kind,
            })
            .collect();
        build(&mut nodes, 0);
        Self { nodes }
    }

    /// The entry nearest to (`lon`, `lat`) among those of `kinds` (every kind when empty) that
    /// lie within `radius_m` metres: its index in [`Gazetteer::entries`] and its great-circle
    /// distance in metres. `None` when there is none, or when the point is not a lon/lat. Of
    /// entries at the same distance, the first in the gazetteer.
    ///
    /// ```
    /// use geo::Point;
    /// use kvarter_geocode::{Entry, Gazetteer, HouseNumber, Kind, Reverse};
    ///
    /// let gazetteer = Gazetteer::new(vec![Entry {
    ///     kind: Kind::Address,
    ///     id: "a".into(),
    ///     text: "Mjølnerparken 2, 2200 København N".into(),
    ///     street: Some("Mjølnerparken".into()),
    ///     house_number: Some(HouseNumber::new(2)),
    ///     postcode: Some(2200),
    ///     district: Some("København N".into()),
    ///     point: Point::new(12.5426, 55.7009),
    /// }]);
    /// let reverse = Reverse::new(&gazetteer);
    /// let (index, metres) = reverse.nearest(12.5430, 55.7009, 200.0, &[Kind::Address]).unwrap();
    /// assert_eq!(index, 0);
    /// assert!((metres - 25.1).abs() < 0.5);
    /// assert!(reverse.nearest(12.5430, 55.7009, 20.0, &[]).is_none());
    /// ```
    pub fn nearest(
        &self,
        lon: f64,
        lat: f64,
        radius_m: f64,
        kinds: &[Kind],
    ) -> Option<(usize, f64)> {
        if !valid(lon, lat) || !radius_m.is_finite() || radius_m < 0.0 {
            return None;
        }
        let query = on_sphere(lon, lat);
        let limit = chord(radius_m);
        let mut best = Best {
            distance_2: limit * limit,
            index: None,
        };
        search(&self.nodes, 0, &query, kinds, &mut best);
        best.index
            .map(|index| (index as usize, arc(best.distance_2.sqrt())))
    }

    /// How many points the index holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the index holds no points.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// Orders `nodes` as the k-d tree: the middle element on the median of axis `depth % 3`.
fn build(nodes: &mut [Node], depth: usize) {
    if nodes.len() <= 1 {
        return;
    }
    let axis = depth % 3;
    let middle = nodes.len() / 2;
    nodes.select_nth_unstable_by(middle, |a, b| a.at[axis].total_cmp(&b.at[axis]));
    let (before, rest) = nodes.split_at_mut(middle);
    build(before, depth + 1);
    build(&mut rest[1..], depth + 1);
}

/// The best entry found so far: its squared chord distance (the radius² to start with).
struct Best {
    distance_2: f64,
    index: Option<u32>,
}

/// Looks for entries nearer than `best` in the subtree `nodes` at `depth`.
fn search(nodes: &[Node], depth: usize, query: &[f64; 3], kinds: &[Kind], best: &mut Best) {
    if nodes.is_empty() {
        return;
    }
    let middle = nodes.len() / 2;
    let node = &nodes[middle];
    let distance_2 = (0..3).map(|i| (node.at[i] - query[i]).powi(2)).sum::<f64>();
    let nearer = match distance_2.total_cmp(&best.distance_2) {
        Ordering::Less => true,
        Ordering::Equal => best.index.is_none_or(|i| node.index < i),
        Ordering::Greater => false,
    };
    if nearer && (kinds.is_empty() || kinds.contains(&node.kind)) {
        best.distance_2 = distance_2;
        best.index = Some(node.index);
    }
    let axis = depth % 3;
    let offset = query[axis] - node.at[axis];
    let (near, far) = if offset < 0.0 {
        (&nodes[..middle], &nodes[middle + 1..])
    } else {
        (&nodes[middle + 1..], &nodes[..middle])
    };
    search(near, depth + 1, query, kinds, best);
    if offset * offset <= best.distance_2 {
        search(far, depth + 1, query, kinds, best);
    }
}

fn valid(lon: f64, lat: f64) -> bool {
    lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
}

/// The position of (`lon`, `lat`) on the sphere, in earth-centred metres.
fn on_sphere(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [
        EARTH_RADIUS_M * lat.cos() * lon.cos(),
        EARTH_RADIUS_M * lat.cos() * lon.sin(),
        EARTH_RADIUS_M * lat.sin(),
    ]
}

/// The chord length of a great-circle arc of `metres`.
fn chord(metres: f64) -> f64 {
    let half_angle = (metres / EARTH_RADIUS_M / 2.0).min(std::f64::consts::FRAC_PI_2);
    2.0 * EARTH_RADIUS_M * half_angle.sin()
}

/// The great-circle length of a chord of `metres`.
fn arc(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * (chord / (2.0 * EARTH_RADIUS_M)).clamp(0.0, 1.0).asin()
}

impl std::fmt::Debug for Reverse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reverse")
            .field("points", &self.nodes.len())
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use geo::Point;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::index::Entry;

    fn entry(kind: Kind, id: &str, lon: f64, lat: f64) -> Entry {
        Entry {
            kind,
            id: id.into(),
            text: id.into(),
            street: None,
            house_number: None,
            postcode: None,
            district: None,
            point: Point::new(lon, lat),
        }
    }

    /// The haversine distance, written out, as a second opinion on [`arc`] of the chord.
    fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (lat1, lat2) = (a.1.to_radians(), b.1.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (b.0 - a.0).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().asin()
    }

    #[test]
    fn the_distance_is_the_haversine_distance_in_metres() {
        // Rådhuspladsen to Mjølnerparken, about 3.7 km.
        let (a, b) = ((12.5683, 55.6761), (12.5426, 55.7009));
        let gazetteer = Gazetteer::new(vec![entry(Kind::Place, "mjolnerparken", b.0, b.1)]);
        let (index, metres) = Reverse::new(&gazetteer)
            .nearest(a.0, a.1, 10_000.0, &[])
            .unwrap();
        assert_eq!(index, 0);
        assert!((metres - haversine(a, b)).abs() < 0.01, "{metres}");
        assert!((3_000.0..4_000.0).contains(&metres), "{metres}");
    }

    #[test]
    fn only_entries_of_the_kinds_asked_for_and_within_the_radius_are_found() {
        let gazetteer = Gazetteer::new(vec![
            entry(Kind::Street, "street", 12.5426, 55.7009),
            entry(Kind::Address, "address", 12.5440, 55.7009),
        ]);
        let reverse = Reverse::new(&gazetteer);
        assert_eq!(reverse.len(), 2);
        let (index, _) = reverse.nearest(12.5426, 55.7009, 200.0, &[]).unwrap();
        assert_eq!(index, 0);
        let (index, metres) = reverse
            .nearest(12.5426, 55.7009, 200.0, &[Kind::Address])
            .unwrap();
        assert_eq!(index, 1);
        assert!((80.0..95.0).contains(&metres), "{metres}");
        assert!(
            reverse
                .nearest(12.5426, 55.7009, 50.0, &[Kind::Address])
                .is_none()
        );
        assert!(
            reverse
                .nearest(12.5426, 55.7009, 200.0, &[Kind::Postcode])
                .is_none()
        );
    }

    #[test]
    fn a_point_that_is_not_a_lon_lat_or_a_bad_radius_finds_nothing() {
        let gazetteer = Gazetteer::new(vec![entry(Kind::Place, "p", 12.5, 55.7)]);
        let reverse = Reverse::new(&gazetteer);
        assert!(reverse.nearest(f64::NAN, 55.7, 100.0, &[]).is_none());
        assert!(reverse.nearest(200.0, 55.7, 100.0, &[]).is_none());
        assert!(reverse.nearest(12.5, 55.7, -1.0, &[]).is_none());
        assert!(reverse.nearest(12.5, 55.7, f64::INFINITY, &[]).is_none());
        assert!(reverse.nearest(12.5, 55.7, 0.0, &[]).is_some());
        assert!(Reverse::new(&Gazetteer::new(Vec::new())).is_empty());
    }

    #[test]
    fn the_tree_agrees_with_a_brute_force_scan_on_random_points() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let kinds = [Kind::Address, Kind::Street, Kind::Place, Kind::Postcode];
        let entries: Vec<Entry> = (0..2_000)
            .map(|i| {
                entry(
                    kinds[i % 4],
                    &i.to_string(),
                    rng.gen_range(12.45..12.65),
                    rng.gen_range(55.61..55.73),
                )
            })
            .collect();
        let gazetteer = Gazetteer::new(entries.clone());
        let reverse = Reverse::new(&gazetteer);
        for _ in 0..500 {
            let (lon, lat) = (rng.gen_range(12.44..12.66), rng.gen_range(55.60..55.74));
            let radius = rng.gen_range(0.0..800.0);
            let wanted = [kinds[rng.gen_range(0..4)]];
            let brute = entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind == wanted[0])
                .map(|(i, e)| (i, haversine((lon, lat), (e.point.x(), e.point.y()))))
                .filter(|&(_, d)| d <= radius)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let found = reverse.nearest(lon, lat, radius, &wanted);
            match (found, brute) {
                (Some((i, d)), Some((j, e))) => {
                    assert!((d - e).abs() < 1e-3, "{d} vs {e}");
                    assert!(i == j || (d - e).abs() < 1e-6);
                }
                (None, None) => {}
                other => panic!("tree and scan disagree at ({lon}, {lat}) r={radius}: {other:?}"),
            }
        }
    }
}

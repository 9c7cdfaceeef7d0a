//! Synthetic layers for tests and benchmarks, generated from fixed seeds and labelled
//! `synthetic` everywhere they appear. They describe no real place.
//!
//! The default dataset has no state estate list (no polygons exist offline, see
//! `shared/designations/README.md`), so [`state_estates`] stands in for one in tests that exercise
//! the state-designation kind end to end.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use kvarter_core::{Area, Layer, LayerKind, LayerMeta, Properties, Source, Title};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use kvarter_crs as crs;

/// The id of the synthetic state list.
pub const STATE_ESTATES_ID: &str = "synthetic-forebyggelsesomraader";

/// A synthetic state list of `count` small square "estates" (about 200 m across) scattered over
/// Copenhagen, in force from 1 December 2024, kind `state_designation`, status `synthetic`.
pub fn state_estates(seed: u64, count: usize) -> Layer {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let areas = (0..count)
        .map(|i| {
            let lon = rng.gen_range(12.50..12.62);
            let lat = rng.gen_range(55.64..55.71);
            let (half_lon, half_lat) = (0.0016, 0.0009); // about 100 m each way
            let corners: Vec<Coord<f64>> = [
                (-1.0, -1.0),
                (1.0, -1.0),
                (1.0, 1.0),
                (-1.0, 1.0),
                (-1.0, -1.0),
            ]
            .iter()
            .map(|(dx, dy)| Coord {
                x: lon + dx * half_lon,
                y: lat + dy * half_lat,
            })
            .collect();
            let shape = MultiPolygon::new(vec![Polygon::new(LineString::new(corners), vec![])]);
            let mut properties = Properties::new();
            properties.insert("synthetic".into(), Value::Bool(true));
            properties.insert("seed".into(), Value::from(seed));
            Area {
                id: format!("{}", i + 1),
                name: Some(format!("Syntetisk boligområde {}", i + 1)),
                parent: None,
                area_m2: crs::area_m2(&shape).ok().map(f64::round),
                properties,
                geometry: shape.into(),
            }
        })
        .collect();
    Layer {
        meta: state_estates_meta(seed),
        areas,
    }
}

fn state_estates_meta(seed: u64) -> LayerMeta {
    let id = STATE_ESTATES_ID
        .parse()
        .unwrap_or_else(|_| unreachable!("a valid id"));
    LayerMeta {
        title: Title {
            da: "Syntetiske forebyggelsesområder (kun til test)".into(),
            en: "Synthetic prevention areas (tests only)".into(),
        },
        policy: Some("synthetic stand-in for the state's list of forebyggelsesområder".into()),
        valid_from: "2024-12-01".parse().ok(),
        source: Source {
            publisher: "Kvarter test fixture".into(),
            origin: format!("kvarter_data::synthetic::state_estates, seed {seed}"),
            files: vec![],
            vintage: "generated".into(),
        },
        method: Some("Random squares from a fixed seed; describes no real place.".into()),
        ..LayerMeta::synthetic(id, LayerKind::StateDesignation)
    }
}

#[cfg(test)]
mod tests {
    use kvarter_core::Status;

    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_estates() {
        assert_eq!(state_estates(7, 5), state_estates(7, 5));
        assert_ne!(state_estates(7, 5), state_estates(8, 5));
    }

    #[test]
    fn synthetic_estates_are_labelled_synthetic_state_designations() {
        let layer = state_estates(1, 3);
        assert_eq!(layer.meta.status, Status::Synthetic);
        assert_eq!(layer.meta.kind, LayerKind::StateDesignation);
        assert_eq!(layer.areas.len(), 3);
        assert!(
            layer
                .areas
                .iter()
                .all(|a| a.area_m2.is_some_and(|m2| m2 > 10_000.0))
        );
    }
}

//! Joins on hand-built polygons, given in EPSG:25832 metres (and stored in lon/lat, as layers
//! are): known answers, the invariants of areal weighting on random tilings, and load errors.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a test should fail loudly; test geometry is small and exact"
)]

use geo::{Geometry, MapCoords, MultiLineString, MultiPolygon, line_string, polygon};
use kvarter_core::{Area, Layer, LayerKind, LayerMeta, Properties};
use kvarter_crs as crs;
use kvarter_indicators::areal_weighting::Weights;
use kvarter_indicators::{
    Catalogue, Indicators, JoinError, Joins, LoadError, Measure, Method, Weighting, join_values,
};
use kvarter_overlay::Projected;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Where the test ground lies: inside Copenhagen, so the projection is well-behaved.
const X0: f64 = 720_000.0;
const Y0: f64 = 6_170_000.0;

const CATALOGUE: &str = include_str!("fixtures/catalogue.toml");

const BEFOLKNING: &str = "indicator,unit,period,value
population,a,2019,1000
population,b,2019,3000
population,a,2020,1100
population,b,2020,3300
";
const INDKOMST: &str = "indicator,unit,period,value
income_mean,a,2019,100
income_mean,b,2019,200
income_mean,a,2021,110
income_mean,b,2021,220
";
const TRYGHED: &str = "indicator,unit,period,value
feel_safe,t,2025,80
";

/// A layer of axis-aligned boxes `(id, name, x0, y0, x1, y1)`, metres from (`X0`, `Y0`).
fn boxes(layer: &str, rects: &[(&str, &str, f64, f64, f64, f64)]) -> Layer {
    let areas = rects
        .iter()
        .map(|&(id, name, x0, y0, x1, y1)| {
            let utm = polygon![
                (x: X0 + x0, y: Y0 + y0), (x: X0 + x1, y: Y0 + y0),
                (x: X0 + x1, y: Y0 + y1), (x: X0 + x0, y: Y0 + y1),
            ];
            let lon_lat = utm.map_coords(|c| crs::utm32_to_wgs84(c.x, c.y).unwrap().into());
            let shape = MultiPolygon::new(vec![lon_lat]);
            Area {
                id: id.into(),
                name: Some(name.into()),
                parent: None,
                area_m2: Some(crs::area_m2(&shape).unwrap()),
                properties: Properties::new(),
                geometry: Geometry::MultiPolygon(shape),
            }
        })
        .collect();
    Layer {
        meta: LayerMeta::synthetic(layer.parse().unwrap(), LayerKind::AdminUnit),
        areas,
    }
}

/// Units `a` (Valby) and `b` (Vesterbro), 1 km × 1 km side by side; targets `t` half over each
/// and `o` far from both; and a street layer.
fn layers() -> Vec<Layer> {
    let mut streets = boxes("streets", &[("s", "Street", 0.0, 0.0, 10.0, 10.0)]);
    streets.areas[0].geometry =
        Geometry::MultiLineString(MultiLineString::new(vec![line_string![
            (x: 12.5, y: 55.6), (x: 12.6, y: 55.7)
        ]]));
    vec![
        boxes(
            "units",
            &[
                ("a", "Valby", 0.0, 0.0, 1000.0, 1000.0),
                ("b", "Vesterbro", 1000.0, 0.0, 2000.0, 1000.0),
            ],
        ),
        boxes(
            "targets",
            &[
                ("t", "Target", 500.0, 0.0, 1500.0, 1000.0),
                ("o", "Outside", 5000.0, 0.0, 6000.0, 1000.0),
            ],
        ),
        streets,
    ]
}

fn tables() -> Vec<(String, Vec<u8>)> {
    vec![
        ("test-befolkning".into(), BEFOLKNING.into()),
        ("test-indkomst".into(), INDKOMST.into()),
        ("test-tryghed".into(), TRYGHED.into()),
    ]
}

fn load(tables: &[(String, Vec<u8>)]) -> Result<Indicators, LoadError> {
    let catalogue = Catalogue::parse(CATALOGUE, "fixtures/catalogue.toml").unwrap();
    Indicators::load(&catalogue, tables, &layers())
}

fn joins() -> Joins {
    Joins::new(load(&tables()).unwrap(), layers()).unwrap()
}

const UNITS: usize = 0;
const TARGETS: usize = 1;
const STREETS: usize = 2;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn a_target_half_over_each_of_two_unit_sized_units_gets_half_of_each_count() {
    let joins = joins();
    let value = joins.value(TARGETS, 0, "population", Some("2019")).unwrap();
    // (vA + vB) / 2: half of each unit lies in the target.
    assert!(close(value.value, 0.5 * 1000.0 + 0.5 * 3000.0), "{value:?}");
    assert_eq!(value.method, Method::AreaWeighted);
    assert_eq!(value.weighting, Some(Weighting::Area));
    assert!(close(value.coverage, 1.0));
    assert_eq!(&*value.dataset, "test-befolkning");
    // Vesterbro gives 1500 of the 2000, Valby 500.
    assert_eq!(&*value.contributions[0].unit_id, "b");
    assert!(close(value.contributions[0].weight, 0.75));
    assert!(close(value.contributions[1].fraction_of_unit, 0.5));
    assert!(close(value.contributions[1].overlap_m2, 500_000.0));
    assert_eq!(value.estimated_from(), "Vesterbro 75 %; Valby 25 %");
}

#[test]
fn an_intensive_value_weighted_by_area_is_the_mean_of_the_two_units() {
    let units = Projected::new(&layers()[UNITS]).unwrap();
    let targets = Projected::new(&layers()[TARGETS]).unwrap();
    let joined = join_values(
        &units,
        &[Some(100.0), Some(200.0)],
        None,
        &targets,
        Measure::Intensive,
    );
    let estimate = joined[0].as_ref().unwrap();
    assert!(close(estimate.value, 150.0), "{estimate:?}");
    assert_eq!(estimate.weights, Weights::Area);
    assert!(close(estimate.parts[0].weight, 0.5));
}

#[test]
fn an_intensive_value_weighted_by_population_is_the_population_weighted_mean() {
    let joins = joins();
    let value = joins
        .value(TARGETS, 0, "income_mean", Some("2019"))
        .unwrap();
    // Half of each unit's residents live on the target: 500 with 100, 1500 with 200.
    let expected = (500.0 * 100.0 + 1500.0 * 200.0) / 2000.0;
    assert!(close(value.value, expected), "{value:?}");
    assert_eq!(
        value.weighting,
        Some(Weighting::Indicator("population".into()))
    );
    assert_eq!(value.weight_period, None);
    assert!(close(value.contributions[0].weight, 0.75));
    let json = serde_json::to_value(value).unwrap();
    assert_eq!(json["weighting"], "population");
    assert_eq!(json["method"], "area_weighted");
}

#[test]
fn population_weights_come_from_the_nearest_period_when_the_same_period_has_none() {
    let joins = joins();
    let value = joins
        .value(TARGETS, 0, "income_mean", Some("2021"))
        .unwrap();
    // Population has 2019 and 2020; 2020 is nearest to 2021: 550 with 110, 1650 with 220.
    let expected = (550.0 * 110.0 + 1650.0 * 220.0) / 2200.0;
    assert!(close(value.value, expected), "{value:?}");
    assert_eq!(value.weight_period.as_deref(), Some("2020"));
}

#[test]
fn an_intensive_value_falls_back_to_area_weights_when_a_contributing_unit_has_no_weight() {
    let units = Projected::new(&layers()[UNITS]).unwrap();
    let targets = Projected::new(&layers()[TARGETS]).unwrap();
    let joined = join_values(
        &units,
        &[Some(100.0), Some(200.0)],
        Some(&[Some(1000.0), None]),
        &targets,
        Measure::Intensive,
    );
    let estimate = joined[0].as_ref().unwrap();
    assert_eq!(estimate.weights, Weights::Area);
    assert!(close(estimate.value, 150.0), "{estimate:?}");
}

#[test]
fn units_without_a_value_are_left_out_and_the_coverage_says_so() {
    let units = Projected::new(&layers()[UNITS]).unwrap();
    let targets = Projected::new(&layers()[TARGETS]).unwrap();
    for measure in [Measure::Extensive, Measure::Intensive] {
        let joined = join_values(&units, &[None, Some(200.0)], None, &targets, measure);
        let estimate = joined[0].as_ref().unwrap();
        let expected = if measure == Measure::Extensive {
            100.0
        } else {
            200.0
        };
        assert!(close(estimate.value, expected), "{measure:?}: {estimate:?}");
        assert!(close(estimate.coverage, 0.5));
        assert_eq!(estimate.parts.len(), 1);
    }
}

#[test]
fn an_area_outside_every_unit_gets_no_value_rather_than_zero() {
    let joins = joins();
    assert!(
        joins
            .value(TARGETS, 1, "population", Some("2019"))
            .is_none()
    );
    assert!(joins.area_values(TARGETS, 1).is_empty());
    let table = joins.table(TARGETS, &["population"], None).unwrap();
    let outside = &table.rows[1];
    assert_eq!(outside.area_id, "o");
    assert!(outside.joined.is_none());
    assert_eq!(
        serde_json::to_value(outside).unwrap()["value"],
        serde_json::Value::Null
    );
}

#[test]
fn a_key_join_returns_the_units_own_value() {
    let joins = joins();
    let value = joins.value(TARGETS, 0, "feel_safe", None).unwrap();
    assert_eq!(value.value, 80.0);
    assert_eq!(value.method, Method::Key);
    assert_eq!(value.weighting, None);
    assert_eq!(value.coverage, 1.0);
    assert_eq!(value.contributions.len(), 1);
    assert_eq!(&*value.contributions[0].unit_id, "t");
    assert_eq!(value.contributions[0].weight, 1.0);
    assert_eq!(value.estimated_from(), "");
    // The target without a row in the table has no value.
    assert!(joins.value(TARGETS, 1, "feel_safe", None).is_none());
    // Onto the units the same indicator is estimated by area from the targets: unit a is half
    // covered by t.
    let estimated = joins.value(UNITS, 0, "feel_safe", None).unwrap();
    assert_eq!(estimated.method, Method::AreaWeighted);
    assert!(close(estimated.value, 80.0) && close(estimated.coverage, 0.5));
}

#[test]
fn plans_say_how_each_indicator_reaches_a_layer_and_which_periods_it_has() {
    let joins = joins();
    let plans = joins.plans(TARGETS);
    let summary: Vec<(&str, Method, Vec<&str>)> = plans
        .iter()
        .map(|p| {
            (
                &*p.indicator,
                p.method,
                p.periods.iter().map(|p| &**p).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("population", Method::AreaWeighted, vec!["2019", "2020"]),
            ("income_mean", Method::AreaWeighted, vec!["2019", "2021"]),
            ("feel_safe", Method::Key, vec!["2025"]),
        ]
    );
    assert_eq!(joins.indicators().latest_period("population"), Some("2020"));
    assert!(joins.indicators().periods("turnout").is_empty());
}

#[test]
fn the_layer_table_writes_csv_with_estimated_from_text() {
    let joins = joins();
    let table = joins
        .table(TARGETS, &["population", "feel_safe"], None)
        .unwrap();
    let csv = table.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "area_id,area_name,indicator,period,value,method,coverage,estimated_from"
    );
    assert_eq!(lines.len(), 1 + 2 * 2);
    assert!(
        lines[1].starts_with("t,Target,population,2020,2200") // 550 + 1650, up to rounding
            && lines[1].ends_with(",area_weighted,1.0000,Vesterbro 75 %; Valby 25 %"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "t,Target,feel_safe,2025,80,key,1.0000,");
    assert_eq!(lines[3], "o,Outside,population,2020,,,,");
}

#[test]
fn a_table_rejects_unknown_indicators_indicators_without_data_and_unknown_periods() {
    let joins = joins();
    assert!(matches!(
        joins.table(TARGETS, &["nope"], None),
        Err(JoinError::UnknownIndicator { .. })
    ));
    assert!(matches!(
        joins.table(TARGETS, &["turnout"], None),
        Err(JoinError::NoData { .. })
    ));
    let error = joins
        .table(TARGETS, &["population"], Some("1999"))
        .unwrap_err();
    assert!(
        matches!(&error, JoinError::UnknownPeriod { known, .. } if known == &["2019", "2020"]),
        "{error:?}"
    );
    assert!(matches!(
        joins.table(99, &[], None),
        Err(JoinError::NoSuchLayer { index: 99 })
    ));
}

#[test]
fn a_line_layer_has_no_indicators() {
    let joins = joins();
    assert!(joins.area_values(STREETS, 0).is_empty());
    assert!(joins.plans(STREETS).is_empty());
    assert!(matches!(
        joins.table(STREETS, &[], None),
        Err(JoinError::Lines { .. })
    ));
    joins.prepare_all().unwrap();
}

#[test]
fn joins_are_computed_once_and_shared_by_concurrent_callers() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let joins = joins();
    shareable(&joins);
    // Every caller gets the very same slice: the layer was joined once.
    let first: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| joins.area_values(TARGETS, 0).as_ptr() as usize))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(first.windows(2).all(|w| w[0] == w[1]));
    joins.prepare_all().unwrap();
    assert_eq!(joins.area_values(TARGETS, 0).as_ptr() as usize, first[0]);
}

/// A rectilinear tiling of `[0, width] × [0, height]` with random column and row edges.
fn random_grid(
    rng: &mut ChaCha8Rng,
    id: &str,
    columns: usize,
    rows: usize,
    size: (f64, f64),
) -> Layer {
    let edges = |rng: &mut ChaCha8Rng, n: usize, length: f64| {
        let mut cuts: Vec<f64> = (1..n).map(|_| rng.gen_range(0.05..0.95) * length).collect();
        cuts.sort_by(f64::total_cmp);
        let mut all = vec![0.0];
        all.extend(cuts);
        all.push(length);
        all
    };
    let xs = edges(rng, columns, size.0);
    let ys = edges(rng, rows, size.1);
    let mut rects = Vec::new();
    let mut names = Vec::new();
    for i in 0..columns {
        for j in 0..rows {
            names.push(format!("{id}-{i}-{j}"));
            rects.push((xs[i], ys[j], xs[i + 1], ys[j + 1]));
        }
    }
    let rects: Vec<(&str, &str, f64, f64, f64, f64)> = names
        .iter()
        .zip(&rects)
        .map(|(name, &(x0, y0, x1, y1))| (name.as_str(), name.as_str(), x0, y0, x1, y1))
        .collect();
    boxes(id, &rects)
}

#[test]
fn on_random_tilings_weights_sum_to_one_counts_are_kept_and_rates_stay_within_their_units() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x001d_1ca7);
    for round in 0..8 {
        let size = (3000.0, 2000.0);
        let source = Projected::new(&random_grid(&mut rng, "source", 7, 5, size)).unwrap();
        let target = Projected::new(&random_grid(&mut rng, "target", 4, 6, size)).unwrap();
        let values: Vec<Option<f64>> = (0..source.len())
            .map(|_| Some(rng.gen_range(0.0..10_000.0)))
            .collect();
        let weights: Vec<Option<f64>> = (0..source.len())
            .map(|_| Some(rng.gen_range(1.0..5_000.0)))
            .collect();

        let counts = join_values(&source, &values, None, &target, Measure::Extensive);
        let total_in: f64 = values.iter().flatten().sum();
        let total_out: f64 = counts.iter().flatten().map(|e| e.value).sum();
        assert!(
            (total_out - total_in).abs() <= 1e-6 * total_in,
            "round {round}: {total_out} != {total_in}"
        );

        for weights in [None, Some(weights.as_slice())] {
            let rates = join_values(&source, &values, weights, &target, Measure::Intensive);
            for estimate in rates.iter().chain(&counts) {
                let estimate = estimate.as_ref().unwrap();
                let sum: f64 = estimate.parts.iter().map(|p| p.weight).sum();
                assert!(
                    (sum - 1.0).abs() < 1e-9,
                    "round {round}: weights sum to {sum}"
                );
                assert!(
                    estimate
                        .parts
                        .windows(2)
                        .all(|w| w[0].weight >= w[1].weight)
                );
                // Round trips through lon/lat move corners by far less than a millimetre.
                assert!(
                    (estimate.coverage - 1.0).abs() < 1e-6,
                    "{}",
                    estimate.coverage
                );
            }
            for estimate in rates.iter().flatten() {
                let contributing = estimate.parts.iter().map(|p| values[p.unit].unwrap());
                let (min, max) =
                    contributing.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
                assert!(
                    estimate.value >= min - 1e-9 && estimate.value <= max + 1e-9,
                    "round {round}: {} outside [{min}, {max}]",
                    estimate.value
                );
            }
        }
    }
}

#[test]
fn every_joined_value_has_weights_summing_to_one() {
    let joins = joins();
    joins.prepare_all().unwrap();
    for layer in [UNITS, TARGETS] {
        for area in 0..2 {
            for value in joins.area_values(layer, area) {
                let sum: f64 = value.contributions.iter().map(|c| c.weight).sum();
                assert!((sum - 1.0).abs() < 1e-9, "{value:?}");
            }
        }
    }
}

#[test]
fn a_table_row_naming_a_unit_the_layer_lacks_is_rejected_with_its_line() {
    let mut tables = tables();
    tables[0].1 = "indicator,unit,period,value\npopulation,a,2019,1\npopulation,zz,2019,2\n".into();
    let error = load(&tables).unwrap_err();
    assert!(
        matches!(&error, LoadError::UnknownUnit { line: 3, unit, .. } if unit == "zz"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "dataset test-befolkning (test-befolkning.csv), line 3: unit \"zz\" is not an area of layer units"
    );
}

#[test]
fn a_table_row_of_an_indicator_that_does_not_list_the_dataset_is_rejected() {
    let mut tables = tables();
    tables[2].1 = "indicator,unit,period,value\nfeel_safe,t,2025,1\npopulation,t,2025,5\n".into();
    let error = load(&tables).unwrap_err();
    assert!(
        matches!(
            &error,
            LoadError::UnlistedIndicator {
                line: 3,
                known: true,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn missing_unknown_and_empty_tables_are_rejected_naming_the_dataset() {
    let mut tables = tables();
    tables.pop();
    assert!(matches!(
        load(&tables),
        Err(LoadError::MissingTable { dataset, .. }) if dataset == "test-tryghed"
    ));
    tables.push(("test-tryghed".into(), TRYGHED.into()));
    tables.push(("other".into(), TRYGHED.into()));
    assert!(matches!(
        load(&tables),
        Err(LoadError::UnknownDataset { dataset }) if dataset == "other"
    ));
    tables.pop();
    tables[2].1 = "indicator,unit,period,value\n".into();
    assert!(matches!(
        load(&tables),
        Err(LoadError::NoValues { indicator, dataset }) if indicator == "feel_safe" && dataset == "test-tryghed"
    ));
    tables[2].1 = "indicator,unit,period,value\nfeel_safe,t,2025,x\n".into();
    let error = load(&tables).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("dataset test-tryghed (test-tryghed.csv), line 2: value"),
        "{error}"
    );
}

#[test]
fn a_dataset_on_a_layer_that_is_not_loaded_is_rejected() {
    let catalogue = Catalogue::parse(CATALOGUE, "fixtures/catalogue.toml").unwrap();
    let error = Indicators::load(&catalogue, &tables(), &layers()[..1]).unwrap_err();
    assert!(
        matches!(&error, LoadError::UnknownGeography { layer, .. } if layer.as_str() == "targets"),
        "{error:?}"
    );
    let indicators = load(&tables()).unwrap();
    assert!(matches!(
        Joins::new(indicators, layers()[..1].to_vec()),
        Err(JoinError::LayersDiffer { .. })
    ));
}

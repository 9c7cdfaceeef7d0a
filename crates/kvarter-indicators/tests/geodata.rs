//! Joins on the committed default dataset (`geodata/`).

#![allow(clippy::unwrap_used, reason = "a test should fail loudly")]

use std::path::PathBuf;
use std::sync::OnceLock;

use kvarter_core::Dataset;
use kvarter_indicators::{Catalogue, Indicators, Joins, Measure, Method, join_values, table};
use kvarter_overlay::Projected;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn geodata_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../geodata")
}

fn loaded() -> &'static (Dataset, kvarter_data::manifest::Manifest) {
    static LOADED: OnceLock<(Dataset, kvarter_data::manifest::Manifest)> = OnceLock::new();
    LOADED.get_or_init(|| kvarter_data::dataset::load_dir(&geodata_dir()).unwrap())
}

fn dataset() -> &'static Dataset {
    &loaded().0
}

/// The committed catalogue and tables, checked against the committed layers, and the tables'
/// bytes by dataset id.
fn indicators() -> (Indicators, Vec<(String, Vec<u8>)>) {
    let files = kvarter_data::dataset::load_indicator_files(&geodata_dir(), &loaded().1).unwrap();
    let text = String::from_utf8(files.catalogue.unwrap()).unwrap();
    let catalogue = Catalogue::parse(&text, "geodata/indicators/catalogue.toml").unwrap();
    let tables: Vec<(String, Vec<u8>)> = files
        .tables
        .into_iter()
        .map(|(entry, bytes)| (entry.dataset, bytes))
        .collect();
    let indicators = Indicators::load(&catalogue, &tables, &dataset().layers).unwrap();
    (indicators, tables)
}

fn joins() -> &'static Joins {
    static JOINS: OnceLock<Joins> = OnceLock::new();
    JOINS.get_or_init(|| Joins::new(indicators().0, dataset().layers.clone()).unwrap())
}

fn layer_ix(id: &str) -> usize {
    joins().layer_index(&id.parse().unwrap()).unwrap()
}

fn projected(id: &str) -> Projected {
    Projected::new(dataset().layer(&id.parse().unwrap()).unwrap()).unwrap()
}

#[test]
fn a_synthetic_count_on_roder_keeps_its_total_when_shared_onto_bydele_and_the_kommune() {
    let roder = projected("roder-2023");
    let mut rng = ChaCha8Rng::seed_from_u64(0x0de2_2023);
    let values: Vec<Option<f64>> = (0..roder.len())
        .map(|_| Some(rng.gen_range(100.0..5_000.0)))
        .collect();
    let total: f64 = values.iter().flatten().sum();
    for target in ["bydele-2023", "kommune-2023"] {
        let target = projected(target);
        let joined = join_values(&roder, &values, None, &target, Measure::Extensive);
        let shared: f64 = joined.iter().flatten().map(|e| e.value).sum();
        let lost = (total - shared) / total;
        eprintln!(
            "{}: {:.3} % of the total not shared",
            target.id(),
            lost * 100.0
        );
        // The layers are drawn independently. roder-2023 and kommune-2023 share their outline,
        // so nothing is lost there (< 1e-6). The bydele follow the harbour differently: five
        // roder along it reach into water no bydel covers (Milanos 24 %, Agnetes 21 %,
        // Sydhavnens 6 %, Beethovens 4 %, Fisketorvets 3 % of their area; 0.58 km², 0.63 % of
        // the roder's area, in all); elsewhere the slivers are too small to matter. With these
        // seeded values 0.19 % of the total is lost; 0.5 % bounds any values not crowded into
        // those five roder.
        assert!(lost.abs() < 0.005, "{}: {lost}", target.id());
    }
}

#[test]
fn the_population_of_the_bydele_is_their_own_table_value() {
    let (_, tables) = indicators();
    let (_, bytes) = tables
        .iter()
        .find(|(dataset, _)| dataset == "kk-befolkning-bydel")
        .unwrap();
    let rows = table::parse(bytes, "kk-befolkning-bydel", "kk-befolkning-bydel.csv").unwrap();
    let bydele = layer_ix("bydele-2023");
    let layer = &joins().layers()[bydele];
    let mut checked = 0;
    for row in rows
        .iter()
        .filter(|r| r.indicator == "population" && r.period == "2019")
    {
        let area = layer.areas.iter().position(|a| a.id == row.unit).unwrap();
        let value = joins()
            .value(bydele, area, "population", Some("2019"))
            .unwrap();
        assert_eq!(value.method, Method::Key);
        assert!((value.value - row.value).abs() < f64::EPSILON, "{value:?}");
        checked += 1;
    }
    assert_eq!(checked, layer.areas.len());
}

#[test]
fn the_kommunes_population_shared_by_area_from_the_bydele_is_their_sum_less_indre_bys_harbour() {
    let bydele = layer_ix("bydele-2023");
    let kommune = layer_ix("kommune-2023");
    let bydel_areas = &joins().layers()[bydele].areas;
    let indre_by = bydel_areas
        .iter()
        .position(|a| a.name.as_deref() == Some("Indre By"))
        .unwrap();
    for period in ["1991", "2019"] {
        let population = |area| {
            joins()
                .value(bydele, area, "population", Some(period))
                .unwrap()
                .value
        };
        let sum: f64 = (0..bydel_areas.len()).map(population).sum();
        let joined = joins()
            .value(kommune, 0, "population", Some(period))
            .unwrap();
        assert_eq!(joined.method, Method::AreaWeighted);
        let lost = (sum - joined.value) / sum;
        eprintln!(
            "{period}: bydele {sum:.0}, kommune by area {:.0} ({:.2} % lost); from {}",
            joined.value,
            lost * 100.0,
            joined.estimated_from()
        );
        // The layers are drawn independently, and the bydele reach beyond the kommune's
        // outline: Indre By's polygon takes in about 1.07 km² of harbour (10 % of its area)
        // that kommune-2023 leaves out; every other bydel lies inside it to 0.1 % or better.
        // Areal weighting spreads each bydel's residents evenly over its polygon, so a tenth of
        // Indre By's residents land on that water and the kommune total comes out about 0.9 %
        // short, not within the 0.5 % the other joins meet. The loss is exactly Indre By's
        // uncovered share (up to the slivers of the others):
        let uncovered = joined
            .contributions
            .iter()
            .find(|c| c.unit_name.as_deref() == Some("Indre By"))
            .map(|c| 1.0 - c.fraction_of_unit)
            .unwrap();
        let expected = population(indre_by) * uncovered / sum;
        assert!((0.09..0.11).contains(&uncovered), "{uncovered}");
        assert!(
            (lost - expected).abs() < 0.0005,
            "{period}: {lost} vs {expected}"
        );
        assert!(lost.abs() < 0.015, "{period}: {lost}");
    }
}

#[test]
fn safety_is_a_key_join_on_the_kommune_and_an_estimate_on_the_bydele() {
    let kommune = layer_ix("kommune-2023");
    let city = joins()
        .value(kommune, 0, "feel_safe_neighbourhood", None)
        .unwrap();
    assert_eq!(city.method, Method::Key);
    assert_eq!(&*city.dataset, "kk-tryghed-2025-kommune");
    assert!((city.value - 88.0).abs() < f64::EPSILON, "{city:?}");

    let bydele = layer_ix("bydele-2023");
    let noerrebro = joins().layers()[bydele]
        .areas
        .iter()
        .position(|a| a.name.as_deref() == Some("Nørrebro"))
        .unwrap();
    let estimate = joins()
        .value(bydele, noerrebro, "feel_safe_neighbourhood", None)
        .unwrap();
    assert_eq!(estimate.method, Method::AreaWeighted);
    assert_eq!(&*estimate.dataset, "kk-tryghed-2025-distrikter");
    assert!(estimate.coverage > 0.999, "{estimate:?}");
    eprintln!(
        "Nørrebro: {:.1} from {}",
        estimate.value,
        estimate.estimated_from()
    );
}

#[test]
fn every_area_layer_joins_and_every_value_has_weights_summing_to_one() {
    let joins = joins();
    let started = std::time::Instant::now();
    joins.prepare_all().unwrap();
    eprintln!("prepare_all: {:?}", started.elapsed());
    let mut values = 0;
    for (ix, layer) in joins.layers().iter().enumerate() {
        for area in 0..layer.areas.len() {
            for value in joins.area_values(ix, area) {
                let sum: f64 = value.contributions.iter().map(|c| c.weight).sum();
                assert!((sum - 1.0).abs() < 1e-9, "{}: {value:?}", layer.meta.id);
                assert!(value.value.is_finite() && (0.0..=1.0).contains(&value.coverage));
                values += 1;
            }
        }
    }
    eprintln!("{values} joined values");
    let table = joins
        .table(layer_ix("udsatte-byomraader-2017"), &[], None)
        .unwrap();
    eprintln!(
        "{}",
        table
            .to_csv()
            .lines()
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

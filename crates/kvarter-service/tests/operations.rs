//! The service's operations without HTTP, on the hand-built Husum dataset of
//! `kvarter-testkit` (two districts, the 2011 and 2017 designations, a base map): what each
//! face — the API, the command line — gets from one call, and what it is refused with.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "a test should fail loudly"
)]

use geo::{Coord, Point};
use kvarter_core::Dataset;
use kvarter_geocode::{Entry, Gazetteer, HouseNumber, Kind, SearchOptions};
use kvarter_index::LookupQuery;
use kvarter_service::comparisons::Format;
use kvarter_service::features::Shaping;
use kvarter_service::lookup::{Input, Located, LookupRequest, UTM32};
use kvarter_service::{Service, ServiceConfig, ServiceError};
use kvarter_testkit::husum::{
    BASE, IN_2011_ONLY, IN_BOTH_YEARS, OUTSIDE, UNITS, Y2011, Y2017, dataset,
};
use kvarter_testkit::{csv_header, member};
use kvarter_tiles::TileCoord;
use serde_json::{Value, json};

fn service() -> Service {
    Service::new(dataset(), ServiceConfig::default())
}

/// Two addresses: one in both designations, one in 2011's only.
fn gazetteer() -> Gazetteer {
    let address = |id: &str, number: u16, (lon, lat): (f64, f64)| Entry {
        kind: Kind::Address,
        id: id.into(),
        text: format!("Tingbjerg Allé {number}, 2700 Brønshøj"),
        street: Some("Tingbjerg Allé".into()),
        house_number: Some(HouseNumber::new(number)),
        postcode: Some(2700),
        district: Some("Brønshøj".into()),
        point: Point::new(lon, lat),
    };
    Gazetteer::new(vec![
        address("a1", 1, IN_BOTH_YEARS),
        address("a2", 2, IN_2011_ONLY),
    ])
}

fn with_addresses() -> Service {
    service().with_gazetteer(Some(gazetteer()))
}

fn json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

fn at(point: (f64, f64)) -> LookupRequest {
    LookupRequest {
        at: Located::lon_lat(point.0, point.1),
        query: LookupQuery::default(),
    }
}

/// Whether the designation layer `id` of a lookup answer says the point is designated.
fn designated(answer: &Value, id: &str) -> bool {
    let layers: Vec<&Value> = answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| group["layers"].as_array().unwrap())
        .collect();
    let entry = layers
        .iter()
        .find(|entry| entry["layer"]["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not listed in {answer}"));
    entry["designated"] == true
}

#[test]
fn a_point_lookup_lists_each_designation_year_and_names_the_reconstruction() {
    let service = service();
    let request = at(IN_BOTH_YEARS);
    let answer = json(&service.lookup(&request));
    assert!(designated(&answer, Y2011) && designated(&answer, Y2017));
    let district = &answer["units"][0];
    assert_eq!(district["layer"]["id"], UNITS);
    assert_eq!(district["areas"][0]["name"], "Brønshøj-Husum");
    let summary = answer["summary"].as_str().unwrap();
    assert!(summary.contains("2011 (reconstructed"), "{summary}");
    assert_eq!(answer["query"]["lon"], IN_BOTH_YEARS.0);
    assert!(answer.get("base_map").is_none());

    let outside = json(&service.lookup(&at(OUTSIDE)));
    assert!(!designated(&outside, Y2011) && !designated(&outside, Y2017));
}

#[test]
fn a_lookup_on_a_day_lists_only_the_designations_in_force_that_day() {
    let service = service();
    let request = LookupRequest {
        query: LookupQuery {
            layers: None,
            at: Some("2025-01-01".parse().unwrap()),
        },
        ..at(IN_2011_ONLY)
    };
    let answer = json(&service.lookup(&request));
    let listed: Vec<&Value> = answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| group["layers"].as_array().unwrap())
        .map(|entry| &entry["layer"]["id"])
        .collect();
    assert_eq!(listed, [Y2017]);
    assert!(!designated(&answer, Y2017));
}

#[test]
fn a_layer_selection_is_in_dataset_order_and_refuses_unknown_layers_by_name() {
    let service = service();
    let ids = service.layer_selection("layers", &[Y2017, UNITS]).unwrap();
    let ids: Vec<&str> = ids.iter().map(kvarter_core::LayerId::as_str).collect();
    assert_eq!(ids, [UNITS, Y2017]);
    let error = service
        .layer_selection("layers", &["udsatte-byomraader-2099"])
        .unwrap_err();
    assert!(matches!(&error, ServiceError::Invalid { field, .. } if field == "layers"));
    assert!(error.to_string().contains(Y2011), "{error}");
}

#[test]
fn a_point_in_utm_is_converted_and_echoed_as_given() {
    let (x, y) = kvarter_crs::wgs84_to_utm32(IN_BOTH_YEARS.0, IN_BOTH_YEARS.1).unwrap();
    let input = Input { x, y, srid: UTM32 };
    let located = Located::from_input(input).unwrap();
    assert!((located.point.x - IN_BOTH_YEARS.0).abs() < 1e-9);
    let service = service();
    let request = LookupRequest {
        at: located,
        query: LookupQuery::default(),
    };
    let answer = json(&service.lookup(&request));
    assert_eq!(
        answer["query"]["input"],
        json!({"x": x, "y": y, "srid": 25832})
    );
    assert!(designated(&answer, Y2017));

    let north_of_the_grid = Input {
        x,
        y: 20_000_000.0,
        srid: UTM32,
    };
    let error = Located::from_input(north_of_the_grid).unwrap_err();
    assert!(
        matches!(&error, ServiceError::Invalid { field, .. } if field == "y"),
        "{error}"
    );
}

#[test]
fn an_address_lookup_answers_the_match_and_the_areas_at_it_or_says_why_not() {
    let query = LookupQuery::default();
    let without = service();
    let answer = json(&without.lookup_address("Tingbjerg Allé 1", &query).unwrap());
    assert_eq!(answer["match"], Value::Null);
    assert!(answer["note"].as_str().unwrap().contains("gazetteer"));
    let error = without.lookup_address(" ,; ", &query).unwrap_err();
    assert!(matches!(&error, ServiceError::Invalid { field, .. } if field == "address"));

    let service = with_addresses();
    let answer = json(
        &service
            .lookup_address("Tingbjerg Alle 2, 2700", &query)
            .unwrap(),
    );
    assert_eq!(answer["match"]["id"], "a2");
    assert_eq!(answer["match"]["confidence"], 1.0);
    assert!(designated(&answer, Y2011) && !designated(&answer, Y2017));
    let nowhere = json(&service.lookup_address("Gothersgade 1", &query).unwrap());
    assert_eq!(nowhere["match"], Value::Null);
}

#[test]
fn search_and_reverse_carry_the_lookup_at_each_result_without_its_query() {
    let service = with_addresses();
    let answer = json(
        &service
            .search("Tingbjerg Allé", &SearchOptions::default())
            .unwrap(),
    );
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let areas = &member(&answer["results"], "id", "a1")["areas"];
    assert!(areas.get("query").is_none());
    assert!(designated(areas, Y2017));

    let near = (IN_BOTH_YEARS.0 + 0.0005, IN_BOTH_YEARS.1);
    let reverse = json(&service.reverse(Coord::from(near), 200.0).unwrap());
    assert_eq!(reverse["result"]["id"], "a1");
    assert!(reverse["result"]["distance_m"].as_f64().unwrap() < 50.0);
    let far = json(&service.reverse(Coord::from(OUTSIDE), 200.0).unwrap());
    assert_eq!(far["result"], Value::Null);
}

#[test]
fn a_batch_adds_the_match_and_one_column_per_designation_layer() {
    let service = with_addresses();
    let csv = service
        .lookup_batch(
            "address\nTingbjerg Allé 2\nNowhere 1\n".as_bytes(),
            10,
            |_, _| {},
        )
        .unwrap();
    let header = csv_header(&csv);
    assert_eq!(header.last().unwrap(), Y2017);
    assert!(header.contains(&Y2011.to_owned()));
    let rows = kvarter_testkit::csv_rows(&csv);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows[0][column(Y2011)], "Husum/Tingbjerg");
    assert_eq!(rows[0][column(Y2017)], "");
    assert_eq!(rows[1][column("matched_address")], "");
    let too_many = service
        .lookup_batch(b"a\nb\nc\n", 2, |_, _| {})
        .unwrap_err();
    assert!(
        too_many.to_string().contains("more than 2 rows"),
        "{too_many}"
    );
}

#[test]
fn features_are_shaped_counted_and_refused_by_name() {
    let service = service();
    let layer = service.layer(Y2017).unwrap();
    let available = &service.info(layer.position).properties;
    let shaping = Shaping::new(None, 3, Some(vec!["name"]), available).unwrap();
    let collection: Value =
        serde_json::from_slice(&service.features(layer, None, &shaping, None).unwrap()).unwrap();
    let feature = member(&collection["features"], "id", "bispebjerg-nv");
    let keys: Vec<&String> = feature["properties"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "layer", "name", "status"]);
    assert_eq!(collection["layer"]["status"], "official");

    let error = Shaping::new(None, 3, Some(vec!["colour"]), available).unwrap_err();
    assert!(matches!(&error, ServiceError::Invalid { field, .. } if field == "properties"));
    let error = service
        .feature(layer, "nowhere", &shaping, None)
        .unwrap_err();
    assert!(matches!(error, ServiceError::UnknownFeature { .. }));
    let strict = Service::new(
        dataset(),
        ServiceConfig {
            max_features: 1,
            ..ServiceConfig::default()
        },
    );
    let error = strict
        .features(strict.layer(Y2017).unwrap(), None, &shaping, None)
        .unwrap_err();
    assert!(matches!(
        error,
        ServiceError::TooManyFeatures {
            count: 2,
            max: 1,
            ..
        }
    ));
}

#[test]
fn a_tile_is_rendered_once_and_then_served_from_the_cache() {
    let service = service();
    let set = service.layer_set(&format!("{Y2011},{Y2017}")).unwrap();
    let tileset = kvarter_service::tiles::Tileset::layers(set, None);
    let tile = TileCoord::containing(IN_BOTH_YEARS.0, IN_BOTH_YEARS.1, 12);
    assert!(service.cached_tile(&tileset, tile).is_none());
    let rendered = service.tile(&tileset, tile);
    assert!(!rendered.is_empty());
    let cached = service.cached_tile(&tileset, tile).unwrap();
    assert!(std::sync::Arc::ptr_eq(&rendered, &cached));
    let bytes = rendered.body(kvarter_service::encoding::Encoding::Identity);
    let names = mvt_reader::Reader::new(bytes.to_vec())
        .unwrap()
        .get_layer_names()
        .unwrap();
    assert!(names.contains(&Y2011.to_owned()) && names.contains(&Y2017.to_owned()));

    let uncached = Service::new(
        dataset(),
        ServiceConfig {
            tile_cache_mb: 0,
            ..ServiceConfig::default()
        },
    );
    uncached.tile(&tileset, tile);
    assert!(uncached.cached_tile(&tileset, tile).is_none());
    assert!(uncached.tiles().cache_stats().is_none());
}

#[test]
fn comparisons_refuse_unknown_and_street_layers_before_computing_anything() {
    let service = service();
    assert!(matches!(
        service.compare_tileset(Y2011, "nowhere").unwrap_err(),
        ServiceError::UnknownLayer { .. }
    ));
    assert!(matches!(
        service.compare(BASE, Y2017).unwrap_err(),
        ServiceError::NotAreaLayer { .. }
    ));
    let compared = service.compare(Y2011, Y2017).unwrap();
    let summary = &compared.comparison.summary;
    assert!(summary.kept_m2 > 0.0 && summary.removed_m2 > 0.0 && summary.added_m2 > 0.0);
    assert!(
        (summary.kept_m2 + summary.removed_m2 - summary.from_total_m2).abs() < 0.1,
        "{summary:?}"
    );
    let again = service.compare(Y2011, Y2017).unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&compared, &again),
        "kept, not recomputed"
    );
    assert_eq!(csv_header(&compared.body(Format::Csv))[0], "change");
}

#[test]
fn an_empty_dataset_answers_with_no_designation_loaded() {
    let empty = Service::new(
        Dataset {
            version: "empty".into(),
            layers: vec![],
        },
        ServiceConfig::default(),
    );
    let answer = json(&empty.lookup(&at(IN_BOTH_YEARS)));
    assert_eq!(answer["summary"], "No designation layer is loaded.");
    assert_eq!(empty.layer_list().layers.len(), 0);
}

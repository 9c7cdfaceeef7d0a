//! The 2025 rule, as every face gets it from the service: a state list in force with a
//! municipal designation of the 2025 kind is part of that designation — in lookups (one year
//! group, `part_of`, `designated_by`), in comparisons (the designation as a whole) and in the
//! layer catalogue. On `kvarter-testkit`'s Husum data with synthetic 2025 layers, all labelled
//! synthetic.

#![allow(clippy::unwrap_used, reason = "a test should fail loudly")]

use std::io::Read as _;

use kvarter_index::LookupQuery;
use kvarter_service::answer_cache::Coding;
use kvarter_service::comparisons::Format;
use kvarter_service::lookup::{Located, LookupRequest};
use kvarter_service::{Service, ServiceConfig};
use kvarter_testkit::husum::{
    BASE, EXPIRED_LIST, IN_2011_ONLY, IN_2017_ONLY, IN_BOTH_YEARS, IN_THE_LAKE, ON_SHARED_EDGE,
    ON_STATE_LIST, OUTSIDE, STATE_LIST, UNITS, Y2011, Y2017, Y2025, with_state_lists,
};
use kvarter_testkit::{member, strings};
use serde_json::Value;

fn service() -> Service {
    Service::new(with_state_lists(), ServiceConfig::default())
}

fn lookup(service: &Service, (lon, lat): (f64, f64), query: LookupQuery) -> Value {
    let request = LookupRequest {
        at: Located::lon_lat(lon, lat),
        query,
    };
    serde_json::to_value(service.lookup(&request)).unwrap()
}

fn group(answer: &Value, year: u16) -> &Value {
    answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["year"] == year)
        .unwrap_or_else(|| panic!("no {year} group in {answer}"))
}

#[test]
fn a_point_on_the_state_list_is_designated_in_2025_by_the_list_as_part_of_the_2025_layer() {
    let service = service();
    let answer = lookup(&service, ON_STATE_LIST, LookupQuery::default());
    let y2025 = group(&answer, 2025);
    assert_eq!(y2025["designated"], true);
    assert_eq!(strings(&y2025["layers"], "/layer/id"), [Y2025, STATE_LIST]);
    let municipal = &y2025["layers"][0];
    assert_eq!(municipal["designated"], false);
    assert!(municipal.get("part_of").is_none());
    let list = &y2025["layers"][1];
    assert_eq!(list["part_of"], Y2025);
    assert_eq!(list["designated"], true);
    assert_eq!(list["layer"]["status"], "synthetic");
    assert_eq!(list["areas"][0]["id"], "3");
    let by = y2025["designated_by"].as_array().unwrap();
    assert_eq!(by.len(), 1);
    assert_eq!(by[0]["layer"], STATE_LIST);
    assert_eq!(by[0]["kind"], "state_designation");
    assert_eq!(by[0]["status"], "synthetic");
    assert_eq!(by[0]["part_of"], Y2025);
    assert_eq!(by[0]["areas"][0]["name"], "Estate 3 (synthetic)");
    // The joined list has no group of its own year (2024).
    assert!(
        answer["designations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|group| group["year"] != 2024),
        "{answer}"
    );
    let summary = answer["summary"].as_str().unwrap();
    assert!(
        summary.contains(
            "2025 (synthetic, in force since 2025-07-01): designated — Estate 3 (synthetic) \
             (state list: State lists, prevention areas 2024 (synthetic), synthetic)."
        ),
        "{summary}"
    );
    // The 2017 policy took no state lists: 2017's group is its own layer only.
    let y2017 = group(&answer, 2017);
    assert_eq!(strings(&y2017["layers"], "/layer/id"), [Y2017]);
    assert_eq!(y2017["designated"], true);
    assert_eq!(y2017["designated_by"][0]["layer"], Y2017);
}

#[test]
fn a_point_in_the_municipal_area_is_designated_by_the_2025_layer_itself() {
    let answer = lookup(&service(), IN_BOTH_YEARS, LookupQuery::default());
    let y2025 = group(&answer, 2025);
    assert_eq!(y2025["designated"], true);
    assert_eq!(strings(&y2025["designated_by"], "/layer"), [Y2025]);
    assert_eq!(y2025["layers"][1]["designated"], false);
    assert!(answer["summary"].as_str().unwrap().contains(
        "2025 (synthetic, in force since 2025-07-01): designated — Tingbjerg (synthetic)."
    ));
}

#[test]
fn a_point_in_neither_names_the_state_list_it_is_not_on() {
    let answer = lookup(&service(), OUTSIDE, LookupQuery::default());
    let y2025 = group(&answer, 2025);
    assert_eq!(y2025["designated"], false);
    assert_eq!(y2025["designated_by"], Value::Array(vec![]));
    assert!(answer["summary"].as_str().unwrap().contains(
        "2025 (synthetic, in force since 2025-07-01): not designated (nor on the state list \
         State lists, prevention areas 2024 (synthetic), synthetic)."
    ));
}

#[test]
fn a_list_that_expired_before_2025_keeps_a_group_of_its_own() {
    let answer = lookup(&service(), IN_2011_ONLY, LookupQuery::default());
    let y2010 = group(&answer, 2010);
    assert_eq!(strings(&y2010["layers"], "/layer/id"), [EXPIRED_LIST]);
    assert!(y2010["layers"][0].get("part_of").is_none());
    assert_eq!(y2010["designated"], true);
    let y2025 = group(&answer, 2025);
    assert!(!strings(&y2025["layers"], "/layer/id").contains(&EXPIRED_LIST));
}

#[test]
fn naming_only_the_2025_layer_still_answers_with_its_state_list() {
    let query = LookupQuery {
        layers: Some(vec![Y2025.parse().unwrap()]),
        at: None,
    };
    let answer = lookup(&service(), ON_STATE_LIST, query);
    assert_eq!(answer["query"]["layers"], serde_json::json!([Y2025]));
    let y2025 = group(&answer, 2025);
    assert_eq!(y2025["designated"], true);
    assert_eq!(strings(&y2025["layers"], "/layer/id"), [Y2025, STATE_LIST]);
}

#[test]
fn on_a_day_the_list_is_no_longer_in_force_the_2025_layer_stands_alone() {
    let query = LookupQuery {
        layers: None,
        at: Some("2026-01-01".parse().unwrap()),
    };
    let answer = lookup(&service(), ON_STATE_LIST, query);
    let y2025 = group(&answer, 2025);
    assert_eq!(strings(&y2025["layers"], "/layer/id"), [Y2025]);
    assert_eq!(y2025["designated"], false);
}

#[test]
fn before_the_2025_layer_the_state_list_is_answered_in_its_own_year() {
    let query = LookupQuery {
        layers: None,
        at: Some("2025-01-01".parse().unwrap()),
    };
    let answer = lookup(&service(), ON_STATE_LIST, query);
    let y2024 = group(&answer, 2024);
    assert_eq!(strings(&y2024["layers"], "/layer/id"), [STATE_LIST]);
    assert!(y2024["layers"][0].get("part_of").is_none());
    assert_eq!(y2024["designated"], true);
}

#[test]
fn comparing_with_the_2025_layer_compares_the_designation_as_a_whole() {
    let service = service();
    let compared = service.compare(Y2017, Y2025).unwrap();
    let report: Value = serde_json::from_slice(&compared.body(Format::Json)).unwrap();
    assert_eq!(report["to"]["id"], Y2025);
    assert_eq!(report["to"]["status"], "synthetic");
    assert_eq!(report["status"], "synthetic");
    assert_eq!(
        strings(&report["to"]["made_of"], "/id"),
        [Y2025, STATE_LIST]
    );
    assert_eq!(report["to"]["made_of"][1]["status"], "synthetic");
    assert!(report["from"].get("made_of").is_none());
    let estate = member(&report["to_areas"], "id", &format!("{STATE_LIST}/3"));
    assert_eq!(estate["status"], "matched");
    // Kept: Tingbjerg and the estate (inside Bispebjerg NV); nothing of 2025 is new.
    let tingbjerg = member(&report["to_areas"], "id", "tingbjerg")["area_m2"]
        .as_f64()
        .unwrap();
    let estate_m2 = estate["area_m2"].as_f64().unwrap();
    let kept = report["summary"]["kept_m2"].as_f64().unwrap();
    assert!((kept - (tingbjerg + estate_m2)).abs() < 1.0, "{kept}");
    assert!(report["summary"]["added_m2"].as_f64().unwrap() < 1.0);

    // The compared whole's areas say which layer made them.
    let whole = service
        .whole(service.layer(Y2025).unwrap(), "a test")
        .unwrap()
        .unwrap();
    let by: Vec<&str> = whole
        .layer
        .areas
        .iter()
        .map(|area| area.properties["designated_by"].as_str().unwrap())
        .collect();
    assert_eq!(by, [Y2025, STATE_LIST]);
}

#[test]
fn a_comparison_between_layers_without_state_lists_is_unchanged() {
    let service = service();
    let report: Value = serde_json::from_slice(
        &service
            .compare(Y2017, EXPIRED_LIST)
            .unwrap()
            .body(Format::Json),
    )
    .unwrap();
    assert!(report["to"].get("made_of").is_none());
    assert!(
        service
            .whole(service.layer(Y2017).unwrap(), "a test")
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_catalogue_says_which_lists_are_part_of_which_designation() {
    let service = service();
    let summary = |id: &str| -> Value {
        let at = service.layer(id).unwrap();
        serde_json::from_str(service.summary(at.position).get()).unwrap()
    };
    assert_eq!(
        summary(Y2025)["state_lists"],
        serde_json::json!([STATE_LIST])
    );
    assert_eq!(summary(STATE_LIST)["part_of"], serde_json::json!([Y2025]));
    assert_eq!(summary(Y2017)["state_lists"], serde_json::json!([]));
    assert_eq!(summary(EXPIRED_LIST)["part_of"], serde_json::json!([]));
}

#[test]
fn a_lookup_as_json_text_is_the_lookup_serialised_whether_its_areas_were_seen_before_or_not() {
    let service = service();
    let named = |ids: &[&str]| LookupQuery {
        layers: Some(ids.iter().map(|id| id.parse().unwrap()).collect()),
        at: None,
    };
    let queries = [
        LookupQuery::default(),
        LookupQuery {
            layers: None,
            at: Some("2012-05-01".parse().unwrap()),
        },
        named(&[Y2025]),
        named(&[Y2011, UNITS, BASE]),
    ];
    // A grid over the test areas, edges included, and the named points; each seen three times
    // (the first fills the cache for its areas, the rest read it).
    let mut points = vec![
        IN_BOTH_YEARS,
        IN_2011_ONLY,
        IN_2017_ONLY,
        ON_SHARED_EDGE,
        IN_THE_LAKE,
        OUTSIDE,
    ];
    for i in 0..=20 {
        for j in 0..=10 {
            points.push((12.44 + f64::from(i) * 0.004, 55.70 + f64::from(j) * 0.002));
        }
    }
    for _ in 0..3 {
        for query in &queries {
            for &(lon, lat) in &points {
                let request = LookupRequest {
                    at: Located::lon_lat(lon, lat),
                    query: query.clone(),
                };
                let expected = serde_json::to_vec(&service.lookup(&request)).unwrap();
                let got = service.lookup_json(&request, Coding::Identity).unwrap();
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(expected.clone()).unwrap(),
                    "({lon}, {lat}) with {query:?}"
                );
                let gzip = service.lookup_json(&request, Coding::Gzip).unwrap();
                let mut inflated = Vec::new();
                flate2::read::GzDecoder::new(gzip.as_slice())
                    .read_to_end(&mut inflated)
                    .unwrap();
                assert_eq!(inflated, expected, "gzip: ({lon}, {lat}) with {query:?}");
            }
        }
    }
}

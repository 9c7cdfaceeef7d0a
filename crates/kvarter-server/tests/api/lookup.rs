//! `/api/lookup`: designations by year (with status), units, base maps, and every bad input.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    BASE, IN_2011_ONLY, IN_2017_ONLY, IN_BOTH_YEARS, IN_THE_LAKE, ON_SHARED_EDGE, OUTSIDE, UNITS,
    Y2011, Y2017, assert_refused, get_json,
};

async fn lookup(point: (f64, f64), extra: &str) -> Value {
    get_json(
        &format!("/api/lookup?lon={}&lat={}{extra}", point.0, point.1),
        StatusCode::OK,
    )
    .await
}

/// `(year, layer id, designated, area ids)` of a listed designation layer.
type Designation = (Value, String, bool, Vec<String>);

/// The [`Designation`] of every listed designation layer.
fn designations(answer: &Value) -> Vec<Designation> {
    answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| {
            group["layers"].as_array().unwrap().iter().map(|entry| {
                (
                    group["year"].clone(),
                    entry["layer"]["id"].as_str().unwrap().to_owned(),
                    entry["designated"].as_bool().unwrap(),
                    area_ids(&entry["areas"]),
                )
            })
        })
        .collect()
}

fn area_ids(areas: &Value) -> Vec<String> {
    areas
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `(layer id, area ids)` for every listed unit layer.
fn units(answer: &Value) -> Vec<(String, Vec<String>)> {
    answer["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["layer"]["id"].as_str().unwrap().to_owned(),
                area_ids(&entry["areas"]),
            )
        })
        .collect()
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|&s| s.to_owned()).collect()
}

/// The [`Designation`] of layer `layer` of `year` designating the point, in `areas`.
fn designated(year: i32, layer: &str, areas: &[&str]) -> Designation {
    (json!(year), layer.to_owned(), true, owned(areas))
}

/// The [`Designation`] of layer `layer` of `year` not designating the point.
fn not_designated(year: i32, layer: &str) -> Designation {
    (json!(year), layer.to_owned(), false, vec![])
}

/// The answer's summary.
fn summary(answer: &Value) -> &str {
    answer["summary"].as_str().unwrap()
}

#[tokio::test]
async fn a_point_in_husum_is_designated_in_both_years_grouped_by_year() {
    let answer = lookup(IN_BOTH_YEARS, "").await;
    assert_eq!(
        designations(&answer),
        [
            designated(2011, Y2011, &["husum-tingbjerg"]),
            designated(2017, Y2017, &["tingbjerg-husum"]),
        ]
    );
    assert_eq!(units(&answer), [(UNITS.to_owned(), owned(&["brh"]))]);
    assert!(
        answer.get("base_map").is_none(),
        "base maps only when named"
    );
    let group = &answer["designations"][0]["layers"][0];
    assert_eq!(group["layer"]["status"], "reconstructed");
    // Lookups name layers by a short reference: status, licence, source; the rest behind links.
    assert!(group["layer"]["licence"].is_string());
    assert!(group["layer"]["source"]["vintage"].is_string());
    assert!(group["layer"]["method"].is_null());
    assert!(
        group["layer"]["links"]["self"]
            .as_str()
            .unwrap()
            .starts_with("/api/layers/")
    );
    let area = &group["areas"][0];
    assert_eq!(area["name"], "Husum/Tingbjerg");
    assert_eq!(area["parent"], json!(null));
    assert_eq!(area["on_boundary"], false);
    assert!(area["area_m2"].as_f64().unwrap() > 0.0);
    assert_eq!(area["properties"], json!({"kvarterer": "Husum, Tingbjerg"}));
    assert_eq!(
        answer["query"],
        json!({"lon": 12.46, "lat": 55.715, "input": null, "at": null, "layers": null})
    );
}

#[tokio::test]
async fn the_summary_names_each_year_its_status_and_the_areas() {
    let answer = lookup(IN_BOTH_YEARS, "").await;
    assert_eq!(
        answer["summary"],
        "2011 (reconstructed, in force 2011-01-01 – 2017-06-22): Husum/Tingbjerg. \
         2017 (official, in force 2017-06-22 – 2025-07-01): Tingbjerg/Husum. \
         Districts (test): Brønshøj-Husum."
    );
}

#[tokio::test]
async fn a_point_designated_only_in_2011_lists_2017_as_not_designated() {
    let answer = lookup(IN_2011_ONLY, "").await;
    assert_eq!(
        designations(&answer),
        [
            designated(2011, Y2011, &["husum-tingbjerg"]),
            not_designated(2017, Y2017),
        ]
    );
    let summary = summary(&answer);
    assert!(summary.contains("2011 (reconstructed"), "{summary}");
    assert!(
        summary.contains("2025-07-01): not designated."),
        "{summary}"
    );
}

#[tokio::test]
async fn a_point_designated_only_in_2017_lists_2011_as_not_designated() {
    let answer = lookup(IN_2017_ONLY, "").await;
    assert_eq!(
        designations(&answer),
        [
            not_designated(2011, Y2011),
            designated(2017, Y2017, &["bispebjerg-nv"]),
        ]
    );
    assert_eq!(units(&answer), [(UNITS.to_owned(), owned(&["bsp"]))]);
}

#[tokio::test]
async fn lookup_by_utm32_metres_gives_the_same_answer_as_by_lon_lat() {
    let (lon, lat) = IN_BOTH_YEARS;
    let (x, y) = kvarter_crs::wgs84_to_utm32(lon, lat).unwrap();
    let answer = get_json(
        &format!("/api/lookup?x={x}&y={y}&srid=25832"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        answer["query"]["input"],
        json!({"x": x, "y": y, "srid": 25832})
    );
    assert!((answer["query"]["lon"].as_f64().unwrap() - lon).abs() < 1e-9);
    assert!((answer["query"]["lat"].as_f64().unwrap() - lat).abs() < 1e-9);
    let by_lon_lat = lookup(IN_BOTH_YEARS, "").await;
    assert_eq!(designations(&answer), designations(&by_lon_lat));
    assert_eq!(units(&answer), units(&by_lon_lat));
}

#[tokio::test]
async fn x_and_y_may_also_be_given_in_degrees_with_srid_4326() {
    let answer = get_json("/api/lookup?x=12.46&y=55.715&srid=4326", StatusCode::OK).await;
    assert_eq!(answer["query"]["lon"], 12.46);
    assert_eq!(answer["query"]["input"]["srid"], 4326);
    assert!(designations(&answer)[1].2);
}

#[tokio::test]
async fn at_2025_lists_only_the_2017_layer() {
    let answer = lookup(IN_BOTH_YEARS, "&at=2025-01-01").await;
    assert_eq!(
        designations(&answer),
        [designated(2017, Y2017, &["tingbjerg-husum"])]
    );
    assert_eq!(answer["query"]["at"], "2025-01-01");
    // Admin units are not affected by `at`.
    assert_eq!(units(&answer), [(UNITS.to_owned(), owned(&["brh"]))]);
}

#[tokio::test]
async fn at_a_day_in_2012_lists_only_the_2011_layer_even_when_not_designated() {
    let answer = lookup(IN_2017_ONLY, "&at=2012-05-01").await;
    assert_eq!(designations(&answer), [not_designated(2011, Y2011)]);
}

#[tokio::test]
async fn at_a_day_no_designation_was_in_force_says_so() {
    let answer = lookup(IN_BOTH_YEARS, "&at=2030-01-01").await;
    assert_eq!(answer["designations"], json!([]));
    let summary = summary(&answer);
    assert!(
        summary.starts_with("No designation layer was in force on 2030-01-01."),
        "{summary}"
    );
}

#[tokio::test]
async fn a_point_outside_everything_lists_every_layer_with_no_areas() {
    let answer = lookup(OUTSIDE, "").await;
    assert_eq!(
        designations(&answer),
        [not_designated(2011, Y2011), not_designated(2017, Y2017)]
    );
    assert_eq!(units(&answer), [(UNITS.to_owned(), vec![])]);
    assert!(summary(&answer).ends_with("Districts (test): none."));
}

#[tokio::test]
async fn a_point_on_the_edge_two_units_share_is_in_both_on_their_boundary() {
    let answer = lookup(ON_SHARED_EDGE, "").await;
    assert_eq!(units(&answer), [(UNITS.to_owned(), owned(&["brh", "bsp"]))]);
    for area in answer["units"][0]["areas"].as_array().unwrap() {
        assert_eq!(area["on_boundary"], true);
    }
    assert!(summary(&answer).contains("Bispebjerg (on the boundary)"));
}

#[tokio::test]
async fn naming_layers_limits_the_answer_and_base_maps_come_only_when_named() {
    let answer = lookup(IN_THE_LAKE, &format!("&layers={BASE},{Y2017}")).await;
    assert_eq!(designations(&answer), [not_designated(2017, Y2017)]);
    assert_eq!(answer["units"], json!([]));
    let base = answer["base_map"].as_array().unwrap();
    assert_eq!(base.len(), 1);
    assert_eq!(base[0]["layer"]["id"], BASE);
    assert_eq!(area_ids(&base[0]["areas"]), ["soe"]);
    // Listed in dataset order, whatever order they were named in.
    assert_eq!(answer["query"]["layers"], json!([Y2017, BASE]));
    let without_base = lookup(IN_2017_ONLY, &format!("&layers={Y2011}")).await;
    assert!(without_base.get("base_map").is_none());
}

#[tokio::test]
async fn bad_lookup_input_is_a_400_naming_the_parameter() {
    for (query, named) in [
        ("", &["lon", "missing"][..]),
        ("lon=12.5", &["lat", "missing"]),
        ("lat=55.7", &["lon", "missing"]),
        ("lon=abc&lat=55.7", &["lon", "\"abc\"", "not a number"]),
        ("lon=NaN&lat=55.7", &["lon", "finite"]),
        ("lon=12.5&lat=inf", &["lat", "finite"]),
        ("lon=200&lat=55.7", &["lon", "200", "out of range"]),
        ("lon=12.5&lat=-91", &["lat", "-91"]),
        ("lon=12.5&lat=55.7&x=724000", &["lon", "not both"]),
        ("lon=12.5&lat=55.7&srid=25832", &["srid", "x and y"]),
        (
            "x=724000&y=6175000&srid=3857",
            &["srid", "unsupported srid", "3857"],
        ),
        ("x=724000&y=6175000&srid=abc", &["srid", "unsupported srid"]),
        ("x=724000&y=6175000", &["srid", "missing"]),
        ("x=724000&srid=25832", &["y", "missing"]),
        ("x=-5&y=6175000&srid=25832", &["x", "EPSG:25832"]),
        ("x=724000&y=-1&srid=25832", &["y", "EPSG:25832"]),
        ("x=1e300&y=6175000&srid=25832", &["x"]),
        ("x=200&y=55&srid=4326", &["x", "lon/lat"]),
        ("x=12&y=95&srid=4326", &["y", "lon/lat"]),
        (
            "lon=12.5&lat=55.7&at=2025-13-01",
            &["at", "\"2025-13-01\"", "YYYY-MM-DD"],
        ),
        ("lon=12.5&lat=55.7&at=yesterday", &["at", "yesterday"]),
        (
            "lon=12.5&lat=55.7&layers=udsatte-byomraader-2025",
            &["layers", "udsatte-byomraader-2025", Y2011, Y2017],
        ),
        (
            "lon=12.5&lat=55.7&layers=Not%20An%20Id",
            &["layers", "Not An Id"],
        ),
        ("lon=12.5&lat=55.7&layers=,", &["layers", "at least one"]),
        ("lon=12.5&lat=55.7&lng=12", &["lng", "accepted", "lon"]),
        ("lon=12.5&lon=12.6&lat=55.7", &["lon", "more than once"]),
    ] {
        assert_refused(
            &format!("/api/lookup?{query}"),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            named,
        )
        .await;
    }
}

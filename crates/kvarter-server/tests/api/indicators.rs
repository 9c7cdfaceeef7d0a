//! Indicators: `/api/indicators`, `/api/layers/{id}/indicators` (JSON and CSV), and
//! `?indicators=&period=` on the `GeoJSON` and tile routes — over the squares of `squares`,
//! whose joined values are known by hand.

use axum::http::StatusCode;
use kvarter_tiles::TileCoord;
use mvt_reader::Reader;
use mvt_reader::feature::Value as MvtValue;
use serde_json::Value;

use crate::squares::{self, D2011, D2017, STREETS, UNITS_A, UNITS_B, lon_lat};
use crate::support::{
    assert_near, assert_refused_by, csv_header, csv_rows, feature, get_from, get_json_from,
    member_where, numbers, strings,
};

/// The row of `area` and `indicator` in a layer table.
fn row<'a>(table: &'a Value, area: &str, indicator: &str) -> &'a Value {
    member_where(&table["rows"], |r| {
        r["area_id"] == area && r["indicator"] == indicator
    })
}

#[tokio::test]
async fn the_catalogue_lists_policies_datasets_with_provenance_indicators_with_periods_and_facts() {
    let body = squares::json("/api/indicators").await;
    assert_eq!(body["data_version"], "squares-1");
    assert_eq!(body["policies"][0]["id"], "test-politik");
    let dataset = &body["datasets"][0];
    assert_eq!(dataset["id"], "test-statistik");
    assert_eq!(dataset["status"], "synthetic");
    assert_eq!(dataset["geography"], UNITS_A);
    assert_eq!(dataset["licence"], "CC0 (generated)");
    let indicators = body["indicators"].as_array().unwrap();
    let ids = strings(&body["indicators"], "/id");
    assert_eq!(ids, ["population", "income_mean", "turnout"]);
    assert_eq!(indicators[0]["has_data"], true);
    assert_eq!(indicators[0]["measure"], "extensive");
    assert_eq!(
        indicators[0]["periods"],
        serde_json::json!(["2019", "2020"])
    );
    assert_eq!(indicators[1]["periods"], serde_json::json!(["2019"]));
    assert_eq!(indicators[2]["has_data"], false);
    assert_eq!(indicators[2]["periods"], serde_json::json!([]));
    assert_eq!(indicators[2]["no_data"]["en"], "Not available offline");
    assert_eq!(body["facts"][0]["id"], "test-fakta");
    assert_eq!(body["facts"][0]["quote"], "250 kr.");
}

#[tokio::test]
async fn a_key_join_returns_the_tables_own_values() {
    let body = squares::json(&format!(
        "/api/layers/{UNITS_A}/indicators?indicators=population&period=2019"
    ))
    .await;
    assert_eq!(body["layer"]["id"], UNITS_A);
    assert_eq!(body["data_version"], "squares-1");
    assert_eq!(body["rows"].as_array().unwrap().len(), 2);
    for (area, value) in [("vest", 100.0), ("oest", 300.0)] {
        let row = row(&body, area, "population");
        assert_eq!(row["value"], value, "{row}");
        assert_eq!(row["method"], "key");
        assert_eq!(row["period"], "2019");
        assert_eq!(row["coverage"], 1.0);
        assert_eq!(row["dataset"], "test-statistik");
        assert_eq!(row["contributions"][0]["unit_id"], area);
        assert_eq!(row["contributions"][0]["weight"], 1.0);
    }
    // The provenance travels with the values.
    let provenance = &body["indicators"][0];
    assert_eq!(provenance["id"], "population");
    assert_eq!(provenance["period"], "2019");
    assert_eq!(provenance["datasets"][0]["status"], "synthetic");
    assert_eq!(provenance["datasets"][0]["publisher"], "Kvarter tests");
}

#[tokio::test]
async fn an_area_weighted_count_is_the_sum_of_the_units_shares_and_its_weights_sum_to_one() {
    let body = squares::json(&format!(
        "/api/layers/{D2011}/indicators?indicators=population&period=2019"
    ))
    .await;
    // o11 covers half of vest (100) and half of oest (300).
    let o11 = row(&body, "o11", "population");
    assert_near(&o11["value"], 200.0, 1e-6, "population of o11");
    assert_eq!(o11["method"], "area_weighted");
    assert_eq!(o11["weighting"], "area");
    assert_near(&o11["coverage"], 1.0, 1e-9, "coverage");
    let contributions = o11["contributions"].as_array().unwrap();
    assert_eq!(contributions.len(), 2);
    let weights: f64 = numbers(&o11["contributions"], "/weight").iter().sum();
    assert!((weights - 1.0).abs() < 1e-9, "weights sum to {weights}");
    // Largest weight first: oest gives 150 of the 200.
    assert_eq!(contributions[0]["unit_id"], "oest");
    assert_eq!(contributions[0]["unit_name"], "Øst");
    assert_near(&contributions[0]["weight"], 0.75, 1e-9, "oest's weight");
    assert_near(&contributions[1]["weight"], 0.25, 1e-9, "vest's weight");
    for part in contributions {
        assert_near(&part["overlap_m2"], 500_000.0, 0.1, "overlap");
        assert_near(&part["fraction_of_unit"], 0.5, 1e-6, "fraction of unit");
    }

    // Without a period, each indicator's latest: 2020 (110 and 330).
    let latest = squares::json(&format!(
        "/api/layers/{D2011}/indicators?indicators=population"
    ))
    .await;
    let o11 = row(&latest, "o11", "population");
    assert_eq!(o11["period"], "2020");
    assert_near(&o11["value"], 220.0, 1e-6, "population of o11 in 2020");

    // Units of another unit layer: b-vest is all of vest and half of oest.
    let other = squares::json(&format!(
        "/api/layers/{UNITS_B}/indicators?indicators=population&period=2019"
    ))
    .await;
    assert_near(
        &row(&other, "b-vest", "population")["value"],
        250.0,
        1e-6,
        "b-vest",
    );
    assert_near(
        &row(&other, "b-oest", "population")["value"],
        150.0,
        1e-6,
        "b-oest",
    );
}

#[tokio::test]
async fn an_area_weighted_rate_is_the_mean_of_the_units_by_overlap_area() {
    let body = squares::json(&format!(
        "/api/layers/{D2011}/indicators?indicators=income_mean"
    ))
    .await;
    let o11 = row(&body, "o11", "income_mean");
    // Half on vest (200), half on oest (400).
    assert_near(&o11["value"], 300.0, 1e-6, "income of o11");
    assert_eq!(o11["method"], "area_weighted");
    assert_eq!(o11["weighting"], "area");
    assert_eq!(o11["period"], "2019");
    let weights: f64 = numbers(&o11["contributions"], "/weight").iter().sum();
    assert!((weights - 1.0).abs() < 1e-9, "weights sum to {weights}");

    let body = squares::json(&format!(
        "/api/layers/{D2017}/indicators?indicators=income_mean"
    ))
    .await;
    // o17 lies inside oest: oest's own rate.
    assert_near(
        &row(&body, "o17", "income_mean")["value"],
        400.0,
        1e-6,
        "o17",
    );
}

#[tokio::test]
async fn an_area_outside_every_unit_has_a_row_without_a_value() {
    let body = squares::json(&format!(
        "/api/layers/{D2017}/indicators?indicators=population&period=2019"
    ))
    .await;
    // o17 is 64 % of oest.
    assert_near(
        &row(&body, "o17", "population")["value"],
        192.0,
        1e-6,
        "o17",
    );
    let outside = row(&body, "o17-ny", "population");
    assert!(outside["value"].is_null(), "{outside}");
    assert!(outside.get("method").is_none(), "{outside}");
}

#[tokio::test]
async fn without_indicators_named_the_table_holds_every_indicator_with_data() {
    let body = squares::json(&format!("/api/layers/{UNITS_A}/indicators")).await;
    let mut pairs: Vec<(String, String)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["area_id"].as_str().unwrap().to_owned(),
                r["indicator"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("oest".into(), "income_mean".into()),
            ("oest".into(), "population".into()),
            ("vest".into(), "income_mean".into()),
            ("vest".into(), "population".into()),
        ]
    );
}

#[tokio::test]
async fn the_table_as_csv_has_the_documented_columns_and_says_where_estimates_come_from() {
    let answer = get_from(
        squares::state(),
        &format!("/api/layers/{D2017}/indicators?indicators=population,income_mean&period=2019&format=csv"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "text/csv; charset=utf-8");
    let disposition = answer.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment") && disposition.contains("omraader-2017"),
        "{disposition}"
    );
    let header = csv_header(&answer.body);
    assert_eq!(
        header,
        [
            "area_id",
            "area_name",
            "indicator",
            "period",
            "value",
            "method",
            "coverage",
            "estimated_from"
        ]
    );
    let rows = csv_rows(&answer.body);
    assert_eq!(rows.len(), 4, "two areas × two indicators");
    let find = |area: &str, indicator: &str| {
        rows.iter()
            .find(|r| r[0] == area && r[2] == indicator)
            .unwrap_or_else(|| panic!("no CSV row for {area} and {indicator}"))
            .clone()
    };
    let o17 = find("o17", "population");
    assert_eq!(&o17[1], "Område 2017");
    assert_eq!(&o17[3], "2019");
    assert!(
        (o17[4].parse::<f64>().unwrap() - 192.0).abs() < 1e-6,
        "{o17:?}"
    );
    assert_eq!(&o17[5], "area_weighted");
    assert_eq!(&o17[6], "1.0000");
    assert_eq!(&o17[7], "Øst 100 %");
    let outside = find("o17-ny", "income_mean");
    assert_eq!(
        (&*outside[4], &*outside[5], &*outside[6], &*outside[7]),
        ("", "", "", "")
    );

    let answer = get_from(
        squares::state(),
        &format!("/api/layers/{D2011}/indicators?indicators=population&period=2019&format=csv"),
    )
    .await;
    let o11 = &csv_rows(&answer.body)[0];
    assert!(
        (o11[4].parse::<f64>().unwrap() - 200.0).abs() < 1e-6,
        "{o11:?}"
    );
    assert_eq!(&o11[7], "Øst 75 %; Vest 25 %");

    // A key join is no estimate: estimated_from stays empty.
    let answer = get_from(
        squares::state(),
        &format!("/api/layers/{UNITS_A}/indicators?indicators=population&format=csv"),
    )
    .await;
    let vest = &csv_rows(&answer.body)[0];
    assert_eq!(
        (&*vest[0], &*vest[4], &*vest[5], &*vest[7]),
        ("vest", "110", "key", "")
    );
}

#[tokio::test]
async fn features_asked_for_with_indicators_carry_the_values_their_method_and_provenance() {
    let body = squares::json(&format!(
        "/api/layers/{D2011}/features?indicators=population,income_mean&period=2019"
    ))
    .await;
    let properties = &feature(&body, "o11")["properties"];
    assert_near(&properties["population"], 200.0, 1e-6, "population");
    assert_eq!(properties["population_method"], "area_weighted");
    assert_near(&properties["income_mean"], 300.0, 1e-6, "income_mean");
    assert_eq!(properties["income_mean_method"], "area_weighted");
    assert_eq!(properties["status"], "reconstructed");
    let provenance = body["indicators"].as_array().unwrap();
    let ids = strings(&body["indicators"], "/id");
    assert_eq!(ids, ["population", "income_mean"]);
    assert_eq!(provenance[0]["period"], "2019");
    assert_eq!(provenance[0]["datasets"][0]["status"], "synthetic");
    assert_eq!(provenance[0]["datasets"][0]["vintage"], "2019-2020");
    assert_eq!(body["layer"]["id"], D2011);

    // An area without a value gets neither the value nor its method.
    let body = squares::json(&format!(
        "/api/layers/{D2017}/features?indicators=population"
    ))
    .await;
    let outside = &feature(&body, "o17-ny")["properties"];
    assert!(outside.get("population").is_none(), "{outside}");
    assert!(outside.get("population_method").is_none(), "{outside}");

    // One feature, latest period, key join.
    let single = squares::json(&format!(
        "/api/layers/{UNITS_A}/features/vest?indicators=population"
    ))
    .await;
    assert_eq!(single["type"], "Feature");
    assert_eq!(single["properties"]["population"], 110.0);
    assert_eq!(single["properties"]["population_method"], "key");
    assert_eq!(single["indicators"][0]["period"], "latest");
    assert_eq!(
        single["indicators"][0]["datasets"][0]["status"],
        "synthetic"
    );

    // Without indicators=, features have neither.
    let plain = squares::json(&format!("/api/layers/{UNITS_A}/features/vest")).await;
    assert!(plain["properties"].get("population").is_none());
    assert!(plain.get("indicators").is_none());
}

/// The path of the zoom-`z` tile holding the point `x`, `y` metres from the squares' origin.
fn tile_path(layers: &str, z: u8, x: f64, y: f64) -> String {
    let point = lon_lat(x, y);
    let tile = TileCoord::containing(point.x, point.y, z);
    format!("/tiles/{layers}/{tile}.mvt")
}

/// The features of MVT layer `name` in a tile.
fn tile_features(bytes: &[u8], name: &str) -> Vec<mvt_reader::feature::Feature> {
    let reader = Reader::new(bytes.to_vec()).unwrap();
    let names = reader.get_layer_names().unwrap();
    let index = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no layer {name} in {names:?}"));
    reader.get_features(index).unwrap()
}

fn text(value: Option<&MvtValue>) -> Option<&str> {
    match value {
        Some(MvtValue::String(text)) => Some(text),
        _ => None,
    }
}

fn number(value: Option<&MvtValue>) -> Option<f64> {
    match value {
        Some(MvtValue::Double(number)) => Some(*number),
        Some(MvtValue::Float(number)) => Some(f64::from(*number)),
        _ => None,
    }
}

#[tokio::test]
async fn a_tile_asked_for_with_indicators_carries_the_values_as_numeric_attributes() {
    let path = format!(
        "{}?indicators=population&period=2019",
        tile_path(&format!("{D2011},{UNITS_A}"), 12, 1000.0, 500.0)
    );
    let answer = get_from(squares::state(), &path).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let designated = tile_features(&answer.body, D2011);
    let o11 = designated
        .iter()
        .find(|f| text(f.properties.as_ref().unwrap().get("id")) == Some("o11"))
        .unwrap();
    let properties = o11.properties.as_ref().unwrap();
    let population = number(properties.get("population")).unwrap();
    assert!((population - 200.0).abs() < 1e-6, "{population}");
    assert_eq!(
        text(properties.get("population_method")),
        Some("area_weighted")
    );
    for unit in tile_features(&answer.body, UNITS_A) {
        let properties = unit.properties.as_ref().unwrap();
        assert!(
            number(properties.get("population")).is_some(),
            "{properties:?}"
        );
        assert_eq!(text(properties.get("population_method")), Some("key"));
    }
    // The label points carry the values too.
    let labels = tile_features(&answer.body, &format!("{D2011}_labels"));
    assert!(
        labels
            .iter()
            .all(|l| number(l.properties.as_ref().unwrap().get("population")).is_some())
    );

    // The same tile without indicators has no such attribute, and another ETag.
    let plain = get_from(
        squares::state(),
        &tile_path(&format!("{D2011},{UNITS_A}"), 12, 1000.0, 500.0),
    )
    .await;
    assert_eq!(plain.status, StatusCode::OK);
    for feature in tile_features(&plain.body, D2011) {
        assert!(
            !feature
                .properties
                .as_ref()
                .unwrap()
                .contains_key("population")
        );
    }
    assert_ne!(plain.headers["etag"], answer.headers["etag"]);
}

#[tokio::test]
async fn tilejson_asked_for_with_indicators_lists_their_fields_sources_and_keeps_them_in_the_url() {
    let doc = squares::json(&format!(
        "/tiles/{D2011}.json?indicators=population,income_mean&period=2019"
    ))
    .await;
    let url = doc["tiles"][0].as_str().unwrap();
    assert!(
        url.ends_with(&format!(
            "/tiles/{D2011}/{{z}}/{{x}}/{{y}}.mvt?indicators=population,income_mean&period=2019"
        )),
        "{url}"
    );
    for layer in doc["vector_layers"].as_array().unwrap() {
        assert_eq!(layer["fields"]["population"], "Number", "{layer}");
        assert_eq!(layer["fields"]["population_method"], "String", "{layer}");
        assert_eq!(layer["fields"]["income_mean"], "Number", "{layer}");
    }
    let attribution = doc["attribution"].as_str().unwrap();
    assert!(
        attribution.contains("Kvarter tests") && attribution.contains("status synthetic"),
        "{attribution}"
    );
    // The dataset is named once, though both indicators come from it.
    assert_eq!(
        attribution.matches("Statistik (test)").count(),
        1,
        "{attribution}"
    );

    // The tile URL works as given.
    let tile = tile_path(D2011, 12, 1000.0, 500.0);
    let answer = get_from(
        squares::state(),
        &format!("{tile}?indicators=population,income_mean&period=2019"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);

    let plain = squares::json(&format!("/tiles/{D2011}.json")).await;
    assert!(!plain["tiles"][0].as_str().unwrap().contains('?'));
    assert!(
        plain["vector_layers"][0]["fields"]
            .get("population")
            .is_none()
    );
}

#[tokio::test]
async fn an_unknown_indicator_is_a_400_naming_the_parameter_on_every_route() {
    for uri in [
        format!("/api/layers/{UNITS_A}/features?indicators=nope"),
        format!("/api/layers/{UNITS_A}/features/vest?indicators=population,nope"),
        format!("{}?indicators=nope", tile_path(UNITS_A, 12, 500.0, 500.0)),
        format!("/tiles/{UNITS_A}.json?indicators=nope"),
        format!("/api/layers/{UNITS_A}/indicators?indicators=nope"),
    ] {
        assert_refused_by(
            squares::state(),
            &uri,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &["indicators", "nope"],
        )
        .await;
    }
}

#[tokio::test]
async fn an_indicator_without_data_is_a_400_naming_it() {
    for uri in [
        format!("/api/layers/{UNITS_A}/features?indicators=turnout"),
        format!(
            "{}?indicators=turnout",
            tile_path(UNITS_A, 12, 500.0, 500.0)
        ),
        format!("/tiles/{UNITS_A}.json?indicators=turnout"),
        format!("/api/layers/{UNITS_A}/indicators?indicators=turnout"),
    ] {
        assert_refused_by(
            squares::state(),
            &uri,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &["indicators", "turnout", "no data"],
        )
        .await;
    }
}

#[tokio::test]
async fn an_unknown_period_is_a_400_naming_the_period() {
    for uri in [
        format!("/api/layers/{UNITS_A}/features?indicators=population&period=1999"),
        format!("/api/layers/{UNITS_A}/features/vest?indicators=population&period=1999"),
        format!(
            "{}?indicators=population&period=1999",
            tile_path(UNITS_A, 12, 500.0, 500.0)
        ),
        format!("/tiles/{UNITS_A}.json?indicators=population&period=1999"),
        format!("/api/layers/{UNITS_A}/indicators?indicators=population&period=1999"),
    ] {
        assert_refused_by(
            squares::state(),
            &uri,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &["period", "1999"],
        )
        .await;
    }
    // Every indicator named must have the period: income_mean has no 2020.
    for uri in [
        format!("/api/layers/{UNITS_A}/features?indicators=population,income_mean&period=2020"),
        format!("/api/layers/{UNITS_A}/indicators?indicators=population,income_mean&period=2020"),
    ] {
        assert_refused_by(
            squares::state(),
            &uri,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &["period", "income_mean", "2020"],
        )
        .await;
    }
}

#[tokio::test]
async fn a_period_without_indicators_is_a_400_asking_for_them() {
    for uri in [
        format!("/api/layers/{UNITS_A}/features?period=2019"),
        format!("/api/layers/{UNITS_A}/features/vest?period=2019"),
        format!("{}?period=2019", tile_path(UNITS_A, 12, 500.0, 500.0)),
        format!("/tiles/{UNITS_A}.json?period=2019"),
    ] {
        assert_refused_by(
            squares::state(),
            &uri,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &["period", "indicators"],
        )
        .await;
    }
}

#[tokio::test]
async fn a_table_of_an_unknown_layer_is_a_404_and_of_a_line_layer_a_422() {
    assert_refused_by(
        squares::state(),
        "/api/layers/nowhere/indicators",
        StatusCode::NOT_FOUND,
        "unknown_layer",
        &["nowhere", UNITS_A],
    )
    .await;
    assert_refused_by(
        squares::state(),
        &format!("/api/layers/{STREETS}/indicators?indicators=population"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_an_area_layer",
        &[STREETS, "indicators"],
    )
    .await;
}

#[tokio::test]
async fn a_table_in_an_unknown_format_or_with_an_unknown_parameter_is_a_400() {
    assert_refused_by(
        squares::state(),
        &format!("/api/layers/{UNITS_A}/indicators?format=xlsx"),
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["format", "xlsx", "csv"],
    )
    .await;
    assert_refused_by(
        squares::state(),
        &format!("/api/layers/{UNITS_A}/indicators?indicator=population"),
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["indicator", "accepted"],
    )
    .await;
    assert_refused_by(
        squares::state(),
        "/api/indicators?format=csv",
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["format"],
    )
    .await;
}

#[tokio::test]
async fn a_service_without_indicators_says_so_when_asked_for_them() {
    for uri in [
        format!("/api/layers/{UNITS_A}/features?indicators=population"),
        format!("/api/layers/{UNITS_A}/features/vest?indicators=population"),
        format!(
            "{}?indicators=population",
            tile_path(UNITS_A, 12, 500.0, 500.0)
        ),
        format!("/tiles/{UNITS_A}.json?indicators=population"),
        format!("/api/layers/{UNITS_A}/indicators?indicators=population"),
    ] {
        assert_refused_by(
            squares::state_without_indicators(),
            &uri,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &["indicators", "no indicators"],
        )
        .await;
    }
    // The catalogue and a layer's table are empty, and say why.
    for uri in [
        "/api/indicators".to_owned(),
        format!("/api/layers/{UNITS_A}/indicators"),
    ] {
        let body = get_json_from(squares::state_without_indicators(), &uri, StatusCode::OK).await;
        assert_eq!(body["indicators"], serde_json::json!([]), "{uri}: {body}");
        assert!(
            body["note"].as_str().unwrap().contains("no indicators"),
            "{uri}"
        );
    }
    // Without indicators= the routes answer as before.
    let answer = get_from(
        squares::state_without_indicators(),
        &format!("/api/layers/{UNITS_A}/features"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

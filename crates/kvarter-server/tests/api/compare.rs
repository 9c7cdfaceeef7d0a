//! `/api/compare` (JSON, `GeoJSON`, CSV, ETag) and the change map
//! `/tiles/compare/{from}/{to}/{z}/{x}/{y}.mvt` with its TileJSON, over the squares of
//! `squares`: `o11` (2011) against `o17` and `o17-ny` (2017).

use std::collections::HashMap;

use axum::http::StatusCode;
use kvarter_tiles::TileCoord;
use mvt_reader::Reader;
use mvt_reader::feature::Value as MvtValue;
use serde_json::Value;

use crate::squares::{
    self, ADDED_M2, D2011, D2017, FROM_TOTAL_M2, KEPT_M2, REMOVED_M2, STREETS, TO_TOTAL_M2,
    UNITS_A, lon_lat,
};
use crate::support::{
    assert_near, assert_refused_by, csv_header, get_from, member_where, request, send_to,
};

const PAIR: &str = "from=omraader-2011&to=omraader-2017";

async fn report(query: &str) -> Value {
    squares::json(&format!("/api/compare?{query}")).await
}

#[tokio::test]
async fn the_report_measures_kept_added_and_removed_ground_to_a_tenth_of_a_square_metre() {
    let answer = get_from(squares::state(), &format!("/api/compare?{PAIR}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/json");
    let body = answer.json();
    let summary = &body["summary"];
    assert_near(&summary["kept_m2"], KEPT_M2, 0.1, "kept");
    assert_near(&summary["removed_m2"], REMOVED_M2, 0.1, "removed");
    assert_near(&summary["added_m2"], ADDED_M2, 0.1, "added");
    assert_near(&summary["from_total_m2"], FROM_TOTAL_M2, 0.1, "from total");
    assert_near(&summary["to_total_m2"], TO_TOTAL_M2, 0.1, "to total");
    assert_eq!(summary["from_areas"], 1);
    assert_eq!(summary["to_areas"], 2);
    assert_eq!(summary["pairs"], 1);
    assert_eq!(summary["new"], 1);
    assert_eq!(summary["dropped"], 0);

    // Both sides' provenance, and the weaker status for the whole.
    assert_eq!(body["from"]["id"], D2011);
    assert_eq!(body["from"]["status"], "reconstructed");
    assert_eq!(body["from"]["method"], "drawn by hand for the tests");
    assert_eq!(body["to"]["id"], D2017);
    assert_eq!(body["to"]["status"], "official");
    assert_eq!(body["status"], "reconstructed");

    // Per pair, what was kept and what was removed make up the `from` area.
    let pairs = body["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1);
    for pair in pairs {
        let from_area =
            member_where(&body["from_areas"], |a| a["id"] == pair["from_id"])["area_m2"]
                .as_f64()
                .unwrap();
        let sum = pair["kept_m2"].as_f64().unwrap() + pair["removed_m2"].as_f64().unwrap();
        assert!((sum - from_area).abs() < 0.1, "{sum} ≠ {from_area}: {pair}");
    }
    let pair = &pairs[0];
    assert_eq!(
        (&pair["from_id"], &pair["to_id"]),
        (&"o11".into(), &"o17".into())
    );
    assert_near(&pair["kept_m2"], KEPT_M2, 0.1, "pair kept");
    assert_near(&pair["added_m2"], 400_000.0, 0.1, "pair added");
    assert_near(&pair["share_of_from"], 0.24, 1e-6, "share of from");
    assert_eq!(pair["sliver"], false);

    let new = &body["to_areas"][1];
    assert_eq!(new["id"], "o17-ny");
    assert_eq!(new["status"], "new");
    assert_near(&new["added_m2"], 250_000.0, 0.1, "o17-ny added");

    // The geometry of the pieces is left out of the report.
    let pieces = body["pieces"].as_array().unwrap();
    assert_eq!(pieces.len(), 4);
    assert!(pieces.iter().all(|p| p.get("geometry").is_none()));
}

#[tokio::test]
async fn comparing_a_layer_with_itself_adds_and_removes_nothing() {
    let body = report(&format!("from={D2017}&to={D2017}")).await;
    let summary = &body["summary"];
    assert_near(&summary["added_m2"], 0.0, 0.1, "added");
    assert_near(&summary["removed_m2"], 0.0, 0.1, "removed");
    assert_near(&summary["kept_m2"], TO_TOTAL_M2, 0.1, "kept");
    assert_near(&summary["kept_share_of_from"], 1.0, 1e-9, "kept share");
    assert!(
        body["pieces"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["change"] == "kept")
    );
}

#[tokio::test]
async fn the_geojson_has_one_feature_per_piece_with_its_change() {
    let answer = get_from(
        squares::state(),
        &format!("/api/compare?{PAIR}&format=geojson"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "application/geo+json");
    let collection = answer.json();
    assert_eq!(collection["type"], "FeatureCollection");
    let pieces = report(PAIR).await["pieces"].clone();
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), pieces.as_array().unwrap().len());
    let mut by_change: HashMap<&str, f64> = HashMap::new();
    for (feature, piece) in features.iter().zip(pieces.as_array().unwrap()) {
        let properties = &feature["properties"];
        assert_eq!(properties["change"], piece["change"]);
        assert_eq!(feature["geometry"]["type"], "MultiPolygon");
        *by_change
            .entry(properties["change"].as_str().unwrap())
            .or_default() += properties["area_m2"].as_f64().unwrap();
    }
    assert!((by_change["kept"] - KEPT_M2).abs() < 0.1, "{by_change:?}");
    assert!(
        (by_change["removed"] - REMOVED_M2).abs() < 0.1,
        "{by_change:?}"
    );
    assert!((by_change["added"] - ADDED_M2).abs() < 0.1, "{by_change:?}");
    let added: Vec<&Value> = features
        .iter()
        .filter(|f| f["properties"]["change"] == "added")
        .collect();
    assert!(added.iter().all(|f| f["properties"]["from_id"].is_null()));
    let header = &collection["comparison"];
    assert_eq!(header["status"], "reconstructed");
    assert_eq!(header["from"]["status"], "reconstructed");
    assert_eq!(header["to"]["status"], "official");
    assert_near(&header["summary"]["kept_m2"], KEPT_M2, 0.1, "summary");
}

#[tokio::test]
async fn the_csv_rows_parse_and_kept_plus_removed_is_each_from_area() {
    let answer = get_from(squares::state(), &format!("/api/compare?{PAIR}&format=csv")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "text/csv; charset=utf-8");
    let header = csv_header(&answer.body);
    assert_eq!(
        header,
        [
            "change",
            "from_id",
            "from_name",
            "to_id",
            "to_name",
            "area_m2",
            "share_of_from",
            "share_of_to",
            "sliver",
            "from_layer",
            "from_status",
            "to_layer",
            "to_status"
        ]
    );
    let rows: Vec<HashMap<String, String>> = csv::Reader::from_reader(answer.body.as_slice())
        .deserialize()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    let changes: Vec<&str> = rows.iter().map(|r| r["change"].as_str()).collect();
    assert_eq!(changes, ["kept", "removed", "added", "added"]);
    for row in &rows {
        assert_eq!(row["from_layer"], D2011);
        assert_eq!(row["from_status"], "reconstructed");
        assert_eq!(row["to_layer"], D2017);
        assert_eq!(row["to_status"], "official");
    }
    let m2 = |row: &HashMap<String, String>| row["area_m2"].parse::<f64>().unwrap();
    let total =
        |change: &str| -> f64 { rows.iter().filter(|r| r["change"] == change).map(&m2).sum() };
    assert!((total("kept") - KEPT_M2).abs() < 0.1);
    assert!((total("removed") - REMOVED_M2).abs() < 0.1);
    assert!((total("added") - ADDED_M2).abs() < 0.1);
    // Per `from` area: its kept rows and its removed row add up to its area.
    let o11: f64 = rows
        .iter()
        .filter(|r| r["from_id"] == "o11" && r["change"] != "added")
        .map(&m2)
        .sum();
    assert!((o11 - FROM_TOTAL_M2).abs() < 0.1, "{o11}");
    assert_eq!(rows[0]["to_id"], "o17");
    assert_eq!(rows[0]["sliver"], "false");
    assert_eq!(rows[1]["to_id"], "");
}

#[tokio::test]
async fn a_second_request_with_the_etag_is_a_304_without_a_body() {
    let state = squares::state();
    let uri = format!("/api/compare?{PAIR}");
    let first = get_from(state.clone(), &uri).await;
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with("\"squares-1-") && etag.ends_with('"'),
        "{etag}"
    );
    assert!(first.headers.contains_key("cache-control"));
    let again = get_from(state.clone(), &uri).await;
    assert_eq!(again.headers["etag"], etag.as_str(), "the tag is stable");

    let answer = send_to(state.clone(), request(&uri, &[("if-none-match", &etag)])).await;
    assert_eq!(answer.status, StatusCode::NOT_MODIFIED);
    assert!(answer.body.is_empty());
    assert_eq!(answer.headers["etag"], etag.as_str());

    // Each format has its own tag.
    let csv = get_from(state, &format!("{uri}&format=csv")).await;
    assert_ne!(csv.headers["etag"], etag.as_str());
}

/// The path of the zoom-`z` tile of the change map holding the point `x`, `y` metres from the
/// squares' origin.
fn tile_path(from: &str, to: &str, z: u8, x: f64, y: f64) -> String {
    let point = lon_lat(x, y);
    let tile = TileCoord::containing(point.x, point.y, z);
    format!("/tiles/compare/{from}/{to}/{tile}.mvt")
}

fn text(value: Option<&MvtValue>) -> Option<&str> {
    match value {
        Some(MvtValue::String(text)) => Some(text),
        _ => None,
    }
}

#[tokio::test]
async fn the_change_map_tile_has_every_piece_with_its_change_and_both_statuses() {
    // At zoom 10 one tile holds all the squares (checked here, so the test says so if not).
    let z = 10;
    let corners = [lon_lat(0.0, 0.0), lon_lat(3500.0, 1000.0)];
    let [a, b] = corners.map(|c| TileCoord::containing(c.x, c.y, z));
    assert_eq!(a, b, "the squares straddle a zoom-{z} tile edge");
    let answer = get_from(squares::state(), &tile_path(D2011, D2017, z, 1350.0, 400.0)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/vnd.mapbox-vector-tile");
    let reader = Reader::new(answer.body.clone()).unwrap();
    let names = reader.get_layer_names().unwrap();
    let layer = names
        .iter()
        .position(|n| n.starts_with("compare-") && !n.ends_with("_labels"))
        .unwrap_or_else(|| panic!("no change layer in {names:?}"));
    let features = reader.get_features(layer).unwrap();
    let mut changes: Vec<&str> = Vec::new();
    for feature in &features {
        let properties = feature.properties.as_ref().unwrap();
        let change = text(properties.get("change")).unwrap();
        assert!(
            ["kept", "added", "removed"].contains(&change),
            "{properties:?}"
        );
        changes.push(change);
        assert_eq!(text(properties.get("from_layer")), Some(D2011));
        assert_eq!(text(properties.get("from_status")), Some("reconstructed"));
        assert_eq!(text(properties.get("to_layer")), Some(D2017));
        assert_eq!(text(properties.get("to_status")), Some("official"));
        if change != "added" {
            assert_eq!(text(properties.get("from_id")), Some("o11"));
        }
        if change != "removed" {
            assert!(text(properties.get("to_id")).is_some(), "{properties:?}");
        }
    }
    changes.sort_unstable();
    assert_eq!(changes, ["added", "added", "kept", "removed"]);

    // Tiles of the change map are cached and answered 304 like any other.
    let etag = answer.headers["etag"].to_str().unwrap().to_owned();
    let request = request(
        &tile_path(D2011, D2017, z, 1350.0, 400.0),
        &[("if-none-match", &etag)],
    );
    assert_eq!(
        send_to(squares::state(), request).await.status,
        StatusCode::NOT_MODIFIED
    );
}

#[tokio::test]
async fn the_change_map_tilejson_names_the_tile_url_and_the_change_fields() {
    let doc = squares::json(&format!("/tiles/compare/{D2011}/{D2017}.json")).await;
    let url = doc["tiles"][0].as_str().unwrap();
    assert!(
        url.ends_with(&format!(
            "/tiles/compare/{D2011}/{D2017}/{{z}}/{{x}}/{{y}}.mvt"
        )),
        "{url}"
    );
    let fields = &doc["vector_layers"][0]["fields"];
    for field in [
        "change",
        "from_id",
        "from_name",
        "to_id",
        "to_name",
        "from_layer",
        "from_status",
        "to_layer",
        "to_status",
    ] {
        assert_eq!(fields[field], "String", "{field}: {fields}");
    }
    assert_eq!(doc["vector_layers"][0]["status"], "reconstructed");
}

#[tokio::test]
async fn a_comparison_needs_from_and_to_and_a_known_format() {
    for (query, named) in [
        (format!("to={D2017}"), "from"),
        (format!("from={D2011}"), "to"),
        (String::new(), "from"),
        (format!("from=&to={D2017}"), "from"),
    ] {
        assert_refused_by(
            squares::state(),
            &format!("/api/compare?{query}"),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &[named, "missing", D2011],
        )
        .await;
    }
    assert_refused_by(
        squares::state(),
        &format!("/api/compare?{PAIR}&format=shp"),
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["format", "shp", "geojson"],
    )
    .await;
    assert_refused_by(
        squares::state(),
        &format!("/api/compare?{PAIR}&at=2020-01-01"),
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        &["at"],
    )
    .await;
}

#[tokio::test]
async fn a_comparison_with_an_unknown_layer_is_a_404_listing_the_known_ones() {
    for uri in [
        format!("/api/compare?from=nowhere&to={D2017}"),
        format!("/api/compare?from={D2011}&to=nowhere"),
        format!("/tiles/compare/nowhere/{D2017}.json"),
        format!("/tiles/compare/{D2011}/nowhere/10/0/0.mvt"),
    ] {
        assert_refused_by(
            squares::state(),
            &uri,
            StatusCode::NOT_FOUND,
            "unknown_layer",
            &["nowhere", D2011],
        )
        .await;
    }
}

#[tokio::test]
async fn a_comparison_with_a_line_layer_is_a_422_naming_it() {
    for uri in [
        format!("/api/compare?from={STREETS}&to={D2017}"),
        format!("/api/compare?from={D2011}&to={STREETS}&format=csv"),
        format!("/tiles/compare/{STREETS}/{D2017}.json"),
    ] {
        assert_refused_by(
            squares::state(),
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_an_area_layer",
            &[STREETS, "comparison"],
        )
        .await;
    }
}

#[tokio::test]
async fn a_change_map_tile_with_a_line_layer_is_a_422_naming_it() {
    assert_refused_by(
        squares::state(),
        &tile_path(STREETS, D2017, 10, 1350.0, 400.0),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_an_area_layer",
        &[STREETS, "comparison"],
    )
    .await;
}

#[tokio::test]
async fn layers_of_any_area_kind_can_be_compared() {
    // Units against a designation: nothing special about designation layers.
    let body = report(&format!("from={UNITS_A}&to={D2011}")).await;
    assert_near(
        &body["summary"]["kept_m2"],
        FROM_TOTAL_M2,
        0.1,
        "o11 is inside the units",
    );
    assert_near(&body["summary"]["removed_m2"], 1_000_000.0, 0.1, "the rest");
    assert_near(&body["summary"]["added_m2"], 0.0, 0.1, "nothing outside");
}

#[tokio::test]
async fn if_none_match_does_not_turn_a_comparison_of_unknown_layers_into_a_304() {
    // `*` matches any current representation; two unknown layers have none, so the answer
    // is the 404 an unconditional request gets (RFC 9110 §13.1.2).
    let request = request(
        &format!("/api/compare?from=nowhere&to={D2017}"),
        &[("if-none-match", "*")],
    );
    let answer = send_to(squares::state(), request).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json()["error"], "unknown_layer");
}

//! `/api/search`, `/api/reverse` and `/api/lookup?address=`, over the gazetteer of `gazetteer`.

use std::fmt::Write as _;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::gazetteer::{self, AT_MJOLNERPARKEN_2, MJOLNERPARKEN};
use crate::support::{Y2011, Y2017, assert_near, assert_refused_by, get_json_from, state, strings};

async fn search(query: &str) -> Value {
    gazetteer::json(&format!("/api/search?{query}")).await
}

fn encoded(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn ids(answer: &Value) -> Vec<&str> {
    strings(&answer["results"], "/id")
}

/// `(layer id, designated, area names)` of every designation layer in a lookup-shaped answer.
fn designations(answer: &Value) -> Vec<(String, bool, Vec<String>)> {
    answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| group["layers"].as_array().unwrap())
        .map(|entry| {
            (
                entry["layer"]["id"].as_str().unwrap().to_owned(),
                entry["designated"].as_bool().unwrap(),
                entry["areas"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["name"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn in_bispebjerg_nv_only() -> Vec<(String, bool, Vec<String>)> {
    vec![
        (Y2011.to_owned(), false, vec![]),
        (Y2017.to_owned(), true, vec!["Bispebjerg NV".to_owned()]),
    ]
}

#[tokio::test]
async fn mjolnerparken_2_is_found_from_every_typing_variant() {
    for (typed, matched) in [
        (MJOLNERPARKEN, "exact"),
        ("mjølnerparken 2", "exact"),
        ("MJØLNERPARKEN 2, 2200", "exact"),
        ("Mjolnerparken 2", "exact"),
        ("Mjoelnerparken 2 2200 København N", "exact"),
        ("Mjølnerparken 2, 3. tv, 2200 København N", "exact"),
        ("Mjølnerparken 2 st. th.", "exact"),
        ("Mjølnerprken 2", "fuzzy"),
        ("Mjolnerpakren 2, 2200", "fuzzy"),
    ] {
        let answer = search(&format!("q={}", encoded(typed))).await;
        assert_eq!(answer["query"], typed);
        let best = &answer["results"][0];
        assert_eq!(best["id"], "a-mjolnerparken-2", "{typed}: {answer}");
        assert_eq!(best["type"], "address", "{typed}");
        assert_eq!(best["text"], MJOLNERPARKEN, "{typed}");
        assert_eq!(best["match"], matched, "{typed}");
        assert_eq!(
            best["point"],
            json!([AT_MJOLNERPARKEN_2.0, AT_MJOLNERPARKEN_2.1])
        );
        assert!(best["score"].as_f64().unwrap() > 0.0);
        assert_eq!(
            best.get("distance").is_some(),
            matched == "fuzzy",
            "{typed}"
        );
        assert_eq!(
            designations(&best["areas"]),
            in_bispebjerg_nv_only(),
            "{typed}"
        );
    }
}

#[tokio::test]
async fn a_prefix_finds_the_street_and_its_addresses_while_typing() {
    let answer = search("q=Mj%C3%B8lnerp").await;
    assert_eq!(
        ids(&answer),
        ["s-mjolnerparken", "a-mjolnerparken-2", "a-mjolnerparken-4"]
    );
    for result in answer["results"].as_array().unwrap() {
        assert_eq!(result["match"], "prefix");
    }
}

#[tokio::test]
async fn each_result_carries_the_areas_lookup_gives_for_its_point() {
    let answer = search("q=Gavlhusvej%2021").await;
    let best = &answer["results"][0];
    assert_eq!(best["id"], "a-gavlhusvej-21");
    let areas = &best["areas"];
    assert!(areas.get("query").is_none());
    assert_eq!(
        designations(areas),
        [
            (Y2011.to_owned(), true, vec!["Husum/Tingbjerg".to_owned()]),
            (Y2017.to_owned(), true, vec!["Tingbjerg/Husum".to_owned()]),
        ]
    );
    assert_eq!(areas["units"][0]["areas"][0]["name"], "Brønshøj-Husum");
    assert!(
        areas["summary"]
            .as_str()
            .unwrap()
            .contains("2011 (reconstructed")
    );
    let lookup = gazetteer::json("/api/lookup?lon=12.46&lat=55.715").await;
    assert_eq!(areas["designations"], lookup["designations"]);
    assert_eq!(areas["units"], lookup["units"]);
}

#[tokio::test]
async fn types_postcode_and_limit_narrow_the_results() {
    let streets = search("q=Mj%C3%B8lnerparken&types=street").await;
    assert_eq!(ids(&streets), ["s-mjolnerparken"]);
    let places = search("q=tingbjerg&types=place,postcode").await;
    assert_eq!(ids(&places), ["p-tingbjerg"]);
    let postcodes = search("q=2700&types=postcode").await;
    assert_eq!(ids(&postcodes), ["pc-2700"]);
    let elsewhere = search("q=Mj%C3%B8lnerparken%202&postcode=2300").await;
    assert_eq!(elsewhere["results"], json!([]));
    let one = search("q=Mj%C3%B8lnerparken&limit=1").await;
    assert_eq!(ids(&one).len(), 1);
}

#[tokio::test]
async fn an_unknown_address_is_an_empty_200_not_an_error() {
    let answer = search("q=Gothersgade%201").await;
    assert_eq!(answer, json!({"query": "Gothersgade 1", "results": []}));
}

#[tokio::test]
async fn without_a_gazetteer_search_answers_empty_with_a_note() {
    let answer = get_json_from(state(), "/api/search?q=Mj%C3%B8lnerparken", StatusCode::OK).await;
    assert_eq!(answer["results"], json!([]));
    assert!(answer["note"].as_str().unwrap().contains("no gazetteer"));
}

#[tokio::test]
async fn bad_search_input_is_a_400_naming_the_parameter() {
    let long = "a".repeat(201);
    for (query, named) in [
        (String::new(), &["q", "missing"][..]),
        ("q=".to_owned(), &["q", "missing"]),
        ("q=%2C%2C%20.".to_owned(), &["q", "no letters"]),
        (format!("q={long}"), &["q", "201 characters"]),
        ("q=a&limit=0".to_owned(), &["limit", "1 to 50"]),
        ("q=a&limit=51".to_owned(), &["limit", "\"51\""]),
        ("q=a&limit=ten".to_owned(), &["limit", "\"ten\""]),
        (
            "q=a&types=house".to_owned(),
            &["types", "\"house\"", "address, street"],
        ),
        ("q=a&postcode=22".to_owned(), &["postcode", "four-digit"]),
        ("q=a&kind=street".to_owned(), &["kind", "accepted"]),
    ] {
        for state in [gazetteer::state(), state()] {
            assert_refused_by(
                state,
                &format!("/api/search?{query}"),
                StatusCode::BAD_REQUEST,
                "bad_parameter",
                named,
            )
            .await;
        }
    }
}

async fn reverse(query: &str) -> Value {
    gazetteer::json(&format!("/api/reverse?{query}")).await
}

#[tokio::test]
async fn reverse_finds_the_nearest_address_with_its_distance_and_areas() {
    let (lon, lat) = AT_MJOLNERPARKEN_2;
    let answer = reverse(&format!("lon={}&lat={lat}", lon + 0.0001)).await;
    let result = &answer["result"];
    assert_eq!(result["id"], "a-mjolnerparken-2", "{answer}");
    assert_eq!(result["type"], "address");
    assert_eq!(result["text"], MJOLNERPARKEN);
    // 0.0001° of longitude at 55.7° N is 6.27 m.
    assert_near(&result["distance_m"], 6.27, 0.05, "distance_m");
    assert_eq!(designations(&result["areas"]), in_bispebjerg_nv_only());
    assert_eq!(answer["query"]["radius_m"], 200.0);
    assert!(answer.get("note").is_none());
}

#[tokio::test]
async fn reverse_takes_a_street_or_place_when_no_address_is_within_the_radius() {
    // Tingbjerg (the place) is here; the nearest addresses are about 70 m away.
    let answer = reverse("lon=12.461&lat=55.7155&radius=30").await;
    assert_eq!(answer["result"]["id"], "p-tingbjerg", "{answer}");
    assert_eq!(answer["result"]["type"], "place");
    let wider = reverse("lon=12.461&lat=55.7155&radius=100").await;
    assert_eq!(wider["result"]["type"], "address", "{wider}");
}

#[tokio::test]
async fn reverse_with_nothing_in_the_radius_answers_null_with_a_note() {
    let answer = reverse("lon=12.40&lat=55.65&radius=2000").await;
    assert_eq!(answer["result"], json!(null));
    assert!(answer["note"].as_str().unwrap().contains("2000 m"));
    let without = get_json_from(state(), "/api/reverse?lon=12.5&lat=55.705", StatusCode::OK).await;
    assert_eq!(without["result"], json!(null));
    assert!(without["note"].as_str().unwrap().contains("gazetteer"));
}

#[tokio::test]
async fn bad_reverse_input_is_a_400_naming_the_parameter() {
    for (query, named) in [
        ("", &["lon", "missing"][..]),
        ("lon=12.5", &["lat", "missing"]),
        ("lon=200&lat=55.7", &["lon", "out of range"]),
        ("lon=12.5&lat=95", &["lat", "out of range"]),
        ("lon=12.5&lat=55.7&radius=3000", &["radius", "2000"]),
        ("lon=12.5&lat=55.7&radius=-1", &["radius"]),
        ("lon=12.5&lat=55.7&radius=far", &["radius", "\"far\""]),
        ("lon=12.5&lat=55.7&q=x", &["q", "accepted"]),
    ] {
        assert_refused_by(
            gazetteer::state(),
            &format!("/api/reverse?{query}"),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            named,
        )
        .await;
    }
}

async fn by_address(address: &str, extra: &str) -> Value {
    gazetteer::json(&format!("/api/lookup?address={}{extra}", encoded(address))).await
}

#[tokio::test]
async fn lookup_by_address_gives_the_match_its_confidence_and_the_designations() {
    let answer = by_address(MJOLNERPARKEN, "").await;
    assert_eq!(answer["address"], MJOLNERPARKEN);
    let found = &answer["match"];
    assert_eq!(found["id"], "a-mjolnerparken-2");
    assert_eq!(found["text"], MJOLNERPARKEN);
    assert_eq!(found["match"], "exact");
    assert_eq!(found["confidence"], 1.0);
    assert_eq!(found["score"], 145.0);
    assert_eq!(answer["query"]["lon"], AT_MJOLNERPARKEN_2.0);
    assert_eq!(answer["query"]["lat"], AT_MJOLNERPARKEN_2.1);
    assert_eq!(designations(&answer), in_bispebjerg_nv_only());
    assert!(
        answer["summary"]
            .as_str()
            .unwrap()
            .contains("Bispebjerg NV")
    );
}

#[tokio::test]
async fn the_confidence_drops_with_a_typo_a_wrong_postcode_or_a_missing_number() {
    for (typed, matched, confidence) in [
        ("mjolnerparken 2", "exact", 1.0),
        ("Mjølnerparken 2, 2300", "exact", 0.81),
        ("Mjølnerprken 2", "fuzzy", 0.58),
        ("Mjølnerparken 99", "exact", 0.46),
    ] {
        let answer = by_address(typed, "").await;
        assert_eq!(answer["match"]["match"], matched, "{typed}: {answer}");
        assert_eq!(
            answer["match"]["confidence"], confidence,
            "{typed}: {answer}"
        );
    }
    let street = by_address("Mjølnerparken 99", "").await;
    assert_eq!(street["match"]["type"], "street");
}

#[tokio::test]
async fn lookup_by_address_honours_at_and_layers() {
    let answer = by_address("Gavlhusvej 21", "&at=2025-01-01").await;
    assert_eq!(
        designations(&answer),
        [(Y2017.to_owned(), true, vec!["Tingbjerg/Husum".to_owned()])]
    );
    let only = by_address("Gavlhusvej 21", &format!("&layers={Y2011}")).await;
    assert_eq!(
        designations(&only),
        [(Y2011.to_owned(), true, vec!["Husum/Tingbjerg".to_owned()])]
    );
}

#[tokio::test]
async fn lookup_by_an_unknown_address_answers_no_match_with_a_note_and_no_areas() {
    let answer = by_address("Gothersgade 1, 1123 København K", "").await;
    assert_eq!(answer["match"], json!(null));
    assert!(answer["note"].as_str().unwrap().contains("no address"));
    assert!(answer.get("designations").is_none());
    let without = get_json_from(
        state(),
        "/api/lookup?address=Mj%C3%B8lnerparken%202",
        StatusCode::OK,
    )
    .await;
    assert_eq!(without["match"], json!(null));
    assert!(without["note"].as_str().unwrap().contains("gazetteer"));
}

#[tokio::test]
async fn bad_lookup_by_address_is_a_400_naming_the_parameter() {
    for (query, named) in [
        (
            "address=Ruten%206&lon=12.5&lat=55.7",
            &["address", "not both"][..],
        ),
        ("address=Ruten%206&x=724000", &["address", "x"]),
        ("address=%2C%2C", &["address", "empty"]),
        (
            &*format!("address={}", "a".repeat(201)),
            &["address", "201 characters"],
        ),
        ("address=Ruten%206&at=soon", &["at", "\"soon\""]),
        ("address=Ruten%206&layers=nope", &["layers", "nope"]),
    ] {
        assert_refused_by(
            gazetteer::state(),
            &format!("/api/lookup?{query}"),
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            named,
        )
        .await;
    }
}

//! `POST /api/lookup/batch`: CSV in, CSV out, and every limit and malformed input as JSON.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kvarter_server::{AppState, BATCH_ROUTE, ServerConfig};

use crate::gazetteer::{self, AMAGER, GAVLHUSVEJ, MJOLNERPARKEN, RUTEN};
use crate::support::{Answer, Y2011, Y2017, send_to, state};

async fn post(state: Arc<AppState>, body: impl Into<Body>) -> Answer {
    let request = Request::post(BATCH_ROUTE)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(body.into())
        .unwrap();
    send_to(state, request).await
}

/// The answer's rows (header first), read with the csv crate.
fn rows(answer: &Answer, delimiter: u8) -> Vec<Vec<String>> {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.content_type(), "text/csv; charset=utf-8");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(answer.body.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

const ADDED: [&str; 7] = [
    "matched_address",
    "match",
    "confidence",
    "lon",
    "lat",
    Y2011,
    Y2017,
];

#[tokio::test]
async fn a_batch_of_1000_rows_round_trips_with_the_designations_of_each_address() {
    // (typed, matched address, 2011 area, 2017 area)
    let cases = [
        (
            "mjolnerparken 2, 2200 København N",
            MJOLNERPARKEN,
            "",
            "Bispebjerg NV",
        ),
        (
            "Gavlhusvej 21, 1. tv",
            GAVLHUSVEJ,
            "Husum/Tingbjerg",
            "Tingbjerg/Husum",
        ),
        ("RUTEN 6", RUTEN, "Husum/Tingbjerg", "Tingbjerg/Husum"),
        ("Amager Strandvej 130, 2300 København S", AMAGER, "", ""),
        ("Gothersgade 1, 1123 København K", "", "", ""),
    ];
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["id", "address"]).unwrap();
    for i in 0..1000 {
        writer
            .write_record([format!("row-{i}"), cases[i % cases.len()].0.to_owned()])
            .unwrap();
    }
    let body = writer.into_inner().unwrap();
    let answer = post(gazetteer::state(), body).await;
    let rows = rows(&answer, b',');
    assert_eq!(rows.len(), 1001);
    let mut header = vec!["id".to_owned(), "address".to_owned()];
    header.extend(ADDED.map(str::to_owned));
    assert_eq!(rows[0], header);
    for (i, row) in rows[1..].iter().enumerate() {
        let (typed, matched, in_2011, in_2017) = cases[i % cases.len()];
        assert_eq!(row[0], format!("row-{i}"));
        assert_eq!(row[1], typed);
        assert_eq!(row[2], matched, "row {i}");
        assert_eq!(row[7], in_2011, "row {i}");
        assert_eq!(row[8], in_2017, "row {i}");
        if matched.is_empty() {
            assert!(row[3..7].iter().all(String::is_empty), "{row:?}");
        } else {
            assert_eq!(row[3], "exact");
            assert_eq!(row[4], "1");
            assert!(row[5].parse::<f64>().is_ok() && row[6].parse::<f64>().is_ok());
        }
    }
}

#[tokio::test]
async fn one_address_per_line_needs_no_header_and_no_quotes() {
    let body = format!("{MJOLNERPARKEN}\nGavlhusvej 21\n");
    let rows = rows(&post(gazetteer::state(), body).await, b',');
    assert_eq!(rows[0][..2], ["address", "matched_address"]);
    assert_eq!(rows[1][0], MJOLNERPARKEN, "the commas are kept");
    assert_eq!(rows[1][1], MJOLNERPARKEN);
    assert_eq!(rows[1][7], "Bispebjerg NV");
    assert_eq!(rows[2][1], GAVLHUSVEJ);
    assert_eq!(rows[2][6], "Husum/Tingbjerg");
}

#[tokio::test]
async fn columns_vejnavn_husnr_postnr_are_read_as_one_address() {
    let body = "vejnavn,husnr,postnr\nMjølnerparken,2,2200\nGavlhusvej,21,\nRuten,99,2700\n";
    let rows = rows(&post(gazetteer::state(), body).await, b',');
    assert_eq!(
        rows[0][..4],
        ["vejnavn", "husnr", "postnr", "matched_address"]
    );
    assert_eq!(rows[1][3], MJOLNERPARKEN);
    assert_eq!(rows[1][5], "1");
    assert_eq!(rows[1][9], "Bispebjerg NV");
    assert_eq!(rows[2][3], GAVLHUSVEJ);
    // Ruten 99 is not there, and no street entry named Ruten either: no match.
    assert_eq!(rows[3][3], "");
}

#[tokio::test]
async fn a_semicolon_separated_file_is_answered_with_semicolons() {
    let body = "\u{feff}adresse;note\nMjølnerparken 2;a\n";
    let rows = rows(&post(gazetteer::state(), body).await, b';');
    assert_eq!(rows[0][..3], ["adresse", "note", "matched_address"]);
    assert_eq!(rows[1][2], MJOLNERPARKEN);
    assert_eq!(rows[1][8], "Bispebjerg NV");
}

#[tokio::test]
async fn without_a_gazetteer_every_row_has_an_empty_match() {
    let rows = rows(&post(state(), "address\nMjølnerparken 2\n").await, b',');
    assert_eq!(rows.len(), 2);
    assert!(rows[1][1..].iter().all(String::is_empty), "{:?}", rows[1]);
}

/// Asserts `answer` is `status` with the JSON error `code` and a detail naming every `named`.
fn assert_refused(answer: &Answer, status: StatusCode, code: &str, named: &[&str]) {
    assert_eq!(answer.status, status, "{}", answer.text());
    assert_eq!(answer.content_type(), "application/json");
    let body = answer.json();
    assert_eq!(body["error"], code, "{body}");
    let detail = body["detail"].as_str().unwrap();
    for name in named {
        assert!(detail.contains(name), "{detail:?} should name {name:?}");
    }
}

#[tokio::test]
async fn a_body_over_the_byte_limit_is_a_json_413() {
    let state = gazetteer::state_with(ServerConfig {
        batch_max_bytes: 100,
        ..ServerConfig::default()
    });
    let body = format!("address\n{}", "Ruten 6\n".repeat(20));
    let answer = post(state.clone(), body).await;
    assert_refused(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        &["100 bytes"],
    );
    // The default limit (5 MiB) takes a 1 MiB body.
    let big = format!("address\n{}", "Ruten 6\n".repeat(9000));
    assert!(big.len() > 64 * 1024);
    let answer = post(gazetteer::state(), big).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn more_rows_than_the_row_limit_is_a_json_413() {
    let state = gazetteer::state_with(ServerConfig {
        batch_max_rows: 3,
        ..ServerConfig::default()
    });
    let answer = post(
        state.clone(),
        "address\nRuten 6\nRuten 6\nRuten 6\nRuten 6\n",
    )
    .await;
    assert_refused(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_rows",
        &["3 rows"],
    );
    let answer = post(state, "address\nRuten 6\nRuten 6\nRuten 6\n").await;
    assert_eq!(answer.status, StatusCode::OK, "the header does not count");
}

#[tokio::test]
async fn malformed_csv_or_wrong_columns_is_a_json_422_naming_the_line() {
    for (body, named) in [
        (&b"vejnavn,husnr\nRuten,6\n"[..], &["line 1", "postnr"][..]),
        (b"husnr,postnr,by\n6,2700,x\n", &["line 1", "vejnavn"]),
        (
            b"id,address\n1,Ruten 6\n2\n",
            &["line 3", "1 fields", "header 2"],
        ),
        (b"address\nRuten 6\nRu\xFFten\n", &["line 3", "UTF-8"]),
        (b"", &["no rows"]),
        (b"\n\n", &["no rows"]),
    ] {
        let answer = post(gazetteer::state(), body.to_vec()).await;
        assert_refused(&answer, StatusCode::UNPROCESSABLE_ENTITY, "bad_csv", named);
    }
}

#[tokio::test]
async fn get_on_the_batch_route_is_a_405_that_says_post() {
    let request = Request::get(BATCH_ROUTE).body(Body::empty()).unwrap();
    let answer = send_to(gazetteer::state(), request).await;
    assert_refused(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &["GET"],
    );
    assert_eq!(answer.headers[header::ALLOW], "POST");
}

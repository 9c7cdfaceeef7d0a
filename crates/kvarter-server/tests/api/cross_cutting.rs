//! What every route shares: JSON 404/405, gzip, CORS, request ids, the `OpenAPI` document, the
//! catalogue page, and never a panic or a plain-text error.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kvarter_server::{ADMIN_ROUTES, BATCH_ROUTE, ROUTES, ServerConfig};

use crate::squares;
use crate::support::{Answer, assert_refused, get, get_from, request, send_to, state, state_with};

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    assert_refused(
        "/api/nothing-here",
        StatusCode::NOT_FOUND,
        "not_found",
        &["/api/nothing-here", "openapi"],
    )
    .await;
    assert_refused(
        "/api/layers/",
        StatusCode::NOT_FOUND,
        "not_found",
        &["/api/layers/"],
    )
    .await;
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405_that_says_which_methods_are_allowed() {
    let answer = send_to(
        state(),
        Request::post("/api/layers").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.json()["error"], "method_not_allowed");
    assert!(answer.json()["detail"].as_str().unwrap().contains("POST"));
    let allow = answer.headers.get(header::ALLOW).unwrap().to_str().unwrap();
    assert!(allow.contains("GET"), "{allow}");
}

#[tokio::test]
async fn json_is_gzipped_when_the_client_accepts_gzip() {
    let answer = send_to(
        state(),
        request("/api/layers", &[("accept-encoding", "gzip")]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(&answer.body[..2], &[0x1f, 0x8b], "gzip magic number");
    let plain = get("/api/layers").await;
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(answer.body.len() < plain.body.len());
}

#[tokio::test]
async fn cors_allows_any_origin_by_default() {
    let request = request("/api/layers", &[("origin", "https://example.org")]);
    let answer = send_to(state(), request).await;
    assert_eq!(answer.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
}

#[tokio::test]
async fn cors_is_restricted_to_the_configured_origins() {
    let config = ServerConfig {
        cors_allowed_origins: vec!["https://kort.kk.dk".into(), "not an origin".into()],
        ..ServerConfig::default()
    };
    let state = state_with(config);
    let allowed = request("/health", &[("origin", "https://kort.kk.dk")]);
    let answer = send_to(state.clone(), allowed).await;
    assert_eq!(
        answer.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://kort.kk.dk"
    );
    let other = request("/health", &[("origin", "https://example.org")]);
    let answer = send_to(state, other).await;
    assert!(
        answer
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn a_cors_preflight_is_answered_for_get() {
    let request = Request::options("/api/lookup")
        .header(header::ORIGIN, "https://example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .unwrap();
    let answer = send_to(state(), request).await;
    assert!(answer.status.is_success(), "{}", answer.status);
    let methods = answer.headers[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap();
    assert!(
        methods.contains("GET") && !methods.contains("POST"),
        "{methods}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_the_clients() {
    let answer = get("/health").await;
    assert!(!answer.headers["x-request-id"].is_empty());
    let answer = send_to(state(), request("/nowhere", &[("x-request-id", "abc-123")])).await;
    assert_eq!(answer.headers["x-request-id"], "abc-123");
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_nothing_else() {
    let answer = get("/api/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for route in ROUTES {
        assert!(
            paths.contains_key(route),
            "{route} is not in the OpenAPI paths"
        );
        let method = if route == BATCH_ROUTE { "post" } else { "get" };
        assert!(
            paths[route].get(method).is_some(),
            "{route} has no {method}"
        );
    }
    for (method, route) in ADMIN_ROUTES {
        let operation = &paths[route][method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{method} {route} is not documented");
        assert_eq!(
            operation["security"][0]["adminToken"],
            serde_json::json!([])
        );
        assert!(operation["responses"].get("401").is_some(), "{route}");
    }
    for path in paths.keys() {
        assert!(
            ROUTES.contains(&path.as_str()) || ADMIN_ROUTES.iter().any(|(_, r)| r == path),
            "{path} is documented but not routed"
        );
    }
    for schema in [
        "Error",
        "LayerSummary",
        "LookupAnswer",
        "FeatureCollection",
        "IndicatorCatalogue",
        "IndicatorTable",
        "AreaReport",
        "Comparison",
        "ChangeCollection",
        "SearchAnswer",
        "ReverseAnswer",
        "AddressLookupAnswer",
    ] {
        assert!(
            document["components"]["schemas"].get(schema).is_some(),
            "no {schema} schema"
        );
    }
    // Every `$ref` points at something that exists.
    let text = document.to_string();
    for piece in text.split("\"$ref\":\"#/components/").skip(1) {
        let target = &piece[..piece.find('"').unwrap()];
        let (section, name) = target.split_once('/').unwrap();
        assert!(
            document["components"][section].get(name).is_some(),
            "dangling $ref {target}"
        );
    }
}

/// `route` with its layer, feature, comparison and tile parameters (XYZ and OGC) filled in from
/// the squares.
fn with_path_parameters(route: &str) -> String {
    route
        .replace("{id}", squares::UNITS_A)
        .replace("{layer}", squares::UNITS_A)
        .replace("{fid}", "vest")
        .replace("{layers}", squares::UNITS_A)
        .replace("{from}", squares::D2011)
        .replace("{to}", squares::D2017)
        .replace("{z}/{x}/{y}", "0/0/0")
        .replace("{tileMatrixSetId}", "WebMercatorQuad")
        .replace("{tileMatrix}/{tileRow}/{tileCol}", "0/0/0")
        .replace("{view}.{format}", "single.svg")
}

#[tokio::test]
async fn every_route_in_the_list_is_really_served() {
    // The squares have indicators, so every route can answer.
    let point = squares::lon_lat(500.0, 500.0);
    for route in ROUTES {
        if route == BATCH_ROUTE {
            // The one POST route: a CSV of one address.
            let request = Request::post(route)
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from("address\nMjølnerparken 2\n"))
                .unwrap();
            let answer = send_to(squares::state(), request).await;
            assert_eq!(answer.status, StatusCode::OK, "{route}: {}", answer.text());
            continue;
        }
        let uri = with_path_parameters(route)
            .replace("{file}", "app.js")
            .replace("{fontstack}", "DejaVu%20Sans")
            .replace("{range}", "0-255")
            .replace(
                "/api/compare",
                &format!("/api/compare?from={}&to={}", squares::D2011, squares::D2017),
            )
            .replace(
                "/api/lookup",
                &format!("/api/lookup?lon={}&lat={}", point.x, point.y),
            )
            .replace("/api/search", "/api/search?q=Mj%C3%B8lnerparken")
            .replace(
                "/api/static/single.svg",
                &format!(
                    "/api/static/side.svg?from={}&to={}",
                    squares::D2011,
                    squares::D2017
                ),
            )
            .replace(
                "/api/reverse",
                &format!("/api/reverse?lon={}&lat={}", point.x, point.y),
            );
        let answer = get_from(squares::state(), &uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
    }
}

#[tokio::test]
async fn every_documented_query_parameter_is_accepted_by_its_route() {
    let document = get("/api/openapi.json").await.json();
    for (path, item) in document["paths"].as_object().unwrap() {
        let parameters = item["get"]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for parameter in parameters.iter().filter(|p| p["in"] == "query") {
            let name = parameter["name"].as_str().unwrap();
            // An empty value counts as absent, but its name is still checked.
            let uri = format!("{}?{name}=", with_path_parameters(path));
            let answer = get_from(squares::state(), &uri).await;
            let body = String::from_utf8_lossy(&answer.body);
            assert!(!body.contains("unknown parameter"), "{uri}: {body}");
        }
    }
}

#[tokio::test]
async fn the_catalogue_page_is_danish_html_listing_each_layer_with_its_status() {
    // The root is the map now; the catalogue moved to /about.
    let map = get("/").await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(map.text().contains("/assets/app.js"), "/ is the map page");
    assert!(!map.text().contains("Bydele (test)"));
    let answer = get("/about").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "text/html; charset=utf-8");
    let html = answer.text();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<html lang=\"da\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    for title in [
        "Bydele (test)",
        "Districts (test)",
        "Udsatte byområder 2017",
        "Vulnerable urban areas 2011 (reconstructed)",
    ] {
        assert!(html.contains(title), "missing {title}");
    }
    // Markup in a title is escaped, not interpreted.
    assert!(html.contains("Udsatte byområder 2011 &lt;rekonstrueret&gt;"));
    assert!(!html.contains("<rekonstrueret>"));
    assert!(html.contains("rekonstrueret / reconstructed"));
    assert!(html.contains("officiel / official"));
    // The comparison of the first and the latest municipal designation, after the table.
    let table_end = html.find("</table>").unwrap();
    let comparison = html.find("<h2>Sammenligning").unwrap();
    assert!(
        table_end < comparison,
        "the comparison is not inside the table"
    );
    assert!(html[comparison..].contains("/api/compare?from="));
    assert!(
        html.contains("union of the roder"),
        "the method of a reconstructed layer is shown"
    );
    assert!(html.contains("low: overstates"), "its confidence too");
    assert!(html.contains("href=\"/api/layers/udsatte-byomraader-2011/features\""));
    assert!(html.contains("href=\"/api/layers/udsatte-byomraader-2011\""));
    assert!(html.contains("href=\"/api/openapi.json\""));
    assert!(html.contains("href=\"/api/lookup?lon="));
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("<script"),
        "no external assets"
    );
}

#[tokio::test]
async fn the_example_lookup_on_the_catalogue_page_works() {
    let html = get("/about").await.text();
    let start = html.find("/api/lookup?").unwrap();
    let end = start + html[start..].find('"').unwrap();
    let uri = html[start..end].replace("&amp;", "&");
    let answer = get(&uri).await;
    assert_eq!(answer.status, StatusCode::OK, "{uri}");
    assert_eq!(
        answer.json()["designations"][0]["layers"][0]["designated"],
        true
    );
}

#[tokio::test]
async fn odd_requests_never_cause_a_server_error_or_a_plain_text_answer() {
    for uri in [
        "/api/lookup?lon=%FF&lat=1",
        "/api/lookup?%FF=1",
        "/api/lookup?lon=1e999999&lat=1",
        "/api/lookup?lon=-0&lat=-0",
        "/api/lookup?lon=180&lat=90&at=0000-01-01",
        "/api/lookup?x=1000000&y=10000000&srid=25832",
        "/api/lookup?x=0&y=0&srid=25832",
        "/api/lookup?lon=12&lat=55&layers=a,b,c,d,e,f,g,h",
        "/api/layers/%FF",
        "/api/layers/bydele-test/features/%FF%FE",
        "/api/layers/bydele-test/features?bbox=,,,",
        "/api/layers/bydele-test/features?bbox=1e308,1e308,1e308,1e308",
        "/api/layers/bydele-test/features?properties=,,,",
        "/api/layers/bydele-test/features?precision=255",
        "/api/layers/bydele-test/features?precision=00000000000000000000000000007",
        "/api/layers/bydele-test/features?simplify=10000&precision=0",
        "/api/layers/vand-test/features?simplify=10000&precision=0",
        "/api/layers/bydele-test/features?bbox=12.48,55.72,12.48,55.72",
    ] {
        let answer = get(uri).await;
        assert!(!answer.status.is_server_error(), "{uri}: {}", answer.status);
        let content_type = answer.content_type();
        assert!(
            content_type == "application/json" || content_type == "application/geo+json",
            "{uri}: {content_type}: {}",
            answer.text()
        );
        if !answer.status.is_success() {
            assert_error_body(uri, &answer);
        }
    }
}

/// Asserts that `answer` (to `uri`) has a JSON error body: an `error` and a `detail` string.
fn assert_error_body(uri: &str, answer: &Answer) {
    let body = answer.json();
    assert!(
        body["error"].is_string() && body["detail"].is_string(),
        "{uri}: {body}"
    );
}

#[tokio::test]
async fn odd_requests_to_the_indicator_area_and_comparison_routes_never_cause_a_server_error() {
    for uri in [
        "/api/indicators?%FF=1",
        "/api/layers/enheder-a/indicators?indicators=,,,",
        "/api/layers/enheder-a/indicators?indicators=%FF",
        "/api/layers/enheder-a/indicators?indicators=population&period=%FF",
        "/api/layers/enheder-a/indicators?indicators=population&indicators=population",
        "/api/layers/gader/indicators",
        "/api/layers/enheder-a/features?indicators=population&period=",
        "/api/layers/enheder-a/features?indicators=a,b,c,d,e,f,g,h,i,j",
        "/api/layers/gader/features?indicators=population",
        "/api/areas/%FF/%FE",
        "/api/areas/enheder-a/%FF%FE",
        "/api/areas/gader/gade",
        "/api/compare?from=%FF&to=%FE",
        "/api/compare?from=enheder-a&to=enheder-a&format=",
        "/api/compare?from=gader&to=gader",
        "/tiles/compare/omraader-2011/omraader-2017/99/0/0.mvt",
        "/tiles/compare/omraader-2011/omraader-2017/0/0/0.png",
        "/tiles/compare/omraader-2011/omraader-2017",
        "/tiles/gader/0/0/0.mvt?indicators=population",
    ] {
        let answer = get_from(squares::state(), uri).await;
        assert!(!answer.status.is_server_error(), "{uri}: {}", answer.status);
        if answer.status.is_success() {
            continue;
        }
        assert_eq!(answer.content_type(), "application/json", "{uri}");
        assert_error_body(uri, &answer);
    }
}

#[tokio::test]
async fn a_tile_path_that_is_not_utf8_is_a_json_400_not_axums_plain_text() {
    for uri in [
        "/tiles/%FF/0/0/0.mvt",
        "/tiles/%FF.json",
        "/tiles/compare/%FF/omraader-2017/0/0/0.mvt",
        "/tiles/compare/omraader-2011/%FE.json",
    ] {
        let answer = get_from(squares::state(), uri).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(
            answer.content_type(),
            "application/json",
            "{uri}: {}",
            answer.text()
        );
        assert_eq!(answer.json()["error"], "bad_parameter", "{uri}");
    }
}

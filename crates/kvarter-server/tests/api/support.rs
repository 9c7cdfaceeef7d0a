//! The test dataset and request helpers.
//!
//! The dataset, all in lon/lat around Husum and Bispebjerg (the shapes are made up):
//! - `bydele-test` (admin units): two neighbouring squares, Brønshøj-Husum (12.44–12.48 E) and
//!   Bispebjerg (12.48–12.52 E), both 55.70–55.72 N; they share the edge at 12.48 E.
//! - `udsatte-byomraader-2011` (reconstructed, in force 2011-01-01 – 2017-06-22): Husum/Tingbjerg,
//!   12.44–12.47 E × 55.705–55.72 N.
//! - `udsatte-byomraader-2017` (official, in force 2017-06-22 – 2025-07-01): Tingbjerg/Husum,
//!   12.45–12.47 E × 55.71–55.72 N, and Bispebjerg NV, 12.49–12.51 E × 55.70–55.71 N (whose
//!   source properties include a `status`, which clashes with the layer's).
//! - `vand-test` (base map): a round lake of 360 vertices around (12.50, 55.715) and a zig-zag
//!   street of 200 vertices.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use http_body_util::BodyExt;
use kvarter_core::{
    Area, Dataset, Date, Layer, LayerKind, LayerMeta, Properties, Source, Status, Title,
};
use kvarter_server::{AppState, ServerConfig, app};
use kvarter_service::Service;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Inside Brønshøj-Husum, Husum/Tingbjerg (2011) and Tingbjerg/Husum (2017).
pub const IN_BOTH_YEARS: (f64, f64) = (12.46, 55.715);
/// Inside Brønshøj-Husum and Husum/Tingbjerg (2011) only.
pub const IN_2011_ONLY: (f64, f64) = (12.455, 55.707);
/// Inside Bispebjerg and Bispebjerg NV (2017) only.
pub const IN_2017_ONLY: (f64, f64) = (12.50, 55.705);
/// On the edge Brønshøj-Husum and Bispebjerg share.
pub const ON_SHARED_EDGE: (f64, f64) = (12.48, 55.71);
/// In the lake of the base map, in Bispebjerg, in no designation.
pub const IN_THE_LAKE: (f64, f64) = (12.50, 55.715);
/// Far from every area (south of Amager).
pub const OUTSIDE: (f64, f64) = (12.60, 55.60);

pub const UNITS: &str = "bydele-test";
pub const Y2011: &str = "udsatte-byomraader-2011";
pub const Y2017: &str = "udsatte-byomraader-2017";
pub const BASE: &str = "vand-test";

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    let mut coords: Vec<Coord<f64>> = points.iter().map(|&(x, y)| Coord { x, y }).collect();
    if let Some(&first) = coords.first() {
        coords.push(first);
    }
    LineString::new(coords)
}

fn rectangle(west: f64, south: f64, east: f64, north: f64) -> MultiPolygon<f64> {
    let exterior = ring(&[(west, south), (east, south), (east, north), (west, north)]);
    MultiPolygon::new(vec![Polygon::new(exterior, vec![])])
}

fn area(
    id: &str,
    name: &str,
    parent: Option<&str>,
    shape: MultiPolygon<f64>,
    properties: Value,
) -> Area {
    let Value::Object(properties) = properties else {
        panic!("properties must be an object");
    };
    Area {
        id: id.into(),
        name: Some(name.into()),
        parent: parent.map(Into::into),
        area_m2: Some(kvarter_crs::area_m2(&shape).unwrap()),
        properties,
        geometry: Geometry::MultiPolygon(shape),
    }
}

fn meta(id: &str, da: &str, en: &str, kind: LayerKind, status: Status) -> LayerMeta {
    LayerMeta {
        id: id.parse().unwrap(),
        title: Title {
            da: da.into(),
            en: en.into(),
        },
        kind,
        authority: "Københavns Kommune".into(),
        policy: None,
        valid_from: None,
        valid_to: None,
        validity_note: None,
        status,
        source: Source {
            publisher: "Københavns Kommune".into(),
            origin: "test".into(),
            files: vec!["test.geojson".into()],
            vintage: "test 2025".into(),
        },
        licence: "CC BY 4.0".into(),
        method: None,
        confidence: None,
    }
}

/// The test dataset described in the module docs.
pub fn dataset() -> Dataset {
    Dataset {
        version: "test-1".into(),
        layers: vec![
            units(),
            designations_2011(),
            designations_2017(),
            base_map(),
        ],
    }
}

fn units() -> Layer {
    Layer {
        meta: meta(
            UNITS,
            "Bydele (test)",
            "Districts (test)",
            LayerKind::AdminUnit,
            Status::Official,
        ),
        areas: vec![
            area(
                "brh",
                "Brønshøj-Husum",
                None,
                rectangle(12.44, 55.70, 12.48, 55.72),
                json!({"bydel_nr": 8}),
            ),
            area(
                "bsp",
                "Bispebjerg",
                None,
                rectangle(12.48, 55.70, 12.52, 55.72),
                json!({"bydel_nr": 9}),
            ),
        ],
    }
}

fn designations_2011() -> Layer {
    let mut meta_2011 = meta(
        Y2011,
        "Udsatte byområder 2011 <rekonstrueret>",
        "Vulnerable urban areas 2011 (reconstructed)",
        LayerKind::MunicipalDesignation,
        Status::Reconstructed,
    );
    meta_2011.policy = Some("Politik for udsatte byområder 2011".into());
    meta_2011.valid_from = Some(day("2011-01-01"));
    meta_2011.valid_to = Some(day("2017-06-22"));
    meta_2011.validity_note = Some("start day approximate".into());
    meta_2011.method = Some("union of the roder in the kvarterer the 2011 text names".into());
    meta_2011.confidence = Some("low: overstates the real areas".into());
    Layer {
        meta: meta_2011,
        areas: vec![area(
            "husum-tingbjerg",
            "Husum/Tingbjerg",
            None,
            rectangle(12.44, 55.705, 12.47, 55.72),
            json!({"kvarterer": "Husum, Tingbjerg"}),
        )],
    }
}

fn designations_2017() -> Layer {
    let mut meta_2017 = meta(
        Y2017,
        "Udsatte byområder 2017",
        "Vulnerable urban areas 2017",
        LayerKind::MunicipalDesignation,
        Status::Official,
    );
    meta_2017.policy = Some("Politik for udsatte byområder 2017".into());
    meta_2017.valid_from = Some(day("2017-06-22"));
    meta_2017.valid_to = Some(day("2025-07-01"));
    Layer {
        meta: meta_2017,
        areas: vec![
            area(
                "tingbjerg-husum",
                "Tingbjerg/Husum",
                Some("Tingbjerg/Husum"),
                rectangle(12.45, 55.71, 12.47, 55.72),
                json!({"delomraade": "Tingbjerg"}),
            ),
            area(
                "bispebjerg-nv",
                "Bispebjerg NV",
                Some("Bispebjerg/Nordvest"),
                rectangle(12.49, 55.70, 12.51, 55.71),
                json!({"delomraade": "NV", "status": "aktiv"}),
            ),
        ],
    }
}

fn base_map() -> Layer {
    let lake_ring: Vec<(f64, f64)> = (0..360)
        .map(|i| {
            let angle = f64::from(i).to_radians();
            (12.50 + 0.003 * angle.cos(), 55.715 + 0.002 * angle.sin())
        })
        .collect();
    let street: Vec<Coord<f64>> = (0..200)
        .map(|i| Coord {
            x: 12.44 + f64::from(i) * 0.0004,
            y: 55.719 + if i % 2 == 0 { 0.0 } else { 0.000_01 },
        })
        .collect();
    Layer {
        meta: meta(
            BASE,
            "Vand og gader (test)",
            "Water and streets (test)",
            LayerKind::BaseMap,
            Status::Synthetic,
        ),
        areas: vec![
            Area {
                id: "soe".into(),
                name: Some("Søen".into()),
                parent: None,
                area_m2: None,
                properties: Properties::new(),
                geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![Polygon::new(
                    ring(&lake_ring),
                    vec![],
                )])),
            },
            Area {
                id: "gade".into(),
                name: Some("Gaden".into()),
                parent: None,
                area_m2: None,
                properties: Properties::new(),
                geometry: Geometry::MultiLineString(MultiLineString::new(vec![LineString::new(
                    street,
                )])),
            },
        ],
    }
}

/// The shared state over the test dataset, with `config`.
pub fn state_with(config: ServerConfig) -> Arc<AppState> {
    Arc::new(AppState::new(
        Service::new(dataset(), config.service()),
        config,
    ))
}

/// The shared state over the test dataset, with the default config.
pub fn state() -> Arc<AppState> {
    state_with(ServerConfig::default())
}

/// An answer: status, headers and body bytes.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The `content-type` header.
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// Sends `request` through `app(state)`.
pub async fn send_to(state: Arc<AppState>, request: Request<Body>) -> Answer {
    let response = app(state).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// `GET uri` on the default state.
pub async fn get(uri: &str) -> Answer {
    get_from(state(), uri).await
}

/// `GET uri` on `state`.
pub async fn get_from(state: Arc<AppState>, uri: &str) -> Answer {
    send_to(state, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// `GET uri` on the default state, expecting `status` and a JSON body.
pub async fn get_json(uri: &str, status: StatusCode) -> Value {
    get_json_from(state(), uri, status).await
}

/// `GET uri` on `state`, expecting `status` and a JSON body.
pub async fn get_json_from(state: Arc<AppState>, uri: &str, status: StatusCode) -> Value {
    let answer = get_from(state, uri).await;
    assert_eq!(
        answer.status,
        status,
        "{uri}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

/// Asserts that `uri` is refused with `status`, the JSON error `code` and a detail containing
/// every one of `named`.
pub async fn assert_refused(uri: &str, status: StatusCode, code: &str, named: &[&str]) {
    assert_refused_by(state(), uri, status, code, named).await;
}

/// Asserts that `state` refuses `uri` with `status`, the JSON error `code` and a detail
/// containing every one of `named`.
pub async fn assert_refused_by(
    state: Arc<AppState>,
    uri: &str,
    status: StatusCode,
    code: &str,
    named: &[&str],
) {
    let body = get_json_from(state, uri, status).await;
    assert_eq!(body["error"], code, "{uri}: {body}");
    let detail = body["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri}: no detail in {body}"));
    for name in named {
        assert!(
            detail.contains(name),
            "{uri}: detail {detail:?} should name {name:?}"
        );
    }
    let members: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(members, ["detail", "error"], "{uri}: {body}");
}

/// Every coordinate of a `GeoJSON` geometry, flattened.
pub fn coordinates(geometry: &Value) -> Vec<f64> {
    fn walk(value: &Value, out: &mut Vec<f64>) {
        match value {
            Value::Number(n) => out.push(n.as_f64().unwrap()),
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&geometry["coordinates"], &mut out);
    out
}

/// Asserts that `actual` is a number within `tolerance` of `expected`; `what` names it.
pub fn assert_near(actual: &Value, expected: f64, tolerance: f64, what: &str) {
    let number = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert!(
        (number - expected).abs() <= tolerance,
        "{what}: {number} is not {expected} ± {tolerance}"
    );
}

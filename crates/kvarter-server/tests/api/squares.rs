//! A second test dataset, with indicators, whose every overlap is known to the square metre.
//!
//! The areas are squares and rectangles drawn in EPSG:25832 metres, relative to
//! ([`X0`], [`Y0`]) near Valby, and converted corner by corner to lon/lat; the server overlays
//! them in EPSG:25832 again, so its areas match the ones written here. All made up:
//! - `enheder-a` (admin units, official): `vest` 0–1000 × 0–1000 m and `oest` 1000–2000 ×
//!   0–1000 m. The synthetic table has their population (100 and 300 in 2019, 110 and 330 in
//!   2020) and mean income (200 and 400, 2019 only).
//! - `enheder-b` (admin units, official): `b-vest` 0–1500 × 0–1000 m and `b-oest` 1500–2000 ×
//!   0–1000 m: all of `vest` and half of `oest`, and the other half of `oest`.
//! - `omraader-2011` (designation, reconstructed): `o11` 500–1500 × 0–1000 m, half of each
//!   unit of `enheder-a`.
//! - `omraader-2017` (designation, official, in force from 2017-06-22): `o17` 1200–2000 ×
//!   0–800 m, inside `oest`, and `o17-ny` 3000–3500 × 0–500 m, outside every unit.
//! - `gader` (base map): one street, a line.
//!
//! The catalogue has `population` (extensive), `income_mean` (intensive, weighted by area) and
//! `turnout` (no data offline), from one synthetic dataset on `enheder-a`.

use std::sync::Arc;

use axum::http::StatusCode;
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use kvarter_core::{Area, Dataset, Layer, LayerKind, LayerMeta, Properties, Status};
use kvarter_indicators::{Catalogue, Indicators, Joins};
use kvarter_server::{AppState, ServerConfig};
use kvarter_service::Service;
use serde_json::Value;

use crate::support::get_json_from;

pub const UNITS_A: &str = "enheder-a";
pub const UNITS_B: &str = "enheder-b";
pub const D2011: &str = "omraader-2011";
pub const D2017: &str = "omraader-2017";
pub const STREETS: &str = "gader";

/// The south-west corner every shape is drawn from, EPSG:25832 metres.
pub const X0: f64 = 720_000.0;
pub const Y0: f64 = 6_175_000.0;

/// area(o11 ∩ o17) = 300 m × 800 m.
pub const KEPT_M2: f64 = 240_000.0;
/// area(o11 − o17) = 1 000 000 − 240 000.
pub const REMOVED_M2: f64 = 760_000.0;
/// area(o17 − o11) + area(o17-ny) = 400 000 + 250 000.
pub const ADDED_M2: f64 = 650_000.0;
/// area(o11).
pub const FROM_TOTAL_M2: f64 = 1_000_000.0;
/// area(o17) + area(o17-ny) = 640 000 + 250 000.
pub const TO_TOTAL_M2: f64 = 890_000.0;

/// The catalogue, in the format of `indicators/catalogue.toml`.
pub const CATALOGUE: &str = r#"
format = "kvarter-indicators/1"

[[policy]]
id = "test-politik"
title = { da = "Testpolitik", en = "Test policy" }
document = "seeds/test.txt"

[[dataset]]
id = "test-statistik"
title = { da = "Statistik (test)", en = "Statistics (test)" }
publisher = "Kvarter tests"
origin = "written by hand"
files = []
vintage = "2019-2020"
licence = "CC0 (generated)"
status = "synthetic"
geography = "enheder-a"
table = "test-statistik.csv"
caveat = "Made up; describes no real place."

[[indicator]]
id = "population"
title = { da = "Befolkning", en = "Population" }
unit = { da = "personer", en = "persons" }
measure = "extensive"
direction = "neutral"
definition = { da = "Antal indbyggere", en = "Number of residents" }
policies = []
datasets = ["test-statistik"]

[[indicator]]
id = "income_mean"
title = { da = "Gennemsnitlig indkomst", en = "Mean income" }
unit = { da = "kr.", en = "DKK" }
measure = "intensive"
direction = "higher_is_better"
definition = { da = "Gennemsnitlig disponibel indkomst", en = "Mean disposable income" }
policies = ["test-politik"]
datasets = ["test-statistik"]

[[indicator]]
id = "turnout"
title = { da = "Valgdeltagelse", en = "Turnout" }
unit = { da = "pct.", en = "%" }
measure = "intensive"
direction = "higher_is_better"
definition = { da = "Andel der stemte", en = "Share who voted" }
policies = ["test-politik"]
datasets = []
no_data = { da = "Ikke tilgængelig offline", en = "Not available offline" }

[[fact]]
id = "test-fakta"
policy = "test-politik"
indicator = "income_mean"
subject = { da = "Udsatte byområder", en = "Vulnerable urban areas" }
value = 250.0
unit = { da = "kr.", en = "DKK" }
period = "2019"
quote = "250 kr."
"#;

/// The dataset's table, `indicator,unit,period,value`.
pub const TABLE: &str = "indicator,unit,period,value
population,vest,2019,100
population,oest,2019,300
population,vest,2020,110
population,oest,2020,330
income_mean,vest,2019,200
income_mean,oest,2019,400
";

/// The rectangle `west..east × south..north` in metres from ([`X0`], [`Y0`]), in lon/lat.
fn rectangle(west: f64, south: f64, east: f64, north: f64) -> MultiPolygon<f64> {
    let corners = [(west, south), (east, south), (east, north), (west, north)];
    let mut ring: Vec<Coord<f64>> = corners.iter().map(|&(x, y)| lon_lat(x, y)).collect();
    ring.push(ring[0]);
    MultiPolygon::new(vec![Polygon::new(LineString::new(ring), vec![])])
}

/// The point `x`, `y` metres from ([`X0`], [`Y0`]), in lon/lat.
pub fn lon_lat(x: f64, y: f64) -> Coord<f64> {
    let (lon, lat) = kvarter_crs::utm32_to_wgs84(X0 + x, Y0 + y).unwrap();
    Coord { x: lon, y: lat }
}

fn area(id: &str, name: &str, shape: MultiPolygon<f64>) -> Area {
    Area {
        id: id.into(),
        name: Some(name.into()),
        parent: None,
        area_m2: Some(kvarter_crs::area_m2(&shape).unwrap()),
        properties: Properties::new(),
        geometry: Geometry::MultiPolygon(shape),
    }
}

fn layer(id: &str, kind: LayerKind, status: Status, areas: Vec<Area>) -> Layer {
    let mut meta = LayerMeta::synthetic(id.parse().unwrap(), kind);
    meta.status = status;
    Layer { meta, areas }
}

/// The dataset described in the module docs.
pub fn dataset() -> Dataset {
    let mut d2011 = layer(
        D2011,
        LayerKind::MunicipalDesignation,
        Status::Reconstructed,
        vec![area(
            "o11",
            "Område 2011",
            rectangle(500.0, 0.0, 1500.0, 1000.0),
        )],
    );
    d2011.meta.valid_from = Some("2011-01-01".parse().unwrap());
    d2011.meta.valid_to = Some("2017-06-22".parse().unwrap());
    d2011.meta.method = Some("drawn by hand for the tests".into());
    let mut d2017 = layer(
        D2017,
        LayerKind::MunicipalDesignation,
        Status::Official,
        vec![
            area("o17", "Område 2017", rectangle(1200.0, 0.0, 2000.0, 800.0)),
            area(
                "o17-ny",
                "Nyt område",
                rectangle(3000.0, 0.0, 3500.0, 500.0),
            ),
        ],
    );
    d2017.meta.valid_from = Some("2017-06-22".parse().unwrap());
    let street = LineString::new(vec![lon_lat(0.0, 500.0), lon_lat(2000.0, 500.0)]);
    Dataset {
        version: "squares-1".into(),
        layers: vec![
            layer(
                UNITS_A,
                LayerKind::AdminUnit,
                Status::Official,
                vec![
                    area("vest", "Vest", rectangle(0.0, 0.0, 1000.0, 1000.0)),
                    area("oest", "Øst", rectangle(1000.0, 0.0, 2000.0, 1000.0)),
                ],
            ),
            layer(
                UNITS_B,
                LayerKind::AdminUnit,
                Status::Official,
                vec![
                    area("b-vest", "B Vest", rectangle(0.0, 0.0, 1500.0, 1000.0)),
                    area("b-oest", "B Øst", rectangle(1500.0, 0.0, 2000.0, 1000.0)),
                ],
            ),
            d2011,
            d2017,
            layer(
                STREETS,
                LayerKind::BaseMap,
                Status::Synthetic,
                vec![Area {
                    id: "gade".into(),
                    name: Some("Gaden".into()),
                    parent: None,
                    area_m2: None,
                    properties: Properties::new(),
                    geometry: Geometry::MultiLineString(MultiLineString::new(vec![street])),
                }],
            ),
        ],
    }
}

/// The catalogue and table loaded and joined onto `layers`, as the binary does at start-up.
pub fn joins(layers: &[Layer]) -> Joins {
    let catalogue = Catalogue::parse(CATALOGUE, "squares catalogue").unwrap();
    let tables = [("test-statistik".to_owned(), TABLE.as_bytes().to_vec())];
    let indicators = Indicators::load(&catalogue, &tables, layers).unwrap();
    Joins::new(indicators, layers.to_vec()).unwrap()
}

/// The shared state over the squares, with their indicators.
pub fn state() -> Arc<AppState> {
    let dataset = dataset();
    let joins = joins(&dataset.layers);
    let config = ServerConfig::default();
    let service = Service::build(dataset, Some(joins), None, config.service());
    Arc::new(AppState::new(service, config))
}

/// `GET uri` on the squares' [`state`], expecting 200 and a JSON body.
pub async fn json(uri: &str) -> Value {
    get_json_from(state(), uri, StatusCode::OK).await
}

/// The shared state over the squares, without indicators (as when the data folder has no
/// indicator catalogue).
pub fn state_without_indicators() -> Arc<AppState> {
    let config = ServerConfig::default();
    Arc::new(AppState::new(
        Service::new(dataset(), config.service()),
        config,
    ))
}

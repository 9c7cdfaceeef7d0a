//! Point lookup, `/api/lookup`: which designations (per year, official or reconstructed) and
//! which admin units contain a point given in lon/lat or in EPSG:25832 metres.
//!
//! The answer lists every designation layer that was asked for (and, with `at=`, was in force
//! that day) even when the point is in none of its areas, so one call answers "2011: no;
//! 2017: yes". Admin-unit layers are listed the same way, so a point in Frederiksberg visibly has
//! no Copenhagen unit.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use geo::Coord;
use kvarter_core::{Date, Layer, LayerId, LayerKind, Properties};
use kvarter_data::crs::{self, CrsError};
use kvarter_index::{Hit, LookupQuery};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery, layer_ids};
use crate::state::AppState;

const PARAMETERS: [&str; 7] = ["lon", "lat", "x", "y", "srid", "at", "layers"];

/// EPSG:4326, WGS84 lon/lat.
const WGS84: u32 = 4326;
/// EPSG:25832, ETRS89 / UTM 32N, the city's own CRS.
const UTM32: u32 = 25832;

/// A point given as `x`, `y` and `srid`, before conversion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
struct Input {
    x: f64,
    y: f64,
    srid: u32,
}

/// A checked lookup request.
#[derive(Debug, Clone, PartialEq)]
struct Request {
    /// The point in lon/lat.
    point: Coord<f64>,
    /// The point as given, when it was given as x/y.
    input: Option<Input>,
    /// Only designations in force that day.
    at: Option<Date>,
    /// Only these layers (in the dataset's order); `None`: all but base maps.
    layers: Option<Vec<LayerId>>,
}

impl Request {
    fn from_params(params: &Params, state: &AppState) -> Result<Self, ApiError> {
        let by_lon_lat = params.has("lon") || params.has("lat");
        let by_x_y = params.has("x") || params.has("y");
        let (point, input) = match (by_lon_lat, by_x_y) {
            (true, true) => {
                return Err(ApiError::bad_parameter(
                    "lon",
                    "give either lon and lat (degrees) or x, y and srid, not both",
                ));
            }
            (false, false) => {
                return Err(ApiError::bad_parameter(
                    "lon",
                    "missing: give lon and lat (EPSG:4326 degrees), or x, y and srid=25832 (metres)",
                ));
            }
            (true, false) => {
                if params.has("srid") {
                    return Err(ApiError::bad_parameter(
                        "srid",
                        "srid goes with x and y; lon and lat are always EPSG:4326 degrees",
                    ));
                }
                let lon = required(params, "lon", -180.0..=180.0, "lat")?;
                let lat = required(params, "lat", -90.0..=90.0, "lon")?;
                (Coord { x: lon, y: lat }, None)
            }
            (false, true) => {
                let input = Input {
                    x: required(params, "x", f64::MIN..=f64::MAX, "y")?,
                    y: required(params, "y", f64::MIN..=f64::MAX, "x")?,
                    srid: srid(params)?,
                };
                (to_lon_lat(input)?, Some(input))
            }
        };
        let at = params.date("at")?;
        let layers = params
            .list("layers")
            .map(|items| {
                layer_ids(
                    "layers",
                    &items,
                    &state.index.layers().iter().map(|l| &l.meta.id),
                )
            })
            .transpose()?
            .map(|ids| {
                // Dataset order, whatever order they were named in.
                state
                    .index
                    .layers()
                    .iter()
                    .map(|l| &l.meta.id)
                    .filter(|id| ids.contains(id))
                    .cloned()
                    .collect()
            });
        Ok(Self {
            point,
            input,
            at,
            layers,
        })
    }

    /// Whether the answer lists `layer`.
    fn lists(&self, layer: &Layer) -> bool {
        let asked = match &self.layers {
            Some(ids) => ids.contains(&layer.meta.id),
            None => layer.meta.kind.in_default_lookup(),
        };
        let in_force = match self.at {
            Some(day) if layer.meta.kind.is_designation() => layer.meta.in_force_on(day),
            _ => true,
        };
        asked && in_force
    }
}

/// A number that must be given, with its partner named in the message.
fn required(
    params: &Params,
    name: &'static str,
    range: std::ops::RangeInclusive<f64>,
    partner: &str,
) -> Result<f64, ApiError> {
    params.number_in(name, range)?.ok_or_else(|| {
        ApiError::bad_parameter(
            name,
            format!("missing: give {name} together with {partner}"),
        )
    })
}

fn srid(params: &Params) -> Result<u32, ApiError> {
    let text = params.get("srid").ok_or_else(|| {
        ApiError::bad_parameter(
            "srid",
            "missing: give srid=25832 (ETRS89 / UTM 32N metres) or srid=4326 (degrees) with x and y",
        )
    })?;
    match text.strip_prefix("EPSG:").unwrap_or(text).parse::<u32>() {
        Ok(code @ (WGS84 | UTM32)) => Ok(code),
        _ => Err(ApiError::bad_parameter(
            "srid",
            format!(
                "unsupported srid {}; use 25832 (ETRS89 / UTM 32N) or 4326 (WGS84)",
                quoted(text)
            ),
        )),
    }
}

/// The given x/y in lon/lat.
fn to_lon_lat(input: Input) -> Result<Coord<f64>, ApiError> {
    let Input { x, y, srid } = input;
    let (lon, lat) = if srid == UTM32 {
        crs::utm32_to_wgs84(x, y).map_err(|error| match error {
            CrsError::OutOfRange { .. } => {
                let parameter = if (0.0..=1_000_000.0).contains(&x) {
                    "y"
                } else {
                    "x"
                };
                ApiError::bad_parameter(
                    parameter,
                    format!(
                        "({x}, {y}) is outside EPSG:25832: easting x must be 0 to 1000000 and northing y 0 to 10000000 metres"
                    ),
                )
            }
            CrsError::Projection { reason, .. } => ApiError::Unconvertible { x, y, srid, reason },
        })?
    } else {
        (x, y)
    };
    if crs::is_valid_lon_lat(lon, lat) {
        Ok(Coord { x: lon, y: lat })
    } else if srid == WGS84 {
        let parameter = if (-180.0..=180.0).contains(&x) {
            "y"
        } else {
            "x"
        };
        Err(ApiError::bad_parameter(
            parameter,
            format!("({x}, {y}) is not a lon/lat: x must be -180 to 180 and y -90 to 90 degrees"),
        ))
    } else {
        Err(ApiError::Unconvertible {
            x,
            y,
            srid,
            reason: format!("the result ({lon}, {lat}) is not a lon/lat"),
        })
    }
}

/// `GET /api/lookup`: the designations and units at a point.
pub async fn lookup(
    State(state): State<Arc<AppState>>,
    query: RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(query, &PARAMETERS)?;
    let request = Request::from_params(&params, &state)?;
    let hits = state.index.lookup(
        request.point,
        &LookupQuery {
            layers: request.layers.clone(),
            at: request.at,
        },
    );
    Ok(Json(answer(&state, &request, &hits)).into_response())
}

/// One listed layer and the hits in it.
struct Listed<'a> {
    layer: &'a Layer,
    hits: Vec<&'a Hit<'a>>,
}

/// The answer, serialised straight from borrowed data: lookups are the hot path, and building
/// a `serde_json::Value` tree (and cloning each layer's summary into it) cost far more than the
/// R-tree query itself. Layer references are serialised once at start-up and copied in as raw
/// JSON.
#[derive(Serialize)]
struct Answer<'a> {
    query: Echo<'a>,
    summary: String,
    designations: Vec<YearGroup<'a>>,
    units: Vec<Entry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_map: Option<Vec<Entry<'a>>>,
}

/// The request as understood (the point always in lon/lat).
#[derive(Serialize)]
struct Echo<'a> {
    lon: f64,
    lat: f64,
    input: Option<Input>,
    at: Option<Date>,
    layers: Option<&'a [LayerId]>,
}

/// The designation layers whose period starts in one year.
#[derive(Serialize)]
struct YearGroup<'a> {
    year: Option<u16>,
    layers: Vec<Entry<'a>>,
}

/// One listed layer: its reference, whether the point is designated (designations only), and the
/// areas containing the point.
#[derive(Serialize)]
struct Entry<'a> {
    layer: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    designated: Option<bool>,
    areas: Vec<AreaHit<'a>>,
}

/// One area containing the point.
#[derive(Serialize)]
struct AreaHit<'a> {
    id: &'a str,
    name: Option<&'a str>,
    parent: Option<&'a str>,
    area_m2: Option<f64>,
    on_boundary: bool,
    properties: &'a Properties,
}

fn answer<'a>(state: &'a AppState, request: &'a Request, hits: &'a [Hit<'a>]) -> Answer<'a> {
    let listed: Vec<Listed<'a>> = state
        .index
        .layers()
        .iter()
        .filter(|layer| request.lists(layer))
        .map(|layer| Listed {
            layer,
            hits: hits
                .iter()
                .filter(|hit| std::ptr::eq(hit.layer, layer))
                .collect(),
        })
        .collect();

    // Designations grouped by the year they came into force; undated ones last.
    let mut by_year: BTreeMap<(bool, u16), Vec<&Listed<'_>>> = BTreeMap::new();
    for entry in listed.iter().filter(|e| e.layer.meta.kind.is_designation()) {
        let year = entry.layer.meta.valid_from.map(Date::year);
        by_year
            .entry((year.is_none(), year.unwrap_or(0)))
            .or_default()
            .push(entry);
    }
    let entry = |e: &Listed<'a>, designation: bool| Entry {
        layer: state.reference(e.layer),
        designated: designation.then_some(!e.hits.is_empty()),
        areas: areas(&e.hits),
    };
    let designations = by_year
        .iter()
        .map(|(&(undated, year), entries)| YearGroup {
            year: (!undated).then_some(year),
            layers: entries.iter().map(|e| entry(e, true)).collect(),
        })
        .collect();
    let plain = |kind: LayerKind| -> Vec<Entry<'a>> {
        listed
            .iter()
            .filter(|e| e.layer.meta.kind == kind)
            .map(|e| entry(e, false))
            .collect()
    };
    let base_map_named = request.layers.is_some()
        && listed
            .iter()
            .any(|e| e.layer.meta.kind == LayerKind::BaseMap);
    Answer {
        query: Echo {
            lon: request.point.x,
            lat: request.point.y,
            input: request.input,
            at: request.at,
            layers: request.layers.as_deref(),
        },
        summary: summary(request, &by_year, &listed),
        designations,
        units: plain(LayerKind::AdminUnit),
        base_map: base_map_named.then(|| plain(LayerKind::BaseMap)),
    }
}

fn areas<'a>(hits: &[&'a Hit<'a>]) -> Vec<AreaHit<'a>> {
    hits.iter()
        .map(|hit| {
            let area = hit.area;
            AreaHit {
                id: &area.id,
                name: area.name.as_deref(),
                parent: area.parent.as_deref(),
                area_m2: area.area_m2,
                on_boundary: hit.on_boundary,
                properties: &area.properties,
            }
        })
        .collect()
}

/// One sentence per designation layer and per unit layer, e.g.
/// `2011 (reconstructed, in force 2011-01-01 – 2017-06-22): Husum/Tingbjerg.` The status is
/// always named, so a reconstructed layer can never pass for an official one.
fn summary(
    request: &Request,
    by_year: &BTreeMap<(bool, u16), Vec<&Listed<'_>>>,
    listed: &[Listed<'_>],
) -> String {
    let mut sentences: Vec<String> = Vec::new();
    for (&(undated, year), entries) in by_year {
        for entry in entries {
            let meta = &entry.layer.meta;
            let label = if undated {
                meta.title.en.clone()
            } else if entries.len() > 1 {
                format!("{year} {}", meta.title.en)
            } else {
                year.to_string()
            };
            let period = match (meta.valid_from, meta.valid_to) {
                (Some(from), Some(to)) => format!(", in force {from} – {to}"),
                (Some(from), None) => format!(", in force since {from}"),
                (None, Some(to)) => format!(", in force until {to}"),
                (None, None) => String::new(),
            };
            sentences.push(format!(
                "{label} ({}{period}): {}.",
                meta.status,
                names(&entry.hits, "not designated")
            ));
        }
    }
    if by_year.is_empty() {
        match (request.at, &request.layers) {
            (Some(day), _) => {
                sentences.push(format!("No designation layer was in force on {day}."));
            }
            (None, None) => sentences.push("No designation layer is loaded.".to_owned()),
            (None, Some(_)) => {}
        }
    }
    for entry in listed
        .iter()
        .filter(|e| e.layer.meta.kind == LayerKind::AdminUnit)
    {
        sentences.push(format!(
            "{}: {}.",
            entry.layer.meta.title.en,
            names(&entry.hits, "none")
        ));
    }
    sentences.join(" ")
}

/// The names of the hit areas (`(on the boundary)` where so), or `none` when there are none.
fn names(hits: &[&Hit<'_>], none: &str) -> String {
    if hits.is_empty() {
        return none.to_owned();
    }
    hits.iter()
        .map(|hit| {
            let name = hit.area.name.as_deref().unwrap_or(&hit.area.id);
            if hit.on_boundary {
                format!("{name} (on the boundary)")
            } else {
                name.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

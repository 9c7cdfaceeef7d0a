//! Point lookup, `/api/lookup`: which designations (per year, official or reconstructed) and
//! which admin units contain a point given in lon/lat or in EPSG:25832 metres — or, with
//! `address=`, the point of the address's best match (see [`by_address`]).
//!
//! The answer lists every designation layer that was asked for (and, with `at=`, was in force
//! that day) even when the point is in none of its areas, so one call answers "2011: no;
//! 2017: yes". Admin-unit layers are listed the same way, so a point in Frederiksberg visibly has
//! no Copenhagen unit.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use geo::Coord;
use kvarter_core::{Date, Layer, LayerId, LayerKind, Properties};
use kvarter_crs::{self as crs, CrsError};
use kvarter_index::{Hit, LookupQuery};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::addresses::{Found, Matched};
use crate::error::{ApiError, quoted};
use crate::params::{Params, RawQuery, layer_ids};
use crate::state::AppState;

const PARAMETERS: [&str; 8] = ["lon", "lat", "x", "y", "srid", "at", "layers", "address"];

/// The parameters that give a point.
const POINT_PARAMETERS: [&str; 5] = ["lon", "lat", "x", "y", "srid"];

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

/// A point read from `lon`/`lat` or `x`/`y`/`srid`, the parsing every point route shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Located {
    /// The point in lon/lat.
    pub point: Coord<f64>,
    /// The point as given, when it was given as x/y.
    input: Option<Input>,
}

impl Located {
    /// Reads the point: `lon` and `lat` (degrees), or `x`, `y` and `srid`; a 400 naming the
    /// parameter for anything missing, malformed or out of range.
    pub(crate) fn from_params(params: &Params) -> Result<Self, ApiError> {
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
        Ok(Located { point, input })
    }
}

impl Request {
    fn from_params(params: &Params, state: &AppState) -> Result<Self, ApiError> {
        let Located { point, input } = Located::from_params(params)?;
        Self::at_point(params, state, point, input)
    }

    /// The request for `point`, with the `at` and `layers` of `params`.
    fn at_point(
        params: &Params,
        state: &AppState,
        point: Coord<f64>,
        input: Option<Input>,
    ) -> Result<Self, ApiError> {
        let at = params.date("at")?;
        let layers = layers_param(params, state)?;
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

/// The `layers` parameter: known ids, in the dataset's order whatever order they were named in.
fn layers_param(params: &Params, state: &AppState) -> Result<Option<Vec<LayerId>>, ApiError> {
    Ok(params
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
        }))
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
    if let Some(address) = params.get("address") {
        if let Some(point) = POINT_PARAMETERS.iter().find(|name| params.has(name)) {
            return Err(ApiError::bad_parameter(
                "address",
                format!("give either address or a point ({point} and the rest), not both"),
            ));
        }
        let at = params.date("at")?;
        let layers = layers_param(&params, &state)?;
        let answer = by_address(&state, address, at, layers, false)?;
        return Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            answer,
        )
            .into_response());
    }
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

/// The answer to a lookup by address (`/api/lookup?address=`, `kvarter lookup --address`): the
/// address as given, the best match with its confidence (see [`crate::addresses`]) or `null`
/// with a `note`, and the usual lookup answer for the match's point, optionally only
/// designations in force `at` and only `layers`; as JSON text, indented when `pretty`.
pub fn by_address(
    state: &AppState,
    address: &str,
    at: Option<Date>,
    layers: Option<Vec<LayerId>>,
    pretty: bool,
) -> Result<String, ApiError> {
    let no_match = |note: &str| {
        encode(
            &NoMatch {
                address,
                matched: (),
                note,
            },
            pretty,
        )
    };
    // The same checks with or without a gazetteer, so a bad request never passes for "no data".
    let chars = address.chars().count();
    if chars > kvarter_geocode::address::MAX_CHARS {
        return Err(ApiError::bad_parameter(
            "address",
            format!(
                "{chars} characters is too long; give one address (at most {})",
                kvarter_geocode::address::MAX_CHARS
            ),
        ));
    }
    if kvarter_geocode::normalise::match_key(address).is_empty() {
        return Err(ApiError::bad_parameter(
            "address",
            format!("{} is empty: it has no letters or digits", quoted(address)),
        ));
    }
    let Some(addresses) = state.addresses() else {
        return no_match(crate::addresses::NO_GAZETTEER);
    };
    let best = addresses
        .best_match(address)
        .map_err(|error| ApiError::bad_parameter("address", error.to_string()))?;
    let Some(best) = best else {
        return no_match(
            "no address, street, place or postcode matches; check the spelling, or search with /api/search",
        );
    };
    let request = Request {
        point: best.hit.entry.point.0,
        input: None,
        at,
        layers,
    };
    let hits = state.index.lookup(
        request.point,
        &LookupQuery {
            layers: request.layers.clone(),
            at: request.at,
        },
    );
    let answer = AddressAnswer {
        address,
        matched: AddressMatch {
            found: Found::new(best.hit.entry),
            how: Matched::new(&best.hit),
            confidence: best.confidence,
        },
        lookup: answer(state, &request, &hits),
    };
    encode(&answer, pretty)
}

/// `value` as JSON text, indented when `pretty`.
fn encode<T: Serialize>(value: &T, pretty: bool) -> Result<String, ApiError> {
    if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .map_err(|error| ApiError::internal("encoding a lookup", error))
}

/// A lookup by address without a match.
#[derive(Serialize)]
struct NoMatch<'a> {
    address: &'a str,
    /// Always `null`.
    #[serde(rename = "match")]
    matched: (),
    note: &'a str,
}

/// What [`crate::search`] and [`crate::reverse`] show as a result's `areas`: the lookup answer
/// at `point` (every layer but base maps, designations grouped by year) without its `query`.
pub(crate) fn areas_at(state: &AppState, point: Coord<f64>) -> Result<serde_json::Value, ApiError> {
    let request = Request {
        point,
        input: None,
        at: None,
        layers: None,
    };
    let hits = state.index.lookup(point, &LookupQuery::default());
    let mut value = serde_json::to_value(answer(state, &request, &hits))
        .map_err(|error| ApiError::internal("encoding a lookup", error))?;
    if let Some(object) = value.as_object_mut() {
        object.remove("query");
    }
    Ok(value)
}

/// See [`by_address`].
#[derive(Serialize)]
struct AddressAnswer<'a> {
    address: &'a str,
    #[serde(rename = "match")]
    matched: AddressMatch<'a>,
    #[serde(flatten)]
    lookup: Answer<'a>,
}

/// The best match of a lookup by address.
#[derive(Serialize)]
struct AddressMatch<'a> {
    #[serde(flatten)]
    found: Found<'a>,
    #[serde(flatten)]
    how: Matched,
    confidence: f64,
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

//! Point lookup: which designations (per year, official or reconstructed) and which admin units
//! contain a point given in lon/lat or in EPSG:25832 metres — or, by address, the point of the
//! address's best match ([`Service::lookup_address`]).
//!
//! The answer lists every designation layer that was asked for (and, with `at`, was in force
//! that day) even when the point is in none of its areas, so one answer says "2011: no;
//! 2017: yes". Admin-unit layers are listed the same way, so a point in Frederiksberg visibly has
//! no Copenhagen unit. It is one shape for every face: the API's `/api/lookup` and
//! `kvarter lookup` print the same JSON.

use std::collections::BTreeMap;

use geo::Coord;
use kvarter_core::{Date, Layer, LayerId, LayerKind, Properties, Status};
use kvarter_crs::CrsError;
use kvarter_index::{Hit, LookupQuery};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::addresses::{Found, Matched, NO_GAZETTEER, match_name};
use crate::batch::{ADDED_COLUMNS, BatchError};
use crate::error::{ServiceError, quoted};
use crate::service::Service;

/// EPSG:4326, WGS84 lon/lat.
pub const WGS84: u32 = 4326;
/// EPSG:25832, ETRS89 / UTM 32N, the city's own CRS.
pub const UTM32: u32 = 25832;

/// A point given as `x`, `y` and `srid`, before conversion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Input {
    /// First ordinate (easting, or longitude).
    pub x: f64,
    /// Second ordinate (northing, or latitude).
    pub y: f64,
    /// The EPSG code: [`WGS84`] or [`UTM32`].
    pub srid: u32,
}

/// A point, in lon/lat, and as it was given when that was x/y in a CRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    /// The point in lon/lat.
    pub point: Coord<f64>,
    /// The point as given, when it was given as x/y.
    pub input: Option<Input>,
}

impl Located {
    /// A point given in lon/lat degrees (already checked to be on the globe).
    pub fn lon_lat(lon: f64, lat: f64) -> Self {
        Self {
            point: Coord { x: lon, y: lat },
            input: None,
        }
    }

    /// A point given as x/y in EPSG:25832 metres or EPSG:4326 degrees, converted to lon/lat;
    /// [`ServiceError::Invalid`] naming `x` or `y` for a coordinate outside its CRS,
    /// [`ServiceError::Unconvertible`] when the conversion fails.
    pub fn from_input(input: Input) -> Result<Self, ServiceError> {
        Ok(Self {
            point: to_lon_lat(input)?,
            input: Some(input),
        })
    }
}

/// The given x/y in lon/lat.
fn to_lon_lat(input: Input) -> Result<Coord<f64>, ServiceError> {
    let Input { x, y, srid } = input;
    let (lon, lat) = if srid == UTM32 {
        kvarter_crs::utm32_to_wgs84(x, y).map_err(|error| match error {
            CrsError::OutOfRange { .. } => {
                let field = if (0.0..=1_000_000.0).contains(&x) {
                    "y"
                } else {
                    "x"
                };
                ServiceError::invalid(
                    field,
                    format!(
                        "({x}, {y}) is outside EPSG:25832: easting x must be 0 to 1000000 and northing y 0 to 10000000 metres"
                    ),
                )
            }
            CrsError::Projection { reason, .. } => {
                ServiceError::Unconvertible { x, y, srid, reason }
            }
        })?
    } else {
        (x, y)
    };
    if kvarter_crs::is_valid_lon_lat(lon, lat) {
        Ok(Coord { x: lon, y: lat })
    } else if srid == WGS84 {
        let field = if (-180.0..=180.0).contains(&x) {
            "y"
        } else {
            "x"
        };
        Err(ServiceError::invalid(
            field,
            format!("({x}, {y}) is not a lon/lat: x must be -180 to 180 and y -90 to 90 degrees"),
        ))
    } else {
        Err(ServiceError::Unconvertible {
            x,
            y,
            srid,
            reason: format!("the result ({lon}, {lat}) is not a lon/lat"),
        })
    }
}

/// A lookup: where, and which layers ([`LookupQuery::selects`] says which are listed).
#[derive(Debug, Clone)]
pub struct LookupRequest {
    /// The point.
    pub at: Located,
    /// Which layers, and which day.
    pub query: LookupQuery,
}

/// The answer to a lookup, serialised straight from borrowed data: lookups are the hot path, and
/// building a `serde_json::Value` tree (and cloning each layer's summary into it) cost far more
/// than the R-tree query itself. Layer references are serialised once when the service is built
/// and copied in as raw JSON.
#[derive(Debug, Serialize)]
pub struct LookupAnswer<'a> {
    /// The data version the answer comes from (one version per answer: see [`crate::Live`]),
    /// so a client can tell which data it was given across a reload; left out, with `query`,
    /// where the answer is a part of another.
    #[serde(skip_serializing_if = "Option::is_none")]
    data_version: Option<&'a str>,
    /// The request as understood; left out where the answer is a part of another (the `areas`
    /// of a search result).
    #[serde(skip_serializing_if = "Option::is_none")]
    query: Option<Echo<'a>>,
    /// One sentence per designation and unit layer.
    pub summary: String,
    designations: Vec<YearGroup<'a>>,
    units: Vec<Entry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_map: Option<Vec<Entry<'a>>>,
}

/// The request as understood (the point always in lon/lat).
#[derive(Debug, Serialize)]
pub(crate) struct Echo<'a> {
    lon: f64,
    lat: f64,
    input: Option<Input>,
    at: Option<Date>,
    layers: Option<&'a [LayerId]>,
}

impl<'a> Echo<'a> {
    /// The echo of a lookup at `at` on the day `day`, of the layers `layers` when named.
    pub(crate) fn new(at: Located, day: Option<Date>, layers: Option<&'a [LayerId]>) -> Self {
        Self {
            lon: at.point.x,
            lat: at.point.y,
            input: at.input,
            at: day,
            layers,
        }
    }
}

/// The designation layers whose period starts in one year, with the state lists that count as
/// part of a municipal layer among them (whatever year those started), and whether the point is
/// designated by any of them.
#[derive(Debug, Serialize)]
struct YearGroup<'a> {
    year: Option<u16>,
    layers: Vec<Entry<'a>>,
    /// Whether any of the group's layers has the point in an area.
    designated: bool,
    /// The layers whose areas hold the point, with those areas.
    designated_by: Vec<DesignatedBy<'a>>,
}

/// One listed layer: its reference, whether the point is designated (designations only), the
/// municipal designation a state list is part of (see [`crate::designation`]), and the areas
/// containing the point.
#[derive(Debug, Serialize)]
struct Entry<'a> {
    layer: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    part_of: Option<&'a LayerId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    designated: Option<bool>,
    areas: Vec<AreaHit<'a>>,
}

/// A layer that made a year group designated, and its areas holding the point.
#[derive(Debug, Serialize)]
struct DesignatedBy<'a> {
    layer: &'a LayerId,
    kind: LayerKind,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    part_of: Option<&'a LayerId>,
    areas: Vec<NamedArea<'a>>,
}

/// An area by id and name.
#[derive(Debug, Serialize)]
struct NamedArea<'a> {
    id: &'a str,
    name: Option<&'a str>,
}

/// A designation layer heading a year group's entry, and the listed state lists that count as
/// part of it.
struct Head<'l, 'a> {
    entry: &'l Listed<'a>,
    lists: Vec<&'l Listed<'a>>,
}

/// One area containing the point.
#[derive(Debug, Serialize)]
struct AreaHit<'a> {
    id: &'a str,
    name: Option<&'a str>,
    parent: Option<&'a str>,
    area_m2: Option<f64>,
    on_boundary: bool,
    properties: &'a Properties,
}

/// One listed layer and the hits in it.
struct Listed<'a> {
    position: usize,
    layer: &'a Layer,
    hits: Vec<Hit<'a>>,
}

/// The answer to a lookup by address.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum AddressLookup<'a> {
    /// The best match and the lookup at its point (boxed: it is ten times the size of a
    /// no-match).
    Matched(Box<AddressAnswer<'a>>),
    /// Nothing matched, or the service has no address index; `note` says which.
    NoMatch(NoMatch<'a>),
}

/// A lookup by address with a match: the address as given, the best match with its confidence
/// (see [`crate::addresses`]) and the usual lookup answer for the match's point.
#[derive(Debug, Serialize)]
pub struct AddressAnswer<'a> {
    address: &'a str,
    #[serde(rename = "match")]
    matched: AddressMatch<'a>,
    #[serde(flatten)]
    lookup: LookupAnswer<'a>,
}

/// The best match of a lookup by address.
#[derive(Debug, Serialize)]
struct AddressMatch<'a> {
    #[serde(flatten)]
    found: Found<'a>,
    #[serde(flatten)]
    how: Matched,
    confidence: f64,
}

/// A lookup by address without a match.
#[derive(Debug, Serialize)]
pub struct NoMatch<'a> {
    address: &'a str,
    /// Always `null`.
    #[serde(rename = "match")]
    matched: (),
    note: &'a str,
}

impl Service {
    /// The designations and units at a point.
    ///
    /// A municipal designation that takes state lists (see [`crate::designation`]) is answered
    /// with them, even when `layers` named only the municipal layer: the lists are part of it.
    pub fn lookup<'a>(&'a self, request: &'a LookupRequest) -> LookupAnswer<'a> {
        self.counters().lookups(1);
        let widened = self.with_state_lists(&request.query);
        let query = widened.as_ref().unwrap_or(&request.query);
        let hits = self.index().lookup(request.at.point, query);
        self.answer(
            query,
            &hits,
            Some((request.at, request.query.layers.as_deref())),
        )
    }

    /// `query` with the state lists of every municipal layer it names, when it names layers and
    /// leaves out such a list; `None` when it needs none.
    pub(crate) fn with_state_lists(&self, query: &LookupQuery) -> Option<LookupQuery> {
        let named = query.layers.as_ref()?;
        let mut wanted = named.clone();
        for id in named {
            if let Some(position) = self.index().position(id.as_str()) {
                for &list in self.state_lists().lists_of(position) {
                    let list_id = &self.layers()[list].meta.id;
                    if !wanted.contains(list_id) {
                        wanted.push(list_id.clone());
                    }
                }
            }
        }
        (wanted.len() > named.len()).then_some(LookupQuery {
            layers: Some(wanted),
            at: query.at,
        })
    }

    /// The lookup answer at `point` over every layer but base maps, without its `query`: what
    /// search and reverse results show as their `areas`.
    pub fn areas_at(&self, point: Coord<f64>) -> LookupAnswer<'_> {
        static ALL: LookupQuery = LookupQuery {
            layers: None,
            at: None,
        };
        let hits = self.index().lookup(point, &ALL);
        self.answer(&ALL, &hits, None)
    }

    /// A lookup by address: the best match with its confidence and the lookup at its point,
    /// optionally only designations in force on `query.at` and only `query.layers`; no match
    /// (with a note) when nothing matches or there is no address index. An empty or over-long
    /// address is [`ServiceError::Invalid`] (`address`) whether or not there is an index.
    pub fn lookup_address<'a>(
        &'a self,
        address: &'a str,
        query: &'a LookupQuery,
    ) -> Result<AddressLookup<'a>, ServiceError> {
        let no_match = |note: &'a str| {
            AddressLookup::NoMatch(NoMatch {
                address,
                matched: (),
                note,
            })
        };
        // The same checks with or without a gazetteer, so a bad request never passes for "no data".
        let chars = address.chars().count();
        if chars > kvarter_geocode::address::MAX_CHARS {
            return Err(ServiceError::invalid(
                "address",
                format!(
                    "{chars} characters is too long; give one address (at most {})",
                    kvarter_geocode::address::MAX_CHARS
                ),
            ));
        }
        if kvarter_geocode::normalise::match_key(address).is_empty() {
            return Err(ServiceError::invalid(
                "address",
                format!("{} is empty: it has no letters or digits", quoted(address)),
            ));
        }
        let Some(addresses) = self.addresses() else {
            return Ok(no_match(NO_GAZETTEER));
        };
        let best = addresses
            .best_match(address)
            .map_err(|error| ServiceError::invalid("address", error.to_string()))?;
        let Some(best) = best else {
            return Ok(no_match(
                "no address, street, place or postcode matches; check the spelling, or search with /api/search",
            ));
        };
        let point = best.hit.entry.point.0;
        self.counters().lookups(1);
        let widened = self.with_state_lists(query);
        let wide = widened.as_ref().unwrap_or(query);
        let hits = self.index().lookup(point, wide);
        Ok(AddressLookup::Matched(Box::new(AddressAnswer {
            address,
            matched: AddressMatch {
                found: Found::new(best.hit.entry),
                how: Matched::new(&best.hit),
                confidence: best.confidence,
            },
            lookup: self.answer(
                wide,
                &hits,
                Some((Located::lon_lat(point.x, point.y), query.layers.as_deref())),
            ),
        })))
    }

    /// Answers a batch CSV of addresses (see [`crate::batch`]) with at most `max_rows` data
    /// rows: each row gets its best match, confidence and point, and the names of the
    /// designated areas at that point in every designation layer. `progress(done, total)` is
    /// called after every row.
    pub fn lookup_batch(
        &self,
        input: &[u8],
        max_rows: usize,
        progress: impl FnMut(usize, usize),
    ) -> Result<Vec<u8>, BatchError> {
        let designations: Vec<(usize, &Layer)> = self
            .layers()
            .iter()
            .enumerate()
            .filter(|(_, layer)| layer.meta.kind.is_designation())
            .collect();
        let query = LookupQuery {
            layers: Some(
                designations
                    .iter()
                    .map(|(_, l)| l.meta.id.clone())
                    .collect(),
            ),
            at: None,
        };
        let mut columns: Vec<String> = ADDED_COLUMNS.iter().map(|&c| c.to_owned()).collect();
        columns.extend(designations.iter().map(|(_, l)| l.meta.id.to_string()));
        crate::batch::answer_csv(
            input,
            max_rows,
            &columns,
            |text| self.batch_row(text, &designations, &query),
            progress,
        )
    }

    /// The added columns of one batch row: the match, and per designation layer the names of
    /// the designated areas at its point; all empty without a match.
    fn batch_row(
        &self,
        text: &str,
        designations: &[(usize, &Layer)],
        query: &LookupQuery,
    ) -> Vec<String> {
        let empty = || vec![String::new(); ADDED_COLUMNS.len() + designations.len()];
        let Some(addresses) = self.addresses() else {
            return empty();
        };
        // A blank or over-long text has no match; it is the row's answer, not the batch's error.
        let Ok(Some(best)) = addresses.best_match(text) else {
            return empty();
        };
        let point = best.hit.entry.point;
        self.counters().lookups(1);
        let hits = self.index().lookup(point.0, query);
        let mut row = vec![
            best.hit.entry.text.clone(),
            match_name(best.hit.matched).to_owned(),
            best.confidence.to_string(),
            point.x().to_string(),
            point.y().to_string(),
        ];
        for &(position, _) in designations {
            let mut names: Vec<&str> = Vec::new();
            for hit in hits.iter().filter(|hit| hit.position() == position) {
                let name = hit.area.name.as_deref().unwrap_or(&hit.area.id);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            row.push(names.join(";"));
        }
        row
    }

    /// The listed designation layers grouped by the year they came into force (undated ones
    /// last), each with the listed state lists that count as part of it: such a list is
    /// answered with its municipal layer (once per such layer), not in a group of its own year.
    fn by_year<'l, 'a>(
        &self,
        listed: &'l [Listed<'a>],
    ) -> BTreeMap<(bool, u16), Vec<Head<'l, 'a>>> {
        let joined_to = |entry: &Listed<'_>| -> Vec<usize> {
            self.state_lists()
                .lists_of(entry.position)
                .iter()
                .filter_map(|&list| listed.iter().position(|e| e.position == list))
                .collect()
        };
        let mut joined = vec![false; listed.len()];
        let mut heads: Vec<(usize, Vec<usize>)> = Vec::new();
        for (ix, entry) in listed.iter().enumerate() {
            if entry.layer.meta.kind.is_designation() {
                let lists = joined_to(entry);
                for &list in &lists {
                    joined[list] = true;
                }
                heads.push((ix, lists));
            }
        }

        let mut by_year: BTreeMap<(bool, u16), Vec<Head<'l, 'a>>> = BTreeMap::new();
        for (ix, lists) in heads.into_iter().filter(|(ix, _)| !joined[*ix]) {
            let entry = &listed[ix];
            let year = entry.layer.meta.valid_from.map(Date::year);
            by_year
                .entry((year.is_none(), year.unwrap_or(0)))
                .or_default()
                .push(Head {
                    entry,
                    lists: lists.into_iter().map(|list| &listed[list]).collect(),
                });
        }
        by_year
    }

    /// The answer for `hits`, listing the layers `query` selects; with `echo`, the point and the
    /// layers asked for as its `query`.
    pub(crate) fn answer<'a>(
        &'a self,
        query: &LookupQuery,
        hits: &[Hit<'a>],
        echo: Option<(Located, Option<&'a [LayerId]>)>,
    ) -> LookupAnswer<'a> {
        // Hits come in layer order.
        let listed: Vec<Listed<'a>> = self
            .layers()
            .iter()
            .enumerate()
            .filter(|(_, layer)| query.selects(&layer.meta))
            .map(|(position, layer)| Listed {
                position,
                layer,
                hits: hits
                    .iter()
                    .filter(|hit| hit.position() == position)
                    .copied()
                    .collect(),
            })
            .collect();

        let by_year = self.by_year(&listed);
        let entry = |e: &Listed<'a>, designation: bool, part_of: Option<&'a LayerId>| Entry {
            layer: self.reference(e.position),
            part_of,
            designated: designation.then_some(!e.hits.is_empty()),
            areas: areas(&e.hits),
        };
        let designated_by = |e: &Listed<'a>, part_of: Option<&'a LayerId>| DesignatedBy {
            layer: &e.layer.meta.id,
            kind: e.layer.meta.kind,
            status: e.layer.meta.status,
            part_of,
            areas: e
                .hits
                .iter()
                .map(|hit| NamedArea {
                    id: &hit.area.id,
                    name: hit.area.name.as_deref(),
                })
                .collect(),
        };
        let designations = by_year
            .iter()
            .map(|(&(undated, year), heads)| {
                let members: Vec<(&Listed<'a>, Option<&'a LayerId>)> = heads
                    .iter()
                    .flat_map(|head| {
                        let id = &head.entry.layer.meta.id;
                        std::iter::once((head.entry, None))
                            .chain(head.lists.iter().map(move |&list| (list, Some(id))))
                    })
                    .collect();
                let by: Vec<DesignatedBy<'a>> = members
                    .iter()
                    .filter(|(e, _)| !e.hits.is_empty())
                    .map(|&(e, part_of)| designated_by(e, part_of))
                    .collect();
                YearGroup {
                    year: (!undated).then_some(year),
                    layers: members
                        .iter()
                        .map(|&(e, part_of)| entry(e, true, part_of))
                        .collect(),
                    designated: !by.is_empty(),
                    designated_by: by,
                }
            })
            .collect();
        let plain = |kind: LayerKind| -> Vec<Entry<'a>> {
            listed
                .iter()
                .filter(|e| e.layer.meta.kind == kind)
                .map(|e| entry(e, false, None))
                .collect()
        };
        let base_map_named = query.layers.is_some()
            && listed
                .iter()
                .any(|e| e.layer.meta.kind == LayerKind::BaseMap);
        LookupAnswer {
            data_version: echo.is_some().then(|| self.data_version()),
            query: echo.map(|(at, layers)| Echo::new(at, query.at, layers)),
            summary: summary(query, &by_year, &listed),
            designations,
            units: plain(LayerKind::AdminUnit),
            base_map: base_map_named.then(|| plain(LayerKind::BaseMap)),
        }
    }
}

fn areas<'a>(hits: &[Hit<'a>]) -> Vec<AreaHit<'a>> {
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
/// always named, so a reconstructed layer can never pass for an official one. A municipal
/// layer with state lists counting as part of it gets one sentence for the whole, naming each
/// list and its status: `2025 (synthetic, in force since 2025-07-01): designated — Estate 3
/// (state list: Prevention areas 2024, synthetic).`
fn summary(
    query: &LookupQuery,
    by_year: &BTreeMap<(bool, u16), Vec<Head<'_, '_>>>,
    listed: &[Listed<'_>],
) -> String {
    let mut sentences: Vec<String> = Vec::new();
    for (&(undated, year), heads) in by_year {
        for head in heads {
            let meta = &head.entry.layer.meta;
            let label = if undated {
                meta.title.en.clone()
            } else if heads.len() > 1 {
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
            let answer = if head.lists.is_empty() {
                names(&head.entry.hits, "not designated")
            } else {
                whole_answer(head)
            };
            sentences.push(format!("{label} ({}{period}): {answer}.", meta.status));
        }
    }
    if by_year.is_empty() {
        match (query.at, &query.layers) {
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

/// The answer for a municipal layer and its state lists: `designated — <areas>; <estates>
/// (state list: <title>, <status>)`, or `not designated (nor on the state list <title>,
/// <status>)`.
fn whole_answer(head: &Head<'_, '_>) -> String {
    let list_label = |list: &Listed<'_>| {
        format!(
            "state list: {}, {}",
            list.layer.meta.title.en, list.layer.meta.status
        )
    };
    let mut parts: Vec<String> = Vec::new();
    if !head.entry.hits.is_empty() {
        parts.push(names(&head.entry.hits, ""));
    }
    for list in head.lists.iter().filter(|list| !list.hits.is_empty()) {
        parts.push(format!("{} ({})", names(&list.hits, ""), list_label(list)));
    }
    if parts.is_empty() {
        let lists = head
            .lists
            .iter()
            .map(|list| {
                format!(
                    "the state list {}, {}",
                    list.layer.meta.title.en, list.layer.meta.status
                )
            })
            .collect::<Vec<_>>()
            .join(", nor on ");
        format!("not designated (nor on {lists})")
    } else {
        format!("designated — {}", parts.join("; "))
    }
}

/// The names of the hit areas (`(on the boundary)` where so), or `none` when there are none.
fn names(hits: &[Hit<'_>], none: &str) -> String {
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

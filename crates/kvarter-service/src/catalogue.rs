//! The layer catalogue: what each layer is, where it comes from and how far to trust it (its
//! status: official, reconstructed, …), as the API shows it — the full summary of
//! `/api/layers` and the short reference every lookup answer copies — and the properties its
//! features carry, worked out once per layer when the service is built.

use kvarter_core::{Bounds, Date, Layer, LayerId, LayerKind, Source, Status, Title};
use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

/// What names a layer and says how far to trust it: the members the full summary and the
/// short reference share. Optional metadata is written as `null` rather than left out, so every
/// layer has the same members.
#[derive(Debug, Serialize)]
struct Identity<'a> {
    id: &'a LayerId,
    title: &'a Title,
    kind: LayerKind,
    authority: &'a str,
    policy: Option<&'a str>,
    valid_from: Option<Date>,
    valid_to: Option<Date>,
    status: Status,
    licence: &'a str,
    confidence: Option<&'a str>,
    links: Links,
}

impl<'a> Identity<'a> {
    fn of(layer: &'a Layer) -> Self {
        let meta = &layer.meta;
        Identity {
            id: &meta.id,
            title: &meta.title,
            kind: meta.kind,
            authority: &meta.authority,
            policy: meta.policy.as_deref(),
            valid_from: meta.valid_from,
            valid_to: meta.valid_to,
            status: meta.status,
            licence: &meta.licence,
            confidence: meta.confidence.as_deref(),
            links: Links {
                this: format!("/api/layers/{}", meta.id),
                features: format!("/api/layers/{}/features", meta.id),
            },
        }
    }
}

#[derive(Debug, Serialize)]
struct Links {
    #[serde(rename = "self")]
    this: String,
    features: String,
}

/// Everything about a layer except its areas, as `/api/layers` shows it.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    #[serde(flatten)]
    identity: Identity<'a>,
    validity_note: Option<&'a str>,
    source: &'a Source,
    method: Option<&'a str>,
    feature_count: usize,
    bounds: Option<Bounds>,
    /// For a municipal designation of the 2025 kind: the state lists that count as part of it
    /// (see [`kvarter_core::designation`]); empty otherwise.
    state_lists: &'a [LayerId],
    /// For a state list: the municipal designations it counts as part of; empty otherwise.
    part_of: &'a [LayerId],
}

/// How a lookup answer names a layer: enough to read the answer honestly (title, kind, period,
/// status, licence, source and vintage, and for reconstructions the confidence) without the
/// long texts; `links.self` leads to the full summary with `method` and notes.
#[derive(Debug, Serialize)]
struct Reference<'a> {
    #[serde(flatten)]
    identity: Identity<'a>,
    source: ReferenceSource<'a>,
}

#[derive(Debug, Serialize)]
struct ReferenceSource<'a> {
    publisher: &'a str,
    vintage: &'a str,
}

/// A layer's summary: every metadata field, `feature_count`, `bounds` `[w,s,e,n]` (or `null`
/// for an empty layer), `links`, and which state lists count as part of it (`state_lists`) or
/// which municipal designations it counts as part of (`part_of`), as JSON text.
pub fn summary(layer: &Layer, state_lists: &[LayerId], part_of: &[LayerId]) -> Box<RawValue> {
    let meta = &layer.meta;
    raw(
        layer,
        &Summary {
            identity: Identity::of(layer),
            validity_note: meta.validity_note.as_deref(),
            source: &meta.source,
            method: meta.method.as_deref(),
            feature_count: layer.areas.len(),
            bounds: layer.bounds(),
            state_lists,
            part_of,
        },
    )
}

/// A layer's short reference, as lookups show it (see [`Reference`]), as JSON text.
pub fn reference(layer: &Layer) -> Box<RawValue> {
    let meta = &layer.meta;
    raw(
        layer,
        &Reference {
            identity: Identity::of(layer),
            source: ReferenceSource {
                publisher: &meta.source.publisher,
                vintage: &meta.source.vintage,
            },
        },
    )
}

/// Serialises a view of a layer. Plain strings, numbers and dates cannot fail to serialise;
/// should it ever happen, the text still says which layer it is and its status.
fn raw(layer: &Layer, view: &impl Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(view).unwrap_or_else(|error| {
        tracing::error!(layer = %layer.meta.id, %error, "could not serialise a layer view");
        let fallback = json!({"id": layer.meta.id, "status": layer.meta.status});
        serde_json::value::to_raw_value(&fallback)
            .unwrap_or_else(|_| unreachable!("an id and a status serialise"))
    })
}

/// Properties every feature has, before the area's own source properties.
pub const FIXED_PROPERTIES: [&str; 6] = ["id", "name", "parent", "area_m2", "layer", "status"];
/// Prefix for a source property whose name clashes with a fixed one (a source `status` becomes
/// `source:status`, so the layer's status is never overwritten).
const CLASH_PREFIX: &str = "source:";

/// The property names a layer's features can carry: the fixed ones, then the source properties
/// of its areas in name order (a clashing name gets the `source:` prefix).
pub fn property_names(layer: &Layer) -> Vec<String> {
    let mut source: Vec<String> = layer
        .areas
        .iter()
        .flat_map(|area| area.properties.keys())
        .map(|name| output_name(name))
        .collect();
    source.sort();
    source.dedup();
    FIXED_PROPERTIES
        .iter()
        .map(|&name| name.to_owned())
        .chain(source)
        .collect()
}

/// The name a source property is written under.
pub(crate) fn output_name(name: &str) -> String {
    if FIXED_PROPERTIES.contains(&name) {
        format!("{CLASH_PREFIX}{name}")
    } else {
        name.to_owned()
    }
}

/// What is worked out once for one layer when the service is built.
#[derive(Debug)]
pub struct LayerInfo {
    /// The layer's full summary (see [`summary`]), as JSON text.
    pub summary: Box<RawValue>,
    /// The layer's short reference (see [`reference`]), as JSON text: lookups copy it into
    /// every answer.
    pub reference: Box<RawValue>,
    /// The property names its features can carry (see [`property_names`]).
    pub properties: Vec<String>,
    /// Whether every area is a polygon, so that the layer can be overlaid (compared, joined,
    /// measured against designations); street layers cannot.
    pub holds_areas: bool,
}

impl LayerInfo {
    /// Works out what the service keeps about `layer`, which takes in the state lists
    /// `state_lists` and counts as part of the municipal designations `part_of` (see
    /// [`crate::designation`]).
    pub fn new(layer: &Layer, state_lists: &[LayerId], part_of: &[LayerId]) -> Self {
        Self {
            summary: summary(layer, state_lists, part_of),
            reference: reference(layer),
            properties: property_names(layer),
            holds_areas: kvarter_overlay::holds_areas(layer),
        }
    }
}

/// The answer of `/api/layers`: every layer's summary, in manifest order.
#[derive(Debug, Serialize)]
pub struct LayerList<'a> {
    /// The data version.
    pub data_version: &'a str,
    /// The summaries.
    pub layers: Vec<&'a RawValue>,
}

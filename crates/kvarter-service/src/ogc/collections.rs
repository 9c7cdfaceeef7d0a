//! What the OGC API offers as collections: every layer (by its id), and the comparison of two
//! designations (`compare-<from>--<to>`, each side a year or a layer id), whose items are the
//! comparison's pieces — kept, added and removed — with their provenance. A comparison is
//! worked out on first demand and kept per data version ([`Service::comparison`]).
//!
//! A side named by a year is read as the web map's year picker reads it
//! ([`designation_of_year`]): the designation whose policy came into force that year, else the
//! one in force on 1 January. So `compare-2011--2025` is, on the embedded data, 2011 against
//! the 2017 designation (in force on 1 January 2025), and becomes 2011 against the 2025–2035
//! designation as soon as the city's file is imported.

use std::sync::Arc;

use kvarter_core::designation::{designation_of_year, municipal_designations};
use kvarter_core::{Layer, Properties};
use serde_json::{Map, Value, json};

use crate::choropleth::Choropleth;
use crate::comparisons::Compared;
use crate::error::{ServiceError, shortened};
use crate::features::{
    FeaturePage, PageRequest, Shaping, page_of, properties, shaped_area, shaped_areas,
};
use crate::service::{LayerAt, Service};

/// The prefix of a comparison's collection id.
pub const COMPARE_PREFIX: &str = "compare-";
/// What separates the two sides in a comparison's collection id.
const SIDES: &str = "--";

/// One collection: a layer, or the pieces of a comparison.
#[derive(Debug, Clone)]
pub enum Collection<'a> {
    /// A layer of the data version.
    Layer(LayerAt<'a>),
    /// The comparison of two designations.
    Changes {
        /// The collection id it was asked for by (`compare-2011--2017`).
        id: String,
        /// The comparison.
        compared: Arc<Compared>,
    },
}

impl Collection<'_> {
    /// The collection's id.
    pub fn id(&self) -> &str {
        match self {
            Collection::Layer(at) => at.layer.meta.id.as_str(),
            Collection::Changes { id, .. } => id,
        }
    }

    /// The layer whose areas are its items: the layer, or the comparison's pieces.
    pub fn layer(&self) -> &Layer {
        match self {
            Collection::Layer(at) => at.layer,
            Collection::Changes { compared, .. } => compared.pieces(),
        }
    }

    /// Whether `indicators=` can join values onto its items (a layer can; a comparison's
    /// pieces are not units the joins know).
    pub fn takes_indicators(&self) -> bool {
        matches!(self, Collection::Layer(_))
    }
}

/// The JSON Schema type of a property value a filter can compare, if any.
fn value_type(value: &Value) -> Option<&'static str> {
    match value {
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("boolean"),
        Value::Number(number) if number.is_f64() => Some("number"),
        Value::Number(_) => Some("integer"),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The properties of `layer`'s features a filter can compare, with their JSON Schema type:
/// every property some feature has as a string, number or boolean (integer and number mixed is
/// number; any other mix is left out, since no one comparison fits it). In name order.
pub fn queryables(layer: &Layer) -> Vec<(String, &'static str)> {
    let mut types: std::collections::BTreeMap<String, Option<&'static str>> =
        std::collections::BTreeMap::new();
    for area in &layer.areas {
        let properties: Properties = properties(layer, area);
        for (name, value) in &properties {
            let Some(kind) = value_type(value) else {
                continue;
            };
            types
                .entry(name.clone())
                .and_modify(|known| {
                    *known = match (*known, kind) {
                        (Some(a), b) if a == b => Some(a),
                        (Some("integer" | "number"), "integer" | "number") => Some("number"),
                        _ => None,
                    };
                })
                .or_insert(Some(kind));
        }
    }
    types
        .into_iter()
        .filter_map(|(name, kind)| Some((name, kind?)))
        .collect()
}

impl Service {
    /// The collection `id`: a layer, or a comparison (`compare-<from>--<to>`, each side a year
    /// or an area layer's id). [`ServiceError::UnknownLayer`] names the layers when it is
    /// neither.
    pub fn ogc_collection(&self, id: &str) -> Result<Collection<'_>, ServiceError> {
        let error = match self.layer(id) {
            Ok(at) => return Ok(Collection::Layer(at)),
            Err(error) => error,
        };
        let Some(sides) = id.strip_prefix(COMPARE_PREFIX) else {
            return Err(error);
        };
        // A layer id may itself hold "--": try every split, and take the first that names two
        // designations.
        let mut last = None;
        for (split, _) in sides.match_indices(SIDES) {
            let (from, to) = (&sides[..split], &sides[split + SIDES.len()..]);
            match self
                .comparison_side(from)
                .and_then(|from| Ok((from, self.comparison_side(to)?)))
            {
                Ok((from, to)) => {
                    return Ok(Collection::Changes {
                        id: id.to_owned(),
                        compared: self.comparison(from, to)?,
                    });
                }
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or(error))
    }

    /// One side of a comparison's id: a year (its designation) or an area layer's id.
    fn comparison_side(&self, side: &str) -> Result<LayerAt<'_>, ServiceError> {
        if side.len() == 4
            && let Ok(year) = side.parse::<i32>()
        {
            let (layer, _) = designation_of_year(self.layers(), year).ok_or_else(|| {
                ServiceError::invalid(
                    "collection",
                    format!("no municipal designation was made in or in force on 1 January {year}"),
                )
            })?;
            return self.layer(layer.meta.id.as_str());
        }
        self.area_layer(side, crate::compare::PURPOSE)
    }

    /// Every collection: the layers in their order, then the comparison of each pair of
    /// municipal designations, older first, each side named by the year its policy came into
    /// force when that year names it, else by its layer id. Works out the comparisons not yet
    /// kept: CPU work, so call it off async workers.
    pub fn ogc_collections(&self) -> Vec<Collection<'_>> {
        let mut collections: Vec<Collection<'_>> = (0..self.layers().len())
            .map(|position| Collection::Layer(self.at(position)))
            .collect();
        let municipal = municipal_designations(self.layers());
        let name = |layer: &Layer| -> String {
            layer
                .meta
                .valid_from
                .map(|from| i32::from(from.year()))
                .filter(|&year| {
                    designation_of_year(self.layers(), year)
                        .is_some_and(|(named, _)| named.meta.id == layer.meta.id)
                })
                .map_or_else(|| layer.meta.id.to_string(), |year| year.to_string())
        };
        for (ix, from) in municipal.iter().enumerate() {
            for to in &municipal[ix + 1..] {
                let id = format!("{COMPARE_PREFIX}{}{SIDES}{}", name(from), name(to));
                match self.ogc_collection(&id) {
                    Ok(collection) => collections.push(collection),
                    Err(error) => tracing::warn!(%id, %error, "a comparison collection failed"),
                }
            }
        }
        collections
    }

    /// One page of `collection`'s items for a paging client: of those meeting `request` (see
    /// [`PageRequest`]), in order, shaped, with `choropleth`'s values (a layer only:
    /// [`ServiceError::Invalid`] for a comparison); and how many match in all. CPU work for a
    /// big layer: call it off async workers.
    pub fn collection_page(
        &self,
        collection: &Collection<'_>,
        request: &PageRequest<'_>,
        shaping: &Shaping,
        choropleth: Option<&Choropleth>,
    ) -> Result<FeaturePage, ServiceError> {
        match collection {
            Collection::Layer(at) => self.features_page(*at, request, shaping, choropleth),
            Collection::Changes { compared, .. } => {
                refuse_indicators(choropleth)?;
                let pieces = compared.pieces();
                let candidates = match request.bbox {
                    Some(rect) => compared.pieces_in(rect),
                    None => (0..pieces.areas.len()).collect(),
                };
                let (page, matched) = page_of(pieces, candidates, request);
                Ok(FeaturePage {
                    features: shaped_areas(pieces, &page, shaping)?,
                    matched,
                })
            }
        }
    }

    /// The item `fid` of `collection`, shaped, with `choropleth`'s values (a layer only);
    /// [`ServiceError::UnknownFeature`] when there is none.
    pub fn collection_item(
        &self,
        collection: &Collection<'_>,
        fid: &str,
        shaping: &Shaping,
        choropleth: Option<&Choropleth>,
    ) -> Result<geojson::Feature, ServiceError> {
        match collection {
            Collection::Layer(at) => self.shaped_feature(*at, fid, shaping, choropleth),
            Collection::Changes { id, compared } => {
                refuse_indicators(choropleth)?;
                shaped_area(compared.pieces(), fid, shaping).unwrap_or_else(|| {
                    Err(ServiceError::UnknownFeature {
                        layer: id.clone(),
                        id: shortened(fid),
                    })
                })
            }
        }
    }
}

/// A comparison's pieces take no indicator values.
fn refuse_indicators(choropleth: Option<&Choropleth>) -> Result<(), ServiceError> {
    match choropleth {
        Some(_) => Err(ServiceError::invalid(
            "indicators",
            "indicator values are joined onto a layer's areas, not onto a comparison's pieces; ask the layer's collection",
        )),
        None => Ok(()),
    }
}

/// The queryables of `collection` as the JSON Schema OGC API – Features Part 3 asks for.
pub fn queryables_document(collection: &Collection<'_>, url: &str) -> Value {
    let mut properties = Map::new();
    for (name, kind) in queryables(collection.layer()) {
        properties.insert(name.clone(), json!({"title": name, "type": kind}));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": collection.layer().meta.title.da,
        "description": "The properties items can be filtered on with ?name=value (equal as text, as a number or as true/false).",
        "properties": properties,
        "additionalProperties": false,
        "links": [
            {"href": url, "rel": "self", "type": super::SCHEMA_JSON, "title": "This document"},
            {"href": super::with_f(url, "html"), "rel": "alternate", "type": super::HTML, "title": "This document as a page"},
        ],
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn a_property_mixing_integers_and_numbers_is_a_number_and_other_mixes_are_left_out() {
        let mut meta = kvarter_core::LayerMeta::synthetic(
            "test".parse().unwrap(),
            kvarter_core::LayerKind::AdminUnit,
        );
        meta.valid_from = None;
        let area = |id: &str, extra: Value| kvarter_core::Area {
            id: id.into(),
            name: None,
            parent: None,
            area_m2: None,
            properties: match extra {
                Value::Object(extra) => extra.into_iter().collect(),
                _ => Properties::new(),
            },
            geometry: geo::Geometry::Point(geo::Point::new(12.5, 55.7)),
        };
        let layer = Layer {
            meta,
            areas: vec![
                area("a", json!({"share": 1, "code": "x", "mixed": 1})),
                area("b", json!({"share": 0.5, "code": "y", "mixed": "z"})),
            ],
        };
        let found = queryables(&layer);
        let kind = |name: &str| found.iter().find(|(n, _)| n == name).map(|(_, k)| *k);
        assert_eq!(kind("share"), Some("number"));
        assert_eq!(kind("code"), Some("string"));
        assert_eq!(kind("mixed"), None);
        assert_eq!(kind("id"), Some("string"));
    }
}

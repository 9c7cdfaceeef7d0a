//! Layers: a named, versioned set of areas with the metadata that says what it is and where it
//! came from.

use std::fmt;
use std::str::FromStr;

use geo::{BoundingRect, Rect};
use serde::{Deserialize, Serialize};

use crate::{Area, Date};

/// A layer's identifier: lower-case ASCII letters, digits and `-`, 1–64 characters
/// (`udsatte-byomraader-2017`, `roder-2023`). Safe to put in a URL path and a file name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LayerId(String);

/// Why a text is not a layer id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a layer id: use 1-64 lower-case letters a-z, digits and '-', starting with a letter"
)]
pub struct LayerIdError(pub String);

impl LayerId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LayerId {
    type Err = LayerIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let ok = (1..=64).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(LayerIdError(text.to_owned()))
        }
    }
}

impl TryFrom<String> for LayerId {
    type Error = LayerIdError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<LayerId> for String {
    fn from(id: LayerId) -> Self {
        id.0
    }
}

impl fmt::Display for LayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// What kind of thing a layer is. Lookups answer designations and admin units; base-map layers
/// are context for the map and are kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// An area designated by the municipality (udsatte byområder).
    MunicipalDesignation,
    /// An estate listed by the state (ghettolisten, forebyggelsesområder).
    StateDesignation,
    /// An administrative or statistical unit (kommune, bydel, lokaludvalg, kvarter, rode).
    AdminUnit,
    /// Context for the map: water, parks, streets, city blocks.
    BaseMap,
}

impl LayerKind {
    /// Whether the layer is a designation (municipal or state).
    pub fn is_designation(self) -> bool {
        matches!(self, Self::MunicipalDesignation | Self::StateDesignation)
    }

    /// Whether point lookups include the layer unless asked otherwise: everything but base maps.
    pub fn in_default_lookup(self) -> bool {
        self != Self::BaseMap
    }
}

/// Where a layer's geometry comes from, and so how far it can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The authority's own boundary file, unchanged except for reprojection and repair.
    Official,
    /// Built by a documented rule from official unit boundaries; see the layer's `method`.
    Reconstructed,
    /// Loaded by a user from a file or a WFS.
    Imported,
    /// Generated from a fixed seed for tests and benchmarks; describes no real place.
    Synthetic,
}

impl Status {
    /// The status as it appears in the API, legends and popups.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Official => "official",
            Self::Reconstructed => "reconstructed",
            Self::Imported => "imported",
            Self::Synthetic => "synthetic",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A title in Danish and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Title {
    /// Danish title (the UI's default language).
    pub da: String,
    /// English title.
    pub en: String,
}

/// Provenance of a layer's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The original publisher, e.g. "Københavns Kommune".
    pub publisher: String,
    /// Where the publisher serves it (WFS layer, portal page).
    pub origin: String,
    /// The folder in `shared/geodata-sources` and file(s) the layer was built from.
    pub files: Vec<String>,
    /// The snapshot or vintage of the data, e.g. "WFS snapshot 2023-07-18".
    pub vintage: String,
}

/// Everything that says what a layer is, apart from its areas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerMeta {
    /// The layer's id.
    pub id: LayerId,
    /// Its title.
    pub title: Title,
    /// What kind of layer it is.
    pub kind: LayerKind,
    /// Who designated or defined the areas (e.g. "Københavns Kommune").
    pub authority: String,
    /// The policy or list the layer comes from, for designations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// First day in force (designations) — inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Date>,
    /// First day no longer in force — exclusive; `None` while still in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Date>,
    /// How exact `valid_from`/`valid_to` are, when the sources do not give the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_note: Option<String>,
    /// Where the geometry comes from.
    pub status: Status,
    /// Provenance.
    pub source: Source,
    /// The licence the data is published under.
    pub licence: String,
    /// For reconstructed layers: the rule that built them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// For reconstructed layers: how far the result can be trusted, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
}

impl LayerMeta {
    /// Metadata for generated test or benchmark data: status `synthetic`, a title saying so, and
    /// no period. Set further fields with struct update syntax where a test needs them.
    pub fn synthetic(id: LayerId, kind: LayerKind) -> Self {
        Self {
            title: Title {
                da: format!("Syntetisk lag {id}"),
                en: format!("Synthetic layer {id}"),
            },
            id,
            kind,
            authority: "none (synthetic)".into(),
            policy: None,
            valid_from: None,
            valid_to: None,
            validity_note: None,
            status: Status::Synthetic,
            source: Source {
                publisher: "Kvarter tests".into(),
                origin: "generated".into(),
                files: vec![],
                vintage: "generated".into(),
            },
            licence: "CC0 (generated)".into(),
            method: None,
            confidence: None,
        }
    }

    /// Whether the layer is in force on `day`. Layers without a period (admin units, base maps)
    /// are always in force.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_to.is_none_or(|to| day < to)
    }
}

/// A bounding box in lon/lat degrees: `[west, south, east, north]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "[f64; 4]", into = "[f64; 4]")]
pub struct Bounds {
    /// Western edge (min longitude).
    pub west: f64,
    /// Southern edge (min latitude).
    pub south: f64,
    /// Eastern edge (max longitude).
    pub east: f64,
    /// Northern edge (max latitude).
    pub north: f64,
}

impl From<[f64; 4]> for Bounds {
    fn from([west, south, east, north]: [f64; 4]) -> Self {
        Self {
            west,
            south,
            east,
            north,
        }
    }
}

impl From<Bounds> for [f64; 4] {
    fn from(b: Bounds) -> Self {
        [b.west, b.south, b.east, b.north]
    }
}

impl From<Rect<f64>> for Bounds {
    fn from(rect: Rect<f64>) -> Self {
        Self {
            west: rect.min().x,
            south: rect.min().y,
            east: rect.max().x,
            north: rect.max().y,
        }
    }
}

impl From<Bounds> for Rect<f64> {
    fn from(b: Bounds) -> Self {
        Rect::new((b.west, b.south), (b.east, b.north))
    }
}

/// A layer: its metadata and its areas, in EPSG:4326 (lon/lat).
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// What the layer is.
    pub meta: LayerMeta,
    /// Its areas (or lines, for base-map streets), in a stable order.
    pub areas: Vec<Area>,
}

impl Layer {
    /// The bounds of all areas, or `None` for an empty layer.
    pub fn bounds(&self) -> Option<Bounds> {
        self.areas
            .iter()
            .filter_map(|area| area.geometry.bounding_rect())
            .reduce(|a, b| {
                Rect::new(
                    (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                    (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
                )
            })
            .map(Bounds::from)
    }

    /// The area with the given id.
    pub fn area(&self, id: &str) -> Option<&Area> {
        self.areas.iter().find(|area| area.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_ids_accept_slugs_and_reject_anything_else() {
        assert!("udsatte-byomraader-2017".parse::<LayerId>().is_ok());
        for bad in [
            "",
            "Roder",
            "roder 2023",
            "../etc",
            "2011-areas",
            "æ",
            &"a".repeat(65),
        ] {
            assert!(bad.parse::<LayerId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_layer_is_in_force_from_its_first_day_until_the_day_before_valid_to() {
        let meta = LayerMeta {
            valid_from: Some("2017-06-22".parse().unwrap()),
            valid_to: Some("2025-07-01".parse().unwrap()),
            ..LayerMeta::synthetic("x".parse().unwrap(), LayerKind::MunicipalDesignation)
        };
        let day = |s: &str| s.parse::<Date>().unwrap();
        assert!(!meta.in_force_on(day("2017-06-21")));
        assert!(meta.in_force_on(day("2017-06-22")));
        assert!(meta.in_force_on(day("2025-01-01")));
        assert!(!meta.in_force_on(day("2025-07-01")));
    }
}

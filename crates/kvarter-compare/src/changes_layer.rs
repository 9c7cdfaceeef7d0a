//! The pieces of a comparison as a kvarter-core [`Layer`], so the tile renderer draws a
//! comparison like any other layer.

use std::collections::HashSet;

use geo::Geometry;
use kvarter_core::{Area, Layer, LayerId, LayerMeta, Properties, Source, Title};
use serde_json::Value;

use crate::report::{Change, Comparison, Piece};

/// Prefix of every comparison layer's id.
pub const ID_PREFIX: &str = "compare-";

/// The id of the layer of changes between layers `from` and `to`:
/// `compare-{from}--{to}` when that is a valid layer id (at most 64 characters) and can be read
/// back unambiguously (neither id contains `--` or ends with `-`); otherwise `compare-` and
/// 16 hex digits of a 64-bit FNV-1a hash of both ids. The two forms cannot collide: hex digits
/// hold no `--`.
pub fn layer_id(from: &LayerId, to: &LayerId) -> LayerId {
    let plain = |id: &str| !id.contains("--") && !id.ends_with('-');
    if plain(from.as_str())
        && plain(to.as_str())
        && let Ok(id) = format!("{ID_PREFIX}{from}--{to}").parse()
    {
        return id;
    }
    let hash = fnv1a(format!("{from}\n{to}").as_bytes());
    format!("{ID_PREFIX}{hash:016x}")
        .parse()
        .expect("compare- and hex digits form a valid layer id")
}

/// 64-bit FNV-1a: tiny, and stable across Rust versions and platforms (unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A piece's area id: `kept:{from}:{to}`, `removed:{from}` or `added:{to}`.
fn piece_id(piece: &Piece) -> String {
    let from = piece.from_id.as_deref().unwrap_or_default();
    let to = piece.to_id.as_deref().unwrap_or_default();
    match piece.change {
        Change::Kept => format!("kept:{from}:{to}"),
        Change::Removed => format!("removed:{from}"),
        Change::Added => format!("added:{to}"),
    }
}

/// A piece's display name: the area's name, or "old → new" for a kept piece whose areas are
/// named differently.
fn piece_name(piece: &Piece) -> Option<String> {
    match (piece.from_name.as_deref(), piece.to_name.as_deref()) {
        (Some(from), Some(to)) if from != to => Some(format!("{from} → {to}")),
        (Some(name), _) | (None, Some(name)) => Some(name.to_owned()),
        (None, None) => None,
    }
}

/// "a" when both are the same, else "`from_id`: a; `to_id`: b".
fn both(from_id: &LayerId, from: &str, to_id: &LayerId, to: &str) -> String {
    if from == to {
        from.to_owned()
    } else {
        format!("{from_id}: {from}; {to_id}: {to}")
    }
}

impl Comparison {
    /// The pieces as a layer (EPSG:4326), in [`Comparison::pieces`] order, for the tile
    /// renderer. Its id comes from [`layer_id`], its kind is the `from` layer's kind and its
    /// status is the comparison's. Each area's id is `kept:{from}:{to}`, `removed:{from}` or
    /// `added:{to}` (made unique with `#2`, `#3`… should area ids containing `:` ever produce
    /// the same text twice); its properties hold `change`, `from_id`, `from_name`, `to_id` and
    /// `to_name` as strings, leaving out those that do not apply.
    pub fn layer(&self) -> Layer {
        let (from, to) = (&self.from, &self.to);
        let confidence = match (&from.confidence, &to.confidence) {
            (None, None) => None,
            (Some(c), None) => Some(format!("{}: {c}", from.id)),
            (None, Some(c)) => Some(format!("{}: {c}", to.id)),
            (Some(a), Some(b)) => Some(format!("{}: {a} {}: {b}", from.id, to.id)),
        };
        let meta = LayerMeta {
            id: layer_id(&from.id, &to.id),
            title: Title {
                da: format!("Ændringer: {} → {}", from.title.da, to.title.da),
                en: format!("Changes: {} → {}", from.title.en, to.title.en),
            },
            kind: from.kind,
            authority: both(&from.id, &from.authority, &to.id, &to.authority),
            policy: None,
            valid_from: None,
            valid_to: None,
            validity_note: None,
            status: self.status,
            source: Source {
                publisher: "Kvarter (comparison)".into(),
                origin: format!(
                    "computed by Kvarter from layers {} ({}) and {} ({})",
                    from.id, from.status, to.id, to.status
                ),
                files: vec![],
                vintage: format!("{}: {}; {}: {}", from.id, from.vintage, to.id, to.vintage),
            },
            licence: both(&from.id, &from.licence, &to.id, &to.licence),
            method: Some(format!(
                "Areas of {from} and {to} matched by overlap, measured in EPSG:25832. Each \
                 piece is one of: kept — the intersection of one {from} area with one {to} \
                 area (every overlapping pair, slivers included); removed — a {from} area \
                 minus all of {to}; added — a {to} area minus all of {from}.",
                from = from.id,
                to = to.id
            )),
            confidence,
        };
        let mut seen = HashSet::with_capacity(self.pieces.len());
        let areas = self
            .pieces
            .iter()
            .map(|piece| {
                let base = piece_id(piece);
                let mut id = base.clone();
                let mut n = 1;
                while !seen.insert(id.clone()) {
                    n += 1;
                    id = format!("{base}#{n}");
                }
                let mut properties = Properties::new();
                properties.insert("change".into(), piece.change.as_str().into());
                for (key, value) in [
                    ("from_id", &piece.from_id),
                    ("from_name", &piece.from_name),
                    ("to_id", &piece.to_id),
                    ("to_name", &piece.to_name),
                ] {
                    if let Some(value) = value {
                        properties.insert(key.into(), Value::String(value.clone()));
                    }
                }
                Area {
                    id,
                    name: piece_name(piece),
                    parent: None,
                    area_m2: Some(piece.area_m2),
                    properties,
                    geometry: Geometry::MultiPolygon(piece.geometry.clone()),
                }
            })
            .collect();
        Layer { meta, areas }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layer_id_names_both_layers_when_it_fits_and_hashes_them_when_not() {
        let id = |s: &str| s.parse::<LayerId>().unwrap();
        assert_eq!(
            layer_id(
                &id("udsatte-byomraader-2011"),
                &id("udsatte-byomraader-2017")
            )
            .as_str(),
            "compare-udsatte-byomraader-2011--udsatte-byomraader-2017"
        );
        let long = id(&"a".repeat(60));
        let hashed = layer_id(&long, &id("b"));
        assert_eq!(hashed.as_str().len(), ID_PREFIX.len() + 16);
        assert_ne!(hashed, layer_id(&id("b"), &long));
        // Ids that would make the readable form ambiguous are hashed too.
        assert_ne!(
            layer_id(&id("a--b"), &id("c")),
            layer_id(&id("a"), &id("b--c"))
        );
    }
}

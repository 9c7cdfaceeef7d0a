//! The designation as a whole: which state lists count as part of which municipal designation
//! (the rule is [`kvarter_core::designation`]; this applies it to the layers of one data
//! version), and the municipal layer joined with those lists as one [`Layer`] for comparisons.
//!
//! Under the 2025–2035 policy every estate on a state list is part of the municipal
//! designation, so "is this point designated in 2025?" and "what changed between 2011 and 2025?"
//! must count the lists' estates too. The lists stay layers of their own (with their own status,
//! source and licence); lookups, comparisons and the catalogue only say which layers belong
//! together.

use kvarter_core::designation::counts_as_part_of;
use kvarter_core::{Layer, LayerId, LayerMeta, Source, Status, Title};
use serde_json::Value;

/// The property every area of a joined designation carries: the id of the layer it came from.
pub const DESIGNATED_BY: &str = "designated_by";

/// Which state lists count as part of which municipal layer, by layer position.
#[derive(Debug, Default)]
pub struct StateListJoins {
    /// Per layer: the state lists that count as part of it (municipal layers of the 2025 kind).
    lists: Vec<Vec<usize>>,
    /// Per layer: the municipal layers it counts as part of (state lists).
    part_of: Vec<Vec<usize>>,
}

impl StateListJoins {
    /// Applies the rule to every pair of `layers`.
    pub fn new(layers: &[Layer]) -> Self {
        let mut joins = StateListJoins {
            lists: vec![Vec::new(); layers.len()],
            part_of: vec![Vec::new(); layers.len()],
        };
        for (m, municipal) in layers.iter().enumerate() {
            for (s, state) in layers.iter().enumerate() {
                if counts_as_part_of(&state.meta, &municipal.meta) {
                    joins.lists[m].push(s);
                    joins.part_of[s].push(m);
                }
            }
        }
        joins
    }

    /// The positions of the state lists that count as part of the layer at `position`.
    pub fn lists_of(&self, position: usize) -> &[usize] {
        self.lists.get(position).map_or(&[], Vec::as_slice)
    }

    /// The positions of the municipal layers the layer at `position` counts as part of.
    pub fn part_of(&self, position: usize) -> &[usize] {
        self.part_of.get(position).map_or(&[], Vec::as_slice)
    }
}

/// The ranking of statuses a joined layer takes the weakest of (as a comparison does).
fn weakest(statuses: impl IntoIterator<Item = Status>) -> Status {
    statuses
        .into_iter()
        .fold(Status::Official, kvarter_compare::weakest)
}

/// "x" when every layer says the same, else "`id`: x; `id`: y" for each.
fn per_layer(layers: &[&Layer], field: impl Fn(&LayerMeta) -> &str) -> String {
    let first = layers.first().map(|layer| field(&layer.meta));
    if layers.iter().all(|layer| Some(field(&layer.meta)) == first) {
        return first.unwrap_or_default().to_owned();
    }
    layers
        .iter()
        .map(|layer| format!("{}: {}", layer.meta.id, field(&layer.meta)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The municipal designation `municipal` as a whole: its areas (ids unchanged) and every area
/// of each of `lists` (the state lists that count as part of it), with id `<list id>/<area id>`
/// — layer ids hold no `/`, so these cannot clash with the municipal ids. Every area carries
/// [`DESIGNATED_BY`] = the id of its layer. The layer keeps `municipal`'s id and period; its
/// status is the weakest of all the layers' (a synthetic list makes the whole synthetic), and
/// title, authority, source, licence, method and confidence name every layer. Estates that lie
/// inside municipal areas are kept whole: the comparison measures its totals on unions, so
/// nothing is counted twice there.
pub fn whole(municipal: &Layer, lists: &[&Layer]) -> Layer {
    let all: Vec<&Layer> = std::iter::once(municipal)
        .chain(lists.iter().copied())
        .collect();
    let titles = |pick: fn(&Title) -> &str| {
        all.iter()
            .map(|layer| pick(&layer.meta.title))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let statuses = all
        .iter()
        .map(|layer| format!("{} ({})", layer.meta.id, layer.meta.status))
        .collect::<Vec<_>>()
        .join(", ");
    let list_ids = lists
        .iter()
        .map(|layer| layer.meta.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let confidence: Vec<String> = all
        .iter()
        .filter_map(|layer| {
            (layer.meta.confidence.as_deref()).map(|c| format!("{}: {c}", layer.meta.id))
        })
        .collect();
    let mut method = format!(
        "The designation as a whole under the 2025 policy: the areas of {} plus every estate \
         of the state list(s) {list_ids}, which count as part of it (in force on a common day); \
         each area's {DESIGNATED_BY} names its layer, and an estate's id is <list id>/<area id>.",
        municipal.meta.id
    );
    if let Some(own) = &municipal.meta.method {
        method = format!("{method} {}: {own}", municipal.meta.id);
    }
    let meta = LayerMeta {
        title: Title {
            da: titles(|t| &t.da),
            en: titles(|t| &t.en),
        },
        authority: per_layer(&all, |m| &m.authority),
        status: weakest(all.iter().map(|layer| layer.meta.status)),
        source: Source {
            publisher: per_layer(&all, |m| &m.source.publisher),
            origin: format!("put together by Kvarter from layers {statuses}"),
            files: all
                .iter()
                .flat_map(|layer| layer.meta.source.files.iter().cloned())
                .collect(),
            vintage: per_layer(&all, |m| &m.source.vintage),
        },
        licence: per_layer(&all, |m| &m.licence),
        method: Some(method),
        confidence: (!confidence.is_empty()).then(|| confidence.join(" ")),
        ..municipal.meta.clone()
    };
    let tagged = |layer: &LayerId, area: &kvarter_core::Area, id: String| {
        let mut area = area.clone();
        area.id = id;
        area.properties
            .insert(DESIGNATED_BY.into(), Value::String(layer.to_string()));
        area
    };
    let mut areas: Vec<kvarter_core::Area> = municipal
        .areas
        .iter()
        .map(|area| tagged(&municipal.meta.id, area, area.id.clone()))
        .collect();
    for list in lists {
        areas.extend(
            list.areas
                .iter()
                .map(|area| tagged(&list.meta.id, area, format!("{}/{}", list.meta.id, area.id))),
        );
    }
    Layer { meta, areas }
}

#[cfg(test)]
mod tests {
    use kvarter_core::{Area, LayerKind, Properties};

    use super::*;

    fn layer(id: &str, kind: LayerKind, from: &str, areas: &[&str]) -> Layer {
        let square = geo::Rect::new((12.5, 55.6), (12.51, 55.61)).to_polygon();
        Layer {
            meta: LayerMeta {
                valid_from: from.parse().ok(),
                ..LayerMeta::synthetic(id.parse().unwrap(), kind)
            },
            areas: areas
                .iter()
                .map(|&id| Area {
                    id: id.into(),
                    name: Some(format!("Area {id}")),
                    parent: None,
                    area_m2: None,
                    properties: Properties::new(),
                    geometry: square.clone().into(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_2025_layer_takes_the_state_list_and_the_2017_layer_does_not() {
        let layers = vec![
            layer(
                "m-2017",
                LayerKind::MunicipalDesignation,
                "2017-06-22",
                &["a"],
            ),
            layer("s", LayerKind::StateDesignation, "2024-12-01", &["1"]),
            layer(
                "m-2025",
                LayerKind::MunicipalDesignation,
                "2025-07-01",
                &["b"],
            ),
        ];
        let joins = StateListJoins::new(&layers);
        assert!(joins.lists_of(0).is_empty());
        assert_eq!(joins.lists_of(2), &[1]);
        assert_eq!(joins.part_of(1), &[2]);
        assert!(joins.part_of(0).is_empty());
        assert!(joins.lists_of(9).is_empty());
    }

    #[test]
    fn the_whole_keeps_the_municipal_id_prefixes_list_ids_and_tags_every_area() {
        let m = layer(
            "m-2025",
            LayerKind::MunicipalDesignation,
            "2025-07-01",
            &["1", "2"],
        );
        let s = layer("s", LayerKind::StateDesignation, "2024-12-01", &["1"]);
        let whole = whole(&m, &[&s]);
        assert_eq!(whole.meta.id, m.meta.id);
        assert_eq!(whole.meta.valid_from, m.meta.valid_from);
        assert_eq!(whole.meta.status, Status::Synthetic);
        let ids: Vec<&str> = whole.areas.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "s/1"]);
        let by: Vec<&str> = whole
            .areas
            .iter()
            .map(|a| a.properties[DESIGNATED_BY].as_str().unwrap())
            .collect();
        assert_eq!(by, ["m-2025", "m-2025", "s"]);
        assert!(whole.meta.title.en.contains(" + "));
        assert!(whole.meta.source.origin.contains("s (synthetic)"));
    }
}

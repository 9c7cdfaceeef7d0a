//! Which state lists count as part of a municipal designation: the one place the 2025 rule
//! lives.
//!
//! The City of Copenhagen's policy for udsatte byområder 2025–2035 says that, since 2025, every
//! estate on one of the state's lists (forebyggelsesområder, udsatte boligområder,
//! parallelsamfund, omdannelsesområder; kind [`LayerKind::StateDesignation`]) is automatically
//! part of the municipal designation: the policy's own map shows the municipal areas and the
//! state's forebyggelsesområder 2024 together. The earlier policies (2011, 2017) drew the
//! municipal areas alone. The rule is pure metadata — kinds and periods — so lookups,
//! comparisons, the layer catalogue and the map all ask it here and never decide it themselves.

use crate::{Date, Layer, LayerKind, LayerMeta};

/// The first day of the 2025 kind of municipal designation: a municipal layer in force from this
/// day or later belongs to a policy under which every state-listed estate is part of the
/// designation (Københavns Kommune, "Politik for udsatte byområder 2025–2035": "since 2025 every
/// estate on a state list is automatically part of an udsat byområde"; see
/// `shared/DOMAIN.md`). Layers of the 2011 and 2017 policies start earlier and take no lists.
pub const STATE_LISTS_JOINED_SINCE: Date = Date::january_first(2025);

/// Whether `municipal` is a municipal designation of the 2025 kind, whose designation takes in
/// the state lists in force with it: kind [`LayerKind::MunicipalDesignation`] and in force from
/// [`STATE_LISTS_JOINED_SINCE`] or later. An undated municipal layer takes none.
pub fn takes_state_lists(municipal: &LayerMeta) -> bool {
    municipal.kind == LayerKind::MunicipalDesignation
        && municipal
            .valid_from
            .is_some_and(|from| from >= STATE_LISTS_JOINED_SINCE)
}

/// Whether the state list `state` counts as part of the municipal designation `municipal`: the
/// municipal layer is of the 2025 kind ([`takes_state_lists`]), `state` is a
/// [`LayerKind::StateDesignation`], and the two periods overlap — the list is in force on at
/// least one day the municipal layer is (`valid_to` is exclusive on both; a missing
/// `valid_from` means "since ever", a missing `valid_to` "still in force").
pub fn counts_as_part_of(state: &LayerMeta, municipal: &LayerMeta) -> bool {
    state.kind == LayerKind::StateDesignation
        && takes_state_lists(municipal)
        && periods_overlap(state, municipal)
}

/// Whether two layers are in force on a common day.
fn periods_overlap(a: &LayerMeta, b: &LayerMeta) -> bool {
    let starts_before_end = |x: &LayerMeta, y: &LayerMeta| match (x.valid_from, y.valid_to) {
        (Some(from), Some(to)) => from < to,
        _ => true,
    };
    starts_before_end(a, b) && starts_before_end(b, a)
}

/// The municipal designations among `layers`, oldest first (undated ones first).
pub fn municipal_designations(layers: &[Layer]) -> Vec<&Layer> {
    let mut found: Vec<&Layer> = layers
        .iter()
        .filter(|layer| layer.meta.kind == LayerKind::MunicipalDesignation)
        .collect();
    found.sort_by_key(|layer| layer.meta.valid_from);
    found
}

/// The municipal designation a planner means by `year` ("2011", "2025"): the layer whose policy
/// came into force that year, else the one in force on 1 January of it — then the `bool` is
/// `true`, and the answer should say "in force on 1 January" (the web map's year picker, the map
/// images and the OGC comparison collections all read a year this way).
pub fn designation_of_year(layers: &[Layer], year: i32) -> Option<(&Layer, bool)> {
    let municipal = municipal_designations(layers);
    if let Some(edition) = municipal.iter().find(|layer| {
        layer
            .meta
            .valid_from
            .is_some_and(|d| i32::from(d.year()) == year)
    }) {
        return Some((edition, false));
    }
    let day = u16::try_from(year).ok().and_then(|y| Date::new(y, 1, 1))?;
    municipal
        .into_iter()
        .find(|layer| layer.meta.valid_from.is_some() && layer.meta.in_force_on(day))
        .map(|layer| (layer, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LayerId;

    fn layer(id: &str, kind: LayerKind, from: Option<&str>, to: Option<&str>) -> LayerMeta {
        let id: LayerId = id.parse().unwrap();
        LayerMeta {
            valid_from: from.map(|d| d.parse().unwrap()),
            valid_to: to.map(|d| d.parse().unwrap()),
            ..LayerMeta::synthetic(id, kind)
        }
    }

    fn municipal(from: Option<&str>, to: Option<&str>) -> LayerMeta {
        layer("m", LayerKind::MunicipalDesignation, from, to)
    }

    fn list(from: Option<&str>, to: Option<&str>) -> LayerMeta {
        layer("s", LayerKind::StateDesignation, from, to)
    }

    #[test]
    fn the_2025_municipal_layer_takes_the_2024_prevention_list() {
        let m = municipal(Some("2025-07-01"), None);
        let s = list(Some("2024-12-01"), Some("2025-12-01"));
        assert!(takes_state_lists(&m));
        assert!(counts_as_part_of(&s, &m));
    }

    #[test]
    fn a_2017_municipal_layer_never_takes_state_lists() {
        let m = municipal(Some("2017-06-22"), Some("2025-07-01"));
        assert!(!takes_state_lists(&m));
        assert!(!counts_as_part_of(&list(Some("2024-12-01"), None), &m));
        assert!(!counts_as_part_of(&list(None, None), &m));
    }

    #[test]
    fn a_list_that_expired_before_the_municipal_layer_started_does_not_count() {
        let m = municipal(Some("2025-07-01"), None);
        assert!(!counts_as_part_of(
            &list(Some("2023-12-01"), Some("2024-12-01")),
            &m
        ));
        // valid_to is exclusive: a list ending the day M starts never shares a day with it.
        assert!(!counts_as_part_of(
            &list(Some("2024-12-01"), Some("2025-07-01")),
            &m
        ));
        assert!(counts_as_part_of(
            &list(Some("2024-12-01"), Some("2025-07-02")),
            &m
        ));
    }

    #[test]
    fn a_list_that_starts_after_the_municipal_layer_ended_does_not_count() {
        let m = municipal(Some("2025-07-01"), Some("2030-01-01"));
        assert!(!counts_as_part_of(&list(Some("2030-01-01"), None), &m));
        assert!(counts_as_part_of(&list(Some("2029-12-01"), None), &m));
    }

    #[test]
    fn the_policy_starts_on_1_january_2025_and_undated_municipal_layers_take_nothing() {
        assert!(takes_state_lists(&municipal(Some("2025-01-01"), None)));
        assert!(!takes_state_lists(&municipal(Some("2024-12-31"), None)));
        assert!(!takes_state_lists(&municipal(None, None)));
        let undated_list = list(None, None);
        assert!(counts_as_part_of(
            &undated_list,
            &municipal(Some("2025-01-01"), None)
        ));
    }

    #[test]
    fn only_state_lists_join_and_only_municipal_layers_take_them() {
        let m = municipal(Some("2025-07-01"), None);
        let other_municipal = layer(
            "o",
            LayerKind::MunicipalDesignation,
            Some("2025-07-01"),
            None,
        );
        let unit = layer("u", LayerKind::AdminUnit, None, None);
        assert!(!counts_as_part_of(&other_municipal, &m));
        assert!(!counts_as_part_of(&unit, &m));
        let state_as_m = layer("x", LayerKind::StateDesignation, Some("2025-07-01"), None);
        assert!(!counts_as_part_of(&list(None, None), &state_as_m));
    }
}

//! Crate tests: hand-built layers given in EPSG:25832 metres (so every expected m² is exact
//! arithmetic), and the committed default dataset (2011 vs 2017) checked against an
//! independent computation.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers as well as tests should fail loudly"
)]

use std::path::Path;
use std::sync::LazyLock;

use geo::{Area as _, BooleanOps, Geometry, MapCoords, MultiPolygon, Polygon, line_string};
use geo::{Orient, orient::Direction};
use kvarter_compare::{AreaStatus, Change, CompareError, Comparison, compare, compare_projected};
use kvarter_core::{Area, Layer, LayerId, LayerKind, LayerMeta, Properties, Status};
use kvarter_crs::utm32_to_wgs84;
use kvarter_overlay::{OverlayError, Projected};

/// Origin of the hand-built layers: a point in Copenhagen, in EPSG:25832.
const X: f64 = 724_000.0;
const Y: f64 = 6_175_000.0;

/// An area: an axis-aligned box in metres relative to (X, Y), stored in lon/lat.
fn area(id: &str, name: Option<&str>, (x0, y0, x1, y1): (f64, f64, f64, f64)) -> Area {
    let utm = Polygon::new(
        vec![
            (X + x0, Y + y0),
            (X + x1, Y + y0),
            (X + x1, Y + y1),
            (X + x0, Y + y1),
        ]
        .into(),
        vec![],
    );
    let lon_lat = utm.map_coords(|c| utm32_to_wgs84(c.x, c.y).unwrap().into());
    Area {
        id: id.into(),
        name: name.map(str::to_owned),
        parent: None,
        area_m2: None,
        properties: Properties::new(),
        geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![lon_lat])),
    }
}

fn layer(id: &str, areas: Vec<Area>) -> Layer {
    Layer {
        meta: LayerMeta::synthetic(id.parse().unwrap(), LayerKind::MunicipalDesignation),
        areas,
    }
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() < tolerance
}

/// kept + removed = area(from) and kept + added = area(to) for every pair, kept + removed =
/// area for every `from` area, kept + added = area for every `to` area, and kept + removed =
/// from total, kept + added = to total in the summary.
fn assert_identities(diff: &Comparison, tolerance: f64) {
    for pair in &diff.pairs {
        let from = diff
            .from_areas
            .iter()
            .find(|a| a.id == pair.from_id)
            .unwrap();
        let to = diff.to_areas.iter().find(|a| a.id == pair.to_id).unwrap();
        assert!(
            close(pair.kept_m2 + pair.removed_m2, from.area_m2, tolerance),
            "{pair:?} vs {}",
            from.area_m2
        );
        assert!(
            close(pair.kept_m2 + pair.added_m2, to.area_m2, tolerance),
            "{pair:?} vs {}",
            to.area_m2
        );
        assert!(close(
            pair.share_of_from,
            pair.kept_m2 / from.area_m2,
            1e-12
        ));
        assert!(close(pair.share_of_to, pair.kept_m2 / to.area_m2, 1e-12));
    }
    for area in &diff.from_areas {
        assert!(
            close(area.kept_m2 + area.removed_m2, area.area_m2, tolerance),
            "{area:?}"
        );
    }
    for area in &diff.to_areas {
        assert!(
            close(area.kept_m2 + area.added_m2, area.area_m2, tolerance),
            "{area:?}"
        );
    }
    let s = &diff.summary;
    assert!(
        close(s.kept_m2 + s.removed_m2, s.from_total_m2, tolerance),
        "{s:?}"
    );
    assert!(
        close(s.kept_m2 + s.added_m2, s.to_total_m2, tolerance),
        "{s:?}"
    );
}

#[test]
fn two_100_m_squares_shifted_by_50_m_keep_5000_m2_and_add_and_remove_5000_each() {
    let from = layer("before", vec![area("a", None, (0.0, 0.0, 100.0, 100.0))]);
    let to = layer("after", vec![area("b", None, (50.0, 0.0, 150.0, 100.0))]);
    let diff = compare(&from, &to).unwrap();

    let s = &diff.summary;
    assert!(close(s.from_total_m2, 10_000.0, 0.01), "{s:?}");
    assert!(close(s.to_total_m2, 10_000.0, 0.01), "{s:?}");
    assert!(close(s.kept_m2, 5_000.0, 0.01), "{s:?}");
    assert!(close(s.added_m2, 5_000.0, 0.01), "{s:?}");
    assert!(close(s.removed_m2, 5_000.0, 0.01), "{s:?}");
    assert!(close(s.kept_share_of_from, 0.5, 1e-6));

    let [pair] = diff.pairs.as_slice() else {
        panic!("one pair expected: {:?}", diff.pairs)
    };
    assert!(close(pair.kept_m2, 5_000.0, 0.01));
    assert!(close(pair.removed_m2, 5_000.0, 0.01));
    assert!(close(pair.added_m2, 5_000.0, 0.01));
    assert!(close(pair.share_of_from, 0.5, 1e-6) && close(pair.share_of_to, 0.5, 1e-6));
    assert!(!pair.sliver && !pair.name_changed);

    let changes: Vec<Change> = diff.pieces.iter().map(|p| p.change).collect();
    assert_eq!(changes, [Change::Kept, Change::Removed, Change::Added]);
    for piece in &diff.pieces {
        assert!(close(piece.area_m2, 5_000.0, 0.01), "{piece:?}");
        // The piece's lon/lat geometry measures what its m² says.
        let measured = kvarter_crs::area_m2(&piece.geometry).unwrap();
        assert!(close(measured, piece.area_m2, 0.01), "{measured}");
    }
    assert_identities(&diff, 0.01);
}

#[test]
fn every_pair_area_and_total_adds_up_on_overlapping_and_touching_areas() {
    // `from` areas overlap each other (a, b) and touch (b, c); `to` cuts across all of them.
    let from = layer(
        "before",
        vec![
            area("a", Some("A"), (0.0, 0.0, 300.0, 200.0)),
            area("b", Some("B"), (200.0, 0.0, 500.0, 200.0)),
            area("c", Some("C"), (500.0, 0.0, 700.0, 200.0)),
        ],
    );
    let to = layer(
        "after",
        vec![
            area("x", Some("X"), (-50.0, 100.0, 350.0, 300.0)),
            area("y", Some("Y"), (350.0, -100.0, 650.0, 150.0)),
            area("z", Some("Z"), (1_000.0, 0.0, 1_100.0, 100.0)),
        ],
    );
    let diff = compare(&from, &to).unwrap();
    assert_identities(&diff, 0.1);

    // a∩x = 300×100, b∩x = 150×100, b∩y = 150×150, c∩y = 150×150; c and x do not meet.
    let kept: Vec<(&str, &str, f64)> = diff
        .pairs
        .iter()
        .map(|p| (p.from_id.as_str(), p.to_id.as_str(), p.kept_m2))
        .collect();
    let expected = [
        ("a", "x", 30_000.0),
        ("b", "x", 15_000.0),
        ("b", "y", 22_500.0),
        ("c", "y", 22_500.0),
    ];
    assert_eq!(kept.len(), expected.len(), "{kept:?}");
    for ((f, t, m2), (ef, et, em2)) in kept.iter().zip(expected) {
        assert_eq!((*f, *t), (ef, et));
        assert!(close(*m2, em2, 0.01), "{f} {t} {m2}");
    }
    // The union of `from` is 700×200, of which x covers 350×100 and y 300×150.
    let s = &diff.summary;
    assert!(close(s.from_total_m2, 140_000.0, 0.01), "{s:?}");
    assert!(close(s.kept_m2, 35_000.0 + 45_000.0, 0.01), "{s:?}");
    // b: its overlap with x and y measured once each, removed the rest.
    let b = &diff.from_areas[1];
    assert!(close(b.kept_m2, 37_500.0, 0.01) && close(b.removed_m2, 22_500.0, 0.01));
    assert_eq!(b.best_match.as_ref().unwrap().id, "y");
    assert_eq!(b.renamed.as_deref(), Some("Y"));
    // z overlaps nothing: new, and all of it added.
    let z = &diff.to_areas[2];
    assert_eq!(z.status, AreaStatus::New);
    assert!(close(z.added_m2, 10_000.0, 0.01) && z.kept_m2 == 0.0);
}

#[test]
fn a_layer_compared_with_itself_has_nothing_added_or_removed_and_every_area_matches_itself() {
    let grid = layer(
        "grid",
        (0..3)
            .flat_map(|i| (0..3).map(move |j| (i, j)))
            .map(|(i, j)| {
                let (x, y) = (f64::from(i) * 100.0, f64::from(j) * 100.0);
                area(
                    &format!("{i}{j}"),
                    Some("cell"),
                    (x, y, x + 100.0, y + 100.0),
                )
            })
            .collect(),
    );
    let diff = compare(&grid, &grid).unwrap();
    assert!(
        diff.summary.added_m2 < 0.1 && diff.summary.removed_m2 < 0.1,
        "{:?}",
        diff.summary
    );
    assert_eq!(diff.summary.slivers, 0);
    assert_eq!(diff.summary.pairs, 9);
    assert_eq!(
        diff.pairs.len(),
        9,
        "neighbours that only touch are no pair"
    );
    for pair in &diff.pairs {
        assert_eq!(pair.from_id, pair.to_id);
        assert!(pair.added_m2 < 0.1 && pair.removed_m2 < 0.1);
        assert!(!pair.sliver);
    }
    for area in &diff.from_areas {
        assert_eq!(area.status, AreaStatus::Matched);
        assert_eq!(area.best_match.as_ref().unwrap().id, area.id);
        assert_eq!(area.matches.len(), 1);
        assert!(area.removed_m2 < 0.1 && area.renamed.is_none());
    }
    for area in &diff.to_areas {
        assert_eq!(area.best_match.as_ref().unwrap().id, area.id);
        assert!(area.added_m2 < 0.1);
    }
    assert!(diff.pieces.iter().all(|p| p.change == Change::Kept));
    assert_identities(&diff, 0.1);
}

#[test]
fn a_renamed_area_is_reported_renamed_from_both_sides() {
    let from = layer(
        "before",
        vec![area("7", Some("Mjølnerparken"), (0.0, 0.0, 100.0, 100.0))],
    );
    let to = layer(
        "after",
        vec![area("12", Some("Nørrebro Syd"), (0.0, 0.0, 100.0, 90.0))],
    );
    let diff = compare(&from, &to).unwrap();
    assert!(diff.pairs[0].name_changed);
    assert_eq!(diff.from_areas[0].renamed.as_deref(), Some("Nørrebro Syd"));
    assert_eq!(
        diff.to_areas[0].renamed_from.as_deref(),
        Some("Mjølnerparken")
    );
    assert_eq!(diff.summary.renamed, 1);
    // An unnamed side is no rename.
    let unnamed = layer("after", vec![area("12", None, (0.0, 0.0, 100.0, 90.0))]);
    let diff = compare(&from, &unnamed).unwrap();
    assert!(!diff.pairs[0].name_changed && diff.from_areas[0].renamed.is_none());
}

#[test]
fn a_dropped_area_and_a_new_area_are_reported_as_such() {
    let from = layer(
        "before",
        vec![
            area("kept", Some("Tingbjerg"), (0.0, 0.0, 100.0, 100.0)),
            area("gone", Some("Sydhavnen"), (500.0, 0.0, 600.0, 100.0)),
        ],
    );
    let to = layer(
        "after",
        vec![
            area("kept", Some("Tingbjerg"), (0.0, 0.0, 100.0, 100.0)),
            area("fresh", Some("Bispebjerg"), (0.0, 500.0, 100.0, 600.0)),
        ],
    );
    let diff = compare(&from, &to).unwrap();
    let statuses: Vec<AreaStatus> = diff.from_areas.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [AreaStatus::Matched, AreaStatus::Dropped]);
    let statuses: Vec<AreaStatus> = diff.to_areas.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [AreaStatus::Matched, AreaStatus::New]);
    assert_eq!((diff.summary.dropped, diff.summary.new), (1, 1));
    assert!(close(diff.from_areas[1].removed_m2, 10_000.0, 0.01));
    assert!(diff.from_areas[1].best_match.is_none());
    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(json["from_areas"][1]["status"], "dropped");
    assert_eq!(json["to_areas"][1]["status"], "new");
}

#[test]
fn a_sliver_between_independently_drawn_neighbours_counts_in_the_totals_but_is_no_match() {
    // "after" redraws the border between a and b 0.5 m further west: b in "after" overlaps a
    // in "before" by a 0.5 m × 100 m strip, 50 m² — below 0.1 % of the 100,000 m² areas.
    let from = layer(
        "before",
        vec![
            area("a", None, (0.0, 0.0, 1_000.0, 100.0)),
            area("b", None, (1_000.0, 0.0, 2_000.0, 100.0)),
        ],
    );
    let to = layer(
        "after",
        vec![
            area("a", None, (0.0, 0.0, 999.5, 100.0)),
            area("b", None, (999.5, 0.0, 2_000.0, 100.0)),
        ],
    );
    let diff = compare(&from, &to).unwrap();
    let slivers: Vec<(&str, &str)> = diff
        .pairs
        .iter()
        .filter(|p| p.sliver)
        .map(|p| (p.from_id.as_str(), p.to_id.as_str()))
        .collect();
    assert_eq!(slivers, [("a", "b")]);
    assert_eq!((diff.summary.pairs, diff.summary.slivers), (2, 1));
    let a = &diff.from_areas[0];
    assert_eq!(a.matches.len(), 1, "the sliver is not a match");
    assert_eq!(a.best_match.as_ref().unwrap().id, "a");
    // a's kept part includes the sliver: it is still designated, by b.
    assert!(
        close(a.kept_m2, 100_000.0, 0.01) && a.removed_m2 < 0.01,
        "{a:?}"
    );
    assert_identities(&diff, 0.1);
}

#[test]
fn a_line_layer_is_refused_naming_the_layer() {
    let squares = layer("squares", vec![area("a", None, (0.0, 0.0, 10.0, 10.0))]);
    let mut streets = layer("streets", vec![area("s", None, (0.0, 0.0, 10.0, 10.0))]);
    streets.areas[0].geometry =
        Geometry::LineString(line_string![(x: 12.5, y: 55.6), (x: 12.6, y: 55.7)]);
    let error = compare(&squares, &streets).unwrap_err();
    assert!(
        matches!(&error, CompareError::Overlay(OverlayError::NotAreas { layer }) if layer.as_str() == "streets"),
        "{error:?}"
    );
    assert!(error.to_string().contains("streets"));
}

#[test]
fn duplicate_area_ids_and_foreign_projections_are_refused() {
    let twice = layer(
        "twice",
        vec![
            area("a", None, (0.0, 0.0, 10.0, 10.0)),
            area("a", None, (20.0, 0.0, 30.0, 10.0)),
        ],
    );
    let once = layer("once", vec![area("a", None, (0.0, 0.0, 10.0, 10.0))]);
    assert!(matches!(
        compare(&once, &twice),
        Err(CompareError::DuplicateAreaId { layer, area }) if layer.as_str() == "twice" && area == "a"
    ));
    let once_projected = Projected::new(&once).unwrap();
    let twice_projected = Projected::new(&twice).unwrap();
    assert!(matches!(
        compare_projected(&once, &twice_projected, &once, &once_projected),
        Err(CompareError::ProjectionMismatch { layer, .. }) if layer.as_str() == "once"
    ));
}

#[test]
fn a_comparison_with_a_reconstructed_side_is_reconstructed_and_says_so() {
    let mut from = layer("before", vec![area("a", None, (0.0, 0.0, 100.0, 100.0))]);
    from.meta.status = Status::Reconstructed;
    from.meta.confidence = Some("low".into());
    let mut to = layer("after", vec![area("a", None, (0.0, 0.0, 100.0, 100.0))]);
    to.meta.status = Status::Official;
    let diff = compare(&from, &to).unwrap();
    assert_eq!(diff.status, Status::Reconstructed);
    assert_eq!(diff.from.status, Status::Reconstructed);
    assert_eq!(diff.from.confidence.as_deref(), Some("low"));
    assert_eq!(diff.to.status, Status::Official);
    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(json["status"], "reconstructed");
    assert_eq!(json["from"]["status"], "reconstructed");
    assert_eq!(diff.layer().meta.status, Status::Reconstructed);
}

/// The CSV rows and the `GeoJSON` features of `diff` parse back with one per piece.
fn assert_encodings_parse_back(diff: &Comparison) {
    let csv = diff.to_csv();
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        kvarter_compare::csv_rows::COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let removed = diff
        .from_areas
        .iter()
        .filter(|a| a.removed_m2 > 0.0)
        .count();
    let added = diff.to_areas.iter().filter(|a| a.added_m2 > 0.0).count();
    assert_eq!(rows.len(), diff.pairs.len() + removed + added);
    assert_eq!(rows.len(), diff.pieces.len());
    for (row, piece) in rows.iter().zip(&diff.pieces) {
        assert_eq!(&row[0], piece.change.as_str());
        let m2: f64 = row[5].parse().unwrap();
        assert!(
            close(m2, piece.area_m2, 0.005 + 1e-9),
            "{m2} {}",
            piece.area_m2
        );
        assert_eq!(&row[9], diff.from.id.as_str());
        assert_eq!(&row[10], diff.from.status.as_str());
        assert_eq!(&row[11], diff.to.id.as_str());
        assert_eq!(&row[12], diff.to.status.as_str());
    }

    let text = String::from_utf8(diff.to_geojson()).unwrap();
    let collection: geojson::FeatureCollection = text
        .parse::<geojson::GeoJson>()
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(collection.features.len(), diff.pieces.len());
    let header = &collection.foreign_members.as_ref().unwrap()["comparison"];
    assert_eq!(header["status"], diff.status.as_str());
    assert_eq!(header["from"]["id"], diff.from.id.as_str());
    assert_eq!(header["to"]["id"], diff.to.id.as_str());
    assert!(header["summary"]["kept_m2"].is_f64());
    for (feature, piece) in collection.features.iter().zip(&diff.pieces) {
        assert_eq!(feature.property("change").unwrap(), piece.change.as_str());
        let shape: MultiPolygon<f64> = feature.geometry.clone().unwrap().try_into().unwrap();
        // RFC 7946: exteriors counter-clockwise, holes clockwise — orienting changes nothing.
        assert_eq!(shape.orient(Direction::Default), shape);
    }
}

#[test]
fn csv_and_geojson_parse_back_with_one_row_and_one_feature_per_piece() {
    let from = layer(
        "before",
        vec![
            area("a", Some("A"), (0.0, 0.0, 100.0, 100.0)),
            area("b", None, (300.0, 0.0, 400.0, 100.0)),
        ],
    );
    let to = layer(
        "after",
        vec![area("x", Some("X, \"quoted\""), (50.0, 0.0, 150.0, 100.0))],
    );
    let diff = compare(&from, &to).unwrap();
    assert_eq!(diff.pieces.len(), 4); // a∩x, a−x, b, x−a
    assert_encodings_parse_back(&diff);
    let text = String::from_utf8(diff.to_geojson()).unwrap();
    // Seven decimals at most.
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ring = &json["features"][0]["geometry"]["coordinates"][0][0];
    for coord in ring.as_array().unwrap() {
        for value in coord.as_array().unwrap() {
            let v = value.as_f64().unwrap();
            assert!(close(v, (v * 1e7).round() / 1e7, 1e-12), "{v}");
        }
    }
}

#[test]
fn the_comparison_layer_has_a_valid_id_unique_area_ids_and_change_properties() {
    let from = layer(
        "before",
        vec![area("a", Some("A"), (0.0, 0.0, 100.0, 100.0))],
    );
    let to = layer(
        "after",
        vec![area("x", Some("X"), (50.0, 0.0, 150.0, 100.0))],
    );
    let diff = compare(&from, &to).unwrap();
    let changes = diff.layer();
    assert_eq!(changes.meta.id.as_str(), "compare-before--after");
    assert_eq!(
        changes.meta.title.en,
        "Changes: Synthetic layer before → Synthetic layer after"
    );
    let ids: Vec<&str> = changes.areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["kept:a:x", "removed:a", "added:x"]);
    let kept = &changes.areas[0];
    assert_eq!(kept.name.as_deref(), Some("A → X"));
    assert_eq!(kept.properties["change"], "kept");
    assert_eq!(kept.properties["from_id"], "a");
    assert_eq!(kept.properties["to_name"], "X");
    assert!(!changes.areas[1].properties.contains_key("to_id"));
    // The layer of changes is itself an area layer: it projects and measures.
    let projected = Projected::new(&changes).unwrap();
    assert!(close(projected.area_m2(0), 5_000.0, 0.01));
}

// ---------------------------------------------------------------------------------------------
// The committed default dataset.

static DEFAULT: LazyLock<(Layer, Layer)> = LazyLock::new(|| {
    let geodata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    let (dataset, _) = kvarter_data::dataset::load_dir(&geodata).expect("geodata/ loads");
    let get = |id: &str| {
        dataset
            .layer(&id.parse::<LayerId>().unwrap())
            .unwrap_or_else(|| panic!("geodata has {id}"))
            .clone()
    };
    (
        get("udsatte-byomraader-2011"),
        get("udsatte-byomraader-2017"),
    )
});

static DEFAULT_DIFF: LazyLock<Comparison> =
    LazyLock::new(|| compare(&DEFAULT.0, &DEFAULT.1).unwrap());

#[test]
fn on_the_default_data_every_pair_and_area_adds_up() {
    let diff = &*DEFAULT_DIFF;
    assert_eq!(diff.from_areas.len(), 6);
    assert_eq!(diff.to_areas.len(), 17);
    assert_identities(diff, 0.1);
    assert_eq!(diff.status, Status::Reconstructed, "2011 is reconstructed");
    assert_eq!(diff.to.status, Status::Official);
}

#[test]
fn on_the_default_data_the_totals_equal_an_independent_computation() {
    let (y2011, y2017) = &*DEFAULT;
    let (p2011, p2017) = (
        Projected::new(y2011).unwrap(),
        Projected::new(y2017).unwrap(),
    );
    let s = &DEFAULT_DIFF.summary;

    // The 2011 areas do not overlap each other, so the union's area is the sum of the areas.
    for i in 0..p2011.len() {
        for j in i + 1..p2011.len() {
            let overlap = p2011.shape(i).intersection(p2011.shape(j)).unsigned_area();
            assert!(
                overlap < 0.01,
                "2011 areas {i} and {j} overlap by {overlap} m²"
            );
        }
    }
    let sum: f64 = (0..p2011.len()).map(|i| p2011.area_m2(i)).sum();
    assert!(
        close(s.from_total_m2, sum, 0.1),
        "{} vs {sum}",
        s.from_total_m2
    );

    // kept, added and removed partition ⋃2011 ∪ ⋃2017, here computed by one unary union of
    // every shape of both layers (i_overlay's single-pass union, not the pairwise merge).
    let shapes: Vec<MultiPolygon<f64>> = (0..p2011.len())
        .map(|i| p2011.shape(i))
        .chain((0..p2017.len()).map(|i| p2017.shape(i)))
        .map(|shape| shape.orient(Direction::Default))
        .collect();
    let everything = geo::unary_union(&shapes).unsigned_area();
    let partition = s.kept_m2 + s.added_m2 + s.removed_m2;
    assert!(
        close(partition, everything, 0.1),
        "{partition} vs {everything}"
    );
    let only_2017 = geo::unary_union(&shapes[p2011.len()..]).unsigned_area();
    assert!(
        close(s.to_total_m2, only_2017, 0.1),
        "{} vs {only_2017}",
        s.to_total_m2
    );
}

#[test]
fn on_the_default_data_csv_and_geojson_parse_back() {
    assert_encodings_parse_back(&DEFAULT_DIFF);
}

#[test]
fn on_the_default_data_the_comparison_layer_is_a_valid_layer_with_unique_ids() {
    let changes = DEFAULT_DIFF.layer();
    assert_eq!(
        changes.meta.id.as_str(),
        "compare-udsatte-byomraader-2011--udsatte-byomraader-2017"
    );
    assert_eq!(changes.meta.status, Status::Reconstructed);
    let mut ids: Vec<&str> = changes.areas.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), changes.areas.len());
}

#[test]
fn projecting_once_and_comparing_the_projections_gives_the_same_answer() {
    let (y2011, y2017) = &*DEFAULT;
    let (p2011, p2017) = (
        Projected::new(y2011).unwrap(),
        Projected::new(y2017).unwrap(),
    );
    let again = compare_projected(y2011, &p2011, y2017, &p2017).unwrap();
    assert_eq!(again, *DEFAULT_DIFF);
}

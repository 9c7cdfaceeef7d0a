//! The test dataset the API's and the service's tests share, all in lon/lat around Husum and
//! Bispebjerg (the shapes are made up, the answers known):
//! - `bydele-test` (admin units): two neighbouring squares, Brønshøj-Husum (12.44–12.48 E) and
//!   Bispebjerg (12.48–12.52 E), both 55.70–55.72 N; they share the edge at 12.48 E.
//! - `udsatte-byomraader-2011` (reconstructed, in force 2011-01-01 – 2017-06-22): Husum/Tingbjerg,
//!   12.44–12.47 E × 55.705–55.72 N.
//! - `udsatte-byomraader-2017` (official, in force 2017-06-22 – 2025-07-01): Tingbjerg/Husum,
//!   12.45–12.47 E × 55.71–55.72 N, and Bispebjerg NV, 12.49–12.51 E × 55.70–55.71 N (whose
//!   source properties include a `status`, which clashes with the layer's).
//! - `vand-test` (base map): a round lake of 360 vertices around (12.50, 55.715) and a zig-zag
//!   street of 200 vertices.

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};
use kvarter_core::{
    Area, Dataset, Date, Layer, LayerKind, LayerMeta, Properties, Source, Status, Title,
};
use serde_json::{Value, json};

/// Inside Brønshøj-Husum, Husum/Tingbjerg (2011) and Tingbjerg/Husum (2017).
pub const IN_BOTH_YEARS: (f64, f64) = (12.46, 55.715);
/// Inside Brønshøj-Husum and Husum/Tingbjerg (2011) only.
pub const IN_2011_ONLY: (f64, f64) = (12.455, 55.707);
/// Inside Bispebjerg and Bispebjerg NV (2017) only.
pub const IN_2017_ONLY: (f64, f64) = (12.50, 55.705);
/// On the edge Brønshøj-Husum and Bispebjerg share.
pub const ON_SHARED_EDGE: (f64, f64) = (12.48, 55.71);
/// In the lake of the base map, in Bispebjerg, in no designation.
pub const IN_THE_LAKE: (f64, f64) = (12.50, 55.715);
/// Far from every area (south of Amager).
pub const OUTSIDE: (f64, f64) = (12.60, 55.60);

/// The admin-unit layer.
pub const UNITS: &str = "bydele-test";
/// The 2011 designation (reconstructed).
pub const Y2011: &str = "udsatte-byomraader-2011";
/// The 2017 designation (official).
pub const Y2017: &str = "udsatte-byomraader-2017";
/// The base map.
pub const BASE: &str = "vand-test";

/// In [`with_state_lists`]: a synthetic municipal designation of the 2025 kind (in force since
/// 2025-07-01): Tingbjerg (synthetic), 12.45–12.47 E × 55.71–55.72 N.
pub const Y2025: &str = "synthetic-udsatte-byomraader-2025";
/// In [`with_state_lists`]: a synthetic state list in force 2024-12-01 – 2025-12-01, so part of
/// [`Y2025`]: estate `3`, "Estate 3 (synthetic)", 12.495–12.505 E × 55.702–55.708 N (inside
/// Bispebjerg NV of 2017).
pub const STATE_LIST: &str = "synthetic-forebyggelsesomraader-2024";
/// In [`with_state_lists`]: a synthetic state list that expired (2010-12-01 – 2011-12-01) long
/// before [`Y2025`] started, so never part of it: estate `1` around [`IN_2011_ONLY`].
pub const EXPIRED_LIST: &str = "synthetic-ghettoliste-2010";
/// In [`with_state_lists`]: on the state list [`STATE_LIST`] (and in Bispebjerg NV of 2017),
/// outside every municipal area of 2025.
pub const ON_STATE_LIST: (f64, f64) = IN_2017_ONLY;

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    let mut coords: Vec<Coord<f64>> = points.iter().map(|&(x, y)| Coord { x, y }).collect();
    if let Some(&first) = coords.first() {
        coords.push(first);
    }
    LineString::new(coords)
}

fn rectangle(west: f64, south: f64, east: f64, north: f64) -> MultiPolygon<f64> {
    let exterior = ring(&[(west, south), (east, south), (east, north), (west, north)]);
    MultiPolygon::new(vec![Polygon::new(exterior, vec![])])
}

fn area(
    id: &str,
    name: &str,
    parent: Option<&str>,
    shape: MultiPolygon<f64>,
    properties: Value,
) -> Area {
    let Value::Object(properties) = properties else {
        panic!("properties must be an object");
    };
    Area {
        id: id.into(),
        name: Some(name.into()),
        parent: parent.map(Into::into),
        area_m2: Some(kvarter_crs::area_m2(&shape).unwrap()),
        properties,
        geometry: Geometry::MultiPolygon(shape),
    }
}

fn meta(id: &str, da: &str, en: &str, kind: LayerKind, status: Status) -> LayerMeta {
    LayerMeta {
        id: id.parse().unwrap(),
        title: Title {
            da: da.into(),
            en: en.into(),
        },
        kind,
        authority: "Københavns Kommune".into(),
        policy: None,
        valid_from: None,
        valid_to: None,
        validity_note: None,
        status,
        source: Source {
            publisher: "Københavns Kommune".into(),
            origin: "test".into(),
            files: vec!["test.geojson".into()],
            vintage: "test 2025".into(),
        },
        licence: "CC BY 4.0".into(),
        method: None,
        confidence: None,
    }
}

/// The test dataset described in the module docs.
pub fn dataset() -> Dataset {
    Dataset {
        version: "test-1".into(),
        layers: vec![
            units(),
            designations_2011(),
            designations_2017(),
            base_map(),
        ],
    }
}

/// [`dataset`] plus the synthetic layers of the 2025 policy (every one labelled synthetic): the
/// municipal designation [`Y2025`], the state list [`STATE_LIST`] that counts as part of it,
/// and the expired list [`EXPIRED_LIST`] that does not.
pub fn with_state_lists() -> Dataset {
    let mut data = dataset();
    data.version = "test-state-lists-1".into();
    let synthetic =
        |id: &str, da: &str, en: &str, kind: LayerKind, from: &str, to: Option<&str>| {
            let mut meta = meta(id, da, en, kind, Status::Synthetic);
            meta.authority = "none (synthetic)".into();
            meta.source.publisher = "Kvarter tests".into();
            meta.source.vintage = "generated".into();
            meta.licence = "CC0 (generated)".into();
            meta.valid_from = Some(day(from));
            meta.valid_to = to.map(day);
            meta
        };
    data.layers.push(Layer {
        meta: synthetic(
            Y2025,
            "Udsatte byområder 2025 (syntetisk)",
            "Vulnerable urban areas 2025 (synthetic)",
            LayerKind::MunicipalDesignation,
            "2025-07-01",
            None,
        ),
        areas: vec![area(
            "tingbjerg",
            "Tingbjerg (synthetic)",
            None,
            rectangle(12.45, 55.71, 12.47, 55.72),
            json!({}),
        )],
    });
    data.layers.push(Layer {
        meta: synthetic(
            STATE_LIST,
            "Statens lister, forebyggelsesområder 2024 (syntetisk)",
            "State lists, prevention areas 2024 (synthetic)",
            LayerKind::StateDesignation,
            "2024-12-01",
            Some("2025-12-01"),
        ),
        areas: vec![area(
            "3",
            "Estate 3 (synthetic)",
            None,
            rectangle(12.495, 55.702, 12.505, 55.708),
            json!({}),
        )],
    });
    data.layers.push(Layer {
        meta: synthetic(
            EXPIRED_LIST,
            "Ghettolisten 2010 (syntetisk)",
            "Ghetto list 2010 (synthetic)",
            LayerKind::StateDesignation,
            "2010-12-01",
            Some("2011-12-01"),
        ),
        areas: vec![area(
            "1",
            "Old estate 1 (synthetic)",
            None,
            rectangle(12.45, 55.705, 12.46, 55.709),
            json!({}),
        )],
    });
    data
}

fn units() -> Layer {
    Layer {
        meta: meta(
            UNITS,
            "Bydele (test)",
            "Districts (test)",
            LayerKind::AdminUnit,
            Status::Official,
        ),
        areas: vec![
            area(
                "brh",
                "Brønshøj-Husum",
                None,
                rectangle(12.44, 55.70, 12.48, 55.72),
                json!({"bydel_nr": 8}),
            ),
            area(
                "bsp",
                "Bispebjerg",
                None,
                rectangle(12.48, 55.70, 12.52, 55.72),
                json!({"bydel_nr": 9}),
            ),
        ],
    }
}

fn designations_2011() -> Layer {
    let mut meta_2011 = meta(
        Y2011,
        "Udsatte byområder 2011 <rekonstrueret>",
        "Vulnerable urban areas 2011 (reconstructed)",
        LayerKind::MunicipalDesignation,
        Status::Reconstructed,
    );
    meta_2011.policy = Some("Politik for udsatte byområder 2011".into());
    meta_2011.valid_from = Some(day("2011-01-01"));
    meta_2011.valid_to = Some(day("2017-06-22"));
    meta_2011.validity_note = Some("start day approximate".into());
    meta_2011.method = Some("union of the roder in the kvarterer the 2011 text names".into());
    meta_2011.confidence = Some("low: overstates the real areas".into());
    Layer {
        meta: meta_2011,
        areas: vec![area(
            "husum-tingbjerg",
            "Husum/Tingbjerg",
            None,
            rectangle(12.44, 55.705, 12.47, 55.72),
            json!({"kvarterer": "Husum, Tingbjerg"}),
        )],
    }
}

fn designations_2017() -> Layer {
    let mut meta_2017 = meta(
        Y2017,
        "Udsatte byområder 2017",
        "Vulnerable urban areas 2017",
        LayerKind::MunicipalDesignation,
        Status::Official,
    );
    meta_2017.policy = Some("Politik for udsatte byområder 2017".into());
    meta_2017.valid_from = Some(day("2017-06-22"));
    meta_2017.valid_to = Some(day("2025-07-01"));
    Layer {
        meta: meta_2017,
        areas: vec![
            area(
                "tingbjerg-husum",
                "Tingbjerg/Husum",
                Some("Tingbjerg/Husum"),
                rectangle(12.45, 55.71, 12.47, 55.72),
                json!({"delomraade": "Tingbjerg"}),
            ),
            area(
                "bispebjerg-nv",
                "Bispebjerg NV",
                Some("Bispebjerg/Nordvest"),
                rectangle(12.49, 55.70, 12.51, 55.71),
                json!({"delomraade": "NV", "status": "aktiv"}),
            ),
        ],
    }
}

fn base_map() -> Layer {
    let lake_ring: Vec<(f64, f64)> = (0..360)
        .map(|i| {
            let angle = f64::from(i).to_radians();
            (12.50 + 0.003 * angle.cos(), 55.715 + 0.002 * angle.sin())
        })
        .collect();
    let street: Vec<Coord<f64>> = (0..200)
        .map(|i| Coord {
            x: 12.44 + f64::from(i) * 0.0004,
            y: 55.719 + if i % 2 == 0 { 0.0 } else { 0.000_01 },
        })
        .collect();
    Layer {
        meta: meta(
            BASE,
            "Vand og gader (test)",
            "Water and streets (test)",
            LayerKind::BaseMap,
            Status::Synthetic,
        ),
        areas: vec![
            Area {
                id: "soe".into(),
                name: Some("Søen".into()),
                parent: None,
                area_m2: None,
                properties: Properties::new(),
                geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![Polygon::new(
                    ring(&lake_ring),
                    vec![],
                )])),
            },
            Area {
                id: "gade".into(),
                name: Some("Gaden".into()),
                parent: None,
                area_m2: None,
                properties: Properties::new(),
                geometry: Geometry::MultiLineString(MultiLineString::new(vec![LineString::new(
                    street,
                )])),
            },
        ],
    }
}

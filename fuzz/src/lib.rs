//! What the fuzz targets share: each writes the fuzzer's bytes as the file(s) of one format in
//! a folder of its own process, then reads them with the importer's reader and prepares a layer
//! from what was read — conversion, the Denmark check, validation and repair — exactly as
//! `kvarter layers import` does. Any outcome but a panic (or a sanitizer report) is fine: a
//! reader must refuse bad bytes with an error, never crash.

use std::path::PathBuf;

use kvarter_core::{LayerKind, LayerMeta};
use kvarter_crs::Crs;
use kvarter_data::import::{self, Fields, ImportOptions, ReadOptions, Source};

/// A folder for this process's files (fuzzers run one process per job).
pub fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kvarter-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Reads `path` and, when that works, prepares a layer from it with `crs`.
pub fn read_and_prepare(path: PathBuf, crs: Option<Crs>) {
    let options = ImportOptions {
        meta: LayerMeta::synthetic("fuzz".parse().expect("a layer id"), LayerKind::AdminUnit),
        fields: Fields::default(),
        crs,
        read: ReadOptions::default(),
        replace: false,
    };
    if let Ok(raw) = import::read_source(&Source::File(path), &options.read) {
        let _ = import::prepare(raw, &options, &mut |_| {});
    }
}

/// The layer ids of [`tiler`]'s index: the embedded dataset's.
pub const LAYER_IDS: [&str; 12] = [
    "udsatte-byomraader-2011",
    "udsatte-byomraader-2017",
    "kommune-2023",
    "bydele-2023",
    "lokaludvalg-2023",
    "tryghedsdistrikter-2025",
    "kvarterer-2023",
    "roder-2023",
    "vand-2014",
    "parker-2014",
    "karreer-2014",
    "vejklasser-2014",
];

/// An index of empty layers named as the embedded dataset's, and a tiler for it (built once per
/// process): enough for the tile path's layer list, which only looks layers up.
pub fn tiler() -> &'static (kvarter_index::Index, kvarter_tiles::Tiler) {
    static TILER: std::sync::OnceLock<(kvarter_index::Index, kvarter_tiles::Tiler)> =
        std::sync::OnceLock::new();
    TILER.get_or_init(|| {
        let layers = LAYER_IDS
            .iter()
            .map(|id| kvarter_core::Layer {
                meta: LayerMeta::synthetic(id.parse().expect("a layer id"), LayerKind::AdminUnit),
                areas: Vec::new(),
            })
            .collect();
        let index = kvarter_index::Index::new(kvarter_core::Dataset {
            version: "fuzz".to_owned(),
            layers,
        });
        let tiler = kvarter_tiles::Tiler::new(&index, kvarter_tiles::TileConfig::default());
        (index, tiler)
    })
}

/// A gazetteer of a few real Copenhagen addresses, streets and a postcode (built once per
/// process), for the search.
pub fn gazetteer() -> &'static kvarter_geocode::Gazetteer {
    use kvarter_geocode::{Entry, Gazetteer, HouseNumber, Kind};
    static GAZETTEER: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
    GAZETTEER.get_or_init(|| {
        let address =
            |id: &str, street: &str, number: HouseNumber, code: u16, district: &str| Entry {
                kind: Kind::Address,
                id: id.to_owned(),
                text: format!("{street} {number}, {code} {district}"),
                street: Some(street.to_owned()),
                house_number: Some(number),
                postcode: Some(code),
                district: Some(district.to_owned()),
                point: geo::Point::new(12.55, 55.69),
            };
        let named = |kind: Kind, id: &str, text: &str, code: Option<u16>| Entry {
            kind,
            id: id.to_owned(),
            text: text.to_owned(),
            street: None,
            house_number: None,
            postcode: code,
            district: None,
            point: geo::Point::new(12.56, 55.68),
        };
        Gazetteer::new(vec![
            address(
                "a1",
                "Mjølnerparken",
                HouseNumber::new(2),
                2200,
                "København N",
            ),
            address(
                "a2",
                "Istedgade",
                HouseNumber::new(119),
                1650,
                "København V",
            ),
            address(
                "a3",
                "Tingbjerg Allé",
                HouseNumber::with_letter(12, 'B'),
                2700,
                "Brønshøj",
            ),
            address(
                "a4",
                "H.C. Ørsteds Vej",
                HouseNumber::new(7),
                1879,
                "Frederiksberg C",
            ),
            address("a5", "Åboulevard", HouseNumber::new(1), 1635, "København V"),
            named(Kind::Street, "s1", "Valby Langgade", Some(2500)),
            named(Kind::Place, "p1", "Aldersrogade", None),
            named(Kind::Postcode, "2300", "2300 København S", Some(2300)),
        ])
    })
}

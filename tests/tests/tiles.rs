//! Vector tiles from the real binary on the embedded dataset: a warmed server and one without a
//! tile cache, decoded with `mvt-reader`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Read as _;
use std::sync::OnceLock;

use kvarter_e2e::Server;
use mvt_reader::Reader;
use mvt_reader::feature::Value;

const DESIGNATIONS: &str = "udsatte-byomraader-2017,udsatte-byomraader-2011";
/// Tingbjerg at zoom 14 (the tile holding 12.4795 E, 55.7125 N).
const TINGBJERG_Z14: &str = "14/8759/5125";

fn warm() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start(&["--warm", "0-12"]))
}

fn uncached() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start(&["--tile-cache-mb", "0"]))
}

/// MVT layer → (area name → status) of a tile.
fn names_and_status(bytes: Vec<u8>) -> BTreeMap<String, BTreeMap<String, String>> {
    let reader = Reader::new(bytes).unwrap();
    let mut layers = BTreeMap::new();
    for (index, name) in reader.get_layer_names().unwrap().into_iter().enumerate() {
        let mut areas = BTreeMap::new();
        for feature in reader.get_features(index).unwrap() {
            let properties = feature.properties.unwrap();
            let text = |key: &str| match properties.get(key) {
                Some(Value::String(s)) => s.clone(),
                other => panic!("{key}: {other:?}"),
            };
            areas.insert(text("name"), text("status"));
        }
        layers.insert(name, areas);
    }
    layers
}

#[test]
fn the_tingbjerg_tile_shows_the_2017_area_as_official_and_the_2011_one_as_reconstructed() {
    let response = warm().get_with(
        &format!("/tiles/{DESIGNATIONS}/{TINGBJERG_Z14}.mvt"),
        ("accept-encoding", "gzip"),
    );
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    // reqwest is built without gzip support, so the body arrives as sent.
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(&response.bytes().unwrap()[..])
        .read_to_end(&mut bytes)
        .unwrap();
    let layers = names_and_status(bytes);
    assert_eq!(
        layers["udsatte-byomraader-2017"]["Tingbjerg/Husum"],
        "official"
    );
    assert_eq!(
        layers["udsatte-byomraader-2011"]["Husum/Tingbjerg"],
        "reconstructed"
    );
}

#[test]
fn warming_fills_the_tile_cache_and_a_cacheless_server_reports_none() {
    let health = warm().json("/health", 200);
    assert!(
        health["tile_cache"]["tiles"].as_u64().unwrap() > 100,
        "{health}"
    );
    assert_eq!(
        uncached().json("/health", 200)["tile_cache"],
        serde_json::Value::Null
    );
}

#[test]
fn two_processes_serve_the_same_bytes_and_etags_with_and_without_a_cache() {
    for tile in ["10/547/320", "12/2190/1282", TINGBJERG_Z14] {
        let path = format!("/tiles/{DESIGNATIONS},roder-2023/{tile}.mvt");
        let a = warm().get(&path);
        let b = uncached().get(&path);
        assert_eq!(a.status(), 200, "{path}");
        assert_eq!(a.headers()["etag"], b.headers()["etag"], "{path}");
        assert_eq!(a.bytes().unwrap(), b.bytes().unwrap(), "{path}");
    }
}

#[test]
fn tilejson_leads_to_tiles_the_server_serves() {
    let doc = warm().json(&format!("/tiles/{DESIGNATIONS}.json"), 200);
    let template = doc["tiles"][0].as_str().unwrap();
    let url = template
        .replace("{z}", "14")
        .replace("{x}", "8759")
        .replace("{y}", "5125");
    let path = &url[url.find("/tiles/").unwrap()..];
    assert_eq!(warm().get(path).status(), 200);
    assert!(
        doc["attribution"]
            .as_str()
            .unwrap()
            .contains("reconstructed")
    );
}

#[test]
fn a_bad_tile_path_is_a_json_400_and_an_empty_tile_a_204() {
    let body = warm().json("/tiles/roder-2023/12/5000/0.mvt", 400);
    assert_eq!(body["error"], "bad_parameter");
    assert!(body["detail"].as_str().unwrap().contains("x=5000"));
    let empty = warm().get("/tiles/roder-2023/12/0/0.mvt");
    assert_eq!(empty.status(), 204);
    assert!(empty.headers().contains_key("etag"));
}

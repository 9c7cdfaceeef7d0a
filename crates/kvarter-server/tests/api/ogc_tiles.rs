//! OGC API – Tiles under `/ogc`: the `WebMercatorQuad` definition, a layer's tilesets and
//! tileset (links, limits, layers), and its tiles — the `/tiles` tiles, byte for byte and
//! `ETag` for `ETag` — with the standard's exceptions for bad addresses.

use axum::http::StatusCode;
use kvarter_server::ServerConfig;
use kvarter_tiles::TileCoord;
use mvt_reader::Reader;
use serde_json::Value;

use crate::support::{
    Answer, IN_BOTH_YEARS, OUTSIDE, Y2017, get, get_json, request, send_to, state, state_with,
};

/// The tile of `point` at zoom `z`, as `/tiles` and as OGC API – Tiles address it.
fn both_paths(layer: &str, z: u8, point: (f64, f64)) -> (String, String) {
    let tile = TileCoord::containing(point.0, point.1, z);
    (
        format!("/tiles/{layer}/{z}/{}/{}.mvt", tile.x(), tile.y()),
        format!(
            "/ogc/collections/{layer}/tiles/WebMercatorQuad/{z}/{}/{}",
            tile.y(),
            tile.x()
        ),
    )
}

fn link<'a>(document: &'a Value, rel: &str) -> &'a Value {
    document["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|link| link["rel"] == rel)
        .unwrap_or_else(|| panic!("no {rel} link in {document}"))
}

/// Asserts that `answer` is the standard's exception with `status`, naming `named`.
fn assert_exception(uri: &str, answer: &Answer, status: StatusCode, named: &str) {
    assert_eq!(answer.status, status, "{uri}: {}", answer.text());
    assert_eq!(answer.content_type(), "application/json", "{uri}");
    let body = answer.json();
    let members: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(members, ["code", "description"], "{uri}: {body}");
    assert!(
        body["description"].as_str().unwrap().contains(named),
        "{uri}: {body} should name {named}"
    );
}

#[tokio::test]
async fn web_mercator_quad_is_listed_and_defined_with_the_registered_numbers() {
    let list = get_json("/ogc/tileMatrixSets", StatusCode::OK).await;
    let set = &list["tileMatrixSets"][0];
    assert_eq!(set["id"], "WebMercatorQuad");
    assert_eq!(
        set["uri"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    let definition = link(set, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")["href"]
        .as_str()
        .unwrap();
    assert_eq!(
        definition,
        "http://localhost/ogc/tileMatrixSets/WebMercatorQuad"
    );

    let set = get_json("/ogc/tileMatrixSets/WebMercatorQuad", StatusCode::OK).await;
    assert_eq!(set["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    assert_eq!(set["orderedAxes"], serde_json::json!(["X", "Y"]));
    let matrices = set["tileMatrices"].as_array().unwrap();
    assert_eq!(matrices.len(), 21, "zoom levels 0 to 20");
    // The numbers of the register (OGC 17-083r4, Annex D), to the last digit JSON carries.
    let level_0 = &matrices[0];
    assert!((level_0["scaleDenominator"].as_f64().unwrap() - 559_082_264.028_717_8).abs() < 1e-6);
    assert!((level_0["cellSize"].as_f64().unwrap() - 156_543.033_928_040_97).abs() < 1e-9);
    assert_eq!(matrices[0]["cornerOfOrigin"], "topLeft");
    assert_eq!(matrices[0]["tileWidth"], 256);
    let level_14 = &matrices[14];
    assert_eq!(level_14["id"], "14");
    assert!((level_14["scaleDenominator"].as_f64().unwrap() - 34_123.673_341_596_54).abs() < 1e-9);
    assert!((level_14["cellSize"].as_f64().unwrap() - 9.554_628_535_647_03).abs() < 1e-12);
    assert_eq!(level_14["matrixWidth"], 16_384);
    assert_eq!(level_14["matrixHeight"], 16_384);

    let uri = "/ogc/tileMatrixSets/WorldCRS84Quad";
    assert_exception(
        uri,
        &get(uri).await,
        StatusCode::NOT_FOUND,
        "WorldCRS84Quad",
    );
}

#[tokio::test]
async fn a_layer_has_one_vector_tileset_linking_its_tiles_and_its_tile_matrix_set() {
    let list = get_json(&format!("/ogc/collections/{Y2017}/tiles"), StatusCode::OK).await;
    let tilesets = list["tilesets"].as_array().unwrap();
    assert_eq!(tilesets.len(), 1);
    assert_eq!(tilesets[0]["dataType"], "vector");
    let href = link(&tilesets[0], "self")["href"].as_str().unwrap();
    assert_eq!(
        href,
        format!("http://localhost/ogc/collections/{Y2017}/tiles/WebMercatorQuad")
    );

    let tileset = get_json(
        href.strip_prefix("http://localhost").unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(tileset["dataType"], "vector");
    assert_eq!(
        tileset["tileMatrixSetURI"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    let item = link(&tileset, "item");
    assert_eq!(
        item["href"],
        format!(
            "http://localhost/ogc/collections/{Y2017}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"
        )
    );
    assert_eq!(item["type"], "application/vnd.mapbox-vector-tile");
    assert_eq!(item["templated"], true);
    assert_eq!(link(&tileset, "self")["href"], href);
    assert_eq!(
        link(
            &tileset,
            "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
        )["href"],
        "http://localhost/ogc/tileMatrixSets/WebMercatorQuad"
    );
    // The layer and its label points, with the TileJSON's fields.
    let tilejson = get_json(&format!("/tiles/{Y2017}.json"), StatusCode::OK).await;
    let layers = tileset["layers"].as_array().unwrap();
    let ids: Vec<&str> = layers.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [Y2017.to_owned(), format!("{Y2017}_labels")]);
    assert_eq!(layers[0]["geometryDimension"], 2);
    assert_eq!(layers[1]["geometryDimension"], 0);
    let fields = tilejson["vector_layers"][0]["fields"].as_object().unwrap();
    let properties = layers[0]["propertiesSchema"]["properties"]
        .as_object()
        .unwrap();
    assert_eq!(
        properties.keys().collect::<Vec<_>>(),
        fields.keys().collect::<Vec<_>>()
    );
    assert_eq!(properties["id"]["type"], "string");
    // Provenance, as on the collection.
    let collection = get_json(&format!("/ogc/collections/{Y2017}"), StatusCode::OK).await;
    for member in ["status", "licence", "source"] {
        assert_eq!(tileset[member], collection[member], "{member}");
    }
}

#[tokio::test]
async fn tileset_limits_hold_the_tiles_of_the_layers_bounds_at_every_offered_zoom_level() {
    let collection = get_json(&format!("/ogc/collections/{Y2017}"), StatusCode::OK).await;
    let bbox: Vec<f64> = collection["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let path = format!("/ogc/collections/{Y2017}/tiles/WebMercatorQuad");
    let tileset = get_json(&path, StatusCode::OK).await;
    let limits = tileset["tileMatrixSetLimits"].as_array().unwrap();
    assert_eq!(limits.len(), 21, "tiles.maxzoom is 20 by default");
    for (z, limit) in (0_u8..).zip(limits) {
        let north_west = TileCoord::containing(bbox[0], bbox[3], z);
        let south_east = TileCoord::containing(bbox[2], bbox[1], z);
        assert_eq!(limit["tileMatrix"], z.to_string());
        assert_eq!(limit["minTileRow"], north_west.y(), "{z}");
        assert_eq!(limit["maxTileRow"], south_east.y(), "{z}");
        assert_eq!(limit["minTileCol"], north_west.x(), "{z}");
        assert_eq!(limit["maxTileCol"], south_east.x(), "{z}");
    }
    let inside = TileCoord::containing(IN_BOTH_YEARS.0, IN_BOTH_YEARS.1, 12);
    assert!(limits[12]["minTileRow"].as_u64().unwrap() <= u64::from(inside.y()));
    assert!(u64::from(inside.y()) <= limits[12]["maxTileRow"].as_u64().unwrap());

    // A smaller tiles.maxzoom offers fewer levels, as the TileJSON does.
    let config: ServerConfig = serde_json::from_str(r#"{"tiles": {"maxzoom": 14}}"#).unwrap();
    let answer = crate::support::get_from(state_with(config), &path).await;
    let tileset = answer.json();
    assert_eq!(tileset["tileMatrixSetLimits"].as_array().unwrap().len(), 15);
    assert_eq!(tileset["layers"][0]["maxTileMatrix"], "14");
}

#[tokio::test]
async fn an_ogc_tile_is_the_xyz_tile_with_the_same_bytes_etag_and_caching_headers() {
    let (xyz, ogc) = both_paths(Y2017, 12, IN_BOTH_YEARS);
    let app_state = state();
    for encoding in ["", "gzip", "br"] {
        let headers: &[(&str, &str)] = if encoding.is_empty() {
            &[]
        } else {
            &[("accept-encoding", encoding)]
        };
        let from_tiles = send_to(app_state.clone(), request(&xyz, headers)).await;
        let from_ogc = send_to(app_state.clone(), request(&ogc, headers)).await;
        assert_eq!(
            from_ogc.status,
            StatusCode::OK,
            "{ogc}: {}",
            from_ogc.text()
        );
        assert_eq!(from_ogc.body, from_tiles.body, "{encoding}");
        for header in [
            "etag",
            "cache-control",
            "vary",
            "content-type",
            "content-encoding",
        ] {
            assert_eq!(
                from_ogc.headers.get(header),
                from_tiles.headers.get(header),
                "{header} ({encoding})"
            );
        }
    }
    let tile = send_to(app_state, request(&ogc, &[])).await;
    assert_eq!(tile.content_type(), "application/vnd.mapbox-vector-tile");
    let names = Reader::new(tile.body).unwrap().get_layer_names().unwrap();
    assert_eq!(names, [Y2017.to_owned(), format!("{Y2017}_labels")]);
}

#[tokio::test]
async fn if_none_match_with_the_etag_of_an_ogc_tile_is_a_304() {
    let (xyz, ogc) = both_paths(Y2017, 12, IN_BOTH_YEARS);
    let app_state = state();
    let first = send_to(app_state.clone(), request(&ogc, &[])).await;
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    let again = send_to(
        app_state.clone(),
        request(&ogc, &[("if-none-match", etag.as_str())]),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.headers["etag"], etag.as_str());
    assert_eq!(again.headers["cache-control"], "public, max-age=3600");
    // The tag a client got from /tiles serves for the same tile here, and the other way round.
    let crossed = send_to(
        app_state,
        request(&xyz, &[("if-none-match", etag.as_str())]),
    )
    .await;
    assert_eq!(crossed.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn a_tile_outside_the_layers_limits_is_a_204_as_on_tiles() {
    let (xyz, ogc) = both_paths(Y2017, 12, OUTSIDE);
    let from_tiles = get(&xyz).await;
    let from_ogc = get(&ogc).await;
    assert_eq!(from_tiles.status, StatusCode::NO_CONTENT);
    assert_eq!(from_ogc.status, StatusCode::NO_CONTENT);
    assert_eq!(from_ogc.headers["etag"], from_tiles.headers["etag"]);
}

#[tokio::test]
async fn bad_tile_addresses_are_400_exceptions_and_unknown_collections_or_sets_404s() {
    let tiles = format!("/ogc/collections/{Y2017}/tiles/WebMercatorQuad");
    for (address, named) in [
        ("21/0/0", "tileMatrix"),
        ("x/0/0", "tileMatrix"),
        ("2/4/0", "tileRow"),
        ("2/-1/0", "tileRow"),
        ("2/0/4", "tileCol"),
        ("12/1282/1e3", "tileCol"),
    ] {
        let uri = format!("{tiles}/{address}");
        assert_exception(&uri, &get(&uri).await, StatusCode::BAD_REQUEST, named);
    }
    let uri = format!("{tiles}/0/0/0?f=png");
    assert_exception(&uri, &get(&uri).await, StatusCode::BAD_REQUEST, "f");
    for (uri, named) in [
        (
            "/ogc/collections/roder-1900/tiles/WebMercatorQuad/0/0/0".to_owned(),
            "roder-1900",
        ),
        (
            format!("/ogc/collections/{Y2017},{Y2017}/tiles/WebMercatorQuad/0/0/0"),
            Y2017,
        ),
        (
            format!("/ogc/collections/{Y2017}/tiles/WorldCRS84Quad/0/0/0"),
            "WorldCRS84Quad",
        ),
        (
            format!("/ogc/collections/{Y2017}/tiles/WorldCRS84Quad"),
            "WorldCRS84Quad",
        ),
        ("/ogc/collections/roder-1900/tiles".to_owned(), "roder-1900"),
    ] {
        assert_exception(&uri, &get(&uri).await, StatusCode::NOT_FOUND, named);
    }
}

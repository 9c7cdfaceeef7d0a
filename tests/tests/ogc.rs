//! OGC API – Features through a real client: GDAL's OAPIF driver (Debian's `gdal-bin`, which
//! `scripts/setup-gdal` installs) lists Kvarter's collections and copies a layer through its
//! pages, and the copy equals `/api/layers/{id}/features`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use kvarter_e2e::{Server, gdal};
use serde_json::Value;

fn ids(collection: &Value) -> BTreeSet<String> {
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| match &feature["properties"]["id"] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Copies the collection `id` with `ogr2ogr` through pages of `page_size` and checks the copy
/// against `/api/layers/{id}/features`: `count` features, the same ids and names, every
/// coordinate within 1e-7°.
fn copy_equals_the_api(server: &Server, id: &str, count: usize, page_size: usize) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(format!("{id}.geojson"));
    let Some(_) = gdal(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            "-oo",
            &format!("PAGE_SIZE={page_size}"),
            copy.to_str().unwrap(),
            &format!("OAPIF:{}/ogc", server.base),
            id,
        ],
    ) else {
        return;
    };
    let copied: Value = serde_json::from_slice(&std::fs::read(&copy).unwrap()).unwrap();
    let api = server.json(&format!("/api/layers/{id}/features"), 200);
    let copied = copied["features"].as_array().unwrap();
    assert_eq!(copied.len(), count, "{id}");
    let theirs: std::collections::HashMap<String, &Value> = api["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| (key(&feature["properties"]["id"]), feature))
        .collect();
    assert_eq!(theirs.len(), count, "{id}");
    let mut seen = BTreeSet::new();
    for feature in copied {
        let fid = key(&feature["properties"]["id"]);
        assert!(seen.insert(fid.clone()), "{id}: {fid} copied twice");
        let original = theirs
            .get(&fid)
            .unwrap_or_else(|| panic!("{id}: {fid} is not in the API's answer"));
        assert_eq!(
            feature["properties"]["name"],
            original["properties"]["name"]
        );
        let (mut a, mut b) = (Vec::new(), Vec::new());
        coordinates(&feature["geometry"]["coordinates"], &mut a);
        coordinates(&original["geometry"]["coordinates"], &mut b);
        assert_eq!(a.len(), b.len(), "{id}: {fid}");
        for (p, q) in a.iter().zip(&b) {
            assert!(
                (p.0 - q.0).abs() <= 1e-7 && (p.1 - q.1).abs() <= 1e-7,
                "{id}: {fid}: {p:?} against {q:?}"
            );
        }
    }
}

fn key(id: &Value) -> String {
    match id {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[test]
fn gdal_lists_every_collection_and_copies_roder_and_karreer_through_the_pages() {
    let server = Server::start(&[]);
    let source = format!("OAPIF:{}/ogc", server.base);
    let Some(listing) = gdal("ogrinfo", &["-ro", "-q", &source]) else {
        return;
    };
    let collections = server.json("/ogc/collections", 200);
    let listed = collections["collections"].as_array().unwrap();
    assert!(
        listed.len()
            > server.json("/api/layers", 200)["layers"]
                .as_array()
                .unwrap()
                .len()
    );
    for collection in listed {
        let id = collection["id"].as_str().unwrap();
        assert!(listing.contains(id), "ogrinfo lists {id}:\n{listing}");
    }
    copy_equals_the_api(&server, "roder-2023", 399, 100);
    copy_equals_the_api(&server, "karreer-2014", 4886, 1000);
}

#[test]
fn items_page_with_next_links_and_errors_are_the_standards_exceptions() {
    let server = Server::start(&[]);
    let first = server.json("/ogc/collections/roder-2023/items?limit=150", 200);
    assert_eq!(first["numberMatched"], 399);
    assert_eq!(first["numberReturned"], 150);
    let next = first["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|link| link["rel"] == "next")
        .expect("a next link")["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = next.strip_prefix(&server.base).unwrap();
    let second = server.json(path, 200);
    assert_eq!(second["numberReturned"], 150);
    assert!(
        ids(&first).is_disjoint(&ids(&second)),
        "pages do not overlap"
    );
    let last = server.json(
        "/ogc/collections/roder-2023/items?limit=150&offset=300",
        200,
    );
    assert_eq!(last["numberReturned"], 99);
    assert!(
        !last["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "next"),
        "no next link on the last page"
    );

    // A designation is a temporal feature: the 2011 areas were in force in 2012, not in 2020.
    let in_2012 = server.json(
        "/ogc/collections/udsatte-byomraader-2011/items?datetime=2012-06-01",
        200,
    );
    assert_eq!(in_2012["numberMatched"], 6);
    let in_2020 = server.json(
        "/ogc/collections/udsatte-byomraader-2011/items?datetime=2020-01-01",
        200,
    );
    assert_eq!(in_2020["numberMatched"], 0);
    let bad_time = server.json(
        "/ogc/collections/udsatte-byomraader-2011/items?datetime=soon",
        400,
    );
    assert!(
        bad_time["description"]
            .as_str()
            .unwrap()
            .contains("datetime")
    );

    let conformance = server.json("/ogc/conformance", 200);
    assert!(conformance["conformsTo"].to_string().contains("conf/core"));
    let bad = server.json("/ogc/collections/roder-2023/items?limit=0", 400);
    assert_eq!(bad["code"], "bad_parameter");
    assert!(bad["description"].as_str().unwrap().contains("limit"));
    let unknown = server.json("/ogc/collections/roder-1900", 404);
    assert!(
        unknown["description"]
            .as_str()
            .unwrap()
            .contains("roder-1900")
    );
}

/// Every coordinate of a GeoJSON geometry, in order.
fn coordinates(geometry: &Value, out: &mut Vec<(f64, f64)>) {
    match geometry {
        Value::Array(items) if items.len() >= 2 && items[0].is_number() => {
            out.push((items[0].as_f64().unwrap(), items[1].as_f64().unwrap()));
        }
        Value::Array(items) => items.iter().for_each(|item| coordinates(item, out)),
        _ => {}
    }
}

#[test]
fn items_in_epsg_25832_equal_gdals_projection_of_the_crs84_items_to_the_millimetre() {
    let server = Server::start(&[]);
    let items = "/ogc/collections/udsatte-byomraader-2017/items";
    let utm_uri = "http://www.opengis.net/def/crs/EPSG/0/25832";
    let answer = server.get(&format!("{items}?crs={utm_uri}"));
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.headers()["content-crs"],
        format!("<{utm_uri}>").as_str()
    );
    let utm: Value = answer.json().unwrap();
    assert_eq!(
        server.get(items).headers()["content-crs"],
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    );

    // GDAL (PROJ) projects the lon/lat answer.
    let dir = tempfile::tempdir().unwrap();
    let lonlat = dir.path().join("lonlat.geojson");
    std::fs::write(&lonlat, server.get(items).bytes().unwrap()).unwrap();
    let projected = dir.path().join("utm.geojson");
    let Some(_) = gdal(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            "-s_srs",
            "OGC:CRS84",
            "-t_srs",
            "EPSG:25832",
            "-lco",
            "COORDINATE_PRECISION=4",
            projected.to_str().unwrap(),
            lonlat.to_str().unwrap(),
        ],
    ) else {
        return;
    };
    let gdal_utm: Value = serde_json::from_slice(&std::fs::read(&projected).unwrap()).unwrap();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for (feature, other) in utm["features"]
        .as_array()
        .unwrap()
        .iter()
        .zip(gdal_utm["features"].as_array().unwrap())
    {
        coordinates(&feature["geometry"]["coordinates"], &mut ours);
        coordinates(&other["geometry"]["coordinates"], &mut theirs);
    }
    assert!(ours.len() > 1000, "{} coordinates", ours.len());
    assert_eq!(ours.len(), theirs.len());
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a.0 - b.0).hypot(a.1 - b.1))
        .fold(0.0, f64::max);
    assert!(worst <= 0.001, "the largest difference is {worst} m");

    // A box in EPSG:25832 selects what the same place in lon/lat does; a CRS not offered is a 400.
    let in_utm = server.json(
        &format!("{items}?bbox=720000,6175000,724000,6180000&bbox-crs={utm_uri}"),
        200,
    );
    assert!(in_utm["numberMatched"].as_u64().unwrap() > 0);
    let bad = server.json(&format!("{items}?crs=EPSG:4326"), 400);
    assert!(bad["description"].as_str().unwrap().contains("25832"));
}

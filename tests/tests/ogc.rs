//! OGC API – Features through a real client: GDAL's OAPIF driver (Debian's `gdal-bin`, which
//! `scripts/setup-gdal` installs) lists Kvarter's collections and copies a layer through its
//! pages, and the copy equals `/api/layers/{id}/features`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;

use kvarter_e2e::Server;
use serde_json::Value;

/// Runs a GDAL program; `None` (after saying so) when it is missing outside CI.
fn gdal(program: &str, args: &[&str]) -> Option<String> {
    match Command::new(program).args(args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("{program} is missing (run scripts/setup-gdal); skipping");
            None
        }
        Err(error) => panic!("{program} is needed in CI (scripts/setup-gdal installs it): {error}"),
    }
}

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

#[test]
fn gdal_lists_every_layer_and_copies_the_399_roder_through_the_pages() {
    let server = Server::start(&[]);
    let source = format!("OAPIF:{}/ogc", server.base);
    let Some(listing) = gdal("ogrinfo", &["-ro", "-q", &source]) else {
        return;
    };
    let layers = server.json("/api/layers", 200);
    for layer in layers["layers"].as_array().unwrap() {
        let id = layer["id"].as_str().unwrap();
        assert!(listing.contains(id), "ogrinfo lists {id}:\n{listing}");
    }

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("roder.geojson");
    gdal(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            copy.to_str().unwrap(),
            &source,
            "roder-2023",
        ],
    )
    .unwrap();
    let copied: Value = serde_json::from_slice(&std::fs::read(&copy).unwrap()).unwrap();
    let api = server.json("/api/layers/roder-2023/features", 200);
    assert_eq!(copied["features"].as_array().unwrap().len(), 399);
    assert_eq!(ids(&copied), ids(&api), "the same roder, each once");
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

//! `kvarter layers import` on files written by a program no one here wrote: GDAL's `ogr2ogr`
//! turns the embedded 2017 layer into a Shapefile in EPSG:25832 with a Windows-1252 `.dbf`, a
//! zipped Shapefile, a GeoPackage and a FlatGeobuf; the city's own WKT CSV export and its WFS
//! GeoJSON (served here by a small paging server) come from `../shared`. Each import must give
//! the embedded layer's areas — ids, names with æøå, m² within 0.01 % — and its lookup answers.
//! Then bad input, each refused with a clear error and the folder unchanged; and `kill -9` of
//! an import at every step, after which the folder loads and serves.
//!
//! `ogr2ogr` comes from Debian's `gdal-bin`, installed by `scripts/setup-gdal` (which
//! `scripts/test` runs). Outside CI a machine without it skips the GDAL fixtures, saying so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use geo::InteriorPoint;
use kvarter_core::Layer;
use kvarter_data::manifest::sha256_hex;
use kvarter_e2e::{Server, binary, data_folder, run};

const EMBEDDED_2017: &str = "udsatte-byomraader-2017";
const IMPORTED: &str = "udsatte-byomraader-2017-import";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared_2017(file: &str) -> PathBuf {
    repo()
        .join("../shared/geodata-sources/kk-udsatte-byomraader-2017")
        .join(file)
}

/// The embedded 2017 layer, from the repository's data folder.
fn embedded_2017() -> Layer {
    let (dataset, _) = kvarter_data::dataset::load_dir(&repo().join("geodata")).unwrap();
    dataset
        .layers
        .into_iter()
        .find(|l| l.meta.id.as_str() == EMBEDDED_2017)
        .unwrap()
}

/// `kvarter --data DIR layers import SOURCE` with the metadata of a test copy of the 2017 layer
/// and `extra` options.
fn import(dir: &Path, source: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "--data",
        dir.to_str().unwrap(),
        "layers",
        "import",
        source,
        "--id",
        IMPORTED,
        "--kind",
        "municipal_designation",
        "--authority",
        "Københavns Kommune",
        "--policy",
        "Politik for udsatte byområder 2017-2025",
        "--valid-from",
        "2017-06-22",
        "--valid-to",
        "2025-07-01",
        "--title-da",
        "Udsatte byområder 2017 (importeret i test)",
        "--title-en",
        "Vulnerable urban areas 2017 (imported by a test)",
        "--source-publisher",
        "Københavns Kommune",
        "--source-url",
        "https://wfs-kbhkort.kk.dk/k101/ows",
        "--vintage",
        "the embedded 2017 layer, converted by ogr2ogr in a test",
        "--licence",
        "CC BY 4.0",
        "--name-field",
        "delomraade",
        "--parent-field",
        "byomraade",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn imported_layer(dir: &Path) -> Layer {
    let (dataset, _) = kvarter_data::dataset::load_dir(dir).unwrap();
    dataset
        .layers
        .into_iter()
        .find(|l| l.meta.id.as_str() == IMPORTED)
        .expect("the imported layer is in the folder")
}

/// The imported layer has the embedded layer's areas: ids, names, parents, m² within 0.01 %;
/// and a lookup at each embedded area's interior point finds the same area in both.
fn assert_same_as_embedded(dir: &Path, what: &str) {
    let embedded = embedded_2017();
    let imported = imported_layer(dir);
    let by_id = |layer: &Layer| -> BTreeMap<String, (Option<String>, Option<String>, f64)> {
        layer
            .areas
            .iter()
            .map(|a| {
                (
                    a.id.clone(),
                    (a.name.clone(), a.parent.clone(), a.area_m2.unwrap()),
                )
            })
            .collect()
    };
    let (want, got) = (by_id(&embedded), by_id(&imported));
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "{what}: area ids"
    );
    for (id, (name, parent, m2)) in &want {
        let (got_name, got_parent, got_m2) = &got[id];
        assert_eq!(got_name, name, "{what}: name of {id}");
        assert_eq!(got_parent, parent, "{what}: parent of {id}");
        assert!(
            (got_m2 - m2).abs() / m2 < 1e-4,
            "{what}: area {id}: {got_m2} m² vs {m2} m²"
        );
    }
    assert!(
        imported
            .areas
            .iter()
            .any(|a| a.name.as_deref() == Some("Nørrebro")
                || a.parent.as_deref() == Some("Nørrebro")),
        "{what}: 'Nørrebro' survived"
    );
    let service = kvarter_service::Service::load(
        &kvarter_data::store::DataDir::new(dir),
        kvarter_service::ServiceConfig::default(),
    )
    .unwrap();
    let query = kvarter_index::LookupQuery {
        layers: Some(vec![
            EMBEDDED_2017.parse().unwrap(),
            IMPORTED.parse().unwrap(),
        ]),
        at: None,
    };
    for area in &embedded.areas {
        let point = area.geometry.interior_point().unwrap();
        let hits = service.index().lookup(point.0, &query);
        let ids = |layer: &str| -> Vec<&str> {
            let mut ids: Vec<&str> = hits
                .iter()
                .filter(|h| h.layer.meta.id.as_str() == layer)
                .map(|h| h.area.id.as_str())
                .collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(
            ids(EMBEDDED_2017),
            ids(IMPORTED),
            "{what}: lookup at area {}",
            area.id
        );
    }
}

/// Runs ogr2ogr; `None` (after saying so) when it is missing outside CI.
fn ogr2ogr(args: &[&str]) -> Option<()> {
    match Command::new("ogr2ogr").args(args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "ogr2ogr {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(())
        }
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("ogr2ogr is missing (run scripts/setup-gdal); skipping the GDAL fixtures");
            None
        }
        Err(error) => panic!("ogr2ogr is needed in CI (scripts/setup-gdal installs it): {error}"),
    }
}

/// The embedded 2017 layer with its id column renamed `kode` (`fid` is a reserved name in a
/// GeoPackage), written by ogr2ogr in `driver` to `out` in `crs`.
fn gdal_copy(out: &Path, driver: &str, crs: &str, extra: &[&str]) -> Option<()> {
    let source = repo().join("geodata/udsatte-byomraader-2017.fgb");
    let sql = "SELECT fid AS kode, byomraade, delomraade, m2 FROM \"udsatte-byomraader-2017\"";
    let mut args = vec![
        "-f",
        driver,
        "-t_srs",
        crs,
        "-sql",
        sql,
        out.to_str().unwrap(),
        source.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ogr2ogr(&args)
}

/// The embedded layer as a Shapefile in EPSG:25832 with a Windows-1252 `.dbf`: `dir/stem.shp`.
fn gdal_shapefile(dir: &Path, stem: &str) -> Option<PathBuf> {
    let shp = dir.join(format!("{stem}.shp"));
    let options = ["-lco", "ENCODING=CP1252"];
    gdal_copy(&shp, "ESRI Shapefile", "EPSG:25832", &options).map(|()| shp)
}

fn ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn gdal_written_shapefile_geopackage_and_flatgeobuf_give_the_embedded_layer() {
    let files = tempfile::tempdir().unwrap();
    let f = files.path();
    let Some(shp) = gdal_shapefile(f, "udsatte") else {
        return;
    };
    assert_eq!(
        std::fs::read_to_string(f.join("udsatte.cpg"))
            .unwrap()
            .trim(),
        "CP1252"
    );
    let dbf = std::fs::read(f.join("udsatte.dbf")).unwrap();
    assert!(
        dbf.windows(8).any(|w| w == b"N\xf8rrebro"),
        "the .dbf holds Windows-1252 'Nørrebro'"
    );

    let dir = data_folder();
    ok(
        &import(dir.path(), shp.to_str().unwrap(), &["--id-field", "kode"]),
        "shapefile",
    );
    assert_same_as_embedded(dir.path(), "Shapefile (CP1252 .cpg)");

    // Without the .cpg the .dbf is read as Windows-1252 all the same.
    std::fs::remove_file(f.join("udsatte.cpg")).unwrap();
    ok(
        &import(
            dir.path(),
            shp.to_str().unwrap(),
            &["--id-field", "kode", "--replace"],
        ),
        "no .cpg",
    );
    assert_same_as_embedded(dir.path(), "Shapefile without .cpg");

    // Zipped, in a folder inside the archive, with Python's zipfile (on every CI machine).
    let zip = f.join("udsatte.zip");
    let script = "import zipfile,sys
z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)
for e in ['shp', 'shx', 'dbf', 'prj']:
    z.write(sys.argv[2] + '/udsatte.' + e, 'kort/udsatte.' + e)
z.close()";
    let out = Command::new("python3")
        .args(["-c", script, zip.to_str().unwrap(), f.to_str().unwrap()])
        .output()
        .unwrap();
    ok(&out, "python3 zipfile");
    ok(
        &import(
            dir.path(),
            zip.to_str().unwrap(),
            &["--id-field", "kode", "--replace"],
        ),
        "zip",
    );
    assert_same_as_embedded(dir.path(), "zipped Shapefile");

    let gpkg = f.join("udsatte.gpkg");
    gdal_copy(&gpkg, "GPKG", "EPSG:25832", &["-nln", "udsatte_byomraader"]).unwrap();
    ok(
        &import(
            dir.path(),
            gpkg.to_str().unwrap(),
            &["--id-field", "kode", "--replace"],
        ),
        "gpkg",
    );
    assert_same_as_embedded(dir.path(), "GeoPackage");

    let fgb = f.join("udsatte.fgb");
    gdal_copy(&fgb, "FlatGeobuf", "EPSG:25832", &[]).unwrap();
    ok(
        &import(
            dir.path(),
            fgb.to_str().unwrap(),
            &["--id-field", "kode", "--replace"],
        ),
        "fgb",
    );
    assert_same_as_embedded(dir.path(), "FlatGeobuf (EPSG:25832)");

    let history = run(&["--data", dir.path().to_str().unwrap(), "layers", "history"]);
    let text = String::from_utf8_lossy(&history.stdout);
    for format in ["udsatte.shp", "udsatte.zip", "udsatte.gpkg", "udsatte.fgb"] {
        assert!(text.contains(format), "the history names {format}:\n{text}");
    }
}

#[test]
fn the_citys_wkt_csv_and_a_gdal_wkt_csv_give_the_embedded_layer() {
    let dir = data_folder();
    // The city's own CSV export (2019): a CSV declares no CRS, so it is refused without --crs.
    let csv = shared_2017("f_udsatte_byomraader_snapshot2019_epsg25832_wkt.csv");
    let out = import(dir.path(), csv.to_str().unwrap(), &["--id-field", "id"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--crs"));
    let out = import(
        dir.path(),
        csv.to_str().unwrap(),
        &["--id-field", "id", "--crs", "EPSG:25832"],
    );
    ok(&out, "WKT CSV");
    // Its ids are the 2019 WFS's, numbered differently from the 2023 snapshot the embedded
    // layer comes from: the same areas are those with the same name, parent and m².
    let key = |layer: &Layer| -> Vec<(String, String, f64)> {
        let mut areas: Vec<(String, String, f64)> = layer
            .areas
            .iter()
            .map(|a| {
                (
                    a.name.clone().unwrap(),
                    a.parent.clone().unwrap(),
                    a.area_m2.unwrap(),
                )
            })
            .collect();
        areas.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)).then(a.2.total_cmp(&b.2)));
        areas
    };
    let (want, got) = (key(&embedded_2017()), key(&imported_layer(dir.path())));
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(&got) {
        assert_eq!((&w.0, &w.1), (&g.0, &g.1));
        assert!(
            (w.2 - g.2).abs() / w.2 < 1e-4,
            "{}: {} m² vs {} m²",
            w.0,
            g.2,
            w.2
        );
    }
    // The embedded layer written by GDAL as a WKT CSV: the same ids too.
    let files = tempfile::tempdir().unwrap();
    let gdal_csv = files.path().join("udsatte.csv");
    if gdal_copy(&gdal_csv, "CSV", "EPSG:25832", &["-lco", "GEOMETRY=AS_WKT"]).is_none() {
        return;
    }
    let out = import(
        dir.path(),
        gdal_csv.to_str().unwrap(),
        &["--id-field", "kode", "--crs", "EPSG:25832", "--replace"],
    );
    ok(&out, "GDAL WKT CSV");
    assert_same_as_embedded(dir.path(), "WKT CSV written by ogr2ogr");
}

/// A WFS on a free port that pages the city's 2023 GeoJSON answer with `count`/`startIndex`
/// as GeoServer does; `/500` answers an error, `/exception` an OGC exception report. Returns
/// the base URL and the number of requests it answered, shared.
fn wfs() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let text = std::fs::read_to_string(shared_2017(
        "f_udsatte_byomraader_snapshot2023_epsg4326.geojson",
    ))
    .unwrap();
    let full: serde_json::Value = serde_json::from_str(&text).unwrap();
    let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut line = String::new();
            BufReader::new(&stream)
                .read_line(&mut line)
                .unwrap_or_default();
            let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let param = |key: &str| -> Option<usize> {
                target
                    .split(['?', '&'])
                    .find_map(|p| p.strip_prefix(&format!("{key}="))?.parse().ok())
            };
            let (status, body) = if target.starts_with("/500") {
                (
                    "500 Internal Server Error",
                    "java.lang.NullPointerException".to_owned(),
                )
            } else if target.starts_with("/exception") {
                ("200 OK", r#"<?xml version="1.0"?><ows:ExceptionReport><ows:Exception><ows:ExceptionText>Feature type k101:f_udsatte_byomraader_2025 unknown</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"#.to_owned())
            } else {
                let (start, count) = (
                    param("startIndex").unwrap_or(0),
                    param("count").unwrap_or(1000),
                );
                let mut page = full.clone();
                let features: Vec<serde_json::Value> = full["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .skip(start)
                    .take(count)
                    .cloned()
                    .collect();
                page["numberReturned"] = features.len().into();
                page["features"] = features.into();
                ("200 OK", page.to_string())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut rest = [0_u8; 4096];
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(50)));
            let _ = stream.read(&mut rest);
        }
    });
    (base, requests)
}

#[test]
fn a_paged_wfs_gives_the_embedded_layer_and_its_errors_are_refused() {
    let (base, requests) = wfs();
    let dir = data_folder();
    let url = format!(
        "{base}/k101/ows?service=WFS&version=2.0.0&request=GetFeature&typeNames=k101:f_udsatte_byomraader&count=5"
    );
    ok(&import(dir.path(), &url, &["--id-field", "ogc_fid"]), "WFS");
    // 17 features in pages of 5: four pages.
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert_same_as_embedded(dir.path(), "WFS GeoJSON, paged by 5");

    let before = checksums(dir.path());
    for (path, expected) in [
        ("/500/ows?request=GetFeature", "HTTP 500"),
        (
            "/exception/ows?request=GetFeature",
            "Feature type k101:f_udsatte_byomraader_2025 unknown",
        ),
    ] {
        let out = import(dir.path(), &format!("{base}{path}"), &["--replace"]);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(checksums(dir.path()), before, "{path} changed the folder");
    }
}

/// Every file of a folder (and `indicators/`) with its checksum; the lock file is left out.
fn checksums(dir: &Path) -> BTreeMap<String, String> {
    let mut sums = BTreeMap::new();
    for sub in ["", "indicators"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().unwrap().is_file() && name != ".kvarter-import.lock" {
                sums.insert(
                    format!("{sub}/{name}"),
                    sha256_hex(&std::fs::read(entry.path()).unwrap()),
                );
            }
        }
    }
    sums
}

#[test]
fn bad_files_are_refused_by_name_and_change_nothing() {
    let files = tempfile::tempdir().unwrap();
    let f = files.path();
    let Some(shp) = gdal_shapefile(f, "u") else {
        return;
    };
    let dir = data_folder();
    let before = checksums(dir.path());
    let refused = |source: &Path, extra: &[&str], expected: &str| {
        let out = import(dir.path(), source.to_str().unwrap(), extra);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{source:?} was accepted");
        assert!(
            stderr.contains(expected),
            "{source:?}: {stderr:?} should say {expected:?}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            checksums(dir.path()),
            before,
            "{source:?} changed the folder"
        );
    };
    // A truncated .shp, at a few lengths.
    let bytes = std::fs::read(&shp).unwrap();
    for (n, cut) in [50, 100, 2000, bytes.len() / 2].into_iter().enumerate() {
        let stem = f.join(format!("cut{n}"));
        std::fs::write(stem.with_extension("shp"), &bytes[..cut]).unwrap();
        for ext in ["shx", "dbf", "prj"] {
            std::fs::copy(shp.with_extension(ext), stem.with_extension(ext)).unwrap();
        }
        refused(&stem.with_extension("shp"), &["--id-field", "kode"], "cut");
    }
    // A missing .shx.
    let lonely = f.join("lonely.shp");
    std::fs::copy(&shp, &lonely).unwrap();
    std::fs::copy(shp.with_extension("dbf"), lonely.with_extension("dbf")).unwrap();
    refused(&lonely, &["--id-field", "kode"], ".shx");
    // A .prj of a CRS Kvarter does not read (LAEA Europe).
    let laea = f.join("laea.shp");
    for ext in ["shp", "shx", "dbf"] {
        std::fs::copy(shp.with_extension(ext), laea.with_extension(ext)).unwrap();
    }
    std::fs::write(
        laea.with_extension("prj"),
        r#"PROJCS["ETRS89_LAEA_Europe",GEOGCS["GCS_ETRS_1989"]]"#,
    )
    .unwrap();
    refused(&laea, &["--id-field", "kode"], "ETRS89_LAEA_Europe");
    // Duplicate ids.
    refused(&shp, &["--id-field", "byomraade"], "both have the id");
    // A zip with a ../ path.
    let evil = f.join("evil.zip");
    let script = "import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w')\nz.writestr('../evil.shp',b'x')\nz.close()";
    ok(
        &Command::new("python3")
            .args(["-c", script, evil.to_str().unwrap()])
            .output()
            .unwrap(),
        "zip",
    );
    refused(&evil, &[], "..");
    // 100 MB of garbage as a GeoPackage.
    let garbage = f.join("garbage.gpkg");
    let noise: Vec<u8> = (0..(100_u32 << 20) + 7)
        .map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[2])
        .collect();
    std::fs::write(&garbage, noise).unwrap();
    refused(&garbage, &[], "garbage.gpkg");
}

/// Starts an import of `source` as the layer `killed` that pauses after `step`
/// (`KVARTER_TEST_PAUSE_AFTER`), and kills it there with SIGKILL.
fn kill_import_after(dir: &Path, source: &Path, step: &str) {
    let mut args: Vec<String> = vec![
        "--data".into(),
        dir.display().to_string(),
        "layers".into(),
        "import".into(),
        source.display().to_string(),
    ];
    args.extend(
        [
            "--id",
            "killed",
            "--kind",
            "state_designation",
            "--authority",
            "Staten",
            "--valid-from",
            "2024-12-01",
            "--title-da",
            "Afbrudt import",
            "--title-en",
            "Interrupted import",
            "--source-publisher",
            "test",
            "--source-url",
            "test",
            "--vintage",
            "test",
            "--licence",
            "CC0",
            "--id-field",
            "ogc_fid",
            "--replace",
        ]
        .map(str::to_owned),
    );
    let mut child = Command::new(binary())
        .args(&args)
        .env("KVARTER_TEST_PAUSE_AFTER", step)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("paused after") {}
    assert!(
        line.contains(&format!("paused after {step}")),
        "{step}: {line}"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

#[test]
fn an_import_killed_at_any_step_leaves_a_folder_that_loads_and_serves() {
    let dir = data_folder();
    let source = shared_2017("f_udsatte_byomraader_snapshot2023_epsg4326.geojson");
    for step in [
        "read",
        "prepared",
        "locked",
        "file-written",
        "manifest-staged",
        "switched",
    ] {
        let before = checksums(dir.path());
        kill_import_after(dir.path(), &source, step);
        let (dataset, _) = kvarter_data::dataset::load_dir(dir.path())
            .unwrap_or_else(|e| panic!("after kill -9 at {step} the folder does not load: {e}"));
        let has = dataset
            .layers
            .iter()
            .any(|l| l.meta.id.as_str() == "killed");
        let manifest_kept = checksums(dir.path()).get("/layers.json") == before.get("/layers.json");
        if step == "switched" {
            assert!(
                has && !manifest_kept,
                "after the switch the new layer is in"
            );
        } else {
            assert!(
                manifest_kept && !has,
                "killed at {step}, the manifest changed"
            );
        }
    }
    // A later import cleans up what the killed ones left and succeeds; the server serves it.
    ok(
        &import(
            dir.path(),
            source.to_str().unwrap(),
            &["--id-field", "ogc_fid"],
        ),
        "after the kills",
    );
    let leftovers: Vec<String> = checksums(dir.path())
        .into_keys()
        .filter(|n| n.contains(".import-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let server = Server::start(&["--data", dir.path().to_str().unwrap()]);
    let layers = server.json("/api/layers", 200);
    let ids: Vec<&str> = layers["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"killed") && ids.contains(&IMPORTED),
        "{ids:?}"
    );
}

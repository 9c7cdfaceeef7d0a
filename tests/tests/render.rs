//! Map images through the binary: `kvarter render` writes the bytes `GET /api/static/…` serves
//! for the same parameters, and a data change gives the served image a new `ETag` and a footer
//! dated by the change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kvarter_e2e::{Server, data_folder, import_test_layer, run, udsatte_2017_geojson};

const TOKEN: &str = "test-token-0123456789";

#[test]
fn kvarter_render_writes_the_bytes_the_api_serves() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    for (file, query) in [
        (
            "side.png",
            "/api/static/side.png?from=2011&to=2017&width=900&height=600&units=bydele-2023",
        ),
        (
            "changes.pdf",
            "/api/static/changes.pdf?from=2011&to=2017&paper=a4-landscape&units=bydele-2023",
        ),
    ] {
        let out = dir.path().join(file);
        let view = file.split('.').next().unwrap();
        let mut args = vec![
            "render",
            view,
            "--from",
            "2011",
            "--to",
            "2017",
            "--units",
            "bydele-2023",
            "--out",
            out.to_str().unwrap(),
        ];
        if view == "changes" {
            args.extend(["--paper", "a4-landscape"]);
        } else {
            args.extend(["--width", "900", "--height", "600"]);
        }
        let done = run(&args);
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        let answer = server.get(query);
        assert_eq!(answer.status(), 200);
        let body = answer.bytes().unwrap();
        assert!(
            std::fs::read(&out).unwrap() == body.as_ref(),
            "{file}: the command's bytes and the API's differ"
        );
    }
}

#[test]
fn kvarter_render_refuses_bad_arguments_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kort.png");
    for (args, says) in [
        (vec!["single", "--year", "1999"], "1999"),
        (vec!["single", "--year", "2017", "--width", "9000"], "width"),
        (
            vec!["single", "--year", "2017", "--paper", "letter"],
            "paper",
        ),
    ] {
        let mut all = vec!["render"];
        all.extend(args);
        all.extend(["--out", out.to_str().unwrap()]);
        let done = run(&all);
        assert!(!done.status.success());
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert!(!out.exists());
    }
    let gif = dir.path().join("kort.gif");
    let done = run(&[
        "render",
        "single",
        "--year",
        "2017",
        "--out",
        gif.to_str().unwrap(),
    ]);
    assert!(!done.status.success());
    assert!(String::from_utf8_lossy(&done.stderr).contains("png, svg or pdf"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_data_change_gives_the_image_a_new_etag_and_a_dated_footer() {
    let dir = data_folder();
    let folder = dir.path().to_str().unwrap();
    let server = Server::start(&["--data", folder, "--admin-token", TOKEN]);
    let path = "/api/static/single.svg?year=2017&lang=en";
    let before = server.get(path);
    assert_eq!(before.status(), 200);
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();
    let svg = before.text().unwrap();
    assert!(
        !svg.contains("(changed "),
        "a built folder records no change"
    );
    assert_eq!(
        server.get_with(path, ("if-none-match", &etag)).status(),
        304
    );

    import_test_layer(
        dir.path(),
        &udsatte_2017_geojson(),
        "testlag-a",
        &["--kind", "admin_unit"],
    );
    let reloaded = server.post("/admin/reload", Some(TOKEN));
    assert_eq!(reloaded.status(), 200);
    let after = server.get_with(path, ("if-none-match", &etag));
    assert_eq!(after.status(), 200, "the old ETag no longer matches");
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    let svg = after.text().unwrap();
    let history = server.json("/health", 200);
    assert!(
        svg.contains("(changed 20"),
        "the footer dates the change: {history}"
    );
}

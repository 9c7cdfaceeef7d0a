//! The committed front end (`web/dist/`, embedded by `build.rs`) is built from the current
//! sources: `web/dist/SOURCE-HASH` is the hash `web/build.mjs` documents, recomputed here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// What to do when `web/dist/` is stale.
const REBUILD: &str = "run `npm --prefix web ci && npm --prefix web run build` and commit web/dist";

fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// Every file below `dir`, recursively, as paths relative to `web` with `/` separators.
fn files(web: &Path, dir: &Path, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
            .path();
        if path.is_dir() {
            files(web, &path, out);
        } else {
            let relative = path
                .strip_prefix(web)
                .unwrap_or_else(|_| panic!("{}", path.display()));
            let parts: Vec<&str> = relative
                .components()
                .map(|part| {
                    part.as_os_str()
                        .to_str()
                        .unwrap_or_else(|| panic!("{}", path.display()))
                })
                .collect();
            out.push(parts.join("/"));
        }
    }
}

/// The hash of the front end's inputs, as `web/build.mjs` defines it: for each input (every file
/// under `src/`, `build.mjs`, `package-lock.json`), sorted by its path relative to `web/`
/// (`/`-separated) — path, NUL, length in bytes as decimal digits, NUL, content — SHA-256, hex.
fn source_hash(web: &Path) -> String {
    let mut inputs = Vec::new();
    files(web, &web.join("src"), &mut inputs);
    inputs.push("build.mjs".to_owned());
    inputs.push("package-lock.json".to_owned());
    // JavaScript sorts strings by UTF-16 code units; for these ASCII paths that is byte order.
    inputs.sort();
    let mut hash = Sha256::new();
    for path in &inputs {
        let content = read(&web.join(path));
        hash.update(path.as_bytes());
        hash.update([0]);
        hash.update(content.len().to_string().as_bytes());
        hash.update([0]);
        hash.update(&content);
    }
    hash.finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[test]
fn web_assets_are_built_from_the_current_sources() {
    let web = web();
    let recorded = String::from_utf8(read(&web.join("dist/SOURCE-HASH")))
        .unwrap_or_else(|_| panic!("web/dist/SOURCE-HASH is not text: {REBUILD}"));
    let current = source_hash(&web);
    assert!(
        recorded.trim() == current,
        "web/dist is stale: {REBUILD} (SOURCE-HASH {}, sources {current})",
        recorded.trim()
    );
}

#[test]
fn web_dist_holds_the_pages_their_assets_and_the_source_hash() {
    let web = web();
    let mut names = Vec::new();
    files(&web, &web.join("dist"), &mut names);
    names.sort();
    assert_eq!(
        names,
        [
            "dist/SOURCE-HASH",
            "dist/admin.css",
            "dist/admin.html",
            "dist/admin.js",
            "dist/app.css",
            "dist/app.js",
            "dist/embed.html",
            "dist/index.html",
        ],
        "{REBUILD}"
    );
    for page in ["index.html", "embed.html"] {
        let html = String::from_utf8(read(&web.join("dist").join(page)))
            .unwrap_or_else(|_| panic!("web/dist/{page} is not UTF-8"));
        for asset in ["/assets/app.js", "/assets/app.css"] {
            assert!(
                html.contains(asset),
                "web/dist/{page} does not load {asset}"
            );
        }
    }
}

//! Embeds the default dataset (`geodata/layers.json`, its FlatGeobuf files, the gazetteer
//! `geodata/gazetteer.csv`, and the indicator catalogue and tables in `geodata/indicators/`) in
//! the binary, so `kvarter serve` runs anywhere without a data folder.

use std::fmt::Write as _;
use std::path::Path;

/// The names in `folder` that `keep` accepts, sorted.
fn names_in(folder: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| keep(name))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let geodata = Path::new(&manifest_dir).join("../../geodata");
    let indicators = geodata.join("indicators");
    println!("cargo:rerun-if-changed={}", geodata.display());
    println!("cargo:rerun-if-changed={}", indicators.display());
    let has_extension =
        |name: &str, ext: &str| Path::new(name).extension().is_some_and(|e| e == ext);
    let mut files: Vec<String> = names_in(&geodata, |name| {
        has_extension(name, "fgb") || name == "layers.json" || name == "gazetteer.csv"
    });
    files.extend(
        names_in(&indicators, |name| {
            has_extension(name, "csv") || name == "catalogue.toml"
        })
        .into_iter()
        .map(|name| format!("indicators/{name}")),
    );
    let mut code = String::from(
        "/// The embedded data files: (file name, bytes); indicator files are named `indicators/…`.\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for name in &files {
        let path = geodata.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}

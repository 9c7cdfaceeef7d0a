//! Embeds the default dataset (`geodata/layers.json` and its FlatGeobuf files) in the binary, so
//! `kvarter serve` runs anywhere without a data folder.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let geodata = Path::new(&manifest_dir).join("../../geodata");
    println!("cargo:rerun-if-changed={}", geodata.display());
    let mut names: Vec<String> = std::fs::read_dir(&geodata)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| {
                    Path::new(name).extension().is_some_and(|e| e == "fgb") || name == "layers.json"
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from(
        "/// The embedded data files: (file name, bytes).\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for name in &names {
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

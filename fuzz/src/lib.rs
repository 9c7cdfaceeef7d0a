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

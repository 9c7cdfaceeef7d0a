//! Test fixtures made at test time by GDAL's `ogr2ogr` from the embedded dataset, so the readers
//! are checked against files written by the tool planners' files come from.

use std::process::Command;

/// The 17 areas of the 2017 list of deprived urban areas (lon/lat FlatGeobuf; names with æøå).
pub(crate) const UDSATTE_FGB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../geodata/udsatte-byomraader-2017.fgb"
);

/// Runs `ogr2ogr` with `args`. `None` when it is not installed and `CI` is not set (the test
/// then skips, saying so); under `CI` a missing ogr2ogr fails the test. A failing run panics.
pub(crate) fn ogr2ogr(args: &[&str]) -> Option<()> {
    match Command::new("ogr2ogr").args(args).output() {
        Ok(output) => {
            assert!(
                output.status.success(),
                "ogr2ogr {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            Some(())
        }
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: ogr2ogr (GDAL) is not runnable here ({e}); CI requires it");
            None
        }
        Err(e) => panic!("ogr2ogr (GDAL) is required under CI: {e}"),
    }
}

//! `kvarter-glyphs build`: regenerates the committed glyph range files from the committed fonts.
//!
//! ```text
//! cargo run -p kvarter-glyphs -- build --out web/glyphs
//! ```
//!
//! Writes `<out>/<folder>/<start>-<end>.pbf` for every font in `kvarter_glyphs::FONTS` and
//! every range in `kvarter_glyphs::RANGES`, and removes other `.pbf` files from those folders
//! so that a range dropped from the list does not linger. The fonts are read from
//! `--fonts DIR`, by default the `web/fonts` folder of the repository this was built from.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

const USAGE: &str = "\
usage: kvarter-glyphs build [--out DIR] [--fonts DIR]

Regenerates the SDF glyph range files (MapLibre glyph PBFs) from the committed fonts.

  --out DIR     where to write <font folder>/<start>-<end>.pbf (default: <repo>/web/glyphs)
  --fonts DIR   where the .ttf files are (default: <repo>/web/fonts)";

/// The repository this binary was built from.
fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What `build` was asked to do.
struct Build {
    out: PathBuf,
    fonts: PathBuf,
}

/// The arguments, or `None` when help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> anyhow::Result<Option<Build>> {
    match args.next().as_deref() {
        Some("build") => {}
        Some("-h" | "--help") => return Ok(None),
        None => bail!("{USAGE}"),
        Some(other) => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
    let root = repository_root();
    let mut build = Build {
        out: root.join(kvarter_glyphs::GLYPHS_DIR),
        fonts: root.join(kvarter_glyphs::FONTS_DIR),
    };
    while let Some(flag) = args.next() {
        let target = match flag.as_str() {
            "--out" => &mut build.out,
            "--fonts" => &mut build.fonts,
            "-h" | "--help" => return Ok(None),
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        };
        let Some(value) = args.next() else {
            bail!("{flag} needs a folder\n\n{USAGE}");
        };
        *target = PathBuf::from(value);
    }
    Ok(Some(build))
}

fn build(build: &Build) -> anyhow::Result<()> {
    let files = kvarter_glyphs::generate(&build.fonts)?;
    for file in &files {
        let path = build.out.join(&file.path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
        }
        std::fs::write(&path, &file.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {} ({} bytes)", path.display(), file.bytes.len());
    }
    for font in &kvarter_glyphs::FONTS {
        let folder = build.out.join(font.folder);
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot list {}", folder.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| format!("cannot list {}", folder.display()))?
                .path();
            let generated = files.iter().any(|file| build.out.join(&file.path) == path);
            if path.extension().is_some_and(|ext| ext == "pbf") && !generated {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
                println!("removed {} (not in RANGES)", path.display());
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let result = parse_args(std::env::args().skip(1)).and_then(|args| {
        if let Some(args) = args {
            build(&args)
        } else {
            println!("{USAGE}");
            Ok(())
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kvarter-glyphs: {error:#}");
            ExitCode::FAILURE
        }
    }
}

//! The committed glyph files in `web/glyphs/` are exactly what the committed fonts give.

#![allow(clippy::unwrap_used, reason = "a test should fail loudly")]

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use kvarter_glyphs::{FONTS, FONTS_DIR, GLYPHS_DIR, generate};

const REGENERATE: &str = "cargo run -p kvarter-glyphs -- build --out web/glyphs";

#[test]
fn committed_glyph_files_match_a_fresh_build_from_the_committed_fonts() {
    let root = support::root();
    let files = generate(&root.join(FONTS_DIR)).unwrap();
    assert!(!files.is_empty());
    let mut stale = Vec::new();
    for file in &files {
        let path = root.join(GLYPHS_DIR).join(&file.path);
        match std::fs::read(&path) {
            Ok(committed) if committed == file.bytes => {}
            Ok(_) => stale.push(format!("{} differs", path.display())),
            Err(error) => stale.push(format!("{} cannot be read: {error}", path.display())),
        }
    }
    assert!(
        stale.is_empty(),
        "glyph files are stale; regenerate them from the repository root with `{REGENERATE}`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn no_glyph_file_is_committed_that_the_build_does_not_make() {
    let root = support::root();
    let expected: BTreeSet<PathBuf> = generate(&root.join(FONTS_DIR))
        .unwrap()
        .into_iter()
        .map(|file| file.path)
        .collect();
    let mut extra = Vec::new();
    for font in &FONTS {
        let folder = root.join(GLYPHS_DIR).join(font.folder);
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let relative = PathBuf::from(font.folder).join(path.file_name().unwrap());
            if !expected.contains(&relative) {
                extra.push(path.display().to_string());
            }
        }
    }
    assert!(
        extra.is_empty(),
        "files in {GLYPHS_DIR} that no font and range in kvarter_glyphs::FONTS × RANGES makes \
         (`{REGENERATE}` removes stray .pbf files):\n{}",
        extra.join("\n")
    );
}

#[test]
fn every_committed_file_names_its_fontstack_and_range_inside() {
    let root = support::root();
    for file in generate(&root.join(FONTS_DIR)).unwrap() {
        let committed = std::fs::read(root.join(GLYPHS_DIR).join(&file.path)).unwrap();
        let stacks = support::decode(&committed);
        assert_eq!(stacks.len(), 1);
        assert_eq!(stacks[0].name, file.font.name);
        let name = file.path.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(format!("{}.pbf", stacks[0].range), name);
    }
}

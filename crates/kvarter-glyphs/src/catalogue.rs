//! The fonts and glyph ranges Kvarter ships, where they live in the repository, and generating
//! every range file from the committed fonts — one list for the generator, the server and the
//! tests.

use std::path::{Path, PathBuf};

use crate::range::{GlyphError, glyph_range, range_end};

/// Where the fonts are, relative to the repository root.
pub const FONTS_DIR: &str = "web/fonts";

/// Where the generated range files are, relative to the repository root; each font has a
/// folder in it (see [`Font::folder`]).
pub const GLYPHS_DIR: &str = "web/glyphs";

/// A font we generate glyphs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Font {
    /// The fontstack name a map style asks for in `text-font`, and the name written into the
    /// range files.
    pub name: &'static str,
    /// The font file's name in [`FONTS_DIR`].
    pub file: &'static str,
    /// The folder in [`GLYPHS_DIR`] that holds this font's range files.
    pub folder: &'static str,
}

/// The fonts we ship glyphs for.
pub const FONTS: [Font; 2] = [
    Font {
        name: "DejaVu Sans",
        file: "DejaVuSans.ttf",
        folder: "DejaVuSans",
    },
    Font {
        name: "DejaVu Sans Bold",
        file: "DejaVuSans-Bold.ttf",
        folder: "DejaVuSans-Bold",
    },
];

/// The starts of the ranges we generate for every font: Basic Latin and Latin-1 (æ ø å é ü),
/// Latin Extended-A, General Punctuation (– — ’ “ ” …). Other ranges are answered with
/// [`empty_range`](crate::empty_range).
pub const RANGES: [u32; 3] = [0, 256, 8192];

/// The font in [`FONTS`] with this fontstack name.
pub fn font_by_name(name: &str) -> Option<&'static Font> {
    FONTS.iter().find(|font| font.name == name)
}

/// The file name of the range starting at `start`, as MapLibre asks for it: `0-255.pbf`.
pub fn range_file_name(start: u32) -> Result<String, GlyphError> {
    Ok(format!("{start}-{}.pbf", range_end(start)?))
}

/// One generated range file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeFile {
    /// The font it was generated from.
    pub font: &'static Font,
    /// The first code point of the range.
    pub start: u32,
    /// Its path relative to [`GLYPHS_DIR`]: `DejaVuSans/0-255.pbf`.
    pub path: PathBuf,
    /// The PBF.
    pub bytes: Vec<u8>,
}

/// Why the range files could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A font file could not be read. Run from the repository root, or pass the folder that
    /// holds the fonts.
    #[error("cannot read the font {}", path.display())]
    ReadFont {
        /// The font file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A range could not be built from a font.
    #[error("cannot build glyph range {start} of {font}")]
    Range {
        /// The fontstack name.
        font: &'static str,
        /// The start of the range.
        start: u32,
        /// What went wrong.
        #[source]
        source: GlyphError,
    },
}

/// Every range of every font in [`FONTS`] × [`RANGES`], from the fonts in `fonts_dir`
/// (normally `<repository>/web/fonts`), in that order. Writes nothing: the caller decides
/// where the files go (`kvarter-glyphs build`) or compares them (the staleness test).
pub fn generate(fonts_dir: &Path) -> Result<Vec<RangeFile>, GenerateError> {
    let mut files = Vec::with_capacity(FONTS.len() * RANGES.len());
    for font in &FONTS {
        let path = fonts_dir.join(font.file);
        let data = std::fs::read(&path).map_err(|source| GenerateError::ReadFont {
            path: path.clone(),
            source,
        })?;
        for start in RANGES {
            let range_error = |source| GenerateError::Range {
                font: font.name,
                start,
                source,
            };
            let bytes = glyph_range(&data, font.name, start).map_err(range_error)?;
            let file_name = range_file_name(start).map_err(range_error)?;
            files.push(RangeFile {
                font,
                start,
                path: Path::new(font.folder).join(file_name),
                bytes,
            });
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_range_has_a_file_name_and_every_font_a_unique_name_and_folder() {
        for start in RANGES {
            assert!(range_file_name(start).is_ok(), "range {start}");
        }
        assert_eq!(range_file_name(8192).unwrap(), "8192-8447.pbf");
        for (i, a) in FONTS.iter().enumerate() {
            assert_eq!(font_by_name(a.name), Some(a));
            for b in &FONTS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.folder, b.folder);
            }
        }
        assert_eq!(font_by_name("Open Sans Regular"), None);
    }

    #[test]
    fn a_missing_fonts_folder_names_the_file_it_looked_for() {
        let error = generate(Path::new("/nonexistent/fonts")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot read the font /nonexistent/fonts/DejaVuSans.ttf"
        );
    }
}

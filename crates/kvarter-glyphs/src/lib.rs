//! Kvarter's own map label glyphs: the signed-distance-field (SDF) glyph range files MapLibre
//! GL JS loads for text, generated from the free fonts committed in `web/fonts/`, so the map
//! needs no third-party font server.
//!
//! # The format
//!
//! A map style's `glyphs` URL ends in `{fontstack}/{range}.pbf`. For each label MapLibre asks
//! for the ranges of 256 code points its characters fall in (`0-255.pbf`, `256-511.pbf`, …,
//! up to `65280-65535.pbf`). Each file is a protobuf message of `glyphs.proto` from
//! node-fontnik: one `fontstack` with its `name`, its `range` (`"0-255"`) and a `glyph` per
//! code point the font has. A glyph carries its code point `id`, an 8-bit SDF `bitmap`, and
//! metrics in pixels at a 24 px font size: `width` and `height` of the ink box, `left` (the
//! left side bearing), `top` and `advance`. The encoder is written by hand (see `pbf.rs`):
//! the format needs only varints, zigzag varints and length-delimited fields.
//!
//! # The parameters, and why these
//!
//! MapLibre's text shader assumes the values node-fontnik renders with; we use the same:
//!
//! * [`FONT_SIZE`] 24 px per em: MapLibre scales glyphs by `text-size / 24`.
//! * [`BUFFER`] 3 px of SDF all round the ink box: MapLibre cuts `width + 6` by `height + 6`
//!   pixels out of each bitmap, and rejects a bitmap of any other size.
//! * [`RADIUS`] 8 px and [`CUTOFF`] 0.25: a byte is `255 − (d · 256/8 + 64)` for a signed
//!   distance `d` in pixels (positive outside), clamped to 0..=255. The edge is 191 — the
//!   shader draws the glyph where the value passes 0.75 · 255 — and every pixel inward or
//!   outward adds or takes 32.
//!
//! The metrics follow node-fontnik (sdf-glyph-foundry), which measures with `FreeType`,
//! unhinted: each point of the outline is scaled to 1/64 px; the ink box is the outline's
//! exact extent with every side rounded to the nearest pixel; `left` is the box's left side;
//! `top` is the box's top minus the font's ascender (`FreeType`'s, rounded up to a pixel), so it
//! is usually negative — MapLibre places every glyph `−top` pixels below an origin the whole
//! line shares, which puts the baseline `ascender` pixels (23 for our fonts) below it;
//! a glyph without ink (a space) has width, height and left 0, `top = −ascender`, no bitmap,
//! and its advance. One difference: the advance is rounded to the nearest pixel, where
//! node-fontnik truncates it.
//!
//! The SDF itself is computed from the anti-aliased coverage of the outline on the bitmap's
//! pixel grid (`ab_glyph_rasterizer`, exact area coverage) with an exact Euclidean distance
//! transform, sub-pixel edges taken from partial coverage (see `sdf.rs`), as Mapbox's
//! `TinySDF` does; node-fontnik measures distances to the outline's line segments instead. A
//! one-off comparison (not a test) with a `FreeType` build of sdf-glyph-foundry's algorithm
//! for all 1258 glyphs we ship found identical metrics and bitmap values within 16 (half a
//! pixel of distance) for 95% of pixels, with no bias at the edge.
//!
//! Fonts are parsed with `ttf-parser` rather than through a higher-level crate because the
//! metrics need the raw outline: every point rounded to 1/64 px and the exact ink box, as
//! `FreeType` gives them to node-fontnik.
//!
//! # Which fonts, which ranges
//!
//! [`FONTS`] × [`RANGES`] is the one list of what we ship; `kvarter-glyphs build` writes it to
//! [`GLYPHS_DIR`] (see `web/fonts/PROVENANCE.md`) and a test checks that the committed files
//! are what the committed fonts give. The server answers any other range of a known font with
//! [`empty_range`].
//!
//! # Example
//!
//! ```
//! use kvarter_glyphs::{FONTS, FONTS_DIR, empty_range, glyph_range};
//!
//! let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
//! let font = &FONTS[0];
//! let data = std::fs::read(format!("{root}/{FONTS_DIR}/{}", font.file))?;
//!
//! // Basic Latin and Latin-1: æ, ø, å and the rest.
//! let pbf = glyph_range(&data, font.name, 0)?;
//! assert!(pbf.len() > 10_000);
//!
//! // Ranges must start on a multiple of 256.
//! assert!(glyph_range(&data, font.name, 100).is_err());
//!
//! // A range we do not ship: valid, but without glyphs.
//! let empty = empty_range(font.name, 19_968)?;
//! assert!(empty.len() < 40);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod catalogue;
mod outline;
mod pbf;
mod range;
mod sdf;

pub use catalogue::{
    FONTS, FONTS_DIR, Font, GLYPHS_DIR, GenerateError, RANGES, RangeFile, font_by_name, generate,
    range_file_name,
};
pub use range::{
    GlyphError, LAST_RANGE_START, MAX_GLYPH_PX, RANGE_SIZE, empty_range, glyph_range, range_end,
};

/// Pixels per em the glyphs are rendered at; MapLibre scales them by `text-size / 24`.
pub const FONT_SIZE: u32 = 24;

/// Pixels of SDF around each glyph's ink box, on every side.
pub const BUFFER: u32 = 3;

/// Pixels of distance the SDF's value range spans on one side of the edge.
pub const RADIUS: f64 = 8.0;

/// The share of the value range outside the edge: the edge lies at `255 · (1 − CUTOFF)`.
pub const CUTOFF: f64 = 0.25;

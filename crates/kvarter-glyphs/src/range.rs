//! One glyph range file: the glyphs of 256 consecutive code points, measured and turned into
//! SDFs as node-fontnik does it, encoded as a `glyphs` protobuf.

use ttf_parser::{Face, FaceParsingError, GlyphId};

use crate::outline::{Outline, Point, Scale, whole_px};
use crate::pbf::{self, GlyphRecord};
use crate::{BUFFER, FONT_SIZE, sdf};

/// Code points per range file; MapLibre requests `0-255`, `256-511`, ….
pub const RANGE_SIZE: u32 = 256;

/// The start of the last range MapLibre requests (`65280-65535`).
pub const LAST_RANGE_START: u32 = 65_280;

/// The largest ink box side, in pixels, a glyph may have. Real glyphs at 24 px are well under
/// 100 px; this keeps a broken font from asking for gigabytes of bitmap.
pub const MAX_GLYPH_PX: u32 = 1024;

/// Why a glyph range could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GlyphError {
    /// The range does not start on a multiple of 256 between 0 and 65280. Ask for the range
    /// that contains the code point: `start = code_point / 256 * 256`.
    #[error(
        "a glyph range starts at a multiple of {RANGE_SIZE} from 0 to {LAST_RANGE_START}, \
         not at {start}"
    )]
    RangeStart {
        /// The start that was asked for.
        start: u32,
    },

    /// The font data is not a TrueType/OpenType font `ttf-parser` can read. Check that the
    /// file is the font itself (not a Git LFS pointer or an HTML error page).
    #[error("cannot read the font")]
    Font {
        /// What the parser found wrong.
        #[source]
        source: FaceParsingError,
    },

    /// A glyph's ink box is larger than [`MAX_GLYPH_PX`] at the font size: the font is
    /// broken or not meant for text. Use another font.
    #[error(
        "glyph U+{code_point:04X} is {width} × {height} px at {FONT_SIZE} px, more than \
         {MAX_GLYPH_PX} px on a side"
    )]
    GlyphTooLarge {
        /// The code point of the glyph.
        code_point: u32,
        /// The ink box width in pixels.
        width: i64,
        /// The ink box height in pixels.
        height: i64,
    },
}

/// The glyph range PBF of `font` for the code points `start..=start + 255`, named `fontstack`.
///
/// Every code point the font maps to a glyph is included, in code point order; the others are
/// left out. A glyph without ink (a space) has no bitmap, width and height 0, and its advance.
/// See the [crate documentation](crate) for the metrics.
pub fn glyph_range(font: &[u8], fontstack: &str, start: u32) -> Result<Vec<u8>, GlyphError> {
    let end = range_end(start)?;
    let face = Face::parse(font, 0).map_err(|source| GlyphError::Font { source })?;
    let scale = Scale::new(face.units_per_em(), FONT_SIZE);
    let ascender = scale.ascender_px(&face);
    let mut glyphs = Vec::new();
    for code_point in start..=end {
        let Some(glyph) = char::from_u32(code_point).and_then(|c| face.glyph_index(c)) else {
            continue;
        };
        if glyph.0 == 0 {
            continue;
        }
        glyphs.push(render_glyph(&face, scale, ascender, code_point, glyph)?);
    }
    Ok(pbf::encode_range(fontstack, start, end, &glyphs))
}

/// A valid glyph range PBF named `fontstack` for `start..=start + 255` with no glyphs, for
/// ranges that were not generated: MapLibre then draws nothing for those characters instead
/// of failing the whole label.
pub fn empty_range(fontstack: &str, start: u32) -> Result<Vec<u8>, GlyphError> {
    let end = range_end(start)?;
    Ok(pbf::encode_range(fontstack, start, end, &[]))
}

/// The last code point of the range starting at `start`, checking the start.
pub fn range_end(start: u32) -> Result<u32, GlyphError> {
    if start.is_multiple_of(RANGE_SIZE) && start <= LAST_RANGE_START {
        Ok(start + RANGE_SIZE - 1)
    } else {
        Err(GlyphError::RangeStart { start })
    }
}

/// Measures one glyph and draws its SDF.
///
/// As node-fontnik (sdf-glyph-foundry) does: the ink box is the outline's exact extent with
/// each side rounded to the nearest pixel; `left` is its left side, `top` its top side minus
/// the font's ascender; the bitmap covers the box plus [`BUFFER`] pixels all round, with the
/// outline placed so that the box's corners fall on pixel corners. A glyph whose rounded box
/// is empty in either direction gets no bitmap and zero metrics but its advance.
fn render_glyph(
    face: &Face,
    scale: Scale,
    ascender: i32,
    code_point: u32,
    glyph: GlyphId,
) -> Result<GlyphRecord, GlyphError> {
    let advance_units = face.glyph_hor_advance(glyph).unwrap_or(0);
    let advance = u32::try_from(whole_px(scale.px(f64::from(advance_units)).round())).unwrap_or(0);
    let empty = GlyphRecord {
        id: code_point,
        bitmap: Vec::new(),
        width: 0,
        height: 0,
        left: 0,
        top: -ascender,
        advance,
    };
    let Some(outline) = Outline::load(face, glyph, scale) else {
        return Ok(empty);
    };
    let bounds = outline.bounds();
    let left = whole_px(bounds.x_min.round());
    let right = whole_px(bounds.x_max.round());
    let top = whole_px(bounds.y_max.round());
    let bottom = whole_px(bounds.y_min.round());
    let (width, height) = (
        i64::from(right) - i64::from(left),
        i64::from(top) - i64::from(bottom),
    );
    if width <= 0 || height <= 0 {
        return Ok(empty);
    }
    let too_large = || GlyphError::GlyphTooLarge {
        code_point,
        width,
        height,
    };
    let width = u32::try_from(width).map_err(|_| too_large())?;
    let height = u32::try_from(height).map_err(|_| too_large())?;
    if width > MAX_GLYPH_PX || height > MAX_GLYPH_PX {
        return Err(too_large());
    }
    let grid_width = (width + 2 * BUFFER) as usize;
    let grid_height = (height + 2 * BUFFER) as usize;
    let buffer = f64::from(BUFFER);
    let corner = Point {
        x: f64::from(left) - buffer,
        y: f64::from(top) + buffer,
    };
    let coverage = outline.coverage(corner, grid_width, grid_height);
    Ok(GlyphRecord {
        id: code_point,
        bitmap: sdf::from_coverage(&coverage, grid_width, grid_height),
        width,
        height,
        left,
        top: top - ascender,
        advance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_starts_must_be_multiples_of_256_up_to_65280() {
        assert_eq!(range_end(0).unwrap(), 255);
        assert_eq!(range_end(8192).unwrap(), 8447);
        assert_eq!(range_end(65_280).unwrap(), 65_535);
        for bad in [1, 100, 255, 65_536, u32::MAX] {
            assert!(
                matches!(range_end(bad), Err(GlyphError::RangeStart { start }) if start == bad)
            );
        }
    }

    #[test]
    fn a_range_start_error_says_what_a_start_must_be() {
        let message = range_end(100).unwrap_err().to_string();
        assert_eq!(
            message,
            "a glyph range starts at a multiple of 256 from 0 to 65280, not at 100"
        );
    }

    #[test]
    fn bytes_that_are_not_a_font_give_a_font_error() {
        let error = glyph_range(b"<html>not found</html>", "X", 0).unwrap_err();
        assert!(matches!(error, GlyphError::Font { .. }));
        assert!(std::error::Error::source(&error).is_some());
    }
}

//! Glyph ranges decoded the way MapLibre reads them: names, ranges, metrics, SDF values.

#![allow(clippy::unwrap_used, reason = "a test should fail loudly")]

mod support;

use kvarter_glyphs::{BUFFER, FONTS, FONTS_DIR, GlyphError, empty_range, glyph_range};
use support::{Fontstack, Glyph, decode};

/// The one fontstack of a freshly built range of font `index` in `FONTS`.
fn range(index: usize, start: u32) -> Fontstack {
    let font = &FONTS[index];
    let data = std::fs::read(support::root().join(FONTS_DIR).join(font.file)).unwrap();
    let pbf = glyph_range(&data, font.name, start).unwrap();
    let mut stacks = decode(&pbf);
    assert_eq!(stacks.len(), 1, "one fontstack per file");
    stacks.remove(0)
}

fn assert_bitmap_fits(glyph: &Glyph) {
    let expected = (glyph.width + 2 * BUFFER) * (glyph.height + 2 * BUFFER);
    if glyph.width == 0 || glyph.height == 0 {
        assert!(
            glyph.bitmap.is_empty(),
            "U+{:04X} has no ink but a bitmap",
            glyph.id
        );
    } else {
        assert_eq!(glyph.bitmap.len(), expected as usize, "U+{:04X}", glyph.id);
    }
}

#[test]
fn latin_1_decodes_with_its_name_range_and_danish_letters() {
    let stack = range(0, 0);
    assert_eq!(stack.name, "DejaVu Sans");
    assert_eq!(stack.range, "0-255");
    assert!(
        (180..=256).contains(&stack.glyphs.len()),
        "{} glyphs",
        stack.glyphs.len()
    );
    assert!(stack.glyphs.windows(2).all(|w| w[0].id < w[1].id));
    assert!(stack.glyphs.iter().all(|g| g.id <= 255));
    for glyph in &stack.glyphs {
        assert_bitmap_fits(glyph);
    }
    for c in ['æ', 'ø', 'å', 'Æ', 'Ø', 'Å', 'é', 'ü'] {
        let glyph = stack.glyph(c);
        assert!(glyph.width > 0 && glyph.height > 0, "{c} has ink");
    }
}

#[test]
fn capital_a_at_24_px_is_about_17_px_tall_and_16_px_wide() {
    let stack = range(0, 0);
    let a = stack.glyph('A');
    assert!((15..=19).contains(&a.height), "height {}", a.height);
    assert!((14..=18).contains(&a.advance), "advance {}", a.advance);
    assert!((13..=18).contains(&a.width), "width {}", a.width);
    assert!((0..=2).contains(&a.left), "left {}", a.left);
    // `top` counts from the ascender line: a capital's top is a few pixels below it.
    assert!((-8..=0).contains(&a.top), "top {}", a.top);

    // Å is A with a ring above: same width and advance, taller, same baseline.
    let a_ring = stack.glyph('Å');
    assert_eq!(a_ring.width, a.width);
    assert_eq!(a_ring.advance, a.advance);
    assert!(a_ring.height > a.height + 3);
    assert_eq!(
        a_ring.top - i32::try_from(a_ring.height).unwrap(),
        a.top - i32::try_from(a.height).unwrap()
    );

    // ø dips below the baseline and rises above x-height; g descends further.
    let o_slash = stack.glyph('ø');
    let g = stack.glyph('g');
    let bottom = |glyph: &Glyph| glyph.top - i32::try_from(glyph.height).unwrap();
    assert!(bottom(o_slash) < bottom(a));
    assert!(bottom(g) < bottom(o_slash));
    assert!(
        (12..=16).contains(&o_slash.advance),
        "advance {}",
        o_slash.advance
    );
}

#[test]
fn a_space_has_no_bitmap_and_a_positive_advance() {
    let stack = range(0, 0);
    for c in [' ', '\u{a0}'] {
        let space = stack.glyph(c);
        assert!(space.bitmap.is_empty());
        assert_eq!((space.width, space.height), (0, 0));
        assert!(
            (6..=9).contains(&space.advance),
            "advance {}",
            space.advance
        );
    }
}

#[test]
fn latin_extended_a_and_punctuation_have_polish_letters_dashes_and_quotes() {
    let extended = range(0, 256);
    assert_eq!(extended.range, "256-511");
    for c in ['Ł', 'ő', 'Ś', 'ž'] {
        assert!(extended.glyph(c).width > 0);
    }
    let punctuation = range(0, 8192);
    assert_eq!(punctuation.range, "8192-8447");
    for glyph in &punctuation.glyphs {
        assert_bitmap_fits(glyph);
    }
    let en = punctuation.glyph('–');
    let em = punctuation.glyph('—');
    assert!(em.width > en.width && em.advance > en.advance);
    assert!(en.height <= 3, "a dash is thin");
    for c in ['’', '“', '”', '…', '€'] {
        assert!(punctuation.glyph(c).width > 0, "{c}");
    }
}

/// The SDF along the middle row of `glyph`.
fn middle_row(glyph: &Glyph) -> Vec<u8> {
    let y = glyph.height / 2 + BUFFER;
    (0..glyph.width + 2 * BUFFER)
        .map(|x| glyph.at(x, y))
        .collect()
}

#[test]
fn the_sdf_of_a_stem_peaks_inside_and_falls_off_monotonically_outward() {
    for (font, c) in [(0, 'I'), (0, 'l'), (1, 'I'), (1, 'l')] {
        let stack = range(font, 0);
        let glyph = stack.glyph(c);
        let row = middle_row(glyph);
        let (peak, &centre) = row.iter().enumerate().max_by_key(|(_, v)| **v).unwrap();
        assert!(centre > 192, "{c}: stroke centre {centre} ≤ 192 in {row:?}");
        assert!(
            row[..=peak].windows(2).all(|w| w[0] <= w[1]),
            "{c}: not rising towards the stem: {row:?}"
        );
        assert!(
            row[peak..].windows(2).all(|w| w[0] >= w[1]),
            "{c}: not falling away from the stem: {row:?}"
        );
    }
}

#[test]
fn the_corners_of_the_buffer_around_a_capital_i_are_far_outside() {
    // The corners are 3 px across and 3 px up or down from the ink box: over 4 px away.
    // (Not `l`: its ink overhangs its rounded box by a third of a pixel.)
    for font in [0, 1] {
        let stack = range(font, 0);
        let glyph = stack.glyph('I');
        let (last_x, last_y) = (glyph.width + 2 * BUFFER - 1, glyph.height + 2 * BUFFER - 1);
        for (x, y) in [(0, 0), (last_x, 0), (0, last_y), (last_x, last_y)] {
            let value = glyph.at(x, y);
            assert!(value < 100, "{}: corner ({x}, {y}) = {value}", stack.name);
        }
    }
}

#[test]
fn the_bold_stem_is_wider_than_the_regular_one() {
    let regular = range(0, 0);
    let bold = range(1, 0);
    assert_eq!(bold.name, "DejaVu Sans Bold");
    let inked = |glyph: &Glyph| middle_row(glyph).iter().filter(|v| **v >= 192).count();
    assert!(inked(bold.glyph('I')) > inked(regular.glyph('I')));
    assert!(bold.glyph('A').advance > regular.glyph('A').advance);
}

#[test]
fn a_range_start_off_the_256_grid_or_past_65280_is_an_error() {
    let data = std::fs::read(support::root().join(FONTS_DIR).join(FONTS[0].file)).unwrap();
    for start in [100, 255, 257, 65_536, 70_000] {
        let error = glyph_range(&data, "DejaVu Sans", start).unwrap_err();
        assert!(matches!(error, GlyphError::RangeStart { .. }), "{start}");
        assert!(empty_range("DejaVu Sans", start).is_err(), "{start}");
    }
}

#[test]
fn an_empty_range_decodes_with_its_name_and_range_and_no_glyphs() {
    let stacks = decode(&empty_range("DejaVu Sans Bold", 65_280).unwrap());
    assert_eq!(stacks.len(), 1);
    assert_eq!(stacks[0].name, "DejaVu Sans Bold");
    assert_eq!(stacks[0].range, "65280-65535");
    assert!(stacks[0].glyphs.is_empty());
}

#[test]
fn a_range_the_font_does_not_cover_is_valid_and_empty() {
    // CJK Unified Ideographs: not in DejaVu Sans.
    let stack = range(0, 19_968);
    assert_eq!(stack.range, "19968-20223");
    assert!(stack.glyphs.is_empty());
}

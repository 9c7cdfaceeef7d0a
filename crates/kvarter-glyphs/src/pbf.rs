//! The protobuf wire encoding of MapLibre's `glyphs.proto`, written by hand: three messages
//! need only varints, zigzag varints and length-delimited fields.
//!
//! ```text
//! message glyphs    { repeated fontstack stacks = 1; }
//! message fontstack { required string name = 1; required string range = 2;
//!                     repeated glyph glyphs = 3; }
//! message glyph     { required uint32 id = 1; optional bytes bitmap = 2;
//!                     required uint32 width = 3; required uint32 height = 4;
//!                     required sint32 left = 5; required sint32 top = 6;
//!                     required uint32 advance = 7; }
//! ```
//!
//! Fields are written in field-number order, as node-fontnik writes them, and `bitmap` only when
//! the glyph has one: MapLibre sizes its image from `width`/`height` and rejects a bitmap of
//! any other length, so an empty `bytes` field for a space would break it.

/// Wire type 0: a varint (`uint32`, `sint32` after zigzag).
const WIRE_VARINT: u8 = 0;
/// Wire type 2: a length-delimited field (`string`, `bytes`, embedded messages).
const WIRE_LEN: u8 = 2;

/// One glyph as the `glyph` message carries it; the metrics are in pixels at the font size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GlyphRecord {
    /// The Unicode code point.
    pub id: u32,
    /// The SDF, `(width + 2·buffer) × (height + 2·buffer)` bytes, row-major, top row first;
    /// empty for a glyph without ink (space), in which case the field is left out.
    pub bitmap: Vec<u8>,
    /// Width of the glyph's ink box, without the buffer.
    pub width: u32,
    /// Height of the glyph's ink box, without the buffer.
    pub height: u32,
    /// Distance from the pen position to the left edge of the ink box.
    pub left: i32,
    /// Top of the ink box relative to the ascender line (negative below it), as fontnik writes it.
    pub top: i32,
    /// How far the pen moves after this glyph.
    pub advance: u32,
}

/// Appends `value` as a base-128 varint, least significant group first.
#[expect(
    clippy::cast_possible_truncation,
    reason = "each cast takes a group of seven bits, masked or below 0x80"
)]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Maps a signed value to an unsigned one so that small magnitudes stay short:
/// 0 → 0, −1 → 1, 1 → 2, −2 → 3 (protobuf's `sint32`).
pub(crate) fn zigzag(value: i32) -> u32 {
    (value << 1 ^ (value >> 31)).cast_unsigned()
}

/// Appends a field key: the field number and the wire type.
fn put_key(out: &mut Vec<u8>, field: u32, wire_type: u8) {
    put_varint(out, u64::from(field) << 3 | u64::from(wire_type));
}

/// Appends a `uint32` field.
fn put_uint32(out: &mut Vec<u8>, field: u32, value: u32) {
    put_key(out, field, WIRE_VARINT);
    put_varint(out, u64::from(value));
}

/// Appends a `sint32` field.
fn put_sint32(out: &mut Vec<u8>, field: u32, value: i32) {
    put_uint32(out, field, zigzag(value));
}

/// Appends a length-delimited field (`string`, `bytes` or an embedded message).
fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, WIRE_LEN);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Encodes one `glyph` message.
fn encode_glyph(glyph: &GlyphRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(glyph.bitmap.len() + 24);
    put_uint32(&mut out, 1, glyph.id);
    if !glyph.bitmap.is_empty() {
        put_bytes(&mut out, 2, &glyph.bitmap);
    }
    put_uint32(&mut out, 3, glyph.width);
    put_uint32(&mut out, 4, glyph.height);
    put_sint32(&mut out, 5, glyph.left);
    put_sint32(&mut out, 6, glyph.top);
    put_uint32(&mut out, 7, glyph.advance);
    out
}

/// Encodes a `glyphs` message holding one `fontstack` named `name` for the code points
/// `start..=end`, with `glyphs` in the order given.
pub(crate) fn encode_range(name: &str, start: u32, end: u32, glyphs: &[GlyphRecord]) -> Vec<u8> {
    let mut stack = Vec::new();
    put_bytes(&mut stack, 1, name.as_bytes());
    put_bytes(&mut stack, 2, format!("{start}-{end}").as_bytes());
    for glyph in glyphs {
        put_bytes(&mut stack, 3, &encode_glyph(glyph));
    }
    let mut out = Vec::with_capacity(stack.len() + 6);
    put_bytes(&mut out, 1, &stack);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        put_varint(&mut out, value);
        out
    }

    #[test]
    fn varints_match_the_protobuf_spec_examples() {
        assert_eq!(varint(0), [0x00]);
        assert_eq!(varint(1), [0x01]);
        assert_eq!(varint(127), [0x7f]);
        assert_eq!(varint(128), [0x80, 0x01]);
        assert_eq!(varint(150), [0x96, 0x01]);
        assert_eq!(varint(300), [0xac, 0x02]);
        assert_eq!(varint(16_384), [0x80, 0x80, 0x01]);
        assert_eq!(varint(u64::from(u32::MAX)), [0xff, 0xff, 0xff, 0xff, 0x0f]);
    }

    #[test]
    fn zigzag_interleaves_negative_and_positive_values() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
        assert_eq!(zigzag(2), 4);
        assert_eq!(zigzag(-23), 45);
        assert_eq!(zigzag(i32::MAX), 0xffff_fffe);
        assert_eq!(zigzag(i32::MIN), 0xffff_ffff);
    }

    #[test]
    fn a_glyph_encodes_to_the_bytes_protoc_would_write() {
        let glyph = GlyphRecord {
            id: 65,
            bitmap: vec![7; 2],
            width: 16,
            height: 18,
            left: -1,
            top: -5,
            advance: 300,
        };
        assert_eq!(
            encode_glyph(&glyph),
            [
                0x08, 65, // id
                0x12, 2, 7, 7, // bitmap
                0x18, 16, // width
                0x20, 18, // height
                0x28, 1, // left = zigzag(-1)
                0x30, 9, // top = zigzag(-5)
                0x38, 0xac, 0x02, // advance = 300
            ]
        );
    }

    #[test]
    fn a_glyph_without_ink_leaves_the_bitmap_field_out() {
        let space = GlyphRecord {
            id: 32,
            bitmap: Vec::new(),
            width: 0,
            height: 0,
            left: 0,
            top: -23,
            advance: 8,
        };
        assert_eq!(
            encode_glyph(&space),
            [0x08, 32, 0x18, 0, 0x20, 0, 0x28, 0, 0x30, 45, 0x38, 8]
        );
    }

    #[test]
    fn an_empty_range_is_one_stack_with_name_and_range() {
        assert_eq!(
            encode_range("A", 256, 511, &[]),
            [
                0x0a, 12, // stacks, 12 bytes
                0x0a, 1, b'A', // name
                0x12, 7, b'2', b'5', b'6', b'-', b'5', b'1', b'1', // range
            ]
        );
    }
}

//! A minimal protobuf decoder for glyph range files, written independently of the crate's
//! encoder so that the tests read the files the way MapLibre does.

#![allow(clippy::unwrap_used, reason = "a test helper should fail loudly")]
#![allow(dead_code, reason = "each test file uses a part of the helpers")]

/// One `glyph` message.
#[derive(Debug, Clone, Default)]
pub struct Glyph {
    pub id: u32,
    pub bitmap: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub left: i32,
    pub top: i32,
    pub advance: u32,
}

impl Glyph {
    /// The SDF value at column `x`, row `y` of the buffered bitmap.
    pub fn at(&self, x: u32, y: u32) -> u8 {
        self.bitmap[(y * (self.width + 6) + x) as usize]
    }
}

/// One `fontstack` message.
#[derive(Debug, Clone, Default)]
pub struct Fontstack {
    pub name: String,
    pub range: String,
    pub glyphs: Vec<Glyph>,
}

impl Fontstack {
    /// The glyph for `c`.
    pub fn glyph(&self, c: char) -> &Glyph {
        self.glyphs
            .iter()
            .find(|glyph| glyph.id == u32::from(c))
            .unwrap_or_else(|| panic!("no glyph for {c:?} in {}", self.range))
    }
}

/// A field's value: a varint or a length-delimited slice.
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

/// Reads a protobuf message into (field number, value) pairs.
fn fields(mut bytes: &[u8]) -> Vec<(u64, Value<'_>)> {
    fn varint(bytes: &mut &[u8]) -> u64 {
        let mut value = 0;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = bytes.split_first().expect("varint runs past the end");
            *bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return value;
            }
        }
        panic!("varint longer than ten bytes");
    }
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let key = varint(&mut bytes);
        let value = match key & 7 {
            0 => Value::Varint(varint(&mut bytes)),
            2 => {
                let len = usize::try_from(varint(&mut bytes)).unwrap();
                let (value, rest) = bytes.split_at(len);
                bytes = rest;
                Value::Bytes(value)
            }
            other => panic!("unexpected wire type {other}"),
        };
        out.push((key >> 3, value));
    }
    out
}

fn uint32(value: &Value) -> u32 {
    match value {
        Value::Varint(v) => u32::try_from(*v).unwrap(),
        Value::Bytes(_) => panic!("expected a varint"),
    }
}

fn sint32(value: &Value) -> i32 {
    let v = uint32(value);
    i32::try_from(v >> 1).unwrap() ^ -i32::try_from(v & 1).unwrap()
}

fn bytes<'a>(value: &Value<'a>) -> &'a [u8] {
    match value {
        Value::Bytes(b) => b,
        Value::Varint(_) => panic!("expected bytes"),
    }
}

/// Decodes a `glyphs` message into its fontstacks.
pub fn decode(pbf: &[u8]) -> Vec<Fontstack> {
    let mut stacks = Vec::new();
    for (field, value) in fields(pbf) {
        assert_eq!(field, 1, "glyphs has only field 1 (stacks)");
        let mut stack = Fontstack::default();
        for (field, value) in fields(bytes(&value)) {
            match field {
                1 => stack.name = String::from_utf8(bytes(&value).to_vec()).unwrap(),
                2 => stack.range = String::from_utf8(bytes(&value).to_vec()).unwrap(),
                3 => {
                    let mut glyph = Glyph::default();
                    for (field, value) in fields(bytes(&value)) {
                        match field {
                            1 => glyph.id = uint32(&value),
                            2 => glyph.bitmap = bytes(&value).to_vec(),
                            3 => glyph.width = uint32(&value),
                            4 => glyph.height = uint32(&value),
                            5 => glyph.left = sint32(&value),
                            6 => glyph.top = sint32(&value),
                            7 => glyph.advance = uint32(&value),
                            other => panic!("unexpected glyph field {other}"),
                        }
                    }
                    stack.glyphs.push(glyph);
                }
                other => panic!("unexpected fontstack field {other}"),
            }
        }
        stacks.push(stack);
    }
    stacks
}

/// The repository root.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

//! The Mapbox Vector Tile 2.1 wire format: protocol buffers written by hand (the format has four
//! message types), with geometry commands, zig-zag deltas and per-layer key and value tables.

use std::collections::HashMap;

/// An attribute value of a feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    String(String),
    /// A number.
    Double(f64),
}

/// MVT geometry types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeomType {
    Point = 1,
    LineString = 2,
    Polygon = 3,
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

/// Writes a feature's geometry as MVT commands in tile coordinates.
#[derive(Debug, Default)]
pub(crate) struct GeometryWriter {
    commands: Vec<u32>,
    cursor: [i64; 2],
}

impl GeometryWriter {
    /// Starts a new geometry, reusing the buffer. Points given afterwards are in the zoom
    /// level's grid; `origin` (the tile's top-left corner there) becomes the tile's (0, 0).
    pub(crate) fn clear_at(&mut self, origin: [i64; 2]) {
        self.commands.clear();
        self.cursor = origin;
    }

    /// Whether nothing has been written.
    pub(crate) fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    fn command(&mut self, id: u32, count: usize) {
        let count = u32::try_from(count).unwrap_or(u32::MAX >> 3);
        self.commands.push((id & 0x7) | (count << 3));
    }

    fn point(&mut self, p: [i64; 2]) {
        self.commands.push(zigzag(p[0] - self.cursor[0]));
        self.commands.push(zigzag(p[1] - self.cursor[1]));
        self.cursor = p;
    }

    /// One or more points (one `MoveTo` with a count).
    pub(crate) fn add_points(&mut self, points: &[[i64; 2]]) {
        if points.is_empty() {
            return;
        }
        self.command(MOVE_TO, points.len());
        for p in points {
            self.point(*p);
        }
    }

    /// A line string of at least two points.
    pub(crate) fn add_line(&mut self, line: &[[i64; 2]]) {
        let Some((first, rest)) = line.split_first() else {
            return;
        };
        if rest.is_empty() {
            return;
        }
        self.command(MOVE_TO, 1);
        self.point(*first);
        self.command(LINE_TO, rest.len());
        for p in rest {
            self.point(*p);
        }
    }

    /// A ring (without its closing point, at least three points), oriented as given.
    pub(crate) fn add_ring(&mut self, ring: &[[i64; 2]]) {
        if ring.len() < 3 {
            return;
        }
        self.add_line(ring);
        self.command(CLOSE_PATH, 1);
    }
}

/// Zig-zag encoding of a parameter integer (tile coordinates and their deltas fit in 32 bits).
fn zigzag(value: i64) -> u32 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "tile deltas are within ±2^31; the bit pattern is the encoding"
    )]
    let encoded = ((value << 1) ^ (value >> 63)) as u32;
    encoded
}

/// Builds one MVT layer.
#[derive(Debug)]
pub(crate) struct LayerWriter {
    name: String,
    extent: u32,
    keys: Vec<String>,
    values: Vec<Value>,
    string_ids: HashMap<String, u32>,
    double_ids: HashMap<u64, u32>,
    features: Vec<u8>,
    count: usize,
    tags: Vec<u32>,
}

impl LayerWriter {
    /// An empty layer.
    pub(crate) fn new(name: &str, extent: u32) -> LayerWriter {
        LayerWriter {
            name: name.to_owned(),
            extent,
            keys: Vec::new(),
            values: Vec::new(),
            string_ids: HashMap::new(),
            double_ids: HashMap::new(),
            features: Vec::new(),
            count: 0,
            tags: Vec::new(),
        }
    }

    /// How many features it holds.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    fn key_id(&mut self, key: &str) -> u32 {
        let index = self.keys.iter().position(|k| k == key).unwrap_or_else(|| {
            self.keys.push(key.to_owned());
            self.keys.len() - 1
        });
        u32::try_from(index).unwrap_or(u32::MAX)
    }

    fn value_id(&mut self, value: &Value) -> u32 {
        let next = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        let id = match value {
            Value::String(text) => match self.string_ids.get(text.as_str()) {
                Some(id) => return *id,
                None => *self.string_ids.entry(text.clone()).or_insert(next),
            },
            Value::Double(number) => *self.double_ids.entry(number.to_bits()).or_insert(next),
        };
        if id == next {
            self.values.push(value.clone());
        }
        id
    }

    /// Adds a feature with its id, attributes (its own, then `extra`) and geometry.
    pub(crate) fn add(
        &mut self,
        id: u64,
        attributes: &[(&'static str, Value)],
        extra: &[(String, Value)],
        kind: GeomType,
        geometry: &GeometryWriter,
    ) {
        self.tags.clear();
        let own = attributes.iter().map(|(key, value)| (*key, value));
        for (key, value) in own.chain(extra.iter().map(|(key, value)| (key.as_str(), value))) {
            let key = self.key_id(key);
            let value = self.value_id(value);
            self.tags.push(key);
            self.tags.push(value);
        }
        let mut feature = Vec::with_capacity(16 + geometry.commands.len() * 2);
        write_varint_field(&mut feature, 1, id);
        write_packed(&mut feature, 2, &self.tags);
        write_varint_field(&mut feature, 3, kind as u64);
        write_packed(&mut feature, 4, &geometry.commands);
        write_bytes_field(&mut self.features, 2, &feature);
        self.count += 1;
    }

    /// Appends the layer to a tile's bytes.
    pub(crate) fn finish(self, tile: &mut Vec<u8>) {
        let mut layer = Vec::with_capacity(self.features.len() + 64 + self.values.len() * 16);
        write_varint_field(&mut layer, 15, 2);
        write_bytes_field(&mut layer, 1, self.name.as_bytes());
        layer.extend_from_slice(&self.features);
        for key in &self.keys {
            write_bytes_field(&mut layer, 3, key.as_bytes());
        }
        let mut encoded = Vec::new();
        for value in &self.values {
            encoded.clear();
            match value {
                Value::String(text) => write_bytes_field(&mut encoded, 1, text.as_bytes()),
                Value::Double(number) => {
                    write_tag(&mut encoded, 3, 1);
                    encoded.extend_from_slice(&number.to_le_bytes());
                }
            }
            write_bytes_field(&mut layer, 4, &encoded);
        }
        write_varint_field(&mut layer, 5, u64::from(self.extent));
        write_bytes_field(tile, 3, &layer);
    }
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        #[expect(clippy::cast_possible_truncation, reason = "the low seven bits")]
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    #[expect(clippy::cast_possible_truncation, reason = "below 0x80")]
    out.push(value as u8);
}

fn write_tag(out: &mut Vec<u8>, field: u32, wire_type: u32) {
    write_varint(out, u64::from((field << 3) | wire_type));
}

fn write_varint_field(out: &mut Vec<u8>, field: u32, value: u64) {
    write_tag(out, field, 0);
    write_varint(out, value);
}

fn write_bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    write_tag(out, field, 2);
    write_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn write_packed(out: &mut Vec<u8>, field: u32, values: &[u32]) {
    if values.is_empty() {
        return;
    }
    let mut packed = Vec::with_capacity(values.len() * 2);
    for value in values {
        write_varint(&mut packed, u64::from(*value));
    }
    write_bytes_field(out, field, &packed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_encodes_small_signed_numbers_as_small_unsigned_ones() {
        assert_eq!([0, -1, 1, -2, 2].map(zigzag), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_ring_is_move_to_line_to_close_path_with_deltas() {
        let mut geometry = GeometryWriter::default();
        geometry.add_ring(&[[2, 2], [4, 2], [4, 4]]);
        // MoveTo(1) (2,2); LineTo(2) (+2,0) (0,+2); ClosePath(1).
        assert_eq!(geometry.commands, [9, 4, 4, 18, 4, 0, 0, 4, 15]);
    }

    #[test]
    fn equal_values_are_stored_once_per_layer() {
        let mut layer = LayerWriter::new("l", 4096);
        let mut geometry = GeometryWriter::default();
        geometry.add_points(&[[1, 1]]);
        let status = Value::String("official".into());
        layer.add(
            1,
            &[("status", status.clone())],
            &[],
            GeomType::Point,
            &geometry,
        );
        layer.add(2, &[("status", status)], &[], GeomType::Point, &geometry);
        assert_eq!(layer.values.len(), 1);
        assert_eq!(layer.keys, ["status"]);
        assert_eq!(layer.len(), 2);
    }
}

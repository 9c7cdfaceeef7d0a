//! GeoPackage geometry blobs: the `GP` header (version, flags, SRS id, envelope) and the
//! well-known binary after it, decoded into geo geometries without Z and M.
//!
//! Decoded here rather than by geozero's `GpkgWkb`: geozero reserves memory for as many points,
//! rings and parts as a blob *claims*, so one damaged blob could abort the whole import; here
//! every count is checked against the bytes that remain before anything is reserved. ISO WKB
//! (type + 1000/2000/3000 for Z/M/ZM) and EWKB-style flag bits are both read.

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

/// How deeply geometry collections may nest (GeoPackages written by GIS tools use one level).
const MAX_DEPTH: usize = 16;

/// Decodes a GeoPackage geometry blob; `None` for an empty geometry.
pub(super) fn decode_gpkg(blob: &[u8]) -> Result<Option<Geometry<f64>>, String> {
    let Some(header) = blob.get(..8) else {
        return Err(format!(
            "a {}-byte blob is too short for a GeoPackage geometry",
            blob.len()
        ));
    };
    if &header[..2] != b"GP" {
        return Err("the blob does not start with the GeoPackage magic \"GP\"".into());
    }
    let flags = header[3];
    if flags & 0b0010_0000 != 0 {
        return Err("an extended GeoPackage geometry, which Kvarter does not read".into());
    }
    if flags & 0b0001_0000 != 0 {
        return Ok(None);
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        code => return Err(format!("envelope code {code} is not defined")),
    };
    let wkb = blob
        .get(8 + envelope..)
        .ok_or("the blob ends inside its envelope")?;
    decode_wkb(wkb)
}

/// Decodes well-known binary; `None` for an empty geometry.
pub(super) fn decode_wkb(wkb: &[u8]) -> Result<Option<Geometry<f64>>, String> {
    let mut reader = Reader { bytes: wkb, at: 0 };
    reader.geometry(0)
}

/// A cursor over the WKB bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// A geometry's header: its byte order, base type (1–7) and number of ordinates per point.
struct Header {
    little: bool,
    kind: u32,
    ordinates: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let bytes = self.bytes.get(self.at..self.at + N).ok_or_else(|| {
            format!(
                "the WKB ends at byte {} inside a geometry",
                self.bytes.len()
            )
        })?;
        self.at += N;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let bytes = self.take::<4>()?;
        Ok(if little {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, String> {
        let bytes = self.take::<8>()?;
        Ok(if little {
            f64::from_le_bytes(bytes)
        } else {
            f64::from_be_bytes(bytes)
        })
    }

    /// A count of items at least `min_size` bytes each, refused if the bytes left cannot hold
    /// them (so a damaged count never reserves memory).
    fn count(&mut self, little: bool, min_size: usize) -> Result<usize, String> {
        let count = usize::try_from(self.u32(little)?).unwrap_or(usize::MAX);
        let left = self.bytes.len() - self.at;
        if count.saturating_mul(min_size) > left {
            return Err(format!(
                "the WKB claims {count} items but holds only {left} more bytes"
            ));
        }
        Ok(count)
    }

    fn header(&mut self) -> Result<Header, String> {
        let little = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            other => return Err(format!("byte order marker {other} is neither 0 nor 1")),
        };
        let code = self.u32(little)?;
        let mut z = code & 0x8000_0000 != 0;
        let mut m = code & 0x4000_0000 != 0;
        if code & 0x2000_0000 != 0 {
            self.u32(little)?; // an EWKB SRID, which the GeoPackage header already gave
        }
        let base = code & 0x0FFF_FFFF;
        match base / 1000 {
            0 => {}
            1 => z = true,
            2 => m = true,
            3 => (z, m) = (true, true),
            _ => return Err(format!("WKB geometry type {base} is not defined")),
        }
        Ok(Header {
            little,
            kind: base % 1000,
            ordinates: 2 + usize::from(z) + usize::from(m),
        })
    }

    fn coord(&mut self, header: &Header) -> Result<Coord<f64>, String> {
        let x = self.f64(header.little)?;
        let y = self.f64(header.little)?;
        for _ in 2..header.ordinates {
            self.f64(header.little)?;
        }
        Ok(Coord { x, y })
    }

    fn line(&mut self, header: &Header) -> Result<LineString<f64>, String> {
        let count = self.count(header.little, header.ordinates * 8)?;
        (0..count).map(|_| self.coord(header)).collect()
    }

    fn polygon(&mut self, header: &Header) -> Result<Option<Polygon<f64>>, String> {
        let count = self.count(header.little, 4)?;
        let mut rings = Vec::with_capacity(count);
        for _ in 0..count {
            rings.push(self.line(header)?);
        }
        let mut rings = rings.into_iter();
        Ok(rings
            .next()
            .filter(|exterior| !exterior.0.is_empty())
            .map(|exterior| Polygon::new(exterior, rings.collect())))
    }

    /// The members of a multi-geometry or collection, each with its own header; empty members
    /// are left out.
    fn members(&mut self, header: &Header, depth: usize) -> Result<Vec<Geometry<f64>>, String> {
        let count = self.count(header.little, 5)?;
        let mut members = Vec::with_capacity(count);
        for _ in 0..count {
            if let Some(member) = self.geometry(depth + 1)? {
                members.push(member);
            }
        }
        Ok(members)
    }

    fn geometry(&mut self, depth: usize) -> Result<Option<Geometry<f64>>, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "geometry collections nest more than {MAX_DEPTH} deep"
            ));
        }
        let header = self.header()?;
        let geometry = match header.kind {
            1 => {
                let c = self.coord(&header)?;
                (!(c.x.is_nan() && c.y.is_nan())).then_some(Geometry::Point(Point(c)))
            }
            2 => Some(self.line(&header)?)
                .filter(|line| !line.0.is_empty())
                .map(Geometry::LineString),
            3 => self.polygon(&header)?.map(Geometry::Polygon),
            4 => {
                let points = self
                    .members(&header, depth)?
                    .into_iter()
                    .map(|member| match member {
                        Geometry::Point(p) => Ok(p),
                        _ => Err("a MultiPoint holds something else than points"),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (!points.is_empty()).then_some(Geometry::MultiPoint(MultiPoint(points)))
            }
            5 => {
                let lines = self
                    .members(&header, depth)?
                    .into_iter()
                    .map(|member| match member {
                        Geometry::LineString(l) => Ok(l),
                        _ => Err("a MultiLineString holds something else than lines"),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (!lines.is_empty()).then_some(Geometry::MultiLineString(MultiLineString(lines)))
            }
            6 => {
                let polygons = self
                    .members(&header, depth)?
                    .into_iter()
                    .map(|member| match member {
                        Geometry::Polygon(p) => Ok(p),
                        _ => Err("a MultiPolygon holds something else than polygons"),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (!polygons.is_empty()).then_some(Geometry::MultiPolygon(MultiPolygon(polygons)))
            }
            7 => {
                let members = self.members(&header, depth)?;
                (!members.is_empty())
                    .then_some(Geometry::GeometryCollection(GeometryCollection(members)))
            }
            other => {
                return Err(format!(
                    "WKB geometry type {other} (a curve, surface or TIN) is not supported; \
                     linearise it first (ogr2ogr -nlt CONVERT_TO_LINEAR)"
                ));
            }
        };
        Ok(geometry)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A GeoPackage blob: little-endian header with an XY envelope, then `wkb`.
    fn blob(wkb: &[u8]) -> Vec<u8> {
        let mut out = b"GP\x00\x03".to_vec(); // envelope code 1, little endian
        out.extend(25832_i32.to_le_bytes());
        for v in [0.0_f64, 1.0, 0.0, 1.0] {
            out.extend(v.to_le_bytes());
        }
        out.extend(wkb);
        out
    }

    fn le_polygon_z() -> Vec<u8> {
        // POLYGON Z ((0 0 5, 1 0 5, 1 1 5, 0 0 5)), ISO code 1003.
        let mut wkb = vec![1];
        wkb.extend(1003_u32.to_le_bytes());
        wkb.extend(1_u32.to_le_bytes());
        wkb.extend(4_u32.to_le_bytes());
        for (x, y) in [(0.0_f64, 0.0_f64), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)] {
            for v in [x, y, 5.0] {
                wkb.extend(v.to_le_bytes());
            }
        }
        wkb
    }

    #[test]
    fn a_polygon_z_in_a_geopackage_blob_decodes_without_z() {
        let geometry = decode_gpkg(&blob(&le_polygon_z())).unwrap().unwrap();
        let Geometry::Polygon(polygon) = geometry else {
            panic!("{geometry:?}");
        };
        assert_eq!(polygon.exterior().0.len(), 4);
        assert_eq!(polygon.exterior().0[2], Coord { x: 1.0, y: 1.0 });
    }

    #[test]
    fn big_endian_multipoints_and_empty_points_decode() {
        // MULTIPOINT (3 4, EMPTY) in big-endian.
        let mut wkb = vec![0];
        wkb.extend(4_u32.to_be_bytes());
        wkb.extend(2_u32.to_be_bytes());
        for (x, y) in [(3.0_f64, 4.0_f64), (f64::NAN, f64::NAN)] {
            wkb.push(0);
            wkb.extend(1_u32.to_be_bytes());
            wkb.extend(x.to_be_bytes());
            wkb.extend(y.to_be_bytes());
        }
        assert_eq!(
            decode_wkb(&wkb).unwrap(),
            Some(Geometry::MultiPoint(MultiPoint(vec![Point::new(3.0, 4.0)])))
        );
        // The empty flag in the GeoPackage header.
        assert_eq!(decode_gpkg(b"GP\x00\x11\x00\x00\x00\x00"), Ok(None));
    }

    #[test]
    fn every_truncation_and_a_lying_count_are_errors() {
        let full = blob(&le_polygon_z());
        for len in 0..full.len() {
            assert!(decode_gpkg(&full[..len]).is_err(), "{len}");
        }
        let mut lying = full;
        let at = 8 + 32 + 5; // the ring count
        lying[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let error = decode_gpkg(&lying).unwrap_err();
        assert!(error.contains("claims"), "{error}");
        assert!(decode_gpkg(b"XX\x00\x01\x00\x00\x00\x00\x01").is_err());
    }

    #[test]
    fn deeply_nested_collections_are_refused() {
        let mut wkb = Vec::new();
        for _ in 0..100 {
            wkb.push(1);
            wkb.extend(7_u32.to_le_bytes());
            wkb.extend(1_u32.to_le_bytes());
        }
        wkb.push(1);
        wkb.extend(7_u32.to_le_bytes());
        wkb.extend(0_u32.to_le_bytes());
        assert!(decode_wkb(&wkb).unwrap_err().contains("nest"));
    }
}

//! Bytes to serve and their compressed forms: a rendered tile, a comparison's CSV, a file of the
//! map front end. Each form is made once, on first demand, and kept with the bytes, so a cached
//! answer is compressed at most once per content coding.

use std::sync::OnceLock;

use bytes::Bytes;

/// A content coding Kvarter answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Uncompressed.
    Identity,
    /// gzip.
    Gzip,
    /// Brotli.
    Brotli,
}

impl Encoding {
    /// The encoding's `Content-Encoding` token (`identity` when uncompressed).
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "br",
        }
    }
}

/// Bytes and each compressed form of them, made on first demand.
#[derive(Debug, Default)]
pub struct Rendered {
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl Rendered {
    /// Bytes to serve, not yet compressed.
    pub fn new(identity: impl Into<Bytes>) -> Rendered {
        Rendered {
            identity: identity.into(),
            ..Rendered::default()
        }
    }

    /// Whether there are no bytes (a tile without features).
    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
    }

    /// The bytes in `encoding`, compressing on first demand (CPU work: call it off async
    /// workers unless [`Rendered::is_ready`]); empty when there are no bytes.
    pub fn body(&self, encoding: Encoding) -> Bytes {
        if self.identity.is_empty() {
            return Bytes::new();
        }
        match encoding {
            Encoding::Identity => self.identity.clone(),
            Encoding::Gzip => self.gzip.get_or_init(|| gzip(&self.identity)).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| brotli(&self.identity)).clone(),
        }
    }

    /// Whether [`Rendered::body`] in `encoding` is at hand, without compressing.
    pub fn is_ready(&self, encoding: Encoding) -> bool {
        match encoding {
            Encoding::Identity => true,
            Encoding::Gzip => self.gzip.get().is_some(),
            Encoding::Brotli => self.brotli.get().is_some(),
        }
    }

    /// Memory the entry takes at most, for a cache's weigher: identity plus both compressed
    /// forms (each at most about the identity's size) plus bookkeeping.
    pub fn weight(&self) -> u32 {
        u32::try_from(self.identity.len() * 3 + 256).unwrap_or(u32::MAX)
    }
}

fn gzip(bytes: &[u8]) -> Bytes {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 32),
        flate2::Compression::new(6),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn brotli(bytes: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(bytes.len() / 2 + 32);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: 22,
        ..brotli::enc::BrotliEncoderParams::default()
    };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_forms_decompress_to_the_tile() {
        use std::io::Read as _;
        let tile = Rendered::new(b"a tile's bytes, a tile's bytes, a tile's bytes".to_vec());
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&tile.body(Encoding::Gzip)[..])
            .read_to_end(&mut unzipped)
            .unwrap_or_default();
        assert_eq!(unzipped, tile.body(Encoding::Identity));
        let mut unbrotlied = Vec::new();
        brotli::BrotliDecompress(&mut &tile.body(Encoding::Brotli)[..], &mut unbrotlied)
            .unwrap_or_default();
        assert_eq!(unbrotlied, tile.body(Encoding::Identity));
    }

    #[test]
    fn a_form_is_ready_only_once_it_was_asked_for() {
        let tile = Rendered::new(b"bytes".to_vec());
        assert!(tile.is_ready(Encoding::Identity));
        assert!(!tile.is_ready(Encoding::Brotli));
        tile.body(Encoding::Brotli);
        assert!(tile.is_ready(Encoding::Brotli));
        assert!(!tile.is_ready(Encoding::Gzip));
    }
}

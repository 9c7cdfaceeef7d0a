//! Point lookups answered as JSON text ([`Service::lookup_json`]), with everything in the answer
//! but the data version and the echoed request kept per *what the point is in*.
//!
//! A lookup's answer depends on the point only through the areas that hold it (and whether it
//! lies on their boundaries): every point inside the same areas gets the same summary,
//! designations and units. A city has a few thousand such combinations — the overlay of its
//! designations, districts, wards and neighbourhoods — so after the first lookup in each, the
//! R-tree query is all the work left; building and writing the 5–8 KB answer was two thirds of
//! a lookup's CPU time (BENCHMARKS.md, "The HTTP fast path"). The key is the query (layers and
//! day, as widened by the state lists) and each hit's layer, area and boundary flag; the cache
//! belongs to one data version's [`Service`] and is dropped with it, so an area's address in
//! the index identifies it for the cache's whole life. Bounded by bytes ([`CAPACITY_BYTES`]);
//! moka evicts the least used.
//!
//! **gzip.** Compressing the answer per request cost four times the rest of the lookup. The kept
//! part is compressed once instead (raw deflate at level 6, made on the first gzip request for
//! it), and a gzip answer is framed by hand around it (RFC 1952): the gzip header, the
//! per-request head (`{"data_version":…,"query":{…},`) as *stored* deflate blocks (RFC 1951
//! §3.2.4: a block header byte, the length and its complement, the bytes as they are — a
//! hundred-odd bytes not worth compressing), the kept deflate stream as the final block(s), and
//! the CRC-32 and length of the whole text. No crate frames a gzip member from a precompressed
//! deflate stream (flate2 and libdeflate compress whole inputs only), so these thirty lines
//! are written here; decompressing every answer and comparing it with the identity answer is
//! the test.

use std::io::Write as _;
use std::sync::{Arc, OnceLock};

use kvarter_core::{Area, Date, LayerId};
use kvarter_index::{Hit, LookupQuery};
use moka::sync::Cache;
use serde::Serialize;

use crate::error::ServiceError;
use crate::lookup::{Echo, LookupRequest};
use crate::service::Service;

/// The most bytes of answers kept per data version: 32 MiB, some five thousand combinations of
/// areas at Copenhagen's answer sizes.
pub const CAPACITY_BYTES: u64 = 32 * 1024 * 1024;

/// What a lookup's answer depends on besides the echoed request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AnswerKey {
    layers: Option<Vec<LayerId>>,
    at: Option<Date>,
    /// Per hit: the layer's position, the area's address in the index, the boundary flag.
    hits: Vec<(usize, usize, bool)>,
}

impl AnswerKey {
    fn new(query: &LookupQuery, hits: &[Hit<'_>]) -> Self {
        Self {
            layers: query.layers.clone(),
            at: query.at,
            hits: hits
                .iter()
                .map(|hit| {
                    let area: *const Area = hit.area;
                    (hit.position(), area as usize, hit.on_boundary)
                })
                .collect(),
        }
    }
}

/// The answers kept, by what they depend on.
pub(crate) struct AnswerCache {
    answers: Cache<AnswerKey, Arc<Kept>, foldhash::fast::RandomState>,
}

/// One kept answer: its JSON without `data_version` and `query`, after its opening `{`
/// (`"summary":…}`), and that text deflated, made on first demand.
#[derive(Debug)]
struct Kept {
    json: Box<[u8]>,
    deflated: OnceLock<Box<[u8]>>,
}

impl Kept {
    fn deflated(&self) -> Result<&[u8], ServiceError> {
        if let Some(deflated) = self.deflated.get() {
            return Ok(deflated);
        }
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        encoder
            .write_all(&self.json)
            .and_then(|()| encoder.finish())
            .map(|deflated| &**self.deflated.get_or_init(|| deflated.into_boxed_slice()))
            .map_err(|error| ServiceError::internal("compressing a lookup", error))
    }
}

/// How a lookup answer is wanted: as JSON text, or that text gzipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// The text.
    Identity,
    /// A gzip member (RFC 1952) of the text.
    Gzip,
}

impl std::fmt::Debug for AnswerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerCache")
            .field("answers", &self.answers.entry_count())
            .finish()
    }
}

impl Default for AnswerCache {
    fn default() -> Self {
        Self {
            answers: Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                // The text and, at most, its deflated form (a third of it or less).
                .weigher(|_: &AnswerKey, answer: &Arc<Kept>| {
                    u32::try_from(answer.json.len() + answer.json.len() / 2).unwrap_or(u32::MAX)
                })
                .build_with_hasher(foldhash::fast::RandomState::default()),
        }
    }
}

/// The head of an answer: its data version and the request as understood.
#[derive(Serialize)]
struct Head<'a> {
    data_version: &'a str,
    query: Echo<'a>,
}

impl Service {
    /// The answer of [`Service::lookup`] as JSON text — the same bytes `serde_json` writes for
    /// it — or that text gzipped, with everything but the data version and the echoed request
    /// taken from the cache of answers (see the [module docs](self)) when a point in the same
    /// areas was looked up before.
    pub fn lookup_json(
        &self,
        request: &LookupRequest,
        coding: Coding,
    ) -> Result<Vec<u8>, ServiceError> {
        self.counters().lookups(1);
        let widened = self.with_state_lists(&request.query);
        let query = widened.as_ref().unwrap_or(&request.query);
        let hits = self.index().lookup(request.at.point, query);
        let kept = self
            .answers()
            .answers
            .try_get_with(AnswerKey::new(query, &hits), || {
                let json = serde_json::to_vec(&self.answer(query, &hits, None))?;
                Ok::<_, serde_json::Error>(Arc::new(Kept {
                    // Never empty: it always has its summary.
                    json: json.get(1..).unwrap_or_default().into(),
                    deflated: OnceLock::new(),
                }))
            })
            .map_err(|error| ServiceError::internal("encoding a lookup", error.to_string()))?;
        let head = Head {
            data_version: self.data_version(),
            query: Echo::new(request.at, query.at, request.query.layers.as_deref()),
        };
        let mut text = Vec::with_capacity(256);
        serde_json::to_writer(&mut text, &head)
            .map_err(|error| ServiceError::internal("encoding a lookup", error))?;
        // `{"data_version":…,"query":{…}}` and `{"summary":…}` joined into one object.
        text.pop();
        text.push(b',');
        match coding {
            Coding::Identity => {
                text.extend_from_slice(&kept.json);
                Ok(text)
            }
            Coding::Gzip => Ok(gzip_joined(&text, &kept.json, kept.deflated()?)),
        }
    }
}

/// A gzip member of `head` followed by `rest`, whose raw deflate stream is `deflated` (see the
/// [module docs](self)).
fn gzip_joined(head: &[u8], rest: &[u8], deflated: &[u8]) -> Vec<u8> {
    // ID1 ID2, CM = deflate, no flags, no time, no extra flags, OS unknown.
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut out = Vec::with_capacity(HEADER.len() + head.len() + 16 + deflated.len() + 8);
    out.extend_from_slice(&HEADER);
    for block in head.chunks(usize::from(u16::MAX)) {
        // Not the final block, stored: BFINAL = 0, BTYPE = 00, then LEN and NLEN.
        let length = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.push(0);
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&(!length).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(deflated);
    let mut crc = crc32fast::Hasher::new();
    crc.update(head);
    crc.update(rest);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE: the length modulo 2³², as RFC 1952 defines it.
    #[expect(clippy::cast_possible_truncation, reason = "modulo 2³² by definition")]
    let size = (head.len() + rest.len()) as u32;
    out.extend_from_slice(&size.to_le_bytes());
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn a_joined_gzip_member_inflates_to_the_head_and_the_rest() {
        let rest = br#""summary":"2011 (reconstructed): N\u00f8rrebro.","units":[]}"#.repeat(40);
        let kept = Kept {
            json: rest.clone().into_boxed_slice(),
            deflated: OnceLock::new(),
        };
        for head in [
            b"{".to_vec(),
            br#"{"data_version":"v1","query":{"lon":12.5,"lat":55.7},"#.to_vec(),
            // More than one stored block.
            [b"{\"x\":\"".as_slice(), &vec![b'a'; 70_000], b"\","].concat(),
        ] {
            let gzip = gzip_joined(&head, &kept.json, kept.deflated().unwrap());
            assert_eq!(gunzip(&gzip), [head.as_slice(), &rest].concat());
        }
        assert!(kept.deflated().unwrap().len() < rest.len() / 4);
    }
}

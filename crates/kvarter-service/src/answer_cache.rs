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

use std::sync::Arc;

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

/// The answers kept: each is the answer's JSON without `data_version` and `query`, from its `{`.
pub(crate) struct AnswerCache {
    answers: Cache<AnswerKey, Arc<[u8]>, foldhash::fast::RandomState>,
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
                .weigher(|_: &AnswerKey, answer: &Arc<[u8]>| {
                    u32::try_from(answer.len()).unwrap_or(u32::MAX)
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
    /// it — with everything but the data version and the echoed request taken from the cache
    /// of answers (see the [module docs](self)) when a point in the same areas was looked up
    /// before.
    pub fn lookup_json(&self, request: &LookupRequest) -> Result<Vec<u8>, ServiceError> {
        self.counters().lookups(1);
        let widened = self.with_state_lists(&request.query);
        let query = widened.as_ref().unwrap_or(&request.query);
        let hits = self.index().lookup(request.at.point, query);
        let rest = self
            .answers()
            .answers
            .try_get_with(AnswerKey::new(query, &hits), || {
                serde_json::to_vec(&self.answer(query, &hits, None)).map(Arc::from)
            })
            .map_err(|error| ServiceError::internal("encoding a lookup", error.to_string()))?;
        let head = Head {
            data_version: self.data_version(),
            query: Echo::new(request.at, query.at, request.query.layers.as_deref()),
        };
        let mut json = Vec::with_capacity(rest.len() + 256);
        serde_json::to_writer(&mut json, &head)
            .map_err(|error| ServiceError::internal("encoding a lookup", error))?;
        // `{"data_version":…,"query":{…}}` and `{"summary":…,…}` (never empty: it always has
        // its summary) joined into one object.
        json.pop();
        json.push(b',');
        json.extend_from_slice(rest.get(1..).unwrap_or_default());
        Ok(json)
    }
}

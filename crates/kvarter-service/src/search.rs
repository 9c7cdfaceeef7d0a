//! Address search: addresses, streets, places and postcodes matching a text (typos, missing
//! æøå, floor and door, a name still being typed), best first, each with the areas it lies in.
//!
//! The matching and the score are [`kvarter_geocode::search`]'s. An address that is not there
//! is no error: the answer has no results; so has every search of a service without an address
//! index, with a `note` saying so.

use kvarter_geocode::{SearchError, SearchOptions};
use serde::Serialize;

use crate::addresses::{Found, Matched, NO_GAZETTEER};
use crate::error::{ServiceError, quoted};
use crate::lookup::LookupAnswer;
use crate::service::Service;

/// The answer: the query as given and the results, best first.
#[derive(Debug, Serialize)]
pub struct SearchAnswer<'a> {
    query: &'a str,
    /// The results, best first.
    pub results: Vec<SearchResult<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
}

/// One result: what was found, how it matched, and the areas at its point.
#[derive(Debug, Serialize)]
pub struct SearchResult<'a> {
    #[serde(flatten)]
    found: Found<'a>,
    #[serde(flatten)]
    how: Matched,
    areas: LookupAnswer<'a>,
}

impl Service {
    /// The entries matching `text`, best first, as `options` says (limit, kinds, postcode).
    /// A text without letters or digits, or too long, is [`ServiceError::Invalid`] (`q`).
    pub fn search<'a>(
        &'a self,
        text: &'a str,
        options: &SearchOptions,
    ) -> Result<SearchAnswer<'a>, ServiceError> {
        self.counters().search();
        let Some(addresses) = self.addresses() else {
            return Ok(SearchAnswer {
                query: text,
                results: Vec::new(),
                note: Some(NO_GAZETTEER),
            });
        };
        let hits = addresses
            .gazetteer
            .search(text, options)
            .map_err(|error| match error {
                SearchError::EmptyQuery => empty_query(text),
                SearchError::QueryTooLong { .. } => ServiceError::invalid("q", error.to_string()),
            })?;
        let results = hits
            .iter()
            .map(|hit| SearchResult {
                found: Found::new(hit.entry),
                how: Matched::new(hit),
                areas: self.areas_at(hit.entry.point.0),
            })
            .collect();
        Ok(SearchAnswer {
            query: text,
            results,
            note: None,
        })
    }
}

/// The refusal of a search text without letters or digits.
pub fn empty_query(text: &str) -> ServiceError {
    ServiceError::invalid(
        "q",
        format!(
            "{} has no letters or digits; type at least part of a name",
            quoted(text)
        ),
    )
}

//! The address index the service holds — the gazetteer and its nearest-point index — and what
//! every address operation shares: the best match for a text with its confidence, and one found
//! entry as answered.
//!
//! # Confidence
//! A number in 0–1 saying how sure the service is that the best match is the address meant,
//! worked out from the search score (see [`kvarter_geocode::search`]):
//!
//! `confidence = min(score, 130) / 130 × kind × tie`, rounded to two decimals, where
//! * 130 is what a complete address typed exactly (same street, same number and letter) scores
//!   without a postcode; a right postcode (+15) cannot lift it above 1, a wrong one (−25)
//!   lowers it to 0.81; a prefix (≥ 70) or a typo (60 − 15 per edit) lowers it further;
//! * `kind` is 0.6 when the query has a house number but the best match is not an address (the
//!   number was not found, so the point is the street's or the place's, not the house's),
//!   else 1;
//! * `tie` is 0.5 when another entry with a different point scores the same (the text is
//!   ambiguous, e.g. a street name in two postcodes), else 1.
//!
//! So "Mjølnerparken 2, 2200 København N" typed exactly is 1.0, without the postcode also 1.0,
//! with one typo 0.58, and "Mjølnerparken 999" (a number the data lacks) 0.46 for the street.

use kvarter_geocode::{Entry, Gazetteer, Hit, Kind, Match, Reverse, SearchError, SearchOptions};
use serde::Serialize;

/// The score of a complete address typed exactly without a postcode; see the module docs.
const FULL_SCORE: f64 = 130.0;

/// The gazetteer and its nearest-point index, built once per address index.
#[derive(Debug)]
pub struct Addresses {
    /// The searchable entries.
    pub gazetteer: Gazetteer,
    /// The nearest-entry index over the same entries.
    pub reverse: Reverse,
}

/// The best match for a text, with its confidence.
#[derive(Debug, Clone)]
pub struct BestMatch<'a> {
    /// The search hit.
    pub hit: Hit<'a>,
    /// See the [module docs](self).
    pub confidence: f64,
}

impl Addresses {
    /// Indexes `gazetteer` for nearest-point queries too.
    pub fn new(gazetteer: Gazetteer) -> Self {
        let reverse = Reverse::new(&gazetteer);
        Self { gazetteer, reverse }
    }

    /// The best match for `text` and its confidence, or `None` when nothing matches.
    pub fn best_match(&self, text: &str) -> Result<Option<BestMatch<'_>>, SearchError> {
        let options = SearchOptions {
            limit: 2,
            ..SearchOptions::default()
        };
        let hits = self.gazetteer.search(text, &options)?;
        let Some(best) = hits.first().cloned() else {
            return Ok(None);
        };
        let has_number = kvarter_geocode::parse_address(text)
            .ok()
            .and_then(|parsed| parsed.house_number)
            .is_some();
        let tied = hits.get(1).is_some_and(|second| {
            second.score.total_cmp(&best.score).is_eq() && second.entry.point != best.entry.point
        });
        let confidence = confidence(
            best.score,
            has_number && best.entry.kind != Kind::Address,
            tied,
        );
        Ok(Some(BestMatch {
            hit: best,
            confidence,
        }))
    }
}

/// The confidence of a best match; see the [module docs](self).
pub fn confidence(score: f64, number_not_found: bool, tied: bool) -> f64 {
    let base = score.clamp(0.0, FULL_SCORE) / FULL_SCORE;
    let kind = if number_not_found { 0.6 } else { 1.0 };
    let tie = if tied { 0.5 } else { 1.0 };
    round2(base * kind * tie)
}

/// `value` rounded to two decimals.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// How a match is named in answers: `exact`, `prefix` or `fuzzy`.
pub fn match_name(matched: Match) -> &'static str {
    match matched {
        Match::Exact => "exact",
        Match::Prefix => "prefix",
        Match::Fuzzy { .. } => "fuzzy",
    }
}

/// One found entry as answered: its type, id, display text and point.
#[derive(Debug, Serialize)]
pub struct Found<'a> {
    /// `address`, `street`, `place` or `postcode`.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// The entry's id in its source.
    pub id: &'a str,
    /// The display text.
    pub text: &'a str,
    /// `[lon, lat]`.
    pub point: [f64; 2],
}

impl<'a> Found<'a> {
    /// The answer's view of `entry`.
    pub fn new(entry: &'a Entry) -> Self {
        Self {
            kind: entry.kind,
            id: &entry.id,
            text: &entry.text,
            point: [entry.point.x(), entry.point.y()],
        }
    }
}

/// How a search hit matched, as answered: score (two decimals), match kind and, for a fuzzy
/// match, the edit `distance`.
#[derive(Debug, Serialize)]
pub struct Matched {
    /// The search score (see [`kvarter_geocode::search`]).
    pub score: f64,
    /// `exact`, `prefix` or `fuzzy`.
    #[serde(rename = "match")]
    pub matched: &'static str,
    /// Edits between the typed name and the found one (fuzzy matches only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<u32>,
}

impl Matched {
    /// The answer's view of how `hit` matched.
    pub fn new(hit: &Hit<'_>) -> Self {
        Self {
            score: round2(hit.score),
            matched: match_name(hit.matched),
            distance: match hit.matched {
                Match::Fuzzy { distance } => Some(distance),
                _ => None,
            },
        }
    }
}

/// The note an answer carries when the service has no gazetteer.
pub const NO_GAZETTEER: &str = "this service's data has no gazetteer (address index), so no address, street, place or postcode can be found; load data that has one (geodata/gazetteer.csv)";

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "the values are rounded to two decimals")]
mod tests {
    use super::*;

    #[test]
    fn the_confidence_follows_the_documented_formula() {
        assert_eq!(confidence(145.0, false, false), 1.0);
        assert_eq!(confidence(130.0, false, false), 1.0);
        assert_eq!(confidence(105.0, false, false), 0.81);
        assert_eq!(confidence(75.0, false, false), 0.58);
        assert_eq!(confidence(100.0, true, false), 0.46);
        assert_eq!(confidence(130.0, false, true), 0.5);
        assert_eq!(confidence(-10.0, false, false), 0.0);
    }
}

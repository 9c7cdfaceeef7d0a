//! Searching the [`Gazetteer`]: free text or an address in, ranked [`Hit`]s out.
//!
//! # Pipeline ([`Gazetteer::search`])
//! 1. **Read the query** with the address parser: the street (or place) name, house number and
//!    letter, postcode and district; floor and door are recognised and ignored. A query that is
//!    a postcode ("2200", "2200 København N") looks up the postcode; a query that does not parse
//!    as an address ("Istedgade 12-14") is searched as a name as a whole.
//! 2. **Find names** by [`match_key`]: every key that starts with the query's key (the exact key
//!    is [`Match::Exact`], longer ones [`Match::Prefix`], so autocomplete works while typing);
//!    only when no key starts with it, keys within an edit distance by a Levenshtein automaton
//!    over the fst (`NearPrefix`, a row-per-state automaton; [`Match::Fuzzy`]): none below 4 characters, 1 for 4–7, 2 from 8. The
//!    automaton accepts keys that *start* with a near match, so a typo while typing still finds.
//! 3. **Match the house number** within each name: with a number in the query, addresses with
//!    the same number are kept (others dropped), and the name's street/place/postcode entries
//!    stay as the answer for a number the data does not have. A number no address can have
//!    ("Istedgade 0", "Istedgade 12-14") keeps only those entries too.
//! 4. **Filter** by [`SearchOptions::kinds`] and [`SearchOptions::postcode`] (a hard filter:
//!    entries without a postcode, such as places, go too).
//! 5. **Score and rank**, best first, at most [`SearchOptions::limit`].
//!
//! # Score
//! `score = name + number + postcode`, where
//! * **name**: exact 100; prefix `70 + 20 × typed/key` characters (a longer part typed, a higher
//!   score, always below exact); fuzzy `60 − 15 × distance`;
//! * **number**, with a number in the query: an address with the same number and letter +30
//!   (no letter on both sides counts as the same), same number but another or no letter +20,
//!   a street/place/postcode +0; without a number in the query: streets, places and postcodes
//!   +20, addresses +0 (a street stands above its own addresses until a number is typed);
//! * **postcode** from the query: the same postcode +15, another postcode −25, none on the entry
//!   0; with a district but no postcode in the query, the same district +10, another −10.
//!
//! A wrong postcode in the query is a **penalty, not a filter**: people misremember postcodes
//! (Nørrebro's streets cross 2200 and 2400), so the address still comes back, below any match
//! with the right postcode. To filter, use [`SearchOptions::postcode`].
//!
//! Ties are broken by kind (address, street, place, postcode), then name (match key), then
//! house number and letter, then display text, then entry order, so the order is deterministic.

use std::cmp::Ordering;

use fst::automaton::Str;
use fst::{Automaton, IntoStreamer, Streamer};
use serde::Serialize;

use crate::address::{AddressError, HouseNumber, MAX_CHARS, parse_parts, street_part};
use crate::index::{Entry, Gazetteer, Kind};
use crate::normalise::match_key;

/// How a hit's name matched the query's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// The match keys are equal: same name up to case, æøå spelling, punctuation and spaces.
    Exact,
    /// The query's key is the beginning of the name's key (the user is still typing).
    Prefix,
    /// The name's key starts with a text within `distance` edits of the query's key.
    Fuzzy {
        /// Insertions, deletions and substitutions, counted on match keys.
        distance: u32,
    },
}

/// One search result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit<'a> {
    /// The entry's position in [`Gazetteer::entries`].
    pub index: usize,
    /// The entry found.
    pub entry: &'a Entry,
    /// The score (see the [module docs](self)); higher is better.
    pub score: f64,
    /// How the name matched.
    pub matched: Match,
}

/// What to search for besides the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// The most hits returned (default 10).
    pub limit: usize,
    /// Only these kinds; empty means every kind (the default).
    pub kinds: Vec<Kind>,
    /// Only entries with this postcode (default none: no filter).
    pub postcode: Option<u16>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            limit: 10,
            kinds: Vec::new(),
            postcode: None,
        }
    }
}

/// Why a query cannot be searched. An address that is not in the gazetteer is no error: it
/// gives no hits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// The query has no letters or digits. Type at least part of a name.
    #[error("the query is empty")]
    EmptyQuery,
    /// The query is longer than the limit. Search one address at a time.
    #[error("the query has {chars} characters, more than the {max} allowed")]
    QueryTooLong {
        /// The query's length in characters.
        chars: usize,
        /// The most allowed.
        max: usize,
    },
}

/// The query as read: the name's key and what refines it.
#[derive(Debug)]
struct Query {
    key: String,
    house_number: Option<HouseNumber>,
    /// The query has a house number that no address can have ("Istedgade 0").
    impossible_number: bool,
    postcode: Option<u16>,
    district_key: Option<String>,
}

impl Query {
    fn read(text: &str) -> Result<Self, SearchError> {
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(SearchError::QueryTooLong {
                chars,
                max: MAX_CHARS,
            });
        }
        let whole = || Query {
            key: match_key(text),
            house_number: None,
            impossible_number: false,
            postcode: None,
            district_key: None,
        };
        let query = match parse_parts(text) {
            Ok(parts) if !parts.street.is_empty() => Query {
                key: match_key(&parts.street),
                house_number: parts.house_number,
                impossible_number: false,
                postcode: parts.postcode,
                district_key: parts.district.as_deref().map(match_key),
            },
            Ok(parts) => match parts.postcode {
                Some(code) => Query {
                    key: code.to_string(),
                    house_number: None,
                    impossible_number: false,
                    postcode: Some(code),
                    district_key: parts.district.as_deref().map(match_key),
                },
                None => whole(),
            },
            Err(
                AddressError::HouseNumberOutOfRange { .. }
                | AddressError::InvalidHouseNumber { .. },
            ) if !street_part(text).is_empty() => Query {
                key: match_key(&street_part(text)),
                impossible_number: true,
                ..whole()
            },
            Err(_) => whole(),
        };
        if query.key.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        Ok(query)
    }
}

/// The edit budget for a query key of `chars` characters.
fn max_distance(chars: usize) -> u32 {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The fewest edits that turn `query` into some prefix of `key` (Levenshtein, on characters).
fn prefix_distance(query: &str, key: &str) -> u32 {
    let q: Vec<char> = query.chars().collect();
    // column[i] = distance between q[..i] and the key prefix read so far.
    let mut column: Vec<u32> = (0..).take(q.len() + 1).collect();
    let mut best = column[q.len()];
    for (j, k) in (1..).zip(key.chars()) {
        let mut diagonal = column[0];
        column[0] = j;
        for i in 1..=q.len() {
            let substitution = diagonal + u32::from(q[i - 1] != k);
            diagonal = column[i];
            column[i] = substitution.min(column[i] + 1).min(column[i - 1] + 1);
        }
        best = best.min(column[q.len()]);
    }
    best
}

/// A Levenshtein automaton over the fst that accepts every key *starting with* a text within
/// `budget` edits of the query (edits counted on bytes; match keys of Danish text are ASCII).
///
/// Each state is one row of the edit-distance table (the query's prefixes against the key bytes
/// read so far), so it is built in no time for any query, where fst's own `Levenshtein` builds
/// a DFA up front: in the benchmark that took 1.2 ms at the median and up to 14 ms for names of
/// 15+ characters with budget 2. Branches whose row has no cell within budget are pruned.
struct NearPrefix<'q> {
    query: &'q [u8],
    budget: u32,
}

#[derive(Clone)]
enum NearState {
    /// Still reading: the current row.
    Row(Vec<u32>),
    /// A prefix of the key is near the query: every key below matches.
    Near,
    /// No key below can match.
    Far,
}

impl<'q> NearPrefix<'q> {
    fn new(query: &'q str, budget: u32) -> Self {
        Self {
            query: query.as_bytes(),
            budget,
        }
    }
}

impl Automaton for NearPrefix<'_> {
    type State = NearState;

    fn start(&self) -> NearState {
        let row: Vec<u32> = (0..).take(self.query.len() + 1).collect();
        if row[self.query.len()] <= self.budget {
            NearState::Near
        } else {
            NearState::Row(row)
        }
    }

    fn is_match(&self, state: &NearState) -> bool {
        matches!(state, NearState::Near)
    }

    fn can_match(&self, state: &NearState) -> bool {
        !matches!(state, NearState::Far)
    }

    fn will_always_match(&self, state: &NearState) -> bool {
        matches!(state, NearState::Near)
    }

    fn accept(&self, state: &NearState, byte: u8) -> NearState {
        let NearState::Row(row) = state else {
            return state.clone();
        };
        let mut next = Vec::with_capacity(row.len());
        next.push(row[0] + 1);
        for (i, &q) in self.query.iter().enumerate() {
            let cell = (row[i] + u32::from(q != byte))
                .min(row[i + 1] + 1)
                .min(next[i] + 1);
            next.push(cell);
        }
        if next[self.query.len()] <= self.budget {
            NearState::Near
        } else if next.iter().all(|&cell| cell > self.budget) {
            NearState::Far
        } else {
            NearState::Row(next)
        }
    }
}

/// A hit before ranking: `key_rank` is the key's position in the fst's (sorted) order.
struct Candidate {
    index: u32,
    key_rank: u32,
    score: f64,
    matched: Match,
}

impl Gazetteer {
    /// Searches names and addresses for `query`; see the [module docs](self) for the steps and
    /// the score. An address that is not there gives an empty list.
    ///
    /// ```
    /// use geo::Point;
    /// use kvarter_geocode::{Entry, Gazetteer, HouseNumber, Kind, Match, SearchOptions};
    ///
    /// let gazetteer = Gazetteer::new(vec![Entry {
    ///     kind: Kind::Address,
    ///     id: "a1".into(),
    ///     text: "Istedgade 119, 1650 København V".into(),
    ///     street: Some("Istedgade".into()),
    ///     house_number: Some(HouseNumber::new(119)),
    ///     postcode: Some(1650),
    ///     district: Some("København V".into()),
    ///     point: Point::new(12.553, 55.669),
    /// }]);
    /// let hits = gazetteer.search("istedgade 119 st. th.", &SearchOptions::default()).unwrap();
    /// assert_eq!(hits[0].entry.id, "a1");
    /// assert_eq!(hits[0].matched, Match::Exact);
    /// assert!(gazetteer.search("Vesterbrogade 1", &SearchOptions::default()).unwrap().is_empty());
    /// ```
    pub fn search(
        &self,
        query: &str,
        options: &SearchOptions,
    ) -> Result<Vec<Hit<'_>>, SearchError> {
        let query = Query::read(query)?;
        if options.limit == 0 {
            return Ok(Vec::new());
        }
        let query_chars = query.key.chars().count();
        let mut candidates = Vec::new();

        let mut stream = self
            .keys
            .search(Str::new(&query.key).starts_with())
            .into_stream();
        let mut key_rank = 0u32;
        while let Some((key, group)) = stream.next() {
            let name_score = if key == query.key.as_bytes() {
                (Match::Exact, 100.0)
            } else {
                let key_chars = String::from_utf8_lossy(key).chars().count().max(1);
                let typed = (query_chars as f64 / key_chars as f64).min(1.0);
                (Match::Prefix, 70.0 + 20.0 * typed)
            };
            self.collect_group(
                &query,
                options,
                group,
                key_rank,
                name_score,
                &mut candidates,
            );
            key_rank += 1;
        }

        let budget = max_distance(query_chars);
        if key_rank == 0 && budget > 0 {
            let automaton = NearPrefix::new(&query.key, budget);
            let mut stream = self.keys.search(&automaton).into_stream();
            while let Some((key, group)) = stream.next() {
                let distance = prefix_distance(&query.key, &String::from_utf8_lossy(key));
                let name_score = (Match::Fuzzy { distance }, 60.0 - 15.0 * f64::from(distance));
                self.collect_group(
                    &query,
                    options,
                    group,
                    key_rank,
                    name_score,
                    &mut candidates,
                );
                key_rank += 1;
            }
        }

        let order = |a: &Candidate, b: &Candidate| self.rank(a, b);
        if candidates.len() > options.limit {
            candidates.select_nth_unstable_by(options.limit - 1, order);
            candidates.truncate(options.limit);
        }
        candidates.sort_unstable_by(order);
        Ok(candidates
            .into_iter()
            .map(|c| Hit {
                index: c.index as usize,
                entry: &self.entries[c.index as usize],
                score: c.score,
                matched: c.matched,
            })
            .collect())
    }

    /// Scores the entries of one name group that pass the number rule and the filters.
    fn collect_group(
        &self,
        query: &Query,
        options: &SearchOptions,
        group: u64,
        key_rank: u32,
        (matched, name_score): (Match, f64),
        candidates: &mut Vec<Candidate>,
    ) {
        // Without a number, postcode or district in the query every address of the group
        // scores the same, and the group holds them by house number, the rank's next tie-break:
        // once `limit` of them are taken, an address with a higher number cannot reach the top
        // `limit` (those taken rank above it), so the rest of the group is skipped. This keeps
        // autocomplete on a national register from scoring every address of every street
        // that starts with the letters typed.
        let uniform = query.house_number.is_none()
            && !query.impossible_number
            && query.postcode.is_none()
            && query.district_key.is_none();
        let mut taken = 0_usize;
        let mut boundary: Option<Option<HouseNumber>> = None;
        for &index in self.group(group) {
            let entry = &self.entries[index as usize];
            if !options.kinds.is_empty() && !options.kinds.contains(&entry.kind) {
                continue;
            }
            if options.postcode.is_some() && entry.postcode != options.postcode {
                continue;
            }
            if uniform && entry.kind == Kind::Address {
                match boundary {
                    Some(number) if entry.house_number != number => break,
                    None if taken + 1 >= options.limit => boundary = Some(entry.house_number),
                    _ => {}
                }
            }
            let is_address = entry.kind == Kind::Address;
            if query.impossible_number && is_address {
                continue;
            }
            let number_score = match (query.house_number, is_address) {
                _ if query.impossible_number => 0.0,
                (None, true) | (Some(_), false) => 0.0,
                (None, false) => 20.0,
                (Some(wanted), true) => match entry.house_number {
                    Some(found) if found == wanted => 30.0,
                    Some(found) if found.number == wanted.number => 20.0,
                    _ => continue,
                },
            };
            let place_score = match (query.postcode, entry.postcode) {
                (Some(wanted), Some(found)) if wanted == found => 15.0,
                (Some(_), Some(_)) => -25.0,
                (Some(_), None) => 0.0,
                (None, _) => match (&query.district_key, &entry.district) {
                    (Some(wanted), Some(found)) if *wanted == match_key(found) => 10.0,
                    (Some(_), Some(_)) => -10.0,
                    _ => 0.0,
                },
            };
            // A postcode is reachable by its number and its district: keep it once.
            if entry.kind == Kind::Postcode && candidates.iter().any(|c| c.index == index) {
                continue;
            }
            if entry.kind == Kind::Address {
                taken += 1;
            }
            candidates.push(Candidate {
                index,
                key_rank,
                score: name_score + number_score + place_score,
                matched,
            });
        }
    }

    /// Best first: score, then kind, name, house number, display text, entry order.
    fn rank(&self, a: &Candidate, b: &Candidate) -> Ordering {
        let (x, y) = (
            &self.entries[a.index as usize],
            &self.entries[b.index as usize],
        );
        b.score
            .total_cmp(&a.score)
            .then(x.kind.cmp(&y.kind))
            .then(a.key_rank.cmp(&b.key_rank))
            .then(x.house_number.cmp(&y.house_number))
            .then_with(|| x.text.cmp(&y.text))
            .then(a.index.cmp(&b.index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edit_budget_grows_with_the_length_of_the_name() {
        assert_eq!([3, 4, 7, 8, 20].map(max_distance), [0, 1, 1, 2, 2]);
    }

    #[test]
    fn the_near_prefix_automaton_accepts_keys_starting_within_budget() {
        let automaton = NearPrefix::new("istedgadde", 1);
        let run = |key: &str| {
            let state = key.bytes().fold(automaton.start(), |state, byte| {
                automaton.accept(&state, byte)
            });
            automaton.is_match(&state)
        };
        assert!(run("istedgade"));
        assert!(run("istedgadebro"));
        assert!(!run("istedvej"));
        assert!(!run("norrebrogade"));
    }

    #[test]
    fn prefix_distance_counts_edits_to_the_nearest_beginning_of_the_key() {
        assert_eq!(prefix_distance("istedgade", "istedgade"), 0);
        assert_eq!(prefix_distance("istedgadde", "istedgade"), 1);
        assert_eq!(prefix_distance("molnerp", "mjolnerparken"), 1);
        assert_eq!(prefix_distance("norebrog", "norrebrogade"), 1);
        assert_eq!(prefix_distance("abc", ""), 3);
    }

    #[test]
    fn a_query_is_read_as_street_number_and_postcode() {
        let query = Query::read("Nørrebrogade 2 2. tv 2200 København N").unwrap();
        assert_eq!(query.key, "norrebrogade");
        assert_eq!(query.house_number, Some(HouseNumber::new(2)));
        assert_eq!(query.postcode, Some(2200));
        let postcode = Query::read("2200 København N").unwrap();
        assert_eq!(
            (postcode.key.as_str(), postcode.postcode),
            ("2200", Some(2200))
        );
        let range = Query::read("Istedgade 12-14").unwrap();
        assert_eq!(
            (range.key.as_str(), range.impossible_number),
            ("istedgade", true)
        );
        assert_eq!(Query::read("22 22").unwrap().key, "2222");
    }
}

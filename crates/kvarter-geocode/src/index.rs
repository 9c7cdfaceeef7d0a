//! The gazetteer: a plain list of [`Entry`]s (addresses, streets, places, postcodes) and an
//! [`fst::Map`] from their match keys to the entries that carry them.
//!
//! Building, in [`Gazetteer::new`]:
//! 1. each entry gives its keys: the [`match_key`] of its name (the street for addresses and
//!    streets, the text for places, the district for postcodes) and, for postcodes, the four
//!    digits;
//! 2. keys are interned (each distinct name normalised once, each key stored once, so a pair
//!    is two `u32`s: at national scale, 3.9 million addresses on ≈ 100,000 names, that is 31 MB
//!    where a key string per pair took ten times that); (key, entry) pairs are sorted by key;
//!    each distinct key becomes one *group*, a run of entry
//!    indices in one flat `Vec<u32>` ordered streets/places/postcodes first, then addresses by
//!    house number;
//! 3. the sorted keys go into an `fst::Map` whose value is the group number.
//!
//! The map shares prefixes and suffixes of the keys, so the index costs a few bytes per street
//! name plus four bytes per entry over the entries themselves.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use fst::Map;
use geo::Point;
use serde::{Deserialize, Serialize};

use crate::address::HouseNumber;
use crate::normalise::match_key;

/// What an [`Entry`] is. The order is the tie-break order of search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An access address (adgangsadresse): street, house number, postcode.
    Address,
    /// A named street.
    Street,
    /// A place name (stednavn): an estate, a park, a neighbourhood.
    Place,
    /// A postcode with its postal district.
    Postcode,
}

/// One searchable thing. Only `text` is required to be non-empty; the other fields refine the
/// match (see [`Gazetteer`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// What the entry is.
    pub kind: Kind,
    /// The id in the source (a DAR id, a place id, the postcode…), returned as is.
    pub id: String,
    /// The display text in the original spelling ("Mjølnerparken 2, 2200 København N").
    pub text: String,
    /// The street name, for addresses and streets; when `None` the text is the name.
    pub street: Option<String>,
    /// The house number, for addresses.
    pub house_number: Option<HouseNumber>,
    /// The postcode, for addresses, streets (when within one) and postcodes.
    pub postcode: Option<u16>,
    /// The postal district ("København N").
    pub district: Option<String>,
    /// Where the entry is, longitude/latitude (WGS84); serialised as `[lon, lat]`.
    #[serde(with = "lon_lat")]
    pub point: Point<f64>,
}

/// Serde for a point as `[lon, lat]` (geo's own serde support is a feature the workspace
/// does not turn on).
mod lon_lat {
    use geo::Point;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(point: &Point<f64>, s: S) -> Result<S::Ok, S::Error> {
        [point.x(), point.y()].serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Point<f64>, D::Error> {
        let [lon, lat] = <[f64; 2]>::deserialize(d)?;
        Ok(Point::new(lon, lat))
    }
}

impl Entry {
    /// The name the entry is found by: the street for addresses and streets, the district for
    /// postcodes, else the display text.
    pub fn name(&self) -> &str {
        match self.kind {
            Kind::Address | Kind::Street => self.street.as_deref().unwrap_or(&self.text),
            Kind::Postcode => self.district.as_deref().unwrap_or(&self.text),
            Kind::Place => &self.text,
        }
    }
}

/// The searchable index over a list of entries, built once and read-only after.
/// See the [module docs](self) for how it is built, and [`Gazetteer::search`] for queries.
pub struct Gazetteer {
    pub(crate) entries: Vec<Entry>,
    pub(crate) keys: Map<Vec<u8>>,
    /// `group_starts[g]..group_starts[g + 1]` indexes `group_entries` for group `g`.
    pub(crate) group_starts: Vec<u32>,
    pub(crate) group_entries: Vec<u32>,
}

/// The build order of a group: streets, places, postcodes first, then addresses by number.
fn group_order(entries: &[Entry], a: u32, b: u32) -> Ordering {
    let (x, y) = (&entries[a as usize], &entries[b as usize]);
    let rank = |e: &Entry| u8::from(e.kind == Kind::Address);
    rank(x)
        .cmp(&rank(y))
        .then(x.house_number.cmp(&y.house_number))
        .then(x.kind.cmp(&y.kind))
        .then(a.cmp(&b))
}

impl Gazetteer {
    /// Builds the index over `entries`. Entries whose name has no letters or digits (an empty
    /// match key) are kept but cannot be found.
    ///
    /// # Panics
    /// If there are more than `u32::MAX` entries.
    pub fn new(entries: Vec<Entry>) -> Self {
        let count = u32::try_from(entries.len()).expect("at most u32::MAX entries");
        // Keys are interned: a street's thousand addresses share one name, so each distinct
        // name is normalised once and a pair is two numbers (8 bytes, not a key string each).
        let mut key_ids: HashMap<String, u32> = HashMap::new();
        let mut name_ids: HashMap<&str, Option<u32>> = HashMap::new();
        let mut keys: Vec<String> = Vec::new();
        let mut intern = |key: String, keys: &mut Vec<String>| {
            *key_ids.entry(key).or_insert_with_key(|key| {
                keys.push(key.clone());
                u32::try_from(keys.len() - 1).expect("fewer keys than entries")
            })
        };
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(entries.len() + 64);
        for (index, entry) in (0..count).zip(&entries) {
            let name_id = *name_ids.entry(entry.name()).or_insert_with_key(|name| {
                let key = match_key(name);
                (!key.is_empty()).then(|| intern(key, &mut keys))
            });
            if let Some(key_id) = name_id {
                pairs.push((key_id, index));
            }
            if entry.kind == Kind::Postcode
                && let Some(code) = entry.postcode
            {
                pairs.push((intern(code.to_string(), &mut keys), index));
            }
        }
        drop(name_ids);
        // Key ids in the keys' sorted order, as the fst wants them.
        let mut by_key: Vec<u32> = (0..).take(keys.len()).collect();
        by_key.sort_unstable_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
        let mut rank = vec![0_u32; keys.len()];
        for (r, &key_id) in (0..).zip(&by_key) {
            rank[key_id as usize] = r;
        }
        for pair in &mut pairs {
            pair.0 = rank[pair.0 as usize];
        }
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| group_order(&entries, a.1, b.1)));
        pairs.dedup();

        let mut builder = fst::MapBuilder::memory();
        let mut group_starts = Vec::with_capacity(keys.len() + 1);
        let mut group_entries = Vec::with_capacity(pairs.len());
        let mut last_rank: Option<u32> = None;
        for &(key_rank, index) in &pairs {
            if last_rank != Some(key_rank) {
                let group = group_starts.len() as u64;
                builder
                    .insert(&keys[by_key[key_rank as usize] as usize], group)
                    .expect("keys are inserted sorted and distinct");
                group_starts.push(u32::try_from(group_entries.len()).expect("fits u32"));
                last_rank = Some(key_rank);
            }
            group_entries.push(index);
        }
        group_starts.push(u32::try_from(group_entries.len()).expect("fits u32"));
        let keys = builder.into_map().into_fst().into_inner();
        let keys = Map::new(keys).expect("a map just built is valid");
        Self {
            entries,
            keys,
            group_starts,
            group_entries,
        }
    }

    /// Every entry, in the order given to [`Gazetteer::new`].
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry at `index` (as in [`Hit::index`](crate::search::Hit::index)).
    pub fn entry(&self, index: usize) -> Option<&Entry> {
        self.entries.get(index)
    }

    /// How many distinct match keys the index holds.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// The entry indices of group `group`.
    pub(crate) fn group(&self, group: u64) -> &[u32] {
        let g = usize::try_from(group).unwrap_or(usize::MAX);
        match (
            self.group_starts.get(g),
            self.group_starts.get(g.wrapping_add(1)),
        ) {
            (Some(&start), Some(&end)) => &self.group_entries[start as usize..end as usize],
            _ => &[],
        }
    }
}

impl fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gazetteer")
            .field("entries", &self.entries.len())
            .field("keys", &self.keys.len())
            .field("fst_bytes", &self.keys.as_fst().as_bytes().len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: Kind, text: &str, street: Option<&str>, number: Option<u16>) -> Entry {
        Entry {
            kind,
            id: text.into(),
            text: text.into(),
            street: street.map(Into::into),
            house_number: number.map(HouseNumber::new),
            postcode: Some(2200),
            district: Some("København N".into()),
            point: Point::new(12.55, 55.7),
        }
    }

    #[test]
    fn entries_of_one_street_share_one_key_with_the_street_first() {
        let gazetteer = Gazetteer::new(vec![
            entry(
                Kind::Address,
                "Mjølnerparken 4",
                Some("Mjølnerparken"),
                Some(4),
            ),
            entry(
                Kind::Address,
                "Mjølnerparken 2",
                Some("Mjølnerparken"),
                Some(2),
            ),
            entry(Kind::Street, "Mjølnerparken", None, None),
            entry(Kind::Postcode, "2200 København N", None, None),
        ]);
        assert_eq!(gazetteer.key_count(), 3, "mjolnerparken, kobenhavnn, 2200");
        let group = gazetteer.keys.get("mjolnerparken").unwrap();
        assert_eq!(gazetteer.group(group), &[2, 1, 0]);
        assert!(gazetteer.keys.get("2200").is_some());
        assert!(gazetteer.keys.get("kobenhavnn").is_some());
        assert_eq!(gazetteer.group(99), &[] as &[u32]);
    }
}

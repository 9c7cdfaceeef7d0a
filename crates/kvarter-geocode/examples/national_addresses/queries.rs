//! Seeded query lists over a loaded gazetteer, one per kind of question the service answers,
//! and the check that each finds what it was made from.
//!
//! Every query is made from one address entry picked at random (fixed seed), so its right
//! answer is known:
//! * `autocomplete` — the first 3–8 characters of the street name, as typed (sometimes lower
//!   case, sometimes with æ/ø/å spelt ae/oe/aa): something must be found (the street itself
//!   need not be in the first ten: "Ves" has dozens of streets);
//! * `address` — the full address as a person types it, sometimes with floor and door
//!   ("Bøgevænget 12A, 2. tv, 7100 Vejle"), sometimes without the district: the entry must be
//!   the first hit;
//! * `fuzzy` — the street name with one typo (a letter dropped, doubled or two swapped) and
//!   the house number: the entry must be among the hits;
//! * `reverse` — the entry's point moved by up to 10 m: an address within 200 m must be found,
//!   and at the entry's own point the entry itself (checked separately, distance < 1 m).

use kvarter_geocode::{Entry, Gazetteer, Kind, Reverse, SearchOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The seed of the query lists.
pub const QUERY_SEED: u64 = 0x0a11_2026;

/// One kind of query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// A street-name prefix, as while typing.
    Autocomplete,
    /// A complete address.
    Address,
    /// A street name with one typo and a house number.
    Fuzzy,
    /// A point near an address.
    Reverse,
}

impl QueryKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 4] = [
        Self::Autocomplete,
        Self::Address,
        Self::Fuzzy,
        Self::Reverse,
    ];

    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Autocomplete => "autocomplete",
            Self::Address => "address",
            Self::Fuzzy => "fuzzy",
            Self::Reverse => "reverse",
        }
    }
}

/// One query and the entry it was made from.
#[derive(Debug, Clone)]
pub struct Query {
    /// The text typed (empty for reverse).
    pub text: String,
    /// The point asked about (reverse only).
    pub point: (f64, f64),
    /// The entry the query was made from.
    pub source: usize,
}

/// Spells æ ø å as people without a Danish keyboard do, half the time.
fn as_typed(rng: &mut ChaCha8Rng, text: &str) -> String {
    let mut out = if rng.gen_bool(0.5) {
        text.to_lowercase()
    } else {
        text.to_owned()
    };
    if rng.gen_bool(0.3) {
        out = out
            .replace('æ', "ae")
            .replace('ø', "oe")
            .replace('å', "aa")
            .replace('Æ', "Ae")
            .replace('Ø', "Oe")
            .replace('Å', "Aa");
    }
    out
}

/// The street name with one typo away from its first three characters.
fn with_typo(rng: &mut ChaCha8Rng, street: &str) -> String {
    let mut chars: Vec<char> = street.chars().collect();
    if chars.len() < 7 {
        return street.to_owned();
    }
    let at = rng.gen_range(3..chars.len() - 1);
    match rng.gen_range(0..3) {
        0 => {
            chars.remove(at);
        }
        1 => chars.insert(at, chars[at]),
        _ => chars.swap(at, at + 1),
    }
    chars.into_iter().collect()
}

/// `count` queries of `kind` over the addresses of `gazetteer`, from [`QUERY_SEED`].
pub fn make(gazetteer: &Gazetteer, kind: QueryKind, count: usize) -> Vec<Query> {
    let addresses: Vec<usize> = gazetteer
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::Address && e.street.is_some())
        .map(|(i, _)| i)
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(QUERY_SEED ^ kind as u64);
    (0..count)
        .filter_map(|_| {
            let source = *addresses.get(rng.gen_range(0..addresses.len().max(1)))?;
            let entry = &gazetteer.entries()[source];
            let street = entry.street.as_deref().unwrap_or_default();
            let number = entry
                .house_number
                .map(|n| n.to_string())
                .unwrap_or_default();
            let text = match kind {
                QueryKind::Autocomplete => {
                    let take = rng.gen_range(3..=8);
                    as_typed(&mut rng, &street.chars().take(take).collect::<String>())
                }
                QueryKind::Address => {
                    let floor = [", 2. tv", ", st. th", ", 1. 3", ""][rng.gen_range(0..4)];
                    let district = entry.district.as_deref().unwrap_or_default();
                    let postcode = entry
                        .postcode
                        .map(|p| format!("{p:04}"))
                        .unwrap_or_default();
                    let tail = if rng.gen_bool(0.2) {
                        format!(", {postcode}")
                    } else {
                        format!(", {postcode} {district}")
                    };
                    as_typed(&mut rng, &format!("{street} {number}{floor}{tail}"))
                }
                QueryKind::Fuzzy => format!("{} {number}", with_typo(&mut rng, street)),
                QueryKind::Reverse => String::new(),
            };
            let point = (
                entry.point.x() + rng.gen_range(-1.0..1.0) * 10.0 / 63_000.0,
                entry.point.y() + rng.gen_range(-1.0..1.0) * 10.0 / 111_000.0,
            );
            Some(Query {
                text,
                point,
                source,
            })
        })
        .collect()
}

/// The search options of the service's `/api/search` (its default limit of 10).
pub fn options() -> SearchOptions {
    SearchOptions::default()
}

/// Runs one query; whether it found what it was made from.
pub fn run(gazetteer: &Gazetteer, reverse: &Reverse, kind: QueryKind, query: &Query) -> bool {
    let source: &Entry = &gazetteer.entries()[query.source];
    if kind == QueryKind::Reverse {
        return reverse
            .nearest(query.point.0, query.point.1, 200.0, &[Kind::Address])
            .is_some();
    }
    let Ok(hits) = gazetteer.search(&query.text, &options()) else {
        return false;
    };
    match kind {
        QueryKind::Autocomplete => !hits.is_empty(),
        QueryKind::Address => hits.first().is_some_and(|h| h.index == query.source),
        _ => hits.iter().any(|h| h.entry.street == source.street),
    }
}

/// Whether reverse geocoding at the entry's own point finds the entry (or one at the same
/// point) within a metre.
pub fn reverse_finds_itself(gazetteer: &Gazetteer, reverse: &Reverse, source: usize) -> bool {
    let entry = &gazetteer.entries()[source];
    reverse
        .nearest(entry.point.x(), entry.point.y(), 200.0, &[Kind::Address])
        .is_some_and(|(_, metres)| metres < 1.0)
}

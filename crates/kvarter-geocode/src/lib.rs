//! Kvarter's offline address search: parse, normalise, index and search Danish addresses,
//! streets, place names and postcodes.
//!
//! The input is a plain list of [`Entry`]s (where they come from — a gazetteer file, the DAR
//! register — is for the caller); [`Gazetteer::new`] builds an `fst` index over their
//! normalised names once, and [`Gazetteer::search`] answers free-text and address queries with
//! typo tolerance, autocomplete while typing and house-number matching, ranked by a documented
//! score (see [`search`]).
//!
//! * [`normalise`] — case, æ/ø/å spellings, punctuation: why "Mjolnerparken" finds Mjølnerparken;
//! * [`address`] — "Istedgade 119, st. th., 1650 København V" into its parts;
//! * [`index`] — entries and the gazetteer;
//! * [`search`] — the query pipeline and the score.
//! * [`reverse`] — the nearest entry to a point (a k-d tree on the sphere).
//!
//! # Example
//!
//! ```
//! use geo::Point;
//! use kvarter_geocode::{Entry, Gazetteer, HouseNumber, Kind, Match, SearchOptions};
//!
//! let address = |number: u16| Entry {
//!     kind: Kind::Address,
//!     id: format!("mjolnerparken-{number}"),
//!     text: format!("Mjølnerparken {number}, 2200 København N"),
//!     street: Some("Mjølnerparken".into()),
//!     house_number: Some(HouseNumber::new(number)),
//!     postcode: Some(2200),
//!     district: Some("København N".into()),
//!     point: Point::new(12.5426, 55.7009),
//! };
//! let gazetteer = Gazetteer::new(vec![address(2), address(4)]);
//! let options = SearchOptions::default();
//!
//! // Typed without ø, with a floor and door: the address, exactly.
//! let hits = gazetteer.search("mjolnerparken 2, 3. tv", &options)?;
//! assert_eq!(hits[0].entry.text, "Mjølnerparken 2, 2200 København N");
//! assert_eq!(hits[0].matched, Match::Exact);
//!
//! // While typing: a prefix finds the street's addresses.
//! let hits = gazetteer.search("Mjøln", &options)?;
//! assert_eq!(hits.len(), 2);
//! assert_eq!(hits[0].matched, Match::Prefix);
//!
//! // One typo: still found.
//! let hits = gazetteer.search("Mjolnerpakren 4", &options)?;
//! assert_eq!(hits[0].entry.id, "mjolnerparken-4");
//! assert!(matches!(hits[0].matched, Match::Fuzzy { .. }));
//!
//! // Not there: no hits, no error.
//! assert!(gazetteer.search("Gothersgade 1", &options)?.is_empty());
//! # Ok::<(), kvarter_geocode::SearchError>(())
//! ```

pub mod address;
pub mod index;
pub mod normalise;
pub mod search;

pub use address::{AddressError, HouseNumber, ParsedAddress, parse_address};
pub use index::{Entry, Gazetteer, Kind};
pub use search::{Hit, Match, SearchError, SearchOptions};

pub mod reverse;
pub use reverse::Reverse;

pub mod file;
pub use file::{FileError, Record, read_csv, read_records, write_csv};

pub mod dawa;
pub use dawa::{DawaError, DawaReader};

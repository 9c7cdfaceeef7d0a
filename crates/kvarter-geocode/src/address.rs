//! Parsing Danish address texts ("Mjølnerparken 2, 2200 København N") into their parts.
//!
//! The shape read is `street [number[letter]] [floor [door]] [postcode] [district]`, with
//! optional commas between the parts:
//!
//! * **street** — every word before the first comma or the first word that starts with a digit;
//! * **house number** — 1 to 999 with an optional letter, written "12B" or "12 B";
//! * **floor** — "st" (stuen), "kl"/"kld" (kælder) or a number with a dot ("2."), kept lower
//!   case without the dot ("st", "2"); a number without a dot counts as a floor only when a
//!   door follows;
//! * **door** — "tv", "th", "mf" or a number of one to three digits, after a floor;
//! * **postcode** — four digits (1000–9999);
//! * **district** — every word after the postcode (or after the number, floor and door when
//!   there is no postcode), in the original spelling.
//!
//! A four-digit number right after the street followed by a word ("Valby Langgade 2500 Valby")
//! is a postcode, not a house number. Floor and door are kept for the answer; search ignores
//! them, because the index holds access addresses (adgangsadresser).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest text, in characters, [`parse_address`] and the search accept.
pub const MAX_CHARS: usize = 200;

/// A house number: 1–999 and an optional upper-case letter ("12B").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HouseNumber {
    /// The number, 1–999.
    pub number: u16,
    /// The letter after the number, upper case (`'B'` in "12B").
    pub letter: Option<char>,
}

impl HouseNumber {
    /// A house number without a letter.
    pub const fn new(number: u16) -> Self {
        Self {
            number,
            letter: None,
        }
    }

    /// A house number with a letter; the letter is stored upper case.
    pub fn with_letter(number: u16, letter: char) -> Self {
        Self {
            number,
            letter: Some(letter.to_ascii_uppercase()),
        }
    }
}

impl fmt::Display for HouseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number)?;
        if let Some(letter) = self.letter {
            write!(f, "{letter}")?;
        }
        Ok(())
    }
}

/// The parts of a Danish address text, as [`parse_address`] found them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedAddress {
    /// The street (or place) name, in the original spelling, words joined by one space.
    pub street: String,
    /// The house number with its letter, if the text has one.
    pub house_number: Option<HouseNumber>,
    /// The floor, lower case without a dot: "st", "kl", "1", "2"….
    pub floor: Option<String>,
    /// The door, lower case without a dot: "tv", "th", "mf", or a number.
    pub door: Option<String>,
    /// The four-digit postcode.
    pub postcode: Option<u16>,
    /// The postal district ("København N"), in the original spelling.
    pub district: Option<String>,
}

/// Why a text is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The text is empty or only punctuation. Give at least a street name.
    #[error("the address is empty")]
    Empty,
    /// The text is longer than [`MAX_CHARS`] characters. Send one address at a time.
    #[error("the address has {chars} characters, more than the {max} allowed")]
    TooLong {
        /// The length of the text in characters.
        chars: usize,
        /// The most allowed, [`MAX_CHARS`].
        max: usize,
    },
    /// The text starts with a number or a comma, so there is no street name before it. Put the
    /// street first: "Mjølnerparken 2, 2200 København N".
    #[error("no street name before {found:?}")]
    NoStreet {
        /// The word found where the street should be.
        found: String,
    },
    /// The house number is 0 or above 999. Check the number; floor and door go after it.
    #[error("house number {found:?} is out of range (1–999)")]
    HouseNumberOutOfRange {
        /// The house number as written.
        found: String,
    },
    /// The house number is not digits with at most one letter ("12B"). Write ranges
    /// ("12-14") as one number.
    #[error("{found:?} is not a house number (digits and at most one letter, e.g. 12B)")]
    InvalidHouseNumber {
        /// The word as written.
        found: String,
    },
    /// A number where the postcode should be does not have four digits (1000–9999).
    #[error("postcode {found:?} does not have four digits")]
    PostcodeNotFourDigits {
        /// The number as written.
        found: String,
    },
}

/// The parts of an address text before the street is required: the search reads postcode-only
/// queries ("2200 København N") through this too.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub street: String,
    pub house_number: Option<HouseNumber>,
    pub floor: Option<String>,
    pub door: Option<String>,
    pub postcode: Option<u16>,
    pub district: Option<String>,
}

/// Parses an address text into street, house number (+ letter), floor, door, postcode and
/// district. See the [module docs](self) for the shape read.
///
/// ```
/// use kvarter_geocode::address::{parse_address, HouseNumber};
/// let parsed = parse_address("Istedgade 119, st. th., 1650 København V").unwrap();
/// assert_eq!(parsed.street, "Istedgade");
/// assert_eq!(parsed.house_number, Some(HouseNumber::new(119)));
/// assert_eq!(parsed.floor.as_deref(), Some("st"));
/// assert_eq!(parsed.door.as_deref(), Some("th"));
/// assert_eq!(parsed.postcode, Some(1650));
/// assert_eq!(parsed.district.as_deref(), Some("København V"));
/// ```
pub fn parse_address(text: &str) -> Result<ParsedAddress, AddressError> {
    let first = tokens(text).find(|t| t.chars().any(char::is_alphanumeric) || *t == ",");
    let parts = match parse_parts(text) {
        Err(error @ (AddressError::Empty | AddressError::TooLong { .. })) => return Err(error),
        _ if first.is_some_and(|t| t == "," || starts_with_digit(t)) => {
            let found = first.unwrap_or_default().to_owned();
            return Err(AddressError::NoStreet { found });
        }
        parts => parts?,
    };
    Ok(ParsedAddress {
        street: parts.street,
        house_number: parts.house_number,
        floor: parts.floor,
        door: parts.door,
        postcode: parts.postcode,
        district: parts.district,
    })
}

/// Words and commas of `text`: a comma is a token of its own.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace().flat_map(|word| {
        word.split_inclusive(',')
            .flat_map(|piece| match piece.strip_suffix(',') {
                Some(before) => [before, ","],
                None => [piece, ""],
            })
            .filter(|token| !token.is_empty())
    })
}

fn is_digits(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())
}

fn starts_with_digit(token: &str) -> bool {
    token.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// A floor word ("st.", "kl", "2.") as stored, or `None`.
fn floor_word(token: &str, next: Option<&str>) -> Option<String> {
    let lower = token.to_lowercase();
    let (bare, dotted) = match lower.strip_suffix('.') {
        Some(bare) => (bare, true),
        None => (lower.as_str(), false),
    };
    match bare {
        "st" | "stuen" => Some("st".to_owned()),
        "kl" | "kld" | "kælder" => Some("kl".to_owned()),
        digits if is_digits(digits) && digits.len() <= 2 => {
            (dotted || next.is_some_and(|n| door_word(n).is_some())).then(|| digits.to_owned())
        }
        _ => None,
    }
}

/// A door word ("tv", "th.", "mf", "14") as stored, or `None`.
fn door_word(token: &str) -> Option<String> {
    let lower = token.to_lowercase();
    let bare = lower.strip_suffix('.').unwrap_or(&lower);
    match bare {
        "tv" | "th" | "mf" => Some(bare.to_owned()),
        digits if is_digits(digits) && digits.len() <= 3 => Some(digits.to_owned()),
        _ => None,
    }
}

/// Reads a house number token ("12", "12B"), with an optional separate letter token.
fn house_number(token: &str) -> Result<HouseNumber, AddressError> {
    let digits_end = token
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(token.len());
    let (digits, rest) = token.split_at(digits_end);
    let mut rest_chars = rest.chars();
    let letter = match (rest_chars.next(), rest_chars.next()) {
        (None, _) => None,
        (Some(letter), None) if letter.is_ascii_alphabetic() => Some(letter),
        _ => {
            return Err(AddressError::InvalidHouseNumber {
                found: token.to_owned(),
            });
        }
    };
    let out_of_range = || AddressError::HouseNumberOutOfRange {
        found: token.to_owned(),
    };
    let number: u16 = digits.parse().map_err(|_| out_of_range())?;
    if !(1..=999).contains(&number) {
        return Err(out_of_range());
    }
    Ok(match letter {
        Some(letter) => HouseNumber::with_letter(number, letter),
        None => HouseNumber::new(number),
    })
}

fn postcode(token: &str) -> Result<u16, AddressError> {
    let not_four = || AddressError::PostcodeNotFourDigits {
        found: token.to_owned(),
    };
    if token.len() != 4 {
        return Err(not_four());
    }
    match token.parse::<u16>() {
        Ok(code) if code >= 1000 => Ok(code),
        _ => Err(not_four()),
    }
}

/// The street part of `text`: the words before the first comma or word starting with a digit.
pub(crate) fn street_part(text: &str) -> String {
    tokens(text)
        .take_while(|t| *t != "," && !starts_with_digit(t))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn parse_parts(text: &str) -> Result<Parts, AddressError> {
    let chars = text.chars().count();
    if chars > MAX_CHARS {
        return Err(AddressError::TooLong {
            chars,
            max: MAX_CHARS,
        });
    }
    let all: Vec<&str> = tokens(text).collect();
    if all.iter().all(|t| !t.chars().any(char::is_alphanumeric)) {
        return Err(AddressError::Empty);
    }
    let mut parts = Parts::default();
    let mut i = 0;

    // Street: words up to the first comma or word starting with a digit.
    let street_end = all
        .iter()
        .position(|t| *t == "," || starts_with_digit(t))
        .unwrap_or(all.len());
    parts.street = all[..street_end].join(" ");
    i = i.max(street_end);
    let skip_commas = |i: &mut usize| {
        while all.get(*i) == Some(&",") {
            *i += 1;
        }
    };
    skip_commas(&mut i);

    // House number, unless this is a postcode followed by a district or nothing after a comma.
    if let Some(token) = all.get(i).copied().filter(|t| starts_with_digit(t)) {
        let next = all.get(i + 1).copied();
        let is_postcode = is_digits(token)
            && token.len() == 4
            && (parts.street.is_empty()
                || next
                    .is_some_and(|n| n.chars().all(char::is_alphabetic) && door_word(n).is_none())
                || (street_end < all.len() && all[street_end] == ","));
        if !is_postcode && !parts.street.is_empty() {
            let mut number = house_number(token)?;
            i += 1;
            // "12 B": a lone letter after a plain number.
            if number.letter.is_none()
                && let Some(letter) = all.get(i).and_then(|t| {
                    let mut cs = t.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c), None) if c.is_ascii_alphabetic() => Some(c),
                        _ => None,
                    }
                })
            {
                number = HouseNumber::with_letter(number.number, letter);
                i += 1;
            }
            parts.house_number = Some(number);
            skip_commas(&mut i);
            // Floor and door.
            if let Some(floor) = all
                .get(i)
                .and_then(|t| floor_word(t, all.get(i + 1).copied()))
            {
                parts.floor = Some(floor);
                i += 1;
                if let Some(door) = all.get(i).and_then(|t| door_word(t)) {
                    parts.door = Some(door);
                    i += 1;
                }
                skip_commas(&mut i);
            }
        }
    }

    // Postcode and district.
    if let Some(token) = all.get(i).copied().filter(|t| starts_with_digit(t)) {
        parts.postcode = Some(postcode(token)?);
        i += 1;
    }
    let district: Vec<&str> = all[i.min(all.len())..]
        .iter()
        .copied()
        .filter(|t| *t != ",")
        .collect();
    if !district.is_empty() {
        parts.district = Some(district.join(" "));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedAddress {
        parse_address(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn a_full_address_with_comma_parses_into_all_parts() {
        let parsed = parse("Mjølnerparken 2, 2200 København N");
        assert_eq!(
            parsed,
            ParsedAddress {
                street: "Mjølnerparken".into(),
                house_number: Some(HouseNumber::new(2)),
                floor: None,
                door: None,
                postcode: Some(2200),
                district: Some("København N".into()),
            }
        );
    }

    #[test]
    fn a_street_of_several_words_keeps_its_letter_suffix() {
        let parsed = parse("Andreas Bjørns Gade 12B, 1428 København K");
        assert_eq!(parsed.street, "Andreas Bjørns Gade");
        assert_eq!(parsed.house_number, Some(HouseNumber::with_letter(12, 'B')));
        assert_eq!(parsed.postcode, Some(1428));
        let spaced = parse("Andreas Bjørns Gade 12 b");
        assert_eq!(spaced.house_number, Some(HouseNumber::with_letter(12, 'B')));
    }

    #[test]
    fn floor_and_door_are_kept_with_or_without_commas() {
        let parsed = parse("Istedgade 119, st. th., 1650 København V");
        assert_eq!(
            (parsed.floor.as_deref(), parsed.door.as_deref()),
            (Some("st"), Some("th"))
        );
        let parsed = parse("Nørrebrogade 2 2. tv 2200 København N");
        assert_eq!(parsed.house_number, Some(HouseNumber::new(2)));
        assert_eq!(
            (parsed.floor.as_deref(), parsed.door.as_deref()),
            (Some("2"), Some("tv"))
        );
        assert_eq!(parsed.postcode, Some(2200));
        assert_eq!(parsed.district.as_deref(), Some("København N"));
        let parsed = parse("Istedgade 3, 3. mf");
        assert_eq!(
            (parsed.floor.as_deref(), parsed.door.as_deref()),
            (Some("3"), Some("mf"))
        );
        let parsed = parse("Istedgade 3 kl.");
        assert_eq!((parsed.floor.as_deref(), parsed.door), (Some("kl"), None));
        let parsed = parse("Istedgade 3, 1., 1650 København V");
        assert_eq!(parsed.floor.as_deref(), Some("1"));
        assert_eq!(parsed.postcode, Some(1650));
    }

    #[test]
    fn a_street_alone_or_with_number_only_parses() {
        let parsed = parse("Valby Langgade 10");
        assert_eq!(parsed.street, "Valby Langgade");
        assert_eq!(parsed.house_number, Some(HouseNumber::new(10)));
        assert_eq!((parsed.postcode, parsed.district), (None, None));
        assert_eq!(parse("Tingbjerg").street, "Tingbjerg");
    }

    #[test]
    fn four_digits_after_the_street_and_before_a_word_are_a_postcode() {
        let parsed = parse("Valby Langgade 2500 Valby");
        assert_eq!(parsed.house_number, None);
        assert_eq!(parsed.postcode, Some(2500));
        assert_eq!(parsed.district.as_deref(), Some("Valby"));
        let parsed = parse("Istedgade, 1650");
        assert_eq!((parsed.house_number, parsed.postcode), (None, Some(1650)));
    }

    #[test]
    fn texts_that_are_no_address_say_why() {
        assert_eq!(parse_address(""), Err(AddressError::Empty));
        assert_eq!(parse_address(" , . "), Err(AddressError::Empty));
        assert_eq!(
            parse_address("2200 København N"),
            Err(AddressError::NoStreet {
                found: "2200".into()
            })
        );
        assert_eq!(
            parse_address("Istedgade 0"),
            Err(AddressError::HouseNumberOutOfRange { found: "0".into() })
        );
        assert_eq!(
            parse_address("Istedgade 1234"),
            Err(AddressError::HouseNumberOutOfRange {
                found: "1234".into()
            })
        );
        assert_eq!(
            parse_address("Istedgade 12-14"),
            Err(AddressError::InvalidHouseNumber {
                found: "12-14".into()
            })
        );
        assert_eq!(
            parse_address("Istedgade 119, 165 København V"),
            Err(AddressError::PostcodeNotFourDigits {
                found: "165".into()
            })
        );
        assert_eq!(
            parse_address(&"a".repeat(201)),
            Err(AddressError::TooLong {
                chars: 201,
                max: MAX_CHARS
            })
        );
    }

    #[test]
    fn house_numbers_display_as_written() {
        assert_eq!(HouseNumber::with_letter(12, 'b').to_string(), "12B");
        assert_eq!(HouseNumber::new(7).to_string(), "7");
    }
}

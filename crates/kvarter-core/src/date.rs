//! Calendar dates (`YYYY-MM-DD`) for the periods in which a designation is in force.
//!
//! A tiny type of our own rather than a date-time crate: Kvarter only needs to parse, compare and
//! print whole days.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is not of the form `YYYY-MM-DD`; write e.g. `2025-01-01`.
    #[error("{text:?} is not a date of the form YYYY-MM-DD")]
    Format {
        /// The text that was given.
        text: String,
    },
    /// The parts are numbers but no such day exists (month 13, 30 February, year 0…).
    #[error("{text:?} is not a day of the calendar")]
    NoSuchDay {
        /// The text that was given.
        text: String,
    },
}

impl Date {
    /// The date `year-month-day`, or `None` when no such day exists.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year >= 1 && (1..=days_in_month).contains(&day)).then_some(Self { year, month, day })
    }

    /// 1 January of `year` (every year has one), usable in constants.
    pub const fn january_first(year: u16) -> Self {
        Self {
            year,
            month: 1,
            day: 1,
        }
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let format = || DateError::Format {
            text: text.to_owned(),
        };
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(format());
        }
        let digits = |range: std::ops::Range<usize>| -> Result<u16, DateError> {
            let part = &text[range];
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().map_err(|_| format())
            } else {
                Err(format())
            }
        };
        let year = digits(0..4)?;
        let month = u8::try_from(digits(5..7)?).map_err(|_| format())?;
        let day = u8::try_from(digits(8..10)?).map_err(|_| format())?;
        Self::new(year, month, day).ok_or_else(|| DateError::NoSuchDay {
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_round_trips_through_text() {
        let date: Date = "2025-01-01".parse().unwrap();
        assert_eq!(date.to_string(), "2025-01-01");
        assert_eq!(date.year(), 2025);
    }

    #[test]
    fn leap_days_exist_only_in_leap_years() {
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!(matches!(
            "2025-02-29".parse::<Date>(),
            Err(DateError::NoSuchDay { .. })
        ));
        assert!("2000-02-29".parse::<Date>().is_ok());
        assert!("1900-02-29".parse::<Date>().is_err());
    }

    #[test]
    fn malformed_dates_are_rejected_with_the_format_error() {
        for text in [
            "2025-1-01",
            "20250101",
            "2025-01-0x",
            "",
            "2025-13-01x",
            "+025-01-01",
        ] {
            assert!(
                matches!(text.parse::<Date>(), Err(DateError::Format { .. })),
                "{text}"
            );
        }
        assert!(matches!(
            "2025-13-01".parse::<Date>(),
            Err(DateError::NoSuchDay { .. })
        ));
    }

    #[test]
    fn dates_order_by_calendar() {
        let a: Date = "2017-06-22".parse().unwrap();
        let b: Date = "2017-12-01".parse().unwrap();
        assert!(a < b);
    }
}

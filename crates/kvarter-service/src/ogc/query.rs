//! What an items request asks for beyond paging: `datetime` read as a period of days, and the
//! query string its `next`, `prev` and `self` links repeat.

use std::fmt::Write as _;

use geo::Rect;
use kvarter_core::{Date, Layer};

use super::OutputCrs;
use crate::error::{ServiceError, quoted};

/// A `datetime` query: the days from `start` to `end`, both included; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The first day, or open.
    pub start: Option<Date>,
    /// The last day, or open.
    pub end: Option<Date>,
}

impl Period {
    /// `datetime` as the standard writes it: an instant (`2025-01-01` or
    /// `2025-01-01T12:00:00Z`) or an interval (`2011-01-01/2017-12-31`, `../2017-01-01`,
    /// `2025-01-01/..`; not open at both ends). Designations are valid for whole days, so a time
    /// is read as its day.
    pub fn parse(text: &str) -> Result<Period, ServiceError> {
        let day = |part: &str| -> Result<Option<Date>, ServiceError> {
            let part = part.trim();
            if part.is_empty() || part == ".." {
                return Ok(None);
            }
            part.get(..10)
                .and_then(|day| day.parse::<Date>().ok())
                .map(Some)
                .ok_or_else(|| {
                    ServiceError::invalid(
                        "datetime",
                        format!(
                            "{} is not a date or date-time; use e.g. 2025-01-01, 2025-01-01T00:00:00Z or 2011-01-01/2017-12-31 (.. for open)",
                            quoted(part)
                        ),
                    )
                })
        };
        let period = if let Some((start, end)) = text.split_once('/') {
            let period = Period {
                start: day(start)?,
                end: day(end)?,
            };
            if period.start.is_none() && period.end.is_none() {
                return Err(ServiceError::invalid(
                    "datetime",
                    "an interval needs a date at one end at least, e.g. 2011-01-01/.. or ../2017-12-31",
                ));
            }
            period
        } else {
            let instant = day(text)?;
            if instant.is_none() {
                return Err(ServiceError::invalid(
                    "datetime",
                    "an instant cannot be open; give a date",
                ));
            }
            Period {
                start: instant,
                end: instant,
            }
        };
        if let (Some(start), Some(end)) = (period.start, period.end)
            && start > end
        {
            return Err(ServiceError::invalid(
                "datetime",
                format!("the interval ends ({end}) before it starts ({start})"),
            ));
        }
        Ok(period)
    }

    /// Whether `layer`'s features are selected: those of a layer valid on some day of the
    /// period (from `valid_from` up to, not including, `valid_to`). A layer without a period of
    /// validity (units, base map, a comparison) has no temporal extent, and `datetime` does not
    /// filter it.
    pub fn selects(&self, layer: &Layer) -> bool {
        let (from, to) = (layer.meta.valid_from, layer.meta.valid_to);
        if from.is_none() && to.is_none() {
            return true;
        }
        let starts_before_it_ends = match (self.start, to) {
            (Some(start), Some(to)) => start < to,
            _ => true,
        };
        let ends_after_it_starts = match (self.end, from) {
            (Some(end), Some(from)) => end >= from,
            _ => true,
        };
        starts_before_it_ends && ends_after_it_starts
    }
}

/// What an items request asked for, to write its links.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemsQuery {
    /// The first item (0-based).
    pub offset: usize,
    /// Items per page.
    pub limit: usize,
    /// The box asked for, in lon/lat whatever `bbox-crs` it was given in, if any.
    pub bbox: Option<Rect<f64>>,
    /// The CRS of the answer.
    pub crs: OutputCrs,
    /// `datetime` as given, if any.
    pub datetime: Option<String>,
    /// The other parameters (property filters, `indicators`, `period`) as given, repeated
    /// verbatim on every link.
    pub more: Vec<(String, String)>,
}

impl ItemsQuery {
    /// The query string of this query from `offset` on, percent-encoded.
    pub(crate) fn query(&self, offset: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("limit", &self.limit.to_string())
            .append_pair("offset", &offset.to_string());
        if self.crs != OutputCrs::Crs84 {
            query.append_pair("crs", self.crs.uri());
        }
        if let Some(datetime) = &self.datetime {
            query.append_pair("datetime", datetime);
        }
        if let Some(rect) = self.bbox {
            let mut bbox = String::new();
            let _ = write!(
                bbox,
                "{},{},{},{}",
                rect.min().x,
                rect.min().y,
                rect.max().x,
                rect.max().y
            );
            query.append_pair("bbox", &bbox);
        }
        for (name, value) in &self.more {
            query.append_pair(name, value);
        }
        query.finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    fn layer(from: Option<&str>, to: Option<&str>) -> Layer {
        let mut meta = kvarter_core::LayerMeta::synthetic(
            "test".parse().unwrap(),
            kvarter_core::LayerKind::MunicipalDesignation,
        );
        meta.valid_from = from.map(|d| d.parse().unwrap());
        meta.valid_to = to.map(|d| d.parse().unwrap());
        Layer {
            meta,
            areas: Vec::new(),
        }
    }

    #[test]
    fn datetime_selects_a_designation_valid_on_some_day_of_it() {
        let y2011 = layer(Some("2011-01-01"), Some("2017-06-22"));
        let select = |text: &str| Period::parse(text).unwrap().selects(&y2011);
        assert!(select("2012-06-01"));
        assert!(select("2012-06-01T12:00:00Z"));
        assert!(
            !select("2017-06-22"),
            "valid_to is the first day no longer in force"
        );
        assert!(select("2017-06-21"));
        assert!(select("../2011-01-01"));
        assert!(!select("2018-01-01/.."));
        assert!(select("2000-01-01/2030-01-01"));
        assert!(
            Period::parse("2025-01-01")
                .unwrap()
                .selects(&layer(None, None)),
            "a layer without a period is not filtered"
        );
    }

    #[test]
    fn malformed_or_backwards_datetimes_are_refused() {
        for text in ["yesterday", "..", "2017-01-01/2011-01-01", "2011-13-01"] {
            assert!(Period::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn links_repeat_every_parameter_percent_encoded() {
        let query = ItemsQuery {
            offset: 0,
            limit: 10,
            bbox: Some(Rect::new((12.5, 55.6), (12.6, 55.7))),
            crs: OutputCrs::Utm32,
            datetime: Some("2011-01-01/..".into()),
            more: vec![("name".into(), "Nørrebro & Nordvest".into())],
        };
        assert_eq!(
            query.query(20),
            "limit=10&offset=20&crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F25832\
             &datetime=2011-01-01%2F..&bbox=12.5%2C55.6%2C12.6%2C55.7\
             &name=N%C3%B8rrebro+%26+Nordvest"
        );
    }
}

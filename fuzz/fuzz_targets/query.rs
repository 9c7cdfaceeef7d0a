//! The query parameters' value parsers, on a query string decoded as axum's `Query` decodes it
//! (`application/x-www-form-urlencoded`): dates, OGC `datetime` periods, layer and indicator
//! lists, zoom ranges, CRS URIs, address kinds and numbers. Every value goes through every
//! parser, so the fuzzer need not find the names first. What parses must print back to text
//! that parses to the same value.
#![no_main]

use kvarter_core::{Date, LayerId};
use kvarter_service::ogc::OutputCrs;
use kvarter_service::ogc::query::Period;
use kvarter_tiles::{MAX_ZOOM, ZoomRange};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for (name, value) in form_urlencoded::parse(data) {
        check(&name);
        check(&value);
    }
});

fn check(text: &str) {
    let trimmed = text.trim();
    if let Ok(date) = trimmed.parse::<Date>() {
        assert_eq!(date.to_string(), trimmed);
    }
    if let Ok(period) = Period::parse(text) {
        if let (Some(start), Some(end)) = (period.start, period.end) {
            assert!(start <= end, "{text:?}: {period:?}");
        }
        assert!(period.start.is_some() || period.end.is_some(), "{text:?}");
        let end = |day: Option<Date>| day.map_or_else(|| "..".to_owned(), |d| d.to_string());
        let again = format!("{}/{}", end(period.start), end(period.end));
        assert_eq!(
            Period::parse(&again).ok(),
            Some(period),
            "{text:?} → {again:?}"
        );
    }
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if let Ok(id) = item.parse::<LayerId>() {
            assert_eq!(id.as_str(), item);
        }
        if let Some(kind) = kvarter_geocode::file::parse_kind(item) {
            assert_eq!(kvarter_geocode::file::kind_name(kind), item);
        }
    }
    if let Ok(zooms) = text.parse::<ZoomRange>() {
        assert!(zooms.min <= zooms.max && zooms.max <= MAX_ZOOM, "{zooms:?}");
        assert_eq!(zooms.to_string().parse::<ZoomRange>().ok(), Some(zooms));
    }
    if let Some(crs) = OutputCrs::from_uri(text) {
        assert_eq!(OutputCrs::from_uri(crs.uri()), Some(crs));
    }
    if let Ok(number) = trimmed.parse::<f64>()
        && number.is_finite()
    {
        assert_eq!(number.to_string().parse::<f64>().ok(), Some(number));
    }
}

//! The query parameters, on a query string decoded as axum's `Query` decodes it
//! (`application/x-www-form-urlencoded`):
//!
//! * the pair checker every route runs first (`kvarter_service::params::Params::new`, and
//!   `Params::with_rest` as the OGC items take it), against the accepted names of a few real
//!   routes: it must accept exactly the pairs without unknown or repeated names, keep exactly
//!   the non-blank ones, and its typed getters must give what they promise (a finite number, a
//!   number in range, a date that prints back, a list of distinct non-empty items);
//! * the value parsers: dates, OGC `datetime` periods, layer and indicator lists, zoom ranges,
//!   CRS URIs, address kinds, numbers and the lon/lat `bbox` (`params::parse_bbox`). Every value
//!   goes through every parser, so the fuzzer need not find the names first. What parses must
//!   print back to text that parses to the same value; an accepted bbox has west ≤ east and
//!   south ≤ north within ±180/±90 degrees, and is accepted exactly when it is such four numbers.
#![no_main]

use kvarter_core::{Date, LayerId};
use kvarter_service::ogc::OutputCrs;
use kvarter_service::ogc::query::Period;
use kvarter_service::params::{Params, parse_bbox, parse_number};
use kvarter_tiles::{MAX_ZOOM, ZoomRange};

/// The accepted names of real routes (as in `kvarter-server`): most routes take none, the OGC
/// documents `f`, then the lookup's, the features collection's and the OGC items'.
const ACCEPTED: [&[&str]; 5] = [
    &[],
    &["f"],
    &["lon", "lat", "x", "y", "srid", "at", "layers", "address"],
    &[
        "bbox",
        "simplify",
        "precision",
        "properties",
        "indicators",
        "period",
    ],
    &[
        "f",
        "limit",
        "offset",
        "bbox",
        "bbox-crs",
        "crs",
        "datetime",
        "indicators",
        "period",
    ],
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();
    for (name, value) in &pairs {
        check(name);
        check(value);
    }
    for accepted in ACCEPTED {
        check_params(&pairs, accepted);
    }
});

/// The pair checker against `accepted`, and the getters on what it accepts.
fn check_params(pairs: &[(String, String)], accepted: &[&str]) {
    let repeats = pairs
        .iter()
        .enumerate()
        .any(|(index, (name, _))| pairs[..index].iter().any(|(earlier, _)| earlier == name));
    let unknown = pairs
        .iter()
        .any(|(name, _)| !accepted.contains(&name.as_str()));
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .cloned()
        .collect();
    match Params::new(pairs.to_vec(), accepted) {
        Ok(params) => {
            assert!(!repeats && !unknown, "{pairs:?} accepted for {accepted:?}");
            assert_eq!(params.pairs(), kept.as_slice());
            check_getters(&params, accepted);
        }
        Err(error) => {
            assert!(repeats || unknown, "{pairs:?} refused: {error}");
            assert!(
                pairs
                    .iter()
                    .any(|(name, _)| name.starts_with(error.parameter.as_str())),
                "{error} names no parameter of {pairs:?}"
            );
        }
    }
    match Params::with_rest(pairs.to_vec(), accepted) {
        Ok((params, rest)) => {
            assert!(!repeats, "{pairs:?} accepted with a repeated name");
            assert!(
                rest.iter()
                    .all(|(name, value)| !accepted.contains(&name.as_str())
                        && !value.trim().is_empty()),
                "{rest:?}"
            );
            assert_eq!(params.pairs().len() + rest.len(), kept.len());
            check_getters(&params, accepted);
        }
        Err(error) => assert!(repeats, "{pairs:?} refused: {error}"),
    }
}

/// What each getter promises, on every kept pair of accepted `params`.
fn check_getters(params: &Params, accepted: &[&str]) {
    for (index, (name, value)) in params.pairs().iter().enumerate() {
        assert!(accepted.contains(&name.as_str()), "{name:?} kept");
        assert!(
            !params.pairs()[..index]
                .iter()
                .any(|(earlier, _)| earlier == name),
            "{name:?} kept twice"
        );
        let trimmed = value.trim();
        assert!(!trimmed.is_empty());
        assert_eq!(params.get(name), Some(trimmed));
        assert!(params.has(name));
        if let Ok(number) = params.number(name) {
            let number = number.expect("a kept value is given");
            assert!(number.is_finite() && trimmed.parse::<f64>().ok() == Some(number));
        }
        if let Ok(number) = params.number_in(name, -90.0..=90.0) {
            let number = number.expect("a kept value is given");
            assert!((-90.0..=90.0).contains(&number), "{number}");
        }
        if let Ok(day) = params.date(name) {
            let day = day.expect("a kept value is given");
            assert_eq!(day.to_string(), trimmed);
        }
        let list = params.list(name).expect("a kept value is given");
        for (at, item) in list.iter().enumerate() {
            assert!(!item.is_empty() && *item == item.trim() && !item.contains(','));
            assert!(!list[..at].contains(item), "{item:?} twice in {list:?}");
        }
    }
}

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
    if let Ok(number) = parse_number("n", text) {
        assert_eq!(trimmed.parse::<f64>().ok(), Some(number));
    }
    check_bbox(text);
}

/// `bbox=` is accepted exactly when it is four finite numbers, west ≤ east and south ≤ north,
/// within ±180/±90 degrees; the box holds those numbers in that order and prints back.
fn check_bbox(text: &str) {
    let numbers: Option<Vec<f64>> = text
        .split(',')
        .map(|part| part.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect();
    let fits = matches!(
        numbers.as_deref(),
        Some(&[w, s, e, n]) if w.abs() <= 180.0 && e.abs() <= 180.0 && s.abs() <= 90.0
            && n.abs() <= 90.0 && w <= e && s <= n
    );
    match parse_bbox(text) {
        Ok(bbox) => {
            assert!(fits, "{text:?} accepted as {bbox:?}");
            let (min, max) = (bbox.min(), bbox.max());
            assert!(min.x <= max.x && min.y <= max.y, "{text:?}: {bbox:?}");
            assert!(-180.0 <= min.x && max.x <= 180.0, "{text:?}: {bbox:?}");
            assert!(-90.0 <= min.y && max.y <= 90.0, "{text:?}: {bbox:?}");
            assert_eq!(numbers, Some(vec![min.x, min.y, max.x, max.y]), "{text:?}");
            let again = format!("{},{},{},{}", min.x, min.y, max.x, max.y);
            assert_eq!(parse_bbox(&again).ok(), Some(bbox), "{text:?} → {again:?}");
        }
        Err(error) => {
            assert!(!fits, "{text:?} refused: {error}");
            assert_eq!(error.parameter, "bbox");
        }
    }
}

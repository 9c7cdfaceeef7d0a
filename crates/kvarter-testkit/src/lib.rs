//! Helpers Kvarter's tests share, so that the API's tests, the service's and the end-to-end
//! tests build their data and read answers one way:
//!
//! * [`husum`] — a small hand-built dataset (two districts, the 2011 and 2017 designations, a
//!   base map) whose every answer is known;
//! * [`member`], [`coordinates`], [`assert_near`] — reading JSON answers;
//! * [`csv_header`], [`csv_rows`] — reading CSV answers.

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "test helpers fail loudly"
)]

pub mod husum;

use serde_json::Value;

/// The member of the JSON array `array` whose `key` is `value`; panics naming what is missing.
pub fn member<'a>(array: &'a Value, key: &str, value: &str) -> &'a Value {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("no member with {key} = {value:?} in {array}"))
}

/// Every coordinate of a `GeoJSON` geometry, flattened.
pub fn coordinates(geometry: &Value) -> Vec<f64> {
    fn walk(value: &Value, out: &mut Vec<f64>) {
        match value {
            Value::Number(n) => out.push(n.as_f64().unwrap()),
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&geometry["coordinates"], &mut out);
    out
}

/// Asserts that `actual` is a number within `tolerance` of `expected`; `what` names it.
pub fn assert_near(actual: &Value, expected: f64, tolerance: f64, what: &str) {
    let number = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert!(
        (number - expected).abs() <= tolerance,
        "{what}: {number} is not {expected} ± {tolerance}"
    );
}

/// The header of a CSV answer.
pub fn csv_header(bytes: &[u8]) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(bytes);
    reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect()
}

/// The rows of a CSV answer (after its header), each as its fields.
pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::Reader::from_reader(bytes)
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

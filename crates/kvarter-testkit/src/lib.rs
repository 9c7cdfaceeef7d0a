//! Helpers Kvarter's tests share, so that the API's tests, the service's and the end-to-end
//! tests build their data and read answers one way:
//!
//! * [`husum`] — a small hand-built dataset (two districts, the 2011 and 2017 designations, a
//!   base map) whose every answer is known;
//! * [`member`], [`member_where`], [`strings`], [`numbers`], [`coordinates`], [`assert_near`] —
//!   reading JSON answers;
//! * [`csv_header`], [`csv_rows`] — reading CSV answers;
//! * [`postgres`] — a private PostgreSQL + PostGIS server for the layer store's tests.

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "test helpers fail loudly"
)]

pub mod husum;
pub mod postgres;

use serde_json::Value;

/// The members of the JSON array `array`; panics if it is not one.
fn members(array: &Value) -> &[Value] {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
}

/// The member of the JSON array `array` whose `key` is `value`; panics naming what is missing.
pub fn member<'a>(array: &'a Value, key: &str, value: &str) -> &'a Value {
    members(array)
        .iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("no member with {key} = {value:?} in {array}"))
}

/// The first member of the JSON array `array` that `matches` (for a match on a nested key or on
/// more than one key); panics showing the array when none does.
pub fn member_where(array: &Value, matches: impl Fn(&Value) -> bool) -> &Value {
    members(array)
        .iter()
        .find(|item| matches(item))
        .unwrap_or_else(|| panic!("no member of {array} is the one asked for"))
}

/// The string at the JSON pointer `pointer` (`/id`, `/layer/id`) of every member of the JSON
/// array `array`, in order; panics naming a member without one.
pub fn strings<'a>(array: &'a Value, pointer: &str) -> Vec<&'a str> {
    at_pointer(array, pointer, "string", Value::as_str)
}

/// The number at the JSON pointer `pointer` (`/weight`) of every member of the JSON array
/// `array`, in order; panics naming a member without one.
pub fn numbers(array: &Value, pointer: &str) -> Vec<f64> {
    at_pointer(array, pointer, "number", Value::as_f64)
}

/// What `read` makes of the value at `pointer` of every member of `array`; panics naming a
/// member where that is no `kind`.
fn at_pointer<'a, T>(
    array: &'a Value,
    pointer: &str,
    kind: &str,
    read: impl Fn(&'a Value) -> Option<T>,
) -> Vec<T> {
    members(array)
        .iter()
        .map(|item| {
            item.pointer(pointer)
                .and_then(&read)
                .unwrap_or_else(|| panic!("no {kind} at {pointer} in {item}"))
        })
        .collect()
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

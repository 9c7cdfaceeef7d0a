//! The batch CSV reader (`POST /api/lookup/batch`, `kvarter lookup --batch`), answering every
//! row with fixed values. An accepted batch must come back as a CSV of the same separator whose
//! rows all have the header's number of fields, at most the row limit of them, with progress
//! counted up to the total.
#![no_main]

use kvarter_service::batch::{ADDED_COLUMNS, answer_csv};

/// The row limit of the fuzzed batches (the server's default is 10 000).
const MAX_ROWS: usize = 50;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut columns: Vec<String> = ADDED_COLUMNS.iter().map(|&c| c.to_owned()).collect();
    columns.push("udsatte-byomraader-2017".to_owned());
    let answer = |text: &str| {
        let mut values = vec![String::new(); columns.len()];
        values[0] = text.chars().rev().collect();
        values
    };
    let mut last = (0, 0);
    let progress = |done: usize, total: usize| {
        assert!(
            done == last.0 + 1 && done <= total && total <= MAX_ROWS,
            "{done}/{total}"
        );
        last = (done, total);
    };
    let Ok(out) = answer_csv(data, MAX_ROWS, &columns, answer, progress) else {
        return;
    };
    let input = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let first_line = input.split(|&b| b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(out.as_slice());
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("the answer is well-formed CSV");
    let header = records.first().expect("the answer has a header");
    assert!(header.len() > columns.len(), "{header:?}");
    assert!(
        records.iter().all(|r| r.len() == header.len()),
        "{records:?}"
    );
    assert!(records.len() <= MAX_ROWS + 1);
    assert_eq!(last.0, records.len() - 1);
});

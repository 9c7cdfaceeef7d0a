//! The address text: the parser (`parse_address`), the normalisation the index and the search
//! share (`normalise`, `match_key`) and the search itself on a small gazetteer. A parsed address
//! must hold a house number of 1–999 and a four-digit postcode, and written back in the standard
//! shape it must parse to the same parts; the search form must be lower case, single-spaced and
//! unchanged by a second pass.
#![no_main]

use kvarter_geocode::SearchOptions;
use kvarter_geocode::address::{MAX_CHARS, ParsedAddress, parse_address};
use kvarter_geocode::normalise::{match_key, normalise};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    let form = normalise(&text);
    assert_eq!(form.trim(), form, "{text:?}");
    assert!(!form.contains("  "), "{text:?} → {form:?}");
    assert_eq!(normalise(&form), form, "{text:?}");
    assert!(!match_key(&text).contains(' '), "{text:?}");

    if let Ok(parsed) = parse_address(&text) {
        check(&text, &parsed);
    }

    let options = SearchOptions {
        limit: 3,
        ..SearchOptions::default()
    };
    if let Ok(hits) = kvarter_fuzz::gazetteer().search(&text, &options) {
        assert!(hits.len() <= options.limit);
    }
});

fn check(text: &str, parsed: &ParsedAddress) {
    assert!(
        parsed.street.chars().any(char::is_alphanumeric),
        "{text:?}: {parsed:?}"
    );
    if let Some(number) = parsed.house_number {
        assert!((1..=999).contains(&number.number), "{text:?}: {parsed:?}");
        assert!(
            number.letter.is_none_or(|l| l.is_ascii_uppercase()),
            "{text:?}"
        );
    }
    if let Some(code) = parsed.postcode {
        assert!((1000..=9999).contains(&code), "{text:?}: {parsed:?}");
    }
    let again = standard_form(parsed);
    if again.chars().count() <= MAX_CHARS {
        assert_eq!(
            parse_address(&again).as_ref(),
            Ok(parsed),
            "{text:?} written as {again:?}"
        );
    }
}

/// `street number[letter][, floor.[ door]][, postcode][ district]`, commas between the parts.
fn standard_form(parsed: &ParsedAddress) -> String {
    let mut out = parsed.street.clone();
    if let Some(number) = parsed.house_number {
        out.push_str(&format!(" {number}"));
        if let Some(floor) = &parsed.floor {
            out.push_str(&format!(", {floor}."));
            if let Some(door) = &parsed.door {
                out.push_str(&format!(" {door}"));
            }
        }
    }
    if let Some(code) = parsed.postcode {
        out.push_str(&format!(", {code}"));
    }
    if let Some(district) = &parsed.district {
        out.push_str(if parsed.postcode.is_some() { " " } else { ", " });
        out.push_str(district);
    }
    out
}

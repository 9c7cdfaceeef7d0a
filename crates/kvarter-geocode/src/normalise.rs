//! Normalisation of address and name text into the forms the index stores and searches.
//!
//! Two forms, built on each other:
//!
//! * [`normalise`] — the *search form*: lower case, `æ → ae`, `ø → oe`, `å → aa`, `é → e`,
//!   `ü → ue`, `ö → oe`, `ä → ae` (and a few more accented letters), punctuation to a space,
//!   whitespace collapsed. Readable, and what a person would type on a keyboard without Danish
//!   letters.
//! * [`match_key`] — the *match key* the index is built on and queries are looked up with: the
//!   search form without spaces and with the digraphs `aa`, `ae`, `oe`, `ue` collapsed to their
//!   first letter (`a`, `a`, `o`, `u`).
//!
//! # Why collapse `oe → o` on both sides
//!
//! People without a Danish keyboard write `ø` as `oe` *or* as `o` ("Mjoelnerparken",
//! "Mjolnerparken"), `å` as `aa` or `a` ("Aaboulevard", "Aboulevard"), `æ` as `ae` or `a`.
//! Indexing both spellings would double the keys and still miss mixed spellings
//! ("Noerrebro Mjolnerparken"); folding the same way on both sides makes every spelling an
//! **exact** match at no cost, so the edit budget of the fuzzy search stays free for real typos.
//! The price is that two names that differ only by `o`/`oe` (or `a`/`aa`, `a`/`ae`, `u`/`ue`)
//! share a key; they are then told apart by ranking ties (name, number, display text), and the
//! display text always keeps the original spelling. Spaces are dropped too, so "H.C. Andersens
//! Boulevard", "HC Andersens Boulevard" and "Valby Lang gade" meet their keys.

/// The search form of `text`: lower case, Danish and a few other accented letters spelt out in
/// ASCII (`æ → ae`, `ø → oe`, `å → aa`, `é → e`, `ü → ue`, `ö → oe`, `ä → ae`), punctuation to
/// a space, runs of whitespace collapsed to one space, no leading or trailing space.
/// Apostrophes vanish without a space ("IX's" → "ixs").
///
/// ```
/// use kvarter_geocode::normalise::normalise;
/// assert_eq!(normalise("  MJØLNERPARKEN 2,  2200 København N "), "mjoelnerparken 2 2200 koebenhavn n");
/// assert_eq!(normalise("H.C. Ørsteds Vej"), "h c oersteds vej");
/// ```
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let spelt: &str = match c {
            'æ' | 'ä' => "ae",
            'ø' | 'ö' => "oe",
            'å' => "aa",
            'ü' => "ue",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'á' | 'à' | 'â' => "a",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' => "o",
            'ú' | 'ù' | 'û' => "u",
            'ñ' => "n",
            'ç' => "c",
            'ß' => "ss",
            '\'' | '’' | '´' | '`' => "",
            c if c.is_alphanumeric() => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
                continue;
            }
            _ => {
                pending_space = true;
                continue;
            }
        };
        if spelt.is_empty() {
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push_str(spelt);
    }
    out
}

/// The match key of `text`: its [`normalise`]d form without spaces, with `aa`, `ae`, `oe` and
/// `ue` collapsed to `a`, `a`, `o`, `u` (see the module doc for why). Every spelling of a
/// Danish name a user is likely to type gives the same key.
///
/// ```
/// use kvarter_geocode::normalise::match_key;
/// let key = match_key("Mjølnerparken");
/// assert_eq!(key, "mjolnerparken");
/// assert_eq!(match_key("Mjoelnerparken"), key);
/// assert_eq!(match_key("Mjolnerparken"), key);
/// assert_eq!(match_key("MJØLNERPARKEN"), key);
/// assert_eq!(match_key("Åboulevard"), match_key("Aboulevard"));
/// ```
pub fn match_key(text: &str) -> String {
    let search_form = normalise(text);
    let mut out = String::with_capacity(search_form.len());
    for c in search_form.chars() {
        if c == ' ' {
            continue;
        }
        let collapses = matches!(
            (out.chars().next_back(), c),
            (Some('a'), 'a' | 'e') | (Some('o' | 'u'), 'e')
        );
        if !collapses {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_letters_are_spelt_out_in_the_search_form() {
        assert_eq!(normalise("Æblevej Øster Ågade"), "aeblevej oester aagade");
        assert_eq!(
            normalise("Café Müller Möller Bär"),
            "cafe mueller moeller baer"
        );
    }

    #[test]
    fn punctuation_becomes_one_space_and_whitespace_collapses() {
        assert_eq!(
            normalise("Istedgade 119,  st. th.,\t1650 København V"),
            "istedgade 119 st th 1650 koebenhavn v"
        );
        assert_eq!(normalise(" ,. "), "");
        assert_eq!(normalise("Christian IX's Gade"), "christian ixs gade");
    }

    #[test]
    fn every_spelling_of_mjolnerparken_has_one_match_key() {
        let key = match_key("Mjølnerparken");
        for spelling in [
            "Mjolnerparken",
            "Mjoelnerparken",
            "MJØLNERPARKEN",
            "mjølnerparken",
        ] {
            assert_eq!(match_key(spelling), key, "{spelling}");
        }
    }

    #[test]
    fn aa_and_a_meet_for_aa_and_spaces_do_not_count() {
        assert_eq!(match_key("Åboulevard"), "aboulevard");
        assert_eq!(match_key("Aaboulevard"), "aboulevard");
        assert_eq!(match_key("Valby Lang-gade"), match_key("Valby Langgade"));
        assert_eq!(
            match_key("H.C. Andersens Boulevard"),
            match_key("HC Andersens Boulevard")
        );
    }

    #[test]
    fn collapsing_is_stable_for_runs_of_vowels() {
        assert_eq!(match_key("Blååe"), match_key("blaaaae"));
        assert_eq!(
            match_key(&match_key("Sjælør Boulevard")),
            match_key("Sjælør Boulevard")
        );
    }
}

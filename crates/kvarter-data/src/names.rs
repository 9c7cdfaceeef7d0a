//! Ids and names taken from source data: a property value as id/name text, and the URL- and
//! file-safe slug of a Danish name. Used by the layer build, the indicator tables and the
//! gazetteer alike.

use serde_json::Value;

/// A property as id/name text: strings trimmed, numbers printed as JSON prints them.
pub(crate) fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A URL- and file-safe id from a Danish name: "Indre og ydre Nørrebro" → "indre-og-ydre-noerrebro".
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        match c {
            'æ' => out.push_str("ae"),
            'ø' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            'é' => out.push('e'),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {
                if !out.ends_with('-') && !out.is_empty() {
                    out.push('-');
                }
            }
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_names_become_ascii_slugs() {
        assert_eq!(slug("Indre og ydre Nørrebro"), "indre-og-ydre-noerrebro");
        assert_eq!(slug("Husum/Tingbjerg"), "husum-tingbjerg");
        assert_eq!(slug("Amager/Sundby"), "amager-sundby");
        assert_eq!(slug("Ålholm Æbleby"), "aalholm-aebleby");
    }

    #[test]
    fn ids_come_from_strings_or_numbers_only() {
        assert_eq!(text_of(Some(&Value::from(242))), Some("242".into()));
        assert_eq!(
            text_of(Some(&Value::from(" Brønshøj-Husum "))),
            Some("Brønshøj-Husum".into())
        );
        assert_eq!(text_of(Some(&Value::Null)), None);
        assert_eq!(text_of(Some(&Value::from(""))), None);
        assert_eq!(text_of(None), None);
    }
}

//! Query parameters, read without HTTP: a request's decoded name/value pairs checked against the
//! names an operation accepts, and typed values read from them (numbers, ranges, dates, lists,
//! a lon/lat bounding box). Every problem is a [`ParamError`] that names the parameter; a face
//! decodes the query string itself (the HTTP API with axum's `Query`) and turns a `ParamError`
//! into its own answer (the API: a 400 `bad_parameter`, as a [`ServiceError::Invalid`]).
//!
//! ```
//! use kvarter_service::params::{Params, parse_bbox};
//!
//! let pairs = vec![("bbox".to_owned(), "12.5,55.6,12.6,55.7".to_owned())];
//! let params = Params::new(pairs, &["bbox", "simplify"]).unwrap();
//! let bbox = params.get("bbox").map(parse_bbox).transpose().unwrap();
//! assert_eq!(bbox.unwrap().max().x, 12.6);
//!
//! let unknown = vec![("bbx".to_owned(), "1".to_owned())];
//! let error = Params::new(unknown, &["bbox"]).unwrap_err();
//! assert_eq!(error.to_string(), r#"bbx: unknown parameter "bbx"; accepted: bbox"#);
//! ```

use geo::Rect;
use kvarter_core::Date;

use crate::error::{ServiceError, quoted};

/// A query parameter that cannot be used: its name and what is wrong with it. Fix the named
/// parameter as the message says (give it once, use an accepted name, write a number, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {problem}")]
pub struct ParamError {
    /// The parameter's name (an unknown name is cut to 40 characters).
    pub parameter: String,
    /// What is wrong with it, and what is accepted.
    pub problem: String,
}

impl ParamError {
    /// The parameter `parameter` cannot be used because of `problem`.
    pub fn new(parameter: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            parameter: parameter.into(),
            problem: problem.into(),
        }
    }
}

impl From<ParamError> for ServiceError {
    fn from(error: ParamError) -> Self {
        ServiceError::invalid(error.parameter, error.problem)
    }
}

/// A request's query parameters, known to hold only accepted names, each at most once.
///
/// An empty value (`bbox=`, or only blanks) counts as absent, as an HTML form sends it for an
/// empty field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Checks the decoded query `pairs`: every name must be in `accepted` and appear at most
    /// once. The first unknown or repeated name is the error.
    pub fn new(pairs: Vec<(String, String)>, accepted: &[&str]) -> Result<Self, ParamError> {
        for (index, (name, _)) in pairs.iter().enumerate() {
            if !accepted.contains(&name.as_str()) {
                let known = if accepted.is_empty() {
                    "this route takes no parameters".to_owned()
                } else {
                    format!("accepted: {}", accepted.join(", "))
                };
                return Err(ParamError::new(
                    truncated(name),
                    format!("unknown parameter {}; {known}", quoted(name)),
                ));
            }
            if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(ParamError::new(
                    name.clone(),
                    "given more than once; give it once",
                ));
            }
        }
        let pairs = pairs
            .into_iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .collect();
        Ok(Self { pairs })
    }

    /// Like [`Params::new`], but a name not in `accepted` is not an error: such pairs (each name
    /// still at most once, empty values dropped) are handed back, for the caller to check
    /// against names it learns from the data (a collection's queryables).
    pub fn with_rest(
        pairs: Vec<(String, String)>,
        accepted: &[&str],
    ) -> Result<(Self, Vec<(String, String)>), ParamError> {
        for (index, (name, _)) in pairs.iter().enumerate() {
            if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(ParamError::new(
                    truncated(name),
                    "given more than once; give it once",
                ));
            }
        }
        let (known, rest): (Vec<_>, Vec<_>) = pairs
            .into_iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .partition(|(name, _)| accepted.contains(&name.as_str()));
        Ok((Self { pairs: known }, rest))
    }

    /// The pairs kept (accepted names with non-empty values), in the order given, values as
    /// given (untrimmed).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The value of `name`, trimmed, when given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
    }

    /// Whether `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// `name` as a finite number, when given.
    pub fn number(&self, name: &str) -> Result<Option<f64>, ParamError> {
        self.get(name)
            .map(|text| parse_number(name, text))
            .transpose()
    }

    /// `name` as a finite number in `range`, when given.
    pub fn number_in(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<f64>,
    ) -> Result<Option<f64>, ParamError> {
        let Some(value) = self.number(name)? else {
            return Ok(None);
        };
        if range.contains(&value) {
            Ok(Some(value))
        } else {
            Err(ParamError::new(
                name,
                format!(
                    "{} is out of range; use {} to {}",
                    quoted(self.get(name).unwrap_or_default()),
                    range.start(),
                    range.end()
                ),
            ))
        }
    }

    /// `name` as a date `YYYY-MM-DD`, when given.
    pub fn date(&self, name: &str) -> Result<Option<Date>, ParamError> {
        self.get(name)
            .map(|text| {
                text.parse::<Date>().map_err(|_| {
                    ParamError::new(
                        name,
                        format!(
                            "{} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-01",
                            quoted(text)
                        ),
                    )
                })
            })
            .transpose()
    }

    /// `name` as a comma-separated list of non-empty, distinct items in the order given.
    pub fn list(&self, name: &str) -> Option<Vec<&str>> {
        self.get(name).map(|text| {
            let mut items: Vec<&str> = Vec::new();
            for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                if !items.contains(&item) {
                    items.push(item);
                }
            }
            items
        })
    }
}

/// `text` (the value of parameter `name`) as a finite number.
pub fn parse_number(name: &str, text: &str) -> Result<f64, ParamError> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(ParamError::new(
            name,
            format!("{} is not a finite number", quoted(text)),
        )),
        Err(_) => Err(ParamError::new(
            name,
            format!("{} is not a number", quoted(text)),
        )),
    }
}

/// `bbox=west,south,east,north` in lon/lat degrees: four finite numbers, west not east of east,
/// south not north of north, longitudes within ±180 and latitudes within ±90.
pub fn parse_bbox(text: &str) -> Result<Rect<f64>, ParamError> {
    let parts: Vec<&str> = text.split(',').collect();
    let [w, s, e, n] = parts.as_slice() else {
        return Err(ParamError::new(
            "bbox",
            format!(
                "expected 4 comma-separated numbers west,south,east,north in degrees, got {} value(s) in {}",
                parts.len(),
                quoted(text)
            ),
        ));
    };
    let [w, s, e, n] = [w, s, e, n].map(|part| parse_number("bbox", part));
    let (w, s, e, n) = (w?, s?, e?, n?);
    for (what, value, limit) in [
        ("west", w, 180.0),
        ("south", s, 90.0),
        ("east", e, 180.0),
        ("north", n, 90.0),
    ] {
        if value.abs() > limit {
            return Err(ParamError::new(
                "bbox",
                format!("{what} edge {value} is outside -{limit} to {limit} degrees"),
            ));
        }
    }
    if w > e {
        return Err(ParamError::new(
            "bbox",
            format!("west edge {w} is east of east edge {e}; write west,south,east,north"),
        ));
    }
    if s > n {
        return Err(ParamError::new(
            "bbox",
            format!("south edge {s} is north of north edge {n}; write west,south,east,north"),
        ));
    }
    Ok(Rect::new((w, s), (e, n)))
}

/// A parameter name from the request, cut short for an error message.
fn truncated(name: &str) -> String {
    name.chars().take(40).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use geo::Coord;

    use super::*;

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn params(given: &[(&str, &str)], accepted: &[&str]) -> Result<Params, ParamError> {
        Params::new(pairs(given), accepted)
    }

    #[test]
    fn unknown_and_repeated_parameters_are_refused_by_name() {
        let err = params(&[("bbx", "1")], &["bbox"]).unwrap_err();
        assert_eq!(err.parameter, "bbx");
        assert!(err.problem.contains("bbox"), "{err}");
        let err = params(&[("lon", "1"), ("lon", "2")], &["lon"]).unwrap_err();
        assert_eq!(err.parameter, "lon");
        assert!(err.to_string().contains("more than once"));
        let err = params(&[("x", "1")], &[]).unwrap_err();
        assert!(
            err.problem.ends_with("this route takes no parameters"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_name_is_cut_to_forty_characters_in_the_error() {
        let long = "n".repeat(100);
        let err = params(&[(&long, "1")], &["bbox"]).unwrap_err();
        assert_eq!(err.parameter.chars().count(), 40);
        let err = Params::with_rest(pairs(&[(&long, "1"), (&long, "2")]), &[]).unwrap_err();
        assert_eq!(err.parameter.chars().count(), 40);
    }

    #[test]
    fn with_rest_hands_back_the_names_it_does_not_know_and_drops_empty_values() {
        let (known, rest) = Params::with_rest(
            pairs(&[
                ("f", "json"),
                ("name", "Nørrebro"),
                ("limit", " "),
                ("x", ""),
            ]),
            &["f", "limit"],
        )
        .unwrap();
        assert_eq!(known.pairs(), pairs(&[("f", "json")]));
        assert_eq!(rest, pairs(&[("name", "Nørrebro")]));
    }

    #[test]
    fn numbers_must_be_finite() {
        let p = params(
            &[
                ("a", "NaN"),
                ("b", "inf"),
                ("c", "x"),
                ("d", " 12.5 "),
                ("e", "1e400"),
            ],
            &["a", "b", "c", "d", "e"],
        )
        .unwrap();
        assert!(p.number("a").is_err());
        assert!(p.number("b").is_err());
        assert!(p.number("c").is_err());
        assert!(p.number("e").is_err());
        assert_eq!(p.number("d").unwrap(), Some(12.5));
        assert_eq!(p.number("missing").unwrap(), None);
        assert_eq!(
            p.number_in("d", 0.0..=10.0).unwrap_err().to_string(),
            r#"d: "12.5" is out of range; use 0 to 10"#
        );
    }

    #[test]
    fn empty_values_count_as_absent_and_lists_drop_blanks_and_repeats() {
        let p = params(&[("a", ""), ("l", "x, y,,x")], &["a", "l"]).unwrap();
        assert!(!p.has("a"));
        assert_eq!(p.list("l").unwrap(), ["x", "y"]);
    }

    #[test]
    fn a_date_is_year_month_day() {
        let p = params(&[("at", "2025-01-01"), ("bad", "1/1/2025")], &["at", "bad"]).unwrap();
        assert_eq!(p.date("at").unwrap().unwrap().to_string(), "2025-01-01");
        assert!(p.date("bad").unwrap_err().problem.contains("YYYY-MM-DD"));
    }

    #[test]
    fn a_bbox_needs_four_ordered_finite_numbers_on_the_globe() {
        let rect = parse_bbox("12.5,55.6,12.6,55.7").unwrap();
        assert_eq!(rect.min(), Coord { x: 12.5, y: 55.6 });
        for (bad, says) in [
            ("1,2,3", "4 comma-separated"),
            ("1,2,3,4,5", "4 comma-separated"),
            ("a,2,3,4", "not a number"),
            ("NaN,2,3,4", "not a finite"),
            ("-181,2,3,4", "west edge"),
            ("1,-91,3,4", "south edge"),
            ("3,2,1,4", "east of east"),
            ("1,4,3,2", "north of north"),
        ] {
            let error = parse_bbox(bad).unwrap_err();
            assert_eq!(error.parameter, "bbox");
            assert!(error.problem.contains(says), "{bad}: {error}");
        }
    }
}

//! Query parameters: the raw query string checked against the names a route accepts and read
//! into typed values, every problem a 400 that names the parameter (never axum's plain-text
//! rejection).

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use kvarter_core::{Date, LayerId};

use crate::error::{ApiError, quoted};

/// The raw query pairs of a request.
pub type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// A request's query parameters, known to hold only accepted names, each at most once.
///
/// An empty value (`bbox=`) counts as absent, as an HTML form sends it for an empty field.
#[derive(Debug)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Checks the query: every name must be in `accepted` and appear at most once.
    pub fn new(query: RawQuery, accepted: &[&str]) -> Result<Self, ApiError> {
        let Query(pairs) =
            query.map_err(|rejection| ApiError::bad_parameter("query", rejection.body_text()))?;
        for (index, (name, _)) in pairs.iter().enumerate() {
            if !accepted.contains(&name.as_str()) {
                let known = if accepted.is_empty() {
                    "this route takes no parameters".to_owned()
                } else {
                    format!("accepted: {}", accepted.join(", "))
                };
                return Err(ApiError::bad_parameter(
                    truncated(name),
                    format!("unknown parameter {}; {known}", quoted(name)),
                ));
            }
            if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(ApiError::bad_parameter(
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
    /// still at most once, empty values dropped) are handed back, for the route to check against
    /// names it learns from the data (a collection's queryables).
    pub fn with_rest(
        query: RawQuery,
        accepted: &[&str],
    ) -> Result<(Self, Vec<(String, String)>), ApiError> {
        let Query(pairs) =
            query.map_err(|rejection| ApiError::bad_parameter("query", rejection.body_text()))?;
        for (index, (name, _)) in pairs.iter().enumerate() {
            if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(ApiError::bad_parameter(
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
    pub fn number(&self, name: &'static str) -> Result<Option<f64>, ApiError> {
        self.get(name)
            .map(|text| parse_number(name, text))
            .transpose()
    }

    /// `name` as a finite number in `range`, when given.
    pub fn number_in(
        &self,
        name: &'static str,
        range: std::ops::RangeInclusive<f64>,
    ) -> Result<Option<f64>, ApiError> {
        let Some(value) = self.number(name)? else {
            return Ok(None);
        };
        if range.contains(&value) {
            Ok(Some(value))
        } else {
            Err(ApiError::bad_parameter(
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
    pub fn date(&self, name: &'static str) -> Result<Option<Date>, ApiError> {
        self.get(name)
            .map(|text| {
                text.parse::<Date>().map_err(|_| {
                    ApiError::bad_parameter(
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

/// A finite number, or a 400 naming the parameter.
pub fn parse_number(name: &str, text: &str) -> Result<f64, ApiError> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(ApiError::bad_parameter(
            name,
            format!("{} is not a finite number", quoted(text)),
        )),
        Err(_) => Err(ApiError::bad_parameter(
            name,
            format!("{} is not a number", quoted(text)),
        )),
    }
}

/// Checks a comma-separated list of layer ids against the layers the service holds.
pub fn layer_ids<'a>(
    name: &'static str,
    items: &[&str],
    known: &(impl Iterator<Item = &'a LayerId> + Clone),
) -> Result<Vec<LayerId>, ApiError> {
    if items.is_empty() {
        return Err(ApiError::bad_parameter(
            name,
            "name at least one layer, e.g. layers=udsatte-byomraader-2017",
        ));
    }
    items
        .iter()
        .map(|item| {
            item.parse::<LayerId>()
                .ok()
                .filter(|id| known.clone().any(|k| k == id))
                .ok_or_else(|| {
                    let known: Vec<&str> = known.clone().map(LayerId::as_str).collect();
                    ApiError::bad_parameter(
                        name,
                        format!(
                            "there is no layer {}; known layers: {}",
                            quoted(item),
                            known.join(", ")
                        ),
                    )
                })
        })
        .collect()
}

/// A parameter name from the request, cut short for an error message.
fn truncated(name: &str) -> String {
    name.chars().take(40).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)], accepted: &[&str]) -> Result<Params, ApiError> {
        let pairs = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Params::new(Ok(Query(pairs)), accepted)
    }

    #[test]
    fn unknown_and_repeated_parameters_are_refused_by_name() {
        let err = params(&[("bbx", "1")], &["bbox"]).unwrap_err();
        assert!(err.to_string().contains("bbx") && err.to_string().contains("bbox"));
        let err = params(&[("lon", "1"), ("lon", "2")], &["lon"]).unwrap_err();
        assert!(err.to_string().contains("more than once"));
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
    }

    #[test]
    fn empty_values_count_as_absent_and_lists_drop_blanks_and_repeats() {
        let p = params(&[("a", ""), ("l", "x, y,,x")], &["a", "l"]).unwrap();
        assert!(!p.has("a"));
        assert_eq!(p.list("l").unwrap(), ["x", "y"]);
    }
}

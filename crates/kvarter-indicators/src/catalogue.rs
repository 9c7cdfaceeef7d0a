//! The indicator catalogue (`indicators/catalogue.toml`): the policies, the datasets and the
//! indicators Kvarter knows, and the published facts quoted from the policy documents — read,
//! and checked for consistency before anything uses it.
//!
//! The file is hand-written; its format is `kvarter-indicators/1`:
//!
//! ```toml
//! format = "kvarter-indicators/1"
//!
//! [[policy]]
//! id = "udsatte-byomraader-2025"
//! title = { da = "…", en = "…" }
//! document = "seeds/004_90722df325c7df8a.txt"      # under shared/
//!
//! [[dataset]]
//! id = "kk-befolkning-bydel"
//! title = { da = "…", en = "…" }
//! publisher = "Københavns Kommune"
//! origin = "Statistikbanken, table Be4.3"
//! files = ["geodata-sources/…"]                      # under shared/
//! vintage = "2024"
//! licence = "CC BY 4.0"
//! status = "official"
//! geography = "bydele-2023"                          # the layer whose area ids the table uses
//! table = "kk-befolkning-bydel.csv"                  # in indicators/, built by `kvarter data build`
//!
//! [[indicator]]
//! id = "population"
//! title = { da = "Befolkning", en = "Population" }
//! unit = { da = "personer", en = "persons" }
//! measure = "extensive"                              # or "intensive"
//! direction = "neutral"                              # or "higher_is_worse", "higher_is_better"
//! definition = { da = "…", en = "…" }
//! policies = []                                      # empty: context, not a criterion
//! datasets = ["kk-befolkning-bydel"]                 # empty: no data offline (then `no_data`)
//!
//! [[fact]]
//! id = "child-poverty-2025"
//! policy = "udsatte-byomraader-2025"
//! subject = { da = "…", en = "…" }
//! value = 10.9
//! unit = { da = "pct.", en = "%" }
//! period = "2022"
//! quote = "…"                                        # an exact excerpt of the policy document
//! ```
//!
//! The same types serialise to JSON for the API; there the arrays are called `policies`,
//! `datasets`, `indicators` and `facts`.

use std::collections::HashSet;

use kvarter_core::{LayerId, Status, Title};
use serde::{Deserialize, Serialize};

/// The catalogue's format tag; bump it when the structure changes.
pub const FORMAT: &str = "kvarter-indicators/1";

/// Property names every feature of the API already carries. An indicator id is written next to
/// them in feature properties and CSV columns, so it may never be one of them.
pub const FIXED_PROPERTIES: &[&str] = &[
    "id",
    "name",
    "parent",
    "area_m2",
    "layer",
    "status",
    "source",
    "vintage",
    "licence",
    "confidence",
    "change",
    "from_id",
    "from_name",
    "to_id",
    "to_name",
];

/// The longest indicator id (the pattern is `[a-z][a-z0-9_]{0,47}`).
pub const MAX_INDICATOR_ID_LEN: usize = 48;

/// The whole catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Always [`FORMAT`].
    pub format: String,
    /// The policies whose criteria the indicators measure (`[[policy]]`).
    #[serde(default, rename(deserialize = "policy", serialize = "policies"))]
    pub policies: Vec<Policy>,
    /// Where the values come from (`[[dataset]]`).
    #[serde(default, rename(deserialize = "dataset", serialize = "datasets"))]
    pub datasets: Vec<DatasetInfo>,
    /// What is measured (`[[indicator]]`).
    #[serde(default, rename(deserialize = "indicator", serialize = "indicators"))]
    pub indicators: Vec<Indicator>,
    /// Figures published in the policy documents, quoted (`[[fact]]`).
    #[serde(default, rename(deserialize = "fact", serialize = "facts"))]
    pub facts: Vec<Fact>,
}

/// A policy document whose screening criteria indicators measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Unique among policies.
    pub id: String,
    /// Its title.
    pub title: Title,
    /// The document's text, a path under `shared/` (e.g. `seeds/000_211afbbae620bb49.txt`).
    pub document: String,
    /// A remark in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A dataset: one table of values on the areas of one layer, with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetInfo {
    /// Unique among datasets.
    pub id: String,
    /// Its title.
    pub title: Title,
    /// Who publishes the figures.
    pub publisher: String,
    /// Where the publisher serves them (statistics table, report).
    pub origin: String,
    /// The source files, paths under `shared/`.
    pub files: Vec<String>,
    /// The period or snapshot of the figures.
    pub vintage: String,
    /// The licence they are published under.
    pub licence: String,
    /// How far the figures can be trusted.
    pub status: Status,
    /// The layer whose area ids the table's `unit` column holds.
    pub geography: LayerId,
    /// The table's file name in the data folder's `indicators/` (built by `kvarter data build`).
    pub table: String,
    /// What to keep in mind when using the figures, in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

/// How an indicator's value behaves when areas are split or merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A count (residents, dwellings): splitting an area splits the value, merging adds it up.
    Extensive,
    /// A rate, share or mean: splitting an area keeps the value, merging averages it.
    Intensive,
}

/// Which way is worse, for colouring and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A higher value means a more vulnerable area (e.g. share outside the labour market).
    HigherIsWorse,
    /// A higher value means a less vulnerable area (e.g. share feeling safe).
    HigherIsBetter,
    /// Context, neither better nor worse (e.g. population).
    Neutral,
}

/// Something measured about areas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// `[a-z][a-z0-9_]{0,47}`, unique, and never one of [`FIXED_PROPERTIES`].
    pub id: String,
    /// Its title.
    pub title: Title,
    /// The unit of its values, e.g. `{ da = "pct.", en = "%" }`.
    pub unit: Title,
    /// Count or rate.
    pub measure: Measure,
    /// Which way is worse.
    pub direction: Direction,
    /// What exactly is measured.
    pub definition: Title,
    /// The policies that use it as a criterion; empty when it is context.
    #[serde(default)]
    pub policies: Vec<String>,
    /// The datasets holding its values; empty when none is available offline. The first is the
    /// one joins by area use; a dataset on the target layer itself gives a key join.
    #[serde(default)]
    pub datasets: Vec<String>,
    /// Why there are no values, when `datasets` is empty (and only then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_data: Option<Title>,
    /// For intensive indicators: an extensive indicator on the same geography whose values
    /// weight the overlaps when joining by area (e.g. `population`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
}

impl Indicator {
    /// Whether any dataset holds values of the indicator.
    pub fn has_data(&self) -> bool {
        !self.datasets.is_empty()
    }
}

/// A figure published in a policy document, with the exact words it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// Unique among facts.
    pub id: String,
    /// The policy whose document states it.
    pub policy: String,
    /// The indicator it is a value of, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// What the figure is about (e.g. "udsatte byområder" or "the rest of Copenhagen").
    pub subject: Title,
    /// The figure.
    pub value: f64,
    /// Its unit.
    pub unit: Title,
    /// The period it refers to, as the document gives it.
    pub period: String,
    /// The exact Danish excerpt of the policy's document that states it.
    pub quote: String,
}

/// Why a catalogue was rejected. Every variant names where the catalogue came from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogueError {
    /// The text is not TOML of the catalogue's shape (a typo in a key, a missing field, a wrong
    /// type); the message gives the line.
    #[error("{origin} is not a valid indicator catalogue")]
    Toml {
        /// Where the catalogue came from.
        origin: String,
        /// The parser's message, with line and column.
        #[source]
        source: toml::de::Error,
    },
    /// The catalogue is of another format version; write `format = "kvarter-indicators/1"`.
    #[error("{origin} has format {found:?}; this Kvarter reads {FORMAT:?}")]
    Format {
        /// Where the catalogue came from.
        origin: String,
        /// The format it declares.
        found: String,
    },
    /// Two entries of one kind share an id; rename one.
    #[error("{origin}: there are two {kind} entries with id {id:?}")]
    DuplicateId {
        /// Where the catalogue came from.
        origin: String,
        /// `policy`, `dataset`, `indicator` or `fact`.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// An indicator id does not match `[a-z][a-z0-9_]{0,47}`; use lower-case letters, digits
    /// and `_`, starting with a letter.
    #[error(
        "{origin}: indicator id {id:?} must be 1-48 characters a-z, 0-9 and '_', starting with a letter"
    )]
    BadIndicatorId {
        /// Where the catalogue came from.
        origin: String,
        /// The id.
        id: String,
    },
    /// An indicator id is one of the property names every feature already has; choose another.
    #[error("{origin}: indicator id {id:?} is a fixed feature property name; choose another id")]
    ReservedIndicatorId {
        /// Where the catalogue came from.
        origin: String,
        /// The id.
        id: String,
    },
    /// A dataset's table is not a plain `.csv` file name; give the name only, e.g.
    /// `kk-befolkning-bydel.csv`.
    #[error(
        "{origin}: dataset {dataset:?} has table {table:?}; give a plain file name ending in .csv"
    )]
    BadTableName {
        /// Where the catalogue came from.
        origin: String,
        /// The dataset.
        dataset: String,
        /// The table as given.
        table: String,
    },
    /// An entry refers to a policy, dataset or indicator that the catalogue does not define;
    /// fix the spelling or add the entry.
    #[error(
        "{origin}: {kind} {id:?} refers in `{field}` to {target:?}, which is not in the catalogue"
    )]
    UnknownReference {
        /// Where the catalogue came from.
        origin: String,
        /// `indicator` or `fact`.
        kind: &'static str,
        /// The referring entry.
        id: String,
        /// The field holding the reference.
        field: &'static str,
        /// The id that is not defined.
        target: String,
    },
    /// An indicator without datasets must say why in `no_data`, and one with datasets must not
    /// have `no_data`.
    #[error(
        "{origin}: indicator {indicator:?} {}",
        if *has_datasets { "has datasets, so it must not have `no_data`" } else { "has no datasets, so it needs `no_data` saying why" }
    )]
    NoData {
        /// Where the catalogue came from.
        origin: String,
        /// The indicator.
        indicator: String,
        /// Whether it lists datasets.
        has_datasets: bool,
    },
    /// `weight` is set on an extensive indicator: counts are shared by area and never weighted;
    /// remove it.
    #[error("{origin}: indicator {indicator:?} is extensive, so it cannot have a `weight`")]
    WeightOnExtensive {
        /// Where the catalogue came from.
        origin: String,
        /// The indicator.
        indicator: String,
    },
    /// `weight` names an intensive indicator; weights must be counts (e.g. `population`).
    #[error("{origin}: indicator {indicator:?} is weighted by {weight:?}, which is not extensive")]
    WeightNotExtensive {
        /// Where the catalogue came from.
        origin: String,
        /// The indicator.
        indicator: String,
        /// The weight indicator.
        weight: String,
    },
    /// The weight indicator has no dataset on the geography of the indicator's first dataset,
    /// so there are no weights for its units; choose a weight with values on that layer.
    #[error(
        "{origin}: indicator {indicator:?} is weighted by {weight:?}, which has no dataset on layer {geography}"
    )]
    WeightGeography {
        /// Where the catalogue came from.
        origin: String,
        /// The indicator.
        indicator: String,
        /// The weight indicator.
        weight: String,
        /// The geography of the indicator's first dataset.
        geography: LayerId,
    },
    /// A fact's value is not a finite number.
    #[error("{origin}: fact {id:?} has value {value}, which is not a finite number")]
    FactValue {
        /// Where the catalogue came from.
        origin: String,
        /// The fact.
        id: String,
        /// The value.
        value: f64,
    },
}

impl Catalogue {
    /// Parses and checks a catalogue. `origin` names it in errors (a path, or "embedded").
    pub fn parse(text: &str, origin: &str) -> Result<Catalogue, CatalogueError> {
        let catalogue: Catalogue = toml::from_str(text).map_err(|source| CatalogueError::Toml {
            origin: origin.to_owned(),
            source,
        })?;
        catalogue.validate(origin)?;
        Ok(catalogue)
    }

    /// Checks what the types cannot: the format tag, unique ids, the indicator id syntax, that
    /// every reference resolves, `no_data` exactly where there are no datasets, and weights.
    pub fn validate(&self, origin: &str) -> Result<(), CatalogueError> {
        let origin = || origin.to_owned();
        if self.format != FORMAT {
            return Err(CatalogueError::Format {
                origin: origin(),
                found: self.format.clone(),
            });
        }
        unique(origin, "policy", self.policies.iter().map(|p| &p.id))?;
        unique(origin, "dataset", self.datasets.iter().map(|d| &d.id))?;
        unique(origin, "indicator", self.indicators.iter().map(|i| &i.id))?;
        unique(origin, "fact", self.facts.iter().map(|f| &f.id))?;

        for dataset in &self.datasets {
            if !is_plain_csv_name(&dataset.table) {
                return Err(CatalogueError::BadTableName {
                    origin: origin(),
                    dataset: dataset.id.clone(),
                    table: dataset.table.clone(),
                });
            }
        }
        let unknown = |kind, id: &str, field, target: &str| CatalogueError::UnknownReference {
            origin: origin(),
            kind,
            id: id.to_owned(),
            field,
            target: target.to_owned(),
        };
        for indicator in &self.indicators {
            let id = indicator.id.as_str();
            if !is_indicator_id(id) {
                return Err(CatalogueError::BadIndicatorId {
                    origin: origin(),
                    id: id.to_owned(),
                });
            }
            if FIXED_PROPERTIES.contains(&id) {
                return Err(CatalogueError::ReservedIndicatorId {
                    origin: origin(),
                    id: id.to_owned(),
                });
            }
            if let Some(policy) = indicator.policies.iter().find(|p| self.policy(p).is_none()) {
                return Err(unknown("indicator", id, "policies", policy));
            }
            if let Some(dataset) = indicator
                .datasets
                .iter()
                .find(|d| self.dataset(d).is_none())
            {
                return Err(unknown("indicator", id, "datasets", dataset));
            }
            if indicator.datasets.is_empty() != indicator.no_data.is_some() {
                return Err(CatalogueError::NoData {
                    origin: origin(),
                    indicator: id.to_owned(),
                    has_datasets: indicator.has_data(),
                });
            }
            if let Some(weight) = &indicator.weight {
                self.validate_weight(indicator, weight, origin)?;
            }
        }
        for fact in &self.facts {
            if self.policy(&fact.policy).is_none() {
                return Err(unknown("fact", &fact.id, "policy", &fact.policy));
            }
            if let Some(indicator) = &fact.indicator
                && self.indicator(indicator).is_none()
            {
                return Err(unknown("fact", &fact.id, "indicator", indicator));
            }
            if !fact.value.is_finite() {
                return Err(CatalogueError::FactValue {
                    origin: origin(),
                    id: fact.id.clone(),
                    value: fact.value,
                });
            }
        }
        Ok(())
    }

    fn validate_weight(
        &self,
        indicator: &Indicator,
        weight: &str,
        origin: impl Fn() -> String,
    ) -> Result<(), CatalogueError> {
        if indicator.measure == Measure::Extensive {
            return Err(CatalogueError::WeightOnExtensive {
                origin: origin(),
                indicator: indicator.id.clone(),
            });
        }
        let Some(weighting) = self.indicator(weight) else {
            return Err(CatalogueError::UnknownReference {
                origin: origin(),
                kind: "indicator",
                id: indicator.id.clone(),
                field: "weight",
                target: weight.to_owned(),
            });
        };
        if weighting.measure != Measure::Extensive {
            return Err(CatalogueError::WeightNotExtensive {
                origin: origin(),
                indicator: indicator.id.clone(),
                weight: weight.to_owned(),
            });
        }
        // References are checked above, so every dataset named here exists.
        if let Some(geography) = indicator
            .datasets
            .first()
            .and_then(|d| self.dataset(d))
            .map(|d| &d.geography)
        {
            let on_geography = weighting
                .datasets
                .iter()
                .filter_map(|d| self.dataset(d))
                .any(|d| &d.geography == geography);
            if !on_geography {
                return Err(CatalogueError::WeightGeography {
                    origin: origin(),
                    indicator: indicator.id.clone(),
                    weight: weight.to_owned(),
                    geography: geography.clone(),
                });
            }
        }
        Ok(())
    }

    /// The indicator with the given id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The dataset with the given id.
    pub fn dataset(&self, id: &str) -> Option<&DatasetInfo> {
        self.datasets.iter().find(|d| d.id == id)
    }

    /// The policy with the given id.
    pub fn policy(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }
}

/// Whether `id` matches `[a-z][a-z0-9_]{0,47}`.
pub fn is_indicator_id(id: &str) -> bool {
    (1..=MAX_INDICATOR_ID_LEN).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_plain_csv_name(name: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .is_some_and(|ext| ext == "csv")
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn unique<'a>(
    origin: impl Fn() -> String,
    kind: &'static str,
    ids: impl Iterator<Item = &'a String>,
) -> Result<(), CatalogueError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(CatalogueError::DuplicateId {
                origin: origin(),
                kind,
                id: id.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    const VALID: &str = include_str!("../tests/fixtures/catalogue.toml");

    fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(text, "test.toml")
    }

    /// The fixture with `from` replaced by `to` (which must occur).
    fn edited(from: &str, to: &str) -> String {
        assert!(VALID.contains(from), "the fixture has no {from:?}");
        VALID.replacen(from, to, 1)
    }

    #[test]
    fn the_fixture_catalogue_is_valid_and_its_entries_can_be_found_by_id() {
        let catalogue = parse(VALID).unwrap();
        assert_eq!(
            catalogue.indicator("population").unwrap().measure,
            Measure::Extensive
        );
        assert_eq!(
            catalogue
                .dataset("test-befolkning")
                .unwrap()
                .geography
                .as_str(),
            "units"
        );
        assert!(catalogue.indicator("nope").is_none());
        assert!(!catalogue.indicator("turnout").unwrap().has_data());
    }

    #[test]
    fn the_catalogue_serialises_to_json_with_plural_array_names() {
        let catalogue = parse(VALID).unwrap();
        let json = serde_json::to_value(&catalogue).unwrap();
        assert_eq!(json["indicators"][0]["id"], "population");
        assert_eq!(json["indicators"][0]["measure"], "extensive");
        assert_eq!(json["datasets"][0]["status"], "synthetic");
        assert!(json.get("indicator").is_none());
    }

    #[test]
    fn an_indicator_naming_an_unknown_dataset_is_rejected_naming_both() {
        let error = parse(&edited(
            "datasets = [\"test-befolkning\"]",
            "datasets = [\"test-befolknig\"]",
        ))
        .unwrap_err();
        assert!(
            matches!(&error, CatalogueError::UnknownReference { id, field: "datasets", target, .. }
                if id == "population" && target == "test-befolknig"),
            "{error:?}"
        );
        assert!(error.to_string().starts_with("test.toml: "), "{error}");
    }

    #[test]
    fn an_indicator_without_datasets_needs_no_data_and_one_with_datasets_may_not_have_it() {
        let error = parse(&edited(
            "no_data = { da = \"Ikke offline\", en = \"Not offline\" }\n",
            "",
        ))
        .unwrap_err();
        assert!(
            matches!(&error, CatalogueError::NoData { indicator, has_datasets: false, .. } if indicator == "turnout"),
            "{error:?}"
        );
        let error = parse(&edited(
            "datasets = [\"test-befolkning\"]",
            "datasets = [\"test-befolkning\"]\nno_data = { da = \"x\", en = \"x\" }",
        ))
        .unwrap_err();
        assert!(
            matches!(
                &error,
                CatalogueError::NoData {
                    has_datasets: true,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn indicator_ids_must_be_lower_case_snake_case_of_at_most_48_characters() {
        for bad in [
            "Population",
            "2population",
            "pop-ulation",
            "",
            &"p".repeat(49),
        ] {
            let error =
                parse(&edited("id = \"population\"", &format!("id = {bad:?}"))).unwrap_err();
            assert!(
                matches!(error, CatalogueError::BadIndicatorId { .. }),
                "{bad}: {error:?}"
            );
        }
        assert!(is_indicator_id(&"p".repeat(48)));
        assert!(is_indicator_id("p2_x"));
    }

    #[test]
    fn an_indicator_may_not_be_called_like_a_fixed_feature_property() {
        for reserved in FIXED_PROPERTIES {
            let text = edited("id = \"turnout\"", &format!("id = {reserved:?}"));
            let error = parse(&text).unwrap_err();
            assert!(
                matches!(&error, CatalogueError::ReservedIndicatorId { id, .. } if id == reserved),
                "{reserved}: {error:?}"
            );
        }
    }

    #[test]
    fn a_weight_is_allowed_only_on_intensive_indicators_and_must_be_extensive() {
        let error = parse(&edited(
            "measure = \"extensive\"",
            "measure = \"extensive\"\nweight = \"population\"",
        ))
        .unwrap_err();
        assert!(
            matches!(error, CatalogueError::WeightOnExtensive { .. }),
            "{error:?}"
        );

        let error = parse(&edited(
            "weight = \"population\"",
            "weight = \"income_mean\"",
        ))
        .unwrap_err();
        assert!(
            matches!(error, CatalogueError::WeightNotExtensive { .. }),
            "{error:?}"
        );

        let error = parse(&edited("weight = \"population\"", "weight = \"popul\"")).unwrap_err();
        assert!(
            matches!(
                error,
                CatalogueError::UnknownReference {
                    field: "weight",
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn unknown_keys_duplicate_ids_and_other_formats_are_rejected() {
        let error = parse(&edited(
            "direction = \"neutral\"",
            "direction = \"neutral\"\ncolour = \"red\"",
        ))
        .unwrap_err();
        assert!(matches!(error, CatalogueError::Toml { .. }), "{error:?}");

        let error = parse(&edited("id = \"turnout\"", "id = \"population\"")).unwrap_err();
        assert!(
            matches!(&error, CatalogueError::DuplicateId { kind: "indicator", id, .. } if id == "population"),
            "{error:?}"
        );

        let error = parse(&edited("kvarter-indicators/1", "kvarter-indicators/2")).unwrap_err();
        assert!(matches!(error, CatalogueError::Format { .. }), "{error:?}");

        let error = parse(&edited("test-befolkning.csv", "../test-befolkning.csv")).unwrap_err();
        assert!(
            matches!(error, CatalogueError::BadTableName { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn a_fact_must_cite_a_known_policy() {
        let error = parse(&edited("policy = \"test-policy\"", "policy = \"other\"")).unwrap_err();
        assert!(
            matches!(
                &error,
                CatalogueError::UnknownReference {
                    kind: "fact",
                    field: "policy",
                    ..
                }
            ),
            "{error:?}"
        );
    }
}

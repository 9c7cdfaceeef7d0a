//! Indicator tables: one CSV per dataset, `indicator,unit,period,value`, one observation a row
//! (`unit` is an area id of the dataset's geography layer, `period` a text such as `2019`).
//!
//! This module only reads the file; whether its indicators and units exist is checked when the
//! tables are loaded together with the catalogue and the layers ([`crate::values`]).

use std::collections::HashMap;

/// The header every table starts with.
pub const HEADER: [&str; 4] = ["indicator", "unit", "period", "value"];

/// One row of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The indicator id.
    pub indicator: String,
    /// The area id in the dataset's geography layer.
    pub unit: String,
    /// The period, as text.
    pub period: String,
    /// The value, always finite.
    pub value: f64,
    /// The line of the file the row is on (the header is line 1).
    pub line: u64,
}

/// Why a table was rejected. Every variant names the dataset and its file, and rows their line.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file does not start with `indicator,unit,period,value`; rebuild it with
    /// `kvarter data build`.
    #[error(
        "dataset {dataset} ({file}): the header is {found:?}; expected \"indicator,unit,period,value\""
    )]
    Header {
        /// The dataset.
        dataset: String,
        /// Its table file.
        file: String,
        /// The first line as read.
        found: String,
    },
    /// The file is not valid CSV (e.g. not UTF-8, or an unclosed quote).
    #[error("dataset {dataset} ({file}), line {line}: not valid CSV")]
    Csv {
        /// The dataset.
        dataset: String,
        /// Its table file.
        file: String,
        /// The line where reading failed.
        line: u64,
        /// The reader's message.
        #[source]
        source: csv::Error,
    },
    /// A row does not have exactly four fields.
    #[error(
        "dataset {dataset} ({file}), line {line}: {found} fields; expected 4 (indicator,unit,period,value)"
    )]
    FieldCount {
        /// The dataset.
        dataset: String,
        /// Its table file.
        file: String,
        /// The line.
        line: u64,
        /// How many fields it has.
        found: usize,
    },
    /// A row leaves the indicator, unit or period empty.
    #[error("dataset {dataset} ({file}), line {line}: the {column} is empty")]
    Empty {
        /// The dataset.
        dataset: String,
        /// Its table file.
        file: String,
        /// The line.
        line: u64,
        /// `indicator`, `unit` or `period`.
        column: &'static str,
    },
    /// A value is not a finite number (empty, text, `NaN`, `inf`); leave out the row for a
    /// missing value instead.
    #[error("dataset {dataset} ({file}), line {line}: value {text:?} is not a finite number")]
    Value {
        /// The dataset.
        dataset: String,
        /// Its table file.
        file: String,
        /// The line.
        line: u64,
        /// The value as written.
        text: String,
    },
    /// Two rows give a value for the same indicator, unit and period.
    #[error(
        "dataset {dataset} ({file}), line {line}: {indicator} for unit {unit} in {period} was already given on line {first_line}"
    )]
    Duplicate {
        /// The dataset.
        dataset: String,
        /// Its table file.
        file: String,
        /// The line of the second row.
        line: u64,
        /// The line of the first.
        first_line: u64,
        /// The indicator.
        indicator: String,
        /// The unit.
        unit: String,
        /// The period.
        period: String,
    },
}

/// Reads the table of `dataset` (stored as `file`, named in errors) into its observations, in
/// file order.
#[expect(
    clippy::result_large_err,
    reason = "a table error ends the load, so its size costs nothing; `LoadError` boxes it"
)]
pub fn parse(bytes: &[u8], dataset: &str, file: &str) -> Result<Vec<Observation>, TableError> {
    let at = Place { dataset, file };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(source)) => return Err(at.csv(source)),
        None => csv::StringRecord::new(),
    };
    // A byte-order mark is tolerated: spreadsheets add one when saving CSV.
    let found: Vec<&str> = header
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if i == 0 {
                f.trim_start_matches('\u{feff}')
            } else {
                f
            }
        })
        .collect();
    if found != HEADER {
        return Err(TableError::Header {
            dataset: at.dataset.to_owned(),
            file: at.file.to_owned(),
            found: found.join(","),
        });
    }

    let mut observations = Vec::new();
    let mut first_lines: HashMap<(String, String, String), u64> = HashMap::new();
    for record in records {
        let record = record.map_err(|source| at.csv(source))?;
        let Some(row) = at.observation(&record)? else {
            continue;
        };
        let key = (row.indicator.clone(), row.unit.clone(), row.period.clone());
        if let Some(&first_line) = first_lines.get(&key) {
            return Err(TableError::Duplicate {
                dataset: at.dataset.to_owned(),
                file: at.file.to_owned(),
                line: row.line,
                first_line,
                indicator: row.indicator,
                unit: row.unit,
                period: row.period,
            });
        }
        first_lines.insert(key, row.line);
        observations.push(row);
    }
    Ok(observations)
}

/// The table being read, for errors.
#[derive(Clone, Copy)]
struct Place<'a> {
    dataset: &'a str,
    file: &'a str,
}

impl Place<'_> {
    fn csv(self, source: csv::Error) -> TableError {
        TableError::Csv {
            dataset: self.dataset.to_owned(),
            file: self.file.to_owned(),
            line: source.position().map_or(0, csv::Position::line),
            source,
        }
    }

    /// The observation in `record`; `None` for a blank line.
    #[expect(
        clippy::result_large_err,
        reason = "a table error ends the load, so its size costs nothing"
    )]
    fn observation(self, record: &csv::StringRecord) -> Result<Option<Observation>, TableError> {
        let line = record.position().map_or(0, csv::Position::line);
        let [indicator, unit, period, value] = match record.len() {
            4 => [&record[0], &record[1], &record[2], &record[3]],
            // A blank line is read as one empty field; skip it.
            1 if record[0].is_empty() => return Ok(None),
            found => {
                return Err(TableError::FieldCount {
                    dataset: self.dataset.to_owned(),
                    file: self.file.to_owned(),
                    line,
                    found,
                });
            }
        };
        for (column, text) in [("indicator", indicator), ("unit", unit), ("period", period)] {
            if text.trim().is_empty() {
                return Err(TableError::Empty {
                    dataset: self.dataset.to_owned(),
                    file: self.file.to_owned(),
                    line,
                    column,
                });
            }
        }
        let Some(number) = value.trim().parse::<f64>().ok().filter(|v| v.is_finite()) else {
            return Err(TableError::Value {
                dataset: self.dataset.to_owned(),
                file: self.file.to_owned(),
                line,
                text: value.to_owned(),
            });
        };
        Ok(Some(Observation {
            indicator: indicator.to_owned(),
            unit: unit.to_owned(),
            period: period.to_owned(),
            value: number,
            line,
        }))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::result_large_err,
    reason = "a test should fail loudly; values are read exactly"
)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Observation>, TableError> {
        parse(text.as_bytes(), "test-befolkning", "test-befolkning.csv")
    }

    #[test]
    fn a_table_reads_into_observations_with_their_lines() {
        let rows =
            read("indicator,unit,period,value\npopulation,a,2019,100\npopulation,b,2019,2.5e2\n")
                .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].unit, "b");
        assert_eq!(rows[1].value, 250.0);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn quoted_fields_a_byte_order_mark_and_a_blank_last_line_are_accepted() {
        let rows = read("\u{feff}indicator,unit,period,value\r\npopulation,\"a,1\",2019,1\r\n\r\n")
            .unwrap();
        assert_eq!(rows[0].unit, "a,1");
    }

    #[test]
    fn a_wrong_header_is_rejected_naming_the_dataset_and_file() {
        let error = read("indicator,area,period,value\n").unwrap_err();
        assert!(matches!(error, TableError::Header { .. }), "{error:?}");
        let text = error.to_string();
        assert!(
            text.contains("test-befolkning (test-befolkning.csv)"),
            "{text}"
        );
        assert!(matches!(read(""), Err(TableError::Header { .. })));
    }

    #[test]
    fn a_short_row_is_rejected_with_its_line_number() {
        let error = read("indicator,unit,period,value\npopulation,a,2019,1\npopulation,b,2019\n")
            .unwrap_err();
        assert!(
            matches!(
                error,
                TableError::FieldCount {
                    line: 3,
                    found: 3,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("line 3"), "{error}");
    }

    #[test]
    fn values_that_are_not_finite_numbers_are_rejected_with_their_line_number() {
        for bad in ["NaN", "inf", "-inf", "", "12,5", "n/a"] {
            let text = format!("indicator,unit,period,value\npopulation,a,2019,{bad:?}\n");
            let error = read(&text).unwrap_err();
            assert!(
                matches!(&error, TableError::Value { line: 2, .. }),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn an_empty_unit_is_rejected_with_its_line_number() {
        let error = read("indicator,unit,period,value\npopulation,,2019,1\n").unwrap_err();
        assert!(
            matches!(
                error,
                TableError::Empty {
                    line: 2,
                    column: "unit",
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn a_second_value_for_the_same_indicator_unit_and_period_is_rejected_naming_both_lines() {
        let error = read(
            "indicator,unit,period,value\npopulation,a,2019,1\npopulation,a,2020,1\npopulation,a,2019,2\n",
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                TableError::Duplicate {
                    line: 4,
                    first_line: 2,
                    ..
                }
            ),
            "{error:?}"
        );
    }
}

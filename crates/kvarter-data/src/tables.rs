//! Indicator tables: statistics files converted, one converter per source layout, into the tidy
//! CSV `indicator,unit,period,value` that the indicator catalogue points to.
//!
//! A converter reads one source CSV and returns values keyed by indicator id, unit (an area id of
//! the table's geography layer) and period; [`write_tidy`] then checks every unit against the
//! layer, sorts the rows (indicator, then the layer's area order, then period) and writes them.
//! Values are written in Rust's shortest round-trip form (integers without `.0`), so the same
//! source always gives the same bytes. Anything a converter does not expect — a missing column, a
//! line that does not parse, a name it cannot map, the same key twice — is an error naming the file
//! and line, never a silently dropped row; what a converter leaves out on purpose is listed in
//! [`Converted::notes`] for the build report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::names::slug;
use crate::recipe::Converter;

/// The header of every indicator table.
pub const HEADER: [&str; 4] = ["indicator", "unit", "period", "value"];

/// The row of the safety survey that holds the whole city.
pub const CITY_ROW: &str = "København i alt";

/// The area id of Københavns Kommune in `kommune-2023` (its kommunekode, with the leading zero).
pub const CITY_UNIT: &str = "0101";

/// Be4.3 and In74 name the people living outside every bydel so.
const OUTSIDE_BYDELE: &str = "Uden for inddeling";

/// The safety survey's indicators: id, source column, period.
const TRYGHED_INDICATORS: [(&str, &str, &str); 3] = [
    (
        "feel_safe_neighbourhood",
        "pct_feel_safe_in_neighbourhood",
        "2025",
    ),
    (
        "feel_safe_evening_night",
        "pct_feel_safe_evening_night",
        "2025",
    ),
    (
        "reported_offences_per_1000",
        "reported_criminal_code_offences_per_1000_residents_2024",
        "2024",
    ),
];

/// One value of an indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The indicator id (`population`).
    pub indicator: String,
    /// The area id in the table's geography layer.
    pub unit: String,
    /// The period, as text (`2019`).
    pub period: String,
    /// The value.
    pub value: f64,
    /// The source line the value comes from (the first one, when lines are combined); not written.
    pub line: u64,
}

/// What a converter made of a source file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Converted {
    /// The values, in source order.
    pub rows: Vec<Row>,
    /// What the converter left out on purpose, one sentence each (for the build report).
    pub notes: Vec<String>,
}

/// Why a source file could not be converted. Every variant names the source file.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be read: check the recipe's `path` and the sources folder.
    #[error("cannot read {file}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file lacks a column the converter needs or its header cannot be read: check that the
    /// recipe's `convert` fits the file, or whether the file was exported in another layout.
    #[error("{file}: {reason}")]
    Layout {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A line cannot be read or holds a value the converter does not expect: fix the source file,
    /// or teach the converter the new case.
    #[error("{file} line {line}: {reason}")]
    Line {
        /// The file.
        file: String,
        /// The line (1-based).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A value's unit is not an area of the table's geography layer: the converter's mapping or
    /// the recipe's `geography` is wrong.
    #[error("{file} line {line}: unit {unit:?} is not an area of layer {layer}")]
    UnknownUnit {
        /// The file.
        file: String,
        /// The line the value comes from.
        line: u64,
        /// The unit.
        unit: String,
        /// The geography layer.
        layer: String,
    },
    /// Two values for the same indicator, unit and period: the source repeats a row.
    #[error(
        "{file} line {line}: a second value of {indicator} for unit {unit:?} in {period} (the first is on line {first})"
    )]
    Duplicate {
        /// The file.
        file: String,
        /// The line of the second value.
        line: u64,
        /// The line of the first.
        first: u64,
        /// The indicator.
        indicator: String,
        /// The unit.
        unit: String,
        /// The period.
        period: String,
    },
    /// The file holds no value the converter keeps: it is empty or of another layout.
    #[error("{file}: no values to convert")]
    Empty {
        /// The file.
        file: String,
    },
}

/// Converts a source file (its bytes; `file` names it in errors) with the named converter.
pub fn convert(converter: Converter, csv: &[u8], file: &str) -> Result<Converted, TableError> {
    match converter {
        Converter::StatistikbankBe43 => statistikbank_be43(csv, file),
        Converter::StatistikbankIn74 => statistikbank_in74(csv, file),
        Converter::Tryghed2025Districts => tryghed_2025_districts(csv, file),
        Converter::Tryghed2025City => tryghed_2025_city(csv, file),
    }
}

/// `statistikbank-be43`: Københavns Kommune Statistikbank table Be4.3 (columns `Generation_tekst`
/// = YYYYMMDD, `Bydel:` = "3. Nørrebro", `Sum af Antal personer`) → `population` per bydel
/// (unit = the bydel number) at each year-end (period = the year). Rows of other days (quarters)
/// are left out; so are the people "Uden for inddeling", outside every bydel, counted per year in
/// the notes.
pub fn statistikbank_be43(csv: &[u8], file: &str) -> Result<Converted, TableError> {
    let mut source = Source::open(
        csv,
        file,
        &["Generation_tekst", "Bydel:", "Sum af Antal personer"],
    )?;
    let mut converted = Converted::default();
    let mut outside: BTreeMap<String, f64> = BTreeMap::new();
    let mut other_days = 0_usize;
    while let Some((line, fields)) = source.next_line()? {
        let [date, bydel, persons] = [&fields[0], &fields[1], &fields[2]];
        let bad = |reason: String| line_error(file, line, reason);
        if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("date {date:?} is not YYYYMMDD")));
        }
        let persons = number(persons, file, line, "Sum af Antal personer")?;
        if persons < 0.0 {
            return Err(bad(format!("a negative number of people, {persons}")));
        }
        let (year, day) = date.split_at(4);
        if day != "1231" {
            other_days += 1;
            continue;
        }
        if bydel == OUTSIDE_BYDELE {
            *outside.entry(year.to_owned()).or_default() += persons;
            continue;
        }
        let unit = bydel_number(bydel).ok_or_else(|| {
            bad(format!(
                "bydel {bydel:?} is neither \"<number>. <name>\" nor {OUTSIDE_BYDELE:?}"
            ))
        })?;
        converted.rows.push(Row {
            indicator: "population".into(),
            unit,
            period: year.to_owned(),
            value: persons,
            line,
        });
    }
    if other_days > 0 {
        converted.notes.push(format!(
            "left out {other_days} rows dated other than 31 December (quarters)"
        ));
    }
    for (year, persons) in outside {
        converted.notes.push(format!(
            "left out {} people on 31 December {year} in {OUTSIDE_BYDELE:?} (outside every bydel)",
            format_value(persons)
        ));
    }
    Ok(converted)
}

/// `statistikbank-in74`: Københavns Kommune Statistikbank table In74 (columns `År`, `Bydele` =
/// "Bydel - 1. Indre By", `Køn`, `Sum af Antal personer`, `Sum af Disponibel indkomst (1000 kr.)`)
/// → `disposable_income_mean` in kroner per person per year: the income of both sexes × 1000
/// divided by the people of both sexes, per bydel and year, rounded to whole kroner. Every bydel
/// and year needs exactly one row for Mænd and one for Kvinder. The people "Uden for inddeling"
/// are left out and counted in the notes.
pub fn statistikbank_in74(csv: &[u8], file: &str) -> Result<Converted, TableError> {
    let mut source = Source::open(
        csv,
        file,
        &[
            "År",
            "Bydele",
            "Køn",
            "Sum af Antal personer",
            "Sum af Disponibel indkomst (1000 kr.)",
        ],
    )?;
    let mut sums: BTreeMap<(String, String), In74Sum> = BTreeMap::new();
    let mut outside: BTreeMap<String, f64> = BTreeMap::new();
    while let Some((line, fields)) = source.next_line()? {
        let [year, bydel, sex, persons, income] =
            [&fields[0], &fields[1], &fields[2], &fields[3], &fields[4]];
        let bad = |reason: String| line_error(file, line, reason);
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("year {year:?} is not YYYY")));
        }
        let persons = number(persons, file, line, "Sum af Antal personer")?;
        let income = number(income, file, line, "Sum af Disponibel indkomst (1000 kr.)")?;
        if persons < 0.0 {
            return Err(bad(format!("a negative number of people, {persons}")));
        }
        let Some(sex_index) = IN74_SEXES.iter().position(|s| s == sex) else {
            return Err(bad(format!("sex {sex:?} is neither Mænd nor Kvinder")));
        };
        let name = bydel
            .strip_prefix("Bydel - ")
            .ok_or_else(|| bad(format!("bydel {bydel:?} does not start with \"Bydel - \"")))?;
        if name == OUTSIDE_BYDELE {
            *outside.entry(year.clone()).or_default() += persons;
            continue;
        }
        let unit = bydel_number(name).ok_or_else(|| {
            bad(format!(
                "bydel {bydel:?} is neither \"Bydel - <number>. <name>\" nor \"Bydel - {OUTSIDE_BYDELE}\""
            ))
        })?;
        let sum = sums.entry((unit, year.clone())).or_default();
        if let Some(first) = sum.lines[sex_index] {
            return Err(bad(format!(
                "a second row for {sex} in {bydel} {year} (the first is on line {first})"
            )));
        }
        sum.lines[sex_index] = Some(line);
        sum.persons += persons;
        sum.income_1000 += income;
    }
    let mut converted = Converted::default();
    for ((unit, year), sum) in sums {
        converted.rows.push(sum.mean(unit, year, file)?);
    }
    for (year, persons) in outside {
        converted.notes.push(format!(
            "left out {} people in {year} in {OUTSIDE_BYDELE:?} (outside every bydel)",
            format_value(persons)
        ));
    }
    Ok(converted)
}

/// In74's sexes, in the order of [`In74Sum::lines`].
const IN74_SEXES: [&str; 2] = ["Mænd", "Kvinder"];

/// Both sexes of one bydel and year in In74: people, income in 1000 kr., and each sex's line.
#[derive(Default)]
struct In74Sum {
    persons: f64,
    income_1000: f64,
    lines: [Option<u64>; 2],
}

impl In74Sum {
    /// The mean income in whole kroner, refused unless both sexes are there and have people.
    fn mean(&self, unit: String, year: String, file: &str) -> Result<Row, TableError> {
        let line = self
            .lines
            .iter()
            .flatten()
            .min()
            .copied()
            .unwrap_or_default();
        let bad = |reason: String| line_error(file, line, reason);
        if let Some(missing) = IN74_SEXES
            .iter()
            .zip(&self.lines)
            .find_map(|(sex, l)| l.is_none().then_some(sex))
        {
            return Err(bad(format!(
                "bydel {unit} {year} has no row for {missing}; the mean needs both sexes"
            )));
        }
        if self.persons <= 0.0 {
            return Err(bad(format!("bydel {unit} {year} has no people")));
        }
        Ok(Row {
            indicator: "disposable_income_mean".into(),
            unit,
            period: year,
            value: (self.income_1000 * 1000.0 / self.persons).round(),
            line,
        })
    }
}

/// `tryghed-2025-districts`: Tryghedsundersøgelsen 2025 per district (columns `district`,
/// `pct_feel_safe_in_neighbourhood`, `pct_feel_safe_evening_night`,
/// `reported_criminal_code_offences_per_1000_residents_2024`) → `feel_safe_neighbourhood`,
/// `feel_safe_evening_night` (period 2025) and `reported_offences_per_1000` (period 2024), unit =
/// the slug of the district name. The city row ("København i alt") is left out.
pub fn tryghed_2025_districts(csv: &[u8], file: &str) -> Result<Converted, TableError> {
    let mut converted = Converted::default();
    for (line, district, values) in tryghed_rows(csv, file)? {
        if district == CITY_ROW {
            converted.notes.push(format!(
                "left out the row {CITY_ROW:?} (the city total; see tryghed-2025-city)"
            ));
            continue;
        }
        let unit = slug(&district);
        push_tryghed(&mut converted, &unit, line, values);
    }
    Ok(converted)
}

/// `tryghed-2025-city`: the same three indicators as [`tryghed_2025_districts`] from the row
/// "København i alt" only, unit [`CITY_UNIT`] (the kommune). The district rows are left out.
pub fn tryghed_2025_city(csv: &[u8], file: &str) -> Result<Converted, TableError> {
    let mut converted = Converted::default();
    let mut districts = 0;
    for (line, district, values) in tryghed_rows(csv, file)? {
        if district == CITY_ROW {
            if converted.rows.is_empty() {
                push_tryghed(&mut converted, CITY_UNIT, line, values);
            } else {
                return Err(line_error(file, line, format!("a second row {CITY_ROW:?}")));
            }
        } else {
            districts += 1;
        }
    }
    if converted.rows.is_empty() {
        return Err(TableError::Layout {
            file: file.to_owned(),
            reason: format!("has no row {CITY_ROW:?}"),
        });
    }
    converted.notes.push(format!(
        "left out the {districts} district rows (see tryghed-2025-districts)"
    ));
    Ok(converted)
}

/// The survey's rows: line, district name, and the three values in [`TRYGHED_INDICATORS`] order.
fn tryghed_rows(csv: &[u8], file: &str) -> Result<Vec<(u64, String, [f64; 3])>, TableError> {
    let mut columns = vec!["district"];
    columns.extend(TRYGHED_INDICATORS.iter().map(|(_, column, _)| *column));
    let mut source = Source::open(csv, file, &columns)?;
    let mut rows = Vec::new();
    while let Some((line, fields)) = source.next_line()? {
        let district = fields[0].clone();
        if district.is_empty() {
            return Err(line_error(file, line, "the district is empty".into()));
        }
        let mut values = [0.0; 3];
        for (i, (indicator, column, _)) in TRYGHED_INDICATORS.iter().enumerate() {
            let value = number(&fields[i + 1], file, line, column)?;
            let percent = column.starts_with("pct_");
            if value < 0.0 || (percent && value > 100.0) {
                return Err(line_error(
                    file,
                    line,
                    format!("{indicator} = {value} is out of range"),
                ));
            }
            values[i] = value;
        }
        rows.push((line, district, values));
    }
    Ok(rows)
}

fn push_tryghed(converted: &mut Converted, unit: &str, line: u64, values: [f64; 3]) {
    for ((indicator, _, period), value) in TRYGHED_INDICATORS.iter().zip(values) {
        converted.rows.push(Row {
            indicator: (*indicator).to_owned(),
            unit: unit.to_owned(),
            period: (*period).to_owned(),
            value,
            line,
        });
    }
}

/// Checks every row's unit against the geography layer's area ids (`units`, in the layer's
/// order), refuses a key given twice, sorts (indicator, then unit in the layer's order, then
/// period) and writes the table as CSV with [`HEADER`]. `file` names the source in errors.
pub fn write_tidy(
    rows: &[Row],
    units: &[&str],
    layer: &str,
    file: &str,
) -> Result<Vec<u8>, TableError> {
    if rows.is_empty() {
        return Err(TableError::Empty {
            file: file.to_owned(),
        });
    }
    let mut keyed = Vec::with_capacity(rows.len());
    for row in rows {
        let position =
            units
                .iter()
                .position(|u| *u == row.unit)
                .ok_or_else(|| TableError::UnknownUnit {
                    file: file.to_owned(),
                    line: row.line,
                    unit: row.unit.clone(),
                    layer: layer.to_owned(),
                })?;
        keyed.push((position, row));
    }
    keyed.sort_by(|(ua, a), (ub, b)| {
        (a.indicator.as_str(), ua, a.period.as_str(), a.line).cmp(&(
            b.indicator.as_str(),
            ub,
            b.period.as_str(),
            b.line,
        ))
    });
    for pair in keyed.windows(2) {
        let ((_, a), (_, b)) = (pair[0], pair[1]);
        if (&a.indicator, &a.unit, &a.period) == (&b.indicator, &b.unit, &b.period) {
            return Err(TableError::Duplicate {
                file: file.to_owned(),
                line: b.line,
                first: a.line,
                indicator: b.indicator.clone(),
                unit: b.unit.clone(),
                period: b.period.clone(),
            });
        }
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let io = |e: csv::Error| TableError::Layout {
        file: file.to_owned(),
        reason: format!("cannot write the table: {e}"),
    };
    writer.write_record(HEADER).map_err(io)?;
    for (_, row) in keyed {
        writer
            .write_record([
                row.indicator.as_str(),
                row.unit.as_str(),
                row.period.as_str(),
                format_value(row.value).as_str(),
            ])
            .map_err(io)?;
    }
    writer.into_inner().map_err(|e| TableError::Layout {
        file: file.to_owned(),
        reason: format!("cannot write the table: {e}"),
    })
}

/// A value as written to a table: Rust's shortest round-trip form, integers without `.0`, no `-0`.
pub fn format_value(value: f64) -> String {
    let mut text = String::new();
    let value = if value == 0.0 { 0.0 } else { value };
    let _ = write!(text, "{value}");
    text
}

/// "3. Nørrebro" → "3": the number before ". ", when a name follows.
fn bydel_number(name: &str) -> Option<String> {
    let (number, rest) = name.split_once(". ")?;
    let ok =
        !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) && !rest.trim().is_empty();
    ok.then(|| number.trim_start_matches('0').to_owned())
        .filter(|n| !n.is_empty())
}

/// A finite number from a field.
fn number(text: &str, file: &str, line: u64, column: &str) -> Result<f64, TableError> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| line_error(file, line, format!("{column} {text:?} is not a number")))
}

fn line_error(file: &str, line: u64, reason: String) -> TableError {
    TableError::Line {
        file: file.to_owned(),
        line,
        reason,
    }
}

/// A source CSV read line by line, with the fields of the named columns only (trimmed).
struct Source<'a> {
    csv: &'a [u8],
    file: &'a str,
    records: csv::StringRecordsIntoIter<&'a [u8]>,
    columns: Vec<usize>,
}

impl<'a> Source<'a> {
    fn open(csv: &'a [u8], file: &'a str, names: &[&str]) -> Result<Self, TableError> {
        let mut reader = csv::Reader::from_reader(csv);
        let headers = reader
            .headers()
            .map_err(|e| csv_error(csv, file, &e))?
            .clone();
        let columns = names
            .iter()
            .map(|name| {
                headers
                    .iter()
                    .position(|h| h.trim() == *name)
                    .ok_or_else(|| TableError::Layout {
                        file: file.to_owned(),
                        reason: format!("has no column {name:?}"),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            csv,
            file,
            records: reader.into_records(),
            columns,
        })
    }

    /// The next line's number and fields, `None` at the end of the file.
    fn next_line(&mut self) -> Result<Option<(u64, Vec<String>)>, TableError> {
        let Some(record) = self.records.next() else {
            return Ok(None);
        };
        let record = record.map_err(|e| csv_error(self.csv, self.file, &e))?;
        let line = record.position().map_or(0, |p| line_at(self.csv, p));
        let fields =
            self.columns
                .iter()
                .map(|&i| {
                    record.get(i).map(|f| f.trim().to_owned()).ok_or_else(|| {
                        line_error(self.file, line, format!("has no field {}", i + 1))
                    })
                })
                .collect::<Result<_, _>>()?;
        Ok(Some((line, fields)))
    }
}

/// The line a record starts on. The parser's own line count lags by one after a `\r\n` line end
/// (its position then points at the `\n`), so the line is counted from the byte offset instead:
/// past any line ends (the parser skips empty lines too), then the `\n`s before it, plus one.
fn line_at(csv: &[u8], position: &csv::Position) -> u64 {
    let start = usize::try_from(position.byte())
        .unwrap_or(usize::MAX)
        .min(csv.len());
    let start = csv[start..]
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .map_or(csv.len(), |skip| start + skip);
    // Splitting at every `\n` gives one piece more than there are `\n`s: the line number.
    csv[..start].split(|&b| b == b'\n').count() as u64
}

/// A CSV error as a [`TableError`], with its line when the parser knows it.
fn csv_error(csv: &[u8], file: &str, error: &csv::Error) -> TableError {
    let position = match error.kind() {
        csv::ErrorKind::Utf8 { pos, .. } | csv::ErrorKind::UnequalLengths { pos, .. } => {
            pos.as_ref()
        }
        _ => error.position(),
    };
    let reason = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields, the header has {expected_len} (truncated or garbled?)"),
        csv::ErrorKind::Utf8 { err, .. } => format!("is not UTF-8 ({err})"),
        _ => error.to_string(),
    };
    match position {
        Some(pos) => line_error(file, line_at(csv, pos), reason),
        None => TableError::Layout {
            file: file.to_owned(),
            reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "test.csv";

    fn rows(converted: &Converted) -> Vec<(&str, &str, &str, f64)> {
        converted
            .rows
            .iter()
            .map(|r| {
                (
                    r.indicator.as_str(),
                    r.unit.as_str(),
                    r.period.as_str(),
                    r.value,
                )
            })
            .collect()
    }

    #[test]
    fn be43_keeps_year_ends_and_counts_the_people_outside_every_bydel() {
        let csv = "Generation_tekst,Bydel:,Sum af Antal personer\n\
                   19911231,1. Indre By,40595\n\
                   19911231,10. Amager Vest,51234\n\
                   19911231,Uden for inddeling,2187\n\
                   20190331,1. Indre By,55000\n\
                   20191231,1. Indre By,55123\n";
        let converted = statistikbank_be43(csv.as_bytes(), FILE).unwrap();
        assert_eq!(
            rows(&converted),
            [
                ("population", "1", "1991", 40595.0),
                ("population", "10", "1991", 51234.0),
                ("population", "1", "2019", 55123.0),
            ]
        );
        assert!(converted.notes.iter().any(|n| n.contains("1 rows dated")));
        assert!(
            converted
                .notes
                .iter()
                .any(|n| n.contains("2187 people") && n.contains("1991")),
            "{:?}",
            converted.notes
        );
    }

    #[test]
    fn in74_income_mean_is_the_income_of_both_sexes_over_the_people_of_both_sexes() {
        // (100 + 300) * 1000 / (1 + 2) = 133 333.33… → 133 333.
        let csv = "År,Bydele,Køn,Sum af Antal personer,Sum af Disponibel indkomst (1000 kr.),Gnstl. disponibel indkomst (kr.)\n\
                   2017,Bydel - 3. Nørrebro,Mænd,1,100,100000\n\
                   2017,Bydel - 3. Nørrebro,Kvinder,2,300,150000\n\
                   2017,Bydel - Uden for inddeling,Mænd,7,1,1\n\
                   2017,Bydel - Uden for inddeling,Kvinder,5,1,1\n";
        let converted = statistikbank_in74(csv.as_bytes(), FILE).unwrap();
        assert_eq!(
            rows(&converted),
            [("disposable_income_mean", "3", "2017", 133_333.0)]
        );
        assert_eq!(converted.rows[0].line, 2);
        assert!(converted.notes[0].contains("12 people in 2017"));
    }

    #[test]
    fn in74_refuses_a_bydel_and_year_with_one_sex_only() {
        let csv = "År,Bydele,Køn,Sum af Antal personer,Sum af Disponibel indkomst (1000 kr.)\n\
                   2017,Bydel - 3. Nørrebro,Mænd,1,100\n";
        let err = statistikbank_in74(csv.as_bytes(), FILE).unwrap_err();
        assert!(
            err.to_string().contains("line 2") && err.to_string().contains("Kvinder"),
            "{err}"
        );
    }

    #[test]
    fn tryghed_districts_are_slugged_and_the_city_row_is_kept_apart() {
        let csv = "district,pct_feel_safe_in_neighbourhood,pct_feel_safe_evening_night,reported_criminal_code_offences_per_1000_residents_2024,district_geometry_hint\n\
                   Indre Nørrebro,89,82,46,kvarternr 20401+20402\n\
                   København i alt,88,80.5,73,whole municipality\n";
        let districts = tryghed_2025_districts(csv.as_bytes(), FILE).unwrap();
        assert_eq!(
            rows(&districts),
            [
                ("feel_safe_neighbourhood", "indre-noerrebro", "2025", 89.0),
                ("feel_safe_evening_night", "indre-noerrebro", "2025", 82.0),
                (
                    "reported_offences_per_1000",
                    "indre-noerrebro",
                    "2024",
                    46.0
                ),
            ]
        );
        let city = tryghed_2025_city(csv.as_bytes(), FILE).unwrap();
        assert_eq!(
            rows(&city),
            [
                ("feel_safe_neighbourhood", "0101", "2025", 88.0),
                ("feel_safe_evening_night", "0101", "2025", 80.5),
                ("reported_offences_per_1000", "0101", "2024", 73.0),
            ]
        );
    }

    #[test]
    fn a_tidy_table_is_sorted_by_indicator_then_layer_order_then_period() {
        let row = |indicator: &str, unit: &str, period: &str, value: f64| Row {
            indicator: indicator.into(),
            unit: unit.into(),
            period: period.into(),
            value,
            line: 2,
        };
        let rows = [
            row("population", "10", "2019", 3.0),
            row("population", "2", "2019", 0.25),
            row("population", "2", "2018", -0.0),
            row("income", "10", "2019", 1e6),
        ];
        let text = write_tidy(&rows, &["1", "2", "10"], "bydele", FILE).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "indicator,unit,period,value\n\
             income,10,2019,1000000\n\
             population,2,2018,0\n\
             population,2,2019,0.25\n\
             population,10,2019,3\n"
        );
    }

    #[test]
    fn a_unit_that_is_not_an_area_of_the_layer_is_refused_with_its_line() {
        let csv = "Generation_tekst,Bydel:,Sum af Antal personer\n\
                   19911231,1. Indre By,40595\n\
                   19911231,11. Nowhere,1\n";
        let converted = statistikbank_be43(csv.as_bytes(), FILE).unwrap();
        let err = write_tidy(&converted.rows, &["1", "2"], "bydele-2023", FILE).unwrap_err();
        assert!(
            matches!(err, TableError::UnknownUnit { line: 3, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("\"11\"") && err.to_string().contains("bydele-2023"));
    }

    #[test]
    fn a_value_given_twice_is_refused_naming_both_lines() {
        let csv = "Generation_tekst,Bydel:,Sum af Antal personer\n\
                   19911231,1. Indre By,40595\n\
                   19911231,1. Indre By,40596\n";
        let converted = statistikbank_be43(csv.as_bytes(), FILE).unwrap();
        let err = write_tidy(&converted.rows, &["1"], "bydele-2023", FILE).unwrap_err();
        assert!(
            matches!(
                err,
                TableError::Duplicate {
                    line: 3,
                    first: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_truncated_or_garbled_csv_is_refused_with_the_line() {
        let header = "Generation_tekst,Bydel:,Sum af Antal personer\n19911231,1. Indre By,40595\n";
        for (tail, reason) in [
            ("19921231,2. Østerb", "fields"),
            ("19921231,2. Østerbro,6x221\n", "not a number"),
            ("1992-12-31,2. Østerbro,62221\n", "YYYYMMDD"),
            ("19921231,Østerbro,62221\n", "bydel"),
        ] {
            let csv = format!("{header}{tail}");
            let err = statistikbank_be43(csv.as_bytes(), FILE).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("test.csv line 3") && text.contains(reason),
                "{tail}: {text}"
            );
        }
        let mut garbled = header.as_bytes().to_vec();
        garbled.extend_from_slice(b"19921231,2. \xff\xfe,1\n");
        let err = statistikbank_be43(&garbled, FILE).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn a_file_of_another_layout_is_refused_naming_the_missing_column() {
        let err = tryghed_2025_districts(b"a,b\n1,2\n", FILE).unwrap_err();
        assert!(err.to_string().contains("\"district\""), "{err}");
        let err = tryghed_2025_city(
            b"district,pct_feel_safe_in_neighbourhood,pct_feel_safe_evening_night,reported_criminal_code_offences_per_1000_residents_2024\nValby,1,2,3\n",
            FILE,
        )
        .unwrap_err();
        assert!(err.to_string().contains(CITY_ROW), "{err}");
    }

    #[test]
    fn lines_are_counted_right_with_crlf_line_ends_and_empty_lines() {
        let crlf = "Generation_tekst,Bydel:,Sum af Antal personer\r\n\
                    19911231,1. Indre By,40595\r\n\
                    \r\n\
                    19911231,2. Østerbro,62221\r\n\
                    19911231,3. Nørrebro\r\n";
        let mut source = Source::open(
            crlf.as_bytes(),
            FILE,
            &["Generation_tekst", "Bydel:", "Sum af Antal personer"],
        )
        .unwrap();
        assert_eq!(source.next_line().unwrap().unwrap().0, 2);
        assert_eq!(source.next_line().unwrap().unwrap().0, 4);
        let err = source.next_line().unwrap_err();
        assert!(err.to_string().contains("test.csv line 5"), "{err}");
    }

    #[test]
    fn bydel_numbers_come_from_the_text_before_the_dot() {
        assert_eq!(bydel_number("3. Nørrebro").as_deref(), Some("3"));
        assert_eq!(bydel_number("10. Amager Vest").as_deref(), Some("10"));
        assert_eq!(bydel_number("Nørrebro"), None);
        assert_eq!(bydel_number("3. "), None);
        assert_eq!(bydel_number("x. Nørrebro"), None);
    }

    #[test]
    fn values_are_written_in_shortest_form() {
        assert_eq!(format_value(40595.0), "40595");
        assert_eq!(format_value(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_value(-0.0), "0");
        assert_eq!(format_value(88.5), "88.5");
    }
}

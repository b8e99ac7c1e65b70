//! Chile's public holidays by year, the days a due date moves over. Shipped as
//! `data/holidays.yaml` (sources in the file), stored in the engine's database and replaced a
//! whole year at a time: a year is what a law or an election changes, and a partial year
//! would silently lose the rest.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::domain::yaml_lines::{Seg, line_of};

/// The table shipped with the engine.
pub const DEFAULT_YAML: &str = include_str!("../../../data/holidays.yaml");

/// Why a holiday table, or a year given to it, is refused or insufficient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayError {
    /// The table does not have the year a date falls in.
    #[error(
        "the holiday table has no year {0}: add Chile's holidays of {0} with `f29-engine holidays import FILE` or, as an administrator, `PUT /api/f29/holidays/{0}`"
    )]
    Missing(i32),
    /// The text, or a year given to store, is wrong.
    #[error("holiday table{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Invalid {
        /// 1-based line of the file (or 1-based position in a list given to the API).
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

fn invalid(line: Option<usize>, message: impl Into<String>) -> HolidayError {
    HolidayError::Invalid {
        line,
        message: message.into(),
    }
}

/// One holiday.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The day.
    pub date: NaiveDate,
    /// Its name ("Día de la Independencia").
    pub name: String,
    /// The law or page it comes from.
    #[serde(default)]
    pub source: String,
}

/// Holidays by year; a year present is complete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayTable {
    years: BTreeMap<i32, Vec<Holiday>>,
}

/// Checks one year's list: every date in `year`, none twice, every name given. `line` says
/// where entry `i` came from.
pub fn check_year(
    year: i32,
    holidays: &[Holiday],
    line: impl Fn(usize) -> Option<usize>,
) -> Result<(), HolidayError> {
    if !(2000..=2100).contains(&year) {
        return Err(invalid(
            line(0),
            format!("{year} is not a year the engine handles (2000–2100)"),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, holiday) in holidays.iter().enumerate() {
        if holiday.date.year() != year {
            return Err(invalid(
                line(i),
                format!(
                    "{} ({}) is listed under {year}: a holiday belongs to the year it falls in",
                    holiday.date, holiday.name
                ),
            ));
        }
        if holiday.name.trim().is_empty() {
            return Err(invalid(line(i), format!("{} has no name", holiday.date)));
        }
        if !seen.insert(holiday.date) {
            return Err(invalid(
                line(i),
                format!("{} appears more than once", holiday.date),
            ));
        }
    }
    Ok(())
}

/// The line where the top-level key `key` is written (`"2026":`, `'2026':` or `2026:`).
fn key_line(text: &str, key: &str) -> Option<usize> {
    let forms = [format!("\"{key}\""), format!("'{key}'"), format!("{key}:")];
    text.lines()
        .position(|l| forms.iter().any(|f| l.starts_with(f.as_str())))
        .map(|i| i + 1)
}

impl HolidayTable {
    /// The table shipped with the engine.
    pub fn shipped() -> Result<HolidayTable, HolidayError> {
        HolidayTable::parse(DEFAULT_YAML)
    }

    /// Reads `"YYYY": [{date, name, source}]`; each year is checked with [`check_year`], and
    /// the error names the line of the entry.
    pub fn parse(text: &str) -> Result<HolidayTable, HolidayError> {
        let raw: BTreeMap<String, Vec<Holiday>> =
            serde_yaml::from_str::<Option<BTreeMap<String, Vec<Holiday>>>>(text)
                .map_err(|e| invalid(e.location().map(|l| l.line()), e.to_string()))?
                .unwrap_or_default();
        let mut years = BTreeMap::new();
        for (key, holidays) in raw {
            let year: i32 = key
                .trim()
                .parse()
                .map_err(|_| invalid(key_line(text, &key), format!("`{key}` is not a year")))?;
            check_year(year, &holidays, |i| {
                line_of(text, &[Seg::key(&key), Seg::Index(i)])
            })?;
            let mut holidays = holidays;
            holidays.sort_by_key(|h| h.date);
            years.insert(year, holidays);
        }
        Ok(HolidayTable { years })
    }

    /// A table of these years (already checked).
    pub fn from_years(years: impl IntoIterator<Item = (i32, Vec<Holiday>)>) -> HolidayTable {
        HolidayTable {
            years: years.into_iter().collect(),
        }
    }

    /// Whether `date` is a holiday; an error when its year is not in the table.
    pub fn is_holiday(&self, date: NaiveDate) -> Result<bool, HolidayError> {
        self.years
            .get(&date.year())
            .map(|list| list.iter().any(|h| h.date == date))
            .ok_or(HolidayError::Missing(date.year()))
    }

    /// Every year with its holidays, oldest first.
    pub fn years(&self) -> impl Iterator<Item = (i32, &[Holiday])> + '_ {
        self.years.iter().map(|(y, list)| (*y, list.as_slice()))
    }

    /// The holidays of `year`, when the table has it.
    pub fn year(&self, year: i32) -> Option<&[Holiday]> {
        self.years.get(&year).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_shipped_table_has_2019_through_2027_with_sources() {
        let table = HolidayTable::shipped().expect("shipped");
        let years: Vec<i32> = table.years().map(|(y, _)| y).collect();
        assert_eq!(years, (2019..=2027).collect::<Vec<_>>());
        for (year, list) in table.years() {
            assert!(list.len() >= 15, "{year}: {} holidays", list.len());
            assert!(
                list.iter().all(|h| !h.source.is_empty()),
                "{year}: a holiday without source"
            );
        }
        // Fiestas Patrias 2026: Friday 18 and Saturday 19 September.
        assert_eq!(table.is_holiday(day("2026-09-18")), Ok(true));
        assert_eq!(table.is_holiday(day("2026-09-19")), Ok(true));
        assert_eq!(table.is_holiday(day("2026-09-17")), Ok(false));
        // An election Sunday is a holiday; 26 October 2024 was made a working day.
        assert_eq!(table.is_holiday(day("2025-11-16")), Ok(true));
        assert_eq!(table.is_holiday(day("2024-10-26")), Ok(false));
        assert_eq!(
            table.is_holiday(day("2030-01-01")),
            Err(HolidayError::Missing(2030))
        );
    }

    #[test]
    fn an_entry_outside_its_year_is_refused_naming_its_line() {
        let text = "\"2026\":\n  - {date: \"2026-01-01\", name: \"Año Nuevo\"}\n  - {date: \"2027-01-01\", name: \"Año Nuevo\"}\n";
        let err = HolidayTable::parse(text).expect_err("2027 under 2026");
        assert!(
            matches!(&err, HolidayError::Invalid { line: Some(3), message } if message.contains("listed under 2026")),
            "{err:?}"
        );
        let twice = "\"2026\":\n  - {date: \"2026-01-01\", name: \"A\"}\n  - {date: \"2026-01-01\", name: \"B\"}\n";
        assert!(matches!(
            HolidayTable::parse(twice),
            Err(HolidayError::Invalid { line: Some(3), .. })
        ));
        let bad_date = "\"2026\":\n  - {date: \"2026-02-30\", name: \"A\"}\n";
        assert!(matches!(
            HolidayTable::parse(bad_date),
            Err(HolidayError::Invalid { line: Some(2), .. })
        ));
        let bad_year = "\"20x6\":\n  - {date: \"2026-02-03\", name: \"A\"}\n";
        assert!(matches!(
            HolidayTable::parse(bad_year),
            Err(HolidayError::Invalid { line: Some(1), .. })
        ));
    }
}

//! The UTM table: pesos per month, as SII publishes them.
//!
//! The service keeps the table in its database (seeded from `data/utm.yaml`, kept current with
//! `f29-engine utm import` and the admin API); the offline CLI reads the shipped file or one
//! given to it. Either way a computation sees an [`UtmTable`].
//!
//! * [`series`]: the rules every new value obeys (no gap, no duplicate, positive, at most 5 %
//!   from the month before), checked before anything is written.
//! * [`sii_html`], [`csv_file`]: SII's yearly page saved as HTML, and a `month,utm` CSV.

pub mod csv_file;
pub mod series;
pub mod sii_html;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ofitec_domain::Period;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::yaml_lines::{Seg, line_of};
pub use series::UtmEntry;

/// The table shipped with the engine.
pub const DEFAULT_YAML: &str = include_str!("../../../data/utm.yaml");

/// Why a UTM value is unavailable or a table is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UtmError {
    /// The month is not in the table: a remanente cannot be readjusted without it.
    #[error(
        "no UTM value for {0} in the UTM table: add the value SII published for that month with `f29-engine utm import FILE` (SII's yearly UTM page saved as HTML, or a `month,utm` CSV) or, as an administrator, `PUT /api/f29/utm/{0}` with {{\"utm\": pesos}} (the offline `compute` reads `--utm-table FILE`)"
    )]
    Missing(Period),
    /// The period has no following month inside the supported range.
    #[error("period {0} is outside the supported range")]
    OutOfRange(Period),
    /// The table text, or a value given to add to it, is wrong.
    #[error("UTM table{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Invalid {
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The table file cannot be read.
    #[error("cannot read the UTM table {path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
}

impl UtmError {
    /// An [`UtmError::Invalid`] at `line`.
    pub fn invalid(line: Option<usize>, message: impl Into<String>) -> UtmError {
        UtmError::Invalid {
            line,
            message: message.into(),
        }
    }
}

/// UTM values by month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UtmTable {
    values: BTreeMap<Period, i64>,
}

/// The entries in document order, so duplicates can be reported instead of silently merged.
struct Entries(Vec<(serde_yaml::Value, serde_yaml::Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of \"YYYY-MM\": pesos")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Entries, E> {
                Ok(Entries(Vec::new()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Reads `"YYYY-MM": pesos` entries in document order, each with its line; every value must
/// be a positive whole number (duplicates and gaps are left to [`series::check`]).
pub fn yaml_entries(text: &str) -> Result<Vec<UtmEntry>, UtmError> {
    let entries: Entries = serde_yaml::from_str(text)
        .map_err(|e| UtmError::invalid(e.location().map(|l| l.line()), e.to_string()))?;
    let mut out = Vec::with_capacity(entries.0.len());
    for (key, value) in entries.0 {
        let key_text = match &key {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        let line = line_of(text, &[Seg::key(&key_text)]);
        let period = Period::parse(&key_text)
            .map_err(|e| UtmError::invalid(line, format!("`{key_text}` is not a month: {e}")))?;
        let pesos = value.as_i64().filter(|v| *v > 0).ok_or_else(|| {
            UtmError::invalid(
                line,
                format!("the UTM of {period} must be a positive whole number of pesos"),
            )
        })?;
        out.push(UtmEntry {
            period,
            pesos,
            line,
        });
    }
    Ok(out)
}

impl UtmTable {
    /// The table shipped with the engine.
    pub fn shipped() -> Result<UtmTable, UtmError> {
        UtmTable::parse(DEFAULT_YAML)
    }

    /// The table in `path`.
    pub fn load(path: &Path) -> Result<UtmTable, UtmError> {
        UtmTable::parse(&read(path)?)
    }

    /// Reads `"YYYY-MM": pesos` entries; every value must be a positive whole number and
    /// every month appear once.
    pub fn parse(text: &str) -> Result<UtmTable, UtmError> {
        let mut values = BTreeMap::new();
        for entry in yaml_entries(text)? {
            if values.insert(entry.period, entry.pesos).is_some() {
                return Err(UtmError::invalid(
                    entry.line,
                    format!("{} appears more than once", entry.period),
                ));
            }
        }
        Ok(UtmTable { values })
    }

    /// A table of these months (later duplicates win).
    pub fn from_months(months: impl IntoIterator<Item = (Period, i64)>) -> UtmTable {
        UtmTable {
            values: months.into_iter().collect(),
        }
    }

    /// The UTM of `period`.
    pub fn get(&self, period: Period) -> Result<i64, UtmError> {
        self.values
            .get(&period)
            .copied()
            .ok_or(UtmError::Missing(period))
    }

    /// First and last month known.
    pub fn range(&self) -> Option<(Period, Period)> {
        Some((
            *self.values.keys().next()?,
            *self.values.keys().next_back()?,
        ))
    }

    /// Every month with its value, oldest first.
    pub fn months(&self) -> impl Iterator<Item = (Period, i64)> + '_ {
        self.values.iter().map(|(p, v)| (*p, *v))
    }

    /// Whether the table has no month.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// The text of `path`, or [`UtmError::Read`]. A file that is not UTF-8 is read as
/// ISO-8859-1, the encoding SII's pages are served in (every byte is a character there, and
/// month names and numbers are ASCII either way).
pub fn read(path: &Path) -> Result<String, UtmError> {
    let bytes = std::fs::read(path).map_err(|e| UtmError::Read {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Period {
        Period::parse(text).expect("period")
    }

    #[test]
    fn shipped_table_covers_2019_through_the_last_verified_month_without_gaps() {
        let table = UtmTable::shipped().expect("shipped table");
        let (first, last) = table.range().expect("not empty");
        assert_eq!(
            (first.to_string(), last.to_string()),
            ("2019-01".into(), "2026-07".into())
        );
        for period in first.through(last) {
            assert!(table.get(period).is_ok(), "{period} missing");
        }
        // The shipped seed obeys the rules every import obeys.
        series::check(&yaml_entries(DEFAULT_YAML).expect("entries")).expect("a clean series");
        // Values checked against two sources each (see the file's comments).
        assert_eq!(table.get(p("2021-01")), Ok(50_978));
        assert_eq!(table.get(p("2024-10")), Ok(66_561));
        assert_eq!(table.get(p("2024-11")), Ok(66_628));
        assert_eq!(table.get(p("2024-12")), Ok(67_294));
        assert_eq!(table.get(p("2025-01")), Ok(67_429));
        assert_eq!(table.get(p("2025-08")), Ok(68_647));
        assert_eq!(table.get(p("2026-07")), Ok(71_649));
    }

    #[test]
    fn every_shipped_year_names_its_sources() {
        for year in 2019..=2026 {
            assert!(
                DEFAULT_YAML
                    .lines()
                    .any(|l| l.starts_with(&format!("# {year}: BCCh F073.UTR.PRE.Z.M;"))),
                "{year} has no source line"
            );
        }
        assert!(DEFAULT_YAML.contains("https://www.sii.cl/valores_y_fechas/utm/utmYYYY.htm"));
    }

    #[test]
    fn missing_month_is_an_error_that_says_how_to_add_it() {
        let table = UtmTable::parse("\"2024-01\": 64666\n").expect("table");
        let err = table.get(p("2030-01")).expect_err("missing");
        let message = err.to_string();
        assert!(message.contains("no UTM value for 2030-01"), "{message}");
        assert!(message.contains("f29-engine utm import FILE"), "{message}");
        assert!(message.contains("PUT /api/f29/utm/2030-01"), "{message}");
    }

    #[test]
    fn bad_tables_name_the_line() {
        let err = UtmTable::parse("\"2024-01\": 64666\n\"2024-13\": 1\n").expect_err("month 13");
        assert!(
            matches!(err, UtmError::Invalid { line: Some(2), .. }),
            "{err:?}"
        );
        let err = UtmTable::parse("\"2024-01\": 64666\n\"2024-02\": -5\n").expect_err("negative");
        assert!(
            matches!(err, UtmError::Invalid { line: Some(2), .. }),
            "{err:?}"
        );
        let err = UtmTable::parse("\"2024-01\": 1\n\"2024-01\": 2\n");
        assert!(err.is_err(), "duplicates are rejected");
    }
}

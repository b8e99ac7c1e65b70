//! The UTM table: pesos per month, as SII publishes them. Shipped as `data/utm.yaml` and
//! replaceable by a file (configuration `utm_table`) so a new month needs no release.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ofitec_domain::Period;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::yaml_lines::{Seg, line_of};

/// The table shipped with the engine.
pub const DEFAULT_YAML: &str = include_str!("../../data/utm.yaml");

/// Why a UTM value is unavailable or a table is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UtmError {
    /// The month is not in the table: a remanente cannot be readjusted without it.
    #[error(
        "no UTM value for {0} in the UTM table: add the value SII published for that month to the table (configuration `utm_table`)"
    )]
    Missing(Period),
    /// The period has no following month inside the supported range.
    #[error("period {0} is outside the supported range")]
    OutOfRange(Period),
    /// The table text is wrong.
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

impl UtmTable {
    /// The table shipped with the engine.
    pub fn shipped() -> Result<UtmTable, UtmError> {
        UtmTable::parse(DEFAULT_YAML)
    }

    /// The table in `path`.
    pub fn load(path: &Path) -> Result<UtmTable, UtmError> {
        let text = std::fs::read_to_string(path).map_err(|e| UtmError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        UtmTable::parse(&text)
    }

    /// Reads `"YYYY-MM": pesos` entries; every value must be a positive whole number and
    /// every month appear once.
    pub fn parse(text: &str) -> Result<UtmTable, UtmError> {
        let entries: Entries = serde_yaml::from_str(text).map_err(|e| UtmError::Invalid {
            line: e.location().map(|l| l.line()),
            message: e.to_string(),
        })?;
        let mut values = BTreeMap::new();
        for (key, value) in entries.0 {
            let key_text = match &key {
                serde_yaml::Value::String(s) => s.clone(),
                serde_yaml::Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            let line = || line_of(text, &[Seg::key(&key_text)]);
            let period = Period::parse(&key_text).map_err(|e| UtmError::Invalid {
                line: line(),
                message: format!("`{key_text}` is not a month: {e}"),
            })?;
            let pesos = value
                .as_i64()
                .filter(|v| *v > 0)
                .ok_or_else(|| UtmError::Invalid {
                    line: line(),
                    message: format!(
                        "the UTM of {period} must be a positive whole number of pesos"
                    ),
                })?;
            if values.insert(period, pesos).is_some() {
                return Err(UtmError::Invalid {
                    line: line(),
                    message: format!("{period} appears more than once"),
                });
            }
        }
        Ok(UtmTable { values })
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_loads_and_covers_2021_to_2024() {
        let table = UtmTable::shipped().expect("shipped table");
        let (first, last) = table.range().expect("not empty");
        assert_eq!(
            (first.to_string(), last.to_string()),
            ("2021-01".into(), "2024-12".into())
        );
        for period in first.through(last) {
            assert!(table.get(period).is_ok(), "{period} missing");
        }
        assert_eq!(table.get(Period::parse("2024-11").expect("p")), Ok(66_628));
    }

    #[test]
    fn missing_month_is_an_error_not_zero() {
        let table = UtmTable::parse("\"2024-01\": 64666\n").expect("table");
        let err = table
            .get(Period::parse("2030-01").expect("p"))
            .expect_err("missing");
        assert!(err.to_string().contains("no UTM value for 2030-01"));
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

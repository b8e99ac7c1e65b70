//! Tax period (`periodo tributario`): a calendar month.
//!
//! Accepted input: `YYYYMM` (SII's `ptributario`) or `YYYY-MM`. Canonical output: `YYYY-MM`;
//! [`Period::compact`] gives SII's form.

use crate::ErrorCode;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Earliest year accepted. The electronic RCV starts in 2017; older years are typos.
pub const MIN_YEAR: u16 = 2000;
/// Latest year accepted.
pub const MAX_YEAR: u16 = 2100;

/// A validated month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// Four-digit year.
    year: u16,
    /// 1..=12.
    month: u8,
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not `YYYYMM` or `YYYY-MM`.
    #[error("period `{0}` is not in the form YYYY-MM or YYYYMM")]
    Format(String),
    /// Month outside 1..=12.
    #[error("period `{0}` has month {1}, expected 01 to 12")]
    Month(String, u32),
    /// Year outside the supported range.
    #[error("period `{0}` has year {1}, expected {MIN_YEAR} to {MAX_YEAR}")]
    Year(String, u32),
}

impl PeriodError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::PeriodInvalid
    }
}

impl Period {
    /// Builds a period from a year and a month, validating both.
    pub fn new(year: u32, month: u32) -> Result<Period, PeriodError> {
        let text = format!("{year:04}-{month:02}");
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month(text, month));
        }
        if !(u32::from(MIN_YEAR)..=u32::from(MAX_YEAR)).contains(&year) {
            return Err(PeriodError::Year(text, year));
        }
        Ok(Period {
            year: year as u16,
            month: month as u8,
        })
    }

    /// Parses `YYYYMM` or `YYYY-MM`.
    pub fn parse(input: &str) -> Result<Period, PeriodError> {
        let text = input.trim();
        if !text.is_ascii() {
            return Err(PeriodError::Format(text.to_owned()));
        }
        let (year, month) = match text.len() {
            6 => (&text[..4], &text[4..]),
            7 if text.as_bytes()[4] == b'-' => (&text[..4], &text[5..]),
            _ => return Err(PeriodError::Format(text.to_owned())),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year) || !digits(month) {
            return Err(PeriodError::Format(text.to_owned()));
        }
        let year: u32 = year
            .parse()
            .map_err(|_| PeriodError::Format(text.to_owned()))?;
        let month: u32 = month
            .parse()
            .map_err(|_| PeriodError::Format(text.to_owned()))?;
        Period::new(year, month)
    }

    /// The year.
    pub fn year(&self) -> u32 {
        u32::from(self.year)
    }

    /// The month, 1..=12.
    pub fn month(&self) -> u32 {
        u32::from(self.month)
    }

    /// SII's `ptributario` form, `YYYYMM`.
    pub fn compact(&self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }

    /// The following month, or `None` past [`MAX_YEAR`].
    pub fn next(&self) -> Option<Period> {
        if self.month == 12 {
            Period::new(self.year() + 1, 1).ok()
        } else {
            Period::new(self.year(), self.month() + 1).ok()
        }
    }

    /// The previous month, or `None` before [`MIN_YEAR`].
    pub fn previous(&self) -> Option<Period> {
        if self.month == 1 {
            Period::new(self.year() - 1, 12).ok()
        } else {
            Period::new(self.year(), self.month() - 1).ok()
        }
    }

    /// Every period from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(self, last: Period) -> impl Iterator<Item = Period> {
        std::iter::successors(Some(self), |p| p.next()).take_while(move |p| *p <= last)
    }

    /// January of the same year (start of cumulative factors).
    pub fn january(&self) -> Period {
        Period {
            year: self.year,
            month: 1,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Period::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table_of_inputs() {
        let cases: &[(&str, Option<&str>)] = &[
            ("2024-11", Some("2024-11")),
            ("202411", Some("2024-11")),
            (" 2024-01 ", Some("2024-01")),
            ("2024-12", Some("2024-12")),
            ("2024-13", None),
            ("2024-00", None),
            ("202400", None),
            ("2024-1", None),
            ("24-11", None),
            ("2024/11", None),
            ("1999-12", None),
            ("2101-01", None),
            ("", None),
            ("2024-11-01", None),
            ("20241", None),
            ("2024111", None),
            ("２０２４-11", None),
            ("+024-11", None),
        ];
        for (input, expected) in cases {
            let got = Period::parse(input).ok().map(|p| p.to_string());
            assert_eq!(got.as_deref(), *expected, "{input:?}");
        }
    }

    #[test]
    fn errors_explain() {
        let err = Period::parse("2024-13").err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("period `2024-13` has month 13, expected 01 to 12")
        );
    }

    #[test]
    fn compact_and_neighbours() {
        let p = Period::new(2024, 12).ok();
        assert_eq!(p.map(|p| p.compact()).as_deref(), Some("202412"));
        assert_eq!(
            p.and_then(|p| p.next()).map(|p| p.to_string()).as_deref(),
            Some("2025-01")
        );
        let jan = Period::new(2025, 1).ok();
        assert_eq!(
            jan.and_then(|p| p.previous())
                .map(|p| p.to_string())
                .as_deref(),
            Some("2024-12")
        );
    }

    #[test]
    fn through_counts_months() {
        let from = Period::parse("2024-01").ok();
        let to = Period::parse("2024-12").ok();
        let n = from.zip(to).map(|(f, t)| f.through(t).count());
        assert_eq!(n, Some(12));
        let n = to.zip(from).map(|(t, f)| t.through(f).count());
        assert_eq!(n, Some(0));
    }

    proptest! {
        #[test]
        fn valid_periods_round_trip(year in u32::from(MIN_YEAR)..=u32::from(MAX_YEAR), month in 1u32..=12) {
            let p = Period::new(year, month).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Period::parse(&p.to_string()), Ok(p));
            prop_assert_eq!(Period::parse(&p.compact()), Ok(p));
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,12}") {
            let _ = Period::parse(&text);
        }
    }
}

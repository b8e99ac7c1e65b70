//! Código 504: last period's remanente (77) readjusted by the UTM.
//!
//! SII's FAQ: convert last month's 77 into UTM with the UTM of the month in which *that*
//! return was filed, rounded to two decimals; multiply by the UTM of the month in which
//! *this* return is filed; round to the peso. The return of period P is filed in P + 1, so
//! for period P the UTMs are those of P (previous return filed) and P + 1 (this one filed).

use ofitec_domain::Period;
use serde::{Deserialize, Serialize};

use super::decimal::{Rounding, div_round};
use super::utm::{UtmError, UtmTable};

/// How the readjustment is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemanenteMethod {
    /// SII's method: the UTM quantity is rounded to 2 decimals first (default).
    #[default]
    Sii,
    /// Exact ratio `77 × UTM_to / UTM_from`, as some engines do.
    Exact,
}

impl RemanenteMethod {
    /// Parses `sii` / `exact`; empty means the default.
    pub fn parse(text: &str) -> Option<RemanenteMethod> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "sii" => Some(RemanenteMethod::Sii),
            "exact" => Some(RemanenteMethod::Exact),
            _ => None,
        }
    }

    /// `sii` / `exact`.
    pub fn as_str(self) -> &'static str {
        match self {
            RemanenteMethod::Sii => "sii",
            RemanenteMethod::Exact => "exact",
        }
    }
}

/// `previous` pesos, valued at `utm_from`, readjusted to `utm_to`.
pub fn readjust(previous: i64, utm_from: i64, utm_to: i64, method: RemanenteMethod) -> i64 {
    if previous <= 0 || utm_from <= 0 || utm_to <= 0 {
        return 0;
    }
    let (previous, from, to) = (
        i128::from(previous),
        i128::from(utm_from),
        i128::from(utm_to),
    );
    let result = match method {
        RemanenteMethod::Sii => {
            let hundredths = div_round(previous * 100, from, Rounding::HalfUp);
            div_round(hundredths * to, 100, Rounding::HalfUp)
        }
        RemanenteMethod::Exact => div_round(previous * to, from, Rounding::HalfUp),
    };
    i64::try_from(result).unwrap_or(i64::MAX)
}

/// Where the previous 77 came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreviousSource {
    /// The stored declaration of the previous period.
    Stored,
    /// The declaration's inputs.
    Input,
}

/// How 504 was obtained, kept with the version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemanenteDetail {
    /// Previous period's 77.
    pub previous: i64,
    /// Where it came from.
    pub source: PreviousSource,
    /// UTM of the month the previous return was filed (this period).
    pub utm_from: i64,
    /// UTM of the month this return is filed (the next period).
    pub utm_to: i64,
    /// Method used.
    pub method: RemanenteMethod,
    /// The result (código 504).
    pub value: i64,
}

/// 504 for `period` from the previous 77, with the UTMs the table gives.
pub fn for_period(
    period: Period,
    previous: i64,
    source: PreviousSource,
    method: RemanenteMethod,
    utm: &UtmTable,
) -> Result<RemanenteDetail, UtmError> {
    let filed_next = period.next().ok_or(UtmError::OutOfRange(period))?;
    let utm_from = utm.get(period)?;
    let utm_to = utm.get(filed_next)?;
    Ok(RemanenteDetail {
        previous,
        source,
        utm_from,
        utm_to,
        method,
        value: readjust(previous, utm_from, utm_to, method),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sii_worked_example() {
        // 2,500,000 / 43,000 = 58.14 UTM; × 43,198 = 2,511,532.
        assert_eq!(
            readjust(2_500_000, 43_000, 43_198, RemanenteMethod::Sii),
            2_511_532
        );
        // Skipping the 2-decimal step gives 2,511,512.
        assert_eq!(
            readjust(2_500_000, 43_000, 43_198, RemanenteMethod::Exact),
            2_511_512
        );
    }

    #[test]
    fn f29_worked_example_next_month() {
        assert_eq!(
            readjust(43_700, 65_000, 65_650, RemanenteMethod::Exact),
            44_137
        );
        // SII's method: 0.67 UTM × 65,650 = 43,985.5 → 43,986.
        assert_eq!(
            readjust(43_700, 65_000, 65_650, RemanenteMethod::Sii),
            43_986
        );
    }

    #[test]
    fn nothing_to_carry_is_zero() {
        assert_eq!(readjust(0, 43_000, 43_198, RemanenteMethod::Sii), 0);
    }

    #[test]
    fn uses_this_and_next_month() {
        let table = UtmTable::parse("\"2024-11\": 66628\n\"2024-12\": 67294\n").expect("table");
        let period = Period::parse("2024-11").expect("period");
        let detail = for_period(
            period,
            100_000,
            PreviousSource::Input,
            RemanenteMethod::Exact,
            &table,
        )
        .expect("known months");
        assert_eq!((detail.utm_from, detail.utm_to), (66_628, 67_294));
        assert_eq!(detail.value, 101_000);
        let missing = Period::parse("2024-12").expect("period");
        let err = for_period(
            missing,
            1,
            PreviousSource::Input,
            RemanenteMethod::Sii,
            &table,
        )
        .expect_err("2025-01 is not in the table");
        assert!(err.to_string().contains("2025-01"), "{err}");
    }
}

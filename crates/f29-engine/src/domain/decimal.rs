//! Exact decimal numbers for rates and factors (PPM rate `0.125`, honorarios rate `13.75`,
//! IVA uso común factor `0.6123`) and the one place where pesos are multiplied by them.
//!
//! A [`Decimal`] is an integer and a power of ten, parsed from text; products are computed
//! in `i128` and rounded once, explicitly ([`Rounding`]). Money never goes through `f64`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Most decimals a rate may carry; more is a typo, not a rate.
pub const MAX_SCALE: u32 = 9;

/// How a fractional peso becomes a whole one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Half a peso or more rounds away from zero (SII's rule wherever it states one).
    #[default]
    HalfUp,
    /// The fraction is dropped (toward zero).
    Truncate,
}

/// `numerator / denominator` rounded to an integer; `denominator` must be positive.
pub fn div_round(numerator: i128, denominator: i128, rounding: Rounding) -> i128 {
    debug_assert!(denominator > 0, "denominator must be positive");
    match rounding {
        Rounding::Truncate => numerator / denominator,
        Rounding::HalfUp => {
            let magnitude = (2 * numerator.abs() + denominator) / (2 * denominator);
            if numerator < 0 { -magnitude } else { magnitude }
        }
    }
}

/// Why a text is not a usable decimal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// Not digits with at most one decimal separator.
    #[error("`{0}` is not a decimal number (expected digits like 0.125 or 14,5)")]
    Format(String),
    /// Negative rates and factors make no sense on the form.
    #[error("`{0}` is negative; rates and factors are never negative")]
    Negative(String),
    /// Too many decimals.
    #[error("`{0}` has more than {MAX_SCALE} decimals")]
    Scale(String),
    /// Too large to be a rate.
    #[error("`{0}` is too large")]
    Range(String),
}

/// A non-negative decimal number: `units / 10^scale`, kept without trailing zeros so equal
/// values compare equal.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    units: i128,
    scale: u32,
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    /// `units / 10^scale`, normalised.
    pub fn new(units: i128, scale: u32) -> Decimal {
        let mut d = Decimal { units, scale };
        while d.scale > 0 && d.units % 10 == 0 {
            d.units /= 10;
            d.scale -= 1;
        }
        d
    }

    /// Parses `0.125`, `14,5`, `13.75`, `1`. A comma is accepted as decimal separator because
    /// Chilean users write it; thousands separators are not accepted (rates have none).
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let trimmed = text.trim();
        if trimmed.starts_with('-') {
            return Err(DecimalError::Negative(trimmed.to_owned()));
        }
        let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
        let normalized = body.replace(',', ".");
        let (int_part, frac_part) = match normalized.split_once('.') {
            Some((i, f)) => (i, f),
            None => (normalized.as_str(), ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty()) || !digits(int_part) || !digits(frac_part)
        {
            return Err(DecimalError::Format(trimmed.to_owned()));
        }
        let frac_trimmed = frac_part.trim_end_matches('0');
        let scale = frac_trimmed.len() as u32;
        if scale > MAX_SCALE {
            return Err(DecimalError::Scale(trimmed.to_owned()));
        }
        let int_digits = int_part.trim_start_matches('0');
        if int_digits.len() > 12 {
            return Err(DecimalError::Range(trimmed.to_owned()));
        }
        let joined = format!("{int_digits}{frac_trimmed}");
        let units = if joined.is_empty() {
            0
        } else {
            joined
                .parse::<i128>()
                .map_err(|_| DecimalError::Format(trimmed.to_owned()))?
        };
        Ok(Decimal::new(units, scale))
    }

    /// The numerator over `10^scale`.
    pub fn units(self) -> i128 {
        self.units
    }

    /// `10^scale`.
    pub fn denominator(self) -> i128 {
        10_i128.pow(self.scale)
    }

    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self.units == 0
    }

    /// Whether the value is at most one (factors live in `[0, 1]`).
    pub fn at_most_one(self) -> bool {
        self.units <= self.denominator()
    }

    /// Whether the value is at most 100 (rates are percentages).
    pub fn at_most_one_hundred(self) -> bool {
        self.units <= self.denominator() * 100
    }

    /// `pesos × self`, rounded.
    pub fn times(self, pesos: i64, rounding: Rounding) -> i64 {
        clamp(div_round(
            i128::from(pesos) * self.units,
            self.denominator(),
            rounding,
        ))
    }

    /// `pesos × self / 100`, rounded: `self` is a percentage (PPM rate, withholding rate).
    pub fn percent_of(self, pesos: i64, rounding: Rounding) -> i64 {
        clamp(div_round(
            i128::from(pesos) * self.units,
            self.denominator() * 100,
            rounding,
        ))
    }
}

/// Saturates instead of wrapping: no real form gets near `i64::MAX` pesos.
fn clamp(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

impl fmt::Display for Decimal {
    /// Shortest exact form: `0.125`, `14.5`, `1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let den = self.denominator();
        let int = self.units / den;
        let frac = self.units % den;
        write!(f, "{int}.{frac:0width$}", width = self.scale as usize)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse(s)
    }
}

impl Serialize for Decimal {
    /// As a string, the way SII writes rates, so no reader turns it into a float.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    /// From a string (`"0.125"`) or a plain YAML/JSON number (`0.125`, `14`); a number is
    /// read through its text, never through `f64` arithmetic.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number such as \"0.125\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                Decimal::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal::new(i128::from(v), 0))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
                if v < 0 {
                    return Err(E::custom(DecimalError::Negative(v.to_string())));
                }
                Ok(Decimal::new(i128::from(v), 0))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
                // The shortest text that reads back as `v` is what the author typed
                // (`0.125` → "0.125"), so parsing it recovers the exact decimal.
                Decimal::parse(&v.to_string()).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// An exact fraction in `[0, 1]`, such as the IVA uso común factor computed from sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    numerator: i128,
    denominator: i128,
}

impl Ratio {
    /// `numerator / denominator` clamped to `[0, 1]`; `None` when the denominator is not
    /// positive (no sales: the factor is unknown, not zero).
    pub fn new(numerator: i128, denominator: i128) -> Option<Ratio> {
        if denominator <= 0 {
            return None;
        }
        Some(Ratio {
            numerator: numerator.clamp(0, denominator),
            denominator,
        })
    }

    /// The exact value of a decimal.
    pub fn from_decimal(d: Decimal) -> Ratio {
        Ratio {
            numerator: d.units(),
            denominator: d.denominator(),
        }
    }

    /// `pesos × self`, rounded.
    pub fn times(self, pesos: i64, rounding: Rounding) -> i64 {
        clamp(div_round(
            i128::from(pesos) * self.numerator,
            self.denominator,
            rounding,
        ))
    }

    /// The ratio rounded to `decimals` places, as a decimal.
    pub fn to_decimal(self, decimals: u32, rounding: Rounding) -> Decimal {
        let scale = decimals.min(MAX_SCALE);
        let units = div_round(
            self.numerator * 10_i128.pow(scale),
            self.denominator,
            rounding,
        );
        Decimal::new(units, scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_shortest_form() {
        for (text, shown) in [
            ("0.125", "0.125"),
            ("0,2", "0.2"),
            ("14.50", "14.5"),
            ("13.75", "13.75"),
            ("1", "1"),
            (".5", "0.5"),
            ("007", "7"),
            ("0", "0"),
        ] {
            assert_eq!(
                Decimal::parse(text).map(|d| d.to_string()),
                Ok(shown.to_owned())
            );
        }
        assert!(matches!(
            Decimal::parse("-1"),
            Err(DecimalError::Negative(_))
        ));
        assert!(matches!(
            Decimal::parse("1.2.3"),
            Err(DecimalError::Format(_))
        ));
        assert!(matches!(
            Decimal::parse("abc"),
            Err(DecimalError::Format(_))
        ));
        assert!(matches!(Decimal::parse(""), Err(DecimalError::Format(_))));
        assert!(matches!(
            Decimal::parse("0.0000000001"),
            Err(DecimalError::Scale(_))
        ));
        assert_eq!(Decimal::parse("0.20"), Decimal::parse("0.2"));
    }

    #[test]
    fn rounds_half_up_and_truncates() {
        assert_eq!(div_round(5, 2, Rounding::HalfUp), 3);
        assert_eq!(div_round(-5, 2, Rounding::HalfUp), -3);
        assert_eq!(div_round(7, 3, Rounding::HalfUp), 2);
        assert_eq!(div_round(5, 2, Rounding::Truncate), 2);
        let rate = Decimal::parse("0.125").expect("rate");
        // 1,000,004 × 0.125 % = 1,250.005 → 1,250 either way; 1,000,400 → 1,250.5.
        assert_eq!(rate.percent_of(1_000_400, Rounding::HalfUp), 1_251);
        assert_eq!(rate.percent_of(1_000_400, Rounding::Truncate), 1_250);
    }

    #[test]
    fn ratios_apply_exactly() {
        let third = Ratio::new(1, 3).expect("ratio");
        assert_eq!(third.times(100, Rounding::HalfUp), 33);
        assert_eq!(third.times(200, Rounding::HalfUp), 67);
        assert_eq!(third.to_decimal(4, Rounding::HalfUp).to_string(), "0.3333");
        assert_eq!(Ratio::new(5, 0), None);
        assert_eq!(
            Ratio::new(7, 5).map(|r| r.times(10, Rounding::HalfUp)),
            Some(10)
        );
    }

    #[test]
    fn deserializes_from_text_or_number() {
        let from_text: Decimal = serde_yaml::from_str("\"0.125\"").expect("text");
        let from_number: Decimal = serde_yaml::from_str("0.125").expect("number");
        let from_int: Decimal = serde_yaml::from_str("14").expect("int");
        assert_eq!(from_text, from_number);
        assert_eq!(from_int.to_string(), "14");
        assert_eq!(
            serde_json::to_string(&from_text).expect("json"),
            "\"0.125\""
        );
    }
}

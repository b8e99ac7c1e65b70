//! Chilean RUT (Rol Único Tributario): a body of up to 8 digits and a módulo-11 check digit.
//!
//! A `Rut` value is always valid: the only ways to build one check the digit. The canonical
//! text form is `76123456-0` (no dots, upper-case `K`); `{:#}` prints `76.123.456-0`.

use crate::ErrorCode;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest body a RUT can have (8 digits).
const MAX_BODY: u32 = 99_999_999;

/// A validated RUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rut {
    /// The number before the dash.
    body: u32,
    /// `'0'..='9'` or `'K'`.
    dv: char,
}

/// Why a text is not a RUT. The messages are meant for end users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RutError {
    /// Nothing but whitespace.
    #[error("RUT is empty")]
    Empty,
    /// Characters other than digits, dots, one dash and a final K.
    #[error(
        "RUT `{0}` has invalid characters (expected digits, optional dots, a dash and a check digit 0-9 or K)"
    )]
    Malformed(String),
    /// More than 8 digits in the body.
    #[error("RUT `{0}` is too long (at most 8 digits before the check digit)")]
    TooLong(String),
    /// Body is zero.
    #[error("RUT `{0}` has a zero body")]
    Zero(String),
    /// The check digit does not match the body.
    #[error("RUT `{input}` has check digit {found}, expected {expected}")]
    CheckDigit {
        /// What was given.
        input: String,
        /// The check digit the body requires.
        expected: char,
        /// The check digit found.
        found: char,
    },
}

impl RutError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> ErrorCode {
        match self {
            RutError::CheckDigit { .. } => ErrorCode::RutCheckDigit,
            _ => ErrorCode::RutInvalid,
        }
    }
}

impl Rut {
    /// Builds the RUT for `body`, computing its check digit.
    pub fn from_body(body: u32) -> Result<Rut, RutError> {
        if body == 0 {
            return Err(RutError::Zero(body.to_string()));
        }
        if body > MAX_BODY {
            return Err(RutError::TooLong(body.to_string()));
        }
        Ok(Rut {
            body,
            dv: check_digit(body),
        })
    }

    /// Builds a RUT from a body and a check digit, verifying the digit.
    pub fn from_parts(body: u32, dv: char) -> Result<Rut, RutError> {
        let rut = Rut::from_body(body)?;
        let dv = dv.to_ascii_uppercase();
        if rut.dv != dv {
            return Err(RutError::CheckDigit {
                input: format!("{body}-{dv}"),
                expected: rut.dv,
                found: dv,
            });
        }
        Ok(rut)
    }

    /// Parses `76123456-0`, `76.123.456-0`, `76123456-k` or `761234560`.
    pub fn parse(input: &str) -> Result<Rut, RutError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(RutError::Empty);
        }
        if !trimmed.is_ascii() {
            return Err(RutError::Malformed(trimmed.to_owned()));
        }
        let compact: String = trimmed.chars().filter(|c| *c != '.').collect();
        let (body_text, dv_text) = match compact.split_once('-') {
            Some((body, dv)) => (body, dv),
            None if compact.len() >= 2 => compact.split_at(compact.len() - 1),
            None => return Err(RutError::Malformed(trimmed.to_owned())),
        };
        let mut dv_chars = dv_text.chars();
        let dv = match (dv_chars.next(), dv_chars.next()) {
            (Some(c), None) if c.is_ascii_digit() || c == 'k' || c == 'K' => c.to_ascii_uppercase(),
            _ => return Err(RutError::Malformed(trimmed.to_owned())),
        };
        if body_text.is_empty() || !body_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RutError::Malformed(trimmed.to_owned()));
        }
        let significant = body_text.trim_start_matches('0');
        if significant.len() > 8 {
            return Err(RutError::TooLong(trimmed.to_owned()));
        }
        let body: u32 = if significant.is_empty() {
            0
        } else {
            significant
                .parse()
                .map_err(|_| RutError::Malformed(trimmed.to_owned()))?
        };
        if body == 0 {
            return Err(RutError::Zero(trimmed.to_owned()));
        }
        let expected = check_digit(body);
        if expected != dv {
            return Err(RutError::CheckDigit {
                input: trimmed.to_owned(),
                expected,
                found: dv,
            });
        }
        Ok(Rut { body, dv })
    }

    /// The number before the dash.
    pub fn body(&self) -> u32 {
        self.body
    }

    /// The check digit, `'0'..='9'` or `'K'`.
    pub fn dv(&self) -> char {
        self.dv
    }
}

/// Módulo 11 with weights 2..7 from the right; 11 → `0`, 10 → `K`.
pub fn check_digit(body: u32) -> char {
    let mut sum = 0u32;
    let mut weight = 2u32;
    let mut rest = body;
    while rest > 0 {
        sum += (rest % 10) * weight;
        rest /= 10;
        weight = if weight == 7 { 2 } else { weight + 1 };
    }
    match 11 - (sum % 11) {
        11 => '0',
        10 => 'K',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

impl fmt::Display for Rut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            let grouped = crate::money::group_thousands(u64::from(self.body));
            write!(f, "{grouped}-{}", self.dv)
        } else {
            write!(f, "{}-{}", self.body, self.dv)
        }
    }
}

impl FromStr for Rut {
    type Err = RutError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rut::parse(s)
    }
}

impl Serialize for Rut {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rut {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Rut::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table_of_inputs() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("76123456-0", Ok("76123456-0")),
            ("76.123.456-0", Ok("76123456-0")),
            (" 12345678-5 ", Ok("12345678-5")),
            ("60803000-K", Ok("60803000-K")),
            ("60803000-k", Ok("60803000-K")),
            ("60.803.000-k", Ok("60803000-K")),
            ("608030000k", Err("rut_invalid")),
            ("60803000k", Ok("60803000-K")),
            ("1-9", Ok("1-9")),
            ("012345678-5", Ok("12345678-5")),
            ("12345678-6", Err("rut_check_digit")),
            ("76123456-1", Err("rut_check_digit")),
            ("", Err("rut_invalid")),
            ("   ", Err("rut_invalid")),
            ("-", Err("rut_invalid")),
            ("abc-1", Err("rut_invalid")),
            ("12345678-", Err("rut_invalid")),
            ("12345678-55", Err("rut_invalid")),
            ("123456789-2", Err("rut_invalid")),
            ("999999999999999999999-1", Err("rut_invalid")),
            ("0-0", Err("rut_invalid")),
            ("1", Err("rut_invalid")),
            ("12 345678-5", Err("rut_invalid")),
            ("+12345678-5", Err("rut_invalid")),
        ];
        for (input, expected) in cases {
            let got = Rut::parse(input);
            match (expected, &got) {
                (Ok(canonical), Ok(rut)) => assert_eq!(&rut.to_string(), canonical, "{input}"),
                (Err(code), Err(err)) => assert_eq!(err.code().as_str(), *code, "{input}: {err}"),
                _ => panic!("{input:?}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn errors_name_the_input() {
        let err = Rut::parse("12345678-6").err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("RUT `12345678-6` has check digit 6, expected 5")
        );
        let err = Rut::parse("123456789-2").err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|m| m.contains("too long")),
            "{err:?}"
        );
    }

    #[test]
    fn known_check_digits() {
        assert_eq!(check_digit(60_803_000), 'K');
        assert_eq!(check_digit(76_123_456), '0');
        assert_eq!(check_digit(12_345_678), '5');
        assert_eq!(check_digit(11_111_111), '1');
    }

    #[test]
    fn alternate_format_groups_thousands() {
        let rut = Rut::from_body(76_123_456).ok();
        assert_eq!(
            rut.map(|r| format!("{r:#}")).as_deref(),
            Some("76.123.456-0")
        );
        let rut = Rut::from_body(1_000).ok();
        assert_eq!(rut.map(|r| format!("{r:#}")).as_deref(), Some("1.000-6"));
    }

    #[test]
    fn serde_round_trip_and_rejects_bad_digit() {
        let rut: Result<Rut, _> = serde_json::from_str("\"76.123.456-0\"");
        assert_eq!(
            rut.as_ref().map(ToString::to_string).ok().as_deref(),
            Some("76123456-0")
        );
        assert_eq!(
            serde_json::to_string(&rut.ok()).ok().as_deref(),
            Some("\"76123456-0\"")
        );
        assert!(serde_json::from_str::<Rut>("\"76123456-1\"").is_err());
    }

    proptest! {
        #[test]
        fn every_body_round_trips(body in 1u32..=MAX_BODY, dotted in any::<bool>(), lower in any::<bool>()) {
            let rut = Rut::from_body(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut text = if dotted { format!("{rut:#}") } else { rut.to_string() };
            if lower { text = text.to_lowercase(); }
            prop_assert_eq!(Rut::parse(&text), Ok(rut));
        }

        #[test]
        fn every_wrong_digit_is_rejected(body in 1u32..=MAX_BODY, dv in prop::sample::select(vec!['0','1','2','3','4','5','6','7','8','9','K'])) {
            let expected = check_digit(body);
            let parsed = Rut::parse(&format!("{body}-{dv}"));
            if dv == expected {
                prop_assert!(parsed.is_ok());
            } else {
                prop_assert_eq!(parsed.map_err(|e| e.code().as_str()), Err("rut_check_digit"));
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,40}") {
            let _ = Rut::parse(&text);
        }
    }
}

//! The computed form: a value per código, and the findings that qualify it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::decimal::Decimal;

/// The value of one código: whole pesos or a count, or an exact rate (código 115).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Valor {
    /// Pesos or a document count.
    Int(i64),
    /// A rate, kept exact (`0.125`).
    Rate(Decimal),
}

impl Valor {
    /// The integer value; rates have none and give 0.
    pub fn int(self) -> i64 {
        match self {
            Valor::Int(v) => v,
            Valor::Rate(_) => 0,
        }
    }
}

impl fmt::Display for Valor {
    /// Plain digits (`5700`, `-1900`, `0.125`): what every export writes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Valor::Int(v) => write!(f, "{v}"),
            Valor::Rate(d) => write!(f, "{d}"),
        }
    }
}

/// Every código with a value, ordered by código.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Form {
    /// Código → value.
    pub codes: BTreeMap<u16, Valor>,
}

impl Form {
    /// The integer value of `codigo`, 0 when absent.
    pub fn get(&self, codigo: u16) -> i64 {
        self.codes.get(&codigo).map_or(0, |v| v.int())
    }

    /// The value of `codigo`, if present.
    pub fn valor(&self, codigo: u16) -> Option<Valor> {
        self.codes.get(&codigo).copied()
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; does not block.
    Warning,
    /// Blocks the `ready` status.
    Error,
}

impl Severity {
    /// `warning` / `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One result of the validation, with a stable code clients may branch on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code (`pending_documents`, `unmapped_type`, `chain_mismatch`, …).
    pub code: String,
    /// For people.
    pub message: String,
    /// Código concerned, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codigo: Option<u16>,
    /// Whether it blocks `ready`.
    pub severity: Severity,
}

impl Finding {
    /// A warning.
    pub fn warning(code: &str, message: impl Into<String>, codigo: Option<u16>) -> Finding {
        Finding {
            code: code.to_owned(),
            message: message.into(),
            codigo,
            severity: Severity::Warning,
        }
    }

    /// An error.
    pub fn error(code: &str, message: impl Into<String>, codigo: Option<u16>) -> Finding {
        Finding {
            code: code.to_owned(),
            message: message.into(),
            codigo,
            severity: Severity::Error,
        }
    }
}

/// Whether any finding blocks the `ready` status.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

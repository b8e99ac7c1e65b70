//! Why a wire value is not a domain value.

use ofitec_domain::{ErrorCode, PeriodError, RutError};

/// A wire value the domain refuses: which field (a path such as `other_taxes[2].codigo`
/// inside a message) and what is wrong with its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ConvertError {
    /// Which field.
    pub field: String,
    /// What is wrong with its value (names the value).
    pub problem: Problem,
}

/// What is wrong with a wire value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A text that is not a RUT.
    #[error("{0}")]
    Rut(RutError),
    /// A text that is not a period.
    #[error("{0}")]
    Period(PeriodError),
    /// An enum number this contract does not define.
    #[error("{value} is not a known {enumeration}")]
    UnknownEnum {
        /// The enum (`Operation`, `PurchaseState`, …).
        enumeration: &'static str,
        /// The number received.
        value: i32,
    },
    /// An enum left unspecified where a value is required.
    #[error("required, but {0} is unspecified")]
    Unspecified(&'static str),
    /// A number outside what the domain holds.
    #[error("{value} is out of range ({range})")]
    OutOfRange {
        /// The number received.
        value: i64,
        /// The range accepted.
        range: &'static str,
    },
    /// A text that is not in its field's form.
    #[error("`{value}` is not {expected}")]
    Format {
        /// The text received.
        value: String,
        /// The form expected (`a date YYYY-MM-DD`, …).
        expected: &'static str,
    },
}

impl ConvertError {
    /// `problem` with the value of `field`.
    pub fn new(field: &str, problem: Problem) -> ConvertError {
        ConvertError {
            field: field.to_owned(),
            problem,
        }
    }

    /// The stable code a request refused for this value answers with.
    pub fn code(&self) -> ErrorCode {
        match &self.problem {
            Problem::Rut(e) => e.code(),
            Problem::Period(e) => e.code(),
            Problem::UnknownEnum {
                enumeration: "Operation",
                ..
            }
            | Problem::Unspecified("Operation") => ErrorCode::OperationInvalid,
            Problem::OutOfRange { .. } if self.field.ends_with("tipo_dte") => {
                ErrorCode::TipoDteInvalid
            }
            _ => ErrorCode::InvalidArgument,
        }
    }

    /// The same error about a field of the message at `parent` (`references[1]` → …).
    pub fn within(mut self, parent: &str) -> ConvertError {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

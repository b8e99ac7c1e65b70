//! Why a wire value is not a domain value.

use ofitec_domain::{ErrorCode, PeriodError, RutError};

/// A wire value the domain refuses. Each variant names the field (a path such as
/// `other_taxes[2].codigo` inside a message) and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// A RUT field that is not a RUT.
    #[error("{field}: {source}")]
    Rut {
        /// Which field.
        field: String,
        /// What is wrong with it (names the text).
        source: RutError,
    },
    /// A period field that is not a period.
    #[error("{field}: {source}")]
    Period {
        /// Which field.
        field: String,
        /// What is wrong with it (names the text).
        source: PeriodError,
    },
    /// An enum number this contract does not define.
    #[error("{field}: {value} is not a known {enumeration}")]
    UnknownEnum {
        /// Which field.
        field: String,
        /// The enum (`Operation`, `PurchaseState`, …).
        enumeration: &'static str,
        /// The number received.
        value: i32,
    },
    /// An enum left unspecified where a value is required.
    #[error("{field}: required, but {enumeration} is unspecified")]
    Unspecified {
        /// Which field.
        field: String,
        /// The enum.
        enumeration: &'static str,
    },
    /// A number outside what the domain holds.
    #[error("{field}: {value} is out of range ({range})")]
    OutOfRange {
        /// Which field.
        field: String,
        /// The number received.
        value: i64,
        /// The range accepted.
        range: &'static str,
    },
    /// A text that is not in its field's form.
    #[error("{field}: `{value}` is not {expected}")]
    Format {
        /// Which field.
        field: String,
        /// The text received.
        value: String,
        /// The form expected (`a date YYYY-MM-DD`, …).
        expected: &'static str,
    },
}

impl ConvertError {
    /// The field the error is about.
    pub fn field(&self) -> &str {
        match self {
            ConvertError::Rut { field, .. }
            | ConvertError::Period { field, .. }
            | ConvertError::UnknownEnum { field, .. }
            | ConvertError::Unspecified { field, .. }
            | ConvertError::OutOfRange { field, .. }
            | ConvertError::Format { field, .. } => field,
        }
    }

    /// The stable code a request refused for this value answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            ConvertError::Rut { source, .. } => source.code(),
            ConvertError::Period { source, .. } => source.code(),
            ConvertError::UnknownEnum {
                enumeration: "Operation",
                ..
            }
            | ConvertError::Unspecified {
                enumeration: "Operation",
                ..
            } => ErrorCode::OperationInvalid,
            ConvertError::OutOfRange { field, .. } if field.ends_with("tipo_dte") => {
                ErrorCode::TipoDteInvalid
            }
            _ => ErrorCode::InvalidArgument,
        }
    }

    /// The same error about a field of the message at `parent` (`references[1]` → …).
    pub fn within(mut self, parent: &str) -> ConvertError {
        let field = match &mut self {
            ConvertError::Rut { field, .. }
            | ConvertError::Period { field, .. }
            | ConvertError::UnknownEnum { field, .. }
            | ConvertError::Unspecified { field, .. }
            | ConvertError::OutOfRange { field, .. }
            | ConvertError::Format { field, .. } => field,
        };
        *field = format!("{parent}.{field}");
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_field() {
        let rut = crate::convert::rut("company", "76123456-1").unwrap_err();
        assert_eq!(rut.code(), ErrorCode::RutCheckDigit);
        assert_eq!(rut.field(), "company");
        let op = crate::convert::required_operation("operation", 0).unwrap_err();
        assert_eq!(op.code(), ErrorCode::OperationInvalid);
        let state = crate::convert::purchase_state("state", 9).unwrap_err();
        assert_eq!(state.code(), ErrorCode::InvalidArgument);
        let tipo = ConvertError::OutOfRange {
            field: "tipo_dte".into(),
            value: -1,
            range: "0 to 65535",
        };
        assert_eq!(tipo.code(), ErrorCode::TipoDteInvalid);
        let nested = tipo.within("references[1]");
        assert_eq!(nested.field(), "references[1].tipo_dte");
        assert_eq!(nested.code(), ErrorCode::TipoDteInvalid);
        assert_eq!(
            nested.to_string(),
            "references[1].tipo_dte: -1 is out of range (0 to 65535)"
        );
    }
}

//! Failures of an RCV call, each with what to do about it.

use crate::auth::RetryAdvice;
use ofitec_domain::ErrorCode;

/// Why an RCV answer is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RcvError {
    /// HTML (or nothing) where JSON was expected: SII is down.
    #[error("SII unavailable: {0}")]
    SiiUnavailable(String),
    /// Not JSON, or JSON without the envelope (truncated bodies land here).
    #[error("unexpected RCV answer: {0}")]
    Malformed(String),
    /// `codRespuesta 99` with "El token no es valido".
    #[error("SII says the token is invalid: {0}")]
    TokenInvalid(String),
    /// `codRespuesta 2`: SII refused the request (e.g. no document type).
    #[error("SII refused the RCV request (codRespuesta 2): {0}")]
    BadRequest(String),
    /// Any other non-zero `codRespuesta`.
    #[error("SII RCV error codRespuesta {code}: {message}")]
    Sii {
        /// `codRespuesta`.
        code: i64,
        /// `msgeRespuesta`.
        message: String,
    },
}

impl RcvError {
    /// What the caller should do next.
    pub fn advice(&self) -> RetryAdvice {
        match self {
            RcvError::SiiUnavailable(_) | RcvError::Malformed(_) => RetryAdvice::RetryWithBackoff,
            RcvError::TokenInvalid(_) => RetryAdvice::RefreshToken,
            RcvError::BadRequest(_) => RetryAdvice::DoNotRetry,
            RcvError::Sii { .. } => RetryAdvice::RetryOnce,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            RcvError::SiiUnavailable(_) => ErrorCode::SiiUnavailable,
            RcvError::Malformed(_) => ErrorCode::SiiMalformedAnswer,
            RcvError::TokenInvalid(_) => ErrorCode::SiiTokenInvalid,
            RcvError::BadRequest(_) => ErrorCode::SiiRcvBadRequest,
            RcvError::Sii { .. } => ErrorCode::SiiRcvError,
        }
    }
}

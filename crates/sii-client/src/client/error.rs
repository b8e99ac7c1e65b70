//! Every way talking to SII can fail, with a stable code and whether a later attempt of the
//! whole job could succeed.

use crate::auth::{AuthError, RetryAdvice};
use crate::cert::CertError;
use crate::rcv::response::RcvError;
use ofitec_domain::ErrorCode;

/// A failure of the HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum SiiError {
    /// Authentication failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// An RCV call failed.
    #[error(transparent)]
    Rcv(#[from] RcvError),
    /// No answer within the deadline.
    #[error("SII did not answer {call} within {seconds} s")]
    Timeout {
        /// Which call.
        call: &'static str,
        /// The deadline.
        seconds: u64,
    },
    /// The connection failed, or SII answered with an HTTP error status.
    #[error("SII unavailable during {call}: {detail}")]
    Unavailable {
        /// Which call.
        call: &'static str,
        /// What happened (status, connection error).
        detail: String,
    },
    /// The certificate cannot be used.
    #[error(transparent)]
    Certificate(#[from] CertError),
    /// No way to authenticate: no certificate and no (valid) manual session.
    #[error(
        "no SII credentials for {environment}: configure a certificate or set a manual session"
    )]
    NoCredentials {
        /// Environment name.
        environment: &'static str,
    },
    /// The RCV needs a production token; certification has none.
    #[error(
        "the RCV is only served with a production (palena) token; the {environment} environment cannot read it"
    )]
    RcvNotAvailable {
        /// Environment name.
        environment: &'static str,
    },
    /// A request could not be built (a bug, or an impossible query).
    #[error("invalid SII request: {0}")]
    Request(String),
}

impl SiiError {
    /// Stable machine-readable code (job `last_error_code`, metrics, API errors).
    pub fn code(&self) -> ErrorCode {
        match self {
            SiiError::Auth(e) => e.code(),
            SiiError::Rcv(e) => e.code(),
            SiiError::Timeout { .. } => ErrorCode::SiiTimeout,
            SiiError::Unavailable { .. } => ErrorCode::SiiUnavailable,
            SiiError::Certificate(_) => ErrorCode::CertificateInvalid,
            SiiError::NoCredentials { .. } => ErrorCode::SiiNoCredentials,
            SiiError::RcvNotAvailable { .. } => ErrorCode::SiiRcvNeedsProduction,
            SiiError::Request(_) => ErrorCode::SiiBadRequest,
        }
    }

    /// Whether trying the whole job again later could succeed (SII's bad days), as opposed
    /// to an error that needs a person (certificate, enrolment, our own bug).
    pub fn is_transient(&self) -> bool {
        match self {
            SiiError::Timeout { .. } | SiiError::Unavailable { .. } => true,
            SiiError::Auth(e) => matches!(
                e.advice(),
                RetryAdvice::RetryWithBackoff | RetryAdvice::RefreshToken | RetryAdvice::NewSeed
            ),
            SiiError::Rcv(e) => matches!(
                e.advice(),
                RetryAdvice::RetryWithBackoff | RetryAdvice::RefreshToken | RetryAdvice::RetryOnce
            ),
            SiiError::Certificate(_)
            | SiiError::NoCredentials { .. }
            | SiiError::RcvNotAvailable { .. }
            | SiiError::Request(_) => false,
        }
    }

    /// A copy, for sharing one failed token request with every caller that waited for it
    /// (`None` for certificate errors, which carry an I/O error that cannot be copied).
    pub(crate) fn duplicate(&self) -> Option<SiiError> {
        Some(match self {
            SiiError::Auth(e) => SiiError::Auth(e.clone()),
            SiiError::Rcv(e) => SiiError::Rcv(e.clone()),
            SiiError::Timeout { call, seconds } => SiiError::Timeout {
                call,
                seconds: *seconds,
            },
            SiiError::Unavailable { call, detail } => SiiError::Unavailable {
                call,
                detail: detail.clone(),
            },
            SiiError::NoCredentials { environment } => SiiError::NoCredentials { environment },
            SiiError::RcvNotAvailable { environment } => SiiError::RcvNotAvailable { environment },
            SiiError::Request(message) => SiiError::Request(message.clone()),
            SiiError::Certificate(_) => return None,
        })
    }

    /// The outcome label for `sii_requests_total`.
    pub fn outcome(&self) -> &'static str {
        match self {
            SiiError::Timeout { .. } => "timeout",
            SiiError::Unavailable { .. } => "unavailable",
            SiiError::Auth(AuthError::TokenInvalid(_))
            | SiiError::Rcv(RcvError::TokenInvalid(_)) => "token_invalid",
            SiiError::Auth(AuthError::SiiUnavailable(_))
            | SiiError::Rcv(RcvError::SiiUnavailable(_)) => "unavailable",
            SiiError::Auth(AuthError::Seed { .. } | AuthError::Token { .. }) => "estado_error",
            SiiError::Auth(_) | SiiError::Rcv(_) => "bad_response",
            _ => "error",
        }
    }
}

//! Why a certificate cannot be used. Each variant is a different thing for a person to fix.

use chrono::{DateTime, Utc};
use ofitec_domain::ErrorCode;

/// A certificate failure. Messages never contain the password.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// The file could not be read.
    #[error("cannot read the certificate file {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The password does not open the file (its MAC or its encryption does not check out).
    #[error("wrong certificate password")]
    WrongPassword,
    /// Not a PKCS#12 file, truncated, or damaged.
    #[error("the certificate file is not a readable PKCS#12 (.p12/.pfx) file: {0}")]
    Corrupt(String),
    /// The file holds certificates only: it cannot sign.
    #[error("the certificate file holds no private key (export it again including the key)")]
    NoPrivateKey,
    /// Keys are RSA in every Chilean signing certificate; this one is not.
    #[error("the private key is not an RSA key (SII signatures are RSA-SHA1)")]
    UnsupportedKey,
    /// No certificate in the file matches any of its private keys.
    #[error("no certificate in the file matches its private key")]
    NoMatchingPair,
    /// The only usable pair has expired.
    #[error("the certificate of {subject} expired on {not_after}")]
    Expired {
        /// Subject of the expired certificate.
        subject: String,
        /// End of validity.
        not_after: DateTime<Utc>,
    },
    /// The only usable pair is not valid yet.
    #[error("the certificate of {subject} is not valid until {not_before}")]
    NotYetValid {
        /// Subject of the certificate.
        subject: String,
        /// Start of validity.
        not_before: DateTime<Utc>,
    },
    /// The certificate names no RUT where Chilean issuers put it.
    #[error(
        "the certificate of {0} carries no RUT (neither subjectAltName otherName 1.3.6.1.4.1.8321.1 nor subject serialNumber)"
    )]
    NoHolderRut(String),
    /// The X.509 certificate itself cannot be parsed.
    #[error("the X.509 certificate cannot be parsed: {0}")]
    X509(String),
}

impl CertError {
    /// Stable machine-readable code for API errors and metrics.
    pub fn code(&self) -> ErrorCode {
        match self {
            CertError::Io { .. } => ErrorCode::CertUnreadable,
            CertError::WrongPassword => ErrorCode::CertWrongPassword,
            CertError::Corrupt(_) => ErrorCode::CertCorrupt,
            CertError::NoPrivateKey => ErrorCode::CertNoPrivateKey,
            CertError::UnsupportedKey => ErrorCode::CertUnsupportedKey,
            CertError::NoMatchingPair => ErrorCode::CertNoMatchingPair,
            CertError::Expired { .. } => ErrorCode::CertExpired,
            CertError::NotYetValid { .. } => ErrorCode::CertNotYetValid,
            CertError::NoHolderRut(_) => ErrorCode::CertNoRut,
            CertError::X509(_) => ErrorCode::CertX509Invalid,
        }
    }
}

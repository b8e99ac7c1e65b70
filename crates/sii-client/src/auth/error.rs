//! Authentication failures: every ESTADO code (docs/reference/sii.md#estado-codes) as a type,
//! and what to do.

use ofitec_domain::ErrorCode;

/// What a caller should do after an error. A getToken retry always starts from a new seed
/// (seeds are single use), so "retry" there means "seed and token again".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryAdvice {
    /// Retrying cannot help: our request, certificate or enrolment is wrong.
    DoNotRetry,
    /// One more attempt may succeed.
    RetryOnce,
    /// A transient SII problem: retry with growing delays (0, 5, 10, 15 s …), bounded.
    RetryWithBackoff,
    /// The seed expired or was used: get a new seed, then the token again.
    NewSeed,
    /// The token is no longer valid: get a new token once, then repeat the call once.
    RefreshToken,
}

/// A getSeed ESTADO other than `00`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedFailure {
    /// `-1`: no configuration line.
    NoConfiguration,
    /// `-2`: internal error (database).
    Internal,
    /// A code the manual does not list.
    Unknown(String),
}

impl SeedFailure {
    /// From the ESTADO text (`None` for `00`).
    pub fn from_estado(code: &str) -> Option<SeedFailure> {
        Some(match code.trim() {
            "00" | "0" => return None,
            "-1" | "-01" => SeedFailure::NoConfiguration,
            "-2" | "-02" => SeedFailure::Internal,
            other => SeedFailure::Unknown(other.to_owned()),
        })
    }

    /// The ESTADO code.
    pub fn code(&self) -> &str {
        match self {
            SeedFailure::NoConfiguration => "-1",
            SeedFailure::Internal => "-2",
            SeedFailure::Unknown(code) => code,
        }
    }

    fn description(&self) -> &'static str {
        match self {
            SeedFailure::NoConfiguration => "no configuration line",
            SeedFailure::Internal => "internal error (database)",
            SeedFailure::Unknown(_) => "unknown code",
        }
    }

    fn advice(&self) -> RetryAdvice {
        match self {
            SeedFailure::NoConfiguration => RetryAdvice::RetryOnce,
            SeedFailure::Internal => RetryAdvice::RetryWithBackoff,
            SeedFailure::Unknown(_) => RetryAdvice::RetryOnce,
        }
    }
}

/// A getToken ESTADO other than `00`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFailure {
    /// `01`, `02`, `03`: the XML we sent is invalid (IO / SAX / parser): a bug on our side.
    XmlInvalid(u8),
    /// `04`: no `Signature` element.
    NoSignature,
    /// `05`: signature invalid (often whitespace added next to the Signature).
    SignatureInvalid,
    /// `06`: no `Semilla` element.
    NoSeedElement,
    /// `07`, `09`, `12`: internal message error.
    InternalMessage(u8),
    /// `08`: wrong parameters, or the seed timed out or does not exist.
    SeedInvalid,
    /// `10`: cannot create the token (also seen for a bad signature: "Error Interno").
    CannotCreateToken,
    /// `11`: no certificate element.
    NoCertificate,
    /// `21`: the public key does not match the certificate.
    KeyMismatch,
    /// `-3`: authentication error: certificate rejected or expired, or the RUT is not
    /// enrolled in this environment.
    AuthenticationRejected,
    /// `-07`: the RUT is not registered for certificate login.
    RutNotRegistered,
    /// A code the manual does not list.
    Unknown(String),
}

impl TokenFailure {
    /// From the ESTADO text (`None` for `00`).
    pub fn from_estado(code: &str) -> Option<TokenFailure> {
        let code = code.trim();
        Some(match code {
            "00" | "0" => return None,
            "01" | "1" => TokenFailure::XmlInvalid(1),
            "02" | "2" => TokenFailure::XmlInvalid(2),
            "03" | "3" => TokenFailure::XmlInvalid(3),
            "04" | "4" => TokenFailure::NoSignature,
            "05" | "5" => TokenFailure::SignatureInvalid,
            "06" | "6" => TokenFailure::NoSeedElement,
            "07" | "7" => TokenFailure::InternalMessage(7),
            "08" | "8" => TokenFailure::SeedInvalid,
            "09" | "9" => TokenFailure::InternalMessage(9),
            "10" => TokenFailure::CannotCreateToken,
            "11" => TokenFailure::NoCertificate,
            "12" => TokenFailure::InternalMessage(12),
            "21" => TokenFailure::KeyMismatch,
            "-3" | "-03" => TokenFailure::AuthenticationRejected,
            "-07" | "-7" => TokenFailure::RutNotRegistered,
            other => TokenFailure::Unknown(other.to_owned()),
        })
    }

    /// The ESTADO code, in SII's spelling.
    pub fn code(&self) -> String {
        match self {
            TokenFailure::XmlInvalid(n) | TokenFailure::InternalMessage(n) => format!("{n:02}"),
            TokenFailure::NoSignature => "04".into(),
            TokenFailure::SignatureInvalid => "05".into(),
            TokenFailure::NoSeedElement => "06".into(),
            TokenFailure::SeedInvalid => "08".into(),
            TokenFailure::CannotCreateToken => "10".into(),
            TokenFailure::NoCertificate => "11".into(),
            TokenFailure::KeyMismatch => "21".into(),
            TokenFailure::AuthenticationRejected => "-3".into(),
            TokenFailure::RutNotRegistered => "-07".into(),
            TokenFailure::Unknown(code) => code.clone(),
        }
    }

    fn description(&self) -> &'static str {
        match self {
            TokenFailure::XmlInvalid(_) => "the signed XML is invalid (a bug on our side)",
            TokenFailure::NoSignature => "no Signature element",
            TokenFailure::SignatureInvalid => "signature invalid",
            TokenFailure::NoSeedElement => "no Semilla element",
            TokenFailure::InternalMessage(_) => "internal message error",
            TokenFailure::SeedInvalid => "wrong parameters, or the seed expired or does not exist",
            TokenFailure::CannotCreateToken => "cannot create the token",
            TokenFailure::NoCertificate => "no certificate element",
            TokenFailure::KeyMismatch => "the public key does not match the certificate",
            TokenFailure::AuthenticationRejected => {
                "certificate rejected or expired, or RUT not enrolled in this environment"
            }
            TokenFailure::RutNotRegistered => "RUT not registered for certificate login",
            TokenFailure::Unknown(_) => "unknown code",
        }
    }

    fn advice(&self) -> RetryAdvice {
        match self {
            TokenFailure::InternalMessage(12) => RetryAdvice::RetryWithBackoff,
            TokenFailure::InternalMessage(_) | TokenFailure::CannotCreateToken => {
                RetryAdvice::RetryOnce
            }
            TokenFailure::SeedInvalid => RetryAdvice::NewSeed,
            TokenFailure::XmlInvalid(_)
            | TokenFailure::NoSignature
            | TokenFailure::SignatureInvalid
            | TokenFailure::NoSeedElement
            | TokenFailure::NoCertificate
            | TokenFailure::KeyMismatch
            | TokenFailure::AuthenticationRejected
            | TokenFailure::RutNotRegistered
            | TokenFailure::Unknown(_) => RetryAdvice::DoNotRetry,
        }
    }
}

/// Why authentication (or any SII SOAP answer) failed. Messages carry SII's GLOSA and never
/// a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// getSeed answered an error ESTADO.
    #[error("SII getSeed ESTADO {}: {}{}", failure.code(), failure.description(), glosa_suffix(glosa))]
    Seed {
        /// Which error.
        failure: SeedFailure,
        /// SII's text, when given.
        glosa: Option<String>,
    },
    /// getToken answered an error ESTADO.
    #[error("SII getToken ESTADO {}: {}{}", failure.code(), failure.description(), glosa_suffix(glosa))]
    Token {
        /// Which error.
        failure: TokenFailure,
        /// SII's text, when given.
        glosa: Option<String>,
    },
    /// The token is not (or no longer) valid: `ESTADO 001/002/003` "TOKEN NO EXISTE", or a
    /// SOAP Fault "TOKEN invalido".
    #[error("SII says the token is invalid: {0}")]
    TokenInvalid(String),
    /// An HTML page (or nothing) where XML was expected: SII is down or overloaded.
    #[error("SII unavailable: {0}")]
    SiiUnavailable(String),
    /// A SOAP Fault other than an invalid token.
    #[error("SII SOAP fault {code}: {message}")]
    SoapFault {
        /// `faultcode`.
        code: String,
        /// `faultstring`.
        message: String,
    },
    /// XML that does not have the expected shape (truncated, or a format change).
    #[error("unexpected SII answer: {0}")]
    Malformed(String),
}

fn glosa_suffix(glosa: &Option<String>) -> String {
    glosa
        .as_deref()
        .map(|g| format!(" ({g})"))
        .unwrap_or_default()
}

impl AuthError {
    /// What the caller should do next.
    pub fn advice(&self) -> RetryAdvice {
        match self {
            AuthError::Seed { failure, .. } => failure.advice(),
            AuthError::Token { failure, .. } => failure.advice(),
            AuthError::TokenInvalid(_) => RetryAdvice::RefreshToken,
            // Outages, server faults and truncated bodies are SII's bad days.
            AuthError::SiiUnavailable(_)
            | AuthError::SoapFault { .. }
            | AuthError::Malformed(_) => RetryAdvice::RetryWithBackoff,
        }
    }

    /// Stable machine-readable code for metrics and API errors.
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::Seed { .. } => ErrorCode::SiiSeedError,
            AuthError::Token { .. } => ErrorCode::SiiTokenError,
            AuthError::TokenInvalid(_) => ErrorCode::SiiTokenInvalid,
            AuthError::SiiUnavailable(_) => ErrorCode::SiiUnavailable,
            AuthError::SoapFault { .. } => ErrorCode::SiiSoapFault,
            AuthError::Malformed(_) => ErrorCode::SiiMalformedAnswer,
        }
    }
}

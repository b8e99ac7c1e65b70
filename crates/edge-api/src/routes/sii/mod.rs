//! `/api/sii/…`: SII authentication status and manual sessions, imports, their events, and
//! the stored documents and summaries.

pub mod documents;
pub mod events;
pub mod export;
pub mod imports;
mod input;
mod jobs;
pub mod session;
pub mod token;

use ofitec_proto::sii::v1::{SiiEnvironment, TokenStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// SII environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// The simulator.
    Sim,
    /// Certification (maullin).
    Cert,
    /// Production (palena).
    Prod,
}

impl Environment {
    /// The gRPC enum value.
    pub fn to_proto(self) -> SiiEnvironment {
        match self {
            Environment::Sim => SiiEnvironment::Sim,
            Environment::Cert => SiiEnvironment::Cert,
            Environment::Prod => SiiEnvironment::Prod,
        }
    }

    fn from_proto(value: i32) -> Option<Environment> {
        match SiiEnvironment::try_from(value).ok()? {
            SiiEnvironment::Sim => Some(Environment::Sim),
            SiiEnvironment::Cert => Some(Environment::Cert),
            SiiEnvironment::Prod => Some(Environment::Prod),
            SiiEnvironment::Unspecified => None,
        }
    }
}

/// What the gateway knows about its SII authentication. Never the token itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenStatusBody {
    /// Environment described.
    pub environment: Option<Environment>,
    /// `certificate`, `manual` or `none`.
    #[schema(example = "certificate")]
    pub source: String,
    /// RUT of the certificate holder.
    #[schema(example = "12345678-5")]
    pub holder_rut: Option<String>,
    /// Whether a usable token is cached.
    pub has_token: bool,
    /// When the cached token stops being used (RFC 3339).
    pub token_expires_at: Option<String>,
    /// Certificate validity end (RFC 3339).
    pub certificate_not_after: Option<String>,
    /// At most the first 4 characters of the token.
    #[schema(example = "XAuS")]
    pub token_prefix: Option<String>,
    /// Why no token can be obtained, when that is the case.
    pub problem: Option<String>,
}

impl From<TokenStatus> for TokenStatusBody {
    fn from(status: TokenStatus) -> TokenStatusBody {
        let some = |s: String| (!s.is_empty()).then_some(s);
        TokenStatusBody {
            environment: Environment::from_proto(status.environment),
            source: status.source,
            holder_rut: some(status.holder_rut),
            has_token: status.has_token,
            token_expires_at: some(status.token_expires_at),
            certificate_not_after: some(status.certificate_not_after),
            // Defence in depth: whatever the gateway sends, never more than 4 characters.
            token_prefix: some(status.token_prefix.chars().take(4).collect()),
            problem: some(status.problem),
        }
    }
}

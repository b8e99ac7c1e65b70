//! Every stable error code a client can see, in one enum. Clients branch on these strings, so
//! a published one is never renamed. Each service raises them, gRPC carries them between
//! services (`x-ofitec-error` metadata), edge-api answers them as `{"error": "…"}` with the
//! HTTP status its exhaustive `match` decides, and import jobs store them as
//! `last_error_code`. `docs/api.md` documents each one (a test checks it).

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code (`snake_case` on the wire).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::AsRefStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    // --- authentication and authorisation -------------------------------------------------
    /// No credentials.
    AuthMissing,
    /// Malformed, forged, wrong issuer or audience, not yet valid, unknown key.
    AuthInvalid,
    /// The token or key has expired.
    AuthExpired,
    /// The route needs a higher role.
    ForbiddenRole,
    /// A company named in the request is not the caller's.
    ForbiddenCompany,

    // --- the request itself ---------------------------------------------------------------
    /// No such route or resource.
    NotFound,
    /// The route exists with another method.
    MethodNotAllowed,
    /// The body is not the JSON the route takes.
    InvalidJson,
    /// The query string is not what the route takes.
    InvalidQuery,
    /// A path segment is not what the route takes.
    InvalidPath,
    /// A value is out of its range (limits, counts).
    InvalidArgument,
    /// The body is larger than the route accepts.
    PayloadTooLarge,
    /// The body's media type is not JSON.
    UnsupportedMediaType,
    /// A RUT is malformed.
    RutInvalid,
    /// A RUT's check digit does not match its body.
    RutCheckDigit,
    /// A period is not `YYYY-MM` (or `YYYYMM`) of a real month.
    PeriodInvalid,
    /// The state of the resource does not allow the change.
    Conflict,
    /// Too many requests from one principal or address.
    RateLimited,
    /// The called service does not implement the operation.
    NotImplemented,
    /// An internal service is down or not ready.
    ServiceUnavailable,
    /// An internal service did not answer in time.
    UpstreamTimeout,
    /// The service is stopping and takes no new work.
    ShuttingDown,
    /// An unexpected failure; logged with its cause, opaque to the client.
    Internal,

    // --- imports (sii-gateway) ------------------------------------------------------------
    /// A bulk import names no company.
    CompaniesRequired,
    /// The pre-import backup failed and the policy is to abort.
    PreImportBackupFailed,
    /// `from_period` is after `to_period`, or the range is too long.
    PeriodRangeInvalid,
    /// The request would create more jobs than one import may.
    ImportTooLarge,
    /// A job id is not a UUID.
    JobIdInvalid,
    /// An operation is neither `compra` nor `venta`.
    OperationInvalid,
    /// A paging offset is out of range (deep pages go by cursor).
    OffsetInvalid,
    /// A paging cursor is not one the API returned, or comes with an offset.
    CursorInvalid,
    /// A tipo DTE is not a number SII uses.
    TipoDteInvalid,
    /// An event id is not a number.
    EventIdInvalid,
    /// The gateway's database cannot be reached.
    DatabaseUnavailable,
    /// A job attempt could not be stored (it is retried).
    DatabaseError,
    /// RabbitMQ gave up delivering the job: workers crashed on it.
    DeliveryLimit,

    // --- SII (sii-gateway, from sii-client) -----------------------------------------------
    /// No SII environment is configured for the call.
    EnvironmentNotConfigured,
    /// A manual session's expiry is not a valid time.
    ExpiresAtInvalid,
    /// A manual session token is empty or malformed.
    TokenInvalid,
    /// The configured certificate cannot be used.
    CertificateInvalid,
    /// The PKCS#12 file cannot be read.
    CertUnreadable,
    /// The PKCS#12 password is wrong.
    CertWrongPassword,
    /// The PKCS#12 file is corrupt.
    CertCorrupt,
    /// The PKCS#12 file holds no private key.
    CertNoPrivateKey,
    /// The private key is not RSA.
    CertUnsupportedKey,
    /// No certificate in the file matches its key.
    CertNoMatchingPair,
    /// The certificate has expired.
    CertExpired,
    /// The certificate is not valid yet.
    CertNotYetValid,
    /// The certificate carries no holder RUT.
    CertNoRut,
    /// The X.509 certificate cannot be parsed.
    CertX509Invalid,
    /// A request to SII could not be built.
    SiiBadRequest,
    /// SII answered something we cannot read.
    SiiMalformedAnswer,
    /// No certificate and no manual session for SII.
    SiiNoCredentials,
    /// SII refused the RCV request as malformed.
    SiiRcvBadRequest,
    /// SII's RCV answered with an error of its own.
    SiiRcvError,
    /// The RCV is only served with a production token.
    SiiRcvNeedsProduction,
    /// SII's seed service failed.
    SiiSeedError,
    /// SII's SOAP service answered a fault.
    SiiSoapFault,
    /// SII did not answer in time.
    SiiTimeout,
    /// SII's token service refused the signed seed.
    SiiTokenError,
    /// SII no longer accepts the token.
    SiiTokenInvalid,
    /// SII is down or answered a server error.
    SiiUnavailable,

    // --- F29 (f29-engine) -----------------------------------------------------------------
    /// An input is wrong (the message names it).
    InputsInvalid,
    /// A mapping document is wrong (each line named).
    MappingInvalid,
    /// A declaration status is not one the engine knows.
    StatusInvalid,
    /// An export format is not one the engine writes.
    FormatInvalid,
    /// SII's proposal cannot be read.
    ProposalInvalid,
    /// Nothing computed yet for that company and period.
    DeclarationNotFound,
    /// The declaration is sent or paid: never recomputed or changed.
    DeclarationFrozen,
    /// Not a step of the declaration's life cycle.
    TransitionInvalid,
    /// Errors in the declaration block the change.
    ValidationFailed,
    /// The UTM table lacks a month the computation needs.
    UtmMissing,
    /// The UTM table is malformed.
    UtmTableInvalid,
    /// New UTM values break a rule of the table (gap, duplicate, non-positive, a jump over
    /// 5 %); the message names the line.
    UtmInvalid,
    /// A holiday list is wrong (a date outside its year, twice, unnamed); the message names
    /// the entry.
    HolidaysInvalid,
    /// The holiday table lacks the year a due date falls in.
    HolidaysMissing,
    /// The engine's configuration is wrong.
    ConfigInvalid,
    /// A stored amount is beyond what the engine sums safely.
    AmountsOutOfRange,
    /// Another request changed the declaration meanwhile (retry).
    ConcurrentUpdate,
    /// sii-gateway is down or slow.
    SiiGatewayUnavailable,
    /// Reading documents from sii-gateway failed unexpectedly.
    SiiGatewayError,

    // --- backups (backup-agent) -----------------------------------------------------------
    /// No plan has that name.
    PlanUnknown,
    /// A run's reason is not one a caller may give.
    ReasonInvalid,
    /// A tool the run needs (restic, pg_dump…) is not installed.
    ToolMissing,
    /// No backup repository answered.
    RepositoryError,
}

impl ErrorCode {
    /// The stable string, as clients see it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every code, in declaration order.
    pub fn all() -> impl Iterator<Item = ErrorCode> {
        <ErrorCode as strum::IntoEnumIterator>::iter()
    }

    /// The code a stable string names, if any.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        text.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_snake_case_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::all() {
            let text = code.as_str();
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{text}"
            );
            assert!(seen.insert(text), "{text} twice");
            assert_eq!(ErrorCode::parse(text), Some(code));
            assert_eq!(code.to_string(), text);
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{text}\""));
        }
        assert_eq!(ErrorCode::RutCheckDigit.as_str(), "rut_check_digit");
        assert_eq!(ErrorCode::CertX509Invalid.as_str(), "cert_x509_invalid");
        assert_eq!(ErrorCode::parse("no_such_code"), None);
    }
}

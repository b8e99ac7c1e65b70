//! gRPC errors that keep a stable [`ErrorCode`] across the service boundary, so edge-api can
//! answer `{"error": "rut_invalid", …}` whatever service raised it. The gRPC code follows from
//! the error code ([`grpc_code`]), so one code always travels as one gRPC status.

use ofitec_domain::ErrorCode;
use tonic::Code;
use tonic::metadata::{MetadataMap, MetadataValue};

/// Metadata key carrying the stable error code.
pub const ERROR_CODE: &str = "x-ofitec-error";

/// A status carrying `error` (our stable code) with its gRPC code and a human message.
pub fn error(error: ErrorCode, message: impl Into<String>) -> tonic::Status {
    let mut metadata = MetadataMap::new();
    metadata.insert(ERROR_CODE, MetadataValue::from_static(error.as_str()));
    tonic::Status::with_metadata(grpc_code(error), message, metadata)
}

/// The stable code a status carries, if any (a status made by tonic itself carries none).
pub fn error_code(status: &tonic::Status) -> Option<ErrorCode> {
    status
        .metadata()
        .get(ERROR_CODE)
        .and_then(|v| v.to_str().ok())
        .and_then(ErrorCode::parse)
}

/// An unexpected failure: the cause chain is logged here, the caller gets an opaque message.
pub fn internal(context: &str, error: &dyn std::fmt::Display) -> tonic::Status {
    tracing::error!(error = %error, "{context}");
    self::error(ErrorCode::Internal, format!("{context}: internal error"))
}

/// The gRPC code each error code travels as. A new code does not compile until it is here.
pub fn grpc_code(code: ErrorCode) -> Code {
    use ErrorCode as E;
    match code {
        E::AuthMissing | E::AuthInvalid | E::AuthExpired => Code::Unauthenticated,
        E::ForbiddenRole | E::ForbiddenCompany => Code::PermissionDenied,
        E::NotFound | E::DeclarationNotFound | E::PlanUnknown => Code::NotFound,
        E::NotImplemented => Code::Unimplemented,
        E::MethodNotAllowed
        | E::InvalidJson
        | E::InvalidQuery
        | E::InvalidPath
        | E::InvalidArgument
        | E::UnsupportedMediaType
        | E::RutInvalid
        | E::RutCheckDigit
        | E::PeriodInvalid
        | E::CompaniesRequired
        | E::ImportTooLarge
        | E::PeriodRangeInvalid
        | E::JobIdInvalid
        | E::OperationInvalid
        | E::OffsetInvalid
        | E::CursorInvalid
        | E::TipoDteInvalid
        | E::EventIdInvalid
        | E::ExpiresAtInvalid
        | E::TokenInvalid
        | E::InputsInvalid
        | E::MappingInvalid
        | E::UtmInvalid
        | E::HolidaysInvalid
        | E::StatusInvalid
        | E::FormatInvalid
        | E::ProposalInvalid
        | E::ReasonInvalid
        | E::EnvironmentNotConfigured
        | E::CertUnreadable
        | E::CertWrongPassword
        | E::CertCorrupt
        | E::CertNoPrivateKey
        | E::CertUnsupportedKey
        | E::CertNoMatchingPair
        | E::CertExpired
        | E::CertNotYetValid
        | E::CertNoRut
        | E::CertX509Invalid => Code::InvalidArgument,
        E::PayloadTooLarge | E::RateLimited => Code::ResourceExhausted,
        E::Conflict
        | E::DeclarationFrozen
        | E::TransitionInvalid
        | E::ValidationFailed
        | E::UtmMissing
        | E::UtmTableInvalid
        | E::HolidaysMissing
        | E::ConfigInvalid
        | E::AmountsOutOfRange
        | E::ToolMissing
        | E::PreImportBackupFailed
        | E::CertificateInvalid
        | E::SiiNoCredentials
        | E::SiiRcvNeedsProduction
        | E::SiiBadRequest
        | E::SiiRcvBadRequest
        | E::SiiTokenError
        | E::SiiSeedError => Code::FailedPrecondition,
        E::ConcurrentUpdate => Code::Aborted,
        E::ServiceUnavailable
        | E::ShuttingDown
        | E::DatabaseUnavailable
        | E::DatabaseError
        | E::SiiGatewayUnavailable
        | E::RepositoryError
        | E::SiiUnavailable
        | E::SiiTimeout
        | E::SiiTokenInvalid
        | E::SiiSoapFault
        | E::SiiMalformedAnswer
        | E::SiiRcvError => Code::Unavailable,
        E::UpstreamTimeout => Code::DeadlineExceeded,
        E::Internal | E::SiiGatewayError | E::DeliveryLimit => Code::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_survives_round_trip() {
        let status = error(
            ErrorCode::RutInvalid,
            "RUT `1-2` has check digit 2, expected 9",
        );
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(error_code(&status), Some(ErrorCode::RutInvalid));
        let plain = tonic::Status::not_found("x");
        assert_eq!(error_code(&plain), None);
        for code in ErrorCode::all() {
            assert_eq!(error_code(&error(code, "m")), Some(code));
        }
    }
}

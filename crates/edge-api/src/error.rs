//! The API's error type.
//!
//! Error policy: every failure a client can see is an [`ApiError`] with an HTTP status, a
//! stable `error` code clients may branch on, and a human `message`. Unexpected failures
//! are logged here with their whole cause chain and reach the client as an opaque
//! `internal` error. Codes are never renamed once published.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use ofitec_domain::ErrorCode;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    field: Option<String>,
    headers: Vec<(&'static str, String)>,
}

/// The JSON body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (the list is in docs/api.md).
    #[schema(schema_with = error_code_schema)]
    pub error: ErrorCode,
    /// Human explanation.
    pub message: String,
    /// The input field concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// An error with `code`; its HTTP status is [`http_status`]'s.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            field: None,
            headers: Vec::new(),
        }
    }

    /// Adds a response header (`WWW-Authenticate`, `Retry-After`).
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> ApiError {
        self.headers.push((name, value.into()));
        self
    }

    /// 401 with `code` (`auth_missing`, `auth_invalid`, `auth_expired`) and the challenge.
    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError::new(code, message).with_header("www-authenticate", "Bearer")
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        http_status(self.code)
    }

    /// Names the input field the error is about.
    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// 500 for an unexpected failure; logs the cause chain, hides it from the client.
    pub fn internal(context: &str, error: &anyhow::Error) -> ApiError {
        tracing::error!(error = %format!("{error:#}"), "{context}");
        ApiError::new(ErrorCode::Internal, "internal error")
    }

    /// Maps an internal service's gRPC status, keeping the stable code it carries. A status
    /// without one (tonic's own: connection refused, deadline) gets the code its gRPC code
    /// implies.
    pub fn from_grpc(service: &str, status: &tonic::Status) -> ApiError {
        use tonic::Code;
        // tonic reports its own client-side deadline (`services.call_timeout_ms`) as
        // CANCELLED "Timeout expired": the service is up but slow, which is a 504, not a 503.
        if status.code() == Code::Cancelled && status.message() == CLIENT_TIMEOUT {
            return ApiError::new(
                ErrorCode::UpstreamTimeout,
                format!("{service} did not answer in time"),
            );
        }
        let code = match ofitec_platform::grpc::status::error_code(status) {
            Some(code) => code,
            None => match status.code() {
                Code::InvalidArgument | Code::OutOfRange => ErrorCode::InvalidArgument,
                Code::NotFound => ErrorCode::NotFound,
                Code::AlreadyExists | Code::Aborted | Code::FailedPrecondition => {
                    ErrorCode::Conflict
                }
                Code::PermissionDenied => ErrorCode::ForbiddenRole,
                Code::Unauthenticated => ErrorCode::AuthInvalid,
                Code::ResourceExhausted => ErrorCode::RateLimited,
                Code::Unimplemented => ErrorCode::NotImplemented,
                Code::Unavailable | Code::Cancelled => ErrorCode::ServiceUnavailable,
                Code::DeadlineExceeded => ErrorCode::UpstreamTimeout,
                Code::Ok | Code::Unknown | Code::Internal | Code::DataLoss => ErrorCode::Internal,
            },
        };
        let message = match code {
            ErrorCode::Internal => {
                tracing::error!(service, code = ?status.code(), message = status.message(), "internal service failed");
                "internal error".to_owned()
            }
            ErrorCode::ServiceUnavailable => format!("{service} is unavailable"),
            ErrorCode::UpstreamTimeout => format!("{service} did not answer in time"),
            _ => status.message().to_owned(),
        };
        ApiError::new(code, message)
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }
}

/// Every code as a string enum, so generated clients can switch on them.
fn error_code_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(ErrorCode::all().map(ErrorCode::as_str)))
        .description(Some(
            "Stable machine-readable code (the list is in docs/api.md).",
        ))
        .examples([serde_json::json!("forbidden_company")])
        .build()
}

/// The message of the status tonic makes from its `TimeoutExpired`.
const CLIENT_TIMEOUT: &str = "Timeout expired";

/// The HTTP status of every code. A new code does not compile until it has one here.
pub fn http_status(code: ErrorCode) -> StatusCode {
    use ErrorCode as E;
    match code {
        E::AuthMissing | E::AuthInvalid | E::AuthExpired => StatusCode::UNAUTHORIZED,
        E::ForbiddenRole | E::ForbiddenCompany => StatusCode::FORBIDDEN,
        E::NotFound | E::DeclarationNotFound | E::PlanUnknown => StatusCode::NOT_FOUND,
        E::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        E::NotImplemented => StatusCode::NOT_IMPLEMENTED,
        E::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        E::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        E::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        E::InvalidJson
        | E::InvalidQuery
        | E::InvalidPath
        | E::InvalidArgument
        | E::RutInvalid
        | E::RutCheckDigit
        | E::PeriodInvalid
        | E::CompaniesRequired
        | E::PeriodRangeInvalid
        | E::ImportTooLarge
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
        | E::CertX509Invalid => StatusCode::BAD_REQUEST,
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
        | E::ConcurrentUpdate
        | E::CertificateInvalid
        | E::SiiNoCredentials
        | E::SiiRcvNeedsProduction
        | E::SiiBadRequest
        | E::SiiRcvBadRequest
        | E::SiiTokenError
        | E::SiiSeedError => StatusCode::CONFLICT,
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
        | E::SiiRcvError => StatusCode::SERVICE_UNAVAILABLE,
        E::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
        E::Internal | E::SiiGatewayError | E::DeliveryLimit => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        for (name, value) in &self.headers {
            response.insert_header((*name, value.as_str()));
        }
        response.json(ErrorBody {
            error: self.code,
            message: self.message.clone(),
            field: self.field.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_side_deadline_is_a_gateway_timeout() {
        let status = tonic::Status::from_error(Box::new(tonic::TimeoutExpired(())));
        let error = ApiError::from_grpc("backup-agent", &status);
        assert_eq!(error.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(error.code(), ErrorCode::UpstreamTimeout);
        let cancelled = ApiError::from_grpc("backup-agent", &tonic::Status::cancelled("gone"));
        assert_eq!(cancelled.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    /// A code crossing gRPC keeps its meaning: the status edge-api answers for it is the one
    /// its gRPC code would imply if it arrived without a code, except where the API is more
    /// precise (a 400 instead of a 409 or 503 for a rejected certificate or manual session).
    #[test]
    fn every_code_keeps_its_class_across_grpc() {
        for code in ErrorCode::all() {
            let grpc = ofitec_platform::grpc::status::grpc_code(code);
            let bare = ApiError::from_grpc("x", &tonic::Status::new(grpc, "m"));
            let carried =
                ApiError::from_grpc("x", &ofitec_platform::grpc::status::error(code, "m"));
            assert_eq!(carried.code(), code);
            assert_eq!(carried.status(), http_status(code));
            let (ours, implied) = (
                http_status(code).as_u16() / 100,
                bare.status().as_u16() / 100,
            );
            assert_eq!(
                ours,
                implied,
                "{code}: {} vs {}",
                http_status(code),
                bare.status()
            );
        }
    }
}

//! The API's error type.
//!
//! Error policy: every failure a client can see is an [`ApiError`] with an HTTP status, a
//! stable `error` code clients may branch on, and a human `message`. Unexpected failures
//! are logged here with their whole cause chain and reach the client as an opaque
//! `internal` error. Codes are never renamed once published.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
    headers: Vec<(&'static str, String)>,
}

/// The JSON body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (see `error_codes.rs`).
    #[schema(example = "forbidden_company")]
    pub error: String,
    /// Human explanation.
    pub message: String,
    /// The input field concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// An error with an explicit status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
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

    /// 401 with `code` (`auth_missing`, `auth_invalid`, `auth_expired`).
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
            .with_header("www-authenticate", "Bearer")
    }

    /// 403 with `code` (`forbidden_role`, `forbidden_company`).
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Names the input field the error is about.
    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 400 with `code`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500 for an unexpected failure; logs the cause chain, hides it from the client.
    pub fn internal(context: &str, error: &anyhow::Error) -> ApiError {
        tracing::error!(error = %format!("{error:#}"), "{context}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// Maps an internal service's gRPC status, keeping the stable code it carries.
    pub fn from_grpc(service: &str, status: &tonic::Status) -> ApiError {
        use tonic::Code;
        let carried = ofitec_platform::grpc::status::error_code(status).map(intern);
        // tonic reports its own client-side deadline (`services.call_timeout_ms`) as
        // CANCELLED "Timeout expired": the service is up but slow, which is a 504, not a 503.
        if status.code() == Code::Cancelled && status.message() == CLIENT_TIMEOUT {
            return ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                format!("{service} did not answer in time"),
            );
        }
        let (http, fallback) = match status.code() {
            Code::InvalidArgument | Code::OutOfRange => {
                (StatusCode::BAD_REQUEST, "invalid_argument")
            }
            Code::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Code::AlreadyExists | Code::Aborted | Code::FailedPrecondition => {
                (StatusCode::CONFLICT, "conflict")
            }
            Code::PermissionDenied => (StatusCode::FORBIDDEN, "forbidden"),
            Code::Unauthenticated => (StatusCode::UNAUTHORIZED, "auth_invalid"),
            Code::ResourceExhausted => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Code::Unimplemented => (StatusCode::NOT_IMPLEMENTED, "not_implemented"),
            Code::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            Code::DeadlineExceeded => (StatusCode::GATEWAY_TIMEOUT, "upstream_timeout"),
            Code::Cancelled => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            Code::Ok | Code::Unknown | Code::Internal | Code::DataLoss => {
                tracing::error!(service, code = ?status.code(), message = status.message(), "internal service failed");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                );
            }
        };
        let message = match status.code() {
            Code::Unavailable | Code::Cancelled => format!("{service} is unavailable"),
            Code::DeadlineExceeded => format!("{service} did not answer in time"),
            _ => status.message().to_owned(),
        };
        ApiError::new(http, carried.unwrap_or(fallback), message)
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

/// The message of the status tonic makes from its `TimeoutExpired`.
const CLIENT_TIMEOUT: &str = "Timeout expired";

/// Codes travel as text in metadata; the API only ever answers with codes it knows, so an
/// unknown one becomes the status's generic code instead of leaking arbitrary text.
fn intern(code: &str) -> &'static str {
    crate::error_codes::ALL
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("error")
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        for (name, value) in &self.headers {
            response.insert_header((*name, value.as_str()));
        }
        response.json(ErrorBody {
            error: self.code.to_owned(),
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
        assert_eq!(error.code(), "upstream_timeout");
        let cancelled = ApiError::from_grpc("backup-agent", &tonic::Status::cancelled("gone"));
        assert_eq!(cancelled.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

//! gRPC errors that keep a stable, machine-readable code across the service boundary, so
//! edge-api can answer `{"error": "rut_invalid", …}` whatever service raised it.

use tonic::metadata::{MetadataMap, MetadataValue};

/// Metadata key carrying the stable error code.
pub const ERROR_CODE: &str = "x-ofitec-error";

/// A status with `code` (gRPC) and `error` (our stable code, `snake_case`).
pub fn error(code: tonic::Code, error: &'static str, message: impl Into<String>) -> tonic::Status {
    let mut metadata = MetadataMap::new();
    metadata.insert(ERROR_CODE, MetadataValue::from_static(error));
    tonic::Status::with_metadata(code, message, metadata)
}

/// Bad input, named by field.
pub fn invalid(error_code: &'static str, message: impl Into<String>) -> tonic::Status {
    error(tonic::Code::InvalidArgument, error_code, message)
}

/// Something that does not exist.
pub fn not_found(error_code: &'static str, message: impl Into<String>) -> tonic::Status {
    error(tonic::Code::NotFound, error_code, message)
}

/// The stable code a status carries, if any.
pub fn error_code(status: &tonic::Status) -> Option<&str> {
    status
        .metadata()
        .get(ERROR_CODE)
        .and_then(|v| v.to_str().ok())
}

/// An unexpected failure: the cause chain is logged here, the caller gets an opaque message.
pub fn internal(context: &str, error: &dyn std::fmt::Display) -> tonic::Status {
    tracing::error!(error = %error, "{context}");
    self::error(
        tonic::Code::Internal,
        "internal",
        format!("{context}: internal error"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_survives_round_trip() {
        let status = invalid("rut_invalid", "RUT `1-2` has check digit 2, expected 9");
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert_eq!(error_code(&status), Some("rut_invalid"));
        let plain = tonic::Status::not_found("x");
        assert_eq!(error_code(&plain), None);
    }
}

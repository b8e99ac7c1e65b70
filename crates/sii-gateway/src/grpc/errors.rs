//! Store and SII failures as gRPC statuses with stable codes.

use ofitec_platform::grpc::status;
use sii_client::client::SiiError;
use tonic::{Code, Status};

use crate::imports::RequestError;
use crate::store::StoreError;

/// A store failure.
pub fn store(context: &str, error: StoreError) -> Status {
    match error {
        StoreError::NotFound(what) => status::not_found("not_found", format!("{what} not found")),
        StoreError::Conflict(message) => {
            status::error(Code::FailedPrecondition, "conflict", message)
        }
        StoreError::Db(e) => {
            tracing::error!(error = %e, "{context}");
            status::error(
                Code::Unavailable,
                "database_unavailable",
                format!("{context}: the gateway database is unavailable"),
            )
        }
        e @ StoreError::Corrupt(_) => status::internal(context, &e),
    }
}

/// An import request failure.
pub fn request(error: RequestError) -> Status {
    match error {
        RequestError::Invalid { code, message } => status::invalid(code, message),
        RequestError::Store(e) => store("starting the import", e),
    }
}

/// A failure talking to SII. The message names SII's answer; it never carries credentials.
pub fn sii(error: &SiiError) -> Status {
    let code = if error.is_transient() {
        Code::Unavailable
    } else {
        Code::FailedPrecondition
    };
    status::error(code, error.code(), error.to_string())
}

//! Request, store and SII failures as gRPC statuses with stable codes.

use ofitec_domain::ErrorCode;
use ofitec_platform::grpc::status;
use ofitec_proto::convert::ConvertError;
use sii_client::client::SiiError;
use tonic::Status;

use crate::imports::RequestError;
use crate::store::StoreError;

/// A store failure.
pub fn store(context: &str, error: StoreError) -> Status {
    match error {
        StoreError::NotFound(what) => {
            status::error(ErrorCode::NotFound, format!("{what} not found"))
        }
        StoreError::Conflict(message) => status::error(ErrorCode::Conflict, message),
        StoreError::Db(e) => {
            tracing::error!(error = %e, "{context}");
            status::error(
                ErrorCode::DatabaseUnavailable,
                format!("{context}: the gateway database is unavailable"),
            )
        }
        e @ StoreError::Corrupt(_) => status::internal(context, &e),
    }
}

/// An import request failure.
pub fn request(error: RequestError) -> Status {
    match error {
        RequestError::Invalid { code, message } => status::error(code, message),
        RequestError::Store(e) => store("starting the import", e),
    }
}

/// A failure talking to SII. The message names SII's answer; it never carries credentials.
pub fn sii(error: &SiiError) -> Status {
    status::error(error.code(), error.to_string())
}

/// A request field the contract's conversion refused (the message names the field and value).
pub fn convert(error: ConvertError) -> Status {
    status::error(error.code(), error.to_string())
}

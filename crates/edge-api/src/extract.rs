//! Extractor settings: every malformed body, query or path answers a JSON [`ApiError`]
//! instead of actix's plain-text default.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::web;
use ofitec_domain::ErrorCode;

use crate::error::ApiError;

/// JSON bodies: size limit, content type, and errors that say what is wrong.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| {
            let api = match &err {
                JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("body of {length} bytes exceeds the limit of {limit} bytes"),
                ),
                JsonPayloadError::Overflow { limit } => ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("body exceeds the limit of {limit} bytes"),
                ),
                JsonPayloadError::ContentType => ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "expected Content-Type: application/json",
                ),
                JsonPayloadError::Deserialize(e) => {
                    ApiError::new(ErrorCode::InvalidJson, format!("invalid JSON body: {e}"))
                }
                other => ApiError::new(
                    ErrorCode::InvalidJson,
                    format!("invalid JSON body: {other}"),
                ),
            };
            api.into()
        })
}

/// Raw bodies (uploads): size limit.
pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// Query strings.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let message = match &err {
            QueryPayloadError::Deserialize(e) => format!("invalid query string: {e}"),
            other => format!("invalid query string: {other}"),
        };
        ApiError::new(ErrorCode::InvalidQuery, message).into()
    })
}

/// Path parameters.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        let message = match &err {
            PathError::Deserialize(e) => format!("invalid path parameter: {e}"),
            other => format!("invalid path parameter: {other}"),
        };
        ApiError::new(ErrorCode::InvalidPath, message).into()
    })
}

/// Fallback for unknown routes.
pub async fn not_found(
    request: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "no route for {} {}",
        request.method(),
        request.path()
    )))
}

//! An answer before it becomes an HTTP response: status, content type, body, and the outcome
//! label stats and metrics count it under. Handlers build these so that fault injection can
//! replace or cut them in one place.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// `text/xml` as SII's SOAP services send it.
pub const XML: &str = "text/xml;charset=utf-8";
/// JSON as the RCV facade sends it.
pub const JSON: &str = "application/json;charset=UTF-8";
/// HTML error pages.
pub const HTML: &str = "text/html; charset=iso-8859-1";

/// One answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body bytes.
    pub body: Vec<u8>,
    /// What happened, for stats and metrics (`ok`, `estado_05`, `cod_respuesta_3`, …).
    pub outcome: String,
}

impl Reply {
    /// A 200 answer.
    pub fn ok(content_type: &'static str, body: Vec<u8>, outcome: impl Into<String>) -> Reply {
        Reply {
            status: StatusCode::OK,
            content_type,
            body,
            outcome: outcome.into(),
        }
    }

    /// Any status.
    pub fn with_status(
        status: StatusCode,
        content_type: &'static str,
        body: Vec<u8>,
        outcome: impl Into<String>,
    ) -> Reply {
        Reply {
            status,
            content_type,
            body,
            outcome: outcome.into(),
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        response
    }
}

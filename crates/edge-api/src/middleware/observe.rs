//! Request id, one log line and RED metrics per request.
//!
//! The request id comes from `X-Request-Id` when the caller sends a plain one, otherwise it
//! is generated; it is returned in the response and passed to internal services in gRPC
//! metadata. The log line carries the path without its query string: query strings may hold
//! tokens (the SSE stream accepts `access_token`).

use std::time::Instant;

use actix_web::HttpMessage as _;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use ofitec_platform::grpc::RequestId;
use ofitec_platform::grpc::metadata::REQUEST_ID;
use tracing::Instrument as _;

use crate::metrics::HttpMetrics;

/// The middleware function; install with `actix_web::middleware::from_fn(observe)`.
pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::sanitize)
        .unwrap_or_else(RequestId::generate);
    request.extensions_mut().insert(request_id.clone());
    let metrics = request.app_data::<web::Data<HttpMetrics>>().cloned();
    let method = request.method().as_str().to_owned();
    let path = request.path().to_owned();
    let span = tracing::info_span!("http", %method, %path, request_id = %request_id.0);

    let started = Instant::now();
    let result = next.call(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();

    let mut response = result?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status();
    if let Some(metrics) = metrics {
        metrics
            .requests
            .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
            .inc();
        metrics
            .duration
            .with_label_values(&[method.as_str(), route.as_str()])
            .observe(elapsed.as_secs_f64());
    }
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(%route, status = status.as_u16(), latency_ms, "http request");
        } else {
            tracing::info!(%route, status = status.as_u16(), latency_ms, "http request");
        }
    });
    Ok(response)
}

/// The request id the middleware stored for this request.
pub fn request_id(request: &actix_web::HttpRequest) -> RequestId {
    request
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(RequestId::generate)
}

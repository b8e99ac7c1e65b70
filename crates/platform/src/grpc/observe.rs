//! A tower layer around every gRPC server: one span per call carrying the request id (taken
//! from `x-request-id` or generated) and the remote trace context, one log line per call, and
//! RED metrics (`grpc_server_handled_total`, `grpc_server_handling_seconds`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use prometheus::{HistogramVec, IntCounterVec};
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::metadata::{HeaderExtractor, REQUEST_ID, RequestId};
use crate::metrics::Metrics;

/// RED metrics of a gRPC server.
#[derive(Clone)]
pub struct GrpcMetrics {
    handled: IntCounterVec,
    seconds: HistogramVec,
}

impl GrpcMetrics {
    /// Registers the gRPC server metrics in `metrics`.
    pub fn register(metrics: &Metrics) -> Result<GrpcMetrics, prometheus::Error> {
        Ok(GrpcMetrics {
            handled: metrics.counter_vec(
                "grpc_server_handled_total",
                "gRPC calls completed, by service, method and status code.",
                &["grpc_service", "grpc_method", "grpc_code"],
            )?,
            seconds: metrics.histogram_vec(
                "grpc_server_handling_seconds",
                "Time to produce the response headers of a gRPC call.",
                &["grpc_service", "grpc_method"],
                None,
            )?,
        })
    }
}

/// The layer; add it with `tonic::transport::Server::builder().layer(..)`.
#[derive(Clone)]
pub struct ObserveLayer {
    metrics: GrpcMetrics,
}

impl ObserveLayer {
    /// A layer recording into `metrics`.
    pub fn new(metrics: GrpcMetrics) -> ObserveLayer {
        ObserveLayer { metrics }
    }
}

impl<S> tower_layer::Layer<S> for ObserveLayer {
    type Service = Observe<S>;
    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service produced by [`ObserveLayer`].
#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    metrics: GrpcMetrics,
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for Observe<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        let (service, method) = split_path(request.uri().path());
        let request_id = request
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .and_then(RequestId::sanitize)
            .unwrap_or_else(RequestId::generate);
        request.extensions_mut().insert(request_id.clone());

        let span = tracing::info_span!(
            "grpc",
            grpc.service = %service,
            grpc.method = %method,
            request_id = %request_id.0,
        );
        let parent = opentelemetry::global::get_text_map_propagator(|p| {
            p.extract(&HeaderExtractor(request.headers()))
        });
        let _ = span.set_parent(parent);

        // The clone may not be ready; the one poll_ready prepared is the one to call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let metrics = self.metrics.clone();
        let started = Instant::now();
        Box::pin(
            async move {
                let result = inner.call(request).await;
                let code = match &result {
                    Ok(response) => status_code(response.headers()),
                    Err(_) => tonic::Code::Unknown,
                };
                // Unknown paths would make label values unbounded.
                let (service, method) = if code == tonic::Code::Unimplemented {
                    ("unknown".to_owned(), "unknown".to_owned())
                } else {
                    (service, method)
                };
                let elapsed = started.elapsed();
                let code_name = code_name(code);
                metrics
                    .handled
                    .with_label_values(&[service.as_str(), method.as_str(), code_name])
                    .inc();
                metrics
                    .seconds
                    .with_label_values(&[service.as_str(), method.as_str()])
                    .observe(elapsed.as_secs_f64());
                let latency_ms = elapsed.as_secs_f64() * 1000.0;
                if service == "grpc.health.v1.Health" {
                    tracing::debug!(grpc.code = code_name, latency_ms, "grpc call");
                } else if matches!(
                    code,
                    tonic::Code::Internal | tonic::Code::Unknown | tonic::Code::DataLoss
                ) {
                    tracing::error!(grpc.code = code_name, latency_ms, "grpc call");
                } else {
                    tracing::info!(grpc.code = code_name, latency_ms, "grpc call");
                }
                result
            }
            .instrument(span),
        )
    }
}

/// `/pkg.Service/Method` → (`pkg.Service`, `Method`).
fn split_path(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((service, method)) => (service.to_owned(), method.to_owned()),
        None => ("unknown".to_owned(), "unknown".to_owned()),
    }
}

/// Status of a unary or trailers-only response. A streaming call's final status travels in
/// trailers after the headers, so its headers say nothing and it counts as OK here.
fn status_code(headers: &http::HeaderMap) -> tonic::Code {
    headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map(tonic::Code::from_i32)
        .unwrap_or(tonic::Code::Ok)
}

/// The names gRPC's own libraries use for status codes.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "Canceled",
        Unknown => "Unknown",
        InvalidArgument => "InvalidArgument",
        DeadlineExceeded => "DeadlineExceeded",
        NotFound => "NotFound",
        AlreadyExists => "AlreadyExists",
        PermissionDenied => "PermissionDenied",
        ResourceExhausted => "ResourceExhausted",
        FailedPrecondition => "FailedPrecondition",
        Aborted => "Aborted",
        OutOfRange => "OutOfRange",
        Unimplemented => "Unimplemented",
        Internal => "Internal",
        Unavailable => "Unavailable",
        DataLoss => "DataLoss",
        Unauthenticated => "Unauthenticated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_service_and_method() {
        assert_eq!(
            split_path("/ofitec.sii.v1.SiiGateway/GetImport"),
            (
                "ofitec.sii.v1.SiiGateway".to_owned(),
                "GetImport".to_owned()
            )
        );
        assert_eq!(
            split_path("/"),
            ("unknown".to_owned(), "unknown".to_owned())
        );
    }

    #[test]
    fn status_header_is_read() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(status_code(&headers), tonic::Code::Ok);
        headers.insert("grpc-status", http::HeaderValue::from_static("5"));
        assert_eq!(status_code(&headers), tonic::Code::NotFound);
    }
}

//! edge-api's own metrics: RED metrics per route template (never raw paths, which carry
//! RUTs and ids) and the health of each internal service as last seen.

use ofitec_core::metrics::Metrics;
use prometheus::{GaugeVec, HistogramVec, IntCounterVec, Opts};

/// HTTP and dependency metrics.
#[derive(Clone)]
pub struct HttpMetrics {
    /// Requests by method, route template and status.
    pub requests: IntCounterVec,
    /// Latency by method and route template.
    pub duration: HistogramVec,
    /// 1 when the service answered SERVING at the last health check.
    pub upstream_up: GaugeVec,
}

impl HttpMetrics {
    /// Registers the metrics in `metrics`.
    pub fn register(metrics: &Metrics) -> Result<HttpMetrics, prometheus::Error> {
        Ok(HttpMetrics {
            requests: metrics.counter_vec(
                "http_server_requests_total",
                "HTTP requests completed, by method, route template and status code.",
                &["method", "route", "status"],
            )?,
            duration: metrics.histogram_vec(
                "http_server_request_duration_seconds",
                "HTTP request latency, by method and route template.",
                &["method", "route"],
                None,
            )?,
            upstream_up: metrics.register(GaugeVec::new(
                Opts::new(
                    "upstream_up",
                    "1 when the internal service answered SERVING at the last health check.",
                ),
                &["service"],
            )?)?,
        })
    }
}

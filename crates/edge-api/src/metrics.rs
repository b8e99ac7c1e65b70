//! edge-api's own metrics: RED metrics per route template (never raw paths, which carry
//! RUTs and ids) and the health of each internal service as last seen.

use ofitec_platform::metrics::Metrics;
use prometheus::{GaugeVec, HistogramVec, IntCounterVec, IntGauge, Opts};

/// HTTP and dependency metrics.
#[derive(Clone)]
pub struct HttpMetrics {
    /// Requests by method, route template and status.
    pub requests: IntCounterVec,
    /// Latency by method and route template.
    pub duration: HistogramVec,
    /// 1 when the service answered SERVING at the last health check.
    pub upstream_up: GaugeVec,
    /// 401/403 answers by error code.
    pub auth_rejections: IntCounterVec,
    /// 429 answers by scope (`principal`, `ip`).
    pub rate_limited: IntCounterVec,
    /// Open event streams.
    pub sse_clients: IntGauge,
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
            auth_rejections: metrics.counter_vec(
                "edge_auth_rejections_total",
                "401 and 403 answers by error code.",
                &["code"],
            )?,
            rate_limited: metrics.counter_vec(
                "edge_rate_limited_total",
                "429 answers by scope.",
                &["scope"],
            )?,
            sse_clients: metrics.register(IntGauge::new(
                "edge_sse_clients",
                "Open Server-Sent Events streams.",
            )?)?,
        })
    }
}

//! The SII metrics of docs/metrics.md, fed by sii-client's observer hooks.

use std::time::Duration;

use ofitec_platform::metrics::Metrics;
use prometheus::{GaugeVec, HistogramVec, IntCounterVec, Opts};
use sii_client::client::Observer;

/// Calls to SII, token refreshes, certificate expiry.
#[derive(Clone)]
pub struct SiiMetrics {
    requests: IntCounterVec,
    duration: HistogramVec,
    refreshes: IntCounterVec,
    /// `notAfter` of the certificate in use, per environment.
    pub certificate_expiry: GaugeVec,
}

impl SiiMetrics {
    /// Registers the metrics.
    pub fn register(metrics: &Metrics) -> Result<SiiMetrics, prometheus::Error> {
        Ok(SiiMetrics {
            requests: metrics.counter_vec(
                "sii_requests_total",
                "Calls to SII by call and outcome.",
                &["call", "outcome"],
            )?,
            duration: metrics.histogram_vec(
                "sii_request_duration_seconds",
                "Latency of calls to SII.",
                &["call"],
                None,
            )?,
            refreshes: metrics.counter_vec(
                "sii_token_refreshes_total",
                "New SII tokens by environment and reason (first, expired, invalidated).",
                &["environment", "reason"],
            )?,
            certificate_expiry: metrics.register(GaugeVec::new(
                Opts::new(
                    "sii_certificate_expiry_timestamp_seconds",
                    "notAfter of the certificate in use (Unix time).",
                ),
                &["environment"],
            )?)?,
        })
    }
}

impl Observer for SiiMetrics {
    fn call(&self, call: &'static str, outcome: &'static str, elapsed: Duration) {
        self.requests.with_label_values(&[call, outcome]).inc();
        self.duration
            .with_label_values(&[call])
            .observe(elapsed.as_secs_f64());
    }

    fn token_refreshed(&self, environment: &'static str, reason: &'static str) {
        self.refreshes
            .with_label_values(&[environment, reason])
            .inc();
    }
}

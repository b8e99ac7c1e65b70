//! Requests per endpoint and outcome: `GET /admin/stats` (zeroed by `POST /admin/reset`,
//! so tests can assert a client retried exactly when it should) and the Prometheus
//! counters on `/metrics` (monotonic, as Prometheus expects).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use ofitec_platform::metrics::Metrics;
use prometheus::{HistogramVec, IntCounterVec};
use serde::Serialize;

/// The counters.
#[derive(Debug)]
pub struct Stats {
    counts: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
    requests: Option<IntCounterVec>,
    durations: Option<HistogramVec>,
}

/// One endpoint's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EndpointStats {
    /// Every request.
    pub total: u64,
    /// Per outcome (`ok`, `estado_08`, `cod_respuesta_2`, `fault_html_503`, …).
    pub outcomes: BTreeMap<String, u64>,
}

impl Stats {
    /// Counters registered in `metrics` (`sii_sim_requests_total{endpoint,outcome}`,
    /// `sii_sim_request_duration_seconds{endpoint}`).
    pub fn new(metrics: &Metrics) -> Stats {
        let requests = metrics
            .counter_vec(
                "sii_sim_requests_total",
                "Requests to the simulated SII endpoints, by endpoint and outcome",
                &["endpoint", "outcome"],
            )
            .map_err(|e| tracing::warn!(error = %e, "request counter unavailable"))
            .ok();
        let durations = metrics
            .histogram_vec(
                "sii_sim_request_duration_seconds",
                "Time to answer a simulated SII request, injected latency included",
                &["endpoint"],
                None,
            )
            .map_err(|e| tracing::warn!(error = %e, "duration histogram unavailable"))
            .ok();
        Stats {
            counts: Mutex::new(BTreeMap::new()),
            requests,
            durations,
        }
    }

    /// Counts one request.
    pub fn record(&self, endpoint: &str, outcome: &str, took: Option<Duration>) {
        {
            let mut counts = self.lock();
            *counts
                .entry(endpoint.to_owned())
                .or_default()
                .entry(outcome.to_owned())
                .or_default() += 1;
        }
        if let Some(requests) = &self.requests {
            requests.with_label_values(&[endpoint, outcome]).inc();
        }
        if let (Some(durations), Some(took)) = (&self.durations, took) {
            durations
                .with_label_values(&[endpoint])
                .observe(took.as_secs_f64());
        }
    }

    /// Per endpoint: total and outcomes.
    pub fn snapshot(&self) -> BTreeMap<String, EndpointStats> {
        self.lock()
            .iter()
            .map(|(endpoint, outcomes)| {
                (
                    endpoint.clone(),
                    EndpointStats {
                        total: outcomes.values().sum(),
                        outcomes: outcomes.clone(),
                    },
                )
            })
            .collect()
    }

    /// Zeroes the snapshot (the Prometheus counters keep counting).
    pub fn reset(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, BTreeMap<String, u64>>> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

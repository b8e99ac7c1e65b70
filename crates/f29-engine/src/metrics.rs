//! The f29-engine metrics of docs/metrics.md (a contract with dashboards and alert rules:
//! names, types and labels change only together with them).

use ofitec_domain::Period;
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts};

use ofitec_platform::metrics::{LATENCY_BUCKETS, Metrics};

use crate::domain::lifecycle::Status;

/// Handles to the engine's metrics.
#[derive(Clone)]
pub struct EngineMetrics {
    /// `f29_computations_total{result}`: computations, `ok` or `error`.
    computations: IntCounterVec,
    /// `f29_compute_duration_seconds`: computation time, fetch excluded.
    duration: Histogram,
    /// `f29_unmapped_documents_total{tipo_dte}`: documents no mapping rule covers.
    unmapped: IntCounterVec,
    /// `f29_declarations{status}`: declarations by status.
    declarations: IntGaugeVec,
    /// `f29_utm_latest_month`: the latest month of the UTM table as YYYYMM (0 when empty),
    /// so an alert can compare it with the current month.
    utm_latest_month: IntGauge,
    /// `f29_declarations_due_not_ready`: declarations of the period due this month that are
    /// not ready with two business days or fewer left.
    due_not_ready: IntGauge,
}

impl std::fmt::Debug for EngineMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineMetrics").finish_non_exhaustive()
    }
}

impl EngineMetrics {
    /// Registers the metrics in `metrics`.
    pub fn register(metrics: &Metrics) -> Result<EngineMetrics, prometheus::Error> {
        let computations = metrics.counter_vec(
            "f29_computations_total",
            "F29 computations, by result (ok, error).",
            &["result"],
        )?;
        let duration = metrics.register(Histogram::with_opts(
            HistogramOpts::new(
                "f29_compute_duration_seconds",
                "Time to compute a declaration, fetching the documents excluded.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )?)?;
        let unmapped = metrics.counter_vec(
            "f29_unmapped_documents_total",
            "Documents no mapping rule covers, by tipo DTE.",
            &["tipo_dte"],
        )?;
        let declarations = metrics.register(IntGaugeVec::new(
            Opts::new("f29_declarations", "Declarations by status."),
            &["status"],
        )?)?;
        let utm_latest_month = metrics.register(IntGauge::new(
            "f29_utm_latest_month",
            "Latest month of the UTM table as YYYYMM (e.g. 202607); 0 when the table is empty.",
        )?)?;
        let due_not_ready = metrics.register(IntGauge::new(
            "f29_declarations_due_not_ready",
            "Declarations of the period due this month (companies the engine knows) not ready, sent or paid with two business days or fewer to their due date, or past it.",
        )?)?;
        // Both results and every status exist from the start, so rates and alerts see 0
        // rather than no series.
        for result in ["ok", "error"] {
            computations.with_label_values(&[result]);
        }
        for status in Status::ALL {
            declarations.with_label_values(&[status.as_str()]).set(0);
        }
        Ok(EngineMetrics {
            computations,
            duration,
            unmapped,
            declarations,
            utm_latest_month,
            due_not_ready,
        })
    }

    /// Sets the latest UTM month.
    pub fn utm_latest(&self, latest: Option<Period>) {
        let value = latest.map_or(0, |p| i64::from(p.year()) * 100 + i64::from(p.month()));
        self.utm_latest_month.set(value);
    }

    /// Sets the count of declarations due soon and not ready.
    pub fn due_not_ready(&self, count: i64) {
        self.due_not_ready.set(count);
    }

    /// Records a computation's outcome and, when it succeeded, its duration.
    pub fn computed(&self, ok: bool, seconds: Option<f64>) {
        self.computations
            .with_label_values(&[if ok { "ok" } else { "error" }])
            .inc();
        if let Some(s) = seconds {
            self.duration.observe(s);
        }
    }

    /// Counts unmapped documents by tipo DTE.
    pub fn unmapped(&self, tipo_dte: u16, documents: u64) {
        self.unmapped
            .with_label_values(&[tipo_dte.to_string().as_str()])
            .inc_by(documents);
    }

    /// Sets the declarations gauge.
    pub fn declarations(&self, counts: &std::collections::BTreeMap<Status, i64>) {
        for (status, n) in counts {
            self.declarations
                .with_label_values(&[status.as_str()])
                .set(*n);
        }
    }
}

//! The import metrics of docs/metrics.md.

use ofitec_platform::metrics::Metrics;
use prometheus::{HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts};

use crate::store::jobs::JobStatus;

/// Jobs, documents, retries, dead letters, queue depth.
#[derive(Clone)]
pub struct ImportMetrics {
    /// Jobs in the database by status (refreshed periodically).
    pub jobs: IntGaugeVec,
    /// Jobs that reached a final status.
    pub finished: IntCounterVec,
    /// Duration of successful jobs.
    pub duration: HistogramVec,
    /// Documents inserted or changed.
    pub documents: IntCounterVec,
    /// Attempts retried.
    pub retries: IntCounter,
    /// Messages sent to the dead-letter queue.
    pub dead_letters: IntCounter,
    /// Messages seen in the queues.
    pub queue_depth: IntGaugeVec,
    /// Pre-import backups by outcome.
    pub pre_import_backups: IntCounterVec,
    /// Open WatchImports streams.
    pub watchers: IntGauge,
    /// 1 while connected to RabbitMQ (queue mode).
    pub broker_up: IntGauge,
    /// Pages of documents sent by `StreamDocuments`.
    pub streamed_pages: IntCounter,
    /// `StreamDocuments` reads stopped because the caller went away.
    pub streams_abandoned: IntCounter,
}

impl ImportMetrics {
    /// Registers the metrics; final statuses start at 0 so the first failure is a change.
    pub fn register(metrics: &Metrics) -> Result<ImportMetrics, prometheus::Error> {
        let m = ImportMetrics {
            jobs: metrics.register(IntGaugeVec::new(
                Opts::new("import_jobs", "Import jobs in the database by status."),
                &["status"],
            )?)?,
            finished: metrics.counter_vec(
                "import_jobs_finished_total",
                "Import jobs that reached a final status.",
                &["status"],
            )?,
            duration: metrics.histogram_vec(
                "import_job_duration_seconds",
                "Duration of successful import jobs.",
                &["operation"],
                Some(vec![
                    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0,
                ]),
            )?,
            documents: metrics.counter_vec(
                "import_documents_total",
                "RCV documents inserted or changed.",
                &["operation"],
            )?,
            retries: metrics.register(IntCounter::new(
                "import_retries_total",
                "Import attempts that were retried.",
            )?)?,
            dead_letters: metrics.register(IntCounter::new(
                "import_dead_letters_total",
                "Import messages sent to the dead-letter queue.",
            )?)?,
            queue_depth: metrics.register(IntGaugeVec::new(
                Opts::new("import_queue_depth", "Messages seen in the import queues."),
                &["queue"],
            )?)?,
            pre_import_backups: metrics.counter_vec(
                "import_pre_import_backups_total",
                "Pre-import backups by outcome.",
                &["outcome"],
            )?,
            watchers: metrics.register(IntGauge::new(
                "import_event_watchers",
                "Open WatchImports streams.",
            )?)?,
            streamed_pages: metrics.register(IntCounter::new(
                "documents_streamed_pages_total",
                "Pages of documents sent by StreamDocuments.",
            )?)?,
            streams_abandoned: metrics.register(IntCounter::new(
                "documents_streams_abandoned_total",
                "StreamDocuments reads stopped because the caller went away.",
            )?)?,
            broker_up: metrics.register(IntGauge::new(
                "import_broker_up",
                "1 while connected to RabbitMQ (queue mode).",
            )?)?,
        };
        for status in [
            JobStatus::Succeeded,
            JobStatus::Failed,
            JobStatus::Dead,
            JobStatus::Cancelled,
        ] {
            m.finished.with_label_values(&[status.as_str()]).inc_by(0);
        }
        for status in JobStatus::ALL {
            m.jobs.with_label_values(&[status.as_str()]).set(0);
        }
        Ok(m)
    }
}

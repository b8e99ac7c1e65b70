//! How imports run: the queue, retries, politeness toward SII, pre-import backups.

use serde::Deserialize;

/// Import settings. `Debug` is written by hand: the broker URL carries a password.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportsConfig {
    /// RabbitMQ URL (`amqp://…`); absent means the embedded worker pool driven by the job
    /// table (one machine, no broker).
    #[serde(default)]
    pub amqp_url: Option<String>,
    /// Prefix of every queue and exchange name (lets several test runs share a broker).
    #[serde(default = "default_prefix")]
    pub queue_prefix: String,
    /// Messages a worker may hold unacknowledged.
    #[serde(default = "default_prefetch")]
    pub prefetch: u16,
    /// Jobs processed at the same time by this process.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Jobs of the same company processed at the same time by this process.
    #[serde(default = "default_per_company")]
    pub per_company_concurrency: usize,
    /// Attempts of a job before it is dead.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Delay before attempt 2, 3, … in seconds (the last value repeats).
    #[serde(default = "default_retry_delays")]
    pub retry_delays_s: Vec<u64>,
    /// Events kept for replay (`Last-Event-ID`).
    #[serde(default = "default_event_window")]
    pub event_window: i64,
    /// How often the embedded pool looks for due jobs, in milliseconds.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// Backup before large bulk imports.
    #[serde(default)]
    pub pre_import_backup: Option<PreImportBackup>,
}

impl std::fmt::Debug for ImportsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportsConfig")
            .field(
                "amqp_url",
                &self
                    .amqp_url
                    .as_deref()
                    .map(crate::imports::queue::redacted),
            )
            .field("queue_prefix", &self.queue_prefix)
            .field("prefetch", &self.prefetch)
            .field("concurrency", &self.concurrency)
            .field("per_company_concurrency", &self.per_company_concurrency)
            .field("max_attempts", &self.max_attempts)
            .field("retry_delays_s", &self.retry_delays_s)
            .field("event_window", &self.event_window)
            .field("poll_ms", &self.poll_ms)
            .field("pre_import_backup", &self.pre_import_backup)
            .finish()
    }
}

impl Default for ImportsConfig {
    fn default() -> Self {
        ImportsConfig {
            amqp_url: None,
            queue_prefix: default_prefix(),
            prefetch: default_prefetch(),
            concurrency: default_concurrency(),
            per_company_concurrency: default_per_company(),
            max_attempts: default_max_attempts(),
            retry_delays_s: default_retry_delays(),
            event_window: default_event_window(),
            poll_ms: default_poll_ms(),
            pre_import_backup: None,
        }
    }
}

/// Ask backup-agent for a `pre-import` backup before a bulk import of at least
/// `min_jobs` jobs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreImportBackup {
    /// backup-agent's gRPC URL.
    pub backup_agent: String,
    /// Plan to run.
    pub plan: String,
    /// Bulk size (jobs) from which a backup is taken.
    #[serde(default = "default_min_jobs")]
    pub min_jobs: usize,
    /// What to do when the backup fails: `abort` the import or `warn` and continue.
    #[serde(default)]
    pub on_failure: OnFailure,
}

/// Policy when the pre-import backup fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// Refuse the import.
    Abort,
    /// Log, count and continue.
    #[default]
    Warn,
}

fn default_prefix() -> String {
    "rcv".to_owned()
}
fn default_prefetch() -> u16 {
    4
}
fn default_concurrency() -> usize {
    4
}
fn default_per_company() -> usize {
    1
}
fn default_max_attempts() -> u32 {
    5
}
fn default_retry_delays() -> Vec<u64> {
    vec![5, 30, 120, 600]
}
fn default_event_window() -> i64 {
    10_000
}
fn default_poll_ms() -> u64 {
    500
}
fn default_min_jobs() -> usize {
    50
}

impl ImportsConfig {
    /// Delay before `attempt` (2-based; attempt 1 has none).
    pub fn retry_delay(&self, attempt: u32) -> std::time::Duration {
        let index = attempt.saturating_sub(2) as usize;
        let seconds = self
            .retry_delays_s
            .get(index)
            .or(self.retry_delays_s.last())
            .copied()
            .unwrap_or(5);
        std::time::Duration::from_secs(seconds)
    }

    /// Queue and exchange names.
    pub fn names(&self) -> QueueNames {
        let p = &self.queue_prefix;
        QueueNames {
            work: format!("{p}.import"),
            dead: format!("{p}.import.dead"),
            dead_exchange: format!("{p}.dlx"),
            events: format!("{p}.events"),
            delay_prefix: format!("{p}.import.delay."),
        }
    }
}

/// The broker topology's names.
#[derive(Debug, Clone)]
pub struct QueueNames {
    /// Work queue (quorum, durable).
    pub work: String,
    /// Dead-letter queue.
    pub dead: String,
    /// Exchange the work queue dead-letters into.
    pub dead_exchange: String,
    /// Fanout exchange of event notices.
    pub events: String,
    /// Delay queues are this plus the delay in seconds.
    pub delay_prefix: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_repeat_the_last() {
        let config = ImportsConfig {
            retry_delays_s: vec![1, 10],
            ..ImportsConfig::default()
        };
        let delays: Vec<u64> = (2..=5).map(|a| config.retry_delay(a).as_secs()).collect();
        assert_eq!(delays, vec![1, 10, 10, 10]);
    }

    #[test]
    fn debug_output_hides_the_broker_password() {
        let config = ImportsConfig {
            amqp_url: Some("amqp://ofitec:s3cr3t-pw@rabbit:5672/%2f".to_owned()),
            ..ImportsConfig::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cr3t-pw"), "{printed}");
        assert!(
            printed.contains("amqp://ofitec:***@rabbit:5672/%2f"),
            "{printed}"
        );
    }
}

//! The backup-agent metrics, exactly as named in docs/metrics.md (a contract with the alert
//! rules). Timestamps, not status strings; no snapshot ids as labels; a `*_last_success_*`
//! series exists only after a first success, so `absent()` alerts fire on an agent that never
//! succeeded.

use chrono::{DateTime, Utc};
use ofitec_platform::metrics::Metrics;
use prometheus::{GaugeVec, HistogramVec, IntCounterVec, IntGaugeVec, Opts};

use crate::tools::TOOLS;

/// Run duration buckets: a second to six hours.
const DURATION_BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0, 14400.0,
    21600.0,
];

/// Handles to every backup metric.
#[derive(Debug, Clone)]
pub struct BackupMetrics {
    /// `backup_last_success_timestamp_seconds{plan,repository}`.
    pub last_success: GaugeVec,
    /// `backup_runs_total{plan,result}`.
    pub runs: IntCounterVec,
    /// `backup_duration_seconds{plan}`.
    pub duration: HistogramVec,
    /// `backup_size_bytes{plan}`.
    pub size: IntGaugeVec,
    /// `backup_check_last_success_timestamp_seconds{plan,repository}`.
    pub check_last_success: GaugeVec,
    /// `backup_restore_drill_last_success_timestamp_seconds{plan}`.
    pub drill_last_success: GaugeVec,
    /// `backup_restore_drill_duration_seconds{plan}`.
    pub drill_duration: GaugeVec,
    /// `backup_repository_up{plan,repository}`.
    pub repository_up: IntGaugeVec,
    /// `backup_plan_degraded{plan}`.
    pub plan_degraded: IntGaugeVec,
    /// `backup_tool_missing{tool}`.
    pub tool_missing: IntGaugeVec,
    /// `backup_success_max_age_seconds{plan}`: the plan's `alert_after_hours`, for the
    /// no-recent-success alert (`time() - last_success > max_age`).
    pub success_max_age: IntGaugeVec,
}

impl BackupMetrics {
    /// Registers every metric on the service's registry.
    pub fn register(metrics: &Metrics) -> Result<BackupMetrics, prometheus::Error> {
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            metrics.register(GaugeVec::new(Opts::new(name, help), labels)?)
        };
        let int_gauge = |name: &str, help: &str, labels: &[&str]| {
            metrics.register(IntGaugeVec::new(Opts::new(name, help), labels)?)
        };
        Ok(BackupMetrics {
            last_success: gauge(
                "backup_last_success_timestamp_seconds",
                "Last successful backup (primary) or copy (offsite), Unix time; absent before the first success.",
                &["plan", "repository"],
            )?,
            runs: metrics.counter_vec(
                "backup_runs_total",
                "Backup runs by result (succeeded, degraded, failed).",
                &["plan", "result"],
            )?,
            duration: metrics.histogram_vec(
                "backup_duration_seconds",
                "Backup run duration.",
                &["plan"],
                Some(DURATION_BUCKETS.to_vec()),
            )?,
            size: int_gauge(
                "backup_size_bytes",
                "Size of the last run's artefacts.",
                &["plan"],
            )?,
            check_last_success: gauge(
                "backup_check_last_success_timestamp_seconds",
                "Last successful restic check, Unix time.",
                &["plan", "repository"],
            )?,
            drill_last_success: gauge(
                "backup_restore_drill_last_success_timestamp_seconds",
                "Last successful restore drill, Unix time.",
                &["plan"],
            )?,
            drill_duration: gauge(
                "backup_restore_drill_duration_seconds",
                "Duration of the last restore drill (measured RTO).",
                &["plan"],
            )?,
            repository_up: int_gauge(
                "backup_repository_up",
                "1 when the repository answered at the last contact.",
                &["plan", "repository"],
            )?,
            plan_degraded: int_gauge(
                "backup_plan_degraded",
                "1 when the last run left an offsite copy missing.",
                &["plan"],
            )?,
            tool_missing: int_gauge(
                "backup_tool_missing",
                "1 when restic, pg_dump or pg_restore is not installed.",
                &["tool"],
            )?,
            success_max_age: int_gauge(
                "backup_success_max_age_seconds",
                "Longest time the plan may go without a successful backup before an alert (its alert_after_hours); configuration, exported from start.",
                &["plan"],
            )?,
        })
    }

    /// Exports every plan's alert threshold (configuration: set at start, before any run).
    pub fn set_alert_thresholds(&self, plans: &[crate::plan::Plan]) {
        for plan in plans {
            self.success_max_age
                .with_label_values(&[&plan.name])
                .set(i64::from(plan.alert_after_hours) * 3600);
        }
    }

    /// Sets `backup_tool_missing` for every known tool.
    pub fn set_tools(&self, missing: &[String]) {
        for tool in TOOLS {
            let value = i64::from(missing.iter().any(|m| m == tool));
            self.tool_missing.with_label_values(&[tool]).set(value);
        }
    }

    /// A successful backup/copy reached `repository` at `at`.
    pub fn success(&self, plan: &str, repository: &str, at: DateTime<Utc>) {
        self.last_success
            .with_label_values(&[plan, repository])
            .set(seconds(at));
    }

    /// A run of `plan` backed `size_bytes` up, verified (`degraded`: an offsite copy failed).
    pub fn backed_up(&self, plan: &str, size_bytes: u64, degraded: bool) {
        self.size
            .with_label_values(&[plan])
            .set(i64::try_from(size_bytes).unwrap_or(i64::MAX));
        self.plan_degraded
            .with_label_values(&[plan])
            .set(i64::from(degraded));
    }

    /// A successful check of `repository` at `at`.
    pub fn check_success(&self, plan: &str, repository: &str, at: DateTime<Utc>) {
        self.check_last_success
            .with_label_values(&[plan, repository])
            .set(seconds(at));
    }

    /// A successful drill at `at` that took `duration` seconds.
    pub fn drill_success(&self, plan: &str, at: DateTime<Utc>) {
        self.drill_last_success
            .with_label_values(&[plan])
            .set(seconds(at));
    }

    /// Whether `repository` answered.
    pub fn repository_up(&self, plan: &str, repository: &str, up: bool) {
        self.repository_up
            .with_label_values(&[plan, repository])
            .set(i64::from(up));
    }
}

fn seconds(at: DateTime<Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}

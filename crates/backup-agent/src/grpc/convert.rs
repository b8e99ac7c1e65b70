//! Catalog records → protobuf messages.

use chrono::{DateTime, SecondsFormat, Utc};
use ofitec_proto::backup::v1 as pb;

use crate::status::PlanStatus;
use crate::store::drills::DrillRecord;
use crate::store::runs::RunRecord;

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A run.
pub fn run(record: &RunRecord) -> pb::BackupRun {
    pb::BackupRun {
        id: record.id.clone(),
        plan: record.plan.clone(),
        reason: record.reason.clone(),
        result: record.result.clone(),
        started_at: time(Some(record.started_at)),
        finished_at: time(record.finished_at),
        steps: record
            .steps
            .iter()
            .map(|s| pb::StepResult {
                step: s.step.clone(),
                result: s.result.clone(),
                duration_seconds: s.duration_seconds,
                error: s.error.clone(),
            })
            .collect(),
        snapshots: record
            .snapshots
            .iter()
            .map(|(repository, id)| pb::SnapshotRef {
                repository: repository.clone(),
                snapshot_id: id.clone(),
            })
            .collect(),
        size_bytes: record.size_bytes,
        error: record.error.clone(),
        joined: false,
        requested_by: record.requested_by.clone(),
        duration_seconds: record.duration_seconds,
    }
}

/// A plan's status.
pub fn plan_status(status: &PlanStatus) -> pb::PlanStatus {
    pb::PlanStatus {
        plan: status.plan.clone(),
        state: status.state.clone(),
        last_success_at: time(status.last_success_at),
        last_failure_at: time(status.last_failure_at),
        last_failure_reason: status.last_failure_reason.clone(),
        last_check_at: time(status.last_check_at),
        last_drill_at: time(status.last_drill_at),
        last_drill_seconds: status.last_drill_seconds,
        next_run_at: time(status.next_run_at),
        repositories: status
            .repositories
            .iter()
            .map(|r| pb::RepositoryStatus {
                name: r.name.clone(),
                role: r.role.clone(),
                reachable: r.reachable,
                last_success_at: time(r.last_success_at),
                size_bytes: r.size_bytes,
                last_error: r.last_error.clone(),
                last_check_at: time(r.last_check_at),
            })
            .collect(),
        running: status.running,
    }
}

/// A drill.
pub fn drill(record: &DrillRecord) -> pb::DrillResult {
    pb::DrillResult {
        plan: record.plan.clone(),
        snapshot_id: record.snapshot_id.clone(),
        result: record.result.clone(),
        duration_seconds: record.duration_seconds,
        problems: record.problems.clone(),
        started_at: time(Some(record.started_at)),
    }
}

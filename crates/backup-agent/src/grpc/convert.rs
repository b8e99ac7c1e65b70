//! Catalog records → protobuf messages, and the run vocabulary both ways.

use chrono::{DateTime, SecondsFormat, Utc};
use ofitec_proto::backup::v1 as pb;

use crate::outcome::{Outcome, RunResult};
use crate::reason::Reason;
use crate::status::PlanStatus;
use crate::store::drills::DrillRecord;
use crate::store::runs::RunRecord;

/// A reason on the wire.
pub fn reason(reason: Reason) -> pb::RunReason {
    match reason {
        Reason::Scheduled => pb::RunReason::Scheduled,
        Reason::PreImport => pb::RunReason::PreImport,
        Reason::PreDeploy => pb::RunReason::PreDeploy,
        Reason::Manual => pb::RunReason::Manual,
        Reason::PreRestore => pb::RunReason::PreRestore,
    }
}

/// A reason from the wire (not set: manual); `None` for a number this version does not know.
pub fn reason_from(value: i32) -> Option<Reason> {
    Some(match pb::RunReason::try_from(value).ok()? {
        pb::RunReason::Unspecified | pb::RunReason::Manual => Reason::Manual,
        pb::RunReason::Scheduled => Reason::Scheduled,
        pb::RunReason::PreImport => Reason::PreImport,
        pb::RunReason::PreDeploy => Reason::PreDeploy,
        pb::RunReason::PreRestore => Reason::PreRestore,
    })
}

/// A result on the wire.
pub fn result(result: RunResult) -> pb::RunResult {
    match result {
        RunResult::Running => pb::RunResult::Running,
        RunResult::Succeeded => pb::RunResult::Succeeded,
        RunResult::Degraded => pb::RunResult::Degraded,
        RunResult::Failed => pb::RunResult::Failed,
    }
}

/// A result from the wire; `None` when not set or unknown to this version.
pub fn result_from(value: i32) -> Option<RunResult> {
    match pb::RunResult::try_from(value).ok()? {
        pb::RunResult::Unspecified => None,
        pb::RunResult::Running => Some(RunResult::Running),
        pb::RunResult::Succeeded => Some(RunResult::Succeeded),
        pb::RunResult::Degraded => Some(RunResult::Degraded),
        pb::RunResult::Failed => Some(RunResult::Failed),
    }
}

fn outcome(outcome: Outcome) -> pb::StepOutcome {
    match outcome {
        Outcome::Ok => pb::StepOutcome::Ok,
        Outcome::Failed => pb::StepOutcome::Failed,
    }
}

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A run.
pub fn run(record: &RunRecord) -> pb::BackupRun {
    pb::BackupRun {
        id: record.id.clone(),
        plan: record.plan.clone(),
        reason: reason(record.reason).into(),
        result: result(record.result).into(),
        started_at: time(Some(record.started_at)),
        finished_at: time(record.finished_at),
        steps: record
            .steps
            .iter()
            .map(|s| pb::StepResult {
                step: s.step.clone(),
                result: outcome(s.result).into(),
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
        state: status.state.to_string(),
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
        result: result(record.result).into(),
        duration_seconds: record.duration_seconds,
        problems: record.problems.clone(),
        started_at: time(Some(record.started_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator as _;

    #[test]
    fn reasons_and_results_cross_the_wire_unchanged() {
        for r in Reason::iter() {
            assert_eq!(reason_from(reason(r).into()), Some(r));
        }
        for r in RunResult::iter() {
            assert_eq!(result_from(result(r).into()), Some(r));
        }
        // Not set: a manual run; numbers this version does not know are refused, not guessed.
        assert_eq!(
            reason_from(pb::RunReason::Unspecified.into()),
            Some(Reason::Manual)
        );
        assert_eq!(reason_from(99), None);
        assert_eq!(result_from(pb::RunResult::Unspecified.into()), None);
        assert_eq!(result_from(-1), None);
    }
}

//! `/api/backup/…`: backup status, snapshots, and on-demand runs and restore drills, served by
//! backup-agent.
//!
//! Backups are platform-wide (plans, repositories), not company data, so no company scope
//! applies; backup-agent does not authorise callers itself, so the roles here are the only
//! gate: operators watch (the "operators are told when that stops being true"),
//! administrators trigger runs and drills. A run answers at once (202) and is followed
//! with `GET /api/backup/runs?id=…`; a drill answers with its outcome, under its own
//! deadline (`services.backup_drill_timeout_ms`).

pub mod drill;
pub mod run;
pub mod runs;
pub mod snapshots;
pub mod status;

use crate::error::ApiError;
use ofitec_domain::ErrorCode;
use ofitec_proto::backup::v1 as pb;

/// Empty text (the wire's "not set") as `None`.
fn some(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// A run's reason as the API names it.
fn reason_name(value: i32) -> &'static str {
    match pb::RunReason::try_from(value) {
        Ok(pb::RunReason::Scheduled) => "scheduled",
        Ok(pb::RunReason::PreImport) => "pre-import",
        Ok(pb::RunReason::PreDeploy) => "pre-deploy",
        Ok(pb::RunReason::Manual) => "manual",
        Ok(pb::RunReason::PreRestore) => "pre-restore",
        Ok(pb::RunReason::Unspecified) | Err(_) => "unknown",
    }
}

/// A run's or a drill's result as the API names it.
fn result_name(value: i32) -> &'static str {
    match pb::RunResult::try_from(value) {
        Ok(pb::RunResult::Running) => "running",
        Ok(pb::RunResult::Succeeded) => "succeeded",
        Ok(pb::RunResult::Degraded) => "degraded",
        Ok(pb::RunResult::Failed) => "failed",
        Ok(pb::RunResult::Unspecified) | Err(_) => "unknown",
    }
}

/// A step's result as the API names it.
fn step_result_name(value: i32) -> &'static str {
    match pb::StepOutcome::try_from(value) {
        Ok(pb::StepOutcome::Ok) => "ok",
        Ok(pb::StepOutcome::Failed) => "failed",
        Ok(pb::StepOutcome::Unspecified) | Err(_) => "unknown",
    }
}

/// A plan name from a body: present and not blank.
fn plan(text: &str) -> Result<String, ApiError> {
    let plan = text.trim();
    if plan.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidArgument,
            "plan: the name of a configured plan",
        )
        .with_field("plan"));
    }
    Ok(plan.to_owned())
}

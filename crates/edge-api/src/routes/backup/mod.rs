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

/// Empty text (the wire's "not set") as `None`.
fn some(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
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

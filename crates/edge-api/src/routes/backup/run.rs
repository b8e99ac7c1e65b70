//! `POST /api/backup/run`: start a plan's backup now (or join the run in progress).

use actix_web::{HttpResponse, post, web};
use ofitec_domain::ErrorCode;
use ofitec_proto::backup::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{plan, reason_name, result_name, some, step_result_name};
use crate::auth::{Admin, Authorized};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Which plan, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"plan": "nightly", "reason": "manual"}))]
pub struct RunBody {
    /// Plan name as configured.
    pub plan: String,
    /// `manual` (default), `pre-deploy` or `pre-import`; recorded as a snapshot tag.
    pub reason: Option<String>,
}

/// One step of a run.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepBody {
    /// `preflight`, `dump:<source>`, `verify:<source>`, `manifest`, `backup`, `copy:<repository>`, …
    pub step: String,
    /// `ok` or `failed`.
    pub result: String,
    /// Seconds.
    pub duration_seconds: f64,
    /// Why it failed.
    pub error: Option<String>,
}

/// A snapshot a run made.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotRefBody {
    /// Repository name.
    pub repository: String,
    /// restic snapshot id.
    pub snapshot_id: String,
}

/// A backup run as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunAnswer {
    /// Run id.
    pub id: String,
    /// Plan.
    pub plan: String,
    /// Reason.
    pub reason: String,
    /// `running`, `succeeded`, `degraded` (local fine, an offsite failed) or `failed`.
    #[schema(example = "running")]
    pub result: String,
    /// This request joined a run already in progress.
    pub joined: bool,
    /// Who asked.
    pub requested_by: String,
    /// Start, RFC 3339.
    pub started_at: String,
    /// End, RFC 3339; absent while running.
    pub finished_at: Option<String>,
    /// Seconds; 0 while running.
    pub duration_seconds: f64,
    /// Steps so far.
    pub steps: Vec<StepBody>,
    /// Snapshot per repository.
    pub snapshots: Vec<SnapshotRefBody>,
    /// Bytes backed up.
    pub size_bytes: u64,
    /// Why the run failed.
    pub error: Option<String>,
}

impl From<pb::BackupRun> for RunAnswer {
    fn from(r: pb::BackupRun) -> RunAnswer {
        RunAnswer {
            id: r.id,
            plan: r.plan,
            reason: reason_name(r.reason).to_owned(),
            result: result_name(r.result).to_owned(),
            joined: r.joined,
            requested_by: r.requested_by,
            started_at: r.started_at,
            finished_at: some(r.finished_at),
            duration_seconds: r.duration_seconds,
            steps: r
                .steps
                .into_iter()
                .map(|s| StepBody {
                    step: s.step,
                    result: step_result_name(s.result).to_owned(),
                    duration_seconds: s.duration_seconds,
                    error: some(s.error),
                })
                .collect(),
            snapshots: r
                .snapshots
                .into_iter()
                .map(|s| SnapshotRefBody {
                    repository: s.repository,
                    snapshot_id: s.snapshot_id,
                })
                .collect(),
            size_bytes: r.size_bytes,
            error: some(r.error),
        }
    }
}

/// Start a plan's backup now; a request during a run joins it. Answers at once (202): a run
/// dumps, verifies and uploads whole databases, far longer than an HTTP call should wait.
/// Follow it with `GET /api/backup/runs?id=<id>` (or the status).
#[utoipa::path(
    operation_id = "startBackupRun",
    tag = "backup",
    request_body = RunBody,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 202, description = "Started (or joined); the run as recorded so far", body = RunAnswer),
        (status = 400, description = "No plan, or a reason that is not manual, pre-deploy or pre-import (`reason_invalid`)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 404, description = "No such plan (`plan_unknown`)", body = ErrorBody),
        (status = 409, description = "A tool the plan needs is missing (`tool_missing`)", body = ErrorBody),
        (status = 503, description = "backup-agent unavailable", body = ErrorBody),
    )
)]
#[post("/backup/run")]
pub async fn post(
    auth: Authorized<Admin>,
    state: web::Data<AppState>,
    body: web::Json<RunBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let plan = plan(&body.plan)?;
    let reason = requested_reason(body.reason.as_deref())?;
    let run = state
        .upstreams
        .backup()
        .run_backup(auth.context().request(pb::RunBackupRequest {
            plan,
            reason: reason.into(),
            requested_by: auth.principal().sub().to_owned(),
            wait: false,
        }))
        .await
        .map_err(|s| ApiError::from_grpc("backup-agent", &s))?
        .into_inner();
    Ok(HttpResponse::Accepted().json(RunAnswer::from(run)))
}

/// A reason a person may give: `manual` (also when absent), `pre-deploy` or `pre-import`.
fn requested_reason(text: Option<&str>) -> Result<pb::RunReason, ApiError> {
    let text = text.unwrap_or_default().trim().to_ascii_lowercase();
    let refused = |message: String| {
        Err(ApiError::new(ErrorCode::ReasonInvalid, message).with_field("reason"))
    };
    match text.as_str() {
        "" | "manual" => Ok(pb::RunReason::Manual),
        "pre-deploy" => Ok(pb::RunReason::PreDeploy),
        "pre-import" => Ok(pb::RunReason::PreImport),
        // Snapshot tags are evidence: a person's run is never recorded as the scheduler's.
        "scheduled" => refused(
            "reason: `scheduled` is the scheduler's; use manual, pre-deploy or pre-import"
                .to_owned(),
        ),
        other => refused(format!(
            "reason: unknown reason `{other}`; use manual, pre-deploy or pre-import"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reasons_a_person_may_give_are_accepted() {
        for (given, reason) in [
            (None, pb::RunReason::Manual),
            (Some(""), pb::RunReason::Manual),
            (Some(" Pre-Deploy "), pb::RunReason::PreDeploy),
            (Some("pre-import"), pb::RunReason::PreImport),
        ] {
            assert_eq!(requested_reason(given).ok(), Some(reason), "{given:?}");
        }
        for refused in ["scheduled", "pre-restore", "whim"] {
            let code = requested_reason(Some(refused)).map_err(|e| e.code());
            assert_eq!(code, Err(ErrorCode::ReasonInvalid), "{refused}");
        }
    }

    #[test]
    fn the_wire_enums_answer_the_documented_strings() {
        let reasons = [
            pb::RunReason::Scheduled,
            pb::RunReason::PreImport,
            pb::RunReason::PreDeploy,
            pb::RunReason::Manual,
            pb::RunReason::PreRestore,
        ]
        .map(|r| super::super::reason_name(r.into()));
        assert_eq!(
            reasons,
            [
                "scheduled",
                "pre-import",
                "pre-deploy",
                "manual",
                "pre-restore"
            ]
        );
        let results = [
            pb::RunResult::Running,
            pb::RunResult::Succeeded,
            pb::RunResult::Degraded,
            pb::RunResult::Failed,
        ]
        .map(|r| super::super::result_name(r.into()));
        assert_eq!(results, ["running", "succeeded", "degraded", "failed"]);
        let steps = [pb::StepOutcome::Ok, pb::StepOutcome::Failed]
            .map(|s| super::super::step_result_name(s.into()));
        assert_eq!(steps, ["ok", "failed"]);
    }
}

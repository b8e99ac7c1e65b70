//! `POST /api/backup/drill`: a restore drill now.

use actix_web::{HttpResponse, post, web};
use ofitec_proto::backup::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{plan, result_name, some};
use crate::auth::{Admin, Authorized};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Which plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"plan": "nightly"}))]
pub struct DrillBody {
    /// Plan name as configured.
    pub plan: String,
}

/// How the drill went.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrillAnswer {
    /// Plan.
    pub plan: String,
    /// Snapshot restored.
    pub snapshot_id: Option<String>,
    /// `succeeded` or `failed`.
    #[schema(example = "succeeded")]
    pub result: String,
    /// Restore and verification, seconds (the measured RTO).
    pub duration_seconds: f64,
    /// What differed or failed.
    pub problems: Vec<String>,
    /// Start, RFC 3339.
    pub started_at: String,
}

/// Restore the plan's newest snapshot into scratch space, compare it with its manifest and
/// clean up. A drill that finds problems still answers 200, with `result: failed`. The
/// answer comes when the drill ends: its outcome (problems, measured RTO) is what the caller
/// asked for, so the call waits up to `services.backup_drill_timeout_ms` (2 h by default),
/// not the ordinary call timeout. A caller that gives up earlier does not stop the drill:
/// backup-agent finishes, cleans up and records it (`GET /api/backup/status`).
#[utoipa::path(
    operation_id = "runRestoreDrill",
    tag = "backup",
    request_body = DrillBody,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "The drill's outcome", body = DrillAnswer),
        (status = 400, description = "No plan", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 404, description = "No such plan (`plan_unknown`)", body = ErrorBody),
        (status = 409, description = "A tool the drill needs is missing (`tool_missing`)", body = ErrorBody),
        (status = 503, description = "backup-agent unavailable", body = ErrorBody),
        (status = 504, description = "The drill outlasted `services.backup_drill_timeout_ms` (`upstream_timeout`); it goes on in backup-agent", body = ErrorBody),
    )
)]
#[post("/backup/drill")]
pub async fn post(
    auth: Authorized<Admin>,
    state: web::Data<AppState>,
    body: web::Json<DrillBody>,
) -> Result<HttpResponse, ApiError> {
    let plan = plan(&body.plan)?;
    let drill = state
        .upstreams
        .backup_drill()
        .run_drill(auth.context().request(pb::RunDrillRequest {
            plan,
            requested_by: auth.principal().sub().to_owned(),
        }))
        .await
        .map_err(|s| ApiError::from_grpc("backup-agent", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(DrillAnswer {
        plan: drill.plan,
        snapshot_id: some(drill.snapshot_id),
        result: result_name(drill.result).to_owned(),
        duration_seconds: drill.duration_seconds,
        problems: drill.problems,
        started_at: drill.started_at,
    }))
}

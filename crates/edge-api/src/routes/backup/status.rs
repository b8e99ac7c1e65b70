//! `GET /api/backup/status`: per plan and repository, what is known to be safe.

use actix_web::{HttpResponse, get, web};
use ofitec_proto::backup::v1 as pb;
use serde::Serialize;
use utoipa::ToSchema;

use super::some;
use crate::auth::{Authorized, Operator};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// One repository of a plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct RepositoryStatusBody {
    /// Repository name as configured.
    pub name: String,
    /// `primary` or `offsite`.
    pub role: String,
    /// Whether the last contact succeeded.
    pub reachable: bool,
    /// Last successful backup or copy, RFC 3339.
    pub last_success_at: Option<String>,
    /// Last successful `restic check`, RFC 3339.
    pub last_check_at: Option<String>,
    /// Size in bytes, when known.
    pub size_bytes: u64,
    /// Last error talking to it, or why its reachability is unknown.
    pub last_error: Option<String>,
}

/// One plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanStatusBody {
    /// Plan name.
    pub plan: String,
    /// `ok`, `degraded` (local fine, an offsite failed), `failing` or `never_run`.
    #[schema(example = "ok")]
    pub state: String,
    /// A run is in progress now.
    pub running: bool,
    /// Last successful run, RFC 3339.
    pub last_success_at: Option<String>,
    /// Last failed run, RFC 3339.
    pub last_failure_at: Option<String>,
    /// Why the last failure failed.
    pub last_failure_reason: Option<String>,
    /// Last successful integrity check, RFC 3339.
    pub last_check_at: Option<String>,
    /// Last successful restore drill, RFC 3339.
    pub last_drill_at: Option<String>,
    /// Its duration in seconds (the measured RTO).
    pub last_drill_seconds: Option<f64>,
    /// Next scheduled run, RFC 3339.
    pub next_run_at: Option<String>,
    /// The plan's repositories.
    pub repositories: Vec<RepositoryStatusBody>,
}

/// The agent's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupStatusBody {
    /// One entry per configured plan.
    pub plans: Vec<PlanStatusBody>,
    /// Tools the agent needs and cannot find (`restic`, `pg_dump`, …).
    pub missing_tools: Vec<String>,
}

impl From<pb::PlanStatus> for PlanStatusBody {
    fn from(p: pb::PlanStatus) -> PlanStatusBody {
        PlanStatusBody {
            last_drill_seconds: some(p.last_drill_at.clone()).map(|_| p.last_drill_seconds),
            plan: p.plan,
            state: p.state,
            running: p.running,
            last_success_at: some(p.last_success_at),
            last_failure_at: some(p.last_failure_at),
            last_failure_reason: some(p.last_failure_reason),
            last_check_at: some(p.last_check_at),
            last_drill_at: some(p.last_drill_at),
            next_run_at: some(p.next_run_at),
            repositories: p
                .repositories
                .into_iter()
                .map(|r| RepositoryStatusBody {
                    name: r.name,
                    role: r.role,
                    reachable: r.reachable,
                    last_success_at: some(r.last_success_at),
                    last_check_at: some(r.last_check_at),
                    size_bytes: r.size_bytes,
                    last_error: some(r.last_error),
                })
                .collect(),
        }
    }
}

/// Per plan and repository: last success, last failure with its reason, last check, last
/// drill with its duration, next scheduled run, reachability, sizes; and missing tools.
#[utoipa::path(
    operation_id = "getBackupStatus",
    tag = "backup",
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("operator"))),
    responses(
        (status = 200, description = "The status", body = BackupStatusBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 503, description = "backup-agent unavailable", body = ErrorBody),
    )
)]
#[get("/backup/status")]
pub async fn get(
    auth: Authorized<Operator>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let answer = state
        .upstreams
        .backup()
        .get_status(
            auth.context()
                .request(pb::GetStatusRequest { tools_only: false }),
        )
        .await
        .map_err(|s| ApiError::from_grpc("backup-agent", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(BackupStatusBody {
        plans: answer.plans.into_iter().map(PlanStatusBody::from).collect(),
        missing_tools: answer.missing_tools,
    }))
}

//! `GET /api/backup/snapshots`: what the repositories hold.

use actix_web::{HttpResponse, get, web};
use ofitec_proto::backup::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Authorized, Operator};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Which plan.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SnapshotsQuery {
    /// Only this plan; every plan when absent.
    pub plan: Option<String>,
}

/// One snapshot in one repository.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotBody {
    /// restic snapshot id (short form).
    pub id: String,
    /// Plan name.
    pub plan: String,
    /// Repository name.
    pub repository: String,
    /// Snapshot time, RFC 3339.
    pub time: String,
    /// Tags (plan, reason).
    pub tags: Vec<String>,
}

/// The snapshots found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotsBody {
    /// Newest first.
    pub snapshots: Vec<SnapshotBody>,
}

/// Snapshots in every repository of a plan (or of every plan), newest first. Repositories
/// that cannot be reached are skipped (see the status) unless none answers.
#[utoipa::path(
    operation_id = "listBackupSnapshots",
    tag = "backup",
    params(SnapshotsQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("operator"))),
    responses(
        (status = 200, description = "The snapshots", body = SnapshotsBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 404, description = "No such plan (`plan_unknown`)", body = ErrorBody),
        (status = 409, description = "restic is not installed (`tool_missing`)", body = ErrorBody),
        (status = 503, description = "backup-agent unavailable, or no repository answered (`repository_error`)", body = ErrorBody),
    )
)]
#[get("/backup/snapshots")]
pub async fn get(
    auth: Authorized<Operator>,
    state: web::Data<AppState>,
    query: web::Query<SnapshotsQuery>,
) -> Result<HttpResponse, ApiError> {
    let plan = query
        .into_inner()
        .plan
        .unwrap_or_default()
        .trim()
        .to_owned();
    let answer = state
        .upstreams
        .backup()
        .list_snapshots(auth.context().request(pb::ListSnapshotsRequest { plan }))
        .await
        .map_err(|s| ApiError::from_grpc("backup-agent", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(SnapshotsBody {
        snapshots: answer
            .snapshots
            .into_iter()
            .map(|s| SnapshotBody {
                id: s.id,
                plan: s.plan,
                repository: s.repository,
                time: s.time,
                tags: s.tags,
            })
            .collect(),
    }))
}

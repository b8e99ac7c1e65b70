//! `GET /api/backup/runs`: the recorded backup runs, to follow a run `POST /api/backup/run`
//! started (its `id`) and to see what happened before.

use actix_web::{HttpResponse, get, web};
use ofitec_domain::ErrorCode;
use ofitec_proto::backup::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::run::RunAnswer;
use crate::auth::{Authorized, Operator};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Most runs one answer carries (backup-agent caps at the same number).
const MAX_LIMIT: u32 = 500;

/// Which runs.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RunsQuery {
    /// Only this plan; every plan when absent.
    pub plan: Option<String>,
    /// Only the run with this id (as `POST /api/backup/run` answered it).
    pub id: Option<String>,
    /// How many, newest first: 1-500, default 50.
    pub limit: Option<u32>,
}

/// The runs found.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunsBody {
    /// Newest first; a run in progress has `result: running` and the steps done so far.
    pub runs: Vec<RunAnswer>,
}

/// Recorded backup runs (any trigger: scheduler, API, CLI, sii-gateway, deploys), newest
/// first, with their steps, snapshots and errors. `?id=` follows one run: an unknown id is
/// 404 `not_found` (runs are searched among the newest 500 of the plan, or of all plans).
#[utoipa::path(
    operation_id = "listBackupRuns",
    tag = "backup",
    params(RunsQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("operator"))),
    responses(
        (status = 200, description = "The runs", body = RunsBody),
        (status = 400, description = "A limit outside 1-500 (`invalid_argument`)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "Role too low", body = ErrorBody),
        (status = 404, description = "No such plan (`plan_unknown`) or run (`not_found`)", body = ErrorBody),
        (status = 503, description = "backup-agent unavailable", body = ErrorBody),
    )
)]
#[get("/backup/runs")]
pub async fn get(
    auth: Authorized<Operator>,
    state: web::Data<AppState>,
    query: web::Query<RunsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let plan = query.plan.unwrap_or_default().trim().to_owned();
    let id = query.id.map(|id| id.trim().to_owned());
    let limit = match (query.limit, &id) {
        (Some(n), _) if n == 0 || n > MAX_LIMIT => {
            return Err(ApiError::new(
                ErrorCode::InvalidArgument,
                format!("limit: between 1 and {MAX_LIMIT}"),
            )
            .with_field("limit"));
        }
        // Looking for one run: search as far back as backup-agent answers.
        (_, Some(_)) => MAX_LIMIT,
        (Some(n), None) => n,
        (None, None) => 50,
    };
    let answer = state
        .upstreams
        .backup()
        .list_runs(auth.context().request(pb::ListRunsRequest { plan, limit }))
        .await
        .map_err(|s| ApiError::from_grpc("backup-agent", &s))?
        .into_inner();
    let runs: Vec<RunAnswer> = match &id {
        Some(id) => {
            let found: Vec<RunAnswer> = answer
                .runs
                .into_iter()
                .filter(|r| &r.id == id)
                .map(RunAnswer::from)
                .collect();
            if found.is_empty() {
                return Err(
                    ApiError::not_found("no recorded backup run has this id").with_field("id")
                );
            }
            found
        }
        None => answer.runs.into_iter().map(RunAnswer::from).collect(),
    };
    Ok(HttpResponse::Ok().json(RunsBody { runs }))
}

//! The `ofitec.backup.v1.BackupAgent` gRPC service.
//!
//! Callers are not yet authorised here (an enforcement layer common to every service will
//! come); `requested_by` is recorded from the request, else from edge-api's caller metadata.

pub mod convert;

use ofitec_domain::ErrorCode;
use std::sync::Arc;

use ofitec_platform::grpc::metadata::caller_from;
use ofitec_platform::grpc::status as grpc_status;
use ofitec_proto::backup::v1 as pb;
use ofitec_proto::backup::v1::backup_agent_server::BackupAgent;
use tonic::{Request, Response, Status};

use crate::agent::{Agent, AgentError};
use crate::reason::Reason;
use crate::{drill, run, store};

/// Most runs one ListRuns answer carries.
const MAX_RUNS: u32 = 500;

/// Serves the backup-agent contract.
#[derive(Debug, Clone)]
pub struct BackupAgentService {
    agent: Arc<Agent>,
}

impl BackupAgentService {
    /// A service over `agent`.
    pub fn new(agent: Arc<Agent>) -> BackupAgentService {
        BackupAgentService { agent }
    }
}

fn to_status(error: AgentError) -> Status {
    match error {
        AgentError::UnknownPlan(plan) => {
            grpc_status::error(ErrorCode::PlanUnknown, format!("unknown plan `{plan}`"))
        }
        AgentError::Tool(e) => grpc_status::error(ErrorCode::ToolMissing, e.to_string()),
        AgentError::Catalog(e) => grpc_status::internal("backup catalog", &e),
        AgentError::Restic(e) => grpc_status::error(ErrorCode::RepositoryError, e.to_string()),
        e @ AgentError::ShuttingDown => grpc_status::error(ErrorCode::ShuttingDown, e.to_string()),
    }
}

/// A reason a caller may give: any but the agent's own `pre-restore`; not set means manual.
fn requested_reason(value: i32) -> Result<Reason, Status> {
    let expected = "expected scheduled, pre-import, pre-deploy or manual";
    match convert::reason_from(value) {
        Some(Reason::PreRestore) => Err(grpc_status::error(
            ErrorCode::ReasonInvalid,
            format!(
                "reason `pre-restore` is the agent's own (a restore's safety backup); {expected}"
            ),
        )),
        Some(reason) => Ok(reason),
        None => Err(grpc_status::error(
            ErrorCode::ReasonInvalid,
            format!("unknown reason {value}: {expected}"),
        )),
    }
}

/// `requested_by` from the request, else the authenticated caller, else `grpc`.
fn requester<T>(request: &Request<T>, given: &str) -> String {
    if !given.trim().is_empty() {
        return given.trim().chars().take(200).collect();
    }
    match caller_from(request.metadata()) {
        Ok(Some(caller)) => caller.sub,
        _ => "grpc".to_owned(),
    }
}

#[tonic::async_trait]
impl BackupAgent for BackupAgentService {
    async fn run_backup(
        &self,
        request: Request<pb::RunBackupRequest>,
    ) -> Result<Response<pb::BackupRun>, Status> {
        let by = requester(&request, &request.get_ref().requested_by);
        let message = request.into_inner();
        let reason = requested_reason(message.reason)?;
        let ticket = run::start(&self.agent, &message.plan, reason, &by).map_err(to_status)?;
        let joined = ticket.joined;
        let record = if message.wait {
            ticket.result.await
        } else {
            ticket.initial
        };
        let mut run = convert::run(&record);
        run.joined = joined;
        Ok(Response::new(run))
    }

    async fn list_runs(
        &self,
        request: Request<pb::ListRunsRequest>,
    ) -> Result<Response<pb::ListRunsResponse>, Status> {
        let message = request.into_inner();
        let plan = (!message.plan.is_empty()).then_some(message.plan);
        if let Some(plan) = &plan {
            self.agent.plan(plan).map_err(to_status)?;
        }
        let limit = match message.limit {
            0 => 50,
            n => n.min(MAX_RUNS),
        };
        let runs = store::runs::list(&self.agent.db, plan, i64::from(limit))
            .await
            .map_err(|e| to_status(e.into()))?;
        Ok(Response::new(pb::ListRunsResponse {
            runs: runs.iter().map(convert::run).collect(),
        }))
    }

    async fn get_status(
        &self,
        request: Request<pb::GetStatusRequest>,
    ) -> Result<Response<pb::GetStatusResponse>, Status> {
        if request.get_ref().tools_only {
            // For health views: no catalog reads, no repository sizes.
            return Ok(Response::new(pb::GetStatusResponse {
                plans: Vec::new(),
                missing_tools: self.agent.tools.missing().to_vec(),
            }));
        }
        let plans = crate::status::status(&self.agent)
            .await
            .map_err(to_status)?;
        Ok(Response::new(pb::GetStatusResponse {
            plans: plans.iter().map(convert::plan_status).collect(),
            missing_tools: self.agent.tools.missing().to_vec(),
        }))
    }

    async fn list_snapshots(
        &self,
        request: Request<pb::ListSnapshotsRequest>,
    ) -> Result<Response<pb::ListSnapshotsResponse>, Status> {
        let message = request.into_inner();
        let plans: Vec<_> = if message.plan.is_empty() {
            self.agent.plans.iter().collect()
        } else {
            vec![self.agent.plan(&message.plan).map_err(to_status)?]
        };
        let restic = self.agent.restic().map_err(to_status)?;
        let mut snapshots = Vec::new();
        let mut errors = Vec::new();
        for plan in plans {
            for repo in plan.repositories() {
                // The plan's backups and the safety backups restores took (tagged
                // `plan=<plan>:pre-restore`), so operators find both.
                let tags = [
                    crate::restic::plan_tag(&plan.name),
                    crate::restic::safety_tag(&plan.name),
                ];
                let found = restic.snapshots(repo, &tags).await;
                self.agent.note_contact(plan, repo, found.as_ref().err());
                match found {
                    Ok(list) => snapshots.extend(list.into_iter().map(|s| pb::Snapshot {
                        id: s.short_id.clone(),
                        plan: plan.name.clone(),
                        repository: repo.name.clone(),
                        time: s.time.to_rfc3339(),
                        tags: s.tag_list(),
                    })),
                    Err(e) => {
                        tracing::warn!(plan = %plan.name, repository = %repo.name, error = %e, "cannot list snapshots");
                        errors.push(e);
                    }
                }
            }
        }
        if snapshots.is_empty()
            && let Some(e) = errors.into_iter().next()
        {
            return Err(to_status(AgentError::Restic(e)));
        }
        snapshots.sort_by(|a, b| b.time.cmp(&a.time));
        Ok(Response::new(pb::ListSnapshotsResponse { snapshots }))
    }

    async fn run_drill(
        &self,
        request: Request<pb::RunDrillRequest>,
    ) -> Result<Response<pb::DrillResult>, Status> {
        let by = requester(&request, &request.get_ref().requested_by);
        let message = request.into_inner();
        // Spawned: a caller that hangs up (edge-api's deadline, a closed terminal) must not
        // cancel a drill half-way, which would leave its scratch database behind and no
        // record of the drill. Tracked: shutdown waits for it.
        let drill = drill::start(&self.agent, &message.plan, &by).map_err(to_status)?;
        let record = drill
            .await
            .map_err(|e| grpc_status::internal("restore drill", &e))?
            .map_err(to_status)?;
        Ok(Response::new(convert::drill(&record)))
    }
}

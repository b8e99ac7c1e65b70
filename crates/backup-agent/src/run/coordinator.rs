//! Starting runs: one run per plan at a time (the agent's [`ActiveRuns`]), each in its own
//! tracked task so it finishes (and is recorded) even when every caller hangs up, and
//! shutdown waits for it.
//!
//! [`ActiveRuns`]: crate::agent::ActiveRuns

use std::sync::Arc;

use futures::FutureExt as _;

use crate::agent::{Agent, AgentError, RunTicket};
use crate::outcome::RunResult;
use crate::plan::Plan;
use crate::reason::Reason;
use crate::store::runs::RunRecord;

/// Starts a run of `plan` (or joins the one in progress). A new run is refused once
/// shutdown has started; joining one in progress is not.
pub fn start(
    agent: &Arc<Agent>,
    plan: &str,
    reason: Reason,
    requested_by: &str,
) -> Result<RunTicket, AgentError> {
    let plan = agent.plan(plan)?;
    let ticket = agent
        .runs
        .join_or_start(&plan.name, || spawn(agent, plan, reason, requested_by))?;
    if ticket.joined {
        tracing::info!(plan = %plan.name, run = %ticket.initial.id, %reason, requested_by, "joining the run in progress");
    }
    Ok(ticket)
}

fn spawn(
    agent: &Arc<Agent>,
    plan: &Plan,
    reason: Reason,
    requested_by: &str,
) -> Result<RunTicket, AgentError> {
    let initial = new_record(agent, plan, reason, requested_by);
    let task_agent = agent.clone();
    let task_plan = plan.clone();
    let task_run = initial.clone();
    let handle = agent.spawn_work(async move {
        let record = super::pipeline::execute(&task_agent, &task_plan, task_run).await;
        task_agent.runs.finished(&task_plan.name, &record.id);
        record
    })?;
    let fallback = initial.clone();
    let result = async move {
        match handle.await {
            Ok(record) => record,
            Err(e) => RunRecord {
                result: RunResult::Failed,
                error: format!("the run task stopped unexpectedly: {e}"),
                ..fallback
            },
        }
    }
    .boxed()
    .shared();
    Ok(RunTicket {
        initial,
        joined: false,
        result,
    })
}

/// The record of a run about to start.
pub fn new_record(agent: &Agent, plan: &Plan, reason: Reason, requested_by: &str) -> RunRecord {
    RunRecord {
        id: uuid::Uuid::new_v4().to_string(),
        plan: plan.name.clone(),
        reason,
        result: RunResult::Running,
        requested_by: requested_by.to_owned(),
        started_at: agent.clock.now(),
        finished_at: None,
        duration_seconds: 0.0,
        size_bytes: 0,
        steps: Vec::new(),
        manifest: String::new(),
        error: String::new(),
        snapshots: Vec::new(),
    }
}

//! One run per plan at a time: a request that arrives while its plan is running joins that
//! run and gets its result instead of starting another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};

use super::Reason;
use crate::agent::{Agent, AgentError};
use crate::plan::Plan;
use crate::store::runs::RunRecord;

/// The eventual result of a run, shared by everyone who asked for it.
pub type SharedRun = Shared<BoxFuture<'static, RunRecord>>;

/// What a trigger gets back.
#[derive(Clone)]
pub struct RunTicket {
    /// The run as it started (id, plan, reason, start time).
    pub initial: RunRecord,
    /// Whether this request joined a run already in progress.
    pub joined: bool,
    /// Resolves to the finished run.
    pub result: SharedRun,
}

impl std::fmt::Debug for RunTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunTicket")
            .field("id", &self.initial.id)
            .field("joined", &self.joined)
            .finish_non_exhaustive()
    }
}

/// Runs in progress, by plan.
#[derive(Default)]
pub struct Coordinator {
    active: Mutex<HashMap<String, RunTicket>>,
}

impl std::fmt::Debug for Coordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinator").finish_non_exhaustive()
    }
}

impl Coordinator {
    /// Starts a run of `plan`, or joins the one in progress. A new run is refused once
    /// shutdown has started; joining one in progress is not.
    pub fn start(
        &self,
        agent: &Arc<Agent>,
        plan: &Plan,
        reason: Reason,
        requested_by: &str,
    ) -> Result<RunTicket, AgentError> {
        let Ok(mut active) = self.active.lock() else {
            // A poisoned map only means a panic elsewhere; refuse to guess and run anyway.
            return Self::spawn(agent, plan, reason, requested_by);
        };
        if let Some(ticket) = active.get(&plan.name) {
            let mut joined = ticket.clone();
            joined.joined = true;
            tracing::info!(plan = %plan.name, run = %joined.initial.id, %reason, requested_by, "joining the run in progress");
            return Ok(joined);
        }
        let ticket = Self::spawn(agent, plan, reason, requested_by)?;
        active.insert(plan.name.clone(), ticket.clone());
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
        // Spawned, so the run finishes even when every caller hangs up; tracked, so shutdown
        // waits for it.
        let handle = agent.spawn_work(async move {
            let record = super::pipeline::execute(&task_agent, &task_plan, task_run).await;
            task_agent.runs.finished(&task_plan.name, &record.id);
            record
        })?;
        let fallback = initial.clone();
        let result = async move {
            match handle.await {
                Ok(record) => record,
                Err(e) => {
                    let mut failed = fallback;
                    failed.result = "failed".to_owned();
                    failed.error = format!("the run task stopped unexpectedly: {e}");
                    failed
                }
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

    fn finished(&self, plan: &str, id: &str) {
        if let Ok(mut active) = self.active.lock()
            && active.get(plan).is_some_and(|t| t.initial.id == id)
        {
            active.remove(plan);
        }
    }

    /// Whether `plan` has a run in progress.
    pub fn is_running(&self, plan: &str) -> bool {
        self.active
            .lock()
            .map(|a| a.contains_key(plan))
            .unwrap_or(false)
    }
}

/// The record of a run about to start.
pub fn new_record(agent: &Agent, plan: &Plan, reason: Reason, requested_by: &str) -> RunRecord {
    RunRecord {
        id: uuid::Uuid::new_v4().to_string(),
        plan: plan.name.clone(),
        reason: reason.as_str().to_owned(),
        result: "running".to_owned(),
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

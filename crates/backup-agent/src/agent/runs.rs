//! Runs in progress, by plan: one run per plan at a time, so a request that arrives while its
//! plan is running joins that run and gets its result instead of starting another.

use std::collections::HashMap;
use std::sync::Mutex;

use futures::future::{BoxFuture, Shared};

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

/// The tickets of the runs in progress.
#[derive(Default)]
pub struct ActiveRuns {
    by_plan: Mutex<HashMap<String, RunTicket>>,
}

impl std::fmt::Debug for ActiveRuns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveRuns").finish_non_exhaustive()
    }
}

impl ActiveRuns {
    /// The ticket of `plan`'s run in progress (marked joined), or the one `start` makes.
    pub fn join_or_start<E>(
        &self,
        plan: &str,
        start: impl FnOnce() -> Result<RunTicket, E>,
    ) -> Result<RunTicket, E> {
        let Ok(mut active) = self.by_plan.lock() else {
            // A poisoned map only means a panic elsewhere; refuse to guess and run anyway.
            return start();
        };
        if let Some(ticket) = active.get(plan) {
            let mut joined = ticket.clone();
            joined.joined = true;
            return Ok(joined);
        }
        let ticket = start()?;
        active.insert(plan.to_owned(), ticket.clone());
        Ok(ticket)
    }

    /// Forgets `plan`'s run `id` once it ended.
    pub fn finished(&self, plan: &str, id: &str) {
        if let Ok(mut active) = self.by_plan.lock()
            && active.get(plan).is_some_and(|t| t.initial.id == id)
        {
            active.remove(plan);
        }
    }

    /// Whether `plan` has a run in progress.
    pub fn is_running(&self, plan: &str) -> bool {
        self.by_plan
            .lock()
            .map(|a| a.contains_key(plan))
            .unwrap_or(false)
    }
}

//! Stale restic locks: a crashed run, copy or prune leaves its lock behind, and an exclusive
//! one would make every later command on the repository fail until someone unlocks by hand.

use crate::agent::Agent;
use crate::outcome::Outcome;
use crate::plan::{Plan, Repository};
use crate::restic::{Restic, ResticError};
use crate::store;
use crate::store::maintenance::{Action, MaintenanceRecord};

/// Removes stale locks (crashed runs) from a repository; live locks stay. Recorded in the
/// catalog when any were removed. Failures are logged, not fatal: the command that follows
/// reports a real lock problem itself.
pub async fn clear_stale_locks(agent: &Agent, restic: &Restic, plan: &Plan, repo: &Repository) {
    let started = agent.clock.now();
    let before = match restic.locks(repo).await {
        Ok(locks) => locks,
        Err(ResticError::NoRepository { .. }) => return,
        Err(e) => {
            tracing::debug!(plan = %plan.name, repository = %repo.name, error = %e, "cannot list locks");
            return;
        }
    };
    if before.is_empty() {
        return;
    }
    let result = restic.unlock_stale(repo).await;
    let after = restic
        .locks(repo)
        .await
        .map(|l| l.len())
        .unwrap_or(before.len());
    let removed = before.len().saturating_sub(after);
    let record = MaintenanceRecord {
        plan: plan.name.clone(),
        repository: repo.name.clone(),
        kind: Action::Unlock,
        detail: format!("{removed} stale lock(s) removed, {after} live lock(s) kept"),
        result: Outcome::failed_if(result.is_err()),
        started_at: started,
        finished_at: agent.clock.now(),
        error: result
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default(),
    };
    if removed > 0 || result.is_err() {
        tracing::warn!(plan = %plan.name, repository = %repo.name, removed, kept = after, "stale restic locks found");
        if let Err(e) = store::maintenance::insert(&agent.db, &record).await {
            tracing::error!(error = %e, "cannot record lock removal");
        }
    }
}

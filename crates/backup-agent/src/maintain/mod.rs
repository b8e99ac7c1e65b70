//! Retention and integrity, on their own schedules.
//!
//! * [`retention`]: `forget` (the plan's keep policy over all its snapshots) + `prune`, then
//!   a structural `check`, on every repository.
//! * [`check`]: `check --read-data-subset=n/t`, with `n` advancing 1, 2, …, t, 1, … so every
//!   pack is read once per cycle of `t` checks; `n` is read from the catalog (the last
//!   successful subset check, structural checks skipped), so the rotation survives restarts
//!   and prunes, and a failed part is retried.
//!
//! Both clear stale locks first ([`clear_stale_locks`]: a crashed run's lock would block
//! `prune` and `check`).

mod locks;

use std::time::Instant;

pub use locks::clear_stale_locks;

use crate::agent::{Agent, AgentError};
use crate::outcome::Outcome;
use crate::plan::{Plan, Repository};
use crate::restic::{CheckKind, Restic, ResticError, plan_tag, safety_tag};
use crate::store;
use crate::store::maintenance::{Action, MaintenanceRecord};

/// What one maintenance action did.
#[derive(Debug, Clone)]
pub struct ActionResult {
    /// Repository.
    pub repository: String,
    /// What was done.
    pub kind: Action,
    /// Detail (`removed 3 snapshots`, `4/28`).
    pub detail: String,
    /// Error, empty when it succeeded.
    pub error: String,
}

/// forget + prune + check on every repository of `plan`.
pub async fn retention(agent: &Agent, plan_name: &str) -> Result<Vec<ActionResult>, AgentError> {
    let plan = agent.plan(plan_name)?;
    let restic = agent.restic()?;
    let lock = agent.plan_lock(&plan.name);
    let _guard = lock.lock().await;
    let mut results = Vec::new();
    for repo in plan.repositories() {
        clear_stale_locks(agent, &restic, plan, repo).await;
        // The plan's backups and the restores' safety backups are separate groups: a safety
        // backup must not stand in for the plan's snapshot of its day.
        let forgot = act(agent, plan, repo, Action::Forget, async {
            let mut removed = restic
                .forget(repo, &plan_tag(&plan.name), &plan.retention)
                .await?;
            removed.extend(
                restic
                    .forget(repo, &safety_tag(&plan.name), &plan.retention)
                    .await?,
            );
            Ok(format!("{} snapshot(s) removed", removed.len()))
        })
        .await;
        let failed = !forgot.error.is_empty();
        results.push(forgot);
        if failed {
            continue;
        }
        let pruned = act(agent, plan, repo, Action::Prune, async {
            restic.prune(repo).await.map(|()| String::new())
        })
        .await;
        let failed = !pruned.error.is_empty();
        results.push(pruned);
        if failed {
            continue;
        }
        results.push(run_check(agent, &restic, plan, repo, CheckKind::Structure).await);
    }
    Ok(results)
}

/// `check --read-data-subset=n/t` on every repository of `plan`.
pub async fn check(agent: &Agent, plan_name: &str) -> Result<Vec<ActionResult>, AgentError> {
    let plan = agent.plan(plan_name)?;
    let restic = agent.restic()?;
    let lock = agent.plan_lock(&plan.name);
    let _guard = lock.lock().await;
    let mut results = Vec::new();
    for repo in plan.repositories() {
        clear_stale_locks(agent, &restic, plan, repo).await;
        let t = plan.maintenance.read_data_cycle;
        let n = next_subset(agent, plan, repo, t).await?;
        results.push(run_check(agent, &restic, plan, repo, CheckKind::Subset { n, t }).await);
    }
    Ok(results)
}

/// The next part to read: one after the last successful subset check, wrapping at `t`.
/// Structural checks (detail `structure`, after every prune) are stored with the same kind;
/// they must not count, or the weekly prune would send the rotation back to 1 and most
/// parts would never be read.
async fn next_subset(
    agent: &Agent,
    plan: &Plan,
    repo: &Repository,
    t: u32,
) -> Result<u32, AgentError> {
    let last = store::maintenance::last_ok_like(
        &agent.db,
        plan.name.clone(),
        repo.name.clone(),
        Action::Check,
        Some("%/%"),
    )
    .await?
    .into_iter()
    .find_map(|r| parse_subset(&r.detail));
    Ok(match last {
        Some((n, old_t)) if old_t == t => n % t + 1,
        _ => 1,
    })
}

fn parse_subset(detail: &str) -> Option<(u32, u32)> {
    let (n, t) = detail.split_once('/')?;
    Some((n.trim().parse().ok()?, t.trim().parse().ok()?))
}

async fn run_check(
    agent: &Agent,
    restic: &Restic,
    plan: &Plan,
    repo: &Repository,
    kind: CheckKind,
) -> ActionResult {
    let detail = match kind {
        CheckKind::Structure => "structure".to_owned(),
        CheckKind::Subset { n, t } => format!("{n}/{t}"),
    };
    let result = act(agent, plan, repo, Action::Check, async {
        restic.check(repo, kind).await.map(|()| detail.clone())
    })
    .await;
    if result.error.is_empty() {
        agent
            .metrics
            .check_success(&plan.name, &repo.name, agent.clock.now());
    }
    result
}

/// Runs one action and records it.
async fn act(
    agent: &Agent,
    plan: &Plan,
    repo: &Repository,
    kind: Action,
    work: impl Future<Output = Result<String, ResticError>>,
) -> ActionResult {
    let started_at = agent.clock.now();
    let started = Instant::now();
    let outcome = work.await;
    agent.note_contact(plan, repo, outcome.as_ref().err());
    let (detail, error) = match outcome {
        Ok(detail) => (detail, String::new()),
        Err(e) => (String::new(), e.to_string()),
    };
    let record = MaintenanceRecord {
        plan: plan.name.clone(),
        repository: repo.name.clone(),
        kind,
        detail: detail.clone(),
        result: Outcome::failed_if(!error.is_empty()),
        started_at,
        finished_at: agent.clock.now(),
        error: error.clone(),
    };
    if error.is_empty() {
        tracing::info!(plan = %plan.name, repository = %repo.name, %kind, %detail, seconds = started.elapsed().as_secs_f64(), "maintenance done");
    } else {
        tracing::error!(plan = %plan.name, repository = %repo.name, %kind, %error, "maintenance failed");
    }
    if let Err(e) = store::maintenance::insert(&agent.db, &record).await {
        tracing::error!(error = %e, "cannot record maintenance");
    }
    ActionResult {
        repository: repo.name.clone(),
        kind,
        detail,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_subset;

    #[test]
    fn subsets_parse() {
        assert_eq!(parse_subset("3/28"), Some((3, 28)));
        assert_eq!(parse_subset("structure"), None);
    }
}

//! The scheduler: backups, forget+prune, checks and drills of every plan, each on its own
//! cron schedule, read through the injected clock.
//!
//! A cursor walks forward from the start: the next firing of every schedule after the
//! cursor is computed, the earliest is waited for, everything due at that instant fires,
//! and the cursor moves to it. Firings missed while the agent was stopped are not replayed
//! (the drill's snapshot-age check and the `*_last_success_*` alerts catch a long stop).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::agent::Agent;
use crate::reason::Reason;

/// Scheduled work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// A backup run.
    Backup,
    /// forget + prune + check.
    Retention,
    /// check --read-data-subset.
    Check,
    /// A restore drill.
    Drill,
}

/// Every (time, plan index, job) firing next after `after`.
pub fn next_firings(agent: &Agent, after: DateTime<Utc>) -> Vec<(DateTime<Utc>, usize, Job)> {
    let mut firings = Vec::new();
    for (index, plan) in agent.plans.iter().enumerate() {
        for (schedule, job) in [
            (&plan.schedule, Job::Backup),
            (&plan.maintenance.prune, Job::Retention),
            (&plan.maintenance.check, Job::Check),
            (&plan.drill.schedule, Job::Drill),
        ] {
            if let Some(at) = schedule.next_after(after) {
                firings.push((at, index, job));
            }
        }
    }
    firings
}

/// Runs until `shutdown`.
pub async fn run(agent: Arc<Agent>, shutdown: CancellationToken) {
    let mut cursor = agent.clock.now();
    loop {
        let firings = next_firings(&agent, cursor);
        let Some(at) = firings.iter().map(|(at, _, _)| *at).min() else {
            return;
        };
        let wait = (at - agent.clock.now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.cancelled() => return,
        }
        if agent.clock.now() < at {
            continue;
        }
        for (_, index, job) in firings.into_iter().filter(|(t, _, _)| *t == at) {
            let Some(plan) = agent.plans.get(index).map(|p| p.name.clone()) else {
                continue;
            };
            // Tracked: shutdown waits for a prune or drill in progress instead of leaving
            // a stale lock or a scratch database behind.
            if agent.spawn_work(fire(agent.clone(), plan, job)).is_err() {
                return;
            }
        }
        cursor = at;
    }
}

async fn fire(agent: Arc<Agent>, plan: String, job: Job) {
    tracing::info!(plan = %plan, job = ?job, "scheduled work due");
    let outcome = match job {
        Job::Backup => match crate::run::start(&agent, &plan, Reason::Scheduled, "scheduler") {
            Ok(ticket) => {
                ticket.result.await;
                Ok(())
            }
            Err(e) => Err(e),
        },
        Job::Retention => crate::maintain::retention(&agent, &plan).await.map(|_| ()),
        Job::Check => crate::maintain::check(&agent, &plan).await.map(|_| ()),
        Job::Drill => crate::drill::run(&agent, &plan, "scheduler")
            .await
            .map(|_| ()),
    };
    if let Err(e) = outcome {
        tracing::error!(plan = %plan, job = ?job, error = %e, "scheduled work could not run");
    }
}

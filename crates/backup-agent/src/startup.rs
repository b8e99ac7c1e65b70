//! Starting the agent over its state: closing what the previous stop left open (only the
//! serving agent, `recover`: a CLI process must not close the running agent's run) and
//! restoring the metrics from the catalog, so a restart neither loses nor invents a success.

use std::sync::Arc;

use anyhow::Context as _;
use ofitec_platform::db::DbError;

use crate::agent::Agent;
use crate::outcome::RunResult;
use crate::plan::Plan;
use crate::store;
use crate::store::maintenance::Action;

/// Recovers (when `recover`), sets the metrics and shares the agent.
pub async fn start(agent: Agent, recover: bool) -> anyhow::Result<Arc<Agent>> {
    if recover {
        let closed = store::runs::close_interrupted(&agent.db, agent.clock.now())
            .await
            .context("closing interrupted runs")?;
        for id in &closed {
            tracing::warn!(run = %id, "a run was interrupted by the previous stop; recorded as failed");
        }
        if !agent.plans.is_empty() {
            // Drills are recorded only when they end, so an interrupted one left no row; its
            // scratch files and databases are removed here.
            crate::drill::remove_leftover_scratch_dirs(&agent.scratch_root());
        }
    }
    agent.metrics.set_tools(agent.tools.missing());
    agent.metrics.set_alert_thresholds(&agent.plans);
    for tool in agent.tools.missing() {
        tracing::warn!(tool = %tool, hint = crate::tools::install_hint(tool), "tool not installed: backups that need it will fail");
    }
    restore_metrics(&agent)
        .await
        .context("reading the catalog")?;
    let agent = Arc::new(agent);
    if recover && agent.plans.iter().any(Plan::has_postgres) {
        // In the background (a source server may be slow to answer), tracked so a shutdown
        // right after start does not cut a DROP DATABASE short.
        let cleaner = agent.clone();
        let _ = agent.spawn_work(async move {
            crate::drill::drop_leftover_scratch_databases(&cleaner).await;
        });
    }
    Ok(agent)
}

async fn restore_metrics(agent: &Agent) -> Result<(), DbError> {
    let (db, metrics) = (&agent.db, &agent.metrics);
    for plan in &agent.plans {
        let name = || plan.name.clone();
        for repo in plan.repositories() {
            if let Some(at) = store::runs::last_snapshot_at(db, name(), repo.name.clone()).await? {
                metrics.success(&plan.name, &repo.name, at);
            }
            let check =
                store::maintenance::last_ok(db, name(), repo.name.clone(), Action::Check).await?;
            if let Some(check) = check {
                metrics.check_success(&plan.name, &repo.name, check.finished_at);
            }
        }
        if let Some(drill) = store::drills::last(db, name(), true).await? {
            metrics.drill_success(&plan.name, drill.finished_at);
        }
        if let Some(drill) = store::drills::last(db, name(), false).await? {
            metrics
                .drill_duration
                .with_label_values(&[&plan.name])
                .set(drill.duration_seconds);
        }
        let successes = [RunResult::Succeeded, RunResult::Degraded];
        if let Some(run) = store::runs::last_with_result(db, name(), &successes).await? {
            metrics.backed_up(
                &plan.name,
                run.size_bytes,
                run.result == RunResult::Degraded,
            );
        }
    }
    Ok(())
}

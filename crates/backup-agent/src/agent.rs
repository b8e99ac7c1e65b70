//! The agent's shared state: plans, tools, catalog, clock and metrics, and the operations
//! every trigger (scheduler, gRPC, CLI) goes through.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ofitec_platform::db::Db;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::SharedClock;
use crate::metrics::BackupMetrics;
use crate::plan::{Plan, Repository};
use crate::restic::{Restic, ResticError};
use crate::run::coordinator::Coordinator;
use crate::run::{Reason, RunTicket};
use crate::store;
use crate::tools::Tools;

/// Errors of the agent's operations, as callers see them.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No plan has this name.
    #[error("unknown plan `{0}`")]
    UnknownPlan(String),
    /// The catalog could not be read or written.
    #[error("catalog: {0}")]
    Catalog(#[from] ofitec_platform::db::DbError),
    /// A tool is missing.
    #[error(transparent)]
    Tool(#[from] crate::tools::MissingTool),
    /// restic failed.
    #[error(transparent)]
    Restic(#[from] ResticError),
    /// The agent is stopping: it finishes the runs and drills in progress, starts no more.
    #[error("the backup agent is shutting down; ask again once it is back")]
    ShuttingDown,
}

/// What the agent last learned about one repository.
#[derive(Debug, Clone, Default)]
pub struct RepositoryState {
    /// Whether the last contact succeeded (`None` before any contact).
    pub reachable: Option<bool>,
    /// The last error, if the last contact failed.
    pub last_error: String,
}

/// Everything the triggers share.
pub struct Agent {
    /// The catalog.
    pub db: Db,
    /// Validated plans.
    pub plans: Vec<Plan>,
    /// Tools found at start.
    pub tools: Tools,
    /// Time.
    pub clock: SharedClock,
    /// Metrics.
    pub metrics: BackupMetrics,
    /// Staging, scratch and cache live here (absolute).
    work_dir: PathBuf,
    /// Runs in progress.
    pub(crate) runs: Coordinator,
    /// One repository user per plan at a time: backups, maintenance and drills of a plan
    /// never race for restic's exclusive locks.
    plan_locks: HashMap<String, Arc<tokio::sync::Mutex<()>>>,
    /// Last contact per (plan, repository).
    repositories: Mutex<HashMap<(String, String), RepositoryState>>,
    /// Runs, drills and scheduled maintenance in progress: shutdown waits for them, so a
    /// SIGTERM lets a backup finish (and be recorded) instead of leaving a stale lock.
    tasks: TaskTracker,
    /// Cancelled when shutdown starts: from then on new work is refused.
    stopping: CancellationToken,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("plans", &self.plans.len())
            .field("work_dir", &self.work_dir)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Builds the agent: closes runs a crash left open (only the serving agent, `recover`:
    /// a CLI process must not close the running agent's run) and restores the metrics from
    /// the catalog, so a restart neither loses nor invents a success.
    pub async fn start(
        db: Db,
        plans: Vec<Plan>,
        tools: Tools,
        clock: SharedClock,
        metrics: BackupMetrics,
        work_dir: &Path,
        recover: bool,
    ) -> anyhow::Result<Arc<Agent>> {
        use anyhow::Context as _;
        // Without plans nothing is staged: leave no empty directories behind.
        let work_dir = if plans.is_empty() {
            work_dir.to_owned()
        } else {
            std::fs::create_dir_all(work_dir)
                .with_context(|| format!("creating the work directory {}", work_dir.display()))?;
            std::fs::canonicalize(work_dir)
                .with_context(|| format!("resolving {}", work_dir.display()))?
        };
        let plan_locks = plans
            .iter()
            .map(|p| (p.name.clone(), Arc::new(tokio::sync::Mutex::new(()))))
            .collect();
        let agent = Agent {
            db,
            plans,
            tools,
            clock,
            metrics,
            work_dir,
            runs: Coordinator::default(),
            plan_locks,
            repositories: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
            stopping: CancellationToken::new(),
        };
        let closed = if recover {
            store::runs::close_interrupted(&agent.db, agent.clock.now())
                .await
                .context("closing interrupted runs")?
        } else {
            Vec::new()
        };
        for id in &closed {
            tracing::warn!(run = %id, "a run was interrupted by the previous stop; recorded as failed");
        }
        if recover && !agent.plans.is_empty() {
            // Drills are recorded only when they end, so an interrupted one left no row; its
            // scratch files and databases are removed here.
            crate::drill::remove_leftover_scratch_dirs(&agent.work_dir.join("scratch"));
        }
        agent.metrics.set_tools(agent.tools.missing());
        agent.metrics.set_alert_thresholds(&agent.plans);
        for tool in agent.tools.missing() {
            tracing::warn!(tool = %tool, hint = crate::tools::install_hint(tool), "tool not installed: backups that need it will fail");
        }
        agent
            .restore_metrics()
            .await
            .context("reading the catalog")?;
        let agent = Arc::new(agent);
        if recover && agent.plans.iter().any(Plan::has_postgres) {
            // In the background (a source server may be slow to answer), tracked so a
            // shutdown right after start does not cut a DROP DATABASE short.
            let cleaner = agent.clone();
            let _ = agent.spawn_work(async move {
                crate::drill::drop_leftover_scratch_databases(&cleaner).await;
            });
        }
        Ok(agent)
    }

    async fn restore_metrics(&self) -> Result<(), ofitec_platform::db::DbError> {
        for plan in &self.plans {
            for repo in plan.repositories() {
                if let Some(at) =
                    store::runs::last_snapshot_at(&self.db, plan.name.clone(), repo.name.clone())
                        .await?
                {
                    self.metrics.success(&plan.name, &repo.name, at);
                }
                if let Some(check) = store::maintenance::last_ok(
                    &self.db,
                    plan.name.clone(),
                    repo.name.clone(),
                    "check",
                )
                .await?
                {
                    self.metrics
                        .check_success(&plan.name, &repo.name, check.finished_at);
                }
            }
            if let Some(drill) = store::drills::last(&self.db, plan.name.clone(), true).await? {
                self.metrics.drill_success(&plan.name, drill.finished_at);
            }
            if let Some(drill) = store::drills::last(&self.db, plan.name.clone(), false).await? {
                self.metrics
                    .drill_duration
                    .with_label_values(&[&plan.name])
                    .set(drill.duration_seconds);
            }
            if let Some(run) = store::runs::last_with_result(
                &self.db,
                plan.name.clone(),
                &["succeeded", "degraded"],
            )
            .await?
            {
                self.metrics
                    .size
                    .with_label_values(&[&plan.name])
                    .set(i64::try_from(run.size_bytes).unwrap_or(i64::MAX));
                self.metrics
                    .plan_degraded
                    .with_label_values(&[&plan.name])
                    .set(i64::from(run.result == "degraded"));
            }
        }
        Ok(())
    }

    /// The plan called `name`.
    pub fn plan(&self, name: &str) -> Result<&Plan, AgentError> {
        self.plans
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| AgentError::UnknownPlan(name.to_owned()))
    }

    /// Starts a run (or joins the one in progress). Refused once shutdown has started,
    /// except joining a run that is already going.
    pub fn start_run(
        self: &Arc<Self>,
        plan: &str,
        reason: Reason,
        requested_by: &str,
    ) -> Result<RunTicket, AgentError> {
        let plan = self.plan(plan)?.clone();
        self.runs.start(self, &plan, reason, requested_by)
    }

    /// Starts a restore drill in its own (tracked) task: a caller that hangs up does not
    /// cancel it half-way, and shutdown waits for it.
    pub fn start_drill(
        self: &Arc<Self>,
        plan: &str,
        requested_by: &str,
    ) -> Result<tokio::task::JoinHandle<Result<store::drills::DrillRecord, AgentError>>, AgentError>
    {
        let plan = self.plan(plan)?.name.clone();
        let agent = self.clone();
        let by = requested_by.to_owned();
        self.spawn_work(async move { crate::drill::run(&agent, &plan, &by).await })
    }

    /// Spawns work that shutdown must wait for; refused once shutdown has started.
    pub fn spawn_work<F>(&self, work: F) -> Result<tokio::task::JoinHandle<F::Output>, AgentError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if self.is_stopping() {
            return Err(AgentError::ShuttingDown);
        }
        Ok(self.tasks.spawn(work))
    }

    /// Whether shutdown has started.
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Starts shutdown: new runs, drills and scheduled work are refused from now on.
    pub fn begin_shutdown(&self) {
        if !self.stopping.is_cancelled() {
            tracing::info!(
                in_progress = self.tasks.len(),
                "shutting down: no new backup work; waiting for the runs and drills in progress"
            );
        }
        self.stopping.cancel();
        self.tasks.close();
    }

    /// Resolves once shutdown has started and every run, drill and scheduled task ended.
    pub async fn finished_work(&self) {
        self.tasks.wait().await;
    }

    /// restic, or the error saying how to install it.
    pub fn restic(&self) -> Result<Restic, AgentError> {
        Ok(Restic::new(self.tools.get("restic")?, &self.cache_dir()))
    }

    /// The lock that serialises repository work of a plan.
    pub fn plan_lock(&self, plan: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.plan_locks
            .get(plan)
            .cloned()
            .unwrap_or_else(|| Arc::new(tokio::sync::Mutex::new(())))
    }

    /// Where a plan's artefacts are staged (constant, so restic sees the same paths).
    pub fn stage_dir(&self, plan: &str) -> PathBuf {
        self.work_dir.join("stage").join(plan)
    }

    /// Where a restore's safety backup is staged: unique per run, so it never touches the
    /// staging of the plan's own runs (possibly in progress in the serving agent).
    pub fn safety_stage_dir(&self, plan: &str, run_id: &str) -> PathBuf {
        self.work_dir
            .join("stage-pre-restore")
            .join(format!("{plan}-{run_id}"))
    }

    /// restic's cache.
    pub fn cache_dir(&self) -> PathBuf {
        self.work_dir.join("cache")
    }

    /// A fresh scratch directory for a drill or a restore.
    pub fn scratch_dir(&self, what: &str) -> PathBuf {
        self.work_dir
            .join("scratch")
            .join(format!("{what}-{}", uuid::Uuid::new_v4().simple()))
    }

    /// Remembers how the last contact with a repository went.
    pub fn note_contact(&self, plan: &Plan, repo: &Repository, error: Option<&ResticError>) {
        let reachable = !error.is_some_and(ResticError::is_unreachable);
        self.metrics
            .repository_up(&plan.name, &repo.name, reachable);
        if let Ok(mut states) = self.repositories.lock() {
            states.insert(
                (plan.name.clone(), repo.name.clone()),
                RepositoryState {
                    reachable: Some(reachable),
                    last_error: error.map(ToString::to_string).unwrap_or_default(),
                },
            );
        }
    }

    /// The last contact with a repository.
    pub fn repository_state(&self, plan: &str, repo: &str) -> RepositoryState {
        self.repositories
            .lock()
            .ok()
            .and_then(|s| s.get(&(plan.to_owned(), repo.to_owned())).cloned())
            .unwrap_or_default()
    }

    /// Removes stale locks (crashed runs) from a repository; live locks stay. Recorded in
    /// the catalog when any were removed. Failures are logged, not fatal: the command that
    /// follows reports a real lock problem itself.
    pub async fn clear_stale_locks(&self, restic: &Restic, plan: &Plan, repo: &Repository) {
        let started = self.clock.now();
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
        let record = store::maintenance::MaintenanceRecord {
            plan: plan.name.clone(),
            repository: repo.name.clone(),
            kind: "unlock".to_owned(),
            detail: format!("{removed} stale lock(s) removed, {after} live lock(s) kept"),
            result: if result.is_ok() { "ok" } else { "failed" }.to_owned(),
            started_at: started,
            finished_at: self.clock.now(),
            error: result
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default(),
        };
        if removed > 0 || result.is_err() {
            tracing::warn!(plan = %plan.name, repository = %repo.name, removed, kept = after, "stale restic locks found");
            if let Err(e) = store::maintenance::insert(&self.db, &record).await {
                tracing::error!(error = %e, "cannot record lock removal");
            }
        }
    }
}

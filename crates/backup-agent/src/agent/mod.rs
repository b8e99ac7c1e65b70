//! The agent's shared state: plans, tools, catalog, clock, metrics, the runs in progress and
//! the work shutdown waits for. State only: the operations (runs, drills, maintenance) live in
//! their own modules and take the state.

mod runs;

pub use runs::{ActiveRuns, RunTicket, SharedRun};

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

/// The state every operation (runs, drills, maintenance, status) and trigger shares.
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
    /// Runs in progress, one per plan.
    pub(crate) runs: ActiveRuns,
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
    /// The agent's state over `plans`, with its work directory created (only when there are
    /// plans: without them nothing is staged, so no empty directories are left behind).
    pub fn new(
        db: Db,
        plans: Vec<Plan>,
        tools: Tools,
        clock: SharedClock,
        metrics: BackupMetrics,
        work_dir: &Path,
    ) -> std::io::Result<Agent> {
        let work_dir = if plans.is_empty() {
            work_dir.to_owned()
        } else {
            std::fs::create_dir_all(work_dir)?;
            std::fs::canonicalize(work_dir)?
        };
        let plan_locks = plans
            .iter()
            .map(|p| (p.name.clone(), Arc::new(tokio::sync::Mutex::new(()))))
            .collect();
        Ok(Agent {
            db,
            plans,
            tools,
            clock,
            metrics,
            work_dir,
            runs: ActiveRuns::default(),
            plan_locks,
            repositories: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
            stopping: CancellationToken::new(),
        })
    }

    /// The plan called `name`.
    pub fn plan(&self, name: &str) -> Result<&Plan, AgentError> {
        self.plans
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| AgentError::UnknownPlan(name.to_owned()))
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

    /// Where drills and restores make their scratch directories.
    pub fn scratch_root(&self) -> PathBuf {
        self.work_dir.join("scratch")
    }

    /// A fresh scratch directory for a drill or a restore.
    pub fn scratch_dir(&self, what: &str) -> PathBuf {
        self.scratch_root()
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
}

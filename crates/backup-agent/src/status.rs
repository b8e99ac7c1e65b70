//! Status per plan and repository, from the catalog and the last contacts.

use chrono::{DateTime, Utc};

use crate::agent::{Agent, AgentError};
use crate::outcome::RunResult;
use crate::store;
use crate::store::maintenance::Action;

/// What a plan's last finished run says about it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, strum::Display)]
#[strum(serialize_all = "snake_case")]
pub enum PlanState {
    /// The last run succeeded.
    Ok,
    /// The last run made a verified local backup; an offsite copy failed.
    Degraded,
    /// The last run failed.
    Failing,
    /// No run has finished yet.
    #[default]
    NeverRun,
}

/// One plan's status.
#[derive(Debug, Clone, Default)]
pub struct PlanStatus {
    /// Plan.
    pub plan: String,
    /// What the last finished run says.
    pub state: PlanState,
    /// Last successful (or degraded) run.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last failed run.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Its error.
    pub last_failure_reason: String,
    /// Last successful check of the primary.
    pub last_check_at: Option<DateTime<Utc>>,
    /// Last successful drill.
    pub last_drill_at: Option<DateTime<Utc>>,
    /// Duration of the last drill.
    pub last_drill_seconds: f64,
    /// Next scheduled backup.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Whether a run is in progress.
    pub running: bool,
    /// Repositories.
    pub repositories: Vec<RepositoryStatus>,
}

/// One repository's status.
#[derive(Debug, Clone, Default)]
pub struct RepositoryStatus {
    /// Name.
    pub name: String,
    /// `primary` or `offsite`.
    pub role: String,
    /// Whether the last contact succeeded (false before any contact).
    pub reachable: bool,
    /// Last snapshot that reached it.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last successful check.
    pub last_check_at: Option<DateTime<Utc>>,
    /// Bytes on disk for local repositories (0 when unknown).
    pub size_bytes: u64,
    /// Last error, or why reachability is unknown.
    pub last_error: String,
}

/// Status of every plan.
pub async fn status(agent: &Agent) -> Result<Vec<PlanStatus>, AgentError> {
    let now = agent.clock.now();
    let mut plans = Vec::new();
    for plan in &agent.plans {
        let db = &agent.db;
        use RunResult::{Degraded, Failed, Succeeded};
        let last = |results: &'static [RunResult]| {
            store::runs::last_with_result(db, plan.name.clone(), results)
        };
        let last_finished = last(&[Succeeded, Degraded, Failed]).await?;
        let last_ok = last(&[Succeeded, Degraded]).await?;
        let last_failed = last(&[Failed]).await?;
        let state = match last_finished.map(|r| r.result) {
            None => PlanState::NeverRun,
            Some(RunResult::Succeeded) => PlanState::Ok,
            Some(RunResult::Degraded) => PlanState::Degraded,
            Some(_) => PlanState::Failing,
        };
        let mut repositories = Vec::new();
        for (index, repo) in plan.repositories().enumerate() {
            let contact = agent.repository_state(&plan.name, &repo.name);
            let last_check = store::maintenance::last_ok(
                db,
                plan.name.clone(),
                repo.name.clone(),
                Action::Check,
            )
            .await?;
            repositories.push(RepositoryStatus {
                name: repo.name.clone(),
                role: if index == 0 { "primary" } else { "offsite" }.to_owned(),
                reachable: contact.reachable.unwrap_or(false),
                last_success_at: store::runs::last_snapshot_at(
                    db,
                    plan.name.clone(),
                    repo.name.clone(),
                )
                .await?,
                last_check_at: last_check.map(|c| c.finished_at),
                size_bytes: local_size(repo.url.expose()).await,
                last_error: if contact.reachable.is_none() {
                    "not contacted since the agent started".to_owned()
                } else {
                    contact.last_error
                },
            });
        }
        let last_drill_ok = store::drills::last(db, plan.name.clone(), true).await?;
        let last_drill = store::drills::last(db, plan.name.clone(), false).await?;
        plans.push(PlanStatus {
            plan: plan.name.clone(),
            state,
            last_success_at: last_ok.and_then(|r| r.finished_at),
            last_failure_at: last_failed.as_ref().and_then(|r| r.finished_at),
            last_failure_reason: last_failed.map(|r| r.error).unwrap_or_default(),
            last_check_at: repositories.first().and_then(|r| r.last_check_at),
            last_drill_at: last_drill_ok.map(|d| d.finished_at),
            last_drill_seconds: last_drill.map(|d| d.duration_seconds).unwrap_or(0.0),
            next_run_at: plan.schedule.next_after(now),
            running: agent.runs.is_running(&plan.name),
            repositories,
        });
    }
    Ok(plans)
}

/// Bytes under a local repository directory (network repositories: 0, unknown).
async fn local_size(url: &str) -> u64 {
    if url.starts_with("s3:") || url.starts_with("rest:") {
        return 0;
    }
    let path = std::path::PathBuf::from(url.strip_prefix("local:").unwrap_or(url));
    tokio::task::spawn_blocking(move || dir_size(&path))
        .await
        .unwrap_or(0)
}

fn dir_size(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(t) if t.is_dir() => dir_size(&entry.path()),
            Ok(t) if t.is_file() => entry.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

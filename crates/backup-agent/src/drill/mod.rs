//! Restore drills: the proof that backups restore.
//!
//! The newest snapshot of the plan's primary repository must first be recent (a stopped
//! scheduler must not look healthy); then it is restored into scratch space, every artefact
//! is compared with the manifest (SHA-256 and size), every PostgreSQL dump is restored into a
//! uniquely named scratch database (on the drill's scratch server, or the source's own
//! server) and every SQLite copy is opened, integrity-checked and counted; row counts must
//! equal the manifest's. Scratch databases and files are always removed. The duration is the
//! measured RTO.

use std::sync::Arc;
use std::time::Instant;

use crate::agent::{Agent, AgentError};
use crate::dump::pgurl;
use crate::manifest::{Artefact, ArtefactKind};
use crate::outcome::RunResult;
use crate::plan::{Plan, SourceKind};
use crate::restore::fetch::{self, FetchError};
use crate::restore::{postgres, verify};
use crate::store;
use crate::store::drills::DrillRecord;
use crate::tools::MissingTool;

/// A problem that stops a drill before it can compare anything.
#[derive(Debug, thiserror::Error)]
enum Stopped {
    /// restic is missing.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// pg_restore is missing.
    #[error(transparent)]
    Tool(#[from] MissingTool),
    /// No snapshot, or it could not be restored.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The newest snapshot is too old: a stopped scheduler must not look healthy.
    #[error(
        "the newest snapshot ({id}, {time}) is {age_hours} h old; the limit is {limit_hours} h: backups are not running"
    )]
    Stale {
        /// Its short id.
        id: String,
        /// Its time, RFC 3339.
        time: String,
        /// Its age.
        age_hours: i64,
        /// The plan's limit.
        limit_hours: i64,
    },
}

/// Starts a drill of `plan` in its own (tracked) task: a caller that hangs up does not
/// cancel it half-way, and shutdown waits for it.
pub fn start(
    agent: &Arc<Agent>,
    plan: &str,
    requested_by: &str,
) -> Result<tokio::task::JoinHandle<Result<DrillRecord, AgentError>>, AgentError> {
    let plan = agent.plan(plan)?.name.clone();
    let (task_agent, by) = (agent.clone(), requested_by.to_owned());
    agent.spawn_work(async move { run(&task_agent, &plan, &by).await })
}

/// Runs a drill of `plan_name` and records it.
pub async fn run(
    agent: &Agent,
    plan_name: &str,
    requested_by: &str,
) -> Result<DrillRecord, AgentError> {
    let plan = agent.plan(plan_name)?;
    let lock = agent.plan_lock(&plan.name);
    let _guard = lock.lock().await;
    let started_at = agent.clock.now();
    let started = Instant::now();
    tracing::info!(plan = %plan.name, requested_by, "restore drill started");
    let mut snapshot_id = String::new();
    let problems = match drill(agent, plan, &mut snapshot_id).await {
        Ok(problems) => problems,
        Err(problem) => vec![problem.to_string()],
    };
    let record = DrillRecord {
        id: uuid::Uuid::new_v4().to_string(),
        plan: plan.name.clone(),
        snapshot_id,
        result: if problems.is_empty() {
            RunResult::Succeeded
        } else {
            RunResult::Failed
        },
        requested_by: requested_by.to_owned(),
        started_at,
        finished_at: agent.clock.now(),
        duration_seconds: started.elapsed().as_secs_f64(),
        problems,
    };
    agent
        .metrics
        .drill_duration
        .with_label_values(&[&plan.name])
        .set(record.duration_seconds);
    if record.result == RunResult::Succeeded {
        agent.metrics.drill_success(&plan.name, record.finished_at);
        tracing::info!(plan = %plan.name, snapshot = %record.snapshot_id, seconds = record.duration_seconds, "restore drill succeeded");
    } else {
        tracing::error!(plan = %plan.name, snapshot = %record.snapshot_id, problems = ?record.problems, "restore drill failed");
    }
    store::drills::insert(&agent.db, &record).await?;
    Ok(record)
}

/// The drill itself: `Err` for a problem that stops it, `Ok(problems)` otherwise.
async fn drill(
    agent: &Agent,
    plan: &Plan,
    snapshot_id: &mut String,
) -> Result<Vec<String>, Stopped> {
    let restic = agent.restic()?;
    let pg_restore = if plan.has_postgres() {
        Some(agent.tools.get("pg_restore")?.to_owned())
    } else {
        None
    };
    let snapshot = fetch::find_snapshot(&restic, &plan.primary, &plan.name, None).await?;
    agent.note_contact(plan, &plan.primary, None);
    *snapshot_id = snapshot.short_id.clone();
    let age = agent.clock.now() - snapshot.time;
    if age > plan.drill.max_snapshot_age {
        return Err(Stopped::Stale {
            id: snapshot.short_id.clone(),
            time: snapshot.time.to_rfc3339(),
            age_hours: age.num_hours(),
            limit_hours: plan.drill.max_snapshot_age.num_hours(),
        });
    }
    let scratch = agent.scratch_dir(&format!("drill-{}", plan.name));
    let result = async {
        let fetched = fetch::fetch(&restic, &plan.primary, &snapshot, &scratch).await?;
        let mut problems = verify::verify_files(&fetched).await;
        for artefact in &fetched.manifest.artefacts {
            match artefact.kind {
                ArtefactKind::Postgres => {
                    let Some(pg_restore) = &pg_restore else {
                        problems.push(format!("{}: pg_restore is not installed", artefact.source));
                        continue;
                    };
                    problems.extend(
                        drill_postgres(
                            plan,
                            artefact,
                            &fetched.stage.join(&artefact.path),
                            pg_restore,
                        )
                        .await,
                    );
                }
                ArtefactKind::Sqlite => {
                    let path = fetched.stage.join(&artefact.path);
                    let source = artefact.source.clone();
                    let checked = tokio::task::spawn_blocking(move || {
                        crate::dump::sqlite::check_copy(&source, &path)
                    })
                    .await;
                    match checked {
                        Ok(Ok(counts)) => problems.extend(verify::compare_counts(
                            &artefact.source,
                            &artefact.row_counts,
                            &counts,
                        )),
                        Ok(Err(e)) => problems.push(e.to_string()),
                        Err(e) => problems.push(format!("{}: {e}", artefact.source)),
                    }
                }
                ArtefactKind::Directory => {}
            }
        }
        Ok::<_, Stopped>(problems)
    }
    .await;
    if let Err(e) = tokio::fs::remove_dir_all(&scratch).await {
        tracing::warn!(path = %scratch.display(), error = %e, "cannot remove drill scratch files");
    }
    result
}

/// Restores one dump into a scratch database, counts, and always drops it.
async fn drill_postgres(
    plan: &Plan,
    artefact: &Artefact,
    file: &std::path::Path,
    pg_restore: &std::path::Path,
) -> Vec<String> {
    let source_url = plan.sources.iter().find_map(|s| match &s.kind {
        SourceKind::Postgres { url, .. } if s.name == artefact.source => Some(url.clone()),
        _ => None,
    });
    let Some(server) = plan.drill.scratch_postgres.clone().or(source_url) else {
        return vec![format!(
            "{}: no server for the scratch database (the source is no longer in the plan and drill.scratch_postgres_url_env is not set)",
            artefact.source
        )];
    };
    let name = scratch_database_name(&plan.name);
    if let Err(e) = postgres::create_database(&server, &name).await {
        return vec![format!("{}: {e}", artefact.source)];
    }
    let scratch = pgurl::with_database(&server, &name);
    let mut problems = Vec::new();
    match postgres::pg_restore(pg_restore, file, &scratch, false).await {
        Ok(()) => match postgres::row_counts(&scratch).await {
            Ok(counts) => problems.extend(verify::compare_counts(
                &artefact.source,
                &artefact.row_counts,
                &counts,
            )),
            Err(e) => problems.push(format!("{}: counting rows: {e}", artefact.source)),
        },
        Err(e) => problems.push(format!("{}: {e}", artefact.source)),
    }
    if let Err(e) = postgres::drop_database(&server, &name).await {
        problems.push(format!(
            "{}: scratch database {name} not removed: {e}",
            artefact.source
        ));
    }
    problems
}

/// Prefix of every scratch database of `plan`'s drills.
fn scratch_prefix(plan: &str) -> String {
    format!("ofitec_drill_{}_", plan.replace('-', "_"))
}

/// A new, unique scratch database name for a drill of `plan`:
/// `ofitec_drill_<plan>_<12 hex digits>`.
pub fn scratch_database_name(plan: &str) -> String {
    format!(
        "{}{}",
        scratch_prefix(plan),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// Whether `name` is exactly what [`scratch_database_name`] makes for `plan` (nothing else
/// is ever dropped as a leftover).
pub fn is_scratch_database(plan: &str, name: &str) -> bool {
    name.strip_prefix(&scratch_prefix(plan)).is_some_and(|id| {
        id.len() == 12 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Drops the scratch databases a drill stopped by a crash or a kill left behind, on every
/// server drills of the plans use; returns the names dropped. Failures are logged: a server
/// that cannot be reached now is cleaned at the next start.
pub async fn drop_leftover_scratch_databases(agent: &Agent) -> Vec<String> {
    let mut dropped = Vec::new();
    for plan in &agent.plans {
        let servers: Vec<ofitec_domain::Secret> = match &plan.drill.scratch_postgres {
            Some(server) => vec![server.clone()],
            None => plan
                .sources
                .iter()
                .filter_map(|s| match &s.kind {
                    SourceKind::Postgres { url, .. } => Some(url.clone()),
                    _ => None,
                })
                .collect(),
        };
        for server in servers {
            let names = match postgres::databases_with_prefix(&server, &scratch_prefix(&plan.name))
                .await
            {
                Ok(names) => names,
                Err(e) => {
                    tracing::warn!(plan = %plan.name, server = %pgurl::redacted(&server), error = %e, "cannot look for leftover drill databases");
                    continue;
                }
            };
            for name in names
                .into_iter()
                .filter(|n| is_scratch_database(&plan.name, n))
            {
                match postgres::drop_database(&server, &name).await {
                    Ok(()) => {
                        tracing::warn!(plan = %plan.name, database = %name, "dropped a scratch database an interrupted drill left behind");
                        dropped.push(name);
                    }
                    Err(e) => {
                        tracing::warn!(plan = %plan.name, database = %name, error = %e, "cannot drop a leftover drill database");
                    }
                }
            }
        }
    }
    dropped
}

/// Removes the scratch directories drills left behind (`<work_dir>/scratch/drill-*`).
pub fn remove_leftover_scratch_dirs(scratch: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("drill-") {
            let path = entry.path();
            match std::fs::remove_dir_all(&path) {
                Ok(()) => {
                    tracing::warn!(path = %path.display(), "removed scratch files an interrupted drill left behind")
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot remove leftover drill files")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_drills_make_count_as_leftovers() {
        let made = scratch_database_name("business-hours");
        assert!(made.starts_with("ofitec_drill_business_hours_"), "{made}");
        assert!(is_scratch_database("business-hours", &made));
        assert!(!is_scratch_database("business", &made));
        assert!(!is_scratch_database(
            "business-hours",
            "ofitec_drill_business_hours_prod"
        ));
        assert!(!is_scratch_database("business-hours", &format!("{made}0")));
    }
}

//! One backup run: dump → verify → manifest → primary → offsite copies → catalog.
//!
//! Nothing reaches a repository before every artefact is verified. The primary decides
//! success; an offsite that cannot be reached leaves a verified local backup and the run is
//! `degraded`. Every failure ends up in the run's steps and error (secrets removed), the
//! log and `backup_runs_total`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::agent::Agent;
use crate::dump::{self, DumpError};
use crate::file_error::FileError;
use crate::maintain::clear_stale_locks;
use crate::manifest::{Artefact, MANIFEST_FILE, Manifest};
use crate::outcome::{Outcome, RunResult};
use crate::plan::{Plan, SourceKind};
use crate::reason::Reason;
use crate::restic::{Restic, ResticError};
use crate::store;
use crate::store::runs::{RunRecord, StepRecord};

/// A step that failed: the run's error reads `<step>: <why>`.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {error}")]
struct StepFailed {
    /// `dump:<source>`, `backup`, `copy:<repository>`, …
    step: String,
    /// Why, as recorded in the step.
    error: String,
}

/// What the steps produced when the primary backup succeeded.
struct Done {
    /// Why the run is degraded, if it is.
    degraded: Vec<String>,
}

/// Runs `plan` to the end and records it. Never fails: failures are in the record.
pub async fn execute(agent: &Agent, plan: &Plan, mut run: RunRecord) -> RunRecord {
    let started = Instant::now();
    tracing::info!(plan = %plan.name, run = %run.id, reason = %run.reason, requested_by = %run.requested_by, "backup run started");
    if let Err(e) = store::runs::insert_running(&agent.db, &run).await {
        run.result = RunResult::Failed;
        run.error = format!("cannot record the run in the catalog: {e}");
        tracing::error!(plan = %plan.name, run = %run.id, error = %run.error, "backup run failed");
        agent
            .metrics
            .runs
            .with_label_values(&[&plan.name, run.result.as_str()])
            .inc();
        return run;
    }
    let lock = agent.plan_lock(&plan.name);
    let _guard = lock.lock().await;
    // A restore's safety backup runs in the restore's own process, next to a serving agent
    // that may be running the plan: it must not share (and clear) the plan's staging.
    let safety = run.reason == Reason::PreRestore;
    let stage = if safety {
        agent.safety_stage_dir(&plan.name, &run.id)
    } else {
        agent.stage_dir(&plan.name)
    };
    let outcome = steps(agent, plan, &mut run, &stage).await;
    run.finished_at = Some(agent.clock.now());
    run.duration_seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(done) if done.degraded.is_empty() => run.result = RunResult::Succeeded,
        Ok(done) => {
            run.result = RunResult::Degraded;
            run.error = done.degraded.join("; ");
        }
        Err(error) => {
            run.result = RunResult::Failed;
            run.error = error.to_string();
        }
    }
    if let Err(e) = store::runs::finish(&agent.db, &run).await {
        tracing::error!(plan = %plan.name, run = %run.id, error = %e, "cannot record the end of the run");
        run.error = if run.error.is_empty() {
            format!("the run could not be recorded in the catalog: {e}")
        } else {
            format!(
                "{}; the run could not be recorded in the catalog: {e}",
                run.error
            )
        };
    }
    // Dumps are in the repositories now (or worthless): free the disk.
    let _ = tokio::fs::remove_dir_all(&stage).await;
    if safety {
        // Not a backup of the plan's sources: none of the plan's metrics move.
        tracing::info!(plan = %plan.name, run = %run.id, result = %run.result, problems = %run.error, "safety backup of a restore target finished");
        return run;
    }
    let m = &agent.metrics;
    m.runs
        .with_label_values(&[&plan.name, run.result.as_str()])
        .inc();
    m.duration
        .with_label_values(&[&plan.name])
        .observe(run.duration_seconds);
    if run.result.is_success() {
        m.backed_up(
            &plan.name,
            run.size_bytes,
            run.result == RunResult::Degraded,
        );
        tracing::info!(plan = %plan.name, run = %run.id, result = %run.result, seconds = run.duration_seconds, bytes = run.size_bytes, problems = %run.error, "backup run finished");
    } else {
        tracing::error!(plan = %plan.name, run = %run.id, seconds = run.duration_seconds, error = %run.error, "backup run failed");
    }
    run
}

/// Records a step and passes its result on.
fn record<T, E: std::fmt::Display>(
    run: &mut RunRecord,
    step: &str,
    started: Instant,
    result: Result<T, E>,
) -> Result<T, StepFailed> {
    let error = result.as_ref().err().map(ToString::to_string);
    run.steps.push(StepRecord {
        step: step.to_owned(),
        result: Outcome::failed_if(error.is_some()),
        duration_seconds: started.elapsed().as_secs_f64(),
        error: error.clone().unwrap_or_default(),
    });
    result.map_err(|_| StepFailed {
        step: step.to_owned(),
        error: error.unwrap_or_default(),
    })
}

async fn steps(
    agent: &Agent,
    plan: &Plan,
    run: &mut RunRecord,
    stage: &Path,
) -> Result<Done, StepFailed> {
    let t = Instant::now();
    let tools = record(run, "preflight", t, preflight(agent, plan))?;
    let restic = Restic::new(&tools.restic, &agent.cache_dir());
    let t = Instant::now();
    record(run, "stage", t, prepare_stage(stage).await)?;

    let mut artefacts: Vec<Artefact> = Vec::new();
    let mut extra_paths: Vec<PathBuf> = Vec::new();
    for source in &plan.sources {
        let t = Instant::now();
        let dump_step = format!("dump:{}", source.name);
        let verify_step = format!("verify:{}", source.name);
        let produced: Result<(Artefact, dump::Timings), DumpError> = match &source.kind {
            SourceKind::Postgres { url, compression } => {
                let (Some(pg_dump), Some(pg_restore)) = (&tools.pg_dump, &tools.pg_restore) else {
                    return Err(StepFailed {
                        step: dump_step,
                        error: "pg_dump/pg_restore missing".to_owned(),
                    });
                };
                let dest = stage.join(format!("{}.pgdump", source.name));
                dump::postgres::dump(
                    &source.name,
                    url,
                    dump::postgres::PgTools {
                        pg_dump,
                        pg_restore,
                    },
                    *compression,
                    &dest,
                )
                .await
            }
            SourceKind::Sqlite { path } => {
                let dest = stage.join(format!("{}.sqlite", source.name));
                dump::sqlite::dump(&source.name, path, &dest).await
            }
            SourceKind::Directory { path } => dump::directory::describe(&source.name, path)
                .await
                .map(|a| (a, dump::Timings::default())),
        };
        match produced {
            Ok((artefact, timings)) => {
                if let SourceKind::Directory { .. } = source.kind {
                    extra_paths.push(PathBuf::from(&artefact.path));
                    record(run, &dump_step, t, Ok::<_, DumpError>(()))?;
                } else {
                    push_timed(run, &dump_step, timings.dump);
                    push_timed(run, &verify_step, timings.verify);
                }
                artefacts.push(artefact);
            }
            Err(e @ DumpError::Verify { .. }) => {
                push_timed(run, &dump_step, t.elapsed().as_secs_f64());
                return record(run, &verify_step, t, Err::<(), _>(e))
                    .map(|_| Done { degraded: vec![] });
            }
            Err(e) => {
                return record(run, &dump_step, t, Err::<(), _>(e))
                    .map(|_| Done { degraded: vec![] });
            }
        }
    }

    let t = Instant::now();
    let manifest = Manifest {
        format: 1,
        plan: plan.name.clone(),
        run_id: run.id.clone(),
        reason: run.reason,
        created_at: run.started_at,
        agent_version: env!("CARGO_PKG_VERSION").to_owned(),
        artefacts,
    };
    let manifest_json = record(run, "manifest", t, write_manifest(stage, &manifest).await)?;
    run.manifest = manifest_json;
    run.size_bytes = manifest.total_size();

    // Primary: success or failure of the run.
    let t = Instant::now();
    clear_stale_locks(agent, &restic, plan, &plan.primary).await;
    let safety = run.reason == Reason::PreRestore;
    let tags = vec![
        "ofitec".to_owned(),
        if safety {
            crate::restic::safety_tag(&plan.name)
        } else {
            crate::restic::plan_tag(&plan.name)
        },
        format!("reason={}", run.reason),
    ];
    let mut paths: Vec<&Path> = vec![stage];
    paths.extend(extra_paths.iter().map(PathBuf::as_path));
    let backed_up = async {
        restic.ensure_initialised(&plan.primary, None).await?;
        restic
            .backup(&plan.primary, &paths, &tags, run.started_at)
            .await
    }
    .await;
    agent.note_contact(plan, &plan.primary, backed_up.as_ref().err());
    let (summary, incomplete) = record(run, "backup", t, backed_up)?;
    let mut degraded = Vec::new();
    if incomplete {
        degraded.push("backup: some files of a directory source could not be read (restic exit code 3); the snapshot is incomplete".to_owned());
    }
    run.snapshots
        .push((plan.primary.name.clone(), summary.snapshot_id.clone()));
    if !safety {
        agent
            .metrics
            .success(&plan.name, &plan.primary.name, agent.clock.now());
    }

    // Offsite: a failure degrades, never fails, the run.
    for offsite in &plan.offsite {
        let t = Instant::now();
        let step = format!("copy:{}", offsite.name);
        // A crashed copy (or prune) leaves its lock in the offsite too; an exclusive one
        // would make every later copy fail until someone unlocks by hand.
        clear_stale_locks(agent, &restic, plan, offsite).await;
        let copy = || async {
            restic
                .ensure_initialised(offsite, Some(&plan.primary))
                .await?;
            restic
                .copy(offsite, &plan.primary, &plan.name, &summary.snapshot_id)
                .await
        };
        let copied = match copy().await {
            // A lock can turn stale between the unlock and the copy (its process just
            // died); live locks stay, so the retry fails the same way if one holds it.
            Err(ResticError::Locked { .. }) => {
                clear_stale_locks(agent, &restic, plan, offsite).await;
                copy().await
            }
            other => other,
        };
        agent.note_contact(plan, offsite, copied.as_ref().err());
        match record(run, &step, t, copied) {
            Ok(id) => {
                run.snapshots.push((offsite.name.clone(), id));
                agent
                    .metrics
                    .success(&plan.name, &offsite.name, agent.clock.now());
            }
            Err(e) => {
                tracing::warn!(plan = %plan.name, repository = %offsite.name, error = %e, "offsite copy failed; the local backup is kept");
                degraded.push(e.to_string());
            }
        }
    }
    Ok(Done { degraded })
}

fn push_timed(run: &mut RunRecord, step: &str, seconds: f64) {
    run.steps.push(StepRecord {
        step: step.to_owned(),
        result: Outcome::Ok,
        duration_seconds: seconds,
        error: String::new(),
    });
}

/// The tools this plan needs.
pub struct NeededTools {
    /// restic.
    pub restic: PathBuf,
    /// pg_dump when the plan has a PostgreSQL source.
    pub pg_dump: Option<PathBuf>,
    /// pg_restore when the plan has a PostgreSQL source.
    pub pg_restore: Option<PathBuf>,
}

/// Checks the tools a plan needs before any work.
pub fn preflight(agent: &Agent, plan: &Plan) -> Result<NeededTools, crate::tools::MissingTool> {
    let restic = agent.tools.get("restic")?.to_owned();
    let (pg_dump, pg_restore) = if plan.has_postgres() {
        (
            Some(agent.tools.get("pg_dump")?.to_owned()),
            Some(agent.tools.get("pg_restore")?.to_owned()),
        )
    } else {
        (None, None)
    };
    Ok(NeededTools {
        restic,
        pg_dump,
        pg_restore,
    })
}

async fn prepare_stage(stage: &Path) -> Result<(), FileError> {
    match tokio::fs::remove_dir_all(stage).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(FileError::at("cannot clear", stage)(e));
        }
        _ => {}
    }
    tokio::fs::create_dir_all(stage)
        .await
        .map_err(FileError::at("cannot create", stage))
}

async fn write_manifest(stage: &Path, manifest: &Manifest) -> Result<String, FileError> {
    let path = stage.join(MANIFEST_FILE);
    let json = serde_json::to_string_pretty(manifest)
        .map_err(|e| FileError::at("writing", &path)(e.into()))?;
    tokio::fs::write(&path, &json)
        .await
        .map_err(FileError::at("writing", &path))?;
    Ok(json)
}

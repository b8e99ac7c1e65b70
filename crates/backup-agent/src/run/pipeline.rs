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
use crate::manifest::{Artefact, MANIFEST_FILE, Manifest};
use crate::plan::{Plan, SourceKind};
use crate::restic::{Restic, ResticError};
use crate::store;
use crate::store::runs::{RunRecord, StepRecord};

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
        run.result = "failed".to_owned();
        run.error = format!("cannot record the run in the catalog: {e}");
        tracing::error!(plan = %plan.name, run = %run.id, error = %run.error, "backup run failed");
        agent
            .metrics
            .runs
            .with_label_values(&[&plan.name, "failed"])
            .inc();
        return run;
    }
    let lock = agent.plan_lock(&plan.name);
    let _guard = lock.lock().await;
    // A restore's safety backup runs in the restore's own process, next to a serving agent
    // that may be running the plan: it must not share (and clear) the plan's staging.
    let safety = run.reason == store::runs::SAFETY_REASON;
    let stage = if safety {
        agent.safety_stage_dir(&plan.name, &run.id)
    } else {
        agent.stage_dir(&plan.name)
    };
    let outcome = steps(agent, plan, &mut run, &stage).await;
    run.finished_at = Some(agent.clock.now());
    run.duration_seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(done) if done.degraded.is_empty() => {
            run.result = "succeeded".to_owned();
        }
        Ok(done) => {
            run.result = "degraded".to_owned();
            run.error = done.degraded.join("; ");
        }
        Err(error) => {
            run.result = "failed".to_owned();
            run.error = error;
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
    m.runs.with_label_values(&[&plan.name, &run.result]).inc();
    m.duration
        .with_label_values(&[&plan.name])
        .observe(run.duration_seconds);
    match run.result.as_str() {
        "succeeded" | "degraded" => {
            m.size
                .with_label_values(&[&plan.name])
                .set(i64::try_from(run.size_bytes).unwrap_or(i64::MAX));
            m.plan_degraded
                .with_label_values(&[&plan.name])
                .set(i64::from(run.result == "degraded"));
            tracing::info!(plan = %plan.name, run = %run.id, result = %run.result, seconds = run.duration_seconds, bytes = run.size_bytes, problems = %run.error, "backup run finished");
        }
        _ => {
            tracing::error!(plan = %plan.name, run = %run.id, seconds = run.duration_seconds, error = %run.error, "backup run failed");
        }
    }
    run
}

/// Records a step and passes its result on.
fn record<T, E: std::fmt::Display>(
    run: &mut RunRecord,
    step: &str,
    started: Instant,
    result: Result<T, E>,
) -> Result<T, String> {
    let duration_seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(value) => {
            run.steps.push(StepRecord {
                step: step.to_owned(),
                result: "ok".to_owned(),
                duration_seconds,
                error: String::new(),
            });
            Ok(value)
        }
        Err(e) => {
            let error = e.to_string();
            run.steps.push(StepRecord {
                step: step.to_owned(),
                result: "failed".to_owned(),
                duration_seconds,
                error: error.clone(),
            });
            Err(format!("{step}: {error}"))
        }
    }
}

async fn steps(
    agent: &Agent,
    plan: &Plan,
    run: &mut RunRecord,
    stage: &Path,
) -> Result<Done, String> {
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
                    return Err(format!("{dump_step}: pg_dump/pg_restore missing"));
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
                    record(run, &dump_step, t, Ok::<_, String>(()))?;
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
        reason: run.reason.clone(),
        created_at: run.started_at,
        agent_version: env!("CARGO_PKG_VERSION").to_owned(),
        artefacts,
    };
    let manifest_json = record(run, "manifest", t, write_manifest(stage, &manifest).await)?;
    run.manifest = manifest_json;
    run.size_bytes = manifest.total_size();

    // Primary: success or failure of the run.
    let t = Instant::now();
    agent.clear_stale_locks(&restic, plan, &plan.primary).await;
    let safety = run.reason == store::runs::SAFETY_REASON;
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
        agent.clear_stale_locks(&restic, plan, offsite).await;
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
                agent.clear_stale_locks(&restic, plan, offsite).await;
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
                degraded.push(e);
            }
        }
    }
    Ok(Done { degraded })
}

fn push_timed(run: &mut RunRecord, step: &str, seconds: f64) {
    run.steps.push(StepRecord {
        step: step.to_owned(),
        result: "ok".to_owned(),
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

async fn prepare_stage(stage: &Path) -> Result<(), String> {
    match tokio::fs::remove_dir_all(stage).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot clear {}: {e}", stage.display())),
    }
    tokio::fs::create_dir_all(stage)
        .await
        .map_err(|e| format!("cannot create {}: {e}", stage.display()))
}

async fn write_manifest(stage: &Path, manifest: &Manifest) -> Result<String, String> {
    let json = serde_json::to_string_pretty(manifest).map_err(|e| e.to_string())?;
    let path = stage.join(MANIFEST_FILE);
    tokio::fs::write(&path, &json)
        .await
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(json)
}

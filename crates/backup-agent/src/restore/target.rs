//! The real restore: a snapshot's artefact back into a database, carefully.
//!
//! 1. The snapshot is restored into scratch space and checked against its manifest.
//! 2. The target is inspected: a live (non-empty) database is refused unless `force`.
//! 3. With `dry_run`, the agent stops here and says what it would do.
//! 4. A live target is first backed up to the plan's primary repository (reason
//!    `pre-restore`, tag `plan=<plan>:pre-restore`: a group of its own that drills, the
//!    plan's status and metrics and its `forget` group ignore), so the restore itself can
//!    be undone; it is staged in a directory of its own.
//! 5. PostgreSQL: `pg_restore --clean --if-exists --single-transaction` (all or nothing);
//!    SQLite: the copy is checked, then renamed over the target.
//! 6. Row counts of the target are compared with the manifest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ofitec_platform::db::DatabaseUrl;

use crate::agent::{Agent, AgentError};
use crate::dump::{self, DumpError};
use crate::file_error::FileError;
use crate::manifest::{Artefact, ArtefactKind, Manifest};
use crate::outcome::RunResult;
use crate::plan::{Plan, SourceKind};
use crate::reason::Reason;
use crate::restore::fetch::{self, FetchError};
use crate::restore::postgres::{self, PgRestoreError, TargetState};
use crate::restore::verify;
use crate::sql::{self, SqlError};
use ofitec_domain::Secret;

/// What to restore where.
#[derive(Debug, Clone)]
pub struct RestoreRequest {
    /// Plan.
    pub plan: String,
    /// Snapshot id (full or short).
    pub snapshot: String,
    /// Target database (`postgres://…` or a SQLite path).
    pub target: Secret,
    /// Which source of the snapshot (needed when it holds several databases).
    pub source: Option<String>,
    /// Repository to read from (default: the primary).
    pub repository: Option<String>,
    /// Only check and report.
    pub dry_run: bool,
    /// Overwrite a live database (after the safety backup).
    pub force: bool,
}

/// What a restore did (or would do).
#[derive(Debug, Clone, Default)]
pub struct RestoreReport {
    /// Lines for the operator.
    pub lines: Vec<String>,
    /// Snapshot id of the safety backup, when one was taken.
    pub safety_snapshot: Option<String>,
}

/// Why a restore stopped.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// From the agent (unknown plan, missing tool, catalog).
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// The target holds data and `--force` was not given.
    #[error(
        "refusing to overwrite {target}: it is a live database with tables ({detail}); check the target, then repeat with --force (a safety backup is taken first)"
    )]
    Live {
        /// Target, redacted.
        target: String,
        /// What was found.
        detail: String,
    },
    /// The snapshot could not be found or brought back.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The restored SQLite copy does not check.
    #[error(transparent)]
    Copy(#[from] DumpError),
    /// The target database could not be inspected or prepared.
    #[error(transparent)]
    Sql(#[from] SqlError),
    /// `pg_restore` failed.
    #[error(transparent)]
    PgRestore(#[from] PgRestoreError),
    /// A file could not be written.
    #[error(transparent)]
    File(#[from] FileError),
    /// Anything else, explained.
    #[error("{0}")]
    Failed(String),
}

/// Runs a restore.
pub async fn restore(
    agent: &Arc<Agent>,
    request: &RestoreRequest,
) -> Result<RestoreReport, RestoreError> {
    let plan = agent.plan(&request.plan)?.clone();
    let restic = agent.restic()?;
    let repo = match &request.repository {
        Some(name) => plan
            .repositories()
            .find(|r| &r.name == name)
            .cloned()
            .ok_or_else(|| {
                RestoreError::Failed(format!("plan `{}` has no repository `{name}`", plan.name))
            })?,
        None => plan.primary.clone(),
    };
    let target = DatabaseUrl::parse(request.target.expose())
        .map_err(|e| RestoreError::Failed(format!("target: {e}")))?;
    let mut report = RestoreReport::default();
    let snapshot =
        fetch::find_snapshot(&restic, &repo, &plan.name, Some(&request.snapshot)).await?;
    report.lines.push(format!(
        "snapshot {} of plan `{}` from repository `{}`, taken {}",
        snapshot.short_id,
        plan.name,
        repo.name,
        snapshot.time.to_rfc3339()
    ));
    let scratch = agent.scratch_dir("restore");
    let result = async {
        let fetched = fetch::fetch(&restic, &repo, &snapshot, &scratch).await?;
        let problems = verify::verify_files(&fetched).await;
        if !problems.is_empty() {
            return Err(RestoreError::Failed(format!(
                "the snapshot does not match its manifest: {}",
                problems.join("; ")
            )));
        }
        let artefact = choose_artefact(&fetched.manifest, request.source.as_deref())?;
        report.lines.push(format!(
            "artefact `{}` ({}, {} bytes, SHA-256 verified)",
            artefact.source, artefact.kind, artefact.size_bytes
        ));
        let file = fetched.stage.join(&artefact.path);
        match (&target, artefact.kind) {
            (DatabaseUrl::Postgres(_), ArtefactKind::Postgres) => {
                restore_postgres(agent, &plan, request, &artefact, &file, &mut report).await
            }
            (DatabaseUrl::Sqlite(path), ArtefactKind::Sqlite) => {
                restore_sqlite(agent, &plan, request, &artefact, &file, path, &mut report).await
            }
            (_, kind) => Err(RestoreError::Failed(format!(
                "artefact `{}` is a {kind} database; the target {} is not",
                artefact.source,
                target.redacted()
            ))),
        }
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&scratch).await;
    result.map(|()| report)
}

fn choose_artefact(manifest: &Manifest, source: Option<&str>) -> Result<Artefact, RestoreError> {
    let databases: Vec<&Artefact> = manifest
        .artefacts
        .iter()
        .filter(|a| a.kind != ArtefactKind::Directory)
        .collect();
    match source {
        Some(name) => databases
            .into_iter()
            .find(|a| a.source == name)
            .cloned()
            .ok_or_else(|| {
                RestoreError::Failed(format!("the snapshot has no database source `{name}`"))
            }),
        None if databases.len() == 1 => Ok(databases[0].clone()),
        None => Err(RestoreError::Failed(format!(
            "the snapshot holds {} databases ({}): choose one with --source",
            databases.len(),
            databases
                .iter()
                .map(|a| a.source.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

async fn restore_postgres(
    agent: &Arc<Agent>,
    plan: &Plan,
    request: &RestoreRequest,
    artefact: &Artefact,
    file: &Path,
    report: &mut RestoreReport,
) -> Result<(), RestoreError> {
    let pg_restore = agent
        .tools
        .get("pg_restore")
        .map_err(AgentError::from)?
        .to_owned();
    let target = &request.target;
    let shown = dump::pgurl::redacted(target);
    let state = postgres::target_state(target).await?;
    if state == TargetState::Live && !request.force {
        return Err(RestoreError::Live {
            target: shown,
            detail: "it has user tables".to_owned(),
        });
    }
    let action = match state {
        TargetState::Missing => "create the database and restore into it",
        TargetState::Empty => "restore into the empty database",
        TargetState::Live => {
            "take a safety backup, then replace the dump's objects in one transaction"
        }
    };
    report.lines.push(format!("target {shown}: {action}"));
    if request.dry_run {
        report.lines.push("dry run: nothing was changed".to_owned());
        return Ok(());
    }
    if state == TargetState::Live {
        let snapshot = safety_backup(agent, plan, request).await?;
        report.lines.push(format!(
            "safety backup of the target: snapshot {snapshot} (tags plan={}:pre-restore, reason=pre-restore)",
            plan.name
        ));
        report.safety_snapshot = Some(snapshot);
    }
    if state == TargetState::Missing {
        let name = dump::pgurl::database_name(target)
            .ok_or_else(|| RestoreError::Failed(format!("{shown} names no database")))?;
        let server = dump::pgurl::with_database(target, "postgres");
        postgres::create_database(&server, &name).await?;
    }
    postgres::pg_restore(&pg_restore, file, target, state == TargetState::Live).await?;
    let counts = postgres::row_counts(target).await?;
    check_counts(artefact, &counts, report)
}

async fn restore_sqlite(
    agent: &Arc<Agent>,
    plan: &Plan,
    request: &RestoreRequest,
    artefact: &Artefact,
    file: &Path,
    target: &Path,
    report: &mut RestoreReport,
) -> Result<(), RestoreError> {
    let live = if target.is_file() {
        let path = target.to_owned();
        tokio::task::spawn_blocking(move || {
            sql::sqlite_row_counts(&mut dump::sqlite::open(&path)?).map(|c| !c.is_empty())
        })
        .await
        .map_err(SqlError::from)??
    } else {
        false
    };
    let shown = target.display().to_string();
    if live && !request.force {
        return Err(RestoreError::Live {
            target: shown,
            detail: "it has tables".to_owned(),
        });
    }
    report.lines.push(format!(
        "target {shown}: {}",
        if live {
            "take a safety backup, then replace the file (stop the services that use it first)"
        } else {
            "write the database file"
        }
    ));
    if request.dry_run {
        report.lines.push("dry run: nothing was changed".to_owned());
        return Ok(());
    }
    if live {
        let snapshot = safety_backup(agent, plan, request).await?;
        report.lines.push(format!(
            "safety backup of the target: snapshot {snapshot} (tags plan={}:pre-restore, reason=pre-restore)",
            plan.name
        ));
        report.safety_snapshot = Some(snapshot);
    }
    let incoming = PathBuf::from(format!("{}.restoring", target.display()));
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(FileError::at("creating", dir))?;
    }
    tokio::fs::copy(file, &incoming)
        .await
        .map_err(FileError::at("copying to", &incoming))?;
    let (check_path, source) = (incoming.clone(), artefact.source.clone());
    let counts =
        tokio::task::spawn_blocking(move || dump::sqlite::check_copy(&source, &check_path))
            .await
            .map_err(SqlError::from)??;
    // A WAL left by the old file would be replayed into the new one.
    for suffix in ["-wal", "-shm"] {
        let _ = tokio::fs::remove_file(format!("{}{suffix}", target.display())).await;
    }
    tokio::fs::rename(&incoming, target)
        .await
        .map_err(FileError::at("replacing", target))?;
    check_counts(artefact, &counts, report)
}

fn check_counts(
    artefact: &Artefact,
    counts: &std::collections::BTreeMap<String, u64>,
    report: &mut RestoreReport,
) -> Result<(), RestoreError> {
    let problems = verify::compare_counts(&artefact.source, &artefact.row_counts, counts);
    if problems.is_empty() {
        report.lines.push(format!(
            "restored: {} tables, row counts equal to the manifest's",
            counts.len()
        ));
        Ok(())
    } else {
        Err(RestoreError::Failed(format!(
            "restored, but the row counts differ from the manifest: {}",
            problems.join("; ")
        )))
    }
}

/// Backs the restore target up to the plan's primary repository before touching it.
async fn safety_backup(
    agent: &Arc<Agent>,
    plan: &Plan,
    request: &RestoreRequest,
) -> Result<String, RestoreError> {
    let kind = match DatabaseUrl::parse(request.target.expose()) {
        Ok(DatabaseUrl::Postgres(url)) => SourceKind::Postgres {
            compression: 0,
            url: Secret::new(url),
        },
        Ok(DatabaseUrl::Sqlite(path)) => SourceKind::Sqlite { path },
        Err(e) => return Err(RestoreError::Failed(e.to_string())),
    };
    let mut safety = plan.clone();
    safety.sources = vec![crate::plan::Source {
        name: "restore-target".to_owned(),
        kind,
    }];
    safety.offsite.clear();
    // Not through the coordinator: joining a scheduled run of the plan would return a
    // snapshot of the plan's sources, not of this target. The plan lock still serialises it.
    let record = crate::run::coordinator::new_record(
        agent,
        &safety,
        Reason::PreRestore,
        "backup-agent restore",
    );
    let run = crate::run::pipeline::execute(agent, &safety, record).await;
    if run.result != RunResult::Succeeded {
        return Err(RestoreError::Failed(format!(
            "the safety backup of the target failed, nothing was changed: {}",
            run.error
        )));
    }
    run.snapshots
        .first()
        .map(|(_, id)| id.clone())
        .ok_or_else(|| RestoreError::Failed("the safety backup recorded no snapshot".to_owned()))
}

//! `backup_runs` and `backup_snapshots`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ofitec_platform::db::{Db, DbError};
use serde::{Deserialize, Serialize};

use super::schema::{backup_runs, backup_snapshots};
use super::{naive, parse, utc};
use crate::outcome::{Outcome, RunResult};
use crate::reason::Reason;

/// Result of one step of a run (also the JSON stored in `steps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// `dump:<source>`, `verify:<source>`, `manifest`, `backup`, `copy:<repository>`.
    pub step: String,
    /// How it ended.
    pub result: Outcome,
    /// Seconds.
    pub duration_seconds: f64,
    /// Error when failed (secrets removed).
    #[serde(default)]
    pub error: String,
}

/// A run as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// UUID.
    pub id: String,
    /// Plan.
    pub plan: String,
    /// Why it ran.
    pub reason: Reason,
    /// Where it stands.
    pub result: RunResult,
    /// Who asked.
    pub requested_by: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub finished_at: Option<DateTime<Utc>>,
    /// Seconds.
    pub duration_seconds: f64,
    /// Bytes of the artefacts.
    pub size_bytes: u64,
    /// Steps in order.
    pub steps: Vec<StepRecord>,
    /// The manifest JSON (empty until written).
    pub manifest: String,
    /// Why the run failed or is degraded.
    pub error: String,
    /// Snapshot per repository: (repository, snapshot id).
    pub snapshots: Vec<(String, String)>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = backup_runs)]
struct Row {
    id: String,
    plan: String,
    reason: String,
    result: String,
    requested_by: String,
    started_at: chrono::NaiveDateTime,
    finished_at: Option<chrono::NaiveDateTime>,
    duration_seconds: f64,
    size_bytes: i64,
    steps: String,
    manifest: String,
    error: String,
}

impl Row {
    fn into_record(
        self,
        snapshots: Vec<(String, String)>,
    ) -> Result<RunRecord, diesel::result::Error> {
        Ok(RunRecord {
            reason: parse("reason", &self.reason)?,
            result: parse("result", &self.result)?,
            id: self.id,
            plan: self.plan,
            requested_by: self.requested_by,
            started_at: utc(self.started_at),
            finished_at: self.finished_at.map(utc),
            duration_seconds: self.duration_seconds,
            size_bytes: u64::try_from(self.size_bytes).unwrap_or(0),
            steps: serde_json::from_str(&self.steps).unwrap_or_default(),
            manifest: self.manifest,
            error: self.error,
            snapshots,
        })
    }
}

/// Records the start of a run.
pub async fn insert_running(db: &Db, run: &RunRecord) -> Result<(), DbError> {
    let run = run.clone();
    db.run(move |conn| {
        diesel::insert_into(backup_runs::table)
            .values((
                backup_runs::id.eq(&run.id),
                backup_runs::plan.eq(&run.plan),
                backup_runs::reason.eq(run.reason.as_str()),
                backup_runs::result.eq(RunResult::Running.as_str()),
                backup_runs::requested_by.eq(&run.requested_by),
                backup_runs::started_at.eq(naive(run.started_at)),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// Records the end of a run and its snapshots in one transaction.
pub async fn finish(db: &Db, run: &RunRecord) -> Result<(), DbError> {
    let run = run.clone();
    db.run(move |conn| {
        conn.transaction(|conn| {
            diesel::update(backup_runs::table.find(&run.id))
                .set((
                    backup_runs::result.eq(run.result.as_str()),
                    backup_runs::finished_at.eq(run.finished_at.map(naive)),
                    backup_runs::duration_seconds.eq(run.duration_seconds),
                    backup_runs::size_bytes.eq(i64::try_from(run.size_bytes).unwrap_or(i64::MAX)),
                    backup_runs::steps.eq(serde_json::to_string(&run.steps).unwrap_or_default()),
                    backup_runs::manifest.eq(&run.manifest),
                    backup_runs::error.eq(&run.error),
                ))
                .execute(conn)?;
            let created = naive(run.finished_at.unwrap_or(run.started_at));
            for (repository, snapshot) in &run.snapshots {
                diesel::insert_into(backup_snapshots::table)
                    .values((
                        backup_snapshots::run_id.eq(&run.id),
                        backup_snapshots::plan.eq(&run.plan),
                        backup_snapshots::repository.eq(repository),
                        backup_snapshots::snapshot_id.eq(snapshot),
                        backup_snapshots::created_at.eq(created),
                    ))
                    .execute(conn)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        Ok(())
    })
    .await
}

/// Closes runs a crash left `running`: they failed, and the message says why.
pub async fn close_interrupted(db: &Db, now: DateTime<Utc>) -> Result<Vec<String>, DbError> {
    db.run(move |conn| {
        let ids: Vec<String> = backup_runs::table
            .filter(backup_runs::result.eq(RunResult::Running.as_str()))
            .select(backup_runs::id)
            .load(conn)?;
        if !ids.is_empty() {
            diesel::update(backup_runs::table.filter(backup_runs::id.eq_any(&ids)))
                .set((
                    backup_runs::result.eq(RunResult::Failed.as_str()),
                    backup_runs::finished_at.eq(Some(naive(now))),
                    backup_runs::error.eq(
                        "interrupted: the agent stopped during this run (crash, kill or power loss); nothing of it was recorded as a backup",
                    ),
                ))
                .execute(conn)?;
        }
        Ok(ids)
    })
    .await
}

/// Runs, newest first, optionally of one plan.
pub async fn list(db: &Db, plan: Option<String>, limit: i64) -> Result<Vec<RunRecord>, DbError> {
    db.run(move |conn| {
        let mut query = backup_runs::table
            .select(Row::as_select())
            .order(backup_runs::started_at.desc())
            .then_order_by(backup_runs::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(plan) = plan {
            query = query.filter(backup_runs::plan.eq(plan));
        }
        let rows: Vec<Row> = query.load(conn)?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let snaps: Vec<(String, String, String)> = backup_snapshots::table
            .filter(backup_snapshots::run_id.eq_any(&ids))
            .select((
                backup_snapshots::run_id,
                backup_snapshots::repository,
                backup_snapshots::snapshot_id,
            ))
            .load(conn)?;
        let records = rows.into_iter().map(|row| {
            let mine = snaps
                .iter()
                .filter(|(run, _, _)| *run == row.id)
                .map(|(_, repo, snap)| (repo.clone(), snap.clone()))
                .collect();
            row.into_record(mine)
        });
        Ok(records.collect::<Result<_, _>>()?)
    })
    .await
}

/// One run by id.
pub async fn get(db: &Db, id: String) -> Result<Option<RunRecord>, DbError> {
    db.run(move |conn| {
        let row: Option<Row> = backup_runs::table
            .find(&id)
            .select(Row::as_select())
            .first(conn)
            .optional()?;
        let Some(row) = row else { return Ok(None) };
        let snaps: Vec<(String, String)> = backup_snapshots::table
            .filter(backup_snapshots::run_id.eq(&id))
            .select((backup_snapshots::repository, backup_snapshots::snapshot_id))
            .load(conn)?;
        Ok(Some(row.into_record(snaps)?))
    })
    .await
}

/// Newest time a backup of `plan` reached `repository` (safety backups, [`Reason::PreRestore`],
/// excluded).
pub async fn last_snapshot_at(
    db: &Db,
    plan: String,
    repository: String,
) -> Result<Option<DateTime<Utc>>, DbError> {
    db.run(move |conn| {
        let safety_runs = backup_runs::table
            .filter(backup_runs::plan.eq(plan.clone()))
            .filter(backup_runs::reason.eq(Reason::PreRestore.as_str()))
            .select(backup_runs::id);
        let at: Option<chrono::NaiveDateTime> = backup_snapshots::table
            .filter(backup_snapshots::plan.eq(plan))
            .filter(backup_snapshots::repository.eq(repository))
            .filter(backup_snapshots::run_id.ne_all(safety_runs))
            .select(diesel::dsl::max(backup_snapshots::created_at))
            .first(conn)?;
        Ok(at.map(utc))
    })
    .await
}

/// The newest finished backup of `plan` with one of `results` (safety backups excluded).
pub async fn last_with_result(
    db: &Db,
    plan: String,
    results: &[RunResult],
) -> Result<Option<RunRecord>, DbError> {
    let results: Vec<&'static str> = results.iter().map(|r| r.as_str()).collect();
    db.run(move |conn| {
        let row: Option<Row> = backup_runs::table
            .filter(backup_runs::plan.eq(plan))
            .filter(backup_runs::result.eq_any(results))
            .filter(backup_runs::reason.ne(Reason::PreRestore.as_str()))
            .order(backup_runs::started_at.desc())
            .then_order_by(backup_runs::id.desc())
            .select(Row::as_select())
            .first(conn)
            .optional()?;
        Ok(row.map(|r| r.into_record(Vec::new())).transpose()?)
    })
    .await
}

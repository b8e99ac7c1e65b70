//! `backup_drills`: restore drills and their measured duration.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ofitec_platform::db::{Db, DbError};

use super::schema::backup_drills;
use super::{naive, parse, utc};
use crate::outcome::RunResult;

/// A finished drill.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillRecord {
    /// UUID.
    pub id: String,
    /// Plan.
    pub plan: String,
    /// Snapshot restored (empty when none could be chosen).
    pub snapshot_id: String,
    /// Succeeded or failed.
    pub result: RunResult,
    /// Who asked (`scheduler` for scheduled drills).
    pub requested_by: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub finished_at: DateTime<Utc>,
    /// Restore plus verification, in seconds.
    pub duration_seconds: f64,
    /// What differed or failed.
    pub problems: Vec<String>,
}

/// Records a finished drill.
pub async fn insert(db: &Db, record: &DrillRecord) -> Result<(), DbError> {
    let r = record.clone();
    db.run(move |conn| {
        diesel::insert_into(backup_drills::table)
            .values((
                backup_drills::id.eq(&r.id),
                backup_drills::plan.eq(&r.plan),
                backup_drills::snapshot_id.eq(&r.snapshot_id),
                backup_drills::result.eq(r.result.as_str()),
                backup_drills::requested_by.eq(&r.requested_by),
                backup_drills::started_at.eq(naive(r.started_at)),
                backup_drills::finished_at.eq(Some(naive(r.finished_at))),
                backup_drills::duration_seconds.eq(r.duration_seconds),
                backup_drills::problems.eq(serde_json::to_string(&r.problems).unwrap_or_default()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = backup_drills)]
struct Row {
    id: String,
    plan: String,
    snapshot_id: String,
    result: String,
    requested_by: String,
    started_at: chrono::NaiveDateTime,
    finished_at: Option<chrono::NaiveDateTime>,
    duration_seconds: f64,
    problems: String,
}

/// The newest drill of `plan`, optionally only successful ones.
pub async fn last(
    db: &Db,
    plan: String,
    only_succeeded: bool,
) -> Result<Option<DrillRecord>, DbError> {
    db.run(move |conn| {
        let mut query = backup_drills::table
            .filter(backup_drills::plan.eq(plan))
            .filter(backup_drills::result.ne(RunResult::Running.as_str()))
            .order(backup_drills::started_at.desc())
            .select(Row::as_select())
            .into_boxed();
        if only_succeeded {
            query = query.filter(backup_drills::result.eq(RunResult::Succeeded.as_str()));
        }
        let Some(r) = query.first::<Row>(conn).optional()? else {
            return Ok(None);
        };
        Ok(Some(DrillRecord {
            result: parse("result", &r.result)?,
            id: r.id,
            plan: r.plan,
            snapshot_id: r.snapshot_id,
            requested_by: r.requested_by,
            started_at: utc(r.started_at),
            finished_at: utc(r.finished_at.unwrap_or(r.started_at)),
            duration_seconds: r.duration_seconds,
            problems: serde_json::from_str(&r.problems).unwrap_or_default(),
        }))
    })
    .await
}

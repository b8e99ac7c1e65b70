//! `backup_maintenance`: forget, prune, check and stale-lock removal per repository.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ofitec_platform::db::{Db, DbError};

use super::schema::backup_maintenance;
use super::{naive, parse, utc};
use crate::outcome::Outcome;
use strum::{Display, EnumString, IntoStaticStr};

/// The maintenance actions the catalog records (`forget`, `prune`, `check`, `unlock`: the
/// strings stored since the first release).
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumString, IntoStaticStr, Display)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// `restic forget` (the plan's keep policy).
    Forget,
    /// `restic prune`.
    Prune,
    /// `restic check`, structural or of a data subset.
    Check,
    /// Stale-lock removal.
    Unlock,
}

impl Action {
    /// The column value.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One maintenance action as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceRecord {
    /// Plan.
    pub plan: String,
    /// Repository.
    pub repository: String,
    /// What was done.
    pub kind: Action,
    /// E.g. `3/28` for a read-data subset, or how many snapshots/locks were removed.
    pub detail: String,
    /// How it ended.
    pub result: Outcome,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub finished_at: DateTime<Utc>,
    /// Error when failed.
    pub error: String,
}

/// Records one finished action.
pub async fn insert(db: &Db, record: &MaintenanceRecord) -> Result<(), DbError> {
    let r = record.clone();
    db.run(move |conn| {
        diesel::insert_into(backup_maintenance::table)
            .values((
                backup_maintenance::plan.eq(&r.plan),
                backup_maintenance::repository.eq(&r.repository),
                backup_maintenance::kind.eq(r.kind.as_str()),
                backup_maintenance::detail.eq(&r.detail),
                backup_maintenance::result.eq(r.result.as_str()),
                backup_maintenance::started_at.eq(naive(r.started_at)),
                backup_maintenance::finished_at.eq(Some(naive(r.finished_at))),
                backup_maintenance::error.eq(&r.error),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = backup_maintenance)]
struct Row {
    plan: String,
    repository: String,
    kind: String,
    detail: String,
    result: String,
    started_at: chrono::NaiveDateTime,
    finished_at: Option<chrono::NaiveDateTime>,
    error: String,
}

/// The newest successful action of `kind` on a repository.
pub async fn last_ok(
    db: &Db,
    plan: String,
    repository: String,
    kind: Action,
) -> Result<Option<MaintenanceRecord>, DbError> {
    last_ok_like(db, plan, repository, kind, None).await
}

/// The newest successful action of `kind` on a repository whose detail matches the SQL
/// `LIKE` pattern `detail` (e.g. `%/%` for a read-data subset `n/t`, so the structural
/// check after a prune does not hide the last subset from the rotation).
pub async fn last_ok_like(
    db: &Db,
    plan: String,
    repository: String,
    kind: Action,
    detail: Option<&'static str>,
) -> Result<Option<MaintenanceRecord>, DbError> {
    db.run(move |conn| {
        let mut query = backup_maintenance::table
            .filter(backup_maintenance::plan.eq(plan))
            .filter(backup_maintenance::repository.eq(repository))
            .filter(backup_maintenance::kind.eq(kind.as_str()))
            .filter(backup_maintenance::result.eq(Outcome::Ok.as_str()))
            .order(backup_maintenance::id.desc())
            .select(Row::as_select())
            .into_boxed();
        if let Some(pattern) = detail {
            query = query.filter(backup_maintenance::detail.like(pattern));
        }
        let Some(r) = query.first::<Row>(conn).optional()? else {
            return Ok(None);
        };
        Ok(Some(MaintenanceRecord {
            kind: parse("kind", &r.kind)?,
            result: parse("result", &r.result)?,
            plan: r.plan,
            repository: r.repository,
            detail: r.detail,
            started_at: utc(r.started_at),
            finished_at: utc(r.finished_at.unwrap_or(r.started_at)),
            error: r.error,
        }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::Action;

    #[test]
    fn actions_keep_their_stored_strings() {
        let stored = [
            (Action::Forget, "forget"),
            (Action::Prune, "prune"),
            (Action::Check, "check"),
            (Action::Unlock, "unlock"),
        ];
        for (action, text) in stored {
            assert_eq!(action.as_str(), text);
            assert_eq!(text.parse::<Action>().ok(), Some(action));
        }
    }
}

//! Import events, numbered by the database so every replica agrees on the order: the SSE
//! `id:` a client sends back as `Last-Event-ID` is this number. A bounded window is kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ofitec_domain::Rut;
use ofitec_platform::db::DbConnection;

use super::error::StoreError;
use super::schema::import_events;
use crate::clock::now;

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = import_events)]
pub struct EventRow {
    /// Monotonic id.
    pub id: i64,
    /// Job the event is about.
    pub job_id: String,
    /// Company of the job (for filtering).
    pub company: String,
    /// `queued`, `started`, `progress`, `completed`, `failed`.
    pub kind: String,
    /// The event without its id and kind, as JSON (see `imports::events`).
    pub payload: String,
    /// When.
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = import_events)]
struct NewEvent<'a> {
    job_id: &'a str,
    company: &'a str,
    kind: &'a str,
    payload: &'a str,
    created_at: NaiveDateTime,
}

/// Appends an event and returns its id.
pub fn append(
    conn: &mut DbConnection,
    job_id: &str,
    company: &Rut,
    kind: &str,
    payload: &str,
) -> Result<i64, StoreError> {
    use import_events::dsl as e;
    let company = company.to_string();
    let row = NewEvent {
        job_id,
        company: &company,
        kind,
        payload,
        created_at: now(),
    };
    conn.transaction(|c| {
        // On PostgreSQL, concurrent transactions could commit ids out of order and a watcher
        // reading "after N" would skip the late one; the lock serializes writers until commit
        // (SQLite has one writer anyway).
        if matches!(c, DbConnection::Pg(_)) {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                "LOCK TABLE import_events IN SHARE ROW EXCLUSIVE MODE",
            )?;
        }
        diesel::insert_into(e::import_events)
            .values(&row)
            .execute(c)?;
        // RETURNING is not in the subset both backends share; the newest row of this job
        // inside the same transaction is the one just written.
        Ok(e::import_events
            .filter(e::job_id.eq(job_id))
            .select(diesel::dsl::max(e::id))
            .first::<Option<i64>>(c)?
            .unwrap_or(0))
    })
}

/// Events after `after` (exclusive), oldest first, for the given companies (all when `None`).
pub fn after(
    conn: &mut DbConnection,
    after: i64,
    companies: Option<&[Rut]>,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    use import_events::dsl as e;
    let mut query = e::import_events
        .filter(e::id.gt(after))
        .into_boxed::<ofitec_platform::db::MultiBackend>();
    if let Some(companies) = companies {
        query = query.filter(
            e::company.eq_any(
                companies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            ),
        );
    }
    Ok(query
        .order(e::id)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?)
}

/// Keeps the newest `keep` events; returns how many were removed.
pub fn prune(conn: &mut DbConnection, keep: i64) -> Result<usize, StoreError> {
    use import_events::dsl as e;
    let newest: Option<i64> = e::import_events
        .select(diesel::dsl::max(e::id))
        .first(conn)?;
    let Some(newest) = newest else {
        return Ok(0);
    };
    Ok(diesel::delete(e::import_events.filter(e::id.le(newest - keep))).execute(conn)?)
}

/// Where a watcher resuming after event `after` must continue when events it has not seen
/// are gone: `Some(id)` when events after `after` were pruned (it is older than the replay
/// window: continue after `id`, the last pruned one), or when `after` is newer than any
/// event (a restored or different database: continue after the newest). `None`: nothing
/// was missed. Ids can skip (a rolled-back insert burns one), so a gap may be reported
/// that lost nothing; a client then merely reloads what it shows.
pub fn resume_point(conn: &mut DbConnection, after: i64) -> Result<Option<i64>, StoreError> {
    use import_events::dsl as e;
    if after <= 0 {
        return Ok(None);
    }
    let (oldest, newest): (Option<i64>, Option<i64>) = e::import_events
        .select((diesel::dsl::min(e::id), diesel::dsl::max(e::id)))
        .first(conn)?;
    Ok(match (oldest, newest) {
        (Some(oldest), _) if after < oldest - 1 => Some(oldest - 1),
        (_, Some(newest)) if after > newest => Some(newest),
        (None, _) => Some(0),
        _ => None,
    })
}

/// The newest event id (0 when none).
pub fn newest(conn: &mut DbConnection) -> Result<i64, StoreError> {
    use import_events::dsl as e;
    Ok(e::import_events
        .select(diesel::dsl::max(e::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

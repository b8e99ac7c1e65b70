//! Import jobs: the truth about every import, whatever the queue says.
//!
//! queued → running → succeeded | failed | dead | cancelled. A partial unique index allows
//! one active (queued or running) job per (company, period, operation), so asking twice
//! returns the job already in flight.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ofitec_domain::rcv::Operation;
use ofitec_domain::{ErrorCode, Period, Rut};
use ofitec_platform::db::DbConnection;

use super::error::StoreError;
use super::schema::import_jobs;
use crate::clock::now;

/// Ids per `… WHERE id IN (…)`.
const ID_CHUNK: usize = 500;

/// The statuses of a job someone still works on (or will).
const ACTIVE: [&str; 2] = [JobStatus::Queued.as_str(), JobStatus::Running.as_str()];

/// The columns a job's end sets: a final status with its error code and message.
type Ending<'a> = (
    diesel::dsl::Eq<import_jobs::status, &'static str>,
    diesel::dsl::Eq<import_jobs::last_error_code, &'a str>,
    diesel::dsl::Eq<import_jobs::last_error_message, &'a str>,
    diesel::dsl::Eq<import_jobs::next_attempt_at, Option<NaiveDateTime>>,
    diesel::dsl::Eq<import_jobs::finished_at, Option<NaiveDateTime>>,
    diesel::dsl::Eq<import_jobs::updated_at, NaiveDateTime>,
);

fn ending<'a>(
    status: JobStatus,
    code: ErrorCode,
    message: &'a str,
    now: NaiveDateTime,
) -> Ending<'a> {
    use import_jobs::dsl as j;
    (
        j::status.eq(status.as_str()),
        j::last_error_code.eq(code.as_str()),
        j::last_error_message.eq(message),
        j::next_attempt_at.eq(None),
        j::finished_at.eq(Some(now)),
        j::updated_at.eq(now),
    )
}

/// Life cycle of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker holds it.
    Running,
    /// Finished and committed.
    Succeeded,
    /// Finished with an error retrying does not fix.
    Failed,
    /// Retries exhausted.
    Dead,
    /// Cancelled by a user.
    Cancelled,
}

impl JobStatus {
    /// Every status.
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Dead,
        JobStatus::Cancelled,
    ];

    /// Stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Dead => "dead",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the job is over.
    pub fn is_final(self) -> bool {
        !matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

/// A job as stored (and, as of each event, in the event log: hence serde).
#[derive(
    Debug, Clone, PartialEq, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize,
)]
#[diesel(table_name = import_jobs)]
pub struct JobRow {
    /// Job id (UUID).
    pub id: String,
    /// Batch id (UUID).
    pub batch_id: String,
    /// Company RUT.
    pub company: String,
    /// Period `YYYY-MM`.
    pub period: String,
    /// `compra` / `venta`.
    pub operation: String,
    /// Status.
    pub status: String,
    /// Attempts started.
    pub attempts: i32,
    /// Stable code of the last error.
    pub last_error_code: String,
    /// Message of the last error.
    pub last_error_message: String,
    /// Documents fetched in the last attempt.
    pub documents_fetched: i64,
    /// Documents inserted or changed in the last attempt.
    pub documents_stored: i64,
    /// Documents marked vanished in the last attempt.
    pub documents_vanished: i64,
    /// Sum of totals.
    pub total_amount: i64,
    /// Who asked.
    pub requested_by: String,
    /// Request id that created it.
    pub request_id: String,
    /// Worker that holds or last held it.
    pub worker: String,
    /// Earliest time of the next attempt (embedded mode's delayed retries).
    pub next_attempt_at: Option<NaiveDateTime>,
    /// When the broker confirmed the job's message; `None` until then (the outbox sweeper
    /// republishes such jobs, so a broker outage at request time loses nothing).
    pub published_at: Option<NaiveDateTime>,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Start of the last attempt.
    pub started_at: Option<NaiveDateTime>,
    /// End time.
    pub finished_at: Option<NaiveDateTime>,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

impl JobRow {
    /// Status as the enum (an unknown stored value reads as failed rather than panicking).
    pub fn status(&self) -> JobStatus {
        JobStatus::parse(&self.status).unwrap_or(JobStatus::Failed)
    }

    /// The job's register.
    pub fn key(&self) -> Result<(Rut, Period, Operation), StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("job {}: {e}", self.id));
        Ok((
            Rut::parse(&self.company).map_err(|e| corrupt(e.to_string()))?,
            Period::parse(&self.period).map_err(|e| corrupt(e.to_string()))?,
            self.operation.parse().map_err(corrupt)?,
        ))
    }
}

/// What to create.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Company.
    pub company: Rut,
    /// Period.
    pub period: Period,
    /// Register.
    pub operation: Operation,
}

/// Result of [`create`] for one requested job.
#[derive(Debug, Clone)]
pub struct Created {
    /// The job.
    pub job: JobRow,
    /// False when an active job for the same register already existed and is returned.
    pub new: bool,
}

/// Creates one job per entry, or returns the active job for that register.
pub fn create(
    conn: &mut DbConnection,
    batch_id: &str,
    jobs: &[NewJob],
    requested_by: &str,
    request_id: &str,
) -> Result<Vec<Created>, StoreError> {
    use import_jobs::dsl as j;
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let now = now();
        let row = JobRow {
            id: uuid::Uuid::new_v4().to_string(),
            batch_id: batch_id.to_owned(),
            company: job.company.to_string(),
            period: job.period.to_string(),
            operation: job.operation.as_str().to_owned(),
            status: JobStatus::Queued.as_str().to_owned(),
            attempts: 0,
            last_error_code: String::new(),
            last_error_message: String::new(),
            documents_fetched: 0,
            documents_stored: 0,
            documents_vanished: 0,
            total_amount: 0,
            requested_by: requested_by.to_owned(),
            request_id: request_id.to_owned(),
            worker: String::new(),
            next_attempt_at: None,
            published_at: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            updated_at: now,
        };
        // A savepoint per insert: a unique violation (an active job exists, perhaps created
        // by a concurrent request) must not abort the surrounding transaction.
        let inserted =
            conn.transaction(|c| diesel::insert_into(j::import_jobs).values(&row).execute(c));
        match inserted {
            Ok(_) => out.push(Created {
                job: row,
                new: true,
            }),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                let existing =
                    active(conn, &job.company, &job.period, job.operation)?.ok_or_else(|| {
                        StoreError::Conflict(
                            "an active job vanished while being looked up; retry".to_owned(),
                        )
                    })?;
                out.push(Created {
                    job: existing,
                    new: false,
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// The queued or running job of a register, if any.
pub fn active(
    conn: &mut DbConnection,
    company: &Rut,
    period: &Period,
    operation: Operation,
) -> Result<Option<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    Ok(j::import_jobs
        .filter(j::company.eq(company.to_string()))
        .filter(j::period.eq(period.to_string()))
        .filter(j::operation.eq(operation.as_str()))
        .filter(j::status.eq_any([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]))
        .select(JobRow::as_select())
        .first(conn)
        .optional()?)
}

/// One job.
pub fn get(conn: &mut DbConnection, id: &str) -> Result<JobRow, StoreError> {
    use import_jobs::dsl as j;
    j::import_jobs
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("import job {id}")))
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only these companies; `None` for all.
    pub companies: Option<Vec<Rut>>,
    /// Only this status.
    pub status: Option<JobStatus>,
    /// Only this batch.
    pub batch_id: Option<String>,
}

/// One page of jobs, newest first, and the total matching the filter.
pub fn list(
    conn: &mut DbConnection,
    filter: &JobFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<JobRow>, u64), StoreError> {
    use import_jobs::dsl as j;
    let build = || {
        let mut query = j::import_jobs.into_boxed::<ofitec_platform::db::MultiBackend>();
        if let Some(companies) = &filter.companies {
            query = query.filter(
                j::company.eq_any(
                    companies
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>(),
                ),
            );
        }
        if let Some(status) = filter.status {
            query = query.filter(j::status.eq(status.as_str()));
        }
        if let Some(batch) = &filter.batch_id {
            query = query.filter(j::batch_id.eq(batch.clone()));
        }
        query
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order((j::created_at.desc(), j::id))
        .limit(limit)
        .offset(offset)
        .select(JobRow::as_select())
        .load(conn)?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// Takes a job for an attempt: queued → running. A running job is taken over only with
/// `takeover` (the broker redelivered its message because the worker holding it died).
/// Returns `None` when there is nothing to do — the job is final (cancelled meanwhile, or
/// done by an earlier copy of the message) or another worker holds it — so the caller
/// acknowledges the message without work.
pub fn claim(
    conn: &mut DbConnection,
    id: &str,
    worker: &str,
    takeover: bool,
) -> Result<Option<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    conn.transaction(|c| {
        let job = get(c, id)?;
        if job.status().is_final() || (job.status() == JobStatus::Running && !takeover) {
            return Ok(None);
        }
        let now = now();
        // Conditional on what was read: of two workers racing for the same job (several
        // processes, or a redelivery while the first copy still runs) exactly one wins.
        let taken = diesel::update(
            j::import_jobs
                .find(id)
                .filter(j::status.eq(&job.status))
                .filter(j::attempts.eq(job.attempts)),
        )
        .set((
            j::status.eq(JobStatus::Running.as_str()),
            j::attempts.eq(job.attempts + 1),
            j::worker.eq(worker),
            j::started_at.eq(Some(now)),
            j::next_attempt_at.eq(None::<NaiveDateTime>),
            j::updated_at.eq(now),
        ))
        .execute(c)?;
        if taken == 0 {
            return Ok(None);
        }
        get(c, id).map(Some)
    })
}

/// The outcome of an attempt.
#[derive(Debug, Clone)]
pub enum Finish {
    /// Committed with these counts.
    Succeeded {
        /// Documents fetched.
        fetched: u64,
        /// Documents inserted or changed.
        stored: u64,
        /// Documents marked vanished.
        vanished: u64,
        /// Sum of totals.
        total_amount: i64,
    },
    /// Will be tried again (status back to queued, `next_attempt_at` set).
    Retry {
        /// Stable error code.
        code: ErrorCode,
        /// Message.
        message: String,
        /// When the next attempt may start.
        at: NaiveDateTime,
    },
    /// Failed for good (retrying does not help).
    Failed {
        /// Stable error code.
        code: ErrorCode,
        /// Message.
        message: String,
    },
    /// Retries exhausted or the message was poison.
    Dead {
        /// Stable error code.
        code: ErrorCode,
        /// Message.
        message: String,
    },
}

/// Who runs an attempt: the worker that claimed the job, the attempt it claimed and when.
/// The start time tells apart two attempts with the same number in one process (a job
/// cancelled and retried while its first attempt was still fetching).
#[derive(Debug, Clone)]
pub struct Holder {
    /// The claiming worker's id.
    pub worker: String,
    /// The job's `attempts` right after the claim.
    pub attempts: i32,
    /// The job's `started_at` as the claim stored it.
    pub started_at: NaiveDateTime,
}

impl Holder {
    /// The holder of a job as `claim` returned it.
    pub fn of(job: &JobRow) -> Self {
        Self {
            worker: job.worker.clone(),
            attempts: job.attempts,
            // A claimed job always has one; a default never matches, so nothing is recorded.
            started_at: job.started_at.unwrap_or_default(),
        }
    }
}

/// Records the outcome of an attempt, only if `holder` still runs it. `None` when it does
/// not — the job was cancelled meanwhile, or taken over by another worker (or another copy
/// of the message) — so the caller rolls its transaction back: that attempt's result does
/// not count. The check is in the UPDATE itself: on PostgreSQL a cancel committed between a
/// read and the write would otherwise be overwritten.
pub fn finish(
    conn: &mut DbConnection,
    id: &str,
    holder: &Holder,
    outcome: &Finish,
) -> Result<Option<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    conn.transaction(|c| {
        let now = now();
        let target = j::import_jobs
            .find(id)
            .filter(j::status.eq(JobStatus::Running.as_str()))
            .filter(j::worker.eq(&holder.worker))
            .filter(j::attempts.eq(holder.attempts))
            .filter(j::started_at.eq(holder.started_at));
        let changed = match outcome {
            Finish::Succeeded {
                fetched,
                stored,
                vanished,
                total_amount,
            } => diesel::update(target)
                .set((
                    j::status.eq(JobStatus::Succeeded.as_str()),
                    j::documents_fetched.eq(*fetched as i64),
                    j::documents_stored.eq(*stored as i64),
                    j::documents_vanished.eq(*vanished as i64),
                    j::total_amount.eq(*total_amount),
                    j::last_error_code.eq(""),
                    j::last_error_message.eq(""),
                    j::finished_at.eq(Some(now)),
                    j::updated_at.eq(now),
                ))
                .execute(c)?,
            Finish::Retry { code, message, at } => diesel::update(target)
                .set((
                    j::status.eq(JobStatus::Queued.as_str()),
                    j::last_error_code.eq(code.as_str()),
                    j::last_error_message.eq(message),
                    j::next_attempt_at.eq(Some(*at)),
                    j::published_at.eq(None::<NaiveDateTime>),
                    j::updated_at.eq(now),
                ))
                .execute(c)?,
            Finish::Failed { code, message } => diesel::update(target)
                .set(ending(JobStatus::Failed, *code, message, now))
                .execute(c)?,
            Finish::Dead { code, message } => diesel::update(target)
                .set(ending(JobStatus::Dead, *code, message, now))
                .execute(c)?,
        };
        if changed == 0 {
            return Ok(None);
        }
        get(c, id).map(Some)
    })
}

/// Whether `holder` still runs job `id`: a cheap check before expensive work. Only
/// [`finish`] decides.
pub fn is_held(conn: &mut DbConnection, id: &str, holder: &Holder) -> Result<bool, StoreError> {
    let current = get(conn, id)?;
    Ok(current.status() == JobStatus::Running
        && current.worker == holder.worker
        && current.attempts == holder.attempts
        && current.started_at == Some(holder.started_at))
}

/// Cancels a queued or running job.
pub fn cancel(conn: &mut DbConnection, id: &str) -> Result<JobRow, StoreError> {
    use import_jobs::dsl as j;
    conn.transaction(|c| {
        let job = get(c, id)?;
        if job.status().is_final() {
            return Err(StoreError::Conflict(format!(
                "job {id} is already {}",
                job.status
            )));
        }
        let now = now();
        // Conditional, like `finish`: an attempt that committed its result after the read
        // above wins, and the cancel reports that the job is already final.
        let changed = diesel::update(j::import_jobs.find(id).filter(j::status.eq_any(ACTIVE)))
            .set((
                j::status.eq(JobStatus::Cancelled.as_str()),
                j::finished_at.eq(Some(now)),
                j::updated_at.eq(now),
            ))
            .execute(c)?;
        let job = get(c, id)?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "job {id} is already {}",
                job.status
            )));
        }
        Ok(job)
    })
}

/// Queues a failed, dead or cancelled job again (attempts start over). Refused when another
/// job for the same register is active.
pub fn retry(conn: &mut DbConnection, id: &str) -> Result<JobRow, StoreError> {
    use import_jobs::dsl as j;
    conn.transaction(|c| {
        let job = get(c, id)?;
        if !matches!(
            job.status(),
            JobStatus::Failed | JobStatus::Dead | JobStatus::Cancelled
        ) {
            return Err(StoreError::Conflict(format!(
                "job {id} is {}; only failed, dead or cancelled jobs can be retried",
                job.status
            )));
        }
        let now = now();
        let updated = c.transaction(|c| {
            diesel::update(j::import_jobs.find(id))
                .set((
                    j::status.eq(JobStatus::Queued.as_str()),
                    j::attempts.eq(0),
                    j::next_attempt_at.eq(None::<NaiveDateTime>),
                    j::published_at.eq(None::<NaiveDateTime>),
                    j::finished_at.eq(None::<NaiveDateTime>),
                    j::updated_at.eq(now),
                ))
                .execute(c)
        });
        match updated {
            Ok(_) => get(c, id),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Err(StoreError::Conflict(
                "another import of the same company, period and operation is active".to_owned(),
            )),
            Err(e) => Err(e.into()),
        }
    })
}

/// Jobs an embedded worker may start now: queued and due, oldest first. Running jobs whose
/// worker is gone (a previous process) are included through [`requeue_orphans`] at start.
pub fn due(conn: &mut DbConnection, limit: i64) -> Result<Vec<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    let now = now();
    Ok(j::import_jobs
        .filter(j::status.eq(JobStatus::Queued.as_str()))
        .filter(j::next_attempt_at.is_null().or(j::next_attempt_at.le(now)))
        .order(j::created_at)
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)?)
}

/// At start in embedded mode: jobs left running by a previous process go back to queued.
pub fn requeue_orphans(conn: &mut DbConnection) -> Result<usize, StoreError> {
    use import_jobs::dsl as j;
    Ok(
        diesel::update(j::import_jobs.filter(j::status.eq(JobStatus::Running.as_str())))
            .set((
                j::status.eq(JobStatus::Queued.as_str()),
                j::updated_at.eq(now()),
            ))
            .execute(conn)?,
    )
}

/// Marks dead a job whose message the broker dead-lettered on its own at `dead_lettered_at`,
/// if it is still queued or running and unchanged since (the time has whole seconds: a
/// second of slack). `None` when it was not.
pub fn bury(
    conn: &mut DbConnection,
    id: &str,
    dead_lettered_at: NaiveDateTime,
    code: ErrorCode,
    message: &str,
) -> Result<Option<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    let changed = diesel::update(
        j::import_jobs
            .find(id)
            .filter(j::status.eq_any(ACTIVE))
            .filter(j::updated_at.lt(dead_lettered_at + chrono::Duration::seconds(1))),
    )
    .set(ending(JobStatus::Dead, code, message, now()))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    get(conn, id).map(Some)
}

/// Holds new queued jobs until `until` (they wait for a pre-import backup): no worker takes
/// them and the outbox does not publish them before that.
pub fn hold(
    conn: &mut DbConnection,
    ids: &[String],
    until: NaiveDateTime,
) -> Result<(), StoreError> {
    use import_jobs::dsl as j;
    for chunk in ids.chunks(ID_CHUNK) {
        diesel::update(
            j::import_jobs
                .filter(j::id.eq_any(chunk))
                .filter(j::status.eq(JobStatus::Queued.as_str())),
        )
        .set(j::next_attempt_at.eq(Some(until)))
        .execute(conn)?;
    }
    Ok(())
}

/// Releases held jobs that are still waiting (not cancelled meanwhile) and returns them.
pub fn release(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    let now = now();
    settle_held(conn, ids, |c, waiting| {
        diesel::update(j::import_jobs.filter(j::id.eq_any(waiting)))
            .set((
                j::next_attempt_at.eq(None::<NaiveDateTime>),
                j::updated_at.eq(now),
            ))
            .execute(c)
    })
}

/// Fails held jobs that are still waiting and returns them.
pub fn refuse(
    conn: &mut DbConnection,
    ids: &[String],
    code: ErrorCode,
    message: &str,
) -> Result<Vec<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    let now = now();
    settle_held(conn, ids, |c, waiting| {
        diesel::update(j::import_jobs.filter(j::id.eq_any(waiting)))
            .set(ending(JobStatus::Failed, code, message, now))
            .execute(c)
    })
}

/// Applies `update` to those of the held jobs `ids` still waiting for their pre-import
/// backup (queued, never attempted), a chunk at a time, and returns them as updated.
fn settle_held(
    conn: &mut DbConnection,
    ids: &[String],
    update: impl Fn(&mut DbConnection, &[String]) -> diesel::QueryResult<usize>,
) -> Result<Vec<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    let mut settled = Vec::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let waiting: Vec<String> = j::import_jobs
            .filter(j::id.eq_any(chunk))
            .filter(j::status.eq(JobStatus::Queued.as_str()))
            .filter(j::attempts.eq(0))
            .select(j::id)
            .load(conn)?;
        update(conn, &waiting)?;
        settled.extend(
            j::import_jobs
                .filter(j::id.eq_any(&waiting))
                .select(JobRow::as_select())
                .load(conn)?,
        );
    }
    Ok(settled)
}

/// Jobs `worker` holds as `running` although none of its tasks works on them (`busy`): an
/// attempt whose storage failed and that could not hand its job back. They go back to queued.
pub fn requeue_stranded(
    conn: &mut DbConnection,
    worker: &str,
    busy: &[String],
) -> Result<usize, StoreError> {
    use import_jobs::dsl as j;
    Ok(diesel::update(
        j::import_jobs
            .filter(j::status.eq(JobStatus::Running.as_str()))
            .filter(j::worker.eq(worker))
            .filter(j::id.ne_all(busy)),
    )
    .set((
        j::status.eq(JobStatus::Queued.as_str()),
        j::updated_at.eq(now()),
    ))
    .execute(conn)?)
}

/// Jobs per status (for the `import_jobs` gauge).
pub fn count_by_status(conn: &mut DbConnection) -> Result<Vec<(String, i64)>, StoreError> {
    use import_jobs::dsl as j;
    Ok(j::import_jobs
        .group_by(j::status)
        .select((j::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Records that the broker confirmed the messages of these jobs.
pub fn mark_published(conn: &mut DbConnection, ids: &[String]) -> Result<(), StoreError> {
    use import_jobs::dsl as j;
    diesel::update(j::import_jobs.filter(j::id.eq_any(ids)))
        .set(j::published_at.eq(Some(now())))
        .execute(conn)?;
    Ok(())
}

/// Queued jobs whose message the broker never confirmed, older than `grace` and due (a
/// retry waiting in a delay queue is not due yet): the outbox.
pub fn unpublished(
    conn: &mut DbConnection,
    grace: chrono::Duration,
    limit: i64,
) -> Result<Vec<JobRow>, StoreError> {
    use import_jobs::dsl as j;
    let before = now() - grace;
    Ok(j::import_jobs
        .filter(j::status.eq(JobStatus::Queued.as_str()))
        .filter(j::published_at.is_null())
        .filter(j::updated_at.le(before))
        .filter(
            j::next_attempt_at
                .is_null()
                .or(j::next_attempt_at.le(now())),
        )
        .order(j::created_at)
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)?)
}

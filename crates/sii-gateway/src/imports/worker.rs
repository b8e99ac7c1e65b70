//! One attempt of one job: claim it, fetch the register from SII with progress events, and
//! store it — documents, import facts, the job's outcome and the `completed` event in one
//! transaction, so a crash at any point leaves either nothing or everything.

use ofitec_domain::ErrorCode;
use std::collections::BTreeMap;
use std::sync::Arc;

use std::time::Instant;

use futures::FutureExt as _;
use ofitec_domain::rcv::PurchaseState;
use sii_client::client::{Progress, SiiError};
use tracing::Instrument as _;

use super::Imports;
use super::events::{EventHub, EventKind, TypeProgress};
use crate::store::documents::{StoreOutcome, store_period};
use crate::store::jobs::{self, Finish, Holder, JobRow, JobStatus};
use crate::store::{self, StoreError, periods};

/// What an attempt ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// Nothing to do: the job is final or another worker holds it.
    Skipped,
    /// The job as the attempt left it.
    Done(Box<JobRow>),
}

/// Runs one attempt of `job_id`. `takeover` lets a `running` job be taken (its worker died
/// and the broker redelivered the message). Errors are storage failures: the job is left as
/// it was and the caller retries later.
pub async fn process(
    imports: &Arc<Imports>,
    job_id: &str,
    takeover: bool,
) -> Result<Attempt, StoreError> {
    let id = job_id.to_owned();
    let job = imports.get(id.clone()).await?;
    if job.status().is_final() {
        return Ok(Attempt::Skipped);
    }
    let (company, period, operation) = job.key()?;
    let span = tracing::info_span!(
        "import",
        job_id = %job.id,
        request_id = %job.request_id,
        company = %company,
        period = %period,
        operation = operation.as_str()
    );
    async move {
        let Some(_permit) = imports.limits.acquire(company).await else {
            return Ok(Attempt::Skipped);
        };
        let worker = imports.worker_id.clone();
        let claimed = store::run(&imports.db, move |conn| {
            ofitec_platform::db::write_transaction(conn, |c| {
                let Some(job) = jobs::claim(c, &id, &worker, takeover)? else {
                    return Ok::<_, StoreError>(None);
                };
                let event = EventHub::record(c, &job, EventKind::Started, Vec::new())?;
                Ok(Some((job, event)))
            })
        })
        .await?;
        let Some((job, event)) = claimed else {
            return Ok(Attempt::Skipped);
        };
        imports.hub.announce(event);
        tracing::info!(attempt = job.attempts, "import started");
        // A bug must not leave the job `running` with nobody working on it (and, in queue
        // mode, its message unacknowledged): a panicking attempt fails the job instead.
        let attempt = std::panic::AssertUnwindSafe(run_attempt(imports, &job)).catch_unwind();
        let after = match attempt.await {
            Ok(Ok(after)) => after,
            Ok(Err(e)) => match release(imports, &job, &e).await {
                Some(after) => after,
                None => return Err(e),
            },
            Err(panic) => {
                let what = panic_message(panic.as_ref());
                tracing::error!(panic = %what, "import attempt panicked");
                let outcome = Finish::Failed {
                    code: ErrorCode::Internal,
                    message: "the import stopped on an internal error; see the gateway's log"
                        .to_owned(),
                };
                record_failure(imports, &job, outcome, ErrorCode::Internal, &what).await?
            }
        };
        Ok(Attempt::Done(Box::new(after)))
    }
    .instrument(span)
    .await
}

/// After a storage failure in the middle of an attempt, hands the job back (queued again
/// after the retry delay, or dead once its attempts are used up) so it is not left `running`
/// with nobody working on it. The database may be down for a while: a few tries with growing
/// pauses; if they all fail, the embedded pool's sweep (or, with a broker, the redelivered
/// message) takes it over later.
async fn release(imports: &Arc<Imports>, job: &JobRow, error: &StoreError) -> Option<JobRow> {
    const TRIES: u32 = 4;
    let outcome = retry_or_give_up(
        imports,
        job,
        ErrorCode::DatabaseError,
        format!("the import could not be stored: {error}"),
    );
    let mut pause = std::time::Duration::from_millis(500);
    for _ in 0..TRIES {
        match record_failure(
            imports,
            job,
            outcome.clone(),
            ErrorCode::DatabaseError,
            &error.to_string(),
        )
        .await
        {
            Ok(after) => return Some(after),
            Err(e) => {
                tracing::warn!(error = %e, "cannot hand the job back yet");
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
    }
    tracing::error!("job left running after a storage failure; it is taken over later");
    None
}

/// Fetches and stores a claimed job, or records why it failed.
async fn run_attempt(imports: &Arc<Imports>, job: &JobRow) -> Result<JobRow, StoreError> {
    let started = Instant::now();
    match fetch(imports, job).await {
        Ok(register) => {
            tracing::debug!(
                seconds = started.elapsed().as_secs_f64(),
                documents = register.documents.len(),
                "register fetched"
            );
            store(imports, job, register, started).await
        }
        Err(e) => fail(imports, job, &e).await,
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// Downloads the register, turning each progress report into a `progress` event.
async fn fetch(
    imports: &Arc<Imports>,
    job: &JobRow,
) -> Result<sii_client::client::RegisterFetch, SiiError> {
    let (company, period, operation) = job.key().map_err(|e| SiiError::Request(e.to_string()))?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let reporter = {
        let imports = imports.clone();
        let job = job.clone();
        tokio::spawn(async move {
            let mut totals: BTreeMap<(u16, Option<PurchaseState>), u64> = BTreeMap::new();
            while let Some(progress) = rx.recv().await {
                *totals
                    .entry((progress.tipo_dte, progress.state))
                    .or_default() += progress.fetched;
                let lines = totals
                    .iter()
                    .map(|((tipo, state), fetched)| TypeProgress {
                        tipo_dte: *tipo,
                        state: *state,
                        fetched: *fetched,
                        stored: 0,
                    })
                    .collect();
                // Progress is advisory: a failure to record it must not fail the import.
                if let Err(e) = imports
                    .hub
                    .emit(job.clone(), EventKind::Progress, lines)
                    .await
                {
                    tracing::warn!(error = %e, "progress event not recorded");
                }
            }
        })
    };
    let result = imports
        .sii
        .rcv
        .fetch_register(company, period, operation, move |p| {
            let _ = tx.send(p);
        })
        .await;
    // The sender went with the closure; the reporter ends once it wrote what it has.
    if let Err(e) = reporter.await {
        tracing::warn!(error = %e, "progress reporter stopped");
    }
    result
}

/// Stores a fetched register and finishes the job, in one transaction.
async fn store(
    imports: &Arc<Imports>,
    job: &JobRow,
    register: sii_client::client::RegisterFetch,
    started: Instant,
) -> Result<JobRow, StoreError> {
    let (company, period, operation) = job.key()?;
    let modified = register
        .modified_at
        .map(|t| t.format("%d/%m/%Y %H:%M:%S").to_string())
        .unwrap_or_default();
    let row_errors = register.row_errors.len();
    let holder = Holder::of(job);
    let id = job.id.clone();
    let committed = store::run(&imports.db, move |conn| {
        held_transaction(conn, |c| {
            if !jobs::is_held(c, &id, &holder)? {
                return Err(Held::Released);
            }
            let outcome = store_period(c, &id, company, period, operation, &register.documents)?;
            periods::record(c, &company, &period, operation, &modified, &id)?;
            periods::record_sii_summary(c, &company, &period, operation, &register.summary)?;
            let outcome_of_job = Finish::Succeeded {
                fetched: outcome.fetched,
                stored: outcome.stored(),
                vanished: outcome.vanished,
                total_amount: outcome.total_amount,
            };
            let finished = jobs::finish(c, &id, &holder, &outcome_of_job)?.ok_or(Held::Released)?;
            let event =
                EventHub::record(c, &finished, EventKind::Completed, progress_lines(&outcome))?;
            Ok((finished, outcome, event))
        })
    })
    .await?;
    let Some((finished, outcome, event)) = committed else {
        tracing::info!("import result dropped: the job was cancelled or taken over meanwhile");
        return imports.get(job.id.clone()).await;
    };
    imports.hub.announce(event);
    let m = &imports.metrics;
    m.finished
        .with_label_values(&[JobStatus::Succeeded.as_str()])
        .inc();
    m.duration
        .with_label_values(&[operation.as_str()])
        .observe(started.elapsed().as_secs_f64());
    m.documents
        .with_label_values(&[operation.as_str()])
        .inc_by(outcome.stored());
    tracing::info!(
        fetched = outcome.fetched,
        inserted = outcome.inserted,
        updated = outcome.updated,
        unchanged = outcome.unchanged,
        vanished = outcome.vanished,
        duplicates = outcome.duplicates,
        total_amount = outcome.total_amount,
        row_errors,
        seconds = started.elapsed().as_secs_f64(),
        "import succeeded"
    );
    Ok(finished)
}

/// Why a transaction recording an attempt's result did not commit.
enum Held {
    /// The attempt no longer holds its job: it was cancelled meanwhile, or taken over by
    /// another worker after this one was presumed dead. That worker's result counts, and this
    /// one's is rolled back.
    Released,
    Store(StoreError),
}

impl From<StoreError> for Held {
    fn from(e: StoreError) -> Self {
        Held::Store(e)
    }
}

impl From<diesel::result::Error> for Held {
    fn from(e: diesel::result::Error) -> Self {
        Held::Store(e.into())
    }
}

/// Runs `f` in a write transaction that is rolled back when the attempt turns out not to
/// hold its job any more; `Ok(None)` then.
fn held_transaction<T>(
    conn: &mut ofitec_platform::db::DbConnection,
    f: impl FnOnce(&mut ofitec_platform::db::DbConnection) -> Result<T, Held>,
) -> Result<Option<T>, StoreError> {
    match ofitec_platform::db::write_transaction(conn, f) {
        Ok(value) => Ok(Some(value)),
        Err(Held::Released) => Ok(None),
        Err(Held::Store(e)) => Err(e),
    }
}

fn progress_lines(outcome: &StoreOutcome) -> Vec<TypeProgress> {
    outcome
        .by_type
        .iter()
        .filter_map(|((tipo, state), (fetched, stored))| {
            Some(TypeProgress {
                // The store counted them from the documents' u16 tipo.
                tipo_dte: u16::try_from(*tipo).ok()?,
                state: state.parse().ok(),
                fetched: *fetched,
                stored: *stored,
            })
        })
        .collect()
}

/// Records a failed attempt: retried later when that can help, else failed, or dead when the
/// attempts are used up.
async fn fail(
    imports: &Arc<Imports>,
    job: &JobRow,
    error: &SiiError,
) -> Result<JobRow, StoreError> {
    let (code, message) = (error.code(), error.to_string());
    let outcome = if error.is_transient() {
        retry_or_give_up(imports, job, code, message)
    } else {
        Finish::Failed { code, message }
    };
    record_failure(imports, job, outcome, error.code(), &error.to_string()).await
}

/// A failure retrying may fix: another attempt after the retry delay, or dead once the
/// attempts are used up.
fn retry_or_give_up(imports: &Imports, job: &JobRow, code: ErrorCode, message: String) -> Finish {
    let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
    if attempts >= imports.config.max_attempts {
        return Finish::Dead {
            code,
            message: format!("{message} (gave up after {attempts} attempts)"),
        };
    }
    let delay = imports.config.retry_delay(attempts + 1);
    Finish::Retry {
        code,
        message,
        at: crate::clock::now()
            + chrono::Duration::from_std(delay).unwrap_or_else(|_| chrono::Duration::seconds(60)),
    }
}

/// Records a failed attempt's outcome (unless the job was cancelled or taken over meanwhile)
/// with its event, metric and log line.
async fn record_failure(
    imports: &Arc<Imports>,
    job: &JobRow,
    outcome: Finish,
    error_code: ErrorCode,
    error: &str,
) -> Result<JobRow, StoreError> {
    let attempts = job.attempts;
    let id = job.id.clone();
    let holder = Holder::of(job);
    let kind_of = match outcome {
        Finish::Retry { .. } => EventKind::Retrying,
        _ => EventKind::Failed,
    };
    let recorded = store::run(&imports.db, move |conn| {
        held_transaction(conn, |c| {
            let finished = jobs::finish(c, &id, &holder, &outcome)?.ok_or(Held::Released)?;
            let event = EventHub::record(c, &finished, kind_of, Vec::new())?;
            Ok((finished, event))
        })
    })
    .await?;
    let Some((finished, event)) = recorded else {
        return imports.get(job.id.clone()).await;
    };
    imports.hub.announce(event);
    let status = finished.status();
    if status == JobStatus::Queued {
        imports.metrics.retries.inc();
        tracing::warn!(
            error_code = error_code.as_str(),
            error,
            attempt = attempts,
            "import attempt failed; retrying later"
        );
    } else {
        imports
            .metrics
            .finished
            .with_label_values(&[status.as_str()])
            .inc();
        tracing::error!(
            error_code = error_code.as_str(),
            error,
            attempt = attempts,
            status = status.as_str(),
            "import failed"
        );
    }
    Ok(finished)
}

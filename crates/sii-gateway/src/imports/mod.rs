//! RCV imports: jobs in the database (the truth), workers that fetch from SII and store in
//! one transaction, events for live progress.
//!
//! * `config`, `metrics`: settings and the import metrics.
//! * `events`: the import events and their hub (database-numbered events, watchers).
//! * `backup`: how jobs wait for the pre-import backup.
//! * `politeness`: concurrency limits toward SII.
//! * `worker`: one attempt of one job.
//! * `pool`: the embedded worker pool (no broker): the job table is the queue.
//! * `queue`: queue mode: RabbitMQ messages drive the same workers across replicas.

pub mod backup;
pub mod config;
pub mod events;
pub mod metrics;
pub mod politeness;
pub mod pool;
pub mod queue;
pub mod worker;

use std::sync::Arc;

use ofitec_domain::rcv::Operation;
use ofitec_domain::{ErrorCode, Period, Rut};
use ofitec_platform::db::Db;
use tokio::sync::Notify;

use self::config::ImportsConfig;
use self::events::{EventHub, EventKind};
use self::metrics::ImportMetrics;
use self::politeness::Politeness;
use crate::backup_agent;
use crate::sii::Sii;
use crate::store::jobs::{self, Created, JobRow, NewJob};
use crate::store::{self, StoreError};

fn new_ids(created: &[Created]) -> Vec<String> {
    created
        .iter()
        .filter(|c| c.new)
        .map(|c| c.job.id.clone())
        .collect()
}

/// Most jobs one request may create (12 months × 2 registers × 100 companies).
pub const MAX_JOBS_PER_REQUEST: usize = 2_400;

/// A request to import registers.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Companies.
    pub companies: Vec<Rut>,
    /// First period.
    pub from: Period,
    /// Last period (inclusive).
    pub to: Period,
    /// Registers.
    pub operations: Vec<Operation>,
    /// Who asked.
    pub requested_by: String,
    /// Request id of the HTTP request.
    pub request_id: String,
}

/// Why an import request is refused.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The request is malformed.
    #[error("{message}")]
    Invalid {
        /// Stable code.
        code: ErrorCode,
        /// What is wrong.
        message: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What [`Imports::start`] did.
#[derive(Debug, Clone)]
pub struct Started {
    /// Batch id.
    pub batch_id: String,
    /// The jobs (new, or the active ones reused).
    pub jobs: Vec<Created>,
    /// The pre-import backup: `pending` when the new jobs wait for one, empty when none
    /// was needed.
    pub backup: String,
}

/// The import machinery of one gateway process.
pub struct Imports {
    pub(crate) db: Db,
    pub(crate) sii: Sii,
    pub(crate) config: ImportsConfig,
    pub(crate) metrics: ImportMetrics,
    pub(crate) hub: EventHub,
    pub(crate) limits: Politeness,
    /// Wakes the embedded pool when jobs are queued.
    pub(crate) wake: Notify,
    /// This process's name in `import_jobs.worker`.
    pub(crate) worker_id: String,
    /// Queue mode's publisher; `None` in embedded mode.
    pub(crate) publisher: Option<Arc<queue::publisher::Publisher>>,
}

impl std::fmt::Debug for Imports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imports")
            .field("worker_id", &self.worker_id)
            .finish_non_exhaustive()
    }
}

impl Imports {
    /// The import machinery over `db`, fetching with `sii`.
    pub fn new(db: Db, sii: Sii, config: ImportsConfig, metrics: ImportMetrics) -> Arc<Imports> {
        let hub = EventHub::new(
            db.clone(),
            std::time::Duration::from_millis(config.poll_ms.max(50)),
        );
        let limits = Politeness::new(config.concurrency, config.per_company_concurrency);
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "gateway".to_owned());
        let publisher = config
            .amqp_url
            .is_some()
            .then(|| Arc::new(queue::publisher::Publisher::new(config.names(), db.clone())));
        Arc::new(Imports {
            publisher,
            db,
            sii,
            metrics,
            hub,
            limits,
            wake: Notify::new(),
            worker_id: format!(
                "{host}-{}-{}",
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
            config,
        })
    }

    /// The event hub.
    pub fn hub(&self) -> &EventHub {
        &self.hub
    }

    /// The SII side.
    pub fn sii(&self) -> &Sii {
        &self.sii
    }

    /// Creates one job per (company, period, operation); an active job for the same register
    /// is returned instead of a second one. A large enough request first takes the
    /// pre-import backup (see [`backup`]): its new jobs are created held, and the answer
    /// does not wait for the backup (it can take many minutes).
    pub async fn start(self: &Arc<Self>, request: ImportRequest) -> Result<Started, RequestError> {
        let wanted = plan(&request)?;
        let backup_config = self
            .config
            .pre_import_backup
            .clone()
            .filter(|c| wanted.len() >= c.min_jobs);
        let hold_until = backup_config.as_ref().map(|_| backup::hold_until());
        let batch_id = uuid::Uuid::new_v4().to_string();
        let (batch, requested_by, request_id) = (
            batch_id.clone(),
            request.requested_by.clone(),
            request.request_id.clone(),
        );
        let (created, newest) = store::run(&self.db, move |conn| {
            ofitec_platform::db::write_transaction(conn, |c| {
                let created = jobs::create(c, &batch, &wanted, &requested_by, &request_id)?;
                let mut newest = 0;
                for job in created.iter().filter(|c| c.new) {
                    newest = EventHub::record(c, &job.job, EventKind::Queued, Vec::new())?;
                }
                if let Some(until) = hold_until {
                    let ids: Vec<String> = new_ids(&created);
                    jobs::hold(c, &ids, until)?;
                }
                Ok::<_, StoreError>((created, newest))
            })
        })
        .await?;
        self.hub.announce(newest);
        let new = created.iter().filter(|c| c.new).count();
        tracing::info!(
            batch_id = %batch_id,
            jobs = created.len(),
            new,
            requested_by = %request.requested_by,
            "import requested"
        );
        let backup = match backup_config {
            Some(config) if new > 0 => {
                let imports = self.clone();
                let held = new_ids(&created);
                tokio::spawn(async move {
                    imports.pre_import_backup(config, held, request).await;
                });
                "pending".to_owned()
            }
            _ => {
                let new_jobs: Vec<JobRow> = created
                    .iter()
                    .filter(|c| c.new)
                    .map(|c| c.job.clone())
                    .collect();
                self.dispatch(&new_jobs).await;
                String::new()
            }
        };
        Ok(Started {
            batch_id,
            jobs: created,
            backup,
        })
    }

    /// Takes the pre-import backup of a bulk request whose new jobs are `held`, then lets them
    /// run — or, when it failed and the policy is `abort`, fails them.
    async fn pre_import_backup(
        &self,
        config: config::PreImportBackup,
        held: Vec<String>,
        request: ImportRequest,
    ) {
        tracing::info!(jobs = held.len(), plan = %config.plan, request_id = %request.request_id, "pre-import backup before a bulk import");
        let outcome = backup_agent::run(
            &config.backup_agent,
            &config.plan,
            &request.requested_by,
            &request.request_id,
        )
        .await;
        let counter = &self.metrics.pre_import_backups;
        let refused = match outcome {
            backup_agent::Outcome::Done(run) => {
                counter.with_label_values(&["succeeded"]).inc();
                tracing::info!(run_id = %run, "pre-import backup done; import starts");
                None
            }
            backup_agent::Outcome::Failed(why) if config.on_failure == config::OnFailure::Abort => {
                counter.with_label_values(&["aborted"]).inc();
                tracing::error!(reason = %why, "pre-import backup failed; import refused");
                Some(why)
            }
            backup_agent::Outcome::Failed(why) => {
                counter.with_label_values(&["failed_continued"]).inc();
                tracing::warn!(reason = %why, "pre-import backup failed; importing anyway (on_failure: warn)");
                None
            }
        };
        let settled = match refused {
            None => self.release_held(held).await,
            Some(why) => self.refuse_held(held, why).await,
        };
        if let Err(e) = settled {
            // The jobs stay held until their hold expires, then run (see backup::hold_until).
            tracing::error!(error = %e, "held import jobs could not be settled after the pre-import backup");
        }
    }

    /// Lets held jobs run now.
    async fn release_held(&self, held: Vec<String>) -> Result<(), StoreError> {
        let released = store::run(&self.db, move |conn| jobs::release(conn, &held)).await?;
        self.dispatch(&released).await;
        Ok(())
    }

    /// Fails held jobs: the pre-import backup failed and the policy is `abort`.
    async fn refuse_held(&self, held: Vec<String>, why: String) -> Result<(), StoreError> {
        let message = format!("the pre-import backup failed, so the import did not start: {why}");
        let (refused, newest) = store::run(&self.db, move |conn| {
            ofitec_platform::db::write_transaction(conn, |c| {
                let refused = jobs::refuse(c, &held, ErrorCode::PreImportBackupFailed, &message)?;
                let mut newest = 0;
                for job in &refused {
                    newest = EventHub::record(c, job, EventKind::Failed, Vec::new())?;
                }
                Ok::<_, StoreError>((refused, newest))
            })
        })
        .await?;
        self.hub.announce(newest);
        self.metrics
            .finished
            .with_label_values(&[jobs::JobStatus::Failed.as_str()])
            .inc_by(refused.len() as u64);
        Ok(())
    }

    /// Hands queued jobs to the workers: a broker message each in queue mode (the outbox
    /// catches what cannot be published now), a wake-up of the embedded pool otherwise.
    async fn dispatch(&self, jobs: &[JobRow]) {
        match &self.publisher {
            Some(publisher) => {
                publisher.dispatch(jobs).await;
            }
            None => self.wake.notify_one(),
        }
    }

    /// Periodic upkeep: `import_jobs{status}` from the job table, and events beyond the replay
    /// window pruned (a client resuming from an older id gets what is left).
    pub(crate) async fn housekeeping(&self) {
        match store::run(&self.db, jobs::count_by_status).await {
            Ok(counts) => {
                for status in jobs::JobStatus::ALL {
                    let n = counts
                        .iter()
                        .find(|(s, _)| s == status.as_str())
                        .map_or(0, |(_, n)| *n);
                    self.metrics
                        .jobs
                        .with_label_values(&[status.as_str()])
                        .set(n);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot count import jobs for the metrics"),
        }
        let keep = self.config.event_window.max(1);
        match store::run(&self.db, move |conn| {
            crate::store::events::prune(conn, keep)
        })
        .await
        {
            Ok(0) => {}
            Ok(n) => tracing::debug!(removed = n, "old import events pruned"),
            Err(e) => tracing::warn!(error = %e, "cannot prune old import events"),
        }
    }

    /// One job.
    pub async fn get(&self, id: String) -> Result<JobRow, StoreError> {
        store::run(&self.db, move |conn| jobs::get(conn, &id)).await
    }

    /// Cancels a queued or running job (a running attempt stores nothing).
    pub async fn cancel(&self, id: String) -> Result<JobRow, StoreError> {
        let (job, event) = store::run(&self.db, move |conn| {
            ofitec_platform::db::write_transaction(conn, |c| {
                let job = jobs::cancel(c, &id)?;
                let event = EventHub::record(c, &job, EventKind::Cancelled, Vec::new())?;
                Ok::<_, StoreError>((job, event))
            })
        })
        .await?;
        self.hub.announce(event);
        self.metrics
            .finished
            .with_label_values(&[jobs::JobStatus::Cancelled.as_str()])
            .inc();
        tracing::info!(job_id = %job.id, "import cancelled");
        Ok(job)
    }

    /// Queues a failed, dead or cancelled job again.
    pub async fn retry(&self, id: String) -> Result<JobRow, StoreError> {
        let (job, event) = store::run(&self.db, move |conn| {
            ofitec_platform::db::write_transaction(conn, |c| {
                let job = jobs::retry(c, &id)?;
                let event = EventHub::record(c, &job, EventKind::Queued, Vec::new())?;
                Ok::<_, StoreError>((job, event))
            })
        })
        .await?;
        self.hub.announce(event);
        self.dispatch(std::slice::from_ref(&job)).await;
        tracing::info!(job_id = %job.id, "import queued again");
        Ok(job)
    }
}

/// The jobs a request asks for, validated.
fn plan(request: &ImportRequest) -> Result<Vec<NewJob>, RequestError> {
    let invalid = |code, message: String| RequestError::Invalid { code, message };
    if request.companies.is_empty() {
        return Err(invalid(
            ErrorCode::CompaniesRequired,
            "at least one company is required".into(),
        ));
    }
    if request.to < request.from {
        return Err(invalid(
            ErrorCode::PeriodRangeInvalid,
            format!("`to` ({}) is before `from` ({})", request.to, request.from),
        ));
    }
    let operations: Vec<Operation> = if request.operations.is_empty() {
        vec![Operation::Compra, Operation::Venta]
    } else {
        let mut ops = request.operations.clone();
        ops.sort_by_key(|o| o.as_str());
        ops.dedup();
        ops
    };
    let mut companies = request.companies.clone();
    companies.sort();
    companies.dedup();
    let periods: Vec<Period> = request.from.through(request.to).collect();
    let count = companies.len() * periods.len() * operations.len();
    if count > MAX_JOBS_PER_REQUEST {
        return Err(invalid(
            ErrorCode::ImportTooLarge,
            format!("{count} jobs requested; at most {MAX_JOBS_PER_REQUEST} per request"),
        ));
    }
    let mut out = Vec::with_capacity(count);
    for company in &companies {
        for period in &periods {
            for operation in &operations {
                out.push(NewJob {
                    company: *company,
                    period: *period,
                    operation: *operation,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(companies: &[&str], from: &str, to: &str, ops: Vec<Operation>) -> ImportRequest {
        ImportRequest {
            companies: companies.iter().map(|c| Rut::parse(c).unwrap()).collect(),
            from: Period::parse(from).unwrap(),
            to: Period::parse(to).unwrap(),
            operations: ops,
            requested_by: "t".into(),
            request_id: "r".into(),
        }
    }

    #[test]
    fn one_job_per_company_period_and_operation() {
        let jobs = plan(&request(
            &["76123456-0", "12345678-5", "76123456-0"],
            "2024-11",
            "2025-02",
            vec![],
        ))
        .unwrap();
        assert_eq!(jobs.len(), 2 * 4 * 2);
        let periods: std::collections::BTreeSet<String> =
            jobs.iter().map(|j| j.period.to_string()).collect();
        assert_eq!(
            periods.into_iter().collect::<Vec<_>>(),
            ["2024-11", "2024-12", "2025-01", "2025-02"]
        );
    }

    #[test]
    fn bad_requests_have_codes() {
        let code = |r: Result<Vec<NewJob>, RequestError>| match r {
            Err(RequestError::Invalid { code, .. }) => code,
            _ => ErrorCode::Internal,
        };
        assert_eq!(
            code(plan(&request(&[], "2024-01", "2024-01", vec![]))),
            ErrorCode::CompaniesRequired
        );
        assert_eq!(
            code(plan(&request(
                &["76123456-0"],
                "2024-05",
                "2024-01",
                vec![]
            ))),
            ErrorCode::PeriodRangeInvalid
        );
        let many: Vec<String> = (1..=200)
            .map(|n| Rut::from_body(10_000_000 + n).unwrap().to_string())
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            code(plan(&request(&many, "2024-01", "2024-12", vec![]))),
            ErrorCode::ImportTooLarge
        );
    }
}

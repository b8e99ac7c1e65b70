//! The embedded worker pool (no broker, the `make run` default): the job table is the queue.
//! At start, jobs a previous process left `running` are queued again (this mode assumes one
//! gateway process per database); then due jobs are taken oldest first, up to the configured
//! concurrency, waking on new requests or every `poll_ms` for delayed retries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ofitec_platform::shutdown::CancellationToken;
use tokio::task::JoinSet;

use super::Imports;
use super::worker::process;
use crate::store::{self, jobs};

/// Runs the pool until `shutdown`; running attempts are then abandoned (nothing of theirs is
/// committed) and resume at the next start.
pub async fn run(imports: Arc<Imports>, shutdown: CancellationToken) {
    match store::run(&imports.db, jobs::requeue_orphans).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            jobs = n,
            "jobs left running by a previous process queued again"
        ),
        Err(e) => tracing::error!(error = %e, "cannot requeue interrupted jobs"),
    }
    let poll = Duration::from_millis(imports.config.poll_ms.max(50));
    let capacity = imports.config.concurrency.max(1);
    let mut running: JoinSet<()> = JoinSet::new();
    // Task id → job id, so a finished (or panicked) task frees its job's slot.
    let mut in_flight: HashMap<tokio::task::Id, String> = HashMap::new();
    let mut gauges_at = std::time::Instant::now() - GAUGE_EVERY;
    loop {
        if gauges_at.elapsed() >= GAUGE_EVERY {
            gauges_at = std::time::Instant::now();
            imports.housekeeping().await;
            requeue_stranded(&imports, in_flight.values().cloned().collect()).await;
        }
        let free = capacity.saturating_sub(in_flight.len());
        if free > 0 {
            // Ask for more than the free slots: jobs of a busy company wait on their own limit
            // inside the worker, and must not hide other companies' jobs behind them.
            let limit = i64::try_from(capacity * 4).unwrap_or(64);
            match store::run(&imports.db, move |conn| jobs::due(conn, limit)).await {
                Ok(due) => {
                    let taken: Vec<String> = in_flight.values().cloned().collect();
                    for job in due
                        .into_iter()
                        .filter(|j| !taken.contains(&j.id))
                        .take(free)
                    {
                        let imports = imports.clone();
                        let id = job.id.clone();
                        let task = running.spawn(async move {
                            if let Err(e) = process(&imports, &id, false).await {
                                tracing::error!(job_id = %id, error = %e, "import attempt could not be recorded; it will be retried");
                            }
                        });
                        in_flight.insert(task.id(), job.id);
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read due import jobs"),
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = imports.wake.notified() => {}
            Some(done) = running.join_next_with_id() => {
                in_flight.remove(&task_id(&done));
            }
            () = tokio::time::sleep(poll) => {}
        }
        // Collect every other finished task without waiting.
        while let Some(done) = running.try_join_next_with_id() {
            in_flight.remove(&task_id(&done));
        }
    }
    running.abort_all();
    tracing::info!("import pool stopped");
}

/// Jobs this process left `running` with no task on them go back to queued.
async fn requeue_stranded(imports: &Arc<Imports>, busy: Vec<String>) {
    let worker = imports.worker_id.clone();
    match store::run(&imports.db, move |conn| {
        jobs::requeue_stranded(conn, &worker, &busy)
    })
    .await
    {
        Ok(0) => {}
        Ok(n) => tracing::warn!(jobs = n, "stranded running jobs queued again"),
        Err(e) => tracing::warn!(error = %e, "cannot look for stranded jobs"),
    }
}

/// How often the job gauge is refreshed and old events pruned.
const GAUGE_EVERY: Duration = Duration::from_secs(10);

fn task_id(done: &Result<(tokio::task::Id, ()), tokio::task::JoinError>) -> tokio::task::Id {
    match done {
        Ok((id, ())) => *id,
        Err(e) => {
            tracing::error!(error = %e, "import task panicked; its job is queued again");
            e.id()
        }
    }
}

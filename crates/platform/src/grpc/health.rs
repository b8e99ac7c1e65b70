//! gRPC health (`grpc.health.v1`) that tells the truth: a service reports SERVING only while
//! its readiness probe (for most services, a database ping) succeeds, and NOT_SERVING from
//! the moment it starts draining.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use prometheus::IntGauge;
use tokio_util::sync::CancellationToken;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// A readiness check: resolves to `true` when the service can do its work.
pub type Probe = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// A probe that is always ready (services without dependencies).
pub fn always_ready() -> Probe {
    Arc::new(|| Box::pin(async { true }))
}

/// A probe that pings a database.
pub fn database_probe(db: crate::db::Db, timeout: Duration) -> Probe {
    Arc::new(move || {
        let db = db.clone();
        Box::pin(async move { db.ping(timeout).await })
    })
}

/// Sets every name in `names` (and the server-wide "") to `status`.
pub async fn set_all(reporter: &HealthReporter, names: &[&'static str], status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for name in names {
        reporter.set_service_status(*name, status).await;
    }
}

/// Runs `probe` every `interval` until `shutdown`, keeping the reporter and the `ready`
/// gauge in step, and logging each change.
pub async fn run_probe(
    reporter: HealthReporter,
    names: Vec<&'static str>,
    probe: Probe,
    interval: Duration,
    ready: IntGauge,
    shutdown: CancellationToken,
) {
    let mut last: Option<bool> = None;
    loop {
        let ok = tokio::select! {
            ok = probe() => ok,
            _ = shutdown.cancelled() => break,
        };
        if shutdown.is_cancelled() {
            break;
        }
        if last != Some(ok) {
            if ok {
                tracing::info!("ready: dependencies reachable, reporting SERVING");
            } else {
                tracing::warn!("not ready: a dependency is unreachable, reporting NOT_SERVING");
            }
            let status = if ok {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            set_all(&reporter, &names, status).await;
            ready.set(i64::from(ok));
            last = Some(ok);
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.cancelled() => break,
        }
    }
    set_all(&reporter, &names, ServingStatus::NotServing).await;
    ready.set(0);
}

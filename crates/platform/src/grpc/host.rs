//! The part every internal service shares: listeners bound at build time (so tests can use
//! port 0 and read the real port), the metrics server, the health probe, the observability
//! layer and graceful shutdown with a bounded grace period.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use prometheus::IntGauge;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::{HealthReporter, HealthService};

use super::health::{Probe, run_probe, set_all};
use super::observe::{GrpcMetrics, ObserveLayer};
use super::require_caller::RequireCallerLayer;
use crate::config::ListenAddr;
use crate::metrics::Metrics;

/// gRPC server settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcServerConfig {
    /// Address of the gRPC listener (internal: never published).
    pub listen: ListenAddr,
    /// How often readiness is probed, in milliseconds.
    #[serde(default = "default_health_interval_ms")]
    pub health_interval_ms: u64,
    /// How long in-flight calls may take to finish after a stop request, in seconds.
    #[serde(default = "default_shutdown_grace_s")]
    pub shutdown_grace_s: u64,
    /// Mutual TLS; plaintext when absent (inside a trusted network).
    #[serde(default)]
    pub tls: Option<super::tls::ServerTls>,
}

impl GrpcServerConfig {
    /// Settings for `listen` with defaults for everything else.
    pub fn new(listen: ListenAddr) -> GrpcServerConfig {
        GrpcServerConfig {
            listen,
            health_interval_ms: default_health_interval_ms(),
            shutdown_grace_s: default_shutdown_grace_s(),
            tls: None,
        }
    }

    /// Loopback, port 0, fast health probes: what tests use.
    pub fn for_tests() -> GrpcServerConfig {
        GrpcServerConfig {
            listen: ListenAddr::loopback(0),
            health_interval_ms: 100,
            shutdown_grace_s: 10,
            tls: None,
        }
    }
}

fn default_health_interval_ms() -> u64 {
    2_000
}
fn default_shutdown_grace_s() -> u64 {
    30
}

/// Metrics endpoint settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Address of the Prometheus endpoint (internal: never published).
    pub listen: ListenAddr,
}

impl MetricsConfig {
    /// `127.0.0.1:port`.
    pub fn loopback(port: u16) -> MetricsConfig {
        MetricsConfig {
            listen: ListenAddr::loopback(port),
        }
    }
}

/// A bound, not yet running, gRPC service.
pub struct ServiceHost {
    name: &'static str,
    config: GrpcServerConfig,
    grpc: TcpListener,
    metrics_listener: TcpListener,
    metrics: Metrics,
    grpc_metrics: GrpcMetrics,
    ready: IntGauge,
    reporter: HealthReporter,
    shutdown: CancellationToken,
    tls: Option<tonic::transport::ServerTlsConfig>,
}

impl std::fmt::Debug for ServiceHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceHost")
            .field("name", &self.name)
            .field("grpc", &self.grpc.local_addr().ok())
            .finish_non_exhaustive()
    }
}

impl ServiceHost {
    /// Binds both listeners and registers the shared metrics.
    pub async fn bind(
        name: &'static str,
        grpc: &GrpcServerConfig,
        metrics: &MetricsConfig,
    ) -> anyhow::Result<ServiceHost> {
        // Read certificates now, so a wrong path stops start-up instead of the first call.
        let tls = grpc.tls.as_ref().map(|t| t.load()).transpose()?;
        let grpc_listener = crate::net::bind(&grpc.listen, "gRPC").await?;
        let metrics_listener = crate::net::bind(&metrics.listen, "metrics").await?;
        let registry = Metrics::new();
        let grpc_metrics = GrpcMetrics::register(&registry).context("registering gRPC metrics")?;
        let ready = registry
            .register(IntGauge::new(
                "service_ready",
                "1 while the service reports SERVING (its dependencies are reachable).",
            )?)
            .context("registering readiness gauge")?;
        let reporter = HealthReporter::new();
        // Not serving until the first probe says otherwise.
        reporter
            .set_service_status("", ServingStatus::NotServing)
            .await;
        Ok(ServiceHost {
            name,
            config: grpc.clone(),
            grpc: grpc_listener,
            metrics_listener,
            metrics: registry,
            grpc_metrics,
            ready,
            reporter,
            shutdown: CancellationToken::new(),
            tls,
        })
    }

    /// The gRPC address actually bound.
    pub fn grpc_address(&self) -> SocketAddr {
        self.grpc
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The metrics address actually bound.
    pub fn metrics_address(&self) -> SocketAddr {
        self.metrics_listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The service's metric registry, to register its own metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Cancelling this token stops the service gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves `routes` plus health until the token is cancelled (the binary cancels it on
    /// SIGTERM/SIGINT), then drains: NOT_SERVING first, in-flight calls finish within the
    /// grace period, background tasks stop.
    pub async fn serve(
        self,
        routes: Routes,
        health_names: Vec<&'static str>,
        probe: Probe,
    ) -> anyhow::Result<()> {
        let ServiceHost {
            name,
            config,
            grpc,
            metrics_listener,
            metrics,
            grpc_metrics,
            ready,
            reporter,
            shutdown,
            tls,
        } = self;
        let address = grpc.local_addr().map(|a| a.to_string()).unwrap_or_default();
        let metrics_address = metrics_listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();

        let probe_task = tokio::spawn(run_probe(
            reporter.clone(),
            health_names.clone(),
            probe,
            Duration::from_millis(config.health_interval_ms.max(50)),
            ready,
            shutdown.clone(),
        ));
        let metrics_task = tokio::spawn(crate::metrics::serve(
            metrics_listener,
            metrics,
            shutdown.clone(),
        ));

        let routes = routes.add_service(HealthServer::new(HealthService::from_health_reporter(
            reporter.clone(),
        )));
        let incoming = tonic::transport::server::TcpIncoming::from(grpc).with_nodelay(Some(true));
        let drain_signal = {
            let shutdown = shutdown.clone();
            let reporter = reporter.clone();
            let names = health_names.clone();
            async move {
                shutdown.cancelled().await;
                set_all(&reporter, &names, ServingStatus::NotServing).await;
                tracing::info!(service = name, "draining: finishing in-flight calls");
            }
        };
        let mut builder = tonic::transport::Server::builder();
        let mutual_tls = tls.is_some();
        if let Some(tls) = tls {
            builder = builder.tls_config(tls).context("configuring gRPC TLS")?;
        }
        tracing::info!(service = name, grpc = %address, metrics = %metrics_address, tls = mutual_tls, "serving gRPC");
        let server = builder
            .layer(ObserveLayer::new(grpc_metrics))
            .layer(RequireCallerLayer)
            .add_routes(routes)
            .serve_with_incoming_shutdown(incoming, drain_signal);
        tokio::pin!(server);
        let grace = Duration::from_secs(config.shutdown_grace_s);
        let result = tokio::select! {
            result = &mut server => result.context("gRPC server failed"),
            _ = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(service = name, grace_s = grace.as_secs(), "grace period over, closing remaining connections");
                Ok(())
            }
        };
        // Whatever ended the server, the background tasks must stop too.
        shutdown.cancel();
        let _ = probe_task.await;
        match metrics_task.await {
            Ok(Err(e)) => tracing::warn!(error = %e, "metrics server stopped with an error"),
            Err(e) => tracing::warn!(error = %e, "metrics task failed"),
            Ok(Ok(())) => {}
        }
        tracing::info!(service = name, "stopped");
        result
    }
}

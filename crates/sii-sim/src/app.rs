//! Building and running the simulator.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::routing::get;
use ofitec_core::runner::Runnable;
use ofitec_core::shutdown::CancellationToken;
use tokio::net::TcpListener;

use crate::config::Config;

/// A built simulator: listener bound, not yet serving.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
}

impl Application {
    /// Binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listener = ofitec_core::net::bind(&config.listen, "HTTP").await?;
        Ok(Application {
            listener,
            config,
            shutdown: CancellationToken::new(),
        })
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Cancelling it stops the simulator gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the token is cancelled; in-flight requests finish within the grace period.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let router = Router::new().route("/health", get(health));
        let shutdown = self.shutdown.clone();
        tracing::info!(address = %self.address(), "listening");
        let server = axum::serve(self.listener, router)
            .with_graceful_shutdown(async move { shutdown.cancelled().await });
        let grace = Duration::from_secs(self.config.shutdown_grace_s);
        let shutdown = self.shutdown.clone();
        tokio::select! {
            result = server => result.context("HTTP server failed")?,
            _ = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
                tracing::warn!("grace period over, closing remaining connections");
            }
        }
        tracing::info!("stopped");
        Ok(())
    }
}

impl Runnable for Application {
    fn shutdown_token(&self) -> CancellationToken {
        Application::shutdown_token(self)
    }

    fn run_until_stopped(self) -> impl Future<Output = anyhow::Result<()>> + Send {
        Application::run_until_stopped(self)
    }
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok", "service": "sii-sim" }))
}

//! Building and running edge-api.

use std::net::SocketAddr;

use actix_cors::Cors;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use ofitec_core::metrics::Metrics;
use ofitec_core::runner::Runnable;
use ofitec_core::shutdown::CancellationToken;

use crate::config::Config;
use crate::extract;
use crate::metrics::HttpMetrics;
use crate::middleware::observe::observe;
use crate::routes;
use crate::state::AppState;
use crate::upstream::Upstreams;

/// A built edge-api: listener bound, not yet serving.
pub struct Application {
    server: actix_web::dev::Server,
    address: SocketAddr,
    shutdown: CancellationToken,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Binds the listener and prepares the internal clients.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listener = ofitec_core::net::bind_std(&config.http.listen, "HTTP")?;
        let address = listener
            .local_addr()
            .context("reading the bound HTTP address")?;
        let upstreams = Upstreams::connect_lazy(&config.services)?;
        let metrics = Metrics::new();
        let http_metrics =
            web::Data::new(HttpMetrics::register(&metrics).context("registering HTTP metrics")?);
        let body_limit = config.http.body_limit_bytes;
        let origins = config.http.cors_origins.clone();
        let workers = config.http.workers;
        let grace = config.http.shutdown_grace_s;
        let state = web::Data::new(AppState { upstreams, metrics });

        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(http_metrics.clone())
                .app_data(extract::json_config(body_limit))
                .app_data(extract::payload_config(body_limit))
                .app_data(extract::query_config())
                .app_data(extract::path_config())
                .wrap(cors(&origins))
                .wrap(from_fn(observe))
                .configure(routes::configure)
                .default_service(web::to(extract::not_found))
        })
        .disable_signals()
        .shutdown_timeout(grace);
        if workers > 0 {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .context("starting the HTTP server")?
            .run();
        tracing::info!(%address, "listening");
        Ok(Application {
            server,
            address,
            shutdown: CancellationToken::new(),
        })
    }

    /// The HTTP address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Cancelling it stops edge-api gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the token is cancelled, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let shutdown = self.shutdown.clone();
        let stopper = tokio::spawn(async move {
            shutdown.cancelled().await;
            tracing::info!("draining: finishing in-flight requests");
            handle.stop(true).await;
        });
        let result = self.server.await.context("HTTP server failed");
        self.shutdown.cancel();
        let _ = stopper.await;
        tracing::info!("stopped");
        result
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

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "x-request-id",
            "x-api-key",
            "last-event-id",
        ])
        .expose_headers(["x-request-id", "retry-after"])
        .supports_credentials()
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

//! Building and running edge-api.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use ofitec_platform::metrics::Metrics;
use ofitec_platform::runner::Runnable;
use ofitec_platform::shutdown::CancellationToken;
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt as _;

use crate::auth::AuthState;
use crate::config::Config;
use crate::extract;
use crate::metrics::HttpMetrics;
use crate::middleware::observe::observe;
use crate::middleware::{audit, rate_limit, security};
use crate::routes;
use crate::routes::openapi::{ApiDoc, OpenApiJson};
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
        let auth = web::Data::new(AuthState::from_config(
            &config.auth,
            &config.rate_limit,
            config.environment,
        )?);
        if !auth.jwt.is_configured() && auth.api_keys.is_empty() {
            tracing::warn!(
                "no auth.dev_secret, auth.jwt keys or API keys configured: every protected route will answer 401"
            );
        }
        let openapi = web::Data::new(OpenApiJson(openapi_document()?));
        let listener = ofitec_platform::net::bind_std(&config.http.listen, "HTTP")?;
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
        let config_reload_s = config.auth.api_keys_reload_s;
        let state = web::Data::new(AppState { upstreams, metrics });
        let reload_interval = Duration::from_secs(config_reload_s.max(1));
        let shutdown = CancellationToken::new();
        spawn_api_key_reloader(auth.api_keys.clone(), reload_interval, shutdown.clone());

        let mut server = HttpServer::new(move || {
            let (app, _) = App::new()
                .app_data(state.clone())
                .app_data(auth.clone())
                .app_data(openapi.clone())
                .app_data(http_metrics.clone())
                .app_data(extract::json_config(body_limit))
                .app_data(extract::payload_config(body_limit))
                .app_data(extract::query_config())
                .app_data(extract::path_config())
                .into_utoipa_app()
                .configure(routes::configure)
                .split_for_parts();
            app.default_service(web::to(extract::not_found))
                .wrap(from_fn(rate_limit::limit_by_ip))
                .wrap(cors(&origins))
                .wrap(from_fn(security::security_headers))
                .wrap(from_fn(audit::audit))
                .wrap(from_fn(observe))
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
            shutdown,
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

/// The OpenAPI document of every registered route, rendered once.
pub fn openapi_document() -> anyhow::Result<String> {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    document
        .to_pretty_json()
        .context("rendering the OpenAPI document")
}

/// Re-reads the API key file on SIGHUP and whenever it changes (rotation without restart).
fn spawn_api_key_reloader(
    keys: Arc<crate::auth::api_keys::ApiKeys>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let sighup = async {
                match hangup.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let sighup = std::future::pending::<()>();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = sighup => match keys.reload() {
                    Ok(count) => tracing::info!(keys = count, "SIGHUP: API keys reloaded"),
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "SIGHUP: API key file invalid; keeping the keys in force"),
                },
                _ = tokio::time::sleep(interval) => keys.reload_if_changed(),
            }
        }
    });
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

//! Building and running the simulator: one HTTP listener serving SII's SOAP services, the
//! RCV facade, `/health`, `/metrics` and the loopback-only admin API.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, header};
use ofitec_platform::runner::Runnable;
use ofitec_platform::shutdown::CancellationToken;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::faults::{Action, Endpoint, respond};
use crate::reply::{self, Reply};
use crate::state::SimState;
use crate::{admin, rcv, soap};

/// A built simulator: listener bound, not yet serving.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: Arc<SimState>,
    shutdown: CancellationToken,
}

impl Application {
    /// Validates the configuration and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let shutdown = CancellationToken::new();
        let state = SimState::new(config, shutdown.clone())?;
        let listener = ofitec_platform::net::bind(&state.config.listen, "HTTP").await?;
        Ok(Application {
            listener,
            state: Arc::new(state),
            shutdown,
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

    /// The shared state (tests read the clock, stats and data through it).
    pub fn state(&self) -> Arc<SimState> {
        self.state.clone()
    }

    /// Serves until the token is cancelled; in-flight requests finish within the grace period.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let grace = Duration::from_secs(self.state.config.shutdown_grace_s);
        let router = router(self.state.clone());
        let shutdown = self.shutdown.clone();
        tracing::info!(address = %self.address(), "listening");
        if !self.address().ip().is_loopback() {
            // Only containers should need this (deploy/config): the simulator hands out
            // tokens to anyone and its admin API changes what every client sees.
            tracing::warn!(
                address = %self.address(),
                "sii-sim is listening beyond loopback; never publish it outside the host"
            );
        }
        let server = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { shutdown.cancelled().await });
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

/// Every route.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/DTEWS/CrSeed.jws", post(seed))
        .route("/DTEWS/GetTokenFromSeed.jws", post(token))
        .route(
            "/consdcvinternetui/services/data/facadeService/{method}",
            post(facade),
        )
        .nest("/admin", admin::router())
        .fallback(not_found)
        .with_state(state)
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok", "service": "sii-sim" }))
}

async fn metrics(State(state): State<Arc<SimState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

async fn seed(State(state): State<Arc<SimState>>, body: Bytes) -> Reply {
    simulate(&state, Endpoint::Seed, || async {
        soap::seed::answer(&state, &body)
    })
    .await
}

async fn token(State(state): State<Arc<SimState>>, body: Bytes) -> Reply {
    simulate(&state, Endpoint::Token, || async {
        soap::token::answer(&state, &body)
    })
    .await
}

async fn facade(
    State(state): State<Arc<SimState>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let Some(method) = rcv::request::method_from_name(&method) else {
        let reply = rcv::not_found();
        state.stats.record("other", &reply.outcome, None);
        return reply;
    };
    simulate(&state, rcv::endpoint(method), || async {
        rcv::answer(&state, method, &headers, &body).await
    })
    .await
}

async fn not_found() -> Reply {
    rcv::not_found()
}

/// Waits, unless the simulator is stopping.
async fn pause(state: &SimState, duration: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = state.shutdown.cancelled() => {}
    }
}

/// Runs one request through the fault rules: injected latency first, then either the
/// normal answer (`produce`) or what the fault puts in its place; counts the outcome.
async fn simulate<F, Fut>(state: &SimState, endpoint: Endpoint, produce: F) -> Reply
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Reply>,
{
    let started = Instant::now();
    let decision = state.faults.decide(endpoint);
    if !decision.latency.is_zero() {
        pause(state, decision.latency).await;
    }
    let Some(action) = decision.action else {
        let reply = produce().await;
        state
            .stats
            .record(endpoint.as_str(), &reply.outcome, Some(started.elapsed()));
        return reply;
    };
    let outcome = action.outcome();
    let reply = match action {
        Action::Timeout(hang) => {
            // Counted now: the client gives up long before the answer comes.
            state.stats.record(endpoint.as_str(), &outcome, None);
            pause(state, hang).await;
            return produce().await;
        }
        Action::Http500 => respond::http_500(endpoint.is_soap(), outcome),
        Action::Html503 => respond::html_503(outcome),
        Action::Html200 => respond::html_200(outcome),
        Action::Estado { code, glosa } => match endpoint {
            Endpoint::Seed => soap::seed::estado(state, &code, glosa.as_deref(), outcome),
            _ => soap::token::estado(state, &code, glosa.as_deref(), outcome),
        },
        Action::CodRespuesta { code, message } => {
            let message = message.unwrap_or_else(|| "Error en el servicio".to_owned());
            let mut reply = rcv::status(code, &message);
            reply.outcome = outcome;
            reply
        }
        Action::TokenNoExiste => Reply::ok(reply::XML, respond::token_no_existe(), outcome),
        Action::InvalidateTokens => {
            state.auth.invalidate_tokens();
            produce().await
        }
        Action::Truncated(keep) => {
            let mut reply = produce().await;
            reply.body = respond::truncate(reply.body, keep);
            reply.outcome = outcome;
            reply
        }
    };
    state
        .stats
        .record(endpoint.as_str(), &reply.outcome, Some(started.elapsed()));
    reply
}

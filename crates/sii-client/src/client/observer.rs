//! Hooks the service uses to count calls (Prometheus lives in the service, not here).

use std::time::Duration;

/// Receives one notification per HTTP call to SII and per token obtained.
pub trait Observer: Send + Sync {
    /// A call finished: `call` (`get_seed`, `get_resumen`, …), `outcome` (`ok`, `empty`,
    /// `unavailable`, `timeout`, `token_invalid`, `estado_error`, `bad_response`,
    /// `http_error`) and how long it took.
    fn call(&self, call: &'static str, outcome: &'static str, elapsed: Duration);
    /// A new token was obtained (`reason`: `first`, `expired`, `invalidated`).
    fn token_refreshed(&self, environment: &'static str, reason: &'static str);
}

/// Ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    fn call(&self, _call: &'static str, _outcome: &'static str, _elapsed: Duration) {}
    fn token_refreshed(&self, _environment: &'static str, _reason: &'static str) {}
}

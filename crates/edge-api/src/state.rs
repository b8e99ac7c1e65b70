//! What every handler can reach.

use ofitec_platform::metrics::Metrics;

use crate::upstream::Upstreams;

/// Shared application state.
pub struct AppState {
    /// Clients for the internal services.
    pub upstreams: Upstreams,
    /// The metric registry served at `/api/metrics`.
    pub metrics: Metrics,
}

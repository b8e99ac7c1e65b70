//! edge-api: the platform's only public door (port 5555).
//!
//! * `config`: what edge-api reads at start.
//! * `app`: [`Application`] binds and serves, so tests start the real edge-api on port 0.
//! * `routes`: every route, one file per endpoint group.
//! * `middleware`: request id, logs and metrics for every request.
//! * `upstream`: gRPC clients for the internal services and their health.
//! * `error`: the JSON error type and the HTTP status of every stable code.

mod app;
pub mod auth;
pub mod cli;
mod client_ip;
pub mod config;
pub mod error;
mod extract;
pub mod metrics;
mod middleware;
mod ratelimit;
mod routes;
mod state;
pub mod upstream;

pub use app::{Application, openapi_document};
pub use config::Config;

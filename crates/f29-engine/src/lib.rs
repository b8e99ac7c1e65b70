//! f29-engine: the monthly tax return (Formulario 29) by código.
//!
//! * `config`: what the engine reads at start.
//! * `app`: [`Application`] binds, migrates and serves, so tests start the real engine on port 0.
//! * `grpc`: the `ofitec.f29.v1.F29Engine` service.
//! * `store`: declarations, versions, transitions and mappings.

mod app;
pub mod config;
pub mod grpc;
pub mod store;

pub use app::Application;
pub use config::Config;

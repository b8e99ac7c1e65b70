//! f29-engine: the monthly tax return (Formulario 29) by código.
//!
//! * `domain`: the pure engine — mapping, computation, remanente, validation, life cycle,
//!   reconciliation and exports. No I/O: the service and the CLI share it.
//! * `config`: what the engine reads at start.
//! * `app`: [`Application`] binds, migrates and serves, so tests start the real engine on port 0.
//! * `grpc`: the `ofitec.f29.v1.F29Engine` service, and the client of sii-gateway it reads
//!   documents through.
//! * `store`: declarations, versions, transitions and mappings.
//! * `cli`: `f29-engine compute`, the offline computation from RCV CSV files.
//! * `metrics`: the `f29_*` metrics of docs/metrics.md.

mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod grpc;
pub mod metrics;
pub mod store;

pub use app::Application;
pub use config::Config;

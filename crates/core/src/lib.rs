//! Shared building blocks of the OFITEC services.
//!
//! * Domain values that are valid once built: [`Rut`], [`Period`], [`Clp`].
//! * [`config`]: defaults ← YAML file ← environment variables, unknown keys rejected.
//! * [`telemetry`]: tracing (JSON or human) with optional OTLP export.
//! * [`metrics`]: a Prometheus registry per service and its HTTP endpoint.
//! * [`db`]: diesel over PostgreSQL or SQLite behind one connection type, with migrations.
//! * [`grpc`]: the service host (listeners, health, RED metrics, request ids, graceful stop).
//! * [`identity`]: the authenticated caller as it travels between services.
//! * [`shutdown`]: SIGTERM/SIGINT handling.

pub mod config;
pub mod db;
pub mod grpc;
pub mod identity;
pub mod metrics;
mod money;
pub mod net;
mod period;
pub mod rcv;
pub mod runner;
mod rut;
pub mod secret;
pub mod shutdown;
pub mod telemetry;

pub use money::Clp;
pub use period::{Period, PeriodError};
pub use rut::{Rut, RutError, check_digit};

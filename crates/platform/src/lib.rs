//! What every OFITEC service runs on. The domain values live in `ofitec-domain`; this crate
//! holds the I/O around them.
//!
//! * [`config`]: defaults ← YAML file ← environment variables, unknown keys rejected.
//! * [`telemetry`]: tracing (JSON or human) with optional OTLP export.
//! * [`metrics`]: a Prometheus registry per service and its HTTP endpoint.
//! * [`db`]: diesel over PostgreSQL or SQLite behind one connection type, with migrations.
//! * [`grpc`]: the service host (listeners, health, RED metrics, request ids, graceful stop).
//! * [`runner`]: what every `main` does; [`shutdown`]: SIGTERM/SIGINT handling.

pub mod config;
pub mod db;
pub mod grpc;
pub mod metrics;
pub mod net;
pub mod runner;
pub mod shutdown;
pub mod telemetry;

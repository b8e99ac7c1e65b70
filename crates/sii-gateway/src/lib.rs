//! sii-gateway: the only service that talks to SII.
//!
//! * `config`: what the gateway reads at start.
//! * `app`: [`Application`] binds, migrates and serves (`Application::build(config)` →
//!   `address()` + `run_until_stopped()`), so tests start the real gateway on port 0.
//! * `grpc`: the `ofitec.sii.v1.SiiGateway` service.
//! * `sii`: the certificate, token cache and RCV client.
//! * `backup_agent`: the backup-agent client (the pre-import backup).
//! * `imports`: import jobs, workers, events.
//! * `store`: the gateway's tables and migrations.
//! * `clock`: the time the store records and the imports schedule by.

mod app;
pub mod backup_agent;
pub mod clock;
pub mod config;
pub mod grpc;
pub mod imports;
pub mod sii;
pub mod store;

pub use app::Application;
pub use config::Config;

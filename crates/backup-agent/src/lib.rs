//! backup-agent: 3-2-1 backups that are verified, pruned and proven by restore drills.
//!
//! * `config`: what the agent reads at start.
//! * `app`: [`Application`] binds, migrates and serves, so tests start the real agent on port 0.
//! * `grpc`: the `ofitec.backup.v1.BackupAgent` service.
//! * `store`: the backup catalog.

mod app;
pub mod config;
pub mod grpc;
pub mod store;

pub use app::Application;
pub use config::Config;

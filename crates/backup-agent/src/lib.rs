//! backup-agent: 3-2-1 backups that are verified, pruned and proven by restore drills.
//!
//! Flow of a run: a trigger (scheduler, gRPC `RunBackup`, CLI) asks [`run::start`] for a
//! run, which starts one per plan or joins the one in progress ([`agent::Agent`] is the
//! state every operation shares, and holds no operation itself);
//! [`run::pipeline`] dumps every source ([`dump`]), verifies it, writes the [`manifest`],
//! backs the staging directory up to the primary restic repository and copies the snapshot
//! to every offsite ([`restic`]), then records everything in the catalog ([`store`]) and the
//! [`metrics`]. [`maintain`] applies retention and checks, [`drill`] proves restores,
//! [`restore`] does real ones, [`schedule`] fires everything on time.
//!
//! * `config`, [`plan`]: what the agent reads at start (plans validated on load).
//! * `app`: [`Application`] binds, migrates and serves, so tests start the real agent on port 0.
//! * [`grpc`]: the `ofitec.backup.v1.BackupAgent` service.
//! * [`clock`]: injected time. [`tools`]: the external programs and whether they exist.
//! * [`reason`], [`outcome`]: why runs happen and how they end, as stored and sent.
//! * [`sql`]: SQL on the databases backed up (row counts); [`file_error`]: file errors.

pub mod agent;
mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod drill;
pub mod dump;
pub mod file_error;
pub mod grpc;
pub mod maintain;
pub mod manifest;
pub mod metrics;
pub mod outcome;
pub mod plan;
pub mod reason;
pub mod restic;
pub mod restore;
pub mod run;
pub mod schedule;
pub mod sql;
mod startup;
pub mod status;
pub mod store;
pub mod tools;

pub use app::{Application, local_agent};
pub use config::Config;

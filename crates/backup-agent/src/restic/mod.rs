//! restic, the system binary (Debian's 0.14 is the floor): repositories are opened through
//! environment variables so neither passwords nor URLs with credentials appear in `argv`.
//!
//! * [`command`]: running one restic command with a deadline and classifying its failure.
//! * [`ops`]: the operations the agent uses (init, backup, copy, forget, prune, check, …).
//! * [`json`]: the JSON restic prints.

mod command;
mod json;
mod ops;

pub use command::{Restic, ResticError};
pub use json::{BackupSummary, SnapshotInfo};
pub use ops::{CheckKind, plan_tag, safety_tag};

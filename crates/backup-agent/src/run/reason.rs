//! Why a backup runs (a restic tag and a catalog column).

use std::fmt;
use std::str::FromStr;

/// The reasons a run may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The plan's schedule.
    Scheduled,
    /// sii-gateway before a bulk import.
    PreImport,
    /// A deploy, before migrations.
    PreDeploy,
    /// An operator.
    Manual,
    /// The safety copy a real restore takes of its target first.
    PreRestore,
}

impl Reason {
    /// The tag/column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Scheduled => "scheduled",
            Reason::PreImport => "pre-import",
            Reason::PreDeploy => "pre-deploy",
            Reason::Manual => "manual",
            Reason::PreRestore => "pre-restore",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = String;
    /// Accepts what callers may ask for (`pre-restore` is the agent's own).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "manual" => Ok(Reason::Manual),
            "scheduled" => Ok(Reason::Scheduled),
            "pre-import" => Ok(Reason::PreImport),
            "pre-deploy" => Ok(Reason::PreDeploy),
            other => Err(format!(
                "unknown reason `{other}`: expected scheduled, pre-import, pre-deploy or manual"
            )),
        }
    }
}

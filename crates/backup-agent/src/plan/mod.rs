//! Backup plans: what to back up, when, how long to keep it and where to put it.
//!
//! Plans are YAML (inline under `backup.plans` in the agent's configuration, or in a separate
//! file named by `backup.plans_file`). [`spec`] is what the YAML says; [`validate`] turns it
//! into [`Plan`]s that are valid once built (names usable as tags and metric labels, cron
//! expressions parsed, exactly one password source per repository, no literal secrets).

mod cron_expr;
mod secret;
mod spec;
mod validate;

pub use cron_expr::CronSchedule;
pub use secret::{SecretError, SecretSource};
pub use spec::{
    DrillSpec, MaintenanceSpec, PlanSpec, PlansFile, RepositoriesSpec, RepositorySpec,
    RetentionSpec, SourceSpec,
};
pub use validate::{PlanError, validate_plans};

use std::collections::BTreeMap;
use std::path::PathBuf;

use ofitec_domain::Secret;

/// A validated plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Name: `[a-z0-9_-]`, used in restic tags and metric labels.
    pub name: String,
    /// When backups run.
    pub schedule: CronSchedule,
    /// What is backed up.
    pub sources: Vec<Source>,
    /// How many snapshots `forget` keeps.
    pub retention: Retention,
    /// When forget+prune and check run.
    pub maintenance: Maintenance,
    /// Restore drills.
    pub drill: Drill,
    /// Where the first copy goes (a local disk, normally).
    pub primary: Repository,
    /// Copies in other places, filled with `restic copy`.
    pub offsite: Vec<Repository>,
    /// Hours without a successful backup before an alert (at least 1).
    pub alert_after_hours: u32,
}

impl Plan {
    /// Every repository, primary first.
    pub fn repositories(&self) -> impl Iterator<Item = &Repository> {
        std::iter::once(&self.primary).chain(self.offsite.iter())
    }

    /// Whether any source is a PostgreSQL database (so pg_dump/pg_restore are needed).
    pub fn has_postgres(&self) -> bool {
        self.sources
            .iter()
            .any(|s| matches!(s.kind, SourceKind::Postgres { .. }))
    }
}

/// One thing a plan backs up.
#[derive(Debug, Clone)]
pub struct Source {
    /// Name, unique in the plan: the artefact's file name and the manifest key.
    pub name: String,
    /// What it is.
    pub kind: SourceKind,
}

/// The kinds of source.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// A PostgreSQL database, dumped with `pg_dump -Fc`.
    Postgres {
        /// Connection URL (may contain a password: only ever shown redacted).
        url: Secret,
        /// `pg_dump -Z` level (0 = uncompressed, the default: restic compresses and, unlike
        /// with a compressed dump, deduplicates unchanged tables from one run to the next).
        compression: u8,
    },
    /// A SQLite database file, copied with `VACUUM INTO`.
    Sqlite {
        /// The live database file.
        path: PathBuf,
    },
    /// A directory (configuration and the like), backed up as it is.
    Directory {
        /// The directory.
        path: PathBuf,
    },
}

/// Snapshots `forget` keeps (restic's `--keep-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// `--keep-last` (0 = unset).
    pub last: u32,
    /// `--keep-hourly`.
    pub hourly: u32,
    /// `--keep-daily`.
    pub daily: u32,
    /// `--keep-weekly`.
    pub weekly: u32,
    /// `--keep-monthly`.
    pub monthly: u32,
    /// `--keep-yearly`.
    pub yearly: u32,
}

/// Retention and integrity schedules.
#[derive(Debug, Clone)]
pub struct Maintenance {
    /// When `forget` + `prune` (then `check`) run.
    pub prune: CronSchedule,
    /// When `check --read-data-subset=n/t` runs.
    pub check: CronSchedule,
    /// `t`: a full read of every pack takes this many checks.
    pub read_data_cycle: u32,
}

/// Restore drill settings.
#[derive(Debug, Clone)]
pub struct Drill {
    /// When drills run.
    pub schedule: CronSchedule,
    /// A drill fails when the newest snapshot is older than this.
    pub max_snapshot_age: chrono::Duration,
    /// Server where scratch PostgreSQL databases are created; `None` = each source's own
    /// server (the scratch database gets a unique name and is always dropped).
    pub scratch_postgres: Option<Secret>,
}

/// A restic repository.
#[derive(Debug, Clone)]
pub struct Repository {
    /// Name, unique in the plan, used in metric labels and the catalog.
    pub name: String,
    /// restic location (a path, `s3:…`, `rest:…`). May hold credentials in `rest:` URLs, so
    /// it is passed to restic through `RESTIC_REPOSITORY` and shown redacted.
    pub url: Secret,
    /// The repository password.
    pub password: SecretSource,
    /// Extra environment for restic (S3 credentials and the like).
    pub env: BTreeMap<String, SecretSource>,
    /// Longest a single restic command may take.
    pub timeout: std::time::Duration,
    /// `--limit-upload` in KiB/s (0 = unlimited).
    pub limit_upload_kib: u32,
}

impl Repository {
    /// The location without credentials, safe for logs and status.
    pub fn redacted_url(&self) -> String {
        ofitec_domain::redact::url(self.url.expose())
    }

    /// `host:port` of a network repository, for a quick reachability probe.
    pub fn network_address(&self) -> Option<String> {
        let url = self.url.expose();
        let rest = url
            .strip_prefix("rest:")
            .or_else(|| url.strip_prefix("s3:"))?;
        let (scheme, after) = rest.split_once("://")?;
        let authority = after.split('/').next()?;
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host_port.contains(':') {
            Some(host_port.to_owned())
        } else if scheme == "https" {
            Some(format!("{host_port}:443"))
        } else {
            Some(format!("{host_port}:80"))
        }
    }
}

//! What a plan's YAML says, before validation. Unknown keys are errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// A separate plans file: `plans: [...]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlansFile {
    /// The plans.
    #[serde(default)]
    pub plans: Vec<PlanSpec>,
}

/// One plan as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// Plan name (`[a-z0-9_-]`, at most 64 characters).
    pub name: String,
    /// Cron expression for backups (5 fields, or 6 with seconds first). UTC.
    #[serde(default = "default_backup_schedule")]
    pub schedule: String,
    /// What to back up.
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// Retention (`keep daily 7, weekly 4, monthly 12` unless given).
    #[serde(default)]
    pub retention: RetentionSpec,
    /// forget+prune and check schedules.
    #[serde(default)]
    pub maintenance: MaintenanceSpec,
    /// Restore drills.
    #[serde(default)]
    pub drill: DrillSpec,
    /// Where the backups go.
    pub repositories: RepositoriesSpec,
    /// Hours without a successful backup after which the plan is alerted on (exported as
    /// `backup_success_max_age_seconds{plan}` for the alert rule). Default 26: a daily plan
    /// with slack; a business-hours plan needs the weekend's gap (e.g. 64).
    #[serde(default = "default_alert_after_hours")]
    pub alert_after_hours: u32,
}

fn default_backup_schedule() -> String {
    "0 2 * * *".to_owned()
}

fn default_alert_after_hours() -> u32 {
    26
}

/// One source: exactly one of `postgres`, `sqlite`, `directory`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Name, unique in the plan (`[a-z0-9_-]`).
    pub name: String,
    /// A PostgreSQL database.
    #[serde(default)]
    pub postgres: Option<PostgresSpec>,
    /// A SQLite database file.
    #[serde(default)]
    pub sqlite: Option<PathBuf>,
    /// A directory.
    #[serde(default)]
    pub directory: Option<PathBuf>,
}

/// Where a PostgreSQL source's URL comes from: `url` only without a password in it (libpq
/// also reads `PGPASSFILE`/`~/.pgpass`), or `url_env` / `url_file` when it has one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresSpec {
    /// `postgres://user@host:port/db` (no password).
    #[serde(default)]
    pub url: Option<String>,
    /// An environment variable holding the URL.
    #[serde(default)]
    pub url_env: Option<String>,
    /// A file holding the URL.
    #[serde(default)]
    pub url_file: Option<PathBuf>,
    /// `pg_dump -Z` level, 0-9 (default 0: restic compresses and deduplicates; a compressed
    /// dump changes completely when one row changes, so nothing deduplicates). Raise it only
    /// when the staging disk cannot hold an uncompressed dump.
    #[serde(default)]
    pub compression: u8,
}

/// restic `--keep-*` counts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSpec {
    /// `--keep-last`.
    #[serde(default)]
    pub last: u32,
    /// `--keep-hourly`.
    #[serde(default)]
    pub hourly: u32,
    /// `--keep-daily`.
    #[serde(default = "seven")]
    pub daily: u32,
    /// `--keep-weekly`.
    #[serde(default = "four")]
    pub weekly: u32,
    /// `--keep-monthly`.
    #[serde(default = "twelve")]
    pub monthly: u32,
    /// `--keep-yearly`.
    #[serde(default)]
    pub yearly: u32,
}

impl Default for RetentionSpec {
    fn default() -> Self {
        RetentionSpec {
            last: 0,
            hourly: 0,
            daily: seven(),
            weekly: four(),
            monthly: twelve(),
            yearly: 0,
        }
    }
}

fn seven() -> u32 {
    7
}
fn four() -> u32 {
    4
}
fn twelve() -> u32 {
    12
}

/// Retention and integrity schedules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceSpec {
    /// forget + prune, then check (default Sundays 03:30).
    #[serde(default = "default_prune")]
    pub prune_schedule: String,
    /// `check --read-data-subset=n/t` (default daily 04:00).
    #[serde(default = "default_check")]
    pub check_schedule: String,
    /// `t`: checks per full read of the repository (default 28).
    #[serde(default = "default_cycle")]
    pub read_data_cycle: u32,
}

impl Default for MaintenanceSpec {
    fn default() -> Self {
        MaintenanceSpec {
            prune_schedule: default_prune(),
            check_schedule: default_check(),
            read_data_cycle: default_cycle(),
        }
    }
}

fn default_prune() -> String {
    "30 3 * * 0".to_owned()
}
fn default_check() -> String {
    "0 4 * * *".to_owned()
}
fn default_cycle() -> u32 {
    28
}

/// Restore drill settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillSpec {
    /// When drills run (default monthly, the 1st at 05:00).
    #[serde(default = "default_drill")]
    pub schedule: String,
    /// A drill fails when the newest snapshot is older than this many hours (default 26).
    #[serde(default = "default_max_age")]
    pub max_snapshot_age_hours: u32,
    /// Server for scratch databases (URL of its maintenance database), as an environment
    /// variable; default: each source's own server.
    #[serde(default)]
    pub scratch_postgres_url_env: Option<String>,
}

impl Default for DrillSpec {
    fn default() -> Self {
        DrillSpec {
            schedule: default_drill(),
            max_snapshot_age_hours: default_max_age(),
            scratch_postgres_url_env: None,
        }
    }
}

fn default_drill() -> String {
    "0 5 1 * *".to_owned()
}
fn default_max_age() -> u32 {
    26
}

/// Primary and offsite repositories.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepositoriesSpec {
    /// The local primary repository.
    pub primary: RepositorySpec,
    /// Offsite copies.
    #[serde(default)]
    pub offsite: Vec<RepositorySpec>,
}

/// One repository as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepositorySpec {
    /// Name (`[a-z0-9_-]`), unique in the plan.
    pub name: String,
    /// restic location: a path, `s3:…` or `rest:…`, without credentials (a `rest:` URL
    /// with `user:password@` goes in `url_env` or `url_file`).
    #[serde(default)]
    pub url: Option<String>,
    /// An environment variable holding the location (may hold credentials).
    #[serde(default)]
    pub url_env: Option<String>,
    /// A file holding the location (first line; may hold credentials).
    #[serde(default)]
    pub url_file: Option<PathBuf>,
    /// Password file.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// Environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Only here to be refused with a clear message: passwords never live in the YAML.
    #[serde(default)]
    pub password: Option<serde_yaml::Value>,
    /// Extra environment for restic, each value from a file or a variable
    /// (`AWS_SECRET_ACCESS_KEY: {env: OFFSITE_SECRET}`).
    #[serde(default)]
    pub env: BTreeMap<String, super::SecretSource>,
    /// Longest a single restic command may run, in seconds (default 6 hours).
    #[serde(default = "default_timeout")]
    pub timeout_s: u64,
    /// `--limit-upload` in KiB/s (0 = unlimited).
    #[serde(default)]
    pub limit_upload_kib: u32,
}

fn default_timeout() -> u64 {
    6 * 3600
}

//! The pre-import backup: before a bulk import of at least `min_jobs` jobs, backup-agent runs
//! the configured plan (reason `pre-import`, through [`crate::backup_agent`]) and the
//! import's new jobs wait for it, held (queued with a start time in the future). The request
//! is answered at once. When the backup fails, the policy decides: `abort` fails the held
//! jobs (`pre_import_backup_failed`), `warn` logs, counts and lets them run.

use crate::backup_agent::DEADLINE;

/// Until when new jobs wait for their pre-import backup. Past the backup's own deadline: if
/// this process dies meanwhile, nobody will release them, and the import then runs anyway
/// rather than never (a restarted gateway does not know whether the backup was taken).
pub fn hold_until() -> chrono::NaiveDateTime {
    crate::clock::now()
        + chrono::Duration::from_std(DEADLINE).unwrap_or_else(|_| chrono::Duration::hours(1))
        + chrono::Duration::minutes(5)
}

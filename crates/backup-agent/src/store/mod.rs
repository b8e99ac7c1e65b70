//! The backup catalog in the agent's database: runs with their steps and snapshots,
//! maintenance (forget, prune, check, unlock) and restore drills.
//!
//! Every write is one statement or one transaction, so a crash leaves either the old or the
//! new row; runs left `running` by a crash are closed at the next start
//! ([`runs::close_interrupted`]).

pub mod drills;
pub mod maintenance;
pub mod runs;
mod schema;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use ofitec_platform::db::Migrations;

static POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
static SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The backup-agent migrations, one set per backend.
pub const MIGRATIONS: Migrations = Migrations {
    postgres: &POSTGRES,
    sqlite: &SQLITE,
};

/// Timestamps are stored as UTC `TIMESTAMP` (the type both backends share).
pub(crate) fn naive(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    at.naive_utc()
}

/// Back from the stored UTC timestamp.
pub(crate) fn utc(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(at, chrono::Utc)
}

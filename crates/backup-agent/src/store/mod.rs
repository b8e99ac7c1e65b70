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

/// An enum stored as its stable string, read back; a string no version of the agent wrote
/// is a corrupt row, reported as a query error rather than guessed.
pub(crate) fn parse<T: std::str::FromStr>(
    column: &str,
    text: &str,
) -> Result<T, diesel::result::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse().map_err(|e: T::Err| {
        diesel::result::Error::DeserializationError(format!("{column} `{text}`: {e}").into())
    })
}

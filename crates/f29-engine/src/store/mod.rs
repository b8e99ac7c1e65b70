//! The f29-engine tables: declarations (status and latest version), their versions (every
//! computation with what explains it), status transitions, mapping documents, and the
//! reference data computations and due dates read (the UTM table, public holidays).
//!
//! Functions take a connection and are blocking (diesel); the service runs them through
//! `Db::run`. They work unchanged on PostgreSQL and SQLite.

pub mod declarations;
pub mod holidays;
pub mod mappings;
mod schema;
pub mod utm;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use ofitec_platform::db::{DbError, Migrations};

use crate::domain::calendar::holidays::HolidayError;
use crate::domain::lifecycle::{Status, TransitionError};
use crate::domain::utm::UtmError;

static POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
static SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The f29-engine migrations, one set per backend.
pub const MIGRATIONS: Migrations = Migrations {
    postgres: &POSTGRES,
    sqlite: &SQLITE,
};

/// What storage operations can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No declaration for that company and period.
    #[error("no declaration for {company} {period}")]
    NotFound {
        /// Company RUT.
        company: String,
        /// Period.
        period: String,
    },
    /// The life cycle forbids it (frozen, not a step, validation errors).
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Another request changed the declaration meanwhile.
    #[error("the declaration was changed by another request meanwhile; try again")]
    Conflict,
    /// New UTM values break a rule of the table (the message names the line).
    #[error(transparent)]
    Utm(#[from] UtmError),
    /// A holiday year breaks a rule of the table.
    #[error(transparent)]
    Holidays(#[from] HolidayError),
    /// A stored value cannot be read back (a bug or a hand-edited row).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => StoreError::Conflict,
            other => StoreError::Db(DbError::Query(other)),
        }
    }
}

/// Runs `work` on a pooled connection, keeping [`StoreError`]s typed: the closure's own
/// result travels as the value of `Db::run`, whose error is only the pool's.
pub async fn run<T, F>(db: &ofitec_platform::db::Db, work: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut ofitec_platform::db::DbConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    db.run(move |conn| Ok(work(conn))).await?
}

/// UTC as stored (TIMESTAMP without time zone, UTC by convention).
pub fn naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

/// A stored timestamp as UTC.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(at, Utc)
}

fn parse_status(text: &str) -> Result<Status, StoreError> {
    text.parse().map_err(StoreError::Corrupt)
}

//! What the gateway's store can report.

use ofitec_platform::db::DbError;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or is unreachable.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A stored row cannot be read back into the domain (it was written by something else).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// No such row.
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::Db(DbError::Query(e))
    }
}

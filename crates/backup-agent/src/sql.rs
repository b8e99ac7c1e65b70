//! SQL on the databases the agent dumps, drills and restores (never its own catalog): the
//! error type, and the user tables with their row counts, which a dump records in the
//! manifest and drills and restores compare with it.

use std::collections::BTreeMap;

use diesel::connection::LoadConnection;
use diesel::prelude::*;
use diesel::query_builder::{QueryFragment, SqlQuery};
use diesel::sql_types::{BigInt, Text};

/// What went wrong talking to a database.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The server could not be reached or refused the login.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        /// The database, without its password.
        target: String,
        /// What the driver said.
        source: diesel::ConnectionError,
    },
    /// A SQLite file could not be opened.
    #[error(transparent)]
    Open(#[from] diesel::ConnectionError),
    /// A path SQLite cannot take.
    #[error("{} is not valid UTF-8", .0.display())]
    NotUtf8(std::path::PathBuf),
    /// A statement failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// A statement failed; `doing` says which.
    #[error("{doing}: {source}")]
    Statement {
        /// The table counted, the database created, …
        doing: String,
        /// What the database said.
        source: diesel::result::Error,
    },
    /// The blocking task that ran the statements failed.
    #[error("task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl SqlError {
    /// For `map_err`: a failed statement, named.
    pub fn doing(doing: impl Into<String>) -> impl FnOnce(diesel::result::Error) -> SqlError {
        let doing = doing.into();
        move |source| SqlError::Statement { doing, source }
    }
}

/// One text value (`SELECT … AS value`).
#[derive(QueryableByName)]
pub struct TextRow {
    /// The value.
    #[diesel(sql_type = Text)]
    pub value: String,
}

/// A `count(*) AS n`.
#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A user table: its name as SQL wants it, and as the manifest shows it.
#[derive(QueryableByName)]
struct TableRow {
    #[diesel(sql_type = Text)]
    quoted: String,
    #[diesel(sql_type = Text)]
    name: String,
}

/// PostgreSQL user tables, `schema.table`, system schemas left out.
const PG_USER_TABLES: &str = "SELECT format('%I.%I', n.nspname, c.relname) AS quoted, \
        n.nspname || '.' || c.relname AS name \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind = 'r' \
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
       AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' \
     ORDER BY 2";

/// SQLite tables, its internal ones left out.
const SQLITE_USER_TABLES: &str = "SELECT '\"' || replace(name, '\"', '\"\"') || '\"' AS quoted, \
        name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";

/// Whether a PostgreSQL database has user tables (a restore target that has them is live).
pub fn pg_has_user_tables(conn: &mut PgConnection) -> Result<bool, SqlError> {
    let tables: Vec<TableRow> = diesel::sql_query(PG_USER_TABLES).load(conn)?;
    Ok(!tables.is_empty())
}

/// Rows per user table of a PostgreSQL database (`schema.table`).
pub fn pg_row_counts(conn: &mut PgConnection) -> Result<BTreeMap<String, u64>, SqlError> {
    row_counts(conn, PG_USER_TABLES)
}

/// Rows per table of a SQLite database.
pub fn sqlite_row_counts(conn: &mut SqliteConnection) -> Result<BTreeMap<String, u64>, SqlError> {
    row_counts(conn, SQLITE_USER_TABLES)
}

fn row_counts<C>(conn: &mut C, user_tables: &str) -> Result<BTreeMap<String, u64>, SqlError>
where
    C: LoadConnection,
    SqlQuery: QueryFragment<C::Backend>,
    TableRow: QueryableByName<C::Backend>,
    CountRow: QueryableByName<C::Backend>,
    C::Backend: 'static,
{
    let tables: Vec<TableRow> = diesel::sql_query(user_tables).load(conn)?;
    let mut counts = BTreeMap::new();
    for table in tables {
        let row: CountRow =
            diesel::sql_query(format!("SELECT count(*) AS n FROM {}", table.quoted))
                .get_result(conn)
                .map_err(SqlError::doing(table.name.clone()))?;
        counts.insert(table.name, u64::try_from(row.n).unwrap_or(0));
    }
    Ok(counts)
}

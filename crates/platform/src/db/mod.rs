//! Database access through diesel: one connection type that is PostgreSQL or SQLite,
//! a connection pool, embedded migrations per backend, and an async wrapper that runs
//! blocking diesel work on tokio's blocking pool.

mod url;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use serde::Deserialize;

pub use url::{DatabaseUrl, DatabaseUrlError};

/// A connection to either backend. Queries written against it run on both; code that needs
/// backend-specific SQL matches on the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL (production).
    Pg(diesel::PgConnection),
    /// SQLite (embedded default).
    Sqlite(diesel::SqliteConnection),
}

/// The migrations of one service, one set per backend (their SQL dialects differ).
///
/// Declare them as statics: `static PG: EmbeddedMigrations = embed_migrations!("migrations/postgres");`.
#[derive(Clone, Copy)]
pub struct Migrations {
    /// `migrations/postgres`.
    pub postgres: &'static EmbeddedMigrations,
    /// `migrations/sqlite`.
    pub sqlite: &'static EmbeddedMigrations,
}

impl fmt::Debug for Migrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migrations").finish_non_exhaustive()
    }
}

/// Lets a `&'static EmbeddedMigrations` be used where diesel wants a source by value.
#[derive(Clone, Copy)]
struct Source(&'static EmbeddedMigrations);

impl<DB: diesel::backend::Backend> diesel::migration::MigrationSource<DB> for Source {
    fn migrations(
        &self,
    ) -> diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<DB>>>> {
        diesel::migration::MigrationSource::<DB>::migrations(self.0)
    }
}

/// Database settings shared by every service that owns tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `postgres://…` or a SQLite file path / `sqlite://…`.
    pub url: DatabaseUrl,
    /// Most connections the pool opens.
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
    /// How long a caller waits for a free connection, in milliseconds.
    #[serde(default = "default_acquire_timeout_ms")]
    pub acquire_timeout_ms: u64,
    /// How long start-up keeps retrying an unreachable database before giving up, in seconds.
    #[serde(default = "default_startup_timeout_s")]
    pub startup_timeout_s: u64,
}

fn default_pool_size() -> u32 {
    8
}
fn default_acquire_timeout_ms() -> u64 {
    5_000
}
fn default_startup_timeout_s() -> u64 {
    15
}

impl DatabaseConfig {
    /// A SQLite file with default settings (the embedded default of each service).
    pub fn sqlite_file(path: &str) -> DatabaseConfig {
        DatabaseConfig::new(DatabaseUrl::Sqlite(path.into()))
    }

    /// Settings for `url` with every other value at its default.
    pub fn new(url: DatabaseUrl) -> DatabaseConfig {
        DatabaseConfig {
            url,
            pool_size: default_pool_size(),
            acquire_timeout_ms: default_acquire_timeout_ms(),
            startup_timeout_s: default_startup_timeout_s(),
        }
    }
}

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be obtained.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// Migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// The blocking task panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

impl From<r2d2::Error> for DbError {
    fn from(e: r2d2::Error) -> Self {
        DbError::Unavailable(e.to_string())
    }
}

/// Opens connections of the right variant. The derive's own `establish` tries each backend
/// in turn, which would turn an unreachable `postgres://` URL into a SQLite file named
/// `postgres:`; this manager never guesses.
struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConnection::Pg)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let text = path.to_str().ok_or_else(|| {
                    diesel::r2d2::Error::ConnectionError(ConnectionError::InvalidConnectionUrl(
                        "SQLite path is not valid UTF-8".to_owned(),
                    ))
                })?;
                let mut conn = diesel::SqliteConnection::establish(text)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the single writer; busy_timeout makes writers
                // wait for each other instead of failing with SQLITE_BUSY.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// A pool of connections to one service's database.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    url: DatabaseUrl,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db").field("url", &self.url).finish()
    }
}

impl Db {
    /// Connects (retrying until `startup_timeout_s`) and runs pending migrations.
    pub async fn connect(config: &DatabaseConfig, migrations: Migrations) -> Result<Db, DbError> {
        if let DatabaseUrl::Sqlite(path) = &config.url {
            create_parent_dir(path)?;
        }
        let pool = r2d2::Pool::builder()
            .max_size(config.pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(Duration::from_millis(config.acquire_timeout_ms.max(100)))
            .test_on_check_out(false)
            .build_unchecked(Manager {
                url: config.url.clone(),
            });
        let db = Db {
            pool,
            url: config.url.clone(),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(config.startup_timeout_s);
        let mut delay = Duration::from_millis(200);
        loop {
            match db.migrate(migrations).await {
                Ok(applied) => {
                    tracing::info!(database = %db.url, applied, "database ready");
                    return Ok(db);
                }
                Err(DbError::Unavailable(reason)) if tokio::time::Instant::now() < deadline => {
                    tracing::warn!(database = %db.url, %reason, "database not reachable yet, retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs the pending migrations of the connected backend; returns how many ran.
    pub async fn migrate(&self, migrations: Migrations) -> Result<usize, DbError> {
        self.run(move |conn| run_migrations(conn, migrations)).await
    }

    /// Runs blocking diesel work on a pooled connection without blocking the async runtime.
    pub async fn run<T, F>(&self, work: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Whether a trivial query succeeds within `timeout`. Used by health checks.
    pub async fn ping(&self, timeout: Duration) -> bool {
        let check = self.run(|conn| conn.ping().map_err(DbError::from));
        matches!(tokio::time::timeout(timeout, check).await, Ok(Ok(())))
    }

    /// The database location (password redacted when displayed).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// `"postgres"` or `"sqlite"`.
    pub fn backend(&self) -> &'static str {
        self.url.backend()
    }
}

/// Runs pending migrations on one connection; returns how many ran.
pub fn run_migrations(conn: &mut DbConnection, migrations: Migrations) -> Result<usize, DbError> {
    let applied = match conn {
        DbConnection::Pg(c) => c
            .run_pending_migrations(Source(migrations.postgres))
            .map(|v| v.len()),
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(Source(migrations.sqlite))
            .map(|v| v.len()),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

/// Reverts every applied migration (tests use it to prove each `down.sql` undoes its `up.sql`).
pub fn revert_all_migrations(
    conn: &mut DbConnection,
    migrations: Migrations,
) -> Result<(), DbError> {
    let reverted = match conn {
        DbConnection::Pg(c) => c
            .revert_all_migrations(Source(migrations.postgres))
            .map(|_| ()),
        DbConnection::Sqlite(c) => c
            .revert_all_migrations(Source(migrations.sqlite))
            .map(|_| ()),
    };
    reverted.map_err(|e| DbError::Migration(e.to_string()))
}

fn create_parent_dir(path: &Path) -> Result<(), DbError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(|e| {
            DbError::Unavailable(format!("cannot create directory {}: {e}", dir.display()))
        }),
        _ => Ok(()),
    }
}

/// Runs `$body` with `$c` bound to the concrete connection of whichever backend `$conn` is.
/// For code that must use backend-specific diesel features (batch inserts, upserts): the
/// body is compiled once per backend.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// A transaction that will write. On SQLite it starts with `BEGIN IMMEDIATE`: a deferred
/// transaction that reads before writing fails at once with `SQLITE_BUSY` when another
/// connection wrote meanwhile (the busy timeout cannot help a lock upgrade), which turns
/// concurrent workers' ordinary read-then-update into spurious errors. Transactions opened
/// inside `f` become savepoints, as with [`Connection::transaction`].
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager as _};
    match conn {
        DbConnection::Pg(_) => return conn.transaction(f),
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
    }
    let outcome = f(conn);
    let DbConnection::Sqlite(c) = conn else {
        return outcome;
    };
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(c)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = AnsiTransactionManager::rollback_transaction(c) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

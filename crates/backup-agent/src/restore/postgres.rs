//! PostgreSQL restore pieces: scratch databases, `pg_restore`, counting rows.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::dump::pgurl;
use crate::dump::postgres::{collect, pg_command};
use crate::sql::{self, SqlError};
use crate::tools::tail;
use ofitec_domain::Secret;

/// Why `pg_restore` into a database failed.
#[derive(Debug, thiserror::Error)]
pub enum PgRestoreError {
    /// The program could not be started.
    #[error("cannot start pg_restore: {0}")]
    Start(std::io::Error),
    /// Its exit could not be awaited.
    #[error("waiting for pg_restore: {0}")]
    Wait(std::io::Error),
    /// It ran and failed.
    #[error("pg_restore into {target} failed ({status}): {stderr}")]
    Failed {
        /// The database, without its password.
        target: String,
        /// Its exit status.
        status: ExitStatus,
        /// The end of its error output.
        stderr: String,
    },
}

fn connect(url: &Secret) -> Result<PgConnection, SqlError> {
    PgConnection::establish(url.expose()).map_err(|source| SqlError::Connect {
        target: pgurl::redacted(url),
        source,
    })
}

/// Creates database `name` on the server of `server` (any database URL of that server).
pub async fn create_database(server: &Secret, name: &str) -> Result<(), SqlError> {
    let (server, name) = (server.clone(), name.to_owned());
    blocking(move || {
        connect(&server)?
            .batch_execute(&format!(
                "CREATE DATABASE \"{}\"",
                name.replace('"', "\"\"")
            ))
            .map_err(SqlError::doing(format!("cannot create database {name}")))
    })
    .await
}

/// Drops database `name` (closing its connections).
pub async fn drop_database(server: &Secret, name: &str) -> Result<(), SqlError> {
    let (server, name) = (with_connect_timeout(server), name.to_owned());
    blocking(move || {
        connect(&server)?
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                name.replace('"', "\"\"")
            ))
            .map_err(SqlError::doing(format!("cannot drop database {name}")))
    })
    .await
}

#[derive(QueryableByName)]
struct DatabaseRow {
    #[diesel(sql_type = Text)]
    datname: String,
}

/// Names of the databases on the server of `server` that start with `prefix`. The
/// connection gives up after 10 s (`connect_timeout`), so an unreachable server does not
/// hold the caller for the TCP retry time.
pub async fn databases_with_prefix(server: &Secret, prefix: &str) -> Result<Vec<String>, SqlError> {
    let (server, prefix) = (with_connect_timeout(server), prefix.to_owned());
    blocking(move || {
        let rows: Vec<DatabaseRow> = diesel::sql_query(
            "SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY 1",
        )
        .bind::<Text, _>(&prefix)
        .load(&mut connect(&server)?)
        .map_err(SqlError::doing("listing databases"))?;
        Ok(rows.into_iter().map(|r| r.datname).collect())
    })
    .await
}

/// `url` with `connect_timeout=10` unless it sets one.
fn with_connect_timeout(url: &Secret) -> Secret {
    let text = url.expose();
    if text.contains("connect_timeout=") {
        return url.clone();
    }
    let separator = if text.contains('?') { '&' } else { '?' };
    Secret::new(format!("{text}{separator}connect_timeout=10"))
}

/// Rows per user table.
pub async fn row_counts(url: &Secret) -> Result<BTreeMap<String, u64>, SqlError> {
    let url = url.clone();
    blocking(move || sql::pg_row_counts(&mut connect(&url)?)).await
}

/// What a restore target looks like now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// No such database.
    Missing,
    /// Exists, no user tables.
    Empty,
    /// Has user tables: a live database.
    Live,
}

/// Inspects a target database.
pub async fn target_state(url: &Secret) -> Result<TargetState, SqlError> {
    let url = url.clone();
    blocking(move || match connect(&url) {
        Ok(mut conn) => Ok(if sql::pg_has_user_tables(&mut conn)? {
            TargetState::Live
        } else {
            TargetState::Empty
        }),
        Err(SqlError::Connect { source, .. }) if source.to_string().contains("does not exist") => {
            Ok(TargetState::Missing)
        }
        Err(e) => Err(e),
    })
    .await
}

/// `pg_restore` of `file` into `target`. With `replace`, objects of the dump that exist are
/// dropped first (`--clean --if-exists`); `--single-transaction` makes it all or nothing.
pub async fn pg_restore(
    pg_restore: &Path,
    file: &Path,
    target: &Secret,
    replace: bool,
) -> Result<(), PgRestoreError> {
    let split = pgurl::split(target);
    let mut command = pg_command(pg_restore, &split);
    command.args([
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        "--no-password",
    ]);
    if replace {
        command.args(["--clean", "--if-exists"]);
    }
    command
        .arg("-d")
        .arg(&split.url)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let mut child = command.spawn().map_err(PgRestoreError::Start)?;
    let stderr = collect(child.stderr.take());
    let status = child.wait().await.map_err(PgRestoreError::Wait)?;
    if status.success() {
        return Ok(());
    }
    Err(PgRestoreError::Failed {
        target: pgurl::redacted(target),
        status,
        stderr: tail(&stderr.await.unwrap_or_default()),
    })
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SqlError> + Send + 'static,
) -> Result<T, SqlError> {
    tokio::task::spawn_blocking(work).await?
}

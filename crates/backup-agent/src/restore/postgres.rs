//! PostgreSQL restore pieces: scratch databases, `pg_restore`, counting rows.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::dump::pgurl;
use crate::dump::postgres::{collect, pg_command, tail};
use ofitec_domain::Secret;

#[derive(QueryableByName)]
struct TableRow {
    #[diesel(sql_type = Text)]
    quoted: String,
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

const USER_TABLES: &str = "SELECT format('%I.%I', n.nspname, c.relname) AS quoted, \
        n.nspname || '.' || c.relname AS name \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind = 'r' \
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
       AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' \
     ORDER BY 2";

fn connect(url: &Secret) -> Result<PgConnection, String> {
    PgConnection::establish(url.expose())
        .map_err(|e| format!("cannot connect to {}: {e}", pgurl::redacted(url)))
}

/// Creates database `name` on the server of `server` (any database URL of that server).
pub async fn create_database(server: &Secret, name: &str) -> Result<(), String> {
    let (server, name) = (server.clone(), name.to_owned());
    blocking(move || {
        let mut conn = connect(&server)?;
        conn.batch_execute(&format!(
            "CREATE DATABASE \"{}\"",
            name.replace('"', "\"\"")
        ))
        .map_err(|e| format!("cannot create database {name}: {e}"))
    })
    .await
}

/// Drops database `name` (closing its connections).
pub async fn drop_database(server: &Secret, name: &str) -> Result<(), String> {
    let (server, name) = (with_connect_timeout(server), name.to_owned());
    blocking(move || {
        let mut conn = connect(&server)?;
        conn.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            name.replace('"', "\"\"")
        ))
        .map_err(|e| format!("cannot drop database {name}: {e}"))
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
pub async fn databases_with_prefix(server: &Secret, prefix: &str) -> Result<Vec<String>, String> {
    let (server, prefix) = (with_connect_timeout(server), prefix.to_owned());
    blocking(move || {
        let mut conn = connect(&server)?;
        let rows: Vec<DatabaseRow> = diesel::sql_query(
            "SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY 1",
        )
        .bind::<Text, _>(&prefix)
        .load(&mut conn)
        .map_err(|e| format!("listing databases: {e}"))?;
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
pub async fn row_counts(url: &Secret) -> Result<BTreeMap<String, u64>, String> {
    let url = url.clone();
    blocking(move || {
        let mut conn = connect(&url)?;
        let tables: Vec<TableRow> = diesel::sql_query(USER_TABLES)
            .load(&mut conn)
            .map_err(|e| e.to_string())?;
        let mut counts = BTreeMap::new();
        for table in tables {
            let row: CountRow =
                diesel::sql_query(format!("SELECT count(*) AS n FROM {}", table.quoted))
                    .get_result(&mut conn)
                    .map_err(|e| format!("{}: {e}", table.name))?;
            counts.insert(table.name, u64::try_from(row.n).unwrap_or(0));
        }
        Ok(counts)
    })
    .await
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
pub async fn target_state(url: &Secret) -> Result<TargetState, String> {
    let url = url.clone();
    blocking(move || match PgConnection::establish(url.expose()) {
        Ok(mut conn) => {
            let tables: Vec<TableRow> = diesel::sql_query(USER_TABLES)
                .load(&mut conn)
                .map_err(|e| e.to_string())?;
            Ok(if tables.is_empty() {
                TargetState::Empty
            } else {
                TargetState::Live
            })
        }
        Err(e) if e.to_string().contains("does not exist") => Ok(TargetState::Missing),
        Err(e) => Err(format!("cannot connect to {}: {e}", pgurl::redacted(&url))),
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
) -> Result<(), String> {
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
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start pg_restore: {e}"))?;
    let stderr = collect(child.stderr.take());
    let status = child
        .wait()
        .await
        .map_err(|e| format!("waiting for pg_restore: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "pg_restore into {} failed ({status}): {}",
            pgurl::redacted(target),
            tail(&stderr.await.unwrap_or_default())
        ))
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("task failed: {e}"))?
}

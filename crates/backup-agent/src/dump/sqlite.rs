//! SQLite: `VACUUM INTO` a consistent copy of the live file (readers and the writer go on;
//! the copy is one transaction's view and has no WAL sidecar files), then
//! `PRAGMA integrity_check` and row counts on the copy, which is exactly what is backed up.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{DumpError, Timings};
use crate::manifest::{Artefact, ArtefactKind};
use crate::sql::{self, SqlError, TextRow};

/// Copies `path` into `dest` and checks the copy.
pub async fn dump(
    source: &str,
    path: &Path,
    dest: &Path,
) -> Result<(Artefact, Timings), DumpError> {
    let started = Instant::now();
    let (src, dst, name) = (path.to_owned(), dest.to_owned(), source.to_owned());
    let copied = tokio::task::spawn_blocking(move || vacuum_into(&name, &src, &dst))
        .await
        .map_err(|e| DumpError::Dump {
            source_name: source.to_owned(),
            detail: format!("copy task failed: {e}"),
        })??;
    let dump_seconds = started.elapsed().as_secs_f64();
    let (dst, name) = (dest.to_owned(), source.to_owned());
    let row_counts = tokio::task::spawn_blocking(move || check_copy(&name, &dst))
        .await
        .map_err(|e| DumpError::Verify {
            source_name: source.to_owned(),
            detail: format!("check task failed: {e}"),
        })??;
    let (sha256, size) = super::hash::file_sha256(dest)
        .await
        .map_err(|e| DumpError::Verify {
            source_name: source.to_owned(),
            detail: format!("hashing {}: {e}", dest.display()),
        })?;
    Ok((
        Artefact {
            source: source.to_owned(),
            kind: ArtefactKind::Sqlite,
            path: dest
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            size_bytes: size,
            sha256,
            row_counts,
            source_version: format!("SQLite {copied}"),
            tool_version: String::new(),
            consistency: "VACUUM INTO (one read transaction)".to_owned(),
            files: Vec::new(),
        },
        Timings {
            dump: dump_seconds,
            verify: started.elapsed().as_secs_f64() - dump_seconds,
        },
    ))
}

/// Opens a SQLite file (for dumps, drills and restores), waiting up to 10 s for a writer.
pub fn open(path: &Path) -> Result<SqliteConnection, SqlError> {
    let text = path
        .to_str()
        .ok_or_else(|| SqlError::NotUtf8(path.to_owned()))?;
    let mut conn = SqliteConnection::establish(text)?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    Ok(conn)
}

/// Returns the SQLite version.
fn vacuum_into(source: &str, path: &Path, dest: &Path) -> Result<String, DumpError> {
    let err = |detail: String| DumpError::Dump {
        source_name: source.to_owned(),
        detail,
    };
    // Opening a missing file would create an empty database and "back it up".
    if !path.is_file() {
        return Err(err(format!("{} does not exist", path.display())));
    }
    let _ = std::fs::remove_file(dest);
    let mut conn = open(path).map_err(|e| err(format!("cannot open {}: {e}", path.display())))?;
    let target = dest.display().to_string().replace('\'', "''");
    diesel::sql_query(format!("VACUUM INTO '{target}'"))
        .execute(&mut conn)
        .map_err(|e| err(format!("VACUUM INTO {}: {e}", dest.display())))?;
    let version = diesel::sql_query("SELECT sqlite_version() AS value")
        .get_result::<TextRow>(&mut conn)
        .map(|r| r.value)
        .unwrap_or_default();
    Ok(version)
}

/// `PRAGMA integrity_check` and row counts of a copy.
pub fn check_copy(source: &str, dest: &Path) -> Result<BTreeMap<String, u64>, DumpError> {
    let err = |detail: String| DumpError::Verify {
        source_name: source.to_owned(),
        detail,
    };
    let mut conn = open(dest).map_err(|e| err(format!("cannot open the copy: {e}")))?;
    let rows: Vec<TextRow> =
        diesel::sql_query("SELECT integrity_check AS value FROM pragma_integrity_check()")
            .load(&mut conn)
            .map_err(|e| err(format!("integrity_check: {e}")))?;
    let problems: Vec<String> = rows
        .into_iter()
        .map(|r| r.value)
        .filter(|v| v != "ok")
        .collect();
    if !problems.is_empty() {
        return Err(err(format!("integrity_check: {}", problems.join("; "))));
    }
    sql::sqlite_row_counts(&mut conn).map_err(|e| err(e.to_string()))
}

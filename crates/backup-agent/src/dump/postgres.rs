//! PostgreSQL: `pg_dump -Fc`, verified while it is written, with row counts from the very
//! snapshot the dump reads.
//!
//! Consistency: the agent opens a `REPEATABLE READ, READ ONLY` transaction, exports its
//! snapshot (`pg_export_snapshot()`) and starts `pg_dump --snapshot=<id>`, so pg_dump and the
//! `count(*)` queries of that transaction see exactly the same data, whatever is committed
//! meanwhile. The transaction stays open until pg_dump exits, which keeps the snapshot
//! importable. Counting runs beside the dump instead of before it, so it costs no wall time.
//!
//! Verification: pg_dump's output is read by the agent and written to three places at once:
//! the artefact file, a SHA-256 hasher and `pg_restore -f /dev/null`, which decodes every
//! data block (`pg_restore --list` would accept a truncated file). A dump that pg_restore
//! cannot read completely is rejected before anything reaches a repository. Streaming means
//! the archive has no data offsets in its table of contents (pg_dump cannot seek back in a
//! pipe); a restore still reads it front to back, only `pg_restore -j` is unavailable.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::process::Command;

use super::pgurl::{self, PgTarget};
use super::{DumpError, Timings};
use crate::manifest::{Artefact, ArtefactKind};
use crate::sql::{self, SqlError, TextRow};
use ofitec_domain::Secret;

/// pg_dump and pg_restore.
#[derive(Debug, Clone, Copy)]
pub struct PgTools<'a> {
    /// pg_dump.
    pub pg_dump: &'a Path,
    /// pg_restore.
    pub pg_restore: &'a Path,
}

/// Dumps `url` into `dest` (verified); returns the manifest entry.
pub async fn dump(
    source: &str,
    url: &Secret,
    tools: PgTools<'_>,
    compression: u8,
    dest: &Path,
) -> Result<(Artefact, Timings), DumpError> {
    let started = Instant::now();
    let dump_err = |detail: String| DumpError::Dump {
        source_name: source.to_owned(),
        detail,
    };
    let (snap_tx, snap_rx) = tokio::sync::oneshot::channel::<(String, String)>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let conn_url = url.expose().to_owned();
    let counter = tokio::task::spawn_blocking(move || count_rows(&conn_url, snap_tx, done_rx));
    let (snapshot, server_version) = match snap_rx.await {
        Ok(pair) => pair,
        // The counting side could not start: its error says why.
        Err(_) => {
            let detail = match counter.await {
                Ok(Err(e)) => e.to_string(),
                _ => "the snapshot transaction ended unexpectedly".to_owned(),
            };
            return Err(dump_err(detail));
        }
    };
    let target = pgurl::split(url);
    let result = stream_dump(
        source,
        &target,
        &snapshot,
        tools,
        compression,
        dest,
        started,
    )
    .await;
    // pg_dump is done (or failed): the snapshot may go.
    drop(done_tx);
    let counts = counter
        .await
        .map_err(|e| dump_err(format!("row counting task failed: {e}")))?;
    let (sha256, size, timings) = result?;
    let row_counts = counts.map_err(|e| dump_err(format!("counting rows: {e}")))?;
    let tool_version = version_of(tools.pg_dump).await;
    Ok((
        Artefact {
            source: source.to_owned(),
            kind: ArtefactKind::Postgres,
            path: file_name(dest),
            size_bytes: size,
            sha256,
            row_counts,
            source_version: format!("PostgreSQL {server_version}"),
            tool_version,
            consistency:
                "pg_dump --snapshot of the REPEATABLE READ transaction that counted the rows"
                    .to_owned(),
            files: Vec::new(),
        },
        timings,
    ))
}

/// The counting side: export a snapshot, hand it over, count every table in it, and keep
/// the transaction open until pg_dump is done (`done` is dropped). When it cannot start,
/// `snapshot_tx` is dropped unsent and the error is returned.
fn count_rows(
    url: &str,
    snapshot_tx: tokio::sync::oneshot::Sender<(String, String)>,
    done: std::sync::mpsc::Receiver<()>,
) -> Result<BTreeMap<String, u64>, SqlError> {
    let mut conn = PgConnection::establish(url).map_err(|source| SqlError::Connect {
        target: "the source database".to_owned(),
        source,
    })?;
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
    let snapshot = diesel::sql_query("SELECT pg_export_snapshot() AS value")
        .get_result::<TextRow>(&mut conn)
        .map_err(SqlError::doing("cannot export a snapshot"))?
        .value;
    let version = diesel::sql_query("SELECT current_setting('server_version') AS value")
        .get_result::<TextRow>(&mut conn)?
        .value;
    let _ = snapshot_tx.send((snapshot, version));
    let counted = sql::pg_row_counts(&mut conn);
    // Wait for pg_dump: an exported snapshot can only be imported while its transaction lives.
    let _ = done.recv();
    let _ = conn.batch_execute("COMMIT");
    counted
}

async fn stream_dump(
    source: &str,
    target: &PgTarget,
    snapshot: &str,
    tools: PgTools<'_>,
    compression: u8,
    dest: &Path,
    started: Instant,
) -> Result<(String, u64, Timings), DumpError> {
    let dump_err = |detail: String| DumpError::Dump {
        source_name: source.to_owned(),
        detail,
    };
    let verify_err = |detail: String| DumpError::Verify {
        source_name: source.to_owned(),
        detail,
    };
    let mut dump = pg_command(tools.pg_dump, target);
    dump.args(["-Fc", "--no-password"])
        .arg(format!("--compress={compression}"))
        .arg(format!("--snapshot={snapshot}"))
        .arg("-d")
        .arg(&target.url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut dump = dump
        .spawn()
        .map_err(|e| dump_err(format!("cannot start pg_dump: {e}")))?;
    let mut verify = Command::new(tools.pg_restore);
    verify
        .args(["-f", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut verify = verify
        .spawn()
        .map_err(|e| verify_err(format!("cannot start pg_restore: {e}")))?;
    let dump_stderr = collect(dump.stderr.take());
    let verify_stderr = collect(verify.stderr.take());
    let mut verify_in = verify.stdin.take();
    let Some(mut out) = dump.stdout.take() else {
        return Err(dump_err("pg_dump has no output".to_owned()));
    };
    let mut file = tokio::fs::File::create(dest)
        .await
        .map_err(|e| dump_err(format!("cannot create {}: {e}", dest.display())))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 256 * 1024];
    let mut verify_broken = None;
    loop {
        let n = out
            .read(&mut buffer)
            .await
            .map_err(|e| dump_err(format!("reading pg_dump output: {e}")))?;
        if n == 0 {
            break;
        }
        let chunk = &buffer[..n];
        file.write_all(chunk)
            .await
            .map_err(|e| dump_err(format!("writing {}: {e}", dest.display())))?;
        hasher.update(chunk);
        size += n as u64;
        if let Some(stdin) = verify_in.as_mut()
            && let Err(e) = stdin.write_all(chunk).await
        {
            // pg_restore stopped reading: it found an error, reported below.
            verify_broken = Some(e.to_string());
            verify_in = None;
        }
    }
    file.flush()
        .await
        .map_err(|e| dump_err(format!("writing {}: {e}", dest.display())))?;
    file.sync_all()
        .await
        .map_err(|e| dump_err(format!("syncing {}: {e}", dest.display())))?;
    drop(verify_in);
    let dump_status = dump
        .wait()
        .await
        .map_err(|e| dump_err(format!("waiting for pg_dump: {e}")))?;
    let dump_seconds = started.elapsed().as_secs_f64();
    let verify_status = verify
        .wait()
        .await
        .map_err(|e| verify_err(format!("waiting for pg_restore: {e}")))?;
    let verify_seconds = started.elapsed().as_secs_f64();
    if !dump_status.success() {
        return Err(dump_err(format!(
            "pg_dump exited with {}: {}",
            dump_status,
            crate::tools::tail(&dump_stderr.await.unwrap_or_default())
        )));
    }
    if size == 0 {
        return Err(verify_err("pg_dump wrote nothing".to_owned()));
    }
    if !verify_status.success() {
        return Err(verify_err(format!(
            "pg_restore could not read the whole archive ({}): {}",
            verify_status,
            crate::tools::tail(&verify_stderr.await.unwrap_or_default())
        )));
    }
    if let Some(e) = verify_broken {
        return Err(verify_err(format!("pg_restore stopped reading: {e}")));
    }
    Ok((
        hex::encode(hasher.finalize()),
        size,
        Timings {
            dump: dump_seconds,
            verify: verify_seconds,
        },
    ))
}

/// A pg_dump/pg_restore/psql command for `target`, password in the environment.
pub fn pg_command(program: &Path, target: &PgTarget) -> Command {
    let mut command = Command::new(program);
    command
        .env_remove("PGPASSWORD")
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(password) = &target.password {
        command.env("PGPASSWORD", password.expose());
    }
    command
}

/// Reads a child's stream to the end in the background.
pub fn collect<R>(stream: Option<R>) -> tokio::task::JoinHandle<String>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut text = String::new();
        if let Some(mut stream) = stream {
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes).await;
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// `<tool> --version`, or empty.
pub async fn version_of(program: &Path) -> String {
    match Command::new(program).arg("--version").output().await {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Err(_) => String::new(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

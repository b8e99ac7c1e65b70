//! The manifest written next to the artefacts of every run (`manifest.json`, inside the
//! snapshot) and kept in the catalog: what each artefact must hash to, how big it is, how many
//! rows each table had at dump time, and which versions produced it. Drills and restores
//! compare against it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// File name of the manifest inside the staging directory and the snapshot.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The manifest of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version of this document.
    pub format: u32,
    /// Plan.
    pub plan: String,
    /// Run id.
    pub run_id: String,
    /// Why the run happened.
    pub reason: crate::reason::Reason,
    /// When the run started (the agent's clock).
    pub created_at: DateTime<Utc>,
    /// backup-agent version.
    pub agent_version: String,
    /// One entry per source.
    pub artefacts: Vec<Artefact>,
}

impl Manifest {
    /// Total bytes of every artefact.
    pub fn total_size(&self) -> u64 {
        self.artefacts.iter().map(|a| a.size_bytes).sum()
    }
}

/// What one source produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artefact {
    /// Source name.
    pub source: String,
    /// What the source is.
    pub kind: ArtefactKind,
    /// File name in the staging directory (databases), or the directory backed up as is.
    pub path: String,
    /// Bytes (sum of files for a directory).
    pub size_bytes: u64,
    /// SHA-256 of the file, hex (empty for a directory: see `files`).
    pub sha256: String,
    /// Rows per table at dump time (`schema.table` for PostgreSQL).
    #[serde(default)]
    pub row_counts: BTreeMap<String, u64>,
    /// The source's version (`PostgreSQL 15.18`, `SQLite 3.46.0`).
    #[serde(default)]
    pub source_version: String,
    /// The dumping tool's version (`pg_dump (PostgreSQL) 15.18`).
    #[serde(default)]
    pub tool_version: String,
    /// How the row counts were made consistent with the dump.
    #[serde(default)]
    pub consistency: String,
    /// Files of a directory source.
    #[serde(default)]
    pub files: Vec<FileEntry>,
}

/// The kinds of artefact, one per kind of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ArtefactKind {
    /// A `pg_dump -Fc` archive.
    Postgres,
    /// A `VACUUM INTO` copy.
    Sqlite,
    /// A directory backed up as it is (its files listed with their hashes).
    Directory,
}

/// One file of a directory source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the directory.
    pub path: String,
    /// Bytes.
    pub size_bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

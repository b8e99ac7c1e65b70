//! The JSON restic 0.14 prints, only the fields the agent reads.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The last line of `backup --json`.
#[derive(Debug, Clone, Deserialize)]
pub struct BackupSummary {
    /// Always `summary`.
    pub message_type: String,
    /// New snapshot (short id).
    pub snapshot_id: String,
    /// Bytes read from the sources.
    #[serde(default)]
    pub total_bytes_processed: u64,
    /// Bytes added to the repository (after deduplication and compression).
    #[serde(default)]
    pub data_added: u64,
}

/// One snapshot from `snapshots --json`.
#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotInfo {
    /// Full id.
    pub id: String,
    /// Short id.
    #[serde(default)]
    pub short_id: String,
    /// Snapshot time.
    pub time: DateTime<Utc>,
    /// Backed-up paths.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Tags (`plan=…`, `reason=…`).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// For copies: the snapshot it was copied from.
    #[serde(default)]
    pub original: Option<String>,
}

impl SnapshotInfo {
    /// The value of the `key=value` tag.
    pub fn tag(&self, key: &str) -> Option<&str> {
        let prefix = format!("{key}=");
        self.tags
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find_map(|t| t.strip_prefix(&prefix))
    }

    /// Tags, empty when none.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.clone().unwrap_or_default()
    }
}

/// One group of `forget --json`.
#[derive(Debug, Clone, Deserialize)]
pub struct ForgetGroup {
    /// Removed snapshots.
    #[serde(default)]
    pub remove: Option<Vec<SnapshotInfo>>,
}

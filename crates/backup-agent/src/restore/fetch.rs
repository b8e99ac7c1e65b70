//! A snapshot restored into scratch space, and its manifest found.

use std::path::{Path, PathBuf};

use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::plan::Repository;
use crate::restic::{Restic, SnapshotInfo, plan_tag, safety_tag};

/// A restored snapshot.
#[derive(Debug)]
pub struct Fetched {
    /// Where restic restored it (absolute paths of the snapshot live under it).
    pub root: PathBuf,
    /// The staging directory inside it, where the database artefacts are.
    pub stage: PathBuf,
    /// The run's manifest.
    pub manifest: Manifest,
}

impl Fetched {
    /// Where a directory source's files are in the restored tree.
    pub fn restored_path(&self, absolute: &str) -> PathBuf {
        self.root.join(absolute.trim_start_matches('/'))
    }
}

/// Restores `snapshot` of `repo` into `scratch` and reads its manifest.
pub async fn fetch(
    restic: &Restic,
    repo: &Repository,
    snapshot: &SnapshotInfo,
    scratch: &Path,
) -> Result<Fetched, String> {
    tokio::fs::create_dir_all(scratch)
        .await
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    restic
        .restore(repo, &snapshot.id, scratch)
        .await
        .map_err(|e| e.to_string())?;
    for path in &snapshot.paths {
        let stage = scratch.join(path.trim_start_matches('/'));
        let candidate = stage.join(MANIFEST_FILE);
        if let Ok(text) = tokio::fs::read_to_string(&candidate).await {
            let manifest: Manifest = serde_json::from_str(&text)
                .map_err(|e| format!("the snapshot's manifest is unreadable: {e}"))?;
            return Ok(Fetched {
                root: scratch.to_owned(),
                stage,
                manifest,
            });
        }
    }
    Err(format!(
        "snapshot {} has no {MANIFEST_FILE}: it was not made by backup-agent",
        snapshot.short_id
    ))
}

/// The snapshot with `id` (full or short) of `plan`, or the newest backup of the plan
/// when `id` is `None`. Safety backups (a restore's copy of its target) are found by id
/// only, never as the newest.
pub async fn find_snapshot(
    restic: &Restic,
    repo: &Repository,
    plan: &str,
    id: Option<&str>,
) -> Result<SnapshotInfo, String> {
    let tags = match id {
        Some(_) => vec![plan_tag(plan), safety_tag(plan)],
        None => vec![plan_tag(plan)],
    };
    let snapshots = restic
        .snapshots(repo, &tags)
        .await
        .map_err(|e| e.to_string())?;
    let found = match id {
        Some(id) => snapshots
            .into_iter()
            .rev()
            .find(|s| s.id.starts_with(id) || s.short_id == id),
        None => snapshots.into_iter().next_back(),
    };
    found.ok_or_else(|| match id {
        Some(id) => format!(
            "snapshot {id} of plan `{plan}` not found in repository `{}`",
            repo.name
        ),
        None => format!(
            "repository `{}` has no snapshot of plan `{plan}`",
            repo.name
        ),
    })
}

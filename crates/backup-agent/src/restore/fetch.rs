//! A snapshot restored into scratch space, and its manifest found.

use std::path::{Path, PathBuf};

use crate::file_error::FileError;
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::plan::Repository;
use crate::restic::{Restic, ResticError, SnapshotInfo, plan_tag, safety_tag};

/// Why a snapshot could not be found or brought back.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// restic failed.
    #[error(transparent)]
    Restic(#[from] ResticError),
    /// The scratch directory could not be made.
    #[error(transparent)]
    Scratch(#[from] FileError),
    /// The manifest is there but is not one.
    #[error("the snapshot's manifest is unreadable: {0}")]
    Manifest(serde_json::Error),
    /// No manifest: not a backup-agent snapshot.
    #[error("snapshot {0} has no {MANIFEST_FILE}: it was not made by backup-agent")]
    NoManifest(String),
    /// No snapshot of the plan has this id.
    #[error("snapshot {id} of plan `{plan}` not found in repository `{repository}`")]
    NotFound {
        /// The id asked for.
        id: String,
        /// The plan.
        plan: String,
        /// The repository searched.
        repository: String,
    },
    /// The plan has no snapshot in the repository.
    #[error("repository `{repository}` has no snapshot of plan `{plan}`")]
    NoSnapshot {
        /// The plan.
        plan: String,
        /// The repository searched.
        repository: String,
    },
}

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
) -> Result<Fetched, FetchError> {
    tokio::fs::create_dir_all(scratch)
        .await
        .map_err(FileError::at("cannot create", scratch))?;
    restic.restore(repo, &snapshot.id, scratch).await?;
    for path in &snapshot.paths {
        let stage = scratch.join(path.trim_start_matches('/'));
        let candidate = stage.join(MANIFEST_FILE);
        if let Ok(text) = tokio::fs::read_to_string(&candidate).await {
            let manifest: Manifest = serde_json::from_str(&text).map_err(FetchError::Manifest)?;
            return Ok(Fetched {
                root: scratch.to_owned(),
                stage,
                manifest,
            });
        }
    }
    Err(FetchError::NoManifest(snapshot.short_id.clone()))
}

/// The snapshot with `id` (full or short) of `plan`, or the newest backup of the plan
/// when `id` is `None`. Safety backups (a restore's copy of its target) are found by id
/// only, never as the newest.
pub async fn find_snapshot(
    restic: &Restic,
    repo: &Repository,
    plan: &str,
    id: Option<&str>,
) -> Result<SnapshotInfo, FetchError> {
    let tags = match id {
        Some(_) => vec![plan_tag(plan), safety_tag(plan)],
        None => vec![plan_tag(plan)],
    };
    let snapshots = restic.snapshots(repo, &tags).await?;
    let found = match id {
        Some(id) => snapshots
            .into_iter()
            .rev()
            .find(|s| s.id.starts_with(id) || s.short_id == id),
        None => snapshots.into_iter().next_back(),
    };
    let (plan, repository) = (plan.to_owned(), repo.name.clone());
    found.ok_or_else(|| match id {
        Some(id) => FetchError::NotFound {
            id: id.to_owned(),
            plan,
            repository,
        },
        None => FetchError::NoSnapshot { plan, repository },
    })
}

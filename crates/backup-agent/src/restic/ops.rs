//! The restic operations the agent performs.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::command::{Restic, ResticError};
use super::json::{BackupSummary, ForgetGroup, SnapshotInfo};
use crate::plan::{Repository, Retention};

/// Host name recorded in every snapshot: constant, so restic's parent detection and the
/// retention groups do not depend on the machine the agent runs on.
pub const SNAPSHOT_HOST: &str = "ofitec-backup-agent";

/// What `check` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// Structure only.
    Structure,
    /// Structure plus `--read-data-subset=n/t`.
    Subset {
        /// This run's part (1-based).
        n: u32,
        /// Parts per cycle.
        t: u32,
    },
}

/// The tag of a plan's backups: what drills, copies, `forget` and the status look at.
pub fn plan_tag(plan: &str) -> String {
    format!("plan={plan}")
}

/// The tag of the safety backups a restore takes of its target before overwriting it. A
/// group of their own: a one-database copy of a restore target is not a backup of the plan,
/// so drills never pick it, `forget` never keeps it in place of the plan's daily snapshot,
/// and offsite copies do not carry it.
pub fn safety_tag(plan: &str) -> String {
    format!("plan={plan}:pre-restore")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Restic {
    /// Whether a repository exists at the location (and the password opens it).
    pub async fn exists(&self, repo: &Repository) -> Result<bool, ResticError> {
        match self
            .run(repo, None, &args(&["cat", "config", "--no-lock"]), &[])
            .await
        {
            Ok(_) => Ok(true),
            Err(ResticError::NoRepository { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Creates the repository unless it exists; offsite ones copy the primary's chunker
    /// parameters so `restic copy` keeps deduplication.
    pub async fn ensure_initialised(
        &self,
        repo: &Repository,
        chunker_from: Option<&Repository>,
    ) -> Result<bool, ResticError> {
        if self.exists(repo).await? {
            return Ok(false);
        }
        let mut list = args(&["init"]);
        if chunker_from.is_some() {
            list.push("--copy-chunker-params".to_owned());
        }
        self.run(repo, chunker_from, &list, &[]).await?;
        tracing::info!(repository = %repo.name, location = %repo.redacted_url(), "repository initialised");
        Ok(true)
    }

    /// Backs `paths` up with `tags`, dated `time`. Exit code 3 (some files unreadable) still
    /// makes a snapshot: it is returned with `incomplete = true`.
    pub async fn backup(
        &self,
        repo: &Repository,
        paths: &[&Path],
        tags: &[String],
        time: DateTime<Utc>,
    ) -> Result<(BackupSummary, bool), ResticError> {
        let mut list = args(&["backup", "--json", "--host", SNAPSHOT_HOST, "--time"]);
        list.push(time.format("%Y-%m-%d %H:%M:%S").to_string());
        for tag in tags {
            list.push("--tag".to_owned());
            list.push(tag.clone());
        }
        if repo.limit_upload_kib > 0 {
            list.push("--limit-upload".to_owned());
            list.push(repo.limit_upload_kib.to_string());
        }
        for path in paths {
            list.push(path.display().to_string());
        }
        let output = self.run(repo, None, &list, &[3]).await?;
        let summary = output
            .stdout
            .lines()
            .rev()
            .filter(|l| l.contains("\"summary\""))
            .find_map(|l| serde_json::from_str::<BackupSummary>(l).ok())
            .ok_or_else(|| ResticError::Output {
                repository: repo.name.clone(),
                command: "backup".to_owned(),
                detail: "no summary line".to_owned(),
            })?;
        Ok((summary, output.code == 3))
    }

    /// Copies every snapshot of `plan` that `repo` lacks from `from` (restic skips those
    /// already copied), so snapshots made while an offsite was down reach it when it is back;
    /// returns the id of the copy of `snapshot`.
    pub async fn copy(
        &self,
        repo: &Repository,
        from: &Repository,
        plan: &str,
        snapshot: &str,
    ) -> Result<String, ResticError> {
        let mut list = args(&["copy", "--tag", &plan_tag(plan)]);
        if repo.limit_upload_kib > 0 {
            list.push("--limit-upload".to_owned());
            list.push(repo.limit_upload_kib.to_string());
        }
        self.run(repo, Some(from), &list, &[]).await?;
        // 0.14 prints "snapshot <new> saved" per copied snapshot, in no promised order, and
        // nothing for those already there: find the copy of `snapshot` by its `original`.
        let snapshots = self.snapshots(repo, &[plan_tag(plan)]).await?;
        snapshots
            .iter()
            .find(|s| {
                s.original
                    .as_deref()
                    .is_some_and(|o| o.starts_with(snapshot))
                    || s.id.starts_with(snapshot)
            })
            .map(|s| s.short_id.clone())
            .ok_or_else(|| ResticError::Output {
                repository: repo.name.clone(),
                command: "copy".to_owned(),
                detail: format!("snapshot {snapshot} not found after copying"),
            })
    }

    /// Snapshots carrying any of `tags` (all snapshots when empty), oldest first.
    pub async fn snapshots(
        &self,
        repo: &Repository,
        tags: &[String],
    ) -> Result<Vec<SnapshotInfo>, ResticError> {
        let mut list = args(&["snapshots", "--json", "--no-lock"]);
        // Each `--tag` is an alternative: a snapshot matches when it has any of them.
        for tag in tags {
            list.push("--tag".to_owned());
            list.push(tag.clone());
        }
        let output = self.run(repo, None, &list, &[]).await?;
        let mut snapshots: Vec<SnapshotInfo> =
            serde_json::from_str(output.stdout.trim()).map_err(|e| ResticError::Output {
                repository: repo.name.clone(),
                command: "snapshots".to_owned(),
                detail: e.to_string(),
            })?;
        snapshots.sort_by_key(|s| s.time);
        Ok(snapshots)
    }

    /// Applies `retention` to the snapshots tagged `tag` (one group: [`plan_tag`] or
    /// [`safety_tag`]); returns the ids removed.
    pub async fn forget(
        &self,
        repo: &Repository,
        tag: &str,
        retention: &Retention,
    ) -> Result<Vec<String>, ResticError> {
        let mut list = args(&["forget", "--json", "--group-by", "", "--tag"]);
        list.push(tag.to_owned());
        for (flag, value) in [
            ("--keep-last", retention.last),
            ("--keep-hourly", retention.hourly),
            ("--keep-daily", retention.daily),
            ("--keep-weekly", retention.weekly),
            ("--keep-monthly", retention.monthly),
            ("--keep-yearly", retention.yearly),
        ] {
            if value > 0 {
                list.push(flag.to_owned());
                list.push(value.to_string());
            }
        }
        let output = self.run(repo, None, &list, &[]).await?;
        let text = output.stdout.trim();
        if text.is_empty() || text == "null" {
            return Ok(Vec::new());
        }
        let groups: Vec<ForgetGroup> =
            serde_json::from_str(text).map_err(|e| ResticError::Output {
                repository: repo.name.clone(),
                command: "forget".to_owned(),
                detail: e.to_string(),
            })?;
        Ok(groups
            .into_iter()
            .flat_map(|g| g.remove.unwrap_or_default())
            .map(|s| s.short_id)
            .collect())
    }

    /// Frees the data no snapshot references (exclusive lock).
    pub async fn prune(&self, repo: &Repository) -> Result<(), ResticError> {
        self.run(repo, None, &args(&["prune"]), &[])
            .await
            .map(|_| ())
    }

    /// `check`, structure only or with a data subset.
    pub async fn check(&self, repo: &Repository, kind: CheckKind) -> Result<(), ResticError> {
        let mut list = args(&["check"]);
        if let CheckKind::Subset { n, t } = kind {
            list.push(format!("--read-data-subset={n}/{t}"));
        }
        self.run(repo, None, &list, &[]).await.map(|_| ())
    }

    /// Ids of the locks present, read without taking one.
    pub async fn locks(&self, repo: &Repository) -> Result<Vec<String>, ResticError> {
        let output = self
            .run(repo, None, &args(&["list", "locks", "--no-lock"]), &[])
            .await?;
        Ok(output
            .stdout
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// Removes stale locks only (restic's rule: older than 30 minutes, or made on this host by
    /// a process that no longer exists); live locks stay.
    pub async fn unlock_stale(&self, repo: &Repository) -> Result<(), ResticError> {
        self.run(repo, None, &args(&["unlock"]), &[])
            .await
            .map(|_| ())
    }

    /// Restores `snapshot` under `target`.
    pub async fn restore(
        &self,
        repo: &Repository,
        snapshot: &str,
        target: &Path,
    ) -> Result<(), ResticError> {
        let mut list = args(&["restore", snapshot, "--target"]);
        list.push(target.display().to_string());
        self.run(repo, None, &list, &[]).await.map(|_| ())
    }
}

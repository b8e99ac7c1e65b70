//! Directories (configuration and the like): restic backs them up as they are; the manifest
//! lists every regular file with its hash so a drill can prove the copy.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::DumpError;
use crate::file_error::FileError;
use crate::manifest::{Artefact, ArtefactKind, FileEntry};

/// Hashes every regular file under `path`.
pub async fn describe(source: &str, path: &Path) -> Result<Artefact, DumpError> {
    let root = path.to_owned();
    let name = source.to_owned();
    tokio::task::spawn_blocking(move || {
        let err = |detail: String| DumpError::Dump {
            source_name: name.clone(),
            detail,
        };
        if !root.is_dir() {
            return Err(err(format!("{} is not a directory", root.display())));
        }
        let mut files = Vec::new();
        walk(&root, &root, &mut files).map_err(|e| err(e.to_string()))?;
        files.sort_by(|a: &FileEntry, b| a.path.cmp(&b.path));
        let absolute = std::fs::canonicalize(&root).unwrap_or(root.clone());
        Ok(Artefact {
            source: name.clone(),
            kind: ArtefactKind::Directory,
            path: absolute.display().to_string(),
            size_bytes: files.iter().map(|f| f.size_bytes).sum(),
            sha256: String::new(),
            row_counts: Default::default(),
            source_version: String::new(),
            tool_version: String::new(),
            consistency: "files hashed before the backup".to_owned(),
            files,
        })
    })
    .await
    .map_err(|e| DumpError::Dump {
        source_name: source.to_owned(),
        detail: format!("task failed: {e}"),
    })?
}

/// Hashes every regular file under `dir` (relative paths to `root`).
pub fn walk(root: &Path, dir: &Path, out: &mut Vec<FileEntry>) -> Result<(), FileError> {
    let unreadable = |path: &Path| FileError::at("cannot read", path);
    for entry in std::fs::read_dir(dir).map_err(unreadable(dir))? {
        let entry = entry.map_err(unreadable(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(unreadable(&path))?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(&path).map_err(unreadable(&path))?;
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            out.push(FileEntry {
                path: relative,
                size_bytes: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(&bytes)),
            });
        }
    }
    Ok(())
}

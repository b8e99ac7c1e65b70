//! A file-system operation that failed, with the path it was about.

use std::path::{Path, PathBuf};

/// `<action> <path>: <why>`, e.g. `cannot create /var/lib/ofitec/stage: permission denied`.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct FileError {
    /// What was being done (`cannot read`, `writing`, …).
    pub action: &'static str,
    /// On what.
    pub path: PathBuf,
    /// Why it failed.
    pub source: std::io::Error,
}

impl FileError {
    /// For `map_err`: `.map_err(FileError::at("cannot read", &path))`.
    pub fn at(
        action: &'static str,
        path: &Path,
    ) -> impl FnOnce(std::io::Error) -> FileError + use<> {
        let path = path.to_owned();
        move |source| FileError {
            action,
            path,
            source,
        }
    }
}

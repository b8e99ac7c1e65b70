//! Text that must never be printed: passwords, tokens, signing keys, URLs with credentials.
//! The one secret type of the workspace.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

/// A secret string. `Debug` and `Display` print `[redacted]`; only [`Secret::expose`] gives
/// the value, so every use is visible in review.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// Why a secret could not be read. Names where it was looked for, never the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file could not be read.
    #[error("cannot read the secret file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("the secret file {0} is not UTF-8 text")]
    FileNotText(PathBuf),
    /// The environment variable is unset.
    #[error("the environment variable {0} is not set")]
    EnvMissing(String),
    /// The environment variable is not Unicode.
    #[error("the environment variable {0} is not valid Unicode")]
    EnvNotText(String),
}

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Reads a secret from a file. One trailing line end (LF or CRLF) is dropped, since
    /// editors and `echo` add one; other whitespace is kept: it may be part of the secret.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Secret, SecretError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| SecretError::File {
            path: path.to_owned(),
            source,
        })?;
        let mut text =
            String::from_utf8(bytes).map_err(|_| SecretError::FileNotText(path.to_owned()))?;
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        Ok(Secret(text))
    }

    /// Reads a secret from an environment variable.
    pub fn from_env(var: &str) -> Result<Secret, SecretError> {
        match std::env::var(var) {
            Ok(value) => Ok(Secret(value)),
            Err(std::env::VarError::NotPresent) => Err(SecretError::EnvMissing(var.to_owned())),
            Err(std::env::VarError::NotUnicode(_)) => Err(SecretError::EnvNotText(var.to_owned())),
        }
    }

    /// The value: hand it to a driver or a child's environment, never to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(
            format!("{s} {s:?} {s:#?}"),
            "[redacted] [redacted] [redacted]"
        );
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn file_drops_one_line_end_only() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("ofitec-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("pw");
        std::fs::write(&path, " spaced pw \r\n")?;
        assert_eq!(Secret::from_file(&path)?.expose(), " spaced pw ");
        std::fs::write(&path, "a\n\n")?;
        assert_eq!(Secret::from_file(&path)?.expose(), "a\n");
        let missing = Secret::from_file(dir.join("nope"));
        assert!(matches!(missing, Err(SecretError::File { .. })));
        std::fs::write(&path, b"\xff\xfe")?;
        let err = Secret::from_file(&path).err().map(|e| e.to_string());
        assert!(err.is_some_and(|m| m.contains("not UTF-8") && !m.contains('\u{fffd}')));
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn env_missing_names_the_variable() {
        let err = Secret::from_env("OFITEC_SURELY_UNSET_SECRET_VAR");
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some("the environment variable OFITEC_SURELY_UNSET_SECRET_VAR is not set")
        );
    }
}

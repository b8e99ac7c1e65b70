//! Where a plan's secrets come from: a file or an environment variable, never the YAML.

use std::path::PathBuf;

use ofitec_domain::Secret;
use serde::Deserialize;

/// Why a secret could not be read (never its value).
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file could not be read.
    #[error("cannot read secret file {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The variable is not set (or not UTF-8).
    #[error("environment variable {0} is not set")]
    Env(String),
}

/// A source that names neither or both of `file` and `env`.
#[derive(Debug, thiserror::Error)]
#[error("give exactly one of `file` or `env`")]
pub struct AmbiguousSource;

/// Where a secret comes from: a file or an environment variable, never the YAML itself.
/// Written `{ file: /path }` or `{ env: VAR }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SecretSourceSpec")]
pub enum SecretSource {
    /// Read from this file (first line, trailing newline removed) when needed.
    File(PathBuf),
    /// Read from this environment variable of the agent.
    Env(String),
}

impl SecretSource {
    /// Reads the secret now (so a rotated file is picked up at the next run).
    pub fn read(&self) -> Result<Secret, SecretError> {
        match self {
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map(|text| Secret::new(text.trim_end_matches(['\n', '\r'])))
                .map_err(|source| SecretError::File {
                    path: path.clone(),
                    source,
                }),
            SecretSource::Env(var) => std::env::var(var)
                .map(Secret::new)
                .map_err(|_| SecretError::Env(var.clone())),
        }
    }

    /// Where it comes from, for messages (never the value).
    pub fn describe(&self) -> String {
        match self {
            SecretSource::File(path) => format!("file {}", path.display()),
            SecretSource::Env(var) => format!("environment variable {var}"),
        }
    }
}

/// The YAML form of a [`SecretSource`] (serde_yaml wants tags for enums; a map reads better).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretSourceSpec {
    #[serde(default)]
    file: Option<PathBuf>,
    #[serde(default)]
    env: Option<String>,
}

impl TryFrom<SecretSourceSpec> for SecretSource {
    type Error = AmbiguousSource;
    fn try_from(spec: SecretSourceSpec) -> Result<Self, Self::Error> {
        match (spec.file, spec.env) {
            (Some(file), None) => Ok(SecretSource::File(file)),
            (None, Some(var)) => Ok(SecretSource::Env(var)),
            _ => Err(AmbiguousSource),
        }
    }
}

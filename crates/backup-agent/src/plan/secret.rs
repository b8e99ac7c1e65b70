//! Secrets that never print: repository passwords and database URLs.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

/// A text that must not reach logs, errors, metrics or the catalog.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `text`.
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret itself: hand it to a child's environment or a driver, never to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

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
    pub fn read(&self) -> Result<Secret, String> {
        match self {
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map(|text| Secret(text.trim_end_matches(['\n', '\r']).to_owned()))
                .map_err(|e| format!("cannot read secret file {}: {e}", path.display())),
            SecretSource::Env(var) => std::env::var(var)
                .map(Secret)
                .map_err(|_| format!("environment variable {var} is not set")),
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
    type Error = String;
    fn try_from(spec: SecretSourceSpec) -> Result<Self, Self::Error> {
        match (spec.file, spec.env) {
            (Some(file), None) => Ok(SecretSource::File(file)),
            (None, Some(var)) => Ok(SecretSource::Env(var)),
            _ => Err("give exactly one of `file` or `env`".to_owned()),
        }
    }
}

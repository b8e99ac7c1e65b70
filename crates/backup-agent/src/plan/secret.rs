//! Where a plan's secrets come from: a file or an environment variable, never the YAML.

use std::path::PathBuf;

use ofitec_domain::Secret;
use serde::Deserialize;

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
                .map(|text| Secret::new(text.trim_end_matches(['\n', '\r'])))
                .map_err(|e| format!("cannot read secret file {}: {e}", path.display())),
            SecretSource::Env(var) => std::env::var(var)
                .map(Secret::new)
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

//! The external programs the agent drives, found on a search path. A missing tool does not
//! stop the agent: it is reported in status and metrics, and work that needs it fails with a
//! message that says how to install it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every tool the agent looks for (also the `tool` label of `backup_tool_missing`).
pub const TOOLS: &[&str] = &["restic", "pg_dump", "pg_restore"];

/// Tools found at start.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    found: BTreeMap<String, PathBuf>,
    missing: Vec<String>,
}

impl Tools {
    /// Looks every tool up in `search_path` (`PATH` syntax), or in `$PATH` when `None`.
    pub fn discover(search_path: Option<&str>) -> Tools {
        let path = search_path
            .map(str::to_owned)
            .or_else(|| std::env::var("PATH").ok())
            .unwrap_or_default();
        let mut tools = Tools::default();
        for tool in TOOLS {
            match find_in(&path, tool) {
                Some(found) => {
                    tools.found.insert((*tool).to_owned(), found);
                }
                None => tools.missing.push((*tool).to_owned()),
            }
        }
        tools
    }

    /// The tool's path, or an error naming the package that provides it.
    pub fn get(&self, tool: &str) -> Result<&Path, MissingTool> {
        self.found
            .get(tool)
            .map(PathBuf::as_path)
            .ok_or_else(|| MissingTool(tool.to_owned()))
    }

    /// Tools that were not found.
    pub fn missing(&self) -> &[String] {
        &self.missing
    }
}

/// A tool the agent needs is not installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not installed (not found on the agent's tool path); {hint}", hint = install_hint(.0))]
pub struct MissingTool(pub String);

/// How to install a tool on Debian/Ubuntu.
pub fn install_hint(tool: &str) -> &'static str {
    match tool {
        "restic" => "install it with `apt-get install restic`",
        "pg_dump" | "pg_restore" => {
            "install it with `apt-get install postgresql-client` (same major version as the server)"
        }
        _ => "install it",
    }
}

fn find_in(path: &str, tool: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(tool))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

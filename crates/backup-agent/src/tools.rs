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

/// The last meaningful lines of a tool's error output, bounded (for messages).
pub fn tail(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let start = lines.len().saturating_sub(3);
    let joined = lines[start..].join(" | ");
    if joined.len() > 600 {
        let mut end = 600;
        while !joined.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &joined[..end])
    } else if joined.is_empty() {
        "no error output".to_owned()
    } else {
        joined
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

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\n\nb\nc\nd\n"), "b | c | d");
        assert_eq!(tail(""), "no error output");
    }
}

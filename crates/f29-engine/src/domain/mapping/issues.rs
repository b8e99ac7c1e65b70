//! Problems found in a mapping document, each located by path and line.

use std::fmt;

use crate::domain::yaml_lines::{Seg, display_path, line_of};

/// One problem in a mapping document, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingIssue {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Path of the offending value (`rules[3].amounts[0].sign`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for MappingIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.path.is_empty()) {
            (Some(line), false) => write!(f, "line {line} ({}): {}", self.path, self.message),
            (Some(line), true) => write!(f, "line {line}: {}", self.message),
            (None, false) => write!(f, "{}: {}", self.path, self.message),
            (None, true) => f.write_str(&self.message),
        }
    }
}

/// Why a mapping document was rejected: every problem found, each with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MappingError {
    /// The problems, in document order.
    pub issues: Vec<MappingIssue>,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid mapping: ")?;
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

/// Most problems reported (and located) for one document.
pub const MAX_REPORTED: usize = 50;

/// Collects issues with their paths; lines are resolved at the end.
pub(super) struct Issues {
    pub(super) found: Vec<(Vec<Seg>, String)>,
}

impl Issues {
    pub(super) fn push(&mut self, path: Vec<Seg>, message: impl Into<String>) {
        let entry = (path, message.into());
        if !self.found.contains(&entry) {
            self.found.push(entry);
        }
    }

    pub(super) fn finish(self, text: &str) -> Result<(), MappingError> {
        if self.found.is_empty() {
            return Ok(());
        }
        // Locating a line costs a parse; a document wrong everywhere is reported by its
        // first problems, which is what a person fixes first anyway.
        let total = self.found.len();
        let mut issues: Vec<MappingIssue> = self
            .found
            .into_iter()
            .take(MAX_REPORTED)
            .map(|(path, message)| MappingIssue {
                line: line_of(text, &path),
                path: display_path(&path),
                message,
            })
            .collect();
        if total > MAX_REPORTED {
            issues.push(MappingIssue {
                line: None,
                path: String::new(),
                message: format!("… and {} more problems", total - MAX_REPORTED),
            });
        }
        Err(MappingError { issues })
    }
}

pub(super) fn rule_path(i: usize) -> Vec<Seg> {
    vec![Seg::key("rules"), Seg::Index(i)]
}

pub(super) fn with(mut path: Vec<Seg>, more: &[Seg]) -> Vec<Seg> {
    path.extend_from_slice(more);
    path
}

//! A row that could not be read, reported while the valid rows are kept.

use std::fmt;

/// Where and why one row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// CSV: the 1-based line in the file (the header is line 1). JSON: the 1-based
    /// position of the row in `data`.
    pub line: u64,
    /// The column (CSV header name, or JSON field name), when one field is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column `{column}`: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for RowError {}

//! The rows SII's CSV format refused, gathered over every file so that the command can end
//! with one summary of them: an F29 computed from an incomplete register must not look
//! like a clean one (the command fails unless `--allow-refused` is given).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use sii_client::rcv::RowError;

/// How many refused rows the summary lists before it only counts the rest.
const LISTED: usize = 20;

/// The refused rows of every file read, in reading order.
#[derive(Debug, Default)]
pub struct RefusedRows {
    files: Vec<(PathBuf, Vec<RowError>)>,
}

impl RefusedRows {
    /// Records the refused rows of one file (nothing when there are none).
    pub fn add(&mut self, path: &Path, errors: &[RowError]) {
        if !errors.is_empty() {
            self.files.push((path.to_path_buf(), errors.to_vec()));
        }
    }

    /// How many rows were refused in all (a row with several bad fields counts once).
    pub fn count(&self) -> usize {
        self.files
            .iter()
            .map(|(_, errors)| {
                let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
                lines.sort_unstable();
                lines.dedup();
                lines.len()
            })
            .sum()
    }

    /// How many problems were found (one per bad field).
    fn problems(&self) -> usize {
        self.files.iter().map(|(_, errors)| errors.len()).sum()
    }

    /// The summary printed at the end of the command; `None` when no row was refused.
    pub fn summary(&self, allowed: bool) -> Option<String> {
        let count = self.count();
        if count == 0 {
            return None;
        }
        let mut text = format!(
            "{count} row{} refused in {} file{}; {} not in the declaration:\n",
            if count == 1 { "" } else { "s" },
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" },
            if count == 1 { "it is" } else { "they are" },
        );
        let (problems, mut listed) = (self.problems(), 0);
        for (path, errors) in &self.files {
            for error in errors {
                if listed == LISTED {
                    break;
                }
                let _ = writeln!(text, "  {}: {error}", path.display());
                listed += 1;
            }
        }
        if problems > listed {
            let _ = writeln!(text, "  … and {} more", problems - listed);
        }
        text.push_str(if allowed {
            "--allow-refused: computed without them.\n"
        } else {
            "Fix or remove those rows, or give --allow-refused to accept a declaration without them.\n"
        });
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: u64, column: Option<&str>) -> RowError {
        RowError {
            line,
            column: column.map(str::to_owned),
            message: "bad".into(),
        }
    }

    #[test]
    fn nothing_refused_means_no_summary() {
        let mut refused = RefusedRows::default();
        refused.add(Path::new("a.csv"), &[]);
        assert_eq!(refused.summary(false), None);
        assert_eq!(refused.count(), 0);
    }

    #[test]
    fn the_summary_names_file_line_and_column() {
        let mut refused = RefusedRows::default();
        refused.add(Path::new("ventas.csv"), &[error(3, Some("Folio"))]);
        refused.add(Path::new("compras.csv"), &[error(7, None)]);
        let text = refused.summary(false).unwrap_or_default();
        assert!(
            text.starts_with("2 rows refused in 2 files; they are not in the declaration:\n"),
            "{text}"
        );
        assert!(
            text.contains("  ventas.csv: line 3, column `Folio`: bad\n"),
            "{text}"
        );
        assert!(text.contains("  compras.csv: line 7: bad\n"), "{text}");
        assert!(text.contains("--allow-refused to accept"), "{text}");
        let allowed = refused.summary(true).unwrap_or_default();
        assert!(allowed.ends_with("--allow-refused: computed without them.\n"));
    }

    #[test]
    fn a_row_with_several_bad_fields_counts_once() {
        let mut refused = RefusedRows::default();
        refused.add(
            Path::new("c.csv"),
            &[error(4, Some("Folio")), error(4, Some("Fecha Docto"))],
        );
        assert_eq!(refused.count(), 1);
        let text = refused.summary(false).unwrap_or_default();
        assert!(
            text.starts_with("1 row refused in 1 file; it is not"),
            "{text}"
        );
        assert_eq!(text.matches("  c.csv: line 4").count(), 2, "{text}");
    }

    #[test]
    fn a_long_list_is_cut() {
        let mut refused = RefusedRows::default();
        let errors: Vec<RowError> = (2..=31).map(|line| error(line, None)).collect();
        refused.add(Path::new("v.csv"), &errors);
        let text = refused.summary(false).unwrap_or_default();
        assert_eq!(text.matches("  v.csv: line").count(), LISTED);
        assert!(text.contains("… and 10 more"), "{text}");
    }
}

//! The export methods: `data` is a list of CSV lines, header first.

use super::RcvError;
use super::envelope::{self, Answer};
use crate::rcv::csv::{self, CsvOutcome};
use crate::rcv::request::RcvQuery;

/// Parses an export answer into its CSV lines.
pub fn parse_export(bytes: &[u8]) -> Result<Answer<Vec<String>>, RcvError> {
    let (answer, data) = envelope::read(bytes)?;
    let lines = envelope::rows(data)?
        .into_iter()
        .map(|line| match line {
            serde_json::Value::String(s) => Ok(s),
            other => Err(RcvError::Malformed(format!(
                "export line is not text: {other}"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Answer {
        status: answer.status,
        modified_at: answer.modified_at,
        message: answer.message,
        items: lines,
    })
}

/// Parses an export answer straight into documents with the CSV parser. An answer with
/// no lines (empty period) gives no documents.
pub fn parse_export_documents(
    bytes: &[u8],
    query: &RcvQuery,
) -> Result<Answer<Option<CsvOutcome>>, RcvError> {
    let answer = parse_export(bytes)?;
    let outcome = if answer.items.is_empty() {
        None
    } else {
        let joined = answer.items.join("\n");
        Some(
            csv::parse_reader(joined.as_bytes(), query.company, query.period, query.state)
                .map_err(|e| RcvError::Malformed(format!("export CSV: {e}")))?,
        )
    };
    Ok(Answer {
        status: answer.status,
        modified_at: answer.modified_at,
        message: answer.message,
        items: outcome,
    })
}

//! Parsing decoded text with the options every module here uses.

use roxmltree::{Document, ParsingOptions};

/// The document is not well-formed XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed XML: {0}")]
pub struct XmlError(pub String);

/// Upper bound on nodes, so hostile input cannot exhaust memory. Generous: a 200,000-line
/// DTE batch stays far below it.
const NODES_LIMIT: u32 = 5_000_000;

/// Parses a document. Internal DTD subsets are allowed because C14N must expand their
/// entities; `roxmltree` itself guards against entity expansion bombs.
pub fn parse(text: &str) -> Result<Document<'_>, XmlError> {
    let options = ParsingOptions {
        allow_dtd: true,
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|e| XmlError(e.to_string()))
}

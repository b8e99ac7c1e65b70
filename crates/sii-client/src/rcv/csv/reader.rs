//! Streaming: an iterator over documents, continuation rows merged into the document they
//! continue, invalid rows reported in place.

use std::collections::VecDeque;
use std::io::Read;

use ofitec_domain::rcv::{PurchaseState, RcvDocument};
use ofitec_domain::{Period, Rut};

use super::Layout;
use super::records::Records;
use super::row::{Parsed, RowContext};
use super::text::Encoding;
use crate::rcv::RowError;

/// Why a file (or a row) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// Not even a header row.
    #[error("empty CSV: no header row")]
    Empty,
    /// The header is none of SII's five layouts.
    #[error("unknown RCV CSV header `{0}`")]
    UnknownHeader(String),
    /// The bytes could not be read (I/O, or a record the CSV reader refuses).
    #[error("cannot read the CSV: {0}")]
    Read(String),
    /// One row is invalid; reading goes on.
    #[error(transparent)]
    Row(#[from] RowError),
}

/// Everything a file held.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOutcome {
    /// The layout recognised from the header.
    pub layout: Layout,
    /// The valid documents, in file order.
    pub documents: Vec<RcvDocument>,
    /// The refused rows.
    pub errors: Vec<RowError>,
}

/// Reads a whole file: valid documents and row errors; fails only when the file is not an
/// RCV CSV or cannot be read.
pub fn parse_reader<R: Read>(
    reader: R,
    company: Rut,
    period: Period,
    state_hint: Option<PurchaseState>,
) -> Result<CsvOutcome, CsvError> {
    let mut rows = CsvReader::new(reader, company, period, state_hint)?;
    let mut outcome = CsvOutcome {
        layout: rows.layout(),
        documents: Vec::new(),
        errors: Vec::new(),
    };
    for item in &mut rows {
        match item {
            Ok(doc) => outcome.documents.push(doc),
            Err(CsvError::Row(error)) => outcome.errors.push(error),
            Err(other) => return Err(other),
        }
    }
    Ok(outcome)
}

/// The streaming form: `Item = Result<RcvDocument, CsvError>`, where
/// [`CsvError::Row`] reports a refused row and any other error ends the stream. Memory
/// stays constant whatever the file size (one pending document and one read buffer).
pub struct CsvReader<R: Read> {
    records: Records<R>,
    context: RowContext,
    /// The last document, held until we know no continuation row follows.
    pending: Option<RcvDocument>,
    /// Errors to hand out before reading on (a row may have several).
    errors: VecDeque<CsvError>,
    done: bool,
}

impl<R: Read> std::fmt::Debug for CsvReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvReader")
            .field("layout", &self.context.layout)
            .finish_non_exhaustive()
    }
}

impl<R: Read> CsvReader<R> {
    /// Reads the header and recognises the layout. `state_hint` overrides the purchase
    /// state the layout implies (the REGISTRO-shaped export of another state, say).
    pub fn new(
        reader: R,
        company: Rut,
        period: Period,
        state_hint: Option<PurchaseState>,
    ) -> Result<CsvReader<R>, CsvError> {
        let mut records = Records::new(reader);
        let header = records
            .next_record()
            .map_err(|e| CsvError::Read(e.to_string()))?
            .ok_or(CsvError::Empty)?;
        let mut encoding = Encoding::default();
        let names: Vec<String> = header
            .fields()
            .enumerate()
            .map(|(i, f)| {
                let f = if i == 0 {
                    f.strip_prefix(b"\xef\xbb\xbf").unwrap_or(f)
                } else {
                    f
                };
                encoding.decode(f).into_owned()
            })
            .collect();
        let layout = Layout::detect(&names).ok_or_else(|| {
            let seen = names.join(";");
            CsvError::UnknownHeader(seen.chars().take(200).collect())
        })?;
        Ok(CsvReader {
            records,
            context: RowContext::new(layout, company, period, state_hint),
            pending: None,
            errors: VecDeque::new(),
            done: false,
        })
    }

    /// The layout recognised from the header.
    pub fn layout(&self) -> Layout {
        self.context.layout
    }

    /// Reads records until a document is complete (the next one began, or the input
    /// ended) or an error is found.
    fn read_on(&mut self) -> Option<Result<RcvDocument, CsvError>> {
        loop {
            if self.done {
                // The last document goes out before a read error found after it.
                return match self.pending.take() {
                    Some(doc) => Some(Ok(doc)),
                    None => self.errors.pop_front().map(Err),
                };
            }
            let record = match self.records.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => {
                    self.done = true;
                    continue;
                }
                Err(e) => {
                    self.done = true;
                    self.errors.push_back(CsvError::Read(e.to_string()));
                    continue;
                }
            };
            let line = record.line;
            match self.context.parse(&record) {
                Ok(Parsed::Blank) => {}
                Ok(Parsed::Document(doc)) => {
                    if let Some(previous) = self.pending.replace(doc) {
                        return Some(Ok(previous));
                    }
                }
                Ok(Parsed::Continuation {
                    tipo_dte,
                    folio,
                    counterpart,
                    tax,
                }) => match self.pending.as_mut() {
                    Some(doc)
                        if doc.tipo_dte == tipo_dte
                            && doc.folio == folio
                            && doc.counterpart == Some(counterpart) =>
                    {
                        doc.other_taxes.push(tax);
                    }
                    _ => {
                        return Some(Err(CsvError::Row(RowError {
                            line,
                            column: None,
                            message: format!(
                                "other-tax row for {tipo_dte}/{folio}/{counterpart} does not follow that document"
                            ),
                        })));
                    }
                },
                Err(errors) => {
                    let mut errors = errors.into_iter().map(CsvError::Row);
                    let first = errors.next();
                    self.errors.extend(errors);
                    if first.is_some() {
                        return first.map(Err);
                    }
                }
            }
        }
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<RcvDocument, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.errors.pop_front() {
            Some(error) => Some(Err(error)),
            None => self.read_on(),
        }
    }
}

#[cfg(test)]
mod tests;

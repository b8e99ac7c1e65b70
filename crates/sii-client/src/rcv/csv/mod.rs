//! SII's RCV CSV exports (docs/reference/sii.md#rcv-csv-exports), streamed.
//!
//! * `records`: SII's CSV dialect split into records and fields, in place;
//! * `layout`: the five header rows (compras REGISTRO 27 columns, NO_INCLUIR 24,
//!   RECLAMADO 24, PENDIENTE 23, ventas 43) and what each column means;
//! * `text`: field decoding (UTF-8 or Latin-1, detected), nulls (`-`, empty, `null`);
//! * `row`: one record into a document, or into an "other tax" continuation;
//! * `reader`: the streaming iterator that merges continuation rows, and
//!   [`parse_reader`], which collects documents and row errors.
//!
//! The file names neither the company nor the period: they are parameters.

mod layout;
mod reader;
mod records;
mod row;
mod text;

pub use layout::Layout;
pub use reader::{CsvError, CsvOutcome, CsvReader, parse_reader};

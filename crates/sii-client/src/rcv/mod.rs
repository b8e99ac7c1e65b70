//! The RCV (Registro de Compras y Ventas) as SII's web app serves it
//! (docs/reference/sii.md#rcv-facade, docs/reference/sii.md#rcv-csv-exports):
//!
//! * [`request`]: the JSON facade requests (URL path, headers, body) per [`FacadeMethod`];
//! * [`response`]: the facade's answers — envelope and `codRespuesta`, summary rows, detail
//!   rows into [`ofitec_domain::rcv::RcvDocument`], the export methods' CSV lines;
//! * [`csv`]: the streaming parser for SII's five CSV layouts (downloads and export lines);
//! * [`RowError`]: a refused row (line, column, message), reported while the rest is kept;
//! * `reference`: the reference fields both formats share, which never refuse a document;
//! * `value`: the tolerant number/date readers both formats share.

pub mod csv;
mod method;
mod reference;
pub mod request;
pub mod response;
mod row_error;
mod value;

pub use method::FacadeMethod;
pub use row_error::RowError;

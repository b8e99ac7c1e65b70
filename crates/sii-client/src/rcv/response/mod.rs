//! The facade's answers. Every call returns the same envelope:
//! `{"data": …, "dataCabecera": {"dcvFecModificacion": …}, "respEstado": {"codRespuesta": …,
//! "msgeRespuesta": …, "codError": …}}`; `envelope` reads it and turns `codRespuesta` into a
//! status or an [`RcvError`]; `summary`, `detail` and `export` read `data`.

mod detail;
mod envelope;
mod error;
mod export;
mod names;
mod summary;

pub use detail::{Detalle, parse_detalle};
pub use envelope::{Answer, RcvStatus};
pub use error::RcvError;
pub use export::{parse_export, parse_export_documents};
pub use summary::{Resumen, SummaryRow, parse_resumen};

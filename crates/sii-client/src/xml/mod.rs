//! Reading XML as SII sends it: bytes in UTF-8, ISO-8859-1 or windows-1252, decoded
//! according to the XML declaration, then parsed with `roxmltree`.

mod decode;
pub(crate) mod html;
mod parse;

pub use decode::{DecodeError, decode};
pub use parse::{XmlError, parse};

//! The OFITEC vocabulary, shared by every crate: values that are valid once built and carry no
//! I/O. sii-client parses SII's files into them, the services store and exchange them, the
//! contract crate converts them to and from protobuf.
//!
//! * [`Rut`], [`Period`], [`Clp`]: validated newtypes.
//! * [`rcv`]: the RCV document as the platform understands it.
//! * [`identity`]: roles and the caller a request acts for.
//! * [`ErrorCode`]: every stable error code a client can see.
//! * [`secret`] and [`redact`]: values that never print, and URLs shown without credentials.

mod error_code;
pub mod identity;
mod money;
mod period;
pub mod rcv;
pub mod redact;
mod rut;
pub mod secret;

pub use error_code::ErrorCode;
pub use money::Clp;
pub use period::{Period, PeriodError};
pub use rut::{Rut, RutError, check_digit};
pub use secret::Secret;

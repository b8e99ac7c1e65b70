//! Every conversion between the wire (`ofitec.*.v1`) and the domain (`ofitec_domain`), in both
//! directions. A service converts only its own types (store rows, job rows) itself; the
//! vocabulary they share is converted here, once.
//!
//! * Domain → wire cannot fail: `From` impls and plain functions.
//! * Wire → domain can: `TryFrom` impls and functions that take the field's name, returning a
//!   [`ConvertError`] that names the field and the value, and carries the stable
//!   [`ErrorCode`](ofitec_domain::ErrorCode) a refusal answers with.
//!
//! * `error`: [`ConvertError`].
//! * `values`: RUTs and periods (text on the wire).
//! * `time`: instants, SII's local times and dates (text on the wire, `""` when absent).
//! * `rcv`: registers, purchase states, transaction types and the RCV document.

mod error;
mod rcv;
mod time;
mod values;

pub use error::{ConvertError, Problem};
pub use rcv::{operation, purchase_state, required_operation, transaction_type};
pub use time::{date, date_from_pb, instant, instant_from_pb, local_time, local_time_from_pb};
pub use values::{optional_rut, period, rut};

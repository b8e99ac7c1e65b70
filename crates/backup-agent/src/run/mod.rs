//! Backup runs: one at a time per plan ([`coordinator`]), each a fixed sequence of steps
//! ([`pipeline`]): dump → verify → manifest → primary → offsite copies → catalog.

pub mod coordinator;
pub mod pipeline;

pub use crate::agent::RunTicket;
pub use crate::reason::Reason;
pub use coordinator::start;

//! Backup runs: one at a time per plan ([`coordinator`]), each a fixed sequence of steps
//! ([`pipeline`]): dump → verify → manifest → primary → offsite copies → catalog.

pub mod coordinator;
pub mod pipeline;
mod reason;

pub use coordinator::RunTicket;
pub use reason::Reason;

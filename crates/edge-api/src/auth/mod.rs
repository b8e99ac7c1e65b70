//! Who may do what: bearer JWTs and API keys, roles, company scoping.

pub mod api_keys;
pub mod config;
pub mod extract;
pub mod jwt;
pub mod principal;
pub mod state;

pub use extract::{Admin, AuditCompanies, Authorized, Operator, StreamViewer, Viewer};
pub use principal::Principal;
pub use state::AuthState;

//! The HTTP side: calling SII with deadlines and SII's retry rules, caching tokens, and
//! downloading registers. Built on the pure modules; the service supplies an [`Observer`]
//! for its metrics.

mod auth;
mod config;
mod error;
mod observer;
mod rcv;
mod tokens;
mod transport;

pub use auth::Authenticator;
pub use config::ClientConfig;
pub use error::SiiError;
pub use observer::{NoObserver, Observer};
pub use rcv::{Progress, RcvClient, RegisterFetch};
pub use tokens::{TokenCache, TokenSource, TokenStatus};
pub use transport::Transport;

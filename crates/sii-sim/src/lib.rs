//! sii-sim: a faithful simulator of SII's authentication (CrSeed/GetTokenFromSeed) and RCV
//! services, for development, tests and benchmarks. Never published outside the host.

mod app;
pub mod config;

pub use app::Application;
pub use config::Config;

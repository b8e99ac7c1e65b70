//! sii-sim: a faithful simulator of SII's authentication (CrSeed/GetTokenFromSeed) and RCV
//! services, for development, tests and benchmarks. Never published outside the host.
//!
//! One HTTP listener (loopback, port 50060 by default) serves:
//! * `POST /DTEWS/CrSeed.jws`, `POST /DTEWS/GetTokenFromSeed.jws` ([`soap`]): seeds,
//!   signature verification with sii-client's verifier, certificate and enrolment checks,
//!   SII's ESTADO codes and answer shapes;
//! * `POST /consdcvinternetui/services/data/facadeService/<method>` ([`rcv`]): the RCV
//!   facade over deterministic synthetic registers ([`data`]), checked like SII checks;
//! * `/admin/…` ([`admin`], loopback callers only): faults ([`faults`]), stats, reset,
//!   clock, revisions, volumes, ground truth;
//! * `GET /health`, `GET /metrics`.
//!
//! Request flow: `app` routes → `simulate` applies the fault rules of the endpoint →
//! the handler builds a [`reply::Reply`] → stats and metrics count its outcome.
//!
//! [`devcert`] makes the development certificate `make run` signs getToken with.

pub mod admin;
mod app;
pub mod clock;
pub mod config;
pub mod data;
pub mod devcert;
pub mod faults;
pub mod rcv;
pub mod reply;
pub mod soap;
pub mod state;
pub mod stats;

pub use app::{Application, router};
pub use config::Config;

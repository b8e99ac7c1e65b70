//! Authentication with a certificate (docs/reference/sii.md#authentication): seed → signed seed →
//! token, as pure functions. The HTTP client posts [`seed_envelope`] to [`Environment::seed_url`],
//! parses the answer with [`parse_seed_response`], signs it with [`signed_token_request`], posts
//! [`token_envelope`] to [`Environment::token_url`] with [`SOAP_HEADERS`], and parses
//! [`parse_token_response`]. Every failure is an [`AuthError`] whose
//! [`advice`](AuthError::advice) says whether and how to retry.
//!
//! * `types`: [`Seed`], [`Token`] (never printed);
//! * `envelope`: the hand-built SOAP 1.1 requests;
//! * `response`: tolerant parsing (escaped or CDATA payloads, any prefix, any order), HTML
//!   and SOAP Fault detection, [`parse_respuesta`] for any SII `RESPUESTA`;
//! * `error`: ESTADO codes as types, and [`RetryAdvice`].
//!
//! [`Environment::seed_url`]: crate::Environment::seed_url
//! [`Environment::token_url`]: crate::Environment::token_url

mod envelope;
mod error;
mod response;
mod types;

pub use envelope::{SOAP_HEADERS, seed_envelope, signed_token_request, token_envelope};
pub use error::{AuthError, RetryAdvice, SeedFailure, TokenFailure};
pub use response::{Respuesta, parse_respuesta, parse_seed_response, parse_token_response};
pub use types::{Seed, Token};

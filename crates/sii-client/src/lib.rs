//! Talking to SII (Servicio de Impuestos Internos) the way SII expects. Everything but
//! [`client`] is pure (no sockets, no clocks, no files except where a path is handed in);
//! [`client`] is the HTTP side built on top: deadlines, SII's retry rules, the token cache
//! and manual sessions, register downloads.
//!
//! Layout, in the order a request flows:
//! * [`environment`]: which SII (simulator, certification `maullin`, production `palena`)
//!   and the URLs each call goes to.
//! * [`cert`]: PKCS#12 loading (OpenSSL 3 and legacy files), choosing the valid key pair,
//!   the holder's RUT, validity.
//! * [`xml`]: bytes → text by the declared encoding (UTF-8, ISO-8859-1, windows-1252) →
//!   `roxmltree` document.
//! * [`c14n`]: inclusive Canonical XML 1.0, whole documents and subtrees in context.
//! * [`dsig`]: XML-DSig as docs/reference/sii.md#xml-signature fixes it: signing `getToken` (and
//!   any enveloped document), verifying `URI=""` and `#ID` references with a precise failure.
//! * [`auth`]: the getSeed / getToken SOAP envelopes, tolerant response parsing, every
//!   ESTADO code as a typed error with [`auth::RetryAdvice`].
//! * [`rcv`]: the RCV JSON facade (request building, response parsing into
//!   [`ofitec_domain::rcv::RcvDocument`]) and the streaming CSV parser for SII's exports.

pub mod auth;
pub mod c14n;
pub mod cert;
pub mod client;
pub mod dsig;
pub mod environment;
pub mod rcv;
pub mod xml;

pub use environment::Environment;

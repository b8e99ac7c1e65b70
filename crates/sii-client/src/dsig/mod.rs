//! XML-DSig as SII requires it (docs/reference/sii.md#xml-signature): inclusive C14N 1.0, RSA-SHA1,
//! SHA-1 digests, `KeyInfo` = `KeyValue/RSAKeyValue` then `X509Data/X509Certificate`.
//!
//! * `sign`: enveloped signatures with `Reference URI=""` (the getToken request, and any
//!   document signed as a whole);
//! * `verify`: `URI=""` and `URI="#ID"` references, with the enveloped-signature transform,
//!   a C14N transform or none; each failure is a distinct [`DsigError`];
//! * `algorithms`: the URIs; `base64`: lenient decoding of wrapped base64; `error`.

mod algorithms;
mod base64;
mod error;
mod keyinfo;
mod reference;
mod sign;
mod verify;

pub use algorithms::*;
pub use error::{DsigError, SignError};
pub use sign::sign_enveloped;
pub use verify::{VerifiedSignature, verify, verify_document};

//! Signing certificates: PKCS#12 files as Chilean issuers and OpenSSL export them.
//!
//! * `pkcs12`: decoding (OpenSSL 3 PBES2/AES-256 + SHA-256 MAC, legacy 3DES/RC2-40 + SHA-1
//!   MAC) and choosing the pair to sign with;
//! * `x509`: what we read from a certificate (public key, RUT, validity);
//! * `error`: one variant per thing a person has to fix.

mod error;
mod pkcs12;
mod x509;

use std::fmt;
use std::path::Path;

use base64::Engine;
use chrono::{DateTime, Utc};
use ofitec_domain::{Rut, Secret};
use rsa::PrivateKey;
use rsa::traits::PublicKeyParts;

pub use error::CertError;
pub use x509::X509Info;

/// A usable signing certificate: a private key and the certificate that matches it, valid
/// when it was loaded. `Debug` shows the subject, RUT and dates, never the key.
#[derive(Clone)]
pub struct Certificate {
    /// Signs SignedInfo.
    key: PrivateKey,
    /// The matching certificate.
    info: X509Info,
    /// The holder RUT (checked present at load time: SII needs it).
    holder: Rut,
}

impl Certificate {
    /// Loads a PKCS#12 file and picks the pair valid at `now` whose certificate matches its
    /// private key. The clock is a parameter so expiry is testable and explicit.
    pub fn from_pkcs12_file(
        path: impl AsRef<Path>,
        password: &Secret,
        now: DateTime<Utc>,
    ) -> Result<Certificate, CertError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| CertError::Io {
            path: path.to_owned(),
            source,
        })?;
        Certificate::from_pkcs12(&bytes, password, now)
    }

    /// Same as [`Certificate::from_pkcs12_file`], from bytes.
    pub fn from_pkcs12(
        bytes: &[u8],
        password: &Secret,
        now: DateTime<Utc>,
    ) -> Result<Certificate, CertError> {
        let (key, info) = pkcs12::select_pair(bytes, password, now)?;
        let holder = info
            .holder
            .ok_or_else(|| CertError::NoHolderRut(info.subject.clone()))?;
        Ok(Certificate { key, info, holder })
    }

    /// The RSA private key (for signing).
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The certificate's DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.info.der
    }

    /// Everything parsed from the certificate.
    pub fn info(&self) -> &X509Info {
        &self.info
    }

    /// The holder's RUT: the person who signs.
    pub fn holder(&self) -> Rut {
        self.holder
    }

    /// Subject in one line.
    pub fn subject(&self) -> &str {
        &self.info.subject
    }

    /// Start of validity.
    pub fn not_before(&self) -> DateTime<Utc> {
        self.info.not_before
    }

    /// End of validity (watch it: expiry is the commonest sudden failure).
    pub fn not_after(&self) -> DateTime<Utc> {
        self.info.not_after
    }

    /// RSA modulus, big-endian without leading zeros.
    pub fn modulus(&self) -> Vec<u8> {
        self.key.n_bytes().into_vec()
    }

    /// RSA public exponent, big-endian without leading zeros (`[1, 0, 1]` for 65537).
    pub fn exponent(&self) -> Vec<u8> {
        self.key.e_bytes().into_vec()
    }

    /// `Modulus` as `RSAKeyValue` carries it.
    pub fn modulus_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.modulus())
    }

    /// `Exponent` as `RSAKeyValue` carries it (`AQAB`).
    pub fn exponent_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.exponent())
    }

    /// `X509Certificate` content: base64 of the DER, unwrapped.
    pub fn der_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.info.der)
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.info.subject)
            .field("holder", &self.holder)
            .field("not_before", &self.info.not_before)
            .field("not_after", &self.info.not_after)
            .finish_non_exhaustive()
    }
}

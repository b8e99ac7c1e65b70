//! Decoding PKCS#12 and choosing the key pair to sign with.

use chrono::{DateTime, Utc};
use p12_keystore::Pkcs12Archive;
use p12_keystore::error::Error as P12Error;
use rsa::PrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

use ofitec_domain::Secret;

use super::{CertError, X509Info};

/// Decodes the archive and returns the private key with its matching certificate: valid at
/// `now` (latest expiry first when several are), else the reason none is usable.
pub(super) fn select_pair(
    bytes: &[u8],
    password: &Secret,
    now: DateTime<Utc>,
) -> Result<(PrivateKey, X509Info), CertError> {
    let archive = Pkcs12Archive::from_pkcs12(bytes, password.expose()).map_err(map_error)?;
    if archive.keys.is_empty() {
        return Err(CertError::NoPrivateKey);
    }
    let keys: Vec<PrivateKey> = archive
        .keys
        .iter()
        .filter_map(|bag| PrivateKey::from_pkcs8_der(bag.key.as_der()).ok())
        .collect();
    if keys.is_empty() {
        return Err(CertError::UnsupportedKey);
    }
    // Certificates that do not parse are skipped: a damaged CA certificate in the chain
    // must not stop the signer's own pair from loading.
    let certs: Vec<X509Info> = archive
        .certs
        .iter()
        .filter_map(|bag| X509Info::from_der(bag.cert.as_der()).ok())
        .collect();

    // Pair by public key, not by the bags' localKeyId: some tools omit or reuse it.
    let mut pairs: Vec<(&PrivateKey, &X509Info)> = Vec::new();
    for key in &keys {
        for cert in &certs {
            let matches = cert
                .public_key
                .as_ref()
                .is_some_and(|public| public.n() == key.n() && public.e() == key.e());
            if matches {
                pairs.push((key, cert));
            }
        }
    }
    if pairs.is_empty() {
        return Err(CertError::NoMatchingPair);
    }
    let valid = pairs
        .iter()
        .filter(|(_, cert)| cert.is_valid_at(now))
        .max_by_key(|(_, cert)| cert.not_after);
    if let Some((key, cert)) = valid {
        return Ok(((*key).clone(), (*cert).clone()));
    }
    // None valid: report the one closest to usable. An expired one (most recent expiry)
    // is the commoner story; otherwise the earliest not-yet-valid one.
    let expired = pairs
        .iter()
        .filter(|(_, cert)| cert.not_after < now)
        .max_by_key(|(_, cert)| cert.not_after);
    if let Some((_, cert)) = expired {
        return Err(CertError::Expired {
            subject: cert.subject.clone(),
            not_after: cert.not_after,
        });
    }
    match pairs.iter().min_by_key(|(_, cert)| cert.not_before) {
        Some((_, cert)) => Err(CertError::NotYetValid {
            subject: cert.subject.clone(),
            not_before: cert.not_before,
        }),
        None => Err(CertError::NoMatchingPair),
    }
}

/// A failing MAC means the password is wrong (the MAC key derives from it). Without a MAC,
/// a wrong password shows up as bad padding after decryption.
fn map_error(error: P12Error) -> CertError {
    match error {
        P12Error::MacError(_) | P12Error::UnpadError => CertError::WrongPassword,
        other => CertError::Corrupt(other.to_string()),
    }
}

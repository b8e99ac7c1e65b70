//! The verification key from `KeyInfo`: `RSAKeyValue` and/or `X509Certificate`.

use roxmltree::Node;
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, PublicKey};

use super::DsigError;
use super::base64;
use super::verify::{child, text_of};
use crate::cert::X509Info;

/// What `KeyInfo` offers.
pub(super) struct KeyInfo {
    /// From `KeyValue/RSAKeyValue`.
    pub key_value: Option<PublicKey>,
    /// From `X509Data/X509Certificate`: parsed, or why not.
    pub certificate: Option<Result<X509Info, DsigError>>,
}

pub(super) fn read(signature: Node<'_, '_>) -> Result<KeyInfo, DsigError> {
    let key_info = child(signature, "KeyInfo")?;
    let key_value = match child(key_info, "KeyValue").and_then(|kv| child(kv, "RSAKeyValue")) {
        Ok(rsa_kv) => Some(rsa_key_value(rsa_kv)?),
        Err(_) => None,
    };
    let certificate = child(key_info, "X509Data")
        .and_then(|data| child(data, "X509Certificate"))
        .ok()
        .map(|node| {
            let der = base64::decode(&text_of(node))
                .ok_or_else(|| DsigError::CertificateUnparsable("not base64".into()))?;
            X509Info::from_der(&der).map_err(|e| DsigError::CertificateUnparsable(e.to_string()))
        });
    if key_value.is_none() && certificate.is_none() {
        return Err(DsigError::MissingElement("RSAKeyValue or X509Certificate"));
    }
    Ok(KeyInfo {
        key_value,
        certificate,
    })
}

fn rsa_key_value(node: Node<'_, '_>) -> Result<PublicKey, DsigError> {
    let modulus =
        base64::decode(&text_of(child(node, "Modulus")?)).ok_or(DsigError::BadBase64("Modulus"))?;
    let exponent = base64::decode(&text_of(child(node, "Exponent")?))
        .ok_or(DsigError::BadBase64("Exponent"))?;
    PublicKey::new(
        BoxedUint::from_be_slice_vartime(&modulus),
        BoxedUint::from_be_slice_vartime(&exponent),
    )
    .map_err(|e| DsigError::KeyValueInvalid(e.to_string()))
}

/// Same modulus and exponent.
pub(super) fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    a.n_bytes() == b.n_bytes() && a.e_bytes() == b.e_bytes()
}

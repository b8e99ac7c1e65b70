//! Verifying every `Signature` of a document.

use roxmltree::{Document, Node};
use sha1::Sha1;

use super::algorithms::{C14N, C14N_WITH_COMMENTS, DSIG_NS, RSA_SHA1};
use super::{DsigError, base64, keyinfo, reference};
use crate::c14n::{self, Comments};
use crate::cert::X509Info;
use crate::xml;

/// A signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The URIs of its references (`""`, `#DTE-33-170`, …).
    pub references: Vec<String>,
    /// The signer's certificate, when `X509Certificate` was present.
    pub certificate: Option<X509Info>,
}

/// Verifies every `Signature` in the document (bytes in UTF-8, ISO-8859-1 or
/// windows-1252, as declared). Fails on the first signature that does not verify.
pub fn verify(bytes: &[u8]) -> Result<Vec<VerifiedSignature>, DsigError> {
    let text = xml::decode(bytes)?;
    let doc = xml::parse(&text)?;
    verify_document(&doc)
}

/// [`verify`] over a parsed document.
pub fn verify_document(doc: &Document<'_>) -> Result<Vec<VerifiedSignature>, DsigError> {
    let signatures: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| is_dsig(*n, "Signature"))
        .collect();
    if signatures.is_empty() {
        return Err(DsigError::MissingElement("Signature"));
    }
    signatures
        .into_iter()
        .map(|signature| verify_signature(doc, signature))
        .collect()
}

fn verify_signature(
    doc: &Document<'_>,
    signature: Node<'_, '_>,
) -> Result<VerifiedSignature, DsigError> {
    // 1. Structure and algorithms.
    let signed_info = child(signature, "SignedInfo")?;
    let comments = match child(signed_info, "CanonicalizationMethod")?
        .attribute("Algorithm")
        .unwrap_or("")
    {
        C14N => Comments::Without,
        C14N_WITH_COMMENTS => Comments::With,
        other => {
            return Err(DsigError::UnsupportedAlgorithm {
                element: "CanonicalizationMethod",
                algorithm: other.to_owned(),
            });
        }
    };
    let method = child(signed_info, "SignatureMethod")?
        .attribute("Algorithm")
        .unwrap_or("");
    if method != RSA_SHA1 {
        return Err(DsigError::UnsupportedAlgorithm {
            element: "SignatureMethod",
            algorithm: method.to_owned(),
        });
    }
    let signature_value = base64::decode(&text_of(child(signature, "SignatureValue")?))
        .ok_or(DsigError::BadBase64("SignatureValue"))?;
    let key_info = keyinfo::read(signature)?;
    let references: Vec<Node<'_, '_>> = children(signed_info, "Reference").collect();
    if references.is_empty() {
        return Err(DsigError::MissingElement("Reference"));
    }

    // 2. Each reference's digest: has the content changed?
    let uris = references
        .into_iter()
        .map(|r| reference::check(doc, signature, r))
        .collect::<Result<Vec<_>, _>>()?;

    // 3. The signature over SignedInfo, canonicalised in its context. RSAKeyValue is what
    // SII itself checks; the certificate's key is used when there is no RSAKeyValue.
    let canonical = c14n::canonicalize_subtree(signed_info, comments);
    let key = match (&key_info.key_value, &key_info.certificate) {
        (Some(key), _) => key.clone(),
        (None, Some(Ok(cert))) => cert
            .public_key
            .clone()
            .ok_or_else(|| DsigError::CertificateUnparsable("the key is not RSA".into()))?,
        (None, Some(Err(e))) => return Err(e.clone()),
        (None, None) => return Err(DsigError::MissingElement("KeyInfo")),
    };
    key.pkcs1v15_verify::<Sha1>(canonical.as_bytes(), &signature_value)
        .map_err(|_| DsigError::SignatureInvalid)?;

    // 4. The certificate, and 5. its agreement with RSAKeyValue.
    let certificate = match key_info.certificate {
        Some(Ok(cert)) => {
            let cert_key = cert
                .public_key
                .as_ref()
                .ok_or_else(|| DsigError::CertificateUnparsable("the key is not RSA".into()))?;
            if !keyinfo::same_key(cert_key, &key) {
                return Err(DsigError::KeyMismatch);
            }
            Some(cert)
        }
        Some(Err(e)) => return Err(e),
        None => None,
    };
    Ok(VerifiedSignature {
        references: uris,
        certificate,
    })
}

fn is_dsig(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(DSIG_NS)
}

/// Children of `node` in the dsig namespace named `name`.
pub(super) fn children<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(move |n| is_dsig(*n, name))
}

/// The first such child, or which element is missing.
pub(super) fn child<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> Result<Node<'a, 'input>, DsigError> {
    children(node, name)
        .next()
        .ok_or(DsigError::MissingElement(name))
}

/// All text inside an element (base64 values may be split by entity or CDATA boundaries).
pub(super) fn text_of(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

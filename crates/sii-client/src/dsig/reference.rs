//! One `Reference`: find what it points to, apply its transforms, digest, compare.

use roxmltree::{Document, Node};
use sha1::{Digest, Sha1};

use super::algorithms::{C14N, C14N_WITH_COMMENTS, ENVELOPED_SIGNATURE, SHA1};
use super::verify::{child, text_of};
use super::{DsigError, base64};
use crate::c14n::{self, Comments};

/// Checks one reference of `signature`.
pub(super) fn check(
    doc: &Document<'_>,
    signature: Node<'_, '_>,
    reference: Node<'_, '_>,
) -> Result<String, DsigError> {
    let uri = reference.attribute("URI").unwrap_or("");
    let mut enveloped = false;
    if let Ok(transforms) = child(reference, "Transforms") {
        for transform in super::verify::children(transforms, "Transform") {
            match transform.attribute("Algorithm").unwrap_or("") {
                ENVELOPED_SIGNATURE => enveloped = true,
                // C14N of a same-document reference: comments are already gone (bare
                // `#ID` and `""` references drop them), so both variants give the same.
                C14N | C14N_WITH_COMMENTS => {}
                other => {
                    return Err(DsigError::UnsupportedAlgorithm {
                        element: "Transform",
                        algorithm: other.to_owned(),
                    });
                }
            }
        }
    }
    let method = child(reference, "DigestMethod")?
        .attribute("Algorithm")
        .unwrap_or("");
    if method != SHA1 {
        return Err(DsigError::UnsupportedAlgorithm {
            element: "DigestMethod",
            algorithm: method.to_owned(),
        });
    }
    let expected = base64::decode(&text_of(child(reference, "DigestValue")?))
        .ok_or(DsigError::BadBase64("DigestValue"))?;

    let apex = target(doc, uri)?;
    let excluded = enveloped.then(|| signature.id());
    let canonical = c14n::canonicalize_excluding(apex, excluded, Comments::Without);
    let computed = Sha1::digest(canonical.as_bytes());
    if computed.as_slice() != expected.as_slice() {
        return Err(DsigError::DigestMismatch {
            uri: uri.to_owned(),
            expected: base64::encode(&expected),
            computed: base64::encode(&computed),
        });
    }
    Ok(uri.to_owned())
}

/// `""` is the whole document; `#X` the element whose `ID` (or `Id`, `id`) is `X`.
fn target<'a, 'input>(doc: &'a Document<'input>, uri: &str) -> Result<Node<'a, 'input>, DsigError> {
    if uri.is_empty() {
        return Ok(doc.root());
    }
    let Some(id) = uri.strip_prefix('#') else {
        return Err(DsigError::UnsupportedReference(uri.to_owned()));
    };
    if id.starts_with("xpointer(") {
        return Err(DsigError::UnsupportedReference(uri.to_owned()));
    }
    let mut found = doc.descendants().filter(|n| {
        n.is_element()
            && ["ID", "Id", "id"]
                .iter()
                .any(|name| n.attribute(*name) == Some(id))
    });
    match (found.next(), found.next()) {
        (Some(node), None) => Ok(node),
        (Some(_), Some(_)) => Err(DsigError::DuplicateId(id.to_owned())),
        (None, _) => Err(DsigError::ReferenceNotFound(id.to_owned())),
    }
}

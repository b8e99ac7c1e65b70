//! Enveloped signatures over a whole document (`Reference URI=""`), laid out exactly as
//! docs/reference/sii.md#signing-gettoken says: Signature as the root's last child, no whitespace
//! added around it, empty elements written as start/end pairs, KeyValue before X509Data.

use roxmltree::Node;
use sha1::{Digest, Sha1};

use super::algorithms::{C14N, DSIG_NS, ENVELOPED_SIGNATURE, RSA_SHA1, SHA1};
use super::{SignError, base64};
use crate::c14n::{self, Comments};
use crate::cert::Certificate;
use crate::xml;

/// Signs `document` (UTF-8 text, no Signature yet) and returns it with a `Signature`
/// element appended as the last child of the root element. The rest of the text is kept
/// byte for byte, so the digest covers exactly what is sent.
pub fn sign_enveloped(document: &str, cert: &Certificate) -> Result<String, SignError> {
    let doc = xml::parse(document)?;
    // The enveloped transform removes only the Signature element, so the signed content
    // is the canonical form of the document as it is now.
    let canonical = c14n::canonicalize_document(&doc, Comments::Without);
    let digest = base64::encode(&Sha1::digest(canonical.as_bytes()));
    let insert_at = insertion_point(doc.root_element(), document);

    let signed_info = signed_info(&digest);
    let key_info = key_info(cert);
    // SignedInfo must be canonicalised where it will live (it inherits the dsig default
    // namespace and whatever the root declares), so build the final document once with an
    // empty SignatureValue, canonicalise SignedInfo there, then fill the value in.
    let draft = assemble(document, &insert_at, &signed_info, "", &key_info);
    let draft_doc = xml::parse(&draft)?;
    let signed_info_node = draft_doc
        .descendants()
        .find(|n| n.tag_name().namespace() == Some(DSIG_NS) && n.tag_name().name() == "SignedInfo")
        .ok_or_else(|| SignError::Xml(xml::XmlError("SignedInfo vanished".into())))?;
    let canonical_signed_info = c14n::canonicalize_subtree(signed_info_node, Comments::Without);
    let signature = cert
        .private_key()
        .pkcs1v15_sign::<Sha1>(canonical_signed_info.as_bytes())
        .map_err(|e| SignError::Rsa(e.to_string()))?;
    Ok(assemble(
        document,
        &insert_at,
        &signed_info,
        &base64::encode(&signature),
        &key_info,
    ))
}

/// Where the Signature goes: just before the root's end tag, or, for an empty-element
/// root (`<a/>`), replacing `/>` with `>…</a>`.
enum Insertion {
    BeforeEndTag(usize),
    SelfClosing {
        slash: usize,
        end: usize,
        name: String,
    },
}

fn insertion_point(root: Node<'_, '_>, text: &str) -> Insertion {
    let range = root.range();
    let element = text.get(range.clone()).unwrap_or("");
    if element.ends_with("/>") && !element.contains("</") {
        let name = element
            .trim_start_matches('<')
            .split(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            .next()
            .unwrap_or("")
            .to_owned();
        return Insertion::SelfClosing {
            slash: range.end - 2,
            end: range.end,
            name,
        };
    }
    let end_tag = element.rfind("</").map_or(range.end, |i| range.start + i);
    Insertion::BeforeEndTag(end_tag)
}

fn assemble(
    document: &str,
    at: &Insertion,
    signed_info: &str,
    signature_value: &str,
    key_info: &str,
) -> String {
    let signature = format!(
        "<Signature xmlns=\"{DSIG_NS}\">{signed_info}<SignatureValue>{signature_value}</SignatureValue>{key_info}</Signature>"
    );
    match at {
        Insertion::BeforeEndTag(i) => {
            format!("{}{signature}{}", &document[..*i], &document[*i..])
        }
        Insertion::SelfClosing { slash, end, name } => format!(
            "{}>{signature}</{name}>{}",
            &document[..*slash],
            &document[*end..]
        ),
    }
}

fn signed_info(digest: &str) -> String {
    format!(
        "<SignedInfo>\
<CanonicalizationMethod Algorithm=\"{C14N}\"></CanonicalizationMethod>\
<SignatureMethod Algorithm=\"{RSA_SHA1}\"></SignatureMethod>\
<Reference URI=\"\">\
<Transforms><Transform Algorithm=\"{ENVELOPED_SIGNATURE}\"></Transform></Transforms>\
<DigestMethod Algorithm=\"{SHA1}\"></DigestMethod>\
<DigestValue>{digest}</DigestValue>\
</Reference>\
</SignedInfo>"
    )
}

fn key_info(cert: &Certificate) -> String {
    format!(
        "<KeyInfo><KeyValue><RSAKeyValue><Modulus>{}</Modulus><Exponent>{}</Exponent></RSAKeyValue></KeyValue>\
<X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo>",
        cert.modulus_base64(),
        cert.exponent_base64(),
        cert.der_base64()
    )
}

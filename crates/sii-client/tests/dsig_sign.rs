//! Signing getToken: layout per docs/reference/sii.md#signing-gettoken, accepted by our verifier
//! and by xmlsec1.
// Helpers outside #[test] functions panic too: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{certs_dir, run, valid_cert};
use sii_client::auth::{self, Seed};
use sii_client::dsig::{self, DsigError};
use sii_client::environment::Environment;

fn seed() -> Seed {
    Seed::new("000000000078").expect("seed")
}

fn signed() -> String {
    auth::signed_token_request(&seed(), &valid_cert()).expect("signs")
}

fn xmlsec_verify(document: &[u8], extra: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("signed.xml");
    std::fs::write(&path, document).expect("write");
    let mut args = vec!["--verify", "--insecure"];
    args.extend_from_slice(extra);
    args.push(path.to_str().expect("path"));
    let (ok, _, stderr) = run("xmlsec1", &args);
    (ok, stderr)
}

#[test]
fn get_token_layout_is_exactly_sii_s() {
    let cert = valid_cert();
    let doc = signed();
    let prefix = "<getToken><item><Semilla>000000000078</Semilla></item><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"></CanonicalizationMethod><SignatureMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#rsa-sha1\"></SignatureMethod><Reference URI=\"\"><Transforms><Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"></Transform></Transforms><DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"></DigestMethod><DigestValue>";
    assert!(doc.starts_with(prefix), "{doc}");
    // SHA-1 of the canonical document without the signature, computed independently.
    let (_, digest, _) = run(
        "sh",
        &[
            "-c",
            "printf '%s' '<getToken><item><Semilla>000000000078</Semilla></item></getToken>' | openssl dgst -sha1 -binary | base64",
        ],
    );
    let digest = String::from_utf8(digest).expect("base64").trim().to_owned();
    assert!(doc[prefix.len()..].starts_with(&format!(
        "{digest}</DigestValue></Reference></SignedInfo><SignatureValue>"
    )));
    let key_info = format!(
        "<KeyInfo><KeyValue><RSAKeyValue><Modulus>{}</Modulus><Exponent>AQAB</Exponent></RSAKeyValue></KeyValue><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></Signature></getToken>",
        cert.modulus_base64(),
        cert.der_base64()
    );
    assert!(
        doc.ends_with(&key_info),
        "KeyValue then X509Data, Signature last, nothing after"
    );
    assert!(
        !doc.contains('\n') && !doc.contains("> <"),
        "no whitespace added"
    );
}

#[test]
fn our_verifier_accepts_what_we_sign() {
    let verified = dsig::verify(signed().as_bytes()).expect("verifies");
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].references, vec![String::new()]);
    let holder = verified[0].certificate.as_ref().and_then(|c| c.holder);
    assert_eq!(holder.map(|r| r.to_string()).as_deref(), Some("12345678-5"));
}

#[test]
fn xmlsec1_accepts_every_get_token_we_sign() {
    let cert = valid_cert();
    for seed_text in ["000000000078", "168441616904", "999999999999", "0"] {
        let seed = Seed::new(seed_text).expect("seed");
        let doc = auth::signed_token_request(&seed, &cert).expect("signs");
        let (ok, stderr) = xmlsec_verify(doc.as_bytes(), &[]);
        assert!(
            ok,
            "xmlsec1 rejected the signature for seed {seed_text}: {stderr}"
        );
        // And against the certificate file, not only the embedded key.
        let pem = certs_dir().join("valid.crt.pem");
        let (ok, stderr) = xmlsec_verify(
            doc.as_bytes(),
            &["--pubkey-cert-pem", pem.to_str().expect("p")],
        );
        assert!(ok, "{stderr}");
    }
}

#[test]
fn the_envelope_carries_the_signed_document_intact() {
    let signed = signed();
    let envelope = auth::token_envelope(&Environment::Prod, &signed);
    assert!(envelope.contains("<m:getToken xmlns:m=\"https://palena.sii.cl/DTEWS/GetTokenFromSeed.jws\"><pszXml xsi:type=\"xsd:string\">&lt;getToken&gt;&lt;item&gt;"));
    let doc = roxmltree::Document::parse(&envelope).expect("envelope is XML");
    let psz = doc
        .descendants()
        .find(|n| n.has_tag_name("pszXml"))
        .and_then(|n| n.text())
        .expect("pszXml");
    assert_eq!(psz, signed);
    let (ok, stderr) = xmlsec_verify(psz.as_bytes(), &[]);
    assert!(ok, "{stderr}");
    let cert_env = auth::token_envelope(&Environment::Cert, &signed);
    assert!(cert_env.contains("xmlns:m=\"https://maullin.sii.cl/DTEWS/GetTokenFromSeed.jws\""));
}

#[test]
fn whitespace_before_the_signature_breaks_the_digest() {
    // The production pitfall behind ESTADO 05: a newline added before <Signature>.
    let doc = signed().replacen("</item><Signature", "</item>\n<Signature", 1);
    let err = dsig::verify(doc.as_bytes()).err();
    assert!(
        matches!(err, Some(DsigError::DigestMismatch { ref uri, .. }) if uri.is_empty()),
        "{err:?}"
    );
    let (ok, _) = xmlsec_verify(doc.as_bytes(), &[]);
    assert!(!ok, "xmlsec1 agrees it is broken");
}

#[test]
fn each_failure_is_named() {
    let good = signed();
    let other = common::load("valid-utf8.p12").expect("other cert");
    let between = |doc: &str, open: &str, close: &str, replacement: &str| {
        let start = doc.find(open).expect("open") + open.len();
        let end = start + doc[start..].find(close).expect("close");
        format!("{}{replacement}{}", &doc[..start], &doc[end..])
    };

    // Content changed after signing.
    let tampered = good.replace("000000000078", "000000000079");
    assert!(matches!(
        dsig::verify(tampered.as_bytes()),
        Err(DsigError::DigestMismatch { .. })
    ));

    // SignedInfo signed by someone else: take another key's signature value.
    let foreign = auth::signed_token_request(&seed(), &other).expect("signs");
    let other_sig = {
        let s = foreign.find("<SignatureValue>").expect("sv") + "<SignatureValue>".len();
        let e = s + foreign[s..].find("</SignatureValue>").expect("end");
        foreign[s..e].to_owned()
    };
    let wrong_value = between(&good, "<SignatureValue>", "</SignatureValue>", &other_sig);
    assert_eq!(
        dsig::verify(wrong_value.as_bytes()),
        Err(DsigError::SignatureInvalid)
    );

    // Certificate of someone else next to our key: SII's ESTADO 21.
    let swapped = between(
        &good,
        "<X509Certificate>",
        "</X509Certificate>",
        &other.der_base64(),
    );
    assert_eq!(
        dsig::verify(swapped.as_bytes()),
        Err(DsigError::KeyMismatch)
    );

    // A certificate that is not one.
    let garbage = between(&good, "<X509Certificate>", "</X509Certificate>", "AAAA");
    assert!(matches!(
        dsig::verify(garbage.as_bytes()),
        Err(DsigError::CertificateUnparsable(_))
    ));

    // Missing pieces.
    let no_digest = between(
        &good,
        "<DigestMethod",
        "</Reference>",
        " Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"></DigestMethod>",
    );
    assert_eq!(
        dsig::verify(no_digest.as_bytes()),
        Err(DsigError::MissingElement("DigestValue"))
    );
    let no_sig = between(&good, "</item>", "</getToken>", "");
    assert_eq!(
        dsig::verify(no_sig.as_bytes()),
        Err(DsigError::MissingElement("Signature"))
    );
    let no_key_info = between(&good, "</SignatureValue>", "</Signature>", "");
    assert_eq!(
        dsig::verify(no_key_info.as_bytes()),
        Err(DsigError::MissingElement("KeyInfo"))
    );

    // Algorithms SII does not use.
    let sha256 = good.replace("xmldsig#rsa-sha1", "xmldsig-more#rsa-sha256");
    assert!(matches!(
        dsig::verify(sha256.as_bytes()),
        Err(DsigError::UnsupportedAlgorithm {
            element: "SignatureMethod",
            ..
        })
    ));
    let exc = good.replace(
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    );
    assert!(matches!(
        dsig::verify(exc.as_bytes()),
        Err(DsigError::UnsupportedAlgorithm {
            element: "Transform",
            ..
        })
    ));

    // References we do not follow, or that lead nowhere.
    let external = good.replace("URI=\"\"", "URI=\"http://example.com/x\"");
    assert!(matches!(
        dsig::verify(external.as_bytes()),
        Err(DsigError::UnsupportedReference(_))
    ));
    let dangling = good.replace("URI=\"\"", "URI=\"#nope\"");
    assert_eq!(
        dsig::verify(dangling.as_bytes()),
        Err(DsigError::ReferenceNotFound("nope".into()))
    );
}

#[test]
fn sign_any_document_with_namespaces_and_latin1_round_trip() {
    let cert = valid_cert();
    let document = "<r:Envio xmlns:r=\"http://www.sii.cl/SiiDte\" version=\"1.0\"><r:Caratula><r:RznSoc>Germán Larraín Muñoz &amp; Cía.</r:RznSoc></r:Caratula></r:Envio>";
    let signed = dsig::sign_enveloped(document, &cert).expect("signs");
    assert!(dsig::verify(signed.as_bytes()).is_ok());
    let (ok, stderr) = xmlsec_verify(signed.as_bytes(), &[]);
    assert!(ok, "{stderr}");
    // The same document sent as ISO-8859-1 with a declaration still verifies: the digest
    // is over the canonical UTF-8 form, whatever the transfer encoding.
    let latin1_text = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n{signed}");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&latin1_text);
    assert!(!unmappable);
    assert!(bytes.contains(&0xE1), "really Latin-1 bytes");
    assert!(dsig::verify(&bytes).is_ok());
    let (ok, stderr) = xmlsec_verify(&bytes, &[]);
    assert!(ok, "{stderr}");
    // Self-closing root element.
    let empty = dsig::sign_enveloped("<a x=\"1\"/>", &cert).expect("signs");
    assert!(empty.starts_with("<a x=\"1\"><Signature"), "{empty}");
    assert!(dsig::verify(empty.as_bytes()).is_ok());
}

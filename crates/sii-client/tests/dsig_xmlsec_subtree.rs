//! Subtree canonicalisation in document context, with xmlsec1 as the oracle: xmlsec1 signs
//! templates whose references point at an `ID` deep inside namespaced, `xml:lang`-carrying
//! ancestors (or at the whole document, with comments and PIs around), and our verifier must
//! accept its digests and signature. Then the reverse: xmlsec1 must reject what we reject.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{certs_dir, run};
use sii_client::dsig::{self, DsigError};

const SIGNATURE_TEMPLATE: &str = r##"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/><Reference URI="REF">TRANSFORMS<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><KeyValue/><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>"##;

fn template(reference: &str, transforms: &str) -> String {
    SIGNATURE_TEMPLATE
        .replace("REF", reference)
        .replace("TRANSFORMS", transforms)
}

/// Signs `document` with xmlsec1 and the test key; returns the signed bytes.
fn xmlsec_sign(document: &[u8], id_attr: Option<&str>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("template.xml");
    std::fs::write(&path, document).unwrap();
    let key = format!(
        "{},{}",
        certs_dir().join("valid.key.pem").display(),
        certs_dir().join("valid.crt.pem").display()
    );
    let mut args = vec!["--sign", "--privkey-pem", key.as_str()];
    if let Some(node) = id_attr {
        args.extend(["--id-attr:ID", node]);
    }
    let path_text = path.to_str().unwrap();
    args.push(path_text);
    let (ok, signed, stderr) = run("xmlsec1", &args);
    assert!(ok, "xmlsec1 --sign failed: {stderr}");
    signed
}

#[test]
fn id_reference_deep_in_namespaced_context() {
    let document = format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- a comment before the root -->
<r:EnvioDTE xmlns:r="http://www.sii.cl/SiiDte" xmlns:x="http://example.com/x" xml:lang="es-CL" version="1.0">
  <r:SetDTE ID="SetDoc" xml:space="preserve">
    <DTE xmlns="http://www.sii.cl/SiiDte" x:attr="v">
      <Documento ID="F170T33" b="2" a="1"><Nombre>Germ{}n Larra{}n</Nombre><Vacio/><!-- inside --><Texto><![CDATA[a < b & c]]></Texto></Documento>
      {}
    </DTE>
  </r:SetDTE>
</r:EnvioDTE>
"#,
        '\u{e1}',
        '\u{ed}',
        template(
            "#F170T33",
            r#"<Transforms><Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></Transforms>"#
        )
    );
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(&document);
    let signed = xmlsec_sign(&latin1, Some("Documento"));
    let verified = dsig::verify(&signed)
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&signed)));
    assert_eq!(verified[0].references, vec!["#F170T33".to_owned()]);

    // The whole SetDTE (inherits xml:lang from the root, has its own xml:space).
    let document = document.replace("#F170T33", "#SetDoc");
    let document = document.replacen(
        &template("#SetDoc", r#"<Transforms><Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></Transforms>"#),
        "",
        1,
    );
    let document = document.replace(
        "</r:SetDTE>",
        &format!("</r:SetDTE>{}", template("#SetDoc", "")),
    );
    let signed = xmlsec_sign(document.as_bytes(), Some("SetDTE"));
    assert!(
        dsig::verify(&signed).is_ok(),
        "{}",
        String::from_utf8_lossy(&signed)
    );
}

#[test]
fn enveloped_whole_document_with_pis_and_comments() {
    let document = format!(
        "<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"a.xsl\"?>\n<!-- before -->\n<doc xmlns:p=\"http://p\" p:z=\"1\" a=\"&quot;q&quot;\">\n  <p:item>text &amp; more</p:item>\n  <!-- inside -->\n  {}\n</doc>\n<!-- after -->\n",
        template(
            "",
            r#"<Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>"#
        )
    );
    let signed = xmlsec_sign(document.as_bytes(), None);
    assert!(
        dsig::verify(&signed).is_ok(),
        "{}",
        String::from_utf8_lossy(&signed)
    );

    // Both reject the same edit.
    let text = String::from_utf8(signed).unwrap();
    let edited = text.replace("text &amp; more", "text &amp; less");
    assert!(matches!(
        dsig::verify(edited.as_bytes()),
        Err(DsigError::DigestMismatch { .. })
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edited.xml");
    std::fs::write(&path, &edited).unwrap();
    let (ok, _, _) = run(
        "xmlsec1",
        &["--verify", "--insecure", path.to_str().unwrap()],
    );
    assert!(!ok);
}

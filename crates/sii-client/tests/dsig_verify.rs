//! Verifying real SII-signed DTEs (tests/../testdata/sii/dsig), cross-checked with
//! xmlsec1: `#ID` references canonicalised in document context, windows-1252 and
//! ISO-8859-1 input, and a document edited after signing.
// Helpers outside #[test] functions panic too: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{run, sii_file, sii_testdata};
use sii_client::dsig::{self, DsigError};

fn xmlsec_agrees(relative: &str) -> bool {
    let path = sii_testdata().join(relative);
    let (ok, _, _) = run(
        "xmlsec1",
        &[
            "--verify",
            "--id-attr:ID",
            "Documento",
            "--insecure",
            path.to_str().expect("path"),
        ],
    );
    ok
}

#[test]
fn windows_1252_dte_verifies() {
    let file = "dsig/DTE--60910000-1--33--2336600.xml";
    let verified = dsig::verify(&sii_file(file)).expect("verifies");
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].references, vec!["#DTE-33-2336600".to_owned()]);
    assert!(xmlsec_agrees(file));
}

#[test]
fn iso_8859_1_dte_with_c14n_transform_verifies_and_names_the_signer() {
    let file = "dsig/DTE--76354771-K--33--170--cleaned.xml";
    let verified = dsig::verify(&sii_file(file)).expect("verifies");
    assert_eq!(
        verified[0].references,
        vec!["#MiPE76354771-13419".to_owned()]
    );
    let cert = verified[0].certificate.as_ref().expect("certificate");
    // e-certchile puts the holder's RUT in subjectAltName otherName 1.3.6.1.4.1.8321.1.
    assert_eq!(
        cert.holder.map(|r| r.to_string()).as_deref(),
        Some("13185095-6")
    );
    assert_eq!(cert.not_after.format("%Y-%m-%d").to_string(), "2020-09-03");
    assert!(xmlsec_agrees(file));
}

#[test]
fn the_edited_dte_fails_with_a_digest_mismatch() {
    let file = "dsig/DTE--76354771-K--33--170--cleaned-mod-changed-monto.xml";
    match dsig::verify(&sii_file(file)) {
        Err(DsigError::DigestMismatch {
            uri,
            expected,
            computed,
        }) => {
            assert_eq!(uri, "#MiPE76354771-13419");
            assert_eq!(expected, "ij2Qn6xOc2eRx3hwyO/GrzptoBk=");
            assert_ne!(computed, expected);
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    assert!(!xmlsec_agrees(file));
}

#[test]
fn re_encoding_the_dte_to_utf8_keeps_it_valid() {
    let bytes = sii_file("dsig/DTE--60910000-1--33--2336600.xml");
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    let utf8 = text.replacen("encoding=\"windows-1252\"", "encoding=\"UTF-8\"", 1);
    assert!(dsig::verify(utf8.as_bytes()).is_ok());
    // And an edit in a non-ASCII name breaks it.
    let edited = utf8.replacen("Larraín", "Larrain", 1);
    assert!(matches!(
        dsig::verify(edited.as_bytes()),
        Err(DsigError::DigestMismatch { .. })
    ));
}

#[test]
fn duplicated_ids_are_refused() {
    let bytes = sii_file("dsig/DTE--76354771-K--33--170--cleaned.xml");
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    let wrapped = text.replacen(
        "<Signature ",
        "<Extra ID=\"MiPE76354771-13419\"/><Signature ",
        1,
    );
    assert_eq!(
        dsig::verify(wrapped.as_bytes()),
        Err(DsigError::DuplicateId("MiPE76354771-13419".into()))
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn mangled_signatures_never_panic(cut in 0usize..6000, byte in proptest::num::u8::ANY) {
        let mut bytes = sii_file("dsig/DTE--76354771-K--33--170--cleaned.xml");
        let at = cut % bytes.len();
        bytes[at] = byte;
        let _ = dsig::verify(&bytes);
        let _ = dsig::verify(&bytes[..at]);
    }
}

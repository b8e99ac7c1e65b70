//! PKCS#12 loading against the committed test certificates (see tests/data/certs/README.md).
// Helpers outside #[test] functions panic too: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, TimeZone, Utc};
use common::{certs_dir, load, now, password};
use ofitec_domain::Rut;
use ofitec_domain::Secret;
use sii_client::cert::{CertError, Certificate};

fn rut(text: &str) -> Rut {
    Rut::parse(text).expect("test RUT")
}

#[test]
fn modern_openssl3_file_loads_with_rut_and_dates() {
    let cert = load("valid.p12").expect("loads");
    assert_eq!(cert.holder(), rut("12345678-5"));
    assert_eq!(
        cert.not_before(),
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(
        cert.not_after(),
        Utc.with_ymd_and_hms(2045, 12, 31, 23, 59, 59).unwrap()
    );
    assert!(
        cert.subject().contains("CN=Juana Perez Soto"),
        "{}",
        cert.subject()
    );
    assert_eq!(cert.exponent(), vec![1, 0, 1]);
    assert_eq!(cert.exponent_base64(), "AQAB");
    assert_eq!(
        cert.modulus().len(),
        256,
        "2048-bit modulus, no leading zero"
    );
    assert_ne!(cert.modulus()[0], 0);
}

#[test]
fn the_certificate_der_is_the_one_in_the_pem_export() {
    let cert = load("valid.p12").expect("loads");
    let pem = std::fs::read_to_string(certs_dir().join("valid.crt.pem")).expect("pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(cert.der_base64(), body);
}

#[test]
fn legacy_files_load_the_same_pair() {
    let modern = load("valid.p12").expect("modern");
    for name in ["legacy.p12", "legacy-3des.p12"] {
        let legacy = load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(legacy.der(), modern.der(), "{name}");
        assert_eq!(legacy.modulus(), modern.modulus(), "{name}");
        assert_eq!(legacy.holder(), rut("12345678-5"));
    }
}

#[test]
fn utf8_othername_and_serial_number_fallback() {
    assert_eq!(
        load("valid-utf8.p12").expect("utf8").holder(),
        rut("11111111-1")
    );
    assert_eq!(
        load("serial-rut.p12").expect("serial").holder(),
        rut("76123456-0")
    );
}

#[test]
fn wrong_password() {
    let err = Certificate::from_pkcs12_file(
        certs_dir().join("valid.p12"),
        &Secret::new("not-the-password"),
        now(),
    )
    .err();
    assert!(matches!(err, Some(CertError::WrongPassword)), "{err:?}");
    let err =
        Certificate::from_pkcs12_file(certs_dir().join("legacy.p12"), &Secret::new("nope"), now())
            .err();
    assert!(matches!(err, Some(CertError::WrongPassword)), "{err:?}");
}

#[test]
fn corrupt_and_truncated_files() {
    let bytes = std::fs::read(certs_dir().join("valid.p12")).expect("read");
    for broken in [
        &bytes[..bytes.len() / 2],
        b"not a pkcs12 file at all".as_slice(),
        &[],
    ] {
        let err = Certificate::from_pkcs12(broken, &password(), now()).err();
        assert!(matches!(err, Some(CertError::Corrupt(_))), "{err:?}");
    }
    let err =
        Certificate::from_pkcs12_file(certs_dir().join("missing.p12"), &password(), now()).err();
    assert!(matches!(err, Some(CertError::Io { .. })), "{err:?}");
}

#[test]
fn no_private_key() {
    assert!(matches!(load("no-key.p12"), Err(CertError::NoPrivateKey)));
}

#[test]
fn expired_and_not_yet_valid() {
    match load("expired.p12") {
        Err(CertError::Expired { not_after, .. }) => assert_eq!(not_after.year(), 2020),
        other => panic!("{other:?}"),
    }
    match load("not-yet-valid.p12") {
        Err(CertError::NotYetValid { not_before, .. }) => assert_eq!(not_before.year(), 2040),
        other => panic!("{other:?}"),
    }
    // The clock decides: the same file is fine in 2045 and in 2016.
    let in_2041 = Utc.with_ymd_and_hms(2041, 1, 1, 0, 0, 0).unwrap();
    let future =
        Certificate::from_pkcs12_file(certs_dir().join("not-yet-valid.p12"), &password(), in_2041);
    assert!(future.is_ok());
    let in_2016 = Utc.with_ymd_and_hms(2016, 1, 1, 0, 0, 0).unwrap();
    let old = Certificate::from_pkcs12_file(certs_dir().join("expired.p12"), &password(), in_2016);
    assert_eq!(old.map(|c| c.holder()).ok(), Some(rut("12345678-5")));
}

#[test]
fn two_pairs_picks_the_valid_matching_one() {
    let cert = load("two-pairs.p12").expect("loads");
    assert_eq!(
        cert.holder(),
        rut("11111111-1"),
        "the valid pair, not the first one"
    );
    assert_eq!(cert.not_after().year(), 2045);
    // In 2016 only the other pair is valid.
    let in_2016 = Utc.with_ymd_and_hms(2016, 1, 1, 0, 0, 0).unwrap();
    let cert =
        Certificate::from_pkcs12_file(certs_dir().join("two-pairs.p12"), &password(), in_2016)
            .expect("loads");
    assert_eq!(cert.holder(), rut("12345678-5"));
    assert_eq!(cert.not_after().year(), 2020);
}

#[test]
fn key_without_its_certificate() {
    assert!(matches!(
        load("mismatch.p12"),
        Err(CertError::NoMatchingPair)
    ));
}

#[test]
fn debug_output_has_no_secrets() {
    let cert = load("valid.p12").expect("loads");
    let debug = format!("{cert:?}");
    assert!(debug.contains("12345678"), "{debug}");
    assert!(!debug.contains(&cert.modulus_base64()[..20]), "{debug}");
    let password = password();
    assert!(!format!("{password:?}{password}").contains("ofitec"));
    let err = Certificate::from_pkcs12_file(
        certs_dir().join("valid.p12"),
        &Secret::new("hunter2-secret"),
        now(),
    )
    .err()
    .map(|e| format!("{e} {e:?}"));
    assert!(err.is_some_and(|m| !m.contains("hunter2")));
}

#[test]
fn password_from_env() {
    // Cargo sets CARGO_PKG_NAME for test processes; editing the environment would need
    // `unsafe` (edition 2024), which the workspace forbids.
    assert_eq!(
        Secret::from_env("CARGO_PKG_NAME")
            .map(|p| p.expose().to_owned())
            .ok()
            .as_deref(),
        Some("sii-client")
    );
    assert!(Secret::from_env("SII_CLIENT_TEST_SURELY_UNSET").is_err());
}

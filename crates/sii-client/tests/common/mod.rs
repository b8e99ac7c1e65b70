//! Shared helpers for the integration tests: where the test data is, a fixed clock, the
//! test certificates, and the external oracles (xmllint, xmlsec1).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use ofitec_domain::Secret;
use sii_client::cert::Certificate;

/// `testdata/sii` in the repository (a copy of the shared SII samples) (override with `OFITEC_SII_TESTDATA`).
pub fn sii_testdata() -> PathBuf {
    if let Ok(dir) = std::env::var("OFITEC_SII_TESTDATA") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sii")
}

/// A file of the SII sample set.
pub fn sii_file(relative: &str) -> Vec<u8> {
    let path = sii_testdata().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// This crate's `tests/data/certs`.
pub fn certs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/certs")
}

/// The test certificates' password.
pub fn password() -> Secret {
    Secret::from_file(certs_dir().join("password.txt")).expect("password.txt")
}

/// The clock every test uses: certificates "valid 2024-2045" are valid then.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("date")
}

/// Loads one of the test `.p12` files.
pub fn load(name: &str) -> Result<Certificate, sii_client::cert::CertError> {
    Certificate::from_pkcs12_file(certs_dir().join(name), &password(), now())
}

/// The valid test certificate.
pub fn valid_cert() -> Certificate {
    load("valid.p12").expect("valid.p12 loads")
}

/// Runs a command and returns (success, stdout, stderr); panics if it cannot start, so a
/// missing oracle fails loudly instead of passing silently.
pub fn run(program: &str, args: &[&str]) -> (bool, Vec<u8>, String) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (install it: see scripts/test.sh): {e}"));
    (
        output.status.success(),
        output.stdout,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

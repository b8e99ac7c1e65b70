//! Writes a PKCS#12 file holding several key/certificate pairs, or a key with a certificate
//! that does not belong to it: two shapes the `openssl pkcs12` command cannot produce (it
//! exports one key and refuses a certificate that does not match it). Used only by
//! `tests/data/certs/make-certs.sh`.
//!
//! Usage: `assemble_p12 OUT.p12 PASSWORD ALIAS:KEY.pk8.der:CERT.der [ALIAS:KEY:CERT ...]`

use std::process::ExitCode;

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("assemble_p12: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let [out, password, pairs @ ..] = args.as_slice() else {
        return Err("usage: assemble_p12 OUT.p12 PASSWORD ALIAS:KEY.der:CERT.der ...".into());
    };
    let mut store = KeyStore::new();
    for (index, pair) in pairs.iter().enumerate() {
        let parts: Vec<&str> = pair.split(':').collect();
        let [alias, key_path, cert_path] = parts.as_slice() else {
            return Err(format!("`{pair}` is not ALIAS:KEY.der:CERT.der"));
        };
        let read = |path: &str| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
        let key = PrivateKey::from_der(&read(key_path)?).map_err(|e| format!("{key_path}: {e}"))?;
        let cert =
            Certificate::from_der(&read(cert_path)?).map_err(|e| format!("{cert_path}: {e}"))?;
        // Distinct local key ids keep the pairs apart, as real multi-key files do.
        let chain = PrivateKeyChain::new(vec![b'k', index as u8], key, [cert]);
        store.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain));
    }
    let bytes = store.writer(password).write().map_err(|e| e.to_string())?;
    std::fs::write(out, bytes).map_err(|e| format!("{out}: {e}"))
}

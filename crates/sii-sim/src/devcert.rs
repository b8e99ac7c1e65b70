//! The development certificate `make run` signs getToken with: an RSA key (SII signs with
//! RSA-SHA1), a self-signed certificate carrying the holder RUT in subjectAltName otherName
//! `1.3.6.1.4.1.8321.1` (as Chilean issuers do) and in subject serialNumber, written as a
//! PKCS#12 file (PBES2/AES-256, SHA-256 MAC) that `sii_client::cert` loads. Pure Rust:
//! `rsa` makes the key, `rcgen` the certificate, `p12-keystore` the PKCS#12.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Duration, Utc};
use ofitec_domain::Rut;
use ofitec_domain::Secret;
use rcgen::{CertificateParams, DnType, KeyPair, SanType};
use rsa::pkcs8::EncodePrivateKey;
use sii_client::cert::Certificate;

/// OID of the SII holder RUT inside subjectAltName otherName.
pub const SII_RUT_OID: [u64; 8] = [1, 3, 6, 1, 4, 1, 8321, 1];

/// Why a certificate could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum DevCertError {
    /// Key generation or encoding failed.
    #[error("cannot create the RSA key: {0}")]
    Key(String),
    /// The certificate could not be built.
    #[error("cannot build the certificate: {0}")]
    Certificate(String),
    /// The PKCS#12 could not be written.
    #[error("cannot write the PKCS#12: {0}")]
    Pkcs12(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The password file is unusable.
    #[error("{0}")]
    Password(String),
}

/// What to put in the certificate.
#[derive(Debug, Clone)]
pub struct DevCertOptions {
    /// Holder RUT (`None`: a certificate without one, for tests of ESTADO -07).
    pub rut: Option<Rut>,
    /// Subject common name.
    pub common_name: String,
    /// Start of validity (day precision).
    pub not_before: DateTime<Utc>,
    /// End of validity (day precision).
    pub not_after: DateTime<Utc>,
    /// An existing PKCS#8 DER RSA key to certify (tests reuse one: generating RSA keys is
    /// slow in debug builds); `None` generates a 2048-bit key.
    pub key_pkcs8_der: Option<Vec<u8>>,
}

impl DevCertOptions {
    /// A certificate for `rut` valid from yesterday for `days` days.
    pub fn for_rut(rut: Rut, days: i64) -> DevCertOptions {
        let now = Utc::now();
        DevCertOptions {
            rut: Some(rut),
            common_name: format!("OFITEC Desarrollo {rut}"),
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(days),
            key_pkcs8_der: None,
        }
    }
}

/// A key and its certificate.
#[derive(Clone)]
pub struct DevCert {
    /// PKCS#8 DER private key.
    pub key_pkcs8_der: Vec<u8>,
    /// DER certificate.
    pub cert_der: Vec<u8>,
}

impl std::fmt::Debug for DevCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevCert")
            .field("cert_der_len", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

/// Generates a fresh 2048-bit RSA key as PKCS#8 DER.
pub fn generate_rsa_key() -> Result<Vec<u8>, DevCertError> {
    let key = rsa::PrivateKey::new(&mut rand::rng(), 2048)
        .map_err(|e| DevCertError::Key(e.to_string()))?;
    key.to_pkcs8_der()
        .map(|der| der.as_bytes().to_vec())
        .map_err(|e| DevCertError::Key(e.to_string()))
}

/// Makes the certificate.
pub fn generate(options: &DevCertOptions) -> Result<DevCert, DevCertError> {
    let key_der = match &options.key_pkcs8_der {
        Some(der) => der.clone(),
        None => generate_rsa_key()?,
    };
    let key_pair =
        KeyPair::try_from(key_der.as_slice()).map_err(|e| DevCertError::Key(e.to_string()))?;
    let mut params = CertificateParams::new(Vec::<String>::new())
        .map_err(|e| DevCertError::Certificate(e.to_string()))?;
    params
        .distinguished_name
        .push(DnType::CommonName, options.common_name.clone());
    params.distinguished_name.push(
        DnType::OrganizationName,
        "OFITEC (certificado de desarrollo)",
    );
    params.distinguished_name.push(DnType::CountryName, "CL");
    if let Some(rut) = options.rut {
        // serialNumber (2.5.4.5): the second place issuers put the RUT.
        params
            .distinguished_name
            .push(DnType::CustomDnType(vec![2, 5, 4, 5]), rut.to_string());
        params.subject_alt_names = vec![SanType::OtherName((
            SII_RUT_OID.to_vec(),
            rut.to_string().into(),
        ))];
    }
    let (from, until) = (options.not_before, options.not_after);
    params.not_before = rcgen::date_time_ymd(from.year(), from.month() as u8, from.day() as u8);
    params.not_after = rcgen::date_time_ymd(until.year(), until.month() as u8, until.day() as u8);
    let cert = params
        .self_signed(&key_pair)
        .map_err(|e| DevCertError::Certificate(e.to_string()))?;
    Ok(DevCert {
        key_pkcs8_der: key_der,
        cert_der: cert.der().to_vec(),
    })
}

/// The PKCS#12 bytes of a certificate and its key, under `password`.
pub fn to_pkcs12(cert: &DevCert, password: &str) -> Result<Vec<u8>, DevCertError> {
    use p12_keystore::{
        Certificate as P12Cert, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain,
    };
    let key = PrivateKey::from_der(&cert.key_pkcs8_der)
        .map_err(|e| DevCertError::Pkcs12(e.to_string()))?;
    let certificate =
        P12Cert::from_der(&cert.cert_der).map_err(|e| DevCertError::Pkcs12(e.to_string()))?;
    let mut store = KeyStore::new();
    let chain = PrivateKeyChain::new(b"ofitec-dev".to_vec(), key, [certificate]);
    store.add_entry("ofitec-dev", KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password)
        .write()
        .map_err(|e| DevCertError::Pkcs12(e.to_string()))
}

/// What `sii-sim dev-cert` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// A new certificate was written.
    Created {
        /// Its end of validity.
        not_after: DateTime<Utc>,
    },
    /// The existing file loads and stays valid for more than 30 days: kept.
    Kept {
        /// Its end of validity.
        not_after: DateTime<Utc>,
    },
}

/// Writes `out` (PKCS#12) for `rut`, valid for `days` days, protected by the password in
/// `password_file` (created with a random password when missing). An existing `out` that
/// loads with that password, belongs to `rut` and is valid for 30 more days is kept unless
/// `force`, so `make run` can call this every time.
pub fn write_files(
    out: &Path,
    password_file: &Path,
    rut: Rut,
    days: i64,
    force: bool,
) -> Result<Written, DevCertError> {
    let password = read_or_create_password(password_file)?;
    let now = Utc::now();
    if !force && out.exists() {
        let secret = Secret::new(password.clone());
        if let Ok(existing) = Certificate::from_pkcs12_file(out, &secret, now)
            && existing.holder() == rut
            && existing.not_after() > now + Duration::days(30)
        {
            return Ok(Written::Kept {
                not_after: existing.not_after(),
            });
        }
    }
    let cert = generate(&DevCertOptions::for_rut(rut, days))?;
    let bytes = to_pkcs12(&cert, &password)?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DevCertError::Io {
            path: dir.to_owned(),
            source,
        })?;
    }
    std::fs::write(out, &bytes).map_err(|source| DevCertError::Io {
        path: out.to_owned(),
        source,
    })?;
    // Check what was written the way the gateway will read it.
    let loaded = Certificate::from_pkcs12_file(out, &Secret::new(password), now)
        .map_err(|e| DevCertError::Pkcs12(format!("the written file does not load: {e}")))?;
    Ok(Written::Created {
        not_after: loaded.not_after(),
    })
}

fn read_or_create_password(path: &Path) -> Result<String, DevCertError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let password = text.trim_end_matches(['\r', '\n']).to_owned();
            if password.is_empty() {
                return Err(DevCertError::Password(format!(
                    "{}: the password file is empty",
                    path.display()
                )));
            }
            Ok(password)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use rand::RngExt as _;
            const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            let mut rng = rand::rng();
            let password: String = (0..24)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| DevCertError::Io {
                    path: dir.to_owned(),
                    source,
                })?;
            }
            let mut file = create_private(path).map_err(|source| DevCertError::Io {
                path: path.to_owned(),
                source,
            })?;
            writeln!(file, "{password}").map_err(|source| DevCertError::Io {
                path: path.to_owned(),
                source,
            })?;
            Ok(password)
        }
        Err(source) => Err(DevCertError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Creates a file only its owner can read.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

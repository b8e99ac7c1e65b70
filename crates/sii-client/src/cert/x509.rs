//! What we need from an X.509 certificate: its RSA public key, holder RUT, subject and
//! validity. Shared by the PKCS#12 loader and the signature verifier (which meets
//! certificates inside XML).

use chrono::{DateTime, Utc};
use ofitec_domain::Rut;
use rsa::PublicKey;
use rsa::pkcs8::DecodePublicKey;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::{OID_X509_SERIALNUMBER, Oid};

use super::CertError;

/// OID of the SII holder RUT inside subjectAltName otherName.
const SII_RUT_OID: &str = "1.3.6.1.4.1.8321.1";

/// A parsed certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct X509Info {
    /// The certificate as it was encoded (what `X509Certificate` carries, base64).
    pub der: Vec<u8>,
    /// Subject, in OpenSSL's one-line form.
    pub subject: String,
    /// The holder's RUT, when the certificate carries one.
    pub holder: Option<Rut>,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
    /// The subject's RSA public key, `None` for other key types.
    pub public_key: Option<PublicKey>,
}

impl std::fmt::Debug for X509Info {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X509Info")
            .field("subject", &self.subject)
            .field("holder", &self.holder)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl X509Info {
    /// Parses a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<X509Info, CertError> {
        let (_, cert) =
            x509_parser::parse_x509_certificate(der).map_err(|e| CertError::X509(e.to_string()))?;
        let validity = cert.validity();
        let time = |t: i64| {
            DateTime::<Utc>::from_timestamp(t, 0)
                .ok_or_else(|| CertError::X509(format!("validity timestamp {t} out of range")))
        };
        let public_key = PublicKey::from_public_key_der(cert.public_key().raw).ok();
        Ok(X509Info {
            der: der.to_vec(),
            subject: cert.subject().to_string(),
            holder: holder_rut(&cert),
            not_before: time(validity.not_before.timestamp())?,
            not_after: time(validity.not_after.timestamp())?,
            public_key,
        })
    }

    /// Whether `now` is within the validity period (both ends included, as RFC 5280 says).
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// subjectAltName otherName 1.3.6.1.4.1.8321.1 first, subject serialNumber second.
fn holder_rut(cert: &x509_parser::certificate::X509Certificate<'_>) -> Option<Rut> {
    let from_san = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .and_then(|san| {
            san.value.general_names.iter().find_map(|name| match name {
                GeneralName::OtherName(oid, value) if oid_is(oid, SII_RUT_OID) => {
                    der_string(value).and_then(|s| Rut::parse(&s).ok())
                }
                _ => None,
            })
        });
    from_san.or_else(|| {
        cert.subject()
            .iter_attributes()
            .filter(|a| a.attr_type() == &OID_X509_SERIALNUMBER)
            .find_map(|a| a.as_str().ok().and_then(|s| Rut::parse(s).ok()))
    })
}

fn oid_is(oid: &Oid<'_>, dotted: &str) -> bool {
    oid.to_id_string() == dotted
}

/// The text of an otherName value: `[0] EXPLICIT` around a string (IA5String in real
/// certificates, UTF8String or PrintableString in some), tolerating a missing wrapper.
fn der_string(bytes: &[u8]) -> Option<String> {
    let (tag, content) = der_tlv(bytes)?;
    let (tag, content) = if tag == 0xA0 {
        der_tlv(content)?
    } else {
        (tag, content)
    };
    match tag {
        // UTF8String, PrintableString, IA5String, VisibleString.
        0x0C | 0x13 | 0x16 | 0x1A => std::str::from_utf8(content).ok().map(str::to_owned),
        _ => None,
    }
}

/// One DER tag-length-value: `(tag, content)`. Short and long length forms.
fn der_tlv(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    rest.get(..len).map(|content| (tag, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn othername_strings() {
        // [0] { IA5String "13185095-6" }, as in the e-certchile certificate of a real DTE.
        let ia5 = [
            0xA0, 0x0C, 0x16, 0x0A, b'1', b'3', b'1', b'8', b'5', b'0', b'9', b'5', b'-', b'6',
        ];
        assert_eq!(der_string(&ia5).as_deref(), Some("13185095-6"));
        let bare_utf8 = [0x0C, 0x03, b'1', b'-', b'9'];
        assert_eq!(der_string(&bare_utf8).as_deref(), Some("1-9"));
        assert_eq!(der_string(&[0xA0, 0x05, 0x16, 0x09]), None);
        assert_eq!(der_string(&[0x04, 0x01, 0x00]), None);
        assert_eq!(der_string(&[]), None);
    }

    proptest::proptest! {
        #[test]
        fn garbage_der_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = der_string(&bytes);
            let _ = X509Info::from_der(&bytes);
        }
    }
}

//! Signature errors. Verification checks in a fixed order (structure, references' digests,
//! signature value, certificate, KeyValue/certificate agreement), so each error also says
//! that every earlier check passed.

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsigError {
    /// The bytes are not text in the declared encoding.
    #[error(transparent)]
    Decode(#[from] crate::xml::DecodeError),
    /// The document is not well-formed.
    #[error(transparent)]
    Xml(#[from] crate::xml::XmlError),
    /// A required element is absent (`Signature`, `SignedInfo`, `DigestValue`, …).
    #[error("missing element {0}")]
    MissingElement(&'static str),
    /// An algorithm SII does not use (and we do not implement).
    #[error("unsupported {element} algorithm `{algorithm}`")]
    UnsupportedAlgorithm {
        /// Where it was named (`CanonicalizationMethod`, `Transform`, …).
        element: &'static str,
        /// The URI.
        algorithm: String,
    },
    /// A reference to something outside the document.
    #[error("unsupported reference URI `{0}` (only \"\" and \"#ID\" are supported)")]
    UnsupportedReference(String),
    /// No element has the referenced ID.
    #[error("no element with ID `{0}`")]
    ReferenceNotFound(String),
    /// Several elements share the referenced ID (a signature-wrapping attempt or a bug).
    #[error("several elements have ID `{0}`")]
    DuplicateId(String),
    /// Base64 content that does not decode.
    #[error("{0} is not valid base64")]
    BadBase64(&'static str),
    /// The referenced content changed after signing.
    #[error("digest mismatch for reference `{uri}`: signed {expected}, computed {computed}")]
    DigestMismatch {
        /// The reference URI.
        uri: String,
        /// DigestValue in the document (base64).
        expected: String,
        /// Digest of the canonical content (base64).
        computed: String,
    },
    /// SignatureValue does not match SignedInfo under the key.
    #[error("signature value invalid: SignedInfo was not signed by this key")]
    SignatureInvalid,
    /// `X509Certificate` is not a parsable certificate (or its key is not RSA).
    #[error("certificate unparsable: {0}")]
    CertificateUnparsable(String),
    /// `RSAKeyValue` is not a usable RSA public key.
    #[error("RSAKeyValue invalid: {0}")]
    KeyValueInvalid(String),
    /// `RSAKeyValue` and the certificate carry different keys (SII's ESTADO 21).
    #[error("the RSAKeyValue does not match the certificate's public key")]
    KeyMismatch,
}

/// Why a document could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The document to sign is not well-formed.
    #[error(transparent)]
    Xml(#[from] crate::xml::XmlError),
    /// The RSA operation failed (a key too small for SHA-1 PKCS#1, in practice).
    #[error("RSA signing failed: {0}")]
    Rsa(String),
}

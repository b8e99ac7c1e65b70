//! Algorithm and namespace URIs.

/// The XML-DSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Inclusive C14N 1.0 without comments: the only canonicalisation SII's schema allows.
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Inclusive C14N 1.0 with comments (accepted when verifying).
pub const C14N_WITH_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// RSA PKCS#1 v1.5 with SHA-1.
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
/// SHA-1 digest.
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
/// The enveloped-signature transform.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

//! The SOAP 1.1 requests, built by hand as every working client does (the WSDL is RPC style
//! and code generators get it wrong). The `xmlns:m` URI names the environment's host.

use super::Seed;
use crate::Environment;
use crate::cert::Certificate;
use crate::dsig::{self, SignError};

/// Headers both SOAP calls need (`SOAPAction` is the empty quoted string).
pub const SOAP_HEADERS: [(&str, &str); 2] = [
    ("Content-Type", "text/xml; charset=utf-8"),
    ("SOAPAction", "\"\""),
];

const ENVELOPE_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" \
xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><SOAP-ENV:Body>";
const ENVELOPE_CLOSE: &str = "</SOAP-ENV:Body></SOAP-ENV:Envelope>";

/// The getSeed request for `env` (POST it to [`Environment::seed_url`]).
pub fn seed_envelope(env: &Environment) -> String {
    format!(
        "{ENVELOPE_OPEN}<m:getSeed xmlns:m=\"{}\"/>{ENVELOPE_CLOSE}",
        escape(&env.seed_url())
    )
}

/// The signed `<getToken><item><Semilla>…</Semilla></item><Signature…/></getToken>`
/// document for `seed`.
pub fn signed_token_request(seed: &Seed, cert: &Certificate) -> Result<String, SignError> {
    let document = format!(
        "<getToken><item><Semilla>{}</Semilla></item></getToken>",
        seed.as_str()
    );
    dsig::sign_enveloped(&document, cert)
}

/// The getToken request carrying `signed` (from [`signed_token_request`]) entity-escaped
/// inside `pszXml`, the manual's way (POST it to [`Environment::token_url`]).
pub fn token_envelope(env: &Environment, signed: &str) -> String {
    format!(
        "{ENVELOPE_OPEN}<m:getToken xmlns:m=\"{}\"><pszXml xsi:type=\"xsd:string\">{}</pszXml></m:getToken>{ENVELOPE_CLOSE}",
        escape(&env.token_url()),
        escape(signed)
    )
}

/// Escapes text for element content and double-quoted attributes. The signature covers the
/// unescaped text, which is what SII's parser gets back.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

//! SII's SOAP authentication (docs/reference/sii.md#authentication): `CrSeed.jws` (getSeed) and
//! `GetTokenFromSeed.jws` (getToken), answering in the shapes of the real captures in
//! `testdata/sii/auth`.
//!
//! * `store`: seeds (single use, 2-minute life) and tokens;
//! * `seed`: the getSeed answer;
//! * `token`: getToken's checks, in order, each with its ESTADO;
//! * here: the `RESPUESTA` document and the SOAP envelope around it.

pub mod seed;
pub mod store;
pub mod token;

/// Escapes text for XML content and double-quoted attributes, as Axis does (`'` kept).
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

/// A `RESPUESTA` part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    /// `RESP_HDR` with ESTADO and, when given, GLOSA.
    Header {
        /// ESTADO.
        estado: &'a str,
        /// GLOSA.
        glosa: Option<&'a str>,
    },
    /// `RESP_BODY` with one element (`SEMILLA` or `TOKEN`).
    Body {
        /// Element name.
        name: &'a str,
        /// Its text.
        value: &'a str,
    },
}

/// The inner `RESPUESTA` document, parts in the given order (real getSeed answers put
/// `RESP_BODY` first).
pub fn respuesta(parts: &[Part<'_>]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><SII:RESPUESTA xmlns:SII=\"http://www.sii.cl/XMLSchema\">",
    );
    for part in parts {
        match part {
            Part::Header { estado, glosa } => {
                out.push_str("<SII:RESP_HDR><ESTADO>");
                out.push_str(&xml_escape(estado));
                out.push_str("</ESTADO>");
                if let Some(glosa) = glosa {
                    out.push_str("<GLOSA>");
                    out.push_str(&xml_escape(glosa));
                    out.push_str("</GLOSA>");
                }
                out.push_str("</SII:RESP_HDR>");
            }
            Part::Body { name, value } => {
                out.push_str("<SII:RESP_BODY><");
                out.push_str(name);
                out.push('>');
                out.push_str(&xml_escape(value));
                out.push_str("</");
                out.push_str(name);
                out.push_str("></SII:RESP_BODY>");
            }
        }
    }
    out.push_str("</SII:RESPUESTA>");
    out
}

/// The SOAP answer of `operation` (`getSeed`, `getToken`) carrying `respuesta` inside
/// `<operation>Return`, entity-escaped (or in CDATA), under an unprefixed
/// `<operation>Response`, as in `getSeed_response.real.xml`.
pub fn envelope(operation: &str, respuesta: &str, cdata: bool) -> Vec<u8> {
    let payload = if cdata {
        format!("<![CDATA[{respuesta}]]>")
    } else {
        xml_escape(respuesta)
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n \
<soapenv:Body>\n  \
<{operation}Response soapenv:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">\n   \
<{operation}Return xsi:type=\"xsd:string\">{payload}</{operation}Return>\n  \
</{operation}Response>\n \
</soapenv:Body>\n\
</soapenv:Envelope>\n"
    )
    .into_bytes()
}

/// Finds the RPC element of a SOAP request (`getSeed`, `getToken`) in the Body and checks
/// its namespace names the service (`…/DTEWS/CrSeed.jws`): Axis dispatches on both.
pub(crate) fn rpc_element<'a, 'input>(
    doc: &'a roxmltree::Document<'input>,
    operation: &str,
    service_path: &str,
) -> Result<roxmltree::Node<'a, 'input>, String> {
    let body = doc
        .descendants()
        .find(|n| {
            n.is_element()
                && n.tag_name().name() == "Body"
                && n.tag_name().namespace() == Some("http://schemas.xmlsoap.org/soap/envelope/")
        })
        .ok_or("no SOAP Body")?;
    let element = body
        .children()
        .find(|n| n.is_element())
        .ok_or("empty SOAP Body")?;
    let namespace_ok = element
        .tag_name()
        .namespace()
        .is_some_and(|ns| ns.ends_with(service_path));
    if element.tag_name().name() != operation || !namespace_ok {
        return Err(format!("No such operation '{}'", element.tag_name().name()));
    }
    Ok(element)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_answer_has_the_real_shape() {
        let inner = respuesta(&[
            Part::Body {
                name: "SEMILLA",
                value: "000000000078",
            },
            Part::Header {
                estado: "00",
                glosa: None,
            },
        ]);
        let bytes = envelope("getSeed", &inner, false);
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert!(text.contains("<getSeedResponse soapenv:encodingStyle="));
        assert!(text.contains("&lt;SII:RESP_BODY&gt;&lt;SEMILLA&gt;000000000078"));
        assert!(text.contains("encoding=&quot;UTF-8&quot;?&gt;"));
        let seed = sii_client::auth::parse_seed_response(&text).map(|s| s.to_string());
        assert_eq!(seed.as_deref(), Ok("000000000078"));
        let cdata = String::from_utf8(envelope("getSeed", &inner, true)).unwrap_or_default();
        let seed = sii_client::auth::parse_seed_response(&cdata).map(|s| s.to_string());
        assert_eq!(seed.as_deref(), Ok("000000000078"));
    }
}

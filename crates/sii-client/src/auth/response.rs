//! Reading SII's SOAP answers tolerantly. Real captures differ from the manual: the
//! `RESPUESTA` document comes entity-escaped (or in CDATA) inside `get…Return`, prefixes
//! come and go, `RESP_BODY` may precede `RESP_HDR`, line ends may be CRLF. So elements are
//! matched by local name, in any order, and both the wrapped and the bare forms are read.

use roxmltree::{Document, Node};

use super::{AuthError, Seed, SeedFailure, Token, TokenFailure};
use crate::xml;
use crate::xml::html::{html_summary, looks_like_html};

/// An SII `RESPUESTA`: its ESTADO, GLOSA, and every leaf element by local name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respuesta {
    /// `ESTADO`, trimmed.
    pub estado: String,
    /// `GLOSA`, trimmed, when present.
    pub glosa: Option<String>,
    /// Leaf elements (local name, trimmed text) in document order.
    pub fields: Vec<(String, String)>,
}

impl Respuesta {
    /// The text of the first leaf element with this local name.
    pub fn field(&self, local_name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| name == local_name)
            .map(|(_, value)| value.as_str())
    }
}

/// Parses a getSeed answer into the seed.
pub fn parse_seed_response(body: &str) -> Result<Seed, AuthError> {
    let respuesta = parse_respuesta(body)?;
    if let Some(failure) = SeedFailure::from_estado(&respuesta.estado) {
        return Err(AuthError::Seed {
            failure,
            glosa: respuesta.glosa,
        });
    }
    let text = respuesta
        .field("SEMILLA")
        .ok_or_else(|| AuthError::Malformed("ESTADO 00 without SEMILLA".into()))?;
    Seed::new(text).ok_or_else(|| AuthError::Malformed(format!("SEMILLA `{text}` is not digits")))
}

/// Parses a getToken answer into the token.
pub fn parse_token_response(body: &str) -> Result<Token, AuthError> {
    let respuesta = parse_respuesta(body)?;
    if let Some(failure) = TokenFailure::from_estado(&respuesta.estado) {
        return Err(AuthError::Token {
            failure,
            glosa: respuesta.glosa,
        });
    }
    respuesta
        .field("TOKEN")
        .and_then(Token::new)
        // The value itself stays out of the message: it may be a token after all.
        .ok_or_else(|| AuthError::Malformed("ESTADO 00 without a well-formed TOKEN".into()))
}

/// Finds and reads the `RESPUESTA` of any SII SOAP answer (or a bare `RESPUESTA`). Detects
/// HTML error pages, SOAP Faults, and the "TOKEN NO EXISTE" form (`ESTADO` 001/002/003),
/// which it returns as [`AuthError::TokenInvalid`].
pub fn parse_respuesta(body: &str) -> Result<Respuesta, AuthError> {
    let text = body.trim_start_matches('\u{feff}').trim();
    let doc = parse_xml(text)?;
    if let Some(fault) = find(&doc, "Fault") {
        return Err(fault_error(fault));
    }
    let respuesta = match find(&doc, "RESPUESTA") {
        Some(node) => read_respuesta(node)?,
        None => {
            let payload = doc
                .descendants()
                .find(|n| n.is_element() && n.tag_name().name().ends_with("Return"))
                .map(all_text)
                .ok_or_else(|| {
                    AuthError::Malformed("neither a RESPUESTA nor a …Return element".into())
                })?;
            let inner = parse_xml(payload.trim())?;
            let node = find(&inner, "RESPUESTA").ok_or_else(|| {
                AuthError::Malformed("the …Return payload holds no RESPUESTA".into())
            })?;
            read_respuesta(node)?
        }
    };
    if matches!(respuesta.estado.as_str(), "001" | "002" | "003") {
        let glosa = respuesta
            .glosa
            .clone()
            .unwrap_or_else(|| "TOKEN NO EXISTE".into());
        return Err(AuthError::TokenInvalid(format!(
            "ESTADO {} {glosa}",
            respuesta.estado
        )));
    }
    Ok(respuesta)
}

fn parse_xml(text: &str) -> Result<Document<'_>, AuthError> {
    if text.is_empty() {
        return Err(AuthError::SiiUnavailable("empty answer".into()));
    }
    if looks_like_html(text) {
        return Err(AuthError::SiiUnavailable(html_summary(text)));
    }
    xml::parse(text).map_err(|e| AuthError::Malformed(e.to_string()))
}

fn find<'a, 'input>(doc: &'a Document<'input>, local: &str) -> Option<Node<'a, 'input>> {
    doc.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
}

fn child_text(node: Node<'_, '_>, local: &str) -> Option<String> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
        .map(|n| all_text(n).trim().to_owned())
}

fn all_text(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

fn read_respuesta(node: Node<'_, '_>) -> Result<Respuesta, AuthError> {
    let estado = child_text(node, "ESTADO")
        .filter(|e| !e.is_empty())
        .ok_or_else(|| AuthError::Malformed("RESPUESTA without ESTADO".into()))?;
    let glosa = child_text(node, "GLOSA").filter(|g| !g.is_empty());
    let fields = node
        .descendants()
        .filter(|n| n.is_element() && !n.children().any(|c| c.is_element()))
        .map(|n| {
            (
                n.tag_name().name().to_owned(),
                all_text(n).trim().to_owned(),
            )
        })
        .collect();
    Ok(Respuesta {
        estado,
        glosa,
        fields,
    })
}

fn fault_error(fault: Node<'_, '_>) -> AuthError {
    let code = child_text(fault, "faultcode").unwrap_or_default();
    let message = child_text(fault, "faultstring").unwrap_or_default();
    let folded = message.to_lowercase().replace('á', "a");
    if folded.contains("token invalido") || folded.contains("token no existe") {
        return AuthError::TokenInvalid(message);
    }
    AuthError::SoapFault { code, message }
}

#[cfg(test)]
mod tests;

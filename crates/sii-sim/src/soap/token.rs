//! `POST /DTEWS/GetTokenFromSeed.jws`: the signed seed in, a token out — after SII's checks,
//! in this order, each with the ESTADO SII answers (docs/reference/sii.md#estado-codes):
//!
//! | check | ESTADO |
//! |---|---|
//! | `pszXml` missing or empty | 01 |
//! | the signed document is not well-formed XML | 02 |
//! | its root is not `getToken` | 03 |
//! | no `Signature` (XML-DSig namespace) | 04 |
//! | no `Semilla`, or empty | 06 |
//! | no `X509Certificate` | 11 |
//! | digest or signature value wrong, algorithm or reference not SII's | 05 |
//! | `RSAKeyValue` and the certificate carry different keys | 21 |
//! | certificate unparsable | -3 |
//! | seed unknown, already used, or older than its lifetime | 08 |
//! | certificate not valid now (simulator clock) | -3 |
//! | certificate without a holder RUT | -07 |
//! | holder RUT not in `enrolled_ruts` | -3 |
//! | otherwise | 00, `Token Creado` |

use chrono::Duration;
use http::StatusCode;
use roxmltree::Node;
use sii_client::dsig::{self, DSIG_NS, DsigError};

use super::store::SeedProblem;
use super::{Part, envelope, respuesta, rpc_element};
use crate::faults::respond::soap_fault;
use crate::reply::{self, Reply};
use crate::state::SimState;

/// Answers a getToken request.
pub fn answer(state: &SimState, body: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(body);
    let outer = match roxmltree::Document::parse(text.trim_start_matches('\u{feff}').trim()) {
        Ok(doc) => doc,
        Err(e) => return fault(&format!("org.xml.sax.SAXParseException: {e}")),
    };
    let call = match rpc_element(&outer, "getToken", "/DTEWS/GetTokenFromSeed.jws") {
        Ok(node) => node,
        Err(message) => return fault(&message),
    };
    // roxmltree gives the text with entities resolved and CDATA unwrapped: both ways of
    // carrying the signed document arrive here the same.
    let signed: String = call
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "pszXml")
        .map(|n| {
            n.descendants()
                .filter(Node::is_text)
                .filter_map(|t| t.text())
                .collect()
        })
        .unwrap_or_default();
    match check(state, signed.trim()) {
        Ok(token) => {
            let inner = respuesta(&[
                Part::Header {
                    estado: "00",
                    glosa: Some("Token Creado"),
                },
                Part::Body {
                    name: "TOKEN",
                    value: &token,
                },
            ]);
            Reply::ok(
                reply::XML,
                envelope("getToken", &inner, state.config.soap_cdata),
                "ok",
            )
        }
        Err((code, glosa)) => estado(state, code, Some(glosa), format!("estado_{code}")),
    }
}

/// An ESTADO answer of getToken (real errors and faults: `05`, `-3`, `12`, …).
pub fn estado(state: &SimState, code: &str, glosa: Option<&str>, outcome: String) -> Reply {
    let glosa = glosa.unwrap_or_else(|| default_glosa(code));
    let inner = respuesta(&[Part::Header {
        estado: code,
        glosa: Some(glosa),
    }]);
    Reply::ok(
        reply::XML,
        envelope("getToken", &inner, state.config.soap_cdata),
        outcome,
    )
}

fn default_glosa(code: &str) -> &'static str {
    match code.trim() {
        "01" => "Error de Entrada/Salida: no se pudo leer el documento",
        "02" => "Error de Parseo (SAX): documento mal formado",
        "03" => "Error de Parseo: el documento no es una solicitud getToken",
        "04" => "Error: Documento sin Firma",
        "05" => "Error: Firma no Valida",
        "06" => "Error: Documento sin Semilla",
        "07" | "09" => "Error Interno en el Mensaje",
        "08" => "Error: Semilla Invalida o Expirada",
        "10" => "Error Interno",
        "11" => "Error: Documento sin Certificado",
        "12" => "Error Interno: Reintente",
        "21" => "Error: Llave Publica no Corresponde al Certificado",
        "-3" => "Error de Autenticacion",
        "-07" => "RUT no Registrado para Autenticacion con Certificado",
        _ => "Error",
    }
}

fn fault(message: &str) -> Reply {
    Reply::with_status(
        StatusCode::INTERNAL_SERVER_ERROR,
        reply::XML,
        soap_fault("soapenv:Server.userException", message),
        "soap_fault",
    )
}

type Refusal = (&'static str, &'static str);

fn check(state: &SimState, signed: &str) -> Result<String, Refusal> {
    if signed.is_empty() {
        return Err(("01", default_glosa("01")));
    }
    let doc = sii_client::xml::parse(signed).map_err(|_| ("02", default_glosa("02")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "getToken" {
        return Err(("03", default_glosa("03")));
    }
    let signature = root
        .descendants()
        .find(|n| {
            n.is_element()
                && n.tag_name().name() == "Signature"
                && n.tag_name().namespace() == Some(DSIG_NS)
        })
        .ok_or(("04", default_glosa("04")))?;
    let seed: String = root
        .descendants()
        .find(|n| {
            n.is_element()
                && n.tag_name().name() == "Semilla"
                && !n.ancestors().any(|a| a == signature)
        })
        .map(|n| {
            n.descendants()
                .filter(Node::is_text)
                .filter_map(|t| t.text())
                .collect::<String>()
        })
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or(("06", default_glosa("06")))?;
    let has_certificate = signature.descendants().any(|n| {
        n.is_element()
            && n.tag_name().name() == "X509Certificate"
            && n.tag_name().namespace() == Some(DSIG_NS)
    });
    if !has_certificate {
        return Err(("11", default_glosa("11")));
    }
    let verified = dsig::verify_document(&doc).map_err(|e| match e {
        DsigError::KeyMismatch => ("21", default_glosa("21")),
        DsigError::CertificateUnparsable(_) => {
            ("-3", "Error de Autenticacion: Certificado Rechazado")
        }
        DsigError::MissingElement("Signature") => ("04", default_glosa("04")),
        _ => ("05", default_glosa("05")),
    })?;
    // SII signs the whole getToken (enveloped, URI=""): a signature over less leaves the
    // seed unsigned.
    let signature = verified
        .first()
        .filter(|v| v.references.iter().all(|r| r.is_empty()))
        .ok_or(("05", default_glosa("05")))?;
    let certificate = signature
        .certificate
        .as_ref()
        .ok_or(("11", default_glosa("11")))?;

    let now = state.clock.now();
    state
        .auth
        .take_seed(
            &seed,
            now,
            Duration::seconds(state.config.seed_lifetime_s as i64),
        )
        .map_err(|problem| match problem {
            SeedProblem::Unknown => ("08", "Error: Semilla no Existe"),
            SeedProblem::Used => ("08", "Error: Semilla ya Utilizada"),
            SeedProblem::Expired => ("08", "Error: Semilla Expirada"),
        })?;
    if !certificate.is_valid_at(now) {
        return Err(if now > certificate.not_after {
            ("-3", "Error de Autenticacion: Certificado Vencido")
        } else {
            ("-3", "Error de Autenticacion: Certificado aun no Vigente")
        });
    }
    let holder = certificate.holder.ok_or(("-07", default_glosa("-07")))?;
    if !state.enrolled.allows(holder) {
        return Err((
            "-3",
            "Error de Autenticacion: RUT no Enrolado en este Ambiente",
        ));
    }
    Ok(state.auth.issue_token(
        holder,
        now,
        Duration::seconds(state.config.token_lifetime_s as i64),
    ))
}

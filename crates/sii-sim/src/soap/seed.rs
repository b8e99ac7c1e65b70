//! `POST /DTEWS/CrSeed.jws`: a getSeed envelope in, a 12-digit single-use seed out.

use chrono::Duration;
use http::StatusCode;

use super::{Part, envelope, respuesta, rpc_element};
use crate::faults::respond::soap_fault;
use crate::reply::{self, Reply};
use crate::state::SimState;

/// Answers a getSeed request.
pub fn answer(state: &SimState, body: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(body);
    let parsed = roxmltree::Document::parse(text.trim_start_matches('\u{feff}').trim());
    let checked = match &parsed {
        Ok(doc) => rpc_element(doc, "getSeed", "/DTEWS/CrSeed.jws").map(|_| ()),
        Err(e) => Err(format!("org.xml.sax.SAXParseException: {e}")),
    };
    if let Err(message) = checked {
        return Reply::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            reply::XML,
            soap_fault("soapenv:Server.userException", &message),
            "soap_fault",
        );
    }
    let seed = state.auth.new_seed(
        state.clock.now(),
        Duration::seconds(state.config.seed_lifetime_s as i64),
    );
    let inner = respuesta(&[
        Part::Body {
            name: "SEMILLA",
            value: &seed,
        },
        Part::Header {
            estado: "00",
            glosa: None,
        },
    ]);
    Reply::ok(
        reply::XML,
        envelope("getSeed", &inner, state.config.soap_cdata),
        "ok",
    )
}

/// An ESTADO answer of getSeed (for faults: `-1`, `-2`).
pub fn estado(state: &SimState, code: &str, glosa: Option<&str>, outcome: String) -> Reply {
    let glosa = glosa.unwrap_or(match code.trim() {
        "-1" => "Error: No existe linea de configuracion",
        "-2" => "Error Interno: Base de Datos",
        _ => "Error",
    });
    let inner = respuesta(&[Part::Header {
        estado: code,
        glosa: Some(glosa),
    }]);
    Reply::ok(
        reply::XML,
        envelope("getSeed", &inner, state.config.soap_cdata),
        outcome,
    )
}

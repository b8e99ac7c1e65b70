//! The envelope and `codRespuesta`: 0 ok, 3 no RCV for the period (normal), 99 no data or
//! bad token (the message tells which), 2 bad request.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::RcvError;
use crate::rcv::value;
use crate::xml::html::{html_summary, looks_like_html};

/// What kind of success an answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RcvStatus {
    /// `codRespuesta 0`.
    Ok,
    /// `codRespuesta 3`: the period has no RCV; not an error.
    EmptyPeriod,
    /// `codRespuesta 99` with a message other than the bad-token one: nothing to return.
    NoData,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    /// Ok, empty period, or no data.
    pub status: RcvStatus,
    /// `dataCabecera.dcvFecModificacion`: when SII last changed this register.
    pub modified_at: Option<NaiveDateTime>,
    /// `respEstado.msgeRespuesta`, when SII wrote one.
    pub message: Option<String>,
    /// What `data` held.
    pub items: T,
}

/// Reads the envelope; returns the status, header fields and `data`.
pub(super) fn read(bytes: &[u8]) -> Result<(Answer<()>, Value), RcvError> {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(RcvError::SiiUnavailable("empty answer".into()));
    }
    if trimmed.starts_with('<') {
        if looks_like_html(trimmed) {
            return Err(RcvError::SiiUnavailable(html_summary(trimmed)));
        }
        // SII's services answer a dead token with the SOAP services' XML ("ESTADO 001
        // TOKEN NO EXISTE") even where JSON is expected (docs/reference/sii.md#token-renewal): that
        // is a token signal, not an outage.
        return Err(match crate::auth::parse_respuesta(trimmed) {
            Err(crate::auth::AuthError::TokenInvalid(message)) => RcvError::TokenInvalid(message),
            _ => RcvError::SiiUnavailable("XML instead of JSON".into()),
        });
    }
    let mut root: Value =
        serde_json::from_str(trimmed).map_err(|e| RcvError::Malformed(format!("not JSON: {e}")))?;
    let Some(object) = root.as_object_mut() else {
        return Err(RcvError::Malformed(
            "the answer is not a JSON object".into(),
        ));
    };
    let estado = object
        .get("respEstado")
        .ok_or_else(|| RcvError::Malformed("no respEstado".into()))?;
    let code = estado
        .get("codRespuesta")
        .and_then(|v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .ok_or_else(|| RcvError::Malformed("respEstado without a numeric codRespuesta".into()))?;
    let message = estado
        .get("msgeRespuesta")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    let modified_at = object
        .get("dataCabecera")
        .and_then(|c| c.get("dcvFecModificacion"))
        .and_then(Value::as_str)
        .and_then(|s| value::datetime(s).ok().flatten());
    let status = match code {
        0 => RcvStatus::Ok,
        3 => RcvStatus::EmptyPeriod,
        99 if message.as_deref().is_some_and(says_token_invalid) => {
            return Err(RcvError::TokenInvalid(message.unwrap_or_default()));
        }
        99 => RcvStatus::NoData,
        2 => return Err(RcvError::BadRequest(message.unwrap_or_default())),
        other => {
            return Err(RcvError::Sii {
                code: other,
                message: message.unwrap_or_default(),
            });
        }
    };
    let data = object.remove("data").unwrap_or(Value::Null);
    Ok((
        Answer {
            status,
            modified_at,
            message,
            items: (),
        },
        data,
    ))
}

/// "El token no es valido" and its spellings.
fn says_token_invalid(message: &str) -> bool {
    let folded = message.to_lowercase().replace('á', "a");
    folded.contains("token")
        && (folded.contains("no es valido")
            || folded.contains("invalido")
            || folded.contains("no existe"))
}

/// `data` as an array of rows; null or absent is empty.
pub(super) fn rows(data: Value) -> Result<Vec<Value>, RcvError> {
    match data {
        Value::Array(rows) => Ok(rows),
        Value::Null => Ok(Vec::new()),
        _ => Err(RcvError::Malformed("`data` is not a list".into())),
    }
}

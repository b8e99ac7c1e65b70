//! The facade's envelope: `{"data": …, "dataCabecera": {"dcvFecModificacion": …},
//! "respEstado": {"codRespuesta": …, "msgeRespuesta": …, "codError": …}}`.

use chrono::NaiveDateTime;

use super::write::{self, json_opt_string};
use crate::reply::{self, Reply};

/// `codRespuesta 99` text for a bad token, as SII writes it.
pub const TOKEN_INVALID: &str = "El token no es valido";

/// Starts a successful answer; `data` is appended by the caller, then [`finish_ok`].
pub fn start() -> String {
    String::from("{\"data\":")
}

/// Closes an answer whose `data` is written; `extra` adds top-level fields (`totDocRes`).
pub fn finish_ok(mut out: String, modified: NaiveDateTime, extra: &[(&str, i64)]) -> Vec<u8> {
    for (name, value) in extra {
        out.push_str(",\"");
        out.push_str(name);
        out.push_str("\":");
        write::int(&mut out, *value);
    }
    out.push_str(",\"dataCabecera\":{\"dcvFecModificacion\":\"");
    write::datetime(&mut out, modified);
    out.push_str(
        "\"},\"respEstado\":{\"codRespuesta\":0,\"msgeRespuesta\":null,\"codError\":null}}",
    );
    out.into_bytes()
}

/// An answer without data: `codRespuesta` `code` and its message.
pub fn status(code: i64, message: &str, outcome: impl Into<String>) -> Reply {
    let mut out =
        String::from("{\"data\":null,\"dataCabecera\":null,\"respEstado\":{\"codRespuesta\":");
    write::int(&mut out, code);
    out.push_str(",\"msgeRespuesta\":");
    json_opt_string(&mut out, Some(message));
    out.push_str(",\"codError\":");
    if code == 0 {
        out.push_str("null");
    } else {
        write::int(&mut out, code);
    }
    out.push_str("}}");
    Reply::ok(reply::JSON, out.into_bytes(), outcome)
}

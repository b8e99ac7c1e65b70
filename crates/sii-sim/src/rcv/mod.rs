//! The RCV JSON facade (docs/reference/sii.md#rcv-facade):
//! `POST /consdcvinternetui/services/data/facadeService/<method>` for `getResumen`,
//! `getDetalleCompra`, `getDetalleVenta` and their `…Export` forms, over the synthetic registers
//! of [`crate::data`].
//!
//! * `request`: SII's checks (Accept quirk, cookie, namespace, conversationId, query);
//! * `envelope`: `{data, dataCabecera, respEstado}`;
//! * `summary`, `detail_json`, `export_csv`: the three kinds of `data`;
//! * `write`: fast number/date/JSON writing for large answers.

mod detail_json;
mod envelope;
mod export_csv;
pub mod request;
mod summary;
mod write;

use chrono::Datelike;
use http::{HeaderMap, StatusCode};
use ofitec_domain::Period;
use ofitec_domain::rcv::{Operation, RcvDocument};
use sii_client::rcv::FacadeMethod;

pub use envelope::TOKEN_INVALID;
pub use export_csv::header as export_header;

use crate::data::cache::CacheKey;
use crate::faults::{Endpoint, respond};
use crate::reply::{self, Reply};
use crate::state::SimState;

/// `codRespuesta` of a detail call above the synchronous limit (see crates/sii-sim/README.md).
pub const OVER_LIMIT_CODE: i64 = 1;

/// The endpoint a method counts under.
pub fn endpoint(method: FacadeMethod) -> Endpoint {
    match method {
        FacadeMethod::GetResumen => Endpoint::Resumen,
        FacadeMethod::GetDetalleCompra | FacadeMethod::GetDetalleVenta => Endpoint::Detalle,
        FacadeMethod::GetDetalleCompraExport | FacadeMethod::GetDetalleVentaExport => {
            Endpoint::Export
        }
    }
}

/// Answers one facade call.
pub async fn answer(
    state: &SimState,
    method: FacadeMethod,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    let now = state.clock.now();
    let call = match request::check(method, headers, body, |t| {
        state.auth.token_holder(t, now).is_some()
    }) {
        Ok(call) => call,
        Err(reply) => return reply,
    };
    // A month that has not begun has no register yet; volume 0 means "no RCV".
    let current = Period::new(now.year() as u32, now.month()).ok();
    let no_rcv = || {
        envelope::status(
            3,
            "No existe información del Registro de Compras y Ventas para el periodo consultado",
            "cod_respuesta_3",
        )
    };
    let data =
        if let Some(loaded) = state.loaded_register(call.company, call.period, call.operation) {
            if loaded.is_empty() {
                return no_rcv();
            }
            loaded
        } else {
            let volume = state.volume(call.company, call.period);
            if current.is_some_and(|c| call.period > c) || volume == 0 {
                return no_rcv();
            }
            let key = CacheKey {
                company: call.company,
                period: call.period,
                operation: call.operation,
                volume,
                revision: state.revision(call.company, call.period, call.operation),
            };
            match state.cache.get(key).await {
                Ok(data) => data,
                Err(e) => {
                    tracing::error!(error = %e, "cannot generate the register");
                    return respond::http_500(false, "http_500_internal".into());
                }
            }
        };
    let no_data = || {
        envelope::status(
            99,
            "No existen registros para los criterios de búsqueda",
            "cod_respuesta_99",
        )
    };
    let mut out = envelope::start();
    match method {
        FacadeMethod::GetResumen => {
            let detail = data.of_state(call.state);
            let summaries = match call.operation {
                Operation::Compra => &[][..],
                Operation::Venta => data.summaries(),
            };
            if detail.is_empty() && summaries.is_empty() {
                return no_data();
            }
            let count = summary::rows(&mut out, call.operation, call.state, detail, summaries);
            let body = envelope::finish_ok(out, data.modified_at(), &[("totDocRes", count as i64)]);
            Reply::ok(reply::JSON, body, "ok")
        }
        FacadeMethod::GetDetalleCompra | FacadeMethod::GetDetalleVenta => {
            let docs = data.of_state_and_type(call.state, call.tipo.unwrap_or(0));
            if docs.is_empty() {
                return no_data();
            }
            if docs.len() > state.config.sync_detail_limit {
                return envelope::status(
                    OVER_LIMIT_CODE,
                    &format!(
                        "La consulta excede el máximo de {} documentos del detalle en línea ({} documentos); utilice la descarga del detalle",
                        state.config.sync_detail_limit,
                        docs.len()
                    ),
                    "cod_respuesta_1_over_limit",
                );
            }
            detail_json::rows(&mut out, docs);
            Reply::ok(
                reply::JSON,
                envelope::finish_ok(out, data.modified_at(), &[]),
                "ok",
            )
        }
        FacadeMethod::GetDetalleCompraExport | FacadeMethod::GetDetalleVentaExport => {
            let docs = match call.tipo {
                Some(tipo) => data.of_state_and_type(call.state, tipo),
                None => data.of_state(call.state),
            };
            if docs.is_empty() {
                return no_data();
            }
            out.reserve(docs.len() * 320);
            out.push('[');
            let mut first = true;
            export_csv::lines(call.operation, call.state, docs, |line| {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push('"');
                if line.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
                    write::json_text(&mut out, line);
                } else {
                    out.push_str(line);
                }
                out.push('"');
            });
            out.push(']');
            Reply::ok(
                reply::JSON,
                envelope::finish_ok(out, data.modified_at(), &[]),
                "ok",
            )
        }
    }
}

/// A facade answer with `codRespuesta` `code` and no data (faults use it).
pub fn status(code: i64, message: &str) -> Reply {
    envelope::status(code, message, format!("cod_respuesta_{code}"))
}

/// An unknown facade method: the application server's 404.
pub fn not_found() -> Reply {
    Reply::with_status(
        StatusCode::NOT_FOUND,
        reply::HTML,
        b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.0 Draft//EN\">\n<HTML>\n<HEAD>\n<TITLE>Error 404--Not Found</TITLE>\n</HEAD>\n<BODY bgcolor=\"white\">\n<H2>Error 404--Not Found</H2>\n</BODY>\n</HTML>\n".to_vec(),
        "http_404",
    )
}

/// Appends a counterpart name as served: some names carry the leading or trailing spaces
/// real registers have (clients must trim); `;` never reaches a CSV field.
pub(crate) fn served_name(out: &mut String, doc: &RcvDocument, json: bool) {
    let lead = doc.folio % 29 == 0;
    let trail = doc.folio % 23 == 0;
    if lead {
        out.push_str("  ");
    }
    if json {
        write::json_text(out, &doc.counterpart_name);
    } else {
        for c in doc.counterpart_name.chars() {
            out.push(if c == ';' { ',' } else { c });
        }
    }
    if trail {
        out.push(' ');
    }
}

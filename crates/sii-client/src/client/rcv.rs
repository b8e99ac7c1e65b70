//! Downloading one company's register for one period (docs/reference/sii.md#rcv-facade).
//!
//! `getResumen` first (per purchase state), then, for each document type with documents:
//! the synchronous detail when the type has at most `detail_sync_limit` documents, the CSV
//! export otherwise; types SII only totals (boletas, vouchers) become summary lines. Every
//! call retries SII's bad days with growing delays and, on an invalid-token signal, gets a
//! new token once and repeats the call once.

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDateTime;
use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument};
use ofitec_domain::{Period, Rut};

use super::config::ClientConfig;
use super::error::SiiError;
use super::tokens::TokenCache;
use super::transport::{Reply, Transport, http_error};
use crate::auth::RetryAdvice;
use crate::rcv::request::{RcvQuery, build};
use crate::rcv::response::{
    Answer, RcvError, RcvStatus, SummaryRow, parse_detalle, parse_export_documents, parse_resumen,
};
use crate::rcv::{FacadeMethod, RowError};

/// Document types SII only totals in the summary (boletas, vouchers): no detail exists.
const SUMMARY_ONLY_TYPES: &[u16] = &[35, 38, 39, 41, 47, 48];

/// Progress of a download, reported after each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Document type.
    pub tipo_dte: u16,
    /// Purchase state (purchases).
    pub state: Option<PurchaseState>,
    /// Documents received for it.
    pub fetched: u64,
}

/// One register as SII serves it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterFetch {
    /// Every document (and summary line).
    pub documents: Vec<RcvDocument>,
    /// SII's summary rows, per state for purchases.
    pub summary: Vec<(Option<PurchaseState>, SummaryRow)>,
    /// `dcvFecModificacion`, the latest seen.
    pub modified_at: Option<NaiveDateTime>,
    /// Rows SII sent that could not be read (kept for the job's report).
    pub row_errors: Vec<RowError>,
}

/// The RCV client of one environment.
#[derive(Debug, Clone)]
pub struct RcvClient {
    transport: Transport,
    tokens: Arc<TokenCache>,
    config: ClientConfig,
}

impl RcvClient {
    /// A client using `tokens` (its environment decides the hosts).
    pub fn new(transport: Transport, tokens: Arc<TokenCache>, config: ClientConfig) -> RcvClient {
        RcvClient {
            transport,
            tokens,
            config,
        }
    }

    /// The token cache.
    pub fn tokens(&self) -> &Arc<TokenCache> {
        &self.tokens
    }

    /// Downloads the whole register, reporting progress after each call.
    pub async fn fetch_register(
        &self,
        company: Rut,
        period: Period,
        operation: Operation,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<RegisterFetch, SiiError> {
        if self.tokens.environment().rcv_facade_base().is_none() {
            return Err(SiiError::RcvNotAvailable {
                environment: self.tokens.environment().name(),
            });
        }
        let states: Vec<Option<PurchaseState>> = match operation {
            Operation::Compra => PurchaseState::ALL.into_iter().map(Some).collect(),
            Operation::Venta => vec![None],
        };
        let mut out = RegisterFetch::default();
        for state in states {
            let query = RcvQuery {
                company,
                period,
                operation,
                state,
                tipo_doc: None,
            };
            let resumen = self
                .call(FacadeMethod::GetResumen, &query, parse_resumen)
                .await?;
            out.modified_at = out.modified_at.max(resumen.modified_at);
            if resumen.status != RcvStatus::Ok {
                continue;
            }
            out.row_errors.extend(resumen.items.errors);
            for row in resumen.items.rows {
                if row.document_count == 0 {
                    out.summary.push((state, row));
                    continue;
                }
                let typed = RcvQuery {
                    tipo_doc: Some(row.tipo_dte),
                    ..query
                };
                let before = out.documents.len();
                if !has_detail(&row) {
                    out.documents.push(row.to_document(&typed));
                } else {
                    let detail = if row.document_count <= self.config.detail_sync_limit {
                        match self
                            .call(FacadeMethod::detail(operation), &typed, |b| {
                                parse_detalle(b, &typed)
                            })
                            .await
                        {
                            Ok(detail) => Some(detail),
                            // SII refuses a synchronous detail it finds too large (its limit
                            // is lower than ours, or the documents are big): the export
                            // carries the same documents.
                            Err(SiiError::Rcv(RcvError::Sii { code, message })) => {
                                tracing::warn!(
                                    tipo_dte = row.tipo_dte,
                                    documents = row.document_count,
                                    cod_respuesta = code,
                                    sii_message = %message,
                                    "SII refused the detail; reading the export instead"
                                );
                                None
                            }
                            Err(e) => return Err(e),
                        }
                    } else {
                        None
                    };
                    if let Some(detail) = detail {
                        out.modified_at = out.modified_at.max(detail.modified_at);
                        out.documents.extend(detail.items.documents);
                        out.row_errors.extend(detail.items.errors);
                    } else {
                        let export = self
                            .call(FacadeMethod::export(operation), &typed, |b| {
                                parse_export_documents(b, &typed)
                            })
                            .await?;
                        out.modified_at = out.modified_at.max(export.modified_at);
                        if let Some(csv) = export.items {
                            out.documents.extend(csv.documents);
                            out.row_errors.extend(csv.errors);
                        }
                    }
                }
                progress(Progress {
                    tipo_dte: row.tipo_dte,
                    state,
                    fetched: (out.documents.len() - before) as u64,
                });
                out.summary.push((state, row));
            }
        }
        Ok(out)
    }

    /// One facade call with SII's retry rules.
    async fn call<T>(
        &self,
        method: FacadeMethod,
        query: &RcvQuery,
        parse: impl Fn(&[u8]) -> Result<Answer<T>, RcvError>,
    ) -> Result<Answer<T>, SiiError> {
        let call = call_name(method);
        let mut refreshed = false;
        // The token error that made us refresh: reported instead of "no credentials" when
        // the rejected token was a manual session and no certificate can replace it.
        let mut rejected: Option<SiiError> = None;
        let mut once_used = false;
        let mut attempt = 1;
        loop {
            let token = match self.tokens.token().await {
                Ok((token, _)) => token,
                Err(SiiError::NoCredentials { .. }) if rejected.is_some() => {
                    return Err(rejected.take().unwrap_or(SiiError::NoCredentials {
                        environment: self.tokens.environment().name(),
                    }));
                }
                Err(e) => return Err(e),
            };
            let request =
                build(method, &token, query).map_err(|e| SiiError::Request(e.to_string()))?;
            let url = request
                .url(self.tokens.environment())
                .ok_or(SiiError::RcvNotAvailable {
                    environment: self.tokens.environment().name(),
                })?;
            let started = Instant::now();
            // Transport failures are reported to the observer by the transport itself.
            let (result, observed) = match self
                .transport
                .post(call, &url, &request.headers, request.body)
                .await
            {
                Ok(reply) => (classify(call, &reply, parse(&reply.body)), false),
                Err(e) => (Err(e), true),
            };
            let error = match result {
                Ok(answer) => {
                    let outcome = if answer.status == RcvStatus::Ok {
                        "ok"
                    } else {
                        "empty"
                    };
                    self.transport
                        .observer()
                        .call(call, outcome, started.elapsed());
                    return Ok(answer);
                }
                Err(error) => error,
            };
            if !observed {
                self.transport
                    .observer()
                    .call(call, error.outcome(), started.elapsed());
            }
            // An invalid token — or an HTML page with status 200, which is also what SII
            // shows a dead session — gets one new token and one repetition of the call.
            let token_signal = matches!(error, SiiError::Rcv(RcvError::TokenInvalid(_)))
                || (matches!(error, SiiError::Rcv(RcvError::SiiUnavailable(_))) && !refreshed);
            if token_signal && !refreshed {
                refreshed = true;
                self.tokens.invalidate(&token);
                rejected = error.duplicate();
                tracing::info!(
                    call,
                    "SII rejected the token; getting a new one and repeating the call once"
                );
                continue;
            }
            let advice = match &error {
                SiiError::Rcv(e) => e.advice(),
                e if e.is_transient() => RetryAdvice::RetryWithBackoff,
                _ => RetryAdvice::DoNotRetry,
            };
            let again = match advice {
                RetryAdvice::RetryWithBackoff => true,
                RetryAdvice::RetryOnce => !std::mem::replace(&mut once_used, true),
                RetryAdvice::DoNotRetry | RetryAdvice::NewSeed | RetryAdvice::RefreshToken => false,
            };
            if !again || attempt >= self.config.max_attempts {
                tracing::warn!(
                    call,
                    code = error.code().as_str(),
                    attempts = attempt,
                    "SII call failed"
                );
                return Err(error);
            }
            attempt += 1;
            tracing::info!(
                call,
                code = error.code().as_str(),
                attempt,
                "retrying SII call"
            );
            tokio::time::sleep(self.config.delay_before(attempt)).await;
        }
    }
}

/// Combines the HTTP status with what the body says. A token signal wins
/// (docs/reference/sii.md#token-renewal: the bad-token message, "TOKEN NO EXISTE", HTTP 401); SII's
/// own refusals (`codRespuesta` 2 and others) are kept whatever the status; any other answer with
/// an error status is an outage — an HTML 503 page is SII being down, not a dead session, so it is
/// retried with backoff and never costs a new token.
fn classify<T>(
    call: &'static str,
    reply: &Reply,
    parsed: Result<Answer<T>, RcvError>,
) -> Result<Answer<T>, SiiError> {
    match parsed {
        Err(e @ RcvError::TokenInvalid(_)) => Err(SiiError::Rcv(e)),
        _ if reply.status == 401 => Err(SiiError::Rcv(RcvError::TokenInvalid(
            "HTTP 401 Unauthorized".into(),
        ))),
        _ if reply.status < 400 => parsed.map_err(SiiError::Rcv),
        Err(e @ (RcvError::BadRequest(_) | RcvError::Sii { .. })) => Err(SiiError::Rcv(e)),
        _ => Err(http_error(call, reply)),
    }
}

/// Whether SII has a per-document detail for a summary row.
fn has_detail(row: &SummaryRow) -> bool {
    let link_says_no = row
        .link
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case("false") || l == "0");
    let summary_entry = row
        .tipo_ingreso
        .as_deref()
        .is_some_and(|t| t.to_ascii_uppercase().starts_with("RES"));
    !(link_says_no || summary_entry || SUMMARY_ONLY_TYPES.contains(&row.tipo_dte))
}

fn call_name(method: FacadeMethod) -> &'static str {
    match method {
        FacadeMethod::GetResumen => "get_resumen",
        FacadeMethod::GetDetalleCompra => "get_detalle_compra",
        FacadeMethod::GetDetalleVenta => "get_detalle_venta",
        FacadeMethod::GetDetalleCompraExport => "get_detalle_compra_export",
        FacadeMethod::GetDetalleVentaExport => "get_detalle_venta_export",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rcv::response::parse_resumen;

    fn classified(status: u16, body: &str) -> Result<(), SiiError> {
        let reply = Reply {
            status,
            body: body.as_bytes().to_vec(),
        };
        classify("get_resumen", &reply, parse_resumen(&reply.body)).map(|_| ())
    }

    #[test]
    fn status_and_body_together_decide() {
        let html = "<html><head><title>Servicio no disponible</title></head></html>";
        // An HTML page with an error status is an outage: retried, no new token.
        assert!(matches!(
            classified(503, html),
            Err(SiiError::Unavailable { .. })
        ));
        // With 200 it may be a dead session: the caller tries one new token.
        assert!(matches!(
            classified(200, html),
            Err(SiiError::Rcv(RcvError::SiiUnavailable(_)))
        ));
        // 401 and SII's bad-token answers are token signals whatever the status.
        assert!(matches!(
            classified(401, ""),
            Err(SiiError::Rcv(RcvError::TokenInvalid(_)))
        ));
        let bad_token = r#"{"data":null,"respEstado":{"codRespuesta":99,"msgeRespuesta":"El token no es valido"}}"#;
        assert!(matches!(
            classified(500, bad_token),
            Err(SiiError::Rcv(RcvError::TokenInvalid(_)))
        ));
        let no_existe = "<?xml version=\"1.0\"?>\r\n<SII:RESPUESTA xmlns:SII=\"http://www.sii.cl/XMLSchema\"><SII:RESP_HDR><ESTADO>001</ESTADO><GLOSA>TOKEN NO EXISTE</GLOSA></SII:RESP_HDR></SII:RESPUESTA>";
        assert!(matches!(
            classified(200, no_existe),
            Err(SiiError::Rcv(RcvError::TokenInvalid(_)))
        ));
        // SII's own refusal is kept even with an error status.
        let refused = r#"{"data":null,"respEstado":{"codRespuesta":2,"msgeRespuesta":"x"}}"#;
        assert!(matches!(
            classified(400, refused),
            Err(SiiError::Rcv(RcvError::BadRequest(_)))
        ));
        let ok = r#"{"data":[],"respEstado":{"codRespuesta":0}}"#;
        assert!(classified(200, ok).is_ok());
        assert!(matches!(
            classified(502, ok),
            Err(SiiError::Unavailable { .. })
        ));
    }
}

//! `GET /api/sii/documents/export`: every stored document of a company and period as one CSV
//! file, streamed. sii-gateway reads the period in pages from one snapshot and edge-api
//! writes each page as it arrives, so neither holds the period in memory, and a client that
//! hangs up stops the reading in the gateway.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use futures::StreamExt as _;
use ofitec_proto::sii::v1 as pb;
use serde::Deserialize;
use utoipa::IntoParams;

use super::input::{self, operation_name, state_name};
use crate::auth::{Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The period to export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Company RUT.
    pub company: String,
    /// Period `YYYY-MM`.
    pub period: String,
    /// `compra` or `venta`; both registers when absent.
    pub operation: Option<String>,
    /// Include documents SII no longer lists.
    pub include_vanished: Option<bool>,
}

/// The header line; every row has these columns, `;`-separated (what spreadsheets in Chile
/// open without asking).
const HEADER: &str = "operation;tipo_dte;counterpart_rut;counterpart_name;folio;issued_on;state;exento;neto;iva;iva_no_recuperable;total;document_count;anulado;vanished\n";

/// Documents per page read from sii-gateway.
const PAGE: u32 = 2_000;

/// Every stored document of a company and period as CSV, streamed.
#[utoipa::path(
    operation_id = "exportDocuments",
    tag = "sii",
    params(ExportQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "The documents, `text/csv; charset=utf-8`, one line per document in the listing order", content_type = "text/csv"),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[get("/sii/documents/export")]
pub async fn export(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let company = input::company("company", &query.company)?;
    auth.require_company(&company)?;
    let period = input::period("period", &query.period)?;
    let operation = match &query.operation {
        Some(o) => input::operation("operation", o)? as i32,
        None => 0,
    };
    let mut pages = state
        .upstreams
        .sii_long()
        .stream_documents(auth.context().request(pb::StreamDocumentsRequest {
            company: company.to_string(),
            period: period.to_string(),
            operation,
            include_vanished: query.include_vanished.unwrap_or(false),
            page_size: PAGE,
        }))
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    // The first page decides the answer: a refusal still becomes a proper error status.
    let first = pages
        .message()
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?;
    let head = futures::stream::once(async move {
        let mut text = String::from(HEADER);
        if let Some(page) = first {
            write_page(&mut text, &page);
        }
        Ok::<_, actix_web::Error>(Bytes::from(text))
    });
    let rest = pages.map(move |page| match page {
        Ok(page) => {
            let mut text = String::new();
            write_page(&mut text, &page);
            Ok(Bytes::from(text))
        }
        Err(status) => {
            // Headers are gone: the client sees a cut transfer, the log says why.
            tracing::error!(error = %status.message(), code = ?status.code(), "document export cut short");
            Err(actix_web::error::ErrorInternalServerError("export cut short"))
        }
    });
    let file = format!("RCV_{company}_{}.csv", period.to_string().replace('-', ""));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file)],
        })
        .streaming(head.chain(rest)))
}

fn write_page(out: &mut String, page: &pb::DocumentPage) {
    use std::fmt::Write as _;
    for d in &page.documents {
        let _ = writeln!(
            out,
            "{};{};{};{};{};{};{};{};{};{};{};{};{};{};{}",
            operation_name(d.operation).unwrap_or(""),
            d.tipo_dte,
            d.counterpart_rut,
            field(&d.counterpart_name),
            d.folio,
            d.issued_on,
            state_name(d.state).unwrap_or(""),
            d.exento,
            d.neto,
            d.iva,
            d.iva_no_recuperable,
            d.total,
            d.document_count,
            u8::from(d.anulado),
            u8::from(d.vanished),
        );
    }
}

/// A free-text field quoted when it holds the separator, a quote or a line break.
fn field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_separators_are_quoted() {
        assert_eq!(field("Comercial Ltda."), "Comercial Ltda.");
        assert_eq!(field("A; B \"C\""), "\"A; B \"\"C\"\"\"");
    }
}

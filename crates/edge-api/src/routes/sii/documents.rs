//! `GET /api/sii/summary` and `GET /api/sii/documents`: what the imports stored.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use ofitec_proto::sii::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::input::{self, operation_name, state_name};
use crate::auth::{Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Company and optional period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// Company RUT.
    pub company: String,
    /// Period `YYYY-MM`; every period when absent.
    pub period: Option<String>,
}

/// Totals of one tipo DTE (and purchase state) in a period and register.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryLine {
    /// Period `YYYY-MM`.
    pub period: String,
    /// `compra` or `venta`.
    pub operation: Option<&'static str>,
    /// Tipo DTE.
    pub tipo_dte: i32,
    /// Purchase state (purchases).
    pub state: Option<&'static str>,
    /// Documents.
    pub count: u64,
    /// Exento, pesos.
    pub exento: i64,
    /// Neto, pesos.
    pub neto: i64,
    /// IVA, pesos.
    pub iva: i64,
    /// Total, pesos.
    pub total: i64,
}

impl From<pb::SummaryRow> for SummaryLine {
    fn from(r: pb::SummaryRow) -> SummaryLine {
        SummaryLine {
            operation: operation_name(r.operation),
            state: state_name(r.state),
            period: r.period,
            tipo_dte: r.tipo_dte,
            count: r.count,
            exento: r.exento,
            neto: r.neto,
            iva: r.iva,
            total: r.total,
        }
    }
}

/// When a register was last imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportFacts {
    /// Period `YYYY-MM`.
    pub period: String,
    /// `compra` or `venta`.
    pub operation: Option<&'static str>,
    /// Last successful import, RFC 3339.
    pub last_imported_at: String,
    /// SII's `dcvFecModificacion` then (local time, `YYYY-MM-DDTHH:MM:SS`).
    pub sii_modified_at: Option<String>,
}

/// The stored totals of a company.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryBody {
    /// Per period, register, tipo DTE and state.
    pub rows: Vec<SummaryLine>,
    /// Per period and register.
    pub imports: Vec<ImportFacts>,
    /// SII's own totals (`getResumen`) at each register's last import, same shape as `rows`.
    pub sii_rows: Vec<SummaryLine>,
}

/// Stored totals per period, register, tipo DTE and purchase state, with import facts.
#[utoipa::path(
    operation_id = "getDocumentSummary",
    tag = "sii",
    params(SummaryQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "Totals", body = SummaryBody),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[get("/sii/summary")]
pub async fn summary(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let company = input::company("company", &query.company)?;
    auth.require_company(&company)?;
    let period = match &query.period {
        Some(p) => input::period("period", p)?.to_string(),
        None => String::new(),
    };
    let answer = state
        .upstreams
        .sii()
        .get_summary(auth.context().request(pb::GetSummaryRequest {
            company: company.to_string(),
            period,
        }))
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(SummaryBody {
        rows: answer.rows.into_iter().map(SummaryLine::from).collect(),
        sii_rows: answer.sii_rows.into_iter().map(SummaryLine::from).collect(),
        imports: answer
            .imports
            .into_iter()
            .map(|i| ImportFacts {
                operation: operation_name(i.operation),
                period: i.period,
                last_imported_at: i.last_imported_at,
                sii_modified_at: (!i.sii_modified_at.is_empty()).then_some(i.sii_modified_at),
            })
            .collect(),
    }))
}

/// Document filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentsQuery {
    /// Company RUT.
    pub company: String,
    /// Period `YYYY-MM`.
    pub period: String,
    /// `compra` or `venta`.
    pub operation: Option<String>,
    /// Tipo DTE.
    pub tipo: Option<u16>,
    /// Purchase state (`REGISTRO`, `PENDIENTE`, `NO_INCLUIR`, `RECLAMADO`).
    pub estado: Option<String>,
    /// Include documents SII no longer lists.
    pub include_vanished: Option<bool>,
    /// Page size (1-1000, default 100).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page: this page starts right after it. Pages by
    /// cursor cost the same wherever they are.
    pub after: Option<String>,
    /// Documents to skip (compatibility; at most 10,000, deeper pages go by `after`; not
    /// with `after`).
    pub offset: Option<u64>,
}

/// One stored document (or a summary line for types SII only totals).
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentBody {
    /// `compra` or `venta`.
    pub operation: Option<&'static str>,
    /// Tipo DTE.
    pub tipo_dte: i32,
    /// Supplier or customer RUT (empty on summary lines).
    pub counterpart_rut: String,
    /// Supplier or customer name.
    pub counterpart_name: String,
    /// Folio (0 on summary lines).
    pub folio: i64,
    /// Document date.
    pub issued_on: Option<String>,
    /// Purchase state.
    pub state: Option<&'static str>,
    /// Exento, pesos.
    pub exento: i64,
    /// Neto, pesos.
    pub neto: i64,
    /// IVA, pesos.
    pub iva: i64,
    /// IVA no recuperable, pesos.
    pub iva_no_recuperable: i64,
    /// Total, pesos.
    pub total: i64,
    /// Other taxes: código → valor.
    pub other_taxes: BTreeMap<i32, i64>,
    /// Documents this line stands for.
    pub document_count: u32,
    /// SII no longer lists it.
    pub vanished: bool,
    /// Anulado according to SII.
    pub anulado: bool,
    /// Every other amount SII gives, by name.
    pub extra: BTreeMap<String, i64>,
    /// References that cannot name a DTE (alphanumeric folios), as SII gave them.
    pub other_references: Vec<OtherReferenceBody>,
    /// What was odd in SII's line but kept (a reference type without its folio, …).
    pub warnings: Vec<WarningBody>,
}

/// A reference kept as SII gave it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OtherReferenceBody {
    /// The referenced document's type, as given.
    pub tipo: String,
    /// Its folio, as given.
    pub folio: String,
}

/// Something odd in SII's line that does not make the document wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningBody {
    /// The CSV column or JSON field it is about.
    pub field: String,
    /// What is odd.
    pub message: String,
}

impl From<pb::RcvDocument> for DocumentBody {
    fn from(d: pb::RcvDocument) -> DocumentBody {
        DocumentBody {
            operation: operation_name(d.operation),
            state: state_name(d.state),
            tipo_dte: d.tipo_dte,
            counterpart_rut: d.counterpart_rut,
            counterpart_name: d.counterpart_name,
            folio: d.folio,
            issued_on: (!d.issued_on.is_empty()).then_some(d.issued_on),
            exento: d.exento,
            neto: d.neto,
            iva: d.iva,
            iva_no_recuperable: d.iva_no_recuperable,
            total: d.total,
            other_taxes: d.other_taxes.iter().map(|t| (t.codigo, t.valor)).collect(),
            document_count: d.document_count,
            vanished: d.vanished,
            anulado: d.anulado,
            extra: d.extra.into_iter().collect(),
            other_references: d
                .other_references
                .into_iter()
                .map(|r| OtherReferenceBody {
                    tipo: r.tipo,
                    folio: r.folio,
                })
                .collect(),
            warnings: d
                .warnings
                .into_iter()
                .map(|w| WarningBody {
                    field: w.field,
                    message: w.message,
                })
                .collect(),
        }
    }
}

/// One page of documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    /// The documents, ordered by register, tipo DTE, counterpart and folio.
    pub documents: Vec<DocumentBody>,
    /// Matching in total.
    pub total: u64,
    /// Cursor of the next page (pass it as `after`); absent after the last page.
    pub next: Option<String>,
}

/// Stored documents of a company and period, paginated in a stable order: by cursor
/// (`after` = the previous page's `next`), or by an offset of at most 10,000.
#[utoipa::path(
    operation_id = "listDocuments",
    tag = "sii",
    params(DocumentsQuery),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "One page", body = DocumentPage),
        (status = 400, description = "Invalid query; `offset_invalid` beyond 10,000 (use `after`); `cursor_invalid` for a cursor this API did not return", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 503, description = "sii-gateway unavailable", body = ErrorBody),
    )
)]
#[get("/sii/documents")]
pub async fn list(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    query: web::Query<DocumentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let company = input::company("company", &query.company)?;
    auth.require_company(&company)?;
    let period = input::period("period", &query.period)?;
    let operation = match &query.operation {
        Some(o) => input::operation("operation", o)? as i32,
        None => 0,
    };
    let estado = match &query.estado {
        Some(s) => input::purchase_state("estado", s)? as i32,
        None => 0,
    };
    let (limit, offset) = input::page(query.limit, query.offset, 100, 1_000)?;
    let page = state
        .upstreams
        .sii()
        .list_documents(auth.context().request(pb::ListDocumentsRequest {
            company: company.to_string(),
            period: period.to_string(),
            operation,
            tipo_dte: i32::from(query.tipo.unwrap_or(0)),
            state: estado,
            limit,
            offset,
            include_vanished: query.include_vanished.unwrap_or(false),
            after: query.after.unwrap_or_default(),
        }))
        .await
        .map_err(|s| ApiError::from_grpc("sii-gateway", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(DocumentPage {
        documents: page.documents.into_iter().map(DocumentBody::from).collect(),
        total: page.total,
        next: (!page.next.is_empty()).then_some(page.next),
    }))
}

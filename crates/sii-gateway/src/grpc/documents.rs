//! Stored documents and summaries.

use ofitec_domain::ErrorCode;
use std::sync::Arc;

use ofitec_domain::identity::Role;
use ofitec_platform::grpc::{guard, status};
use ofitec_proto::convert;
use ofitec_proto::sii::v1 as pb;
use tonic::{Request, Status};

use super::errors;
use super::rows::{period_import_to_pb, stored_sii_summary_to_pb, stored_to_pb, summary_to_pb};
use crate::imports::Imports;
use crate::store::documents::{self, DocumentFilter};
use crate::store::{self, periods};

/// Largest page of `ListDocuments`.
const MAX_PAGE: u32 = 5_000;

/// `ListDocuments`: one page in a stable order.
pub async fn list(
    imports: &Arc<Imports>,
    request: Request<pb::ListDocumentsRequest>,
) -> Result<pb::ListDocumentsResponse, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let company = guard::company(&message.company)?;
    let period = guard::period(&message.period)?;
    guard::allow(&context, Some(company), Role::Viewer)?;
    let tipo_dte = match message.tipo_dte {
        0 => None,
        t => Some(u16::try_from(t).map_err(|_| {
            status::error(
                ErrorCode::TipoDteInvalid,
                format!("tipo_dte: {t} is not a document type"),
            )
        })?),
    };
    let filter = DocumentFilter {
        company,
        period,
        operation: convert::operation("operation", message.operation).map_err(errors::convert)?,
        tipo_dte,
        state: convert::purchase_state("state", message.state).map_err(errors::convert)?,
        include_vanished: message.include_vanished,
    };
    let limit = i64::from(if message.limit == 0 {
        100
    } else {
        message.limit.min(MAX_PAGE)
    });
    let offset = i64::try_from(message.offset)
        .map_err(|_| status::error(ErrorCode::OffsetInvalid, "offset: too large"))?;
    let (rows, total) = store::run(&imports.db, move |conn| {
        documents::list(conn, &filter, limit, &documents::Start::Offset(offset))
    })
    .await
    .map_err(|e| errors::store("listing documents", e))?;
    Ok(pb::ListDocumentsResponse {
        documents: rows.iter().map(stored_to_pb).collect(),
        total,
    })
}

/// `GetSummary`: stored totals and import facts of a company (one period or all).
pub async fn summary(
    imports: &Arc<Imports>,
    request: Request<pb::GetSummaryRequest>,
) -> Result<pb::GetSummaryResponse, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let company = guard::company(&message.company)?;
    let period = if message.period.trim().is_empty() {
        None
    } else {
        Some(guard::period(&message.period)?)
    };
    guard::allow(&context, Some(company), Role::Viewer)?;
    let (rows, facts, sii_rows, counted_sales) = store::run(&imports.db, move |conn| {
        Ok((
            documents::summary(conn, company, period)?,
            periods::list(conn, &company, period.as_ref())?,
            periods::list_sii_summary(conn, &company, period.as_ref())?,
            documents::counted_sales(conn, company, period)?,
        ))
    })
    .await
    .map_err(|e| errors::store("reading the summary", e))?;
    Ok(pb::GetSummaryResponse {
        rows: rows.iter().map(summary_to_pb).collect(),
        imports: facts.iter().map(period_import_to_pb).collect(),
        sii_rows: sii_rows.iter().map(stored_sii_summary_to_pb).collect(),
        counted_sales: counted_sales.iter().map(summary_to_pb).collect(),
    })
}

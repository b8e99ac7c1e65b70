//! Stored documents and summaries.

use ofitec_domain::ErrorCode;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;

use ofitec_domain::identity::Role;
use ofitec_platform::grpc::{guard, status};
use ofitec_proto::convert;
use ofitec_proto::sii::v1 as pb;
use tonic::{Request, Status};

use super::rows::{period_import_to_pb, stored_sii_summary_to_pb, stored_to_pb, summary_to_pb};
use super::{cursor, errors};
use crate::imports::Imports;
use crate::store::documents::{self, After, DocumentFilter, Start};
use crate::store::{self, periods};

/// Largest page of `ListDocuments` and `StreamDocuments`.
const MAX_PAGE: u32 = 5_000;
/// Deepest `offset` accepted: skipping rows costs what it skips, so deeper pages go by cursor.
pub const MAX_OFFSET: u64 = 10_000;
/// Pages a stream keeps ready ahead of a slow reader (memory is bounded by these).
const STREAM_AHEAD: usize = 2;

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
    let start = start(&message.after, message.offset)?;
    let (rows, total) = store::run(&imports.db, move |conn| {
        documents::list(conn, &filter, limit, &start)
    })
    .await
    .map_err(|e| errors::store("listing documents", e))?;
    let next = match rows.last() {
        Some(last) if rows.len() as i64 == limit => cursor::encode(&After::of(&last.document)),
        _ => String::new(),
    };
    Ok(pb::ListDocumentsResponse {
        documents: rows.iter().map(stored_to_pb).collect(),
        total,
        next,
    })
}

/// Where a page starts: a cursor, or a capped offset (never both).
fn start(after: &str, offset: u64) -> Result<Start, Status> {
    if !after.trim().is_empty() {
        if offset != 0 {
            return Err(status::error(
                ErrorCode::CursorInvalid,
                "give either `after` or `offset`, not both",
            ));
        }
        return cursor::decode(after).map(Start::After);
    }
    if offset > MAX_OFFSET {
        return Err(status::error(
            ErrorCode::OffsetInvalid,
            format!("offset: at most {MAX_OFFSET}; page deeper with `after` (each page's `next`)"),
        ));
    }
    Ok(Start::Offset(offset as i64))
}

/// The pages of a `StreamDocuments` call.
pub type PageStream = Pin<Box<dyn Stream<Item = Result<pb::DocumentPage, Status>> + Send>>;

/// `StreamDocuments`: a period's documents in pages from one snapshot. A blocking task reads
/// page after page into a small channel; when the caller goes away the channel closes and
/// the reading stops after the page in hand.
pub async fn stream(
    imports: &Arc<Imports>,
    request: Request<pb::StreamDocumentsRequest>,
) -> Result<PageStream, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let company = guard::company(&message.company)?;
    let period = guard::period(&message.period)?;
    guard::allow(&context, Some(company), Role::Viewer)?;
    let filter = DocumentFilter {
        company,
        period,
        operation: convert::operation("operation", message.operation).map_err(errors::convert)?,
        tipo_dte: None,
        state: None,
        include_vanished: message.include_vanished,
    };
    let page_size = i64::from(match message.page_size {
        0 => 1_000,
        size => size.min(MAX_PAGE),
    });
    let (sender, receiver) = tokio::sync::mpsc::channel(STREAM_AHEAD);
    let (db, metrics) = (imports.db.clone(), imports.metrics.clone());
    tokio::spawn(async move {
        let pages = sender.clone();
        let read = store::run(&db, move |conn| {
            documents::read_pages(conn, &filter, page_size, |page| {
                let page = pb::DocumentPage {
                    documents: page.iter().map(|d| pb::RcvDocument::from(&d.document)).collect(),
                };
                let sent = pages.blocking_send(Ok(page)).is_ok();
                if sent {
                    metrics.streamed_pages.inc();
                } else {
                    metrics.streams_abandoned.inc();
                    tracing::info!(%company, %period, "documents stream abandoned by its caller; reading stopped");
                }
                sent
            })
        })
        .await;
        if let Err(e) = read {
            // Nobody may be listening any more; then there is nobody to tell.
            let _ = sender
                .send(Err(errors::store("streaming documents", e)))
                .await;
        }
    });
    Ok(Box::pin(tokio_stream::wrappers::ReceiverStream::new(
        receiver,
    )))
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

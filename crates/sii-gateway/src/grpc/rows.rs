//! The gateway's own rows on the wire (`ofitec.sii.v1`): jobs, stored totals, SII's totals
//! and import facts. The shared vocabulary (documents, registers, states, times) is converted
//! by the contract crate (`ofitec_proto::convert`).

use chrono::NaiveDateTime;
use ofitec_domain::rcv::{Operation, PurchaseState};
use ofitec_proto::convert;
use ofitec_proto::sii::v1 as pb;
use sii_client::rcv::response::SummaryRow as SiiSummaryRow;

use crate::store::documents::{StoredDocument, SummaryRow};
use crate::store::jobs::{JobRow, JobStatus};
use crate::store::periods::{PeriodImport, SiiSummary};

/// A job status on the wire.
pub fn status_to_pb(status: JobStatus) -> pb::JobStatus {
    match status {
        JobStatus::Queued => pb::JobStatus::Queued,
        JobStatus::Running => pb::JobStatus::Running,
        JobStatus::Succeeded => pb::JobStatus::Succeeded,
        JobStatus::Failed => pb::JobStatus::Failed,
        JobStatus::Dead => pb::JobStatus::Dead,
        JobStatus::Cancelled => pb::JobStatus::Cancelled,
    }
}

/// A job status from the wire; `None` for unspecified.
pub fn status_from_pb(value: i32) -> Option<JobStatus> {
    match pb::JobStatus::try_from(value).ok()? {
        pb::JobStatus::Queued => Some(JobStatus::Queued),
        pb::JobStatus::Running => Some(JobStatus::Running),
        pb::JobStatus::Succeeded => Some(JobStatus::Succeeded),
        pb::JobStatus::Failed => Some(JobStatus::Failed),
        pb::JobStatus::Dead => Some(JobStatus::Dead),
        pb::JobStatus::Cancelled => Some(JobStatus::Cancelled),
        pb::JobStatus::Unspecified => None,
    }
}

/// An instant the gateway recorded (UTC) on the wire.
pub fn recorded(at: Option<NaiveDateTime>) -> String {
    convert::instant(at.map(|t| t.and_utc()))
}

/// A register stored as text (`compra`/`venta`) on the wire; unspecified if unreadable.
fn stored_operation(text: &str) -> i32 {
    text.parse::<Operation>()
        .map_or(pb::Operation::Unspecified, pb::Operation::from)
        .into()
}

/// A purchase state stored as text (`REGISTRO`, …, or empty) on the wire.
fn stored_state(text: &str) -> i32 {
    pb::PurchaseState::from(text.parse::<PurchaseState>().ok()).into()
}

/// A stored document on the wire.
pub fn stored_to_pb(stored: &StoredDocument) -> pb::RcvDocument {
    pb::RcvDocument {
        vanished: stored.vanished,
        ..pb::RcvDocument::from(&stored.document)
    }
}

/// A job on the wire.
pub fn job_to_pb(job: &JobRow) -> pb::ImportJob {
    pb::ImportJob {
        id: job.id.clone(),
        batch_id: job.batch_id.clone(),
        company: job.company.clone(),
        period: job.period.clone(),
        operation: stored_operation(&job.operation),
        status: status_to_pb(job.status()).into(),
        attempts: u32::try_from(job.attempts).unwrap_or(0),
        last_error_code: job.last_error_code.clone(),
        last_error_message: job.last_error_message.clone(),
        documents_fetched: u64::try_from(job.documents_fetched).unwrap_or(0),
        documents_stored: u64::try_from(job.documents_stored).unwrap_or(0),
        documents_vanished: u64::try_from(job.documents_vanished).unwrap_or(0),
        created_at: recorded(Some(job.created_at)),
        started_at: recorded(job.started_at),
        finished_at: recorded(job.finished_at),
        requested_by: job.requested_by.clone(),
        total_amount: job.total_amount,
    }
}

/// A stored summary row on the wire.
pub fn summary_to_pb(row: &SummaryRow) -> pb::SummaryRow {
    pb::SummaryRow {
        period: row.period.clone(),
        operation: stored_operation(&row.operation),
        tipo_dte: row.tipo_dte,
        state: stored_state(&row.state),
        count: u64::try_from(row.count).unwrap_or(0),
        exento: row.exento,
        neto: row.neto,
        iva: row.iva,
        total: row.total,
    }
}

/// SII's own summary row (from `getResumen`) on the wire.
pub fn sii_summary_to_pb(
    period: &str,
    operation: Operation,
    state: Option<PurchaseState>,
    row: &SiiSummaryRow,
) -> pb::SummaryRow {
    pb::SummaryRow {
        period: period.to_owned(),
        operation: pb::Operation::from(operation).into(),
        tipo_dte: i32::from(row.tipo_dte),
        state: pb::PurchaseState::from(state).into(),
        count: u64::from(row.document_count),
        exento: row.exento,
        neto: row.neto,
        iva: row.iva,
        total: row.total,
    }
}

/// SII's totals as stored at the register's last import, on the wire.
pub fn stored_sii_summary_to_pb(row: &SiiSummary) -> pb::SummaryRow {
    pb::SummaryRow {
        period: row.period.clone(),
        operation: stored_operation(&row.operation),
        tipo_dte: row.tipo_dte,
        state: stored_state(&row.state),
        count: u64::try_from(row.documents).unwrap_or(0),
        exento: row.exento,
        neto: row.neto,
        iva: row.iva,
        total: row.total,
    }
}

/// Import facts on the wire.
pub fn period_import_to_pb(info: &PeriodImport) -> pb::PeriodImportInfo {
    pb::PeriodImportInfo {
        period: info.period.clone(),
        operation: stored_operation(&info.operation),
        last_imported_at: recorded(Some(info.last_imported_at)),
        sii_modified_at: stored_sii_time_to_pb(&info.sii_modified_at),
    }
}

/// SII's `dd/mm/yyyy hh:mm:ss` as the gateway stores it (Chilean local time) in the wire's
/// local-time form; anything else is passed through so nothing SII said is lost.
pub fn stored_sii_time_to_pb(text: &str) -> String {
    NaiveDateTime::parse_from_str(text.trim(), "%d/%m/%Y %H:%M:%S")
        .map_or_else(|_| text.to_owned(), |t| convert::local_time(Some(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_statuses_round_trip() {
        for status in JobStatus::ALL {
            assert_eq!(status_from_pb(status_to_pb(status).into()), Some(status));
        }
        assert_eq!(status_from_pb(0), None);
        assert_eq!(status_from_pb(99), None);
    }

    #[test]
    fn stored_texts_become_wire_enums() {
        assert_eq!(stored_operation("venta"), pb::Operation::Venta as i32);
        assert_eq!(stored_operation("?"), pb::Operation::Unspecified as i32);
        assert_eq!(
            stored_state("NO_INCLUIR"),
            pb::PurchaseState::NoIncluir as i32
        );
        assert_eq!(stored_state(""), pb::PurchaseState::Unspecified as i32);
    }

    #[test]
    fn sii_times_become_local_times() {
        assert_eq!(
            stored_sii_time_to_pb("05/12/2024 10:11:12"),
            "2024-12-05T10:11:12"
        );
        assert_eq!(stored_sii_time_to_pb(""), "");
    }
}

//! The gateway's rows and sii-client's types on the wire (`ofitec.sii.v1`). Dates travel as
//! `YYYY-MM-DD`, times as `YYYY-MM-DDTHH:MM:SS` (SII gives local times without a zone), and
//! instants the gateway records as RFC 3339 UTC.

use chrono::{NaiveDate, NaiveDateTime};
use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument};
use ofitec_proto::sii::v1 as pb;
use sii_client::rcv::response::SummaryRow as SiiSummaryRow;

use crate::store::documents::{StoredDocument, SummaryRow};
use crate::store::jobs::{JobRow, JobStatus};
use crate::store::periods::{PeriodImport, SiiSummary};

/// A register on the wire.
pub fn operation_to_pb(operation: Operation) -> pb::Operation {
    match operation {
        Operation::Compra => pb::Operation::Compra,
        Operation::Venta => pb::Operation::Venta,
    }
}

/// A register from the wire; `None` for unspecified or unknown values.
pub fn operation_from_pb(value: i32) -> Option<Operation> {
    match pb::Operation::try_from(value).ok()? {
        pb::Operation::Compra => Some(Operation::Compra),
        pb::Operation::Venta => Some(Operation::Venta),
        pb::Operation::Unspecified => None,
    }
}

/// A purchase state on the wire.
pub fn state_to_pb(state: Option<PurchaseState>) -> pb::PurchaseState {
    match state {
        Some(PurchaseState::Registro) => pb::PurchaseState::Registro,
        Some(PurchaseState::Pendiente) => pb::PurchaseState::Pendiente,
        Some(PurchaseState::NoIncluir) => pb::PurchaseState::NoIncluir,
        Some(PurchaseState::Reclamado) => pb::PurchaseState::Reclamado,
        None => pb::PurchaseState::Unspecified,
    }
}

/// A purchase state from the wire; `None` for unspecified or unknown values.
pub fn state_from_pb(value: i32) -> Option<PurchaseState> {
    match pb::PurchaseState::try_from(value).ok()? {
        pb::PurchaseState::Registro => Some(PurchaseState::Registro),
        pb::PurchaseState::Pendiente => Some(PurchaseState::Pendiente),
        pb::PurchaseState::NoIncluir => Some(PurchaseState::NoIncluir),
        pb::PurchaseState::Reclamado => Some(PurchaseState::Reclamado),
        pb::PurchaseState::Unspecified => None,
    }
}

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

fn date(at: Option<NaiveDate>) -> String {
    at.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn local_time(at: Option<NaiveDateTime>) -> String {
    at.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// An instant the gateway recorded (UTC) as RFC 3339; empty when absent.
pub fn rfc3339(at: Option<NaiveDateTime>) -> String {
    at.map(|t| {
        t.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    })
    .unwrap_or_default()
}

/// A document on the wire.
pub fn document_to_pb(doc: &RcvDocument, vanished: bool) -> pb::RcvDocument {
    pb::RcvDocument {
        company: doc.company.to_string(),
        period: doc.period.to_string(),
        operation: operation_to_pb(doc.operation) as i32,
        tipo_dte: i32::from(doc.tipo_dte),
        counterpart_rut: doc.counterpart.map(|r| r.to_string()).unwrap_or_default(),
        counterpart_name: doc.counterpart_name.clone(),
        folio: doc.folio,
        issued_on: date(doc.issued_on),
        received_at: local_time(doc.received_at),
        acknowledged_at: local_time(doc.acknowledged_at),
        claimed_at: local_time(doc.claimed_at),
        state: state_to_pb(doc.state) as i32,
        transaction_type: doc.transaction_type.map_or(0, |t| i32::from(t.code())),
        exento: doc.exento,
        neto: doc.neto,
        iva: doc.iva,
        iva_no_recuperable: doc.iva_no_recuperable,
        iva_no_recuperable_code: doc.iva_no_recuperable_code.map_or(0, i32::from),
        total: doc.total,
        activo_fijo_neto: doc.activo_fijo_neto,
        activo_fijo_iva: doc.activo_fijo_iva,
        iva_uso_comun: doc.iva_uso_comun,
        sin_derecho_credito: doc.sin_derecho_credito,
        other_taxes: doc
            .other_taxes
            .iter()
            .map(|t| pb::OtherTax {
                codigo: i32::try_from(t.codigo).unwrap_or(i32::MAX),
                valor: t.valor,
                tasa: t.tasa,
            })
            .collect(),
        references: doc
            .references
            .iter()
            .map(|r| pb::DocumentReference {
                tipo_dte: i32::from(r.tipo_dte),
                folio: r.folio,
            })
            .collect(),
        receiver_event: doc.receiver_event.clone().unwrap_or_default(),
        anulado: doc.anulado,
        vanished,
        iva_retenido_total: doc.iva_retenido_total,
        tasa_iva: doc.tasa_iva.unwrap_or(0.0),
        iva_retenido_parcial: doc.iva_retenido_parcial,
        iva_no_retenido: doc.iva_no_retenido,
        document_count: doc.document_count,
        extra: doc.extra.iter().map(|(k, v)| (k.clone(), *v)).collect(),
    }
}

/// A stored document on the wire.
pub fn stored_to_pb(stored: &StoredDocument) -> pb::RcvDocument {
    document_to_pb(&stored.document, stored.vanished)
}

/// A job on the wire.
pub fn job_to_pb(job: &JobRow) -> pb::ImportJob {
    pb::ImportJob {
        id: job.id.clone(),
        batch_id: job.batch_id.clone(),
        company: job.company.clone(),
        period: job.period.clone(),
        operation: job
            .operation
            .parse::<Operation>()
            .map_or(pb::Operation::Unspecified, operation_to_pb) as i32,
        status: status_to_pb(job.status()) as i32,
        attempts: u32::try_from(job.attempts).unwrap_or(0),
        last_error_code: job.last_error_code.clone(),
        last_error_message: job.last_error_message.clone(),
        documents_fetched: u64::try_from(job.documents_fetched).unwrap_or(0),
        documents_stored: u64::try_from(job.documents_stored).unwrap_or(0),
        documents_vanished: u64::try_from(job.documents_vanished).unwrap_or(0),
        created_at: rfc3339(Some(job.created_at)),
        started_at: rfc3339(job.started_at),
        finished_at: rfc3339(job.finished_at),
        requested_by: job.requested_by.clone(),
        total_amount: job.total_amount,
    }
}

/// A stored summary row on the wire.
pub fn summary_to_pb(row: &SummaryRow) -> pb::SummaryRow {
    pb::SummaryRow {
        period: row.period.clone(),
        operation: row
            .operation
            .parse::<Operation>()
            .map_or(pb::Operation::Unspecified, operation_to_pb) as i32,
        tipo_dte: row.tipo_dte,
        state: state_to_pb(row.state.parse().ok()) as i32,
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
        operation: operation_to_pb(operation) as i32,
        tipo_dte: i32::from(row.tipo_dte),
        state: state_to_pb(state) as i32,
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
        operation: row
            .operation
            .parse::<Operation>()
            .map_or(pb::Operation::Unspecified, operation_to_pb) as i32,
        tipo_dte: row.tipo_dte,
        state: state_to_pb(row.state.parse().ok()) as i32,
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
        operation: info
            .operation
            .parse::<Operation>()
            .map_or(pb::Operation::Unspecified, operation_to_pb) as i32,
        last_imported_at: rfc3339(Some(info.last_imported_at)),
        sii_modified_at: sii_time_to_rfc3339(&info.sii_modified_at),
    }
}

/// SII's `dd/mm/yyyy hh:mm:ss` (Chilean local time, kept as given) as `YYYY-MM-DDTHH:MM:SS`;
/// anything else is passed through so nothing SII said is lost.
pub fn sii_time_to_rfc3339(text: &str) -> String {
    NaiveDateTime::parse_from_str(text.trim(), "%d/%m/%Y %H:%M:%S")
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for op in [Operation::Compra, Operation::Venta] {
            assert_eq!(operation_from_pb(operation_to_pb(op) as i32), Some(op));
        }
        for state in PurchaseState::ALL {
            assert_eq!(state_from_pb(state_to_pb(Some(state)) as i32), Some(state));
        }
        for status in JobStatus::ALL {
            assert_eq!(status_from_pb(status_to_pb(status) as i32), Some(status));
        }
        assert_eq!(operation_from_pb(0), None);
        assert_eq!(operation_from_pb(99), None);
    }

    #[test]
    fn sii_times_become_iso() {
        assert_eq!(
            sii_time_to_rfc3339("05/12/2024 10:11:12"),
            "2024-12-05T10:11:12"
        );
        assert_eq!(sii_time_to_rfc3339(""), "");
    }
}

//! The JSON shape of import jobs and events.

use ofitec_proto::sii::v1 as pb;
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{operation_name, state_name, status_name};

fn some(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// An import job: one company, period and register.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportJobBody {
    /// Job id.
    pub id: String,
    /// Batch (request) id.
    pub batch_id: String,
    /// Company RUT.
    #[schema(example = "76123456-0")]
    pub company: String,
    /// Period `YYYY-MM`.
    #[schema(example = "2024-11")]
    pub period: String,
    /// `compra` or `venta`.
    #[schema(example = "compra")]
    pub operation: Option<&'static str>,
    /// `queued`, `running`, `succeeded`, `failed`, `dead` or `cancelled`.
    #[schema(example = "succeeded")]
    pub status: &'static str,
    /// Attempts started.
    pub attempts: u32,
    /// Stable code of the last error.
    pub last_error_code: Option<String>,
    /// Message of the last error.
    pub last_error_message: Option<String>,
    /// Documents received from SII in the last attempt.
    pub documents_fetched: u64,
    /// Documents inserted or changed.
    pub documents_stored: u64,
    /// Stored documents SII no longer lists.
    pub documents_vanished: u64,
    /// Sum of document totals, pesos.
    pub total_amount: i64,
    /// Who asked.
    pub requested_by: String,
    /// RFC 3339.
    pub created_at: String,
    /// Start of the last attempt, RFC 3339.
    pub started_at: Option<String>,
    /// End, RFC 3339.
    pub finished_at: Option<String>,
}

impl From<pb::ImportJob> for ImportJobBody {
    fn from(j: pb::ImportJob) -> ImportJobBody {
        ImportJobBody {
            operation: operation_name(j.operation),
            status: status_name(j.status),
            id: j.id,
            batch_id: j.batch_id,
            company: j.company,
            period: j.period,
            attempts: j.attempts,
            last_error_code: some(j.last_error_code),
            last_error_message: some(j.last_error_message),
            documents_fetched: j.documents_fetched,
            documents_stored: j.documents_stored,
            documents_vanished: j.documents_vanished,
            total_amount: j.total_amount,
            requested_by: j.requested_by,
            created_at: j.created_at,
            started_at: some(j.started_at),
            finished_at: some(j.finished_at),
        }
    }
}

/// Documents of one tipo DTE (and purchase state).
#[derive(Debug, Serialize, ToSchema)]
pub struct TypeProgressBody {
    /// Tipo DTE.
    pub tipo_dte: i32,
    /// Purchase state, for purchases.
    pub state: Option<&'static str>,
    /// Received from SII.
    pub fetched: u64,
    /// Written.
    pub stored: u64,
}

/// One import event (the SSE `data:`; its `id:` and `event:` repeat `id` and `kind`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportEventBody {
    /// Event id.
    pub id: u64,
    /// `queued`, `started`, `progress`, `completed`, `retrying`, `failed`, `cancelled`, or
    /// `gap` (events older than the replay window were missed: reload; no `job`).
    pub kind: String,
    /// The job as of this event.
    pub job: Option<ImportJobBody>,
    /// Per tipo DTE, for `progress` and `completed`.
    pub progress: Vec<TypeProgressBody>,
    /// RFC 3339.
    pub at: String,
}

impl From<pb::ImportEvent> for ImportEventBody {
    fn from(e: pb::ImportEvent) -> ImportEventBody {
        ImportEventBody {
            id: e.id,
            kind: e.kind,
            job: e.job.map(ImportJobBody::from),
            progress: e
                .progress
                .into_iter()
                .map(|p| TypeProgressBody {
                    tipo_dte: p.tipo_dte,
                    state: state_name(p.state),
                    fetched: p.fetched,
                    stored: p.stored,
                })
                .collect(),
            at: e.at,
        }
    }
}

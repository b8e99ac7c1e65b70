//! Import events on the wire: the import logic's [`ImportEvent`]s as `ofitec.sii.v1`
//! messages, and a watcher's store failures as gRPC statuses.

use futures::{Stream, StreamExt as _};
use ofitec_platform::grpc::status;
use ofitec_proto::sii::v1 as pb;
use tonic::Status;

use super::rows::{job_to_pb, recorded};
use crate::imports::events::{ImportEvent, TypeProgress};
use crate::store::StoreError;

fn progress_to_pb(progress: &TypeProgress) -> pb::TypeProgress {
    pb::TypeProgress {
        tipo_dte: i32::from(progress.tipo_dte),
        state: pb::PurchaseState::from(progress.state).into(),
        fetched: progress.fetched,
        stored: progress.stored,
    }
}

/// An event on the wire.
pub fn event_to_pb(event: &ImportEvent) -> pb::ImportEvent {
    pb::ImportEvent {
        // Ids come from the database's sequence, which starts at 1.
        id: u64::try_from(event.id).unwrap_or(0),
        kind: event.kind.as_str().to_owned(),
        job: event.job.as_ref().map(job_to_pb),
        progress: event.progress.iter().map(progress_to_pb).collect(),
        at: recorded(Some(event.at)),
    }
}

/// A watcher's events on the wire; a failure to read them ends the stream with an opaque
/// internal status (the cause is logged).
pub fn on_the_wire(
    events: impl Stream<Item = Result<ImportEvent, StoreError>> + Send + 'static,
) -> impl Stream<Item = Result<pb::ImportEvent, Status>> + Send + 'static {
    events.map(|item| {
        item.map(|event| event_to_pb(&event))
            .map_err(|e| status::internal("reading import events", &e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::events::EventKind;
    use ofitec_domain::rcv::PurchaseState;

    #[test]
    fn a_gap_has_no_job_and_progress_keeps_its_state() {
        let at = chrono::DateTime::from_timestamp(1_733_133_600, 0)
            .unwrap()
            .naive_utc();
        let gap = ImportEvent {
            id: 42,
            kind: EventKind::Gap,
            job: None,
            progress: vec![TypeProgress {
                tipo_dte: 33,
                state: Some(PurchaseState::Reclamado),
                fetched: 3,
                stored: 2,
            }],
            at,
        };
        let wire = event_to_pb(&gap);
        assert_eq!(wire.id, 42);
        assert_eq!(wire.kind, "gap");
        assert_eq!(wire.job, None);
        assert_eq!(wire.at, "2024-12-02T10:00:00.000Z");
        assert_eq!(
            wire.progress,
            vec![pb::TypeProgress {
                tipo_dte: 33,
                state: pb::PurchaseState::Reclamado.into(),
                fetched: 3,
                stored: 2,
            }]
        );
    }
}

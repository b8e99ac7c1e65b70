//! Import events: written to the database (numbered there, so every replica agrees on the
//! order and a reconnecting client resumes by id), then announced. Watchers read from the
//! database, waking on an announcement — local, or in queue mode a notice from another
//! replica through the `<p>.events` fanout exchange — or on a short poll, so a lost notice
//! delays an event, it never loses one.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ofitec_domain::Rut;
use ofitec_platform::db::{Db, DbConnection};
use ofitec_proto::sii::v1 as pb;
use prost::Message as _;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tonic::Status;

use crate::clock::now;
use crate::grpc::convert::{job_to_pb, rfc3339};
use crate::store;
use crate::store::error::StoreError;
use crate::store::events;
use crate::store::jobs::JobRow;

/// Event kinds (the SSE `event:` names).
pub mod kind {
    /// A job was created.
    pub const QUEUED: &str = "queued";
    /// An attempt started.
    pub const STARTED: &str = "started";
    /// Documents fetched so far, per tipo DTE.
    pub const PROGRESS: &str = "progress";
    /// Stored; counts and totals.
    pub const COMPLETED: &str = "completed";
    /// An attempt failed and another one is scheduled.
    pub const RETRYING: &str = "retrying";
    /// Failed for good (failed or dead).
    pub const FAILED: &str = "failed";
    /// Cancelled by a user.
    pub const CANCELLED: &str = "cancelled";
    /// Events the watcher asked for are gone (older than the replay window): reload the
    /// jobs shown; the stream continues after this event's id.
    pub const GAP: &str = "gap";
}

/// Rows read per database round trip by a watcher.
const PAGE: i64 = 500;

/// Writes events and serves watchers.
#[derive(Debug, Clone)]
pub struct EventHub {
    db: Db,
    newest: watch::Sender<i64>,
    poll: Duration,
    /// Queue mode: where announcements go to reach the other replicas (the `<p>.events`
    /// fanout exchange); `None` in embedded mode or while disconnected.
    outbound: Arc<Mutex<Option<UnboundedSender<i64>>>>,
}

impl EventHub {
    /// A hub over `db`; watchers poll every `poll` for other replicas' events.
    pub fn new(db: Db, poll: Duration) -> EventHub {
        let (newest, _) = watch::channel(0);
        EventHub {
            db,
            newest,
            poll,
            outbound: Arc::new(Mutex::new(None)),
        }
    }

    /// Appends an event inside the caller's transaction; call [`EventHub::announce`] with the
    /// returned id once it is committed.
    pub fn record(
        conn: &mut DbConnection,
        job: &JobRow,
        kind: &str,
        progress: Vec<pb::TypeProgress>,
    ) -> Result<i64, StoreError> {
        let (company, _, _) = job.key()?;
        let event = pb::ImportEvent {
            id: 0,
            kind: kind.to_owned(),
            job: Some(job_to_pb(job)),
            progress,
            at: rfc3339(Some(now())),
        };
        events::append(
            conn,
            &job.id,
            &company,
            kind,
            &hex::encode(event.encode_to_vec()),
        )
    }

    /// Wakes watchers, here and (queue mode) on the other replicas: events up to `id` are
    /// committed.
    pub fn announce(&self, id: i64) {
        self.wake_local(id);
        let outbound = self.outbound.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = outbound.as_ref() {
            // A lost notice only delays other replicas' watchers until their next poll.
            let _ = sender.send(id);
        }
    }

    /// Wakes this process's watchers only (a notice that came from another replica).
    pub fn wake_local(&self, id: i64) {
        self.newest.send_if_modified(|newest| {
            let changed = id > *newest;
            *newest = (*newest).max(id);
            changed
        });
    }

    /// Sends announcements to `sender` too (queue mode), or stops (`None`).
    pub fn set_outbound(&self, sender: Option<UnboundedSender<i64>>) {
        *self.outbound.lock().unwrap_or_else(PoisonError::into_inner) = sender;
    }

    /// Records an event in its own transaction and announces it.
    pub async fn emit(
        &self,
        job: JobRow,
        kind: &'static str,
        progress: Vec<pb::TypeProgress>,
    ) -> Result<i64, StoreError> {
        let id = store::run(&self.db, move |conn| {
            EventHub::record(conn, &job, kind, progress)
        })
        .await?;
        self.announce(id);
        Ok(id)
    }

    /// The id new watchers start after when they ask for no replay.
    pub async fn newest(&self) -> Result<i64, StoreError> {
        store::run(&self.db, events::newest).await
    }

    /// Events after `after` for `companies` (all when `None`), then every new one, forever.
    pub fn watch(
        &self,
        after: i64,
        companies: Option<Vec<Rut>>,
    ) -> impl futures::Stream<Item = Result<pb::ImportEvent, Status>> + Send + 'static {
        let state = Watcher {
            db: self.db.clone(),
            wake: self.newest.subscribe(),
            poll: self.poll,
            cursor: after,
            check_gap: after > 0,
            companies,
            buffer: VecDeque::new(),
        };
        futures::stream::unfold(state, |mut w| async move {
            let next = w.next().await;
            Some((next, w))
        })
    }
}

struct Watcher {
    db: Db,
    wake: watch::Receiver<i64>,
    poll: Duration,
    cursor: i64,
    /// Whether a read must first check that nothing after `cursor` was pruned: always,
    /// except for a watcher that starts from the beginning (it asked for nothing missed).
    check_gap: bool,
    companies: Option<Vec<Rut>>,
    buffer: VecDeque<pb::ImportEvent>,
}

impl Watcher {
    async fn next(&mut self) -> Result<pb::ImportEvent, Status> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                return Ok(event);
            }
            // Events older than the replay window are pruned; a client that resumes from
            // before it, or that read so slowly that pruning passed it, cannot be given what
            // it missed. Every read checks, and says so with a `gap` event, so the client
            // reloads its view instead of silently showing stale jobs.
            let (cursor, companies) = (self.cursor, self.companies.clone());
            let check_gap = self.check_gap;
            let (resume, rows) = store::run(&self.db, move |conn| {
                if check_gap && let Some(resume) = events::resume_point(conn, cursor)? {
                    return Ok((Some(resume), Vec::new()));
                }
                Ok((
                    None,
                    events::after(conn, cursor, companies.as_deref(), PAGE)?,
                ))
            })
            .await
            .map_err(|e| ofitec_platform::grpc::status::internal("reading import events", &e))?;
            self.check_gap = true;
            if let Some(resume) = resume {
                tracing::info!(
                    after = cursor,
                    resume,
                    "watcher is behind the replay window"
                );
                self.cursor = resume;
                return Ok(pb::ImportEvent {
                    id: u64::try_from(resume).unwrap_or(0),
                    kind: kind::GAP.to_owned(),
                    job: None,
                    progress: Vec::new(),
                    at: rfc3339(Some(now())),
                });
            }
            for row in rows {
                self.cursor = row.id;
                match decode(&row.payload) {
                    Some(mut event) => {
                        event.id = u64::try_from(row.id).unwrap_or(0);
                        self.buffer.push_back(event);
                    }
                    None => tracing::warn!(event_id = row.id, "unreadable import event skipped"),
                }
            }
            if !self.buffer.is_empty() {
                continue;
            }
            tokio::select! {
                changed = self.wake.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep(self.poll).await;
                    }
                }
                () = tokio::time::sleep(self.poll) => {}
            }
        }
    }
}

fn decode(payload: &str) -> Option<pb::ImportEvent> {
    let bytes = hex::decode(payload).ok()?;
    pb::ImportEvent::decode(bytes.as_slice()).ok()
}

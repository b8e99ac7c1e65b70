//! Import events: written to the database (numbered there, so every replica agrees on the
//! order and a reconnecting client resumes by id), then announced. Watchers read from the
//! database, waking on an announcement — local, or in queue mode a notice from another
//! replica through the `<p>.events` fanout exchange — or on a short poll, so a lost notice
//! delays an event, it never loses one.
//!
//! Events are the import logic's own: the gRPC layer (`grpc::events`) puts them on the wire.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::NaiveDateTime;
use ofitec_domain::Rut;
use ofitec_domain::rcv::PurchaseState;
use ofitec_platform::db::{Db, DbConnection};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::clock::now;
use crate::store;
use crate::store::error::StoreError;
use crate::store::events::{self, EventRow};
use crate::store::jobs::JobRow;

/// What happened to a job (the SSE `event:` names, stored in `import_events.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    /// A job was created.
    Queued,
    /// An attempt started.
    Started,
    /// Documents fetched so far, per tipo DTE.
    Progress,
    /// Stored; counts and totals.
    Completed,
    /// An attempt failed and another one is scheduled.
    Retrying,
    /// Failed for good (failed or dead).
    Failed,
    /// Cancelled by a user.
    Cancelled,
    /// Events the watcher asked for are gone (older than the replay window): reload the
    /// jobs shown; the stream continues after this event's id. It has no job.
    Gap,
}

impl EventKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Documents fetched and stored for one tipo DTE (and purchase state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeProgress {
    /// Tipo DTE.
    pub tipo_dte: u16,
    /// Purchase state, for purchases.
    pub state: Option<PurchaseState>,
    /// Documents received from SII.
    pub fetched: u64,
    /// Documents written.
    pub stored: u64,
}

/// Something that happened to an import job.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportEvent {
    /// Monotonic id, from the database (the SSE `id:`).
    pub id: i64,
    /// What happened.
    pub kind: EventKind,
    /// The job as of this event; `None` for a gap.
    pub job: Option<JobRow>,
    /// Progress per tipo DTE, for `progress` and `completed`.
    pub progress: Vec<TypeProgress>,
    /// When it happened (UTC).
    pub at: NaiveDateTime,
}

/// What `import_events.payload` holds (JSON): the event without its id and kind, which
/// have their own columns.
#[derive(Serialize, Deserialize)]
struct Payload {
    job: JobRow,
    progress: Vec<TypeProgress>,
    at: NaiveDateTime,
}

impl ImportEvent {
    /// The event a stored row holds; `None` when it cannot be read (written by another
    /// version of the gateway).
    fn from_row(row: EventRow) -> Option<ImportEvent> {
        let kind = row.kind.parse().ok()?;
        let payload: Payload = serde_json::from_str(&row.payload).ok()?;
        Some(ImportEvent {
            id: row.id,
            kind,
            job: Some(payload.job),
            progress: payload.progress,
            at: payload.at,
        })
    }

    /// A gap: the stream resumes after `id`.
    fn gap(id: i64) -> ImportEvent {
        ImportEvent {
            id,
            kind: EventKind::Gap,
            job: None,
            progress: Vec::new(),
            at: now(),
        }
    }
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
        kind: EventKind,
        progress: Vec<TypeProgress>,
    ) -> Result<i64, StoreError> {
        let (company, _, _) = job.key()?;
        let payload = Payload {
            job: job.clone(),
            progress,
            at: now(),
        };
        let payload = serde_json::to_string(&payload)
            .map_err(|e| StoreError::Corrupt(format!("import event of job {}: {e}", job.id)))?;
        events::append(conn, &job.id, &company, kind.as_str(), &payload)
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
        kind: EventKind,
        progress: Vec<TypeProgress>,
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
    ) -> impl futures::Stream<Item = Result<ImportEvent, StoreError>> + Send + 'static {
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
    buffer: VecDeque<ImportEvent>,
}

impl Watcher {
    async fn next(&mut self) -> Result<ImportEvent, StoreError> {
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
            .await?;
            self.check_gap = true;
            if let Some(resume) = resume {
                tracing::info!(
                    after = cursor,
                    resume,
                    "watcher is behind the replay window"
                );
                self.cursor = resume;
                return Ok(ImportEvent::gap(resume));
            }
            for row in rows {
                self.cursor = row.id;
                let id = row.id;
                match ImportEvent::from_row(row) {
                    Some(event) => self.buffer.push_back(event),
                    None => tracing::warn!(event_id = id, "unreadable import event skipped"),
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

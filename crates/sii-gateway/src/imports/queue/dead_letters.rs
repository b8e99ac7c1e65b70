//! Jobs stranded by the broker. The dead-letter queue holds two kinds of message: those the
//! gateway rejected (poison, unknown jobs, jobs dead after their attempts — their row already
//! says so), and those RabbitMQ moved on its own after `DELIVERY_LIMIT` deliveries without
//! an answer (every worker that took it crashed). The second kind's job was never marked: it
//! stays `queued` or `running` with no message left to drive it. A periodic look at the queue
//! marks such jobs `dead` (`delivery_limit`) and leaves every message where it is, for the
//! operator (the `ImportDeadLetterQueueNotEmpty` alert and its runbook).

use ofitec_domain::ErrorCode;
use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDateTime;
use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{BasicGetOptions, BasicNackOptions};
use lapin::types::{AMQPValue, ShortString};
use ofitec_proto::sii::v1 as pb;
use prost::Message as _;

use crate::imports::Imports;
use crate::imports::events::{EventHub, EventKind};
use crate::store::{self, StoreError, jobs};

/// Messages looked at per sweep (the queue should hold few; an operator purges it).
const PEEK: usize = 200;

/// The dead letters a connection already examined, by (job id, dead-lettering time): a
/// message stays in the queue until an operator purges it, and need not reach the database
/// at every sweep. A new dead-lettering of the same job has a new time.
pub type Examined = HashSet<(String, NaiveDateTime)>;

/// Looks at the dead-letter `queue` and marks dead the jobs the broker stranded.
pub async fn sweep(
    imports: &Arc<Imports>,
    channel: &Channel,
    queue: &str,
    examined: &mut Examined,
) {
    let mut last_tag = None;
    let mut stranded = Vec::new();
    for _ in 0..PEEK {
        match channel
            .basic_get(ShortString::from(queue), BasicGetOptions { no_ack: false })
            .await
        {
            Ok(Some(got)) => {
                last_tag = Some(got.delivery.delivery_tag);
                stranded.extend(candidate(&got.delivery));
                if got.message_count == 0 {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                tracing::debug!(error = %e, "dead-letter queue not read");
                break;
            }
        }
    }
    // Every message goes back, in its place: the queue is the operator's to inspect and purge.
    if let Some(tag) = last_tag
        && let Err(e) = channel
            .basic_nack(
                tag,
                BasicNackOptions {
                    multiple: true,
                    requeue: true,
                },
            )
            .await
    {
        tracing::warn!(error = %e, "dead letters not handed back; the broker requeues them when the channel closes");
    }
    for (job_id, dead_lettered_at) in stranded {
        if examined.contains(&(job_id.clone(), dead_lettered_at)) {
            continue;
        }
        match bury(imports, job_id.clone(), dead_lettered_at).await {
            Ok(()) => {
                examined.insert((job_id, dead_lettered_at));
            }
            Err(e) => tracing::warn!(job_id, error = %e, "stranded job not marked dead yet"),
        }
    }
}

/// The job id and dead-lettering time of a message, when it has both.
fn candidate(delivery: &Delivery) -> Option<(String, NaiveDateTime)> {
    let message = pb::ImportJobMessage::decode(delivery.data.as_slice()).ok()?;
    let at = dead_lettered_at(delivery)?;
    Some((message.job_id, at))
}

/// When the broker dead-lettered the message: the newest `x-death` entry's `time`.
fn dead_lettered_at(delivery: &Delivery) -> Option<NaiveDateTime> {
    let headers = delivery.properties.headers().as_ref()?;
    let AMQPValue::FieldArray(deaths) = headers.inner().get("x-death")? else {
        return None;
    };
    let AMQPValue::FieldTable(newest) = deaths.as_slice().first()? else {
        return None;
    };
    let AMQPValue::Timestamp(seconds) = newest.inner().get("time")? else {
        return None;
    };
    chrono::DateTime::from_timestamp(i64::try_from(*seconds).ok()?, 0).map(|t| t.naive_utc())
}

/// Marks the job dead unless something changed it after its message was dead-lettered (an
/// operator's retry, for one).
async fn bury(
    imports: &Arc<Imports>,
    job_id: String,
    dead_lettered_at: NaiveDateTime,
) -> Result<(), StoreError> {
    let id = job_id.clone();
    let buried = store::run(&imports.db, move |conn| {
        ofitec_platform::db::write_transaction(conn, |c| {
            let Some(job) = jobs::bury(
                c,
                &id,
                dead_lettered_at,
                ErrorCode::DeliveryLimit,
                "RabbitMQ gave up delivering this job's message (every worker that took it stopped without answering); see the gateways' logs, then retry the job",
            )?
            else {
                return Ok::<_, StoreError>(None);
            };
            let event = EventHub::record(c, &job, EventKind::Failed, Vec::new())?;
            Ok(Some(event))
        })
    })
    .await?;
    if let Some(event) = buried {
        imports.hub.announce(event);
        imports
            .metrics
            .finished
            .with_label_values(&[jobs::JobStatus::Dead.as_str()])
            .inc();
        tracing::error!(
            job_id,
            error_code = ErrorCode::DeliveryLimit.as_str(),
            "import job stranded by the broker's delivery limit; marked dead"
        );
    }
    Ok(())
}

//! One delivery: run the attempt, then acknowledge, schedule the retry through a delay queue,
//! or reject into the dead-letter queue.

use std::sync::Arc;
use std::time::Duration;

use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::types::AMQPValue;
use ofitec_proto::sii::v1 as pb;
use prost::Message as _;

use super::publisher::{Publisher, TAKEOVER_HEADER, message_for};
use crate::imports::Imports;
use crate::imports::worker::{Attempt, process};
use crate::store::StoreError;
use crate::store::jobs::{JobRow, JobStatus};

/// What to tell the broker.
enum Verdict {
    Ack,
    /// Into the dead-letter queue.
    DeadLetter,
    /// Back to the queue at once: our database failed and the message could not be
    /// postponed either.
    Requeue,
}

/// Handles one delivery to the end.
pub async fn handle(imports: &Arc<Imports>, publisher: &Publisher, delivery: Delivery) {
    let verdict = match pb::ImportJobMessage::decode(delivery.data.as_slice()) {
        Ok(message) if uuid::Uuid::parse_str(&message.job_id).is_ok() => {
            let takeover = delivery.redelivered || stands_in_for_redelivery(&delivery);
            attempt(imports, publisher, &message, takeover).await
        }
        _ => {
            tracing::error!(
                bytes = delivery.data.len(),
                "unreadable import message; dead-lettered"
            );
            Verdict::DeadLetter
        }
    };
    let answered = match verdict {
        Verdict::Ack => delivery.ack(BasicAckOptions::default()).await,
        Verdict::DeadLetter => {
            imports.metrics.dead_letters.inc();
            delivery
                .nack(BasicNackOptions {
                    requeue: false,
                    ..BasicNackOptions::default()
                })
                .await
        }
        Verdict::Requeue => {
            tokio::time::sleep(Duration::from_secs(1)).await;
            delivery
                .nack(BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                })
                .await
        }
    };
    if let Err(e) = answered {
        // The channel is gone: the broker redelivers the message, and the job row tells the
        // next worker what is left to do.
        tracing::warn!(error = %e, "import message not acknowledged; it will be redelivered");
    }
}

fn stands_in_for_redelivery(delivery: &Delivery) -> bool {
    delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(TAKEOVER_HEADER))
        .is_some_and(|v| matches!(v, AMQPValue::Boolean(true)))
}

async fn attempt(
    imports: &Arc<Imports>,
    publisher: &Publisher,
    message: &pb::ImportJobMessage,
    redelivered: bool,
) -> Verdict {
    match process(imports, &message.job_id, redelivered).await {
        Ok(Attempt::Skipped) => Verdict::Ack,
        Ok(Attempt::Done(job)) => match job.status() {
            JobStatus::Queued => schedule_retry(imports, publisher, &job).await,
            JobStatus::Dead => Verdict::DeadLetter,
            _ => Verdict::Ack,
        },
        Err(StoreError::NotFound(_)) => {
            tracing::error!(job_id = %message.job_id, "message for an unknown job; dead-lettered");
            Verdict::DeadLetter
        }
        Err(e) => {
            tracing::error!(job_id = %message.job_id, error = %e, "import attempt not recorded; trying again later");
            postpone(imports, publisher, message).await
        }
    }
}

/// Our database failed: the same message goes through a delay queue instead of straight
/// back. A requeued message counts toward the queue's delivery limit, so a database outage
/// of a few seconds would otherwise get it dead-lettered by the broker, stranding its job.
async fn postpone(
    imports: &Arc<Imports>,
    publisher: &Publisher,
    message: &pb::ImportJobMessage,
) -> Verdict {
    let seconds = imports.config.retry_delay(1).as_secs();
    match publisher.publish_delayed(seconds, message, true).await {
        Ok(()) => Verdict::Ack,
        Err(e) => {
            tracing::warn!(job_id = %message.job_id, error = %e, "message not postponed; requeued");
            Verdict::Requeue
        }
    }
}

/// Sends the job's next attempt through the delay queue of its retry delay. When that fails
/// the message is acknowledged anyway: the job row is queued and unpublished, so the outbox
/// sweeper publishes it once the delay has passed.
async fn schedule_retry(imports: &Arc<Imports>, publisher: &Publisher, job: &JobRow) -> Verdict {
    let job_id = job.id.as_str();
    let next = u32::try_from(job.attempts).unwrap_or(0) + 1;
    let seconds = imports.config.retry_delay(next).as_secs();
    match publisher
        .publish_delayed(seconds, &message_for(job, next), false)
        .await
    {
        Ok(()) => {
            if let Err(e) = publisher.mark(vec![job.id.clone()]).await {
                tracing::warn!(job_id, error = %e, "retry published but not recorded; it may run twice (harmlessly)");
            }
        }
        Err(e) => {
            tracing::warn!(job_id, error = %e, "retry not published; the outbox sweeper publishes it")
        }
    }
    Verdict::Ack
}

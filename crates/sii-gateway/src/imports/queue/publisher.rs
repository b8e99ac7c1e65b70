//! Publishing job messages with publisher confirms. The job row is written first; its
//! `published_at` is set only once the broker confirmed the message, and the outbox sweeper
//! republishes jobs left unconfirmed (broker down at request time, crash in between), so a
//! job is never lost — at worst it is published twice, and the second copy finds the job
//! taken and is acknowledged without work.

use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel};
use ofitec_platform::db::Db;
use ofitec_proto::sii::v1 as pb;
use prost::Message as _;
use tokio::sync::RwLock;

use super::topology;
use crate::imports::config::QueueNames;
use crate::store::jobs::{self, JobRow};
use crate::store::{self, StoreError};

/// Header of a message postponed after a storage failure: its job may have been left
/// `running` by the attempt that failed, so the copy may take it over, as a redelivered
/// message would.
pub const TAKEOVER_HEADER: &str = "x-ofitec-takeover";

/// The message asking for `attempt` of `job`.
pub fn message_for(job: &JobRow, attempt: u32) -> pb::ImportJobMessage {
    pb::ImportJobMessage {
        job_id: job.id.clone(),
        attempt,
        request_id: job.request_id.clone(),
    }
}

/// Why a message was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No connection to the broker right now (the sweeper publishes later).
    #[error("not connected to RabbitMQ")]
    NotConnected,
    /// The broker refused or failed.
    #[error("RabbitMQ: {0}")]
    Broker(#[from] lapin::Error),
    /// The broker did not confirm the message.
    #[error("RabbitMQ did not confirm the message")]
    Nacked,
    /// Recording the confirmation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The publishing side of one gateway process.
#[derive(Debug)]
pub struct Publisher {
    channel: RwLock<Option<Channel>>,
    names: QueueNames,
    db: Db,
}

impl Publisher {
    /// A publisher that is not connected yet.
    pub fn new(names: QueueNames, db: Db) -> Publisher {
        Publisher {
            channel: RwLock::new(None),
            names,
            db,
        }
    }

    /// The queue names.
    pub fn names(&self) -> &QueueNames {
        &self.names
    }

    /// Uses `channel` (in confirm mode) from now on; `None` while disconnected.
    pub async fn set_channel(&self, channel: Option<Channel>) {
        *self.channel.write().await = channel;
    }

    /// The current channel.
    pub async fn channel(&self) -> Option<Channel> {
        self.channel.read().await.clone()
    }

    /// Publishes one message for `job` to `queue` and waits for the broker's confirm.
    pub async fn publish_to(
        &self,
        queue: &str,
        job: &JobRow,
        attempt: u32,
    ) -> Result<(), PublishError> {
        self.publish_message(queue, &message_for(job, attempt), false)
            .await
    }

    /// Publishes `message` through the delay queue of `seconds` (declared if needed): it
    /// reaches the work queue once the delay has passed.
    pub async fn publish_delayed(
        &self,
        seconds: u64,
        message: &pb::ImportJobMessage,
        takeover: bool,
    ) -> Result<(), PublishError> {
        let channel = self.channel().await.ok_or(PublishError::NotConnected)?;
        let queue = topology::delay_queue(&channel, &self.names, seconds).await?;
        self.publish_message(&queue, message, takeover).await
    }

    /// Publishes `message` to `queue` (persistent) and waits for the broker's confirm.
    /// `takeover` marks a copy that stands in for a redelivery (see [`TAKEOVER_HEADER`]).
    pub async fn publish_message(
        &self,
        queue: &str,
        message: &pb::ImportJobMessage,
        takeover: bool,
    ) -> Result<(), PublishError> {
        let channel = self.channel().await.ok_or(PublishError::NotConnected)?;
        let mut properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type(ShortString::from("application/x-protobuf"));
        if takeover {
            let mut headers = FieldTable::default();
            headers.insert(TAKEOVER_HEADER.into(), AMQPValue::Boolean(true));
            properties = properties.with_headers(headers);
        }
        let confirm = channel
            .basic_publish(
                ShortString::from(""),
                ShortString::from(queue),
                BasicPublishOptions::default(),
                &message.encode_to_vec(),
                properties,
            )
            .await?
            .await?;
        if confirm.is_ack() {
            Ok(())
        } else {
            Err(PublishError::Nacked)
        }
    }

    /// Publishes every job to the work queue and records the confirmed ones; returns how
    /// many were confirmed. Failures are logged: the sweeper tries again.
    pub async fn dispatch(&self, jobs: &[JobRow]) -> usize {
        let mut confirmed = Vec::new();
        for job in jobs {
            let attempt = u32::try_from(job.attempts).unwrap_or(0) + 1;
            match self.publish_to(&self.names.work, job, attempt).await {
                Ok(()) => confirmed.push(job.id.clone()),
                Err(e) => {
                    tracing::warn!(job_id = %job.id, error = %e, "job message not published yet; the outbox sweeper retries");
                    break;
                }
            }
        }
        let count = confirmed.len();
        if count > 0
            && let Err(e) = self.mark(confirmed).await
        {
            tracing::warn!(error = %e, "published jobs not recorded as such; they may be published twice");
        }
        count
    }

    /// Records that these jobs' messages are confirmed.
    pub async fn mark(&self, ids: Vec<String>) -> Result<(), StoreError> {
        store::run(&self.db, move |conn| jobs::mark_published(conn, &ids)).await
    }

    /// The outbox: publishes queued jobs the broker never confirmed (older than a few seconds,
    /// so a request still publishing its own jobs is not raced).
    pub async fn sweep(&self) {
        let due = store::run(&self.db, |conn| {
            jobs::unpublished(conn, chrono::Duration::seconds(5), 500)
        })
        .await;
        match due {
            Ok(jobs) if !jobs.is_empty() => {
                let sent = self.dispatch(&jobs).await;
                tracing::info!(
                    found = jobs.len(),
                    sent,
                    "outbox: unpublished import jobs sent"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "outbox: cannot read unpublished jobs"),
        }
    }
}

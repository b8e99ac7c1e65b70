//! Queue mode (`imports.amqp_url` set): RabbitMQ carries "work on job X" messages so any
//! number of gateway replicas share the work. The job row stays the truth; a message is
//! acknowledged only after the attempt's outcome is committed, so a worker killed mid-job
//! leaves its message unacknowledged, the broker redelivers it, and the next worker takes
//! the job over. A lost connection is retried with backoff; jobs requested meanwhile wait in
//! the database and the outbox sweeper publishes them.
//!
//! * `topology`: queues and exchanges.
//! * `publisher`: confirmed publishing and the outbox.
//! * `consumer`: one delivery → one attempt → ack, delay-queue retry, or dead letter.
//! * `dead_letters`: jobs whose message the broker dead-lettered on its own are marked dead.

mod consumer;
mod dead_letters;
mod notices;
pub mod publisher;
pub mod topology;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use lapin::options::{BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{Connection, ConnectionProperties};
use ofitec_platform::shutdown::CancellationToken;

use super::Imports;

/// How often the outbox is swept and the queue depth read.
const HOUSEKEEPING: Duration = Duration::from_secs(5);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Connects, consumes and reconnects until `shutdown`.
pub async fn run(imports: Arc<Imports>, url: String, shutdown: CancellationToken) {
    let Some(publisher) = imports.publisher.clone() else {
        tracing::error!("queue mode started without a publisher");
        return;
    };
    let mut backoff = Duration::from_millis(500);
    loop {
        let outcome = session(&imports, &url, &shutdown, &mut backoff).await;
        publisher.set_channel(None).await;
        match outcome {
            Ok(()) => break,
            Err(e) => {
                imports.metrics.broker_up.set(0);
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "RabbitMQ connection lost or refused; reconnecting");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    tracing::info!("import queue consumer stopped");
}

/// One connection's life: declare, publish what waits, consume. `Ok` only on shutdown.
async fn session(
    imports: &Arc<Imports>,
    url: &str,
    shutdown: &CancellationToken,
    backoff: &mut Duration,
) -> anyhow::Result<()> {
    let Some(publisher) = imports.publisher.clone() else {
        anyhow::bail!("queue mode without a publisher");
    };
    let connection = Connection::connect(url, ConnectionProperties::default()).await?;
    let publishing = connection.create_channel().await?;
    publishing
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    topology::declare(&publishing, publisher.names()).await?;
    publisher.set_channel(Some(publishing.clone())).await;
    let consuming = connection.create_channel().await?;
    consuming
        .basic_qos(imports.config.prefetch.max(1), BasicQosOptions::default())
        .await?;
    let mut deliveries = consuming
        .basic_consume(
            ShortString::from(publisher.names().work.as_str()),
            ShortString::from(imports.worker_id.as_str()),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let notice_channel = connection.create_channel().await?;
    let events_exchange = format!("{}.events", imports.config.queue_prefix);
    let mut incoming = notices::listen(&notice_channel, &events_exchange).await?;
    let (outbound, mut announced) = tokio::sync::mpsc::unbounded_channel::<i64>();
    imports.hub.set_outbound(Some(outbound));
    let served = serve(
        imports,
        &publisher,
        &connection,
        &publishing,
        &notice_channel,
        &events_exchange,
        &mut incoming,
        &mut announced,
        &mut deliveries,
        shutdown,
        backoff,
    )
    .await;
    imports.hub.set_outbound(None);
    served
}

/// The consuming loop of one connection.
#[allow(clippy::too_many_arguments)]
async fn serve(
    imports: &Arc<Imports>,
    publisher: &Arc<publisher::Publisher>,
    connection: &Connection,
    publishing: &lapin::Channel,
    notice_channel: &lapin::Channel,
    events_exchange: &str,
    incoming: &mut lapin::Consumer,
    announced: &mut tokio::sync::mpsc::UnboundedReceiver<i64>,
    deliveries: &mut lapin::Consumer,
    shutdown: &CancellationToken,
    backoff: &mut Duration,
) -> anyhow::Result<()> {
    *backoff = Duration::from_millis(500);
    imports.metrics.broker_up.set(1);
    tracing::info!(queue = %publisher.names().work, prefetch = imports.config.prefetch, "consuming import jobs from RabbitMQ");
    publisher.sweep().await;
    let mut housekeeping = tokio::time::interval(HOUSEKEEPING);
    let mut dead_letters_examined = dead_letters::Examined::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => {
                // Unacknowledged deliveries go back to the queue for another replica.
                if let Err(e) = connection.close(200, ShortString::from("shutdown")).await {
                    tracing::debug!(error = %e, "closing the RabbitMQ connection");
                }
                return Ok(());
            }
            Some(id) = announced.recv() => {
                if let Err(e) = notices::publish(notice_channel, events_exchange, id).await {
                    tracing::debug!(error = %e, "event notice not published");
                }
            }
            notice = incoming.next() => match notice {
                Some(Ok(notice)) => notices::receive(&imports.hub, &notice.data),
                Some(Err(e)) => return Err(e.into()),
                None => anyhow::bail!("the broker cancelled the event notice consumer"),
            },
            delivery = deliveries.next() => match delivery {
                Some(Ok(delivery)) => {
                    let imports = imports.clone();
                    let publisher = publisher.clone();
                    tokio::spawn(async move { consumer::handle(&imports, &publisher, delivery).await });
                }
                Some(Err(e)) => return Err(e.into()),
                None => anyhow::bail!("the broker cancelled the consumer"),
            },
            _ = housekeeping.tick() => {
                publisher.sweep().await;
                imports.housekeeping().await;
                for queue in [&publisher.names().work, &publisher.names().dead] {
                    match topology::depth(publishing, queue).await {
                        Ok(n) => imports.metrics.queue_depth.with_label_values(&[queue.as_str()]).set(i64::from(n)),
                        Err(e) => tracing::debug!(error = %e, queue = %queue, "queue depth not read"),
                    }
                }
                dead_letters::sweep(imports, publishing, &publisher.names().dead, &mut dead_letters_examined).await;
            }
        }
    }
}

/// `amqp://user:password@host/vhost` without the password, for logs.
pub fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            None => url.to_owned(),
        },
        None => "(not a URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redacted("amqp://ofitec:s3cret@rabbitmq:5672/%2f"),
            "amqp://ofitec:***@rabbitmq:5672/%2f"
        );
        assert_eq!(redacted("amqp://127.0.0.1:5672"), "amqp://127.0.0.1:5672");
        assert!(!redacted("amqp://a:b:c@h").contains('b'));
    }
}

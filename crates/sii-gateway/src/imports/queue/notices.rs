//! Event notices between replicas: each replica publishes "events up to N exist" to the
//! `<p>.events` fanout exchange and listens on its own exclusive queue, so a client streaming
//! from one replica sees a job another replica runs at once, not at the next poll.

use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Consumer, ExchangeKind};
use ofitec_proto::sii::v1 as pb;
use prost::Message as _;

use crate::imports::events::EventHub;

/// Declares the exchange and this replica's queue, and starts consuming it.
pub async fn listen(channel: &Channel, exchange: &str) -> Result<Consumer, lapin::Error> {
    channel
        .exchange_declare(
            ShortString::from(exchange),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let queue = channel
        .queue_declare(
            ShortString::from(""),
            QueueDeclareOptions::exclusive().auto_delete(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            queue.name().clone(),
            ShortString::from(exchange),
            ShortString::from(""),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    channel
        .basic_consume(
            queue.name().clone(),
            ShortString::from(""),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
}

/// Publishes one notice (no confirm: a lost notice costs latency, not events).
pub async fn publish(channel: &Channel, exchange: &str, event_id: i64) -> Result<(), lapin::Error> {
    let notice = pb::ImportEventNotice {
        event_id: u64::try_from(event_id).unwrap_or(0),
    };
    channel
        .basic_publish(
            ShortString::from(exchange),
            ShortString::from(""),
            BasicPublishOptions::default(),
            &notice.encode_to_vec(),
            BasicProperties::default(),
        )
        .await?;
    Ok(())
}

/// Wakes local watchers for a notice received; unreadable notices are ignored.
pub fn receive(hub: &EventHub, data: &[u8]) {
    if let Ok(notice) = pb::ImportEventNotice::decode(data) {
        hub.wake_local(i64::try_from(notice.event_id).unwrap_or(i64::MAX));
    }
}

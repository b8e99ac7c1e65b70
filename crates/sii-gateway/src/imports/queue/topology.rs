//! The broker's queues, declared idempotently at every (re)connection:
//!
//! * `<p>.import` — quorum, durable: one message per job attempt. Rejected messages (poison,
//!   dead jobs, or more than `DELIVERY_LIMIT` deliveries — a message that kills its workers)
//!   go to the `<p>.dlx` fanout exchange, bound to `<p>.import.dead`.
//! * `<p>.import.delay.<s>` — classic, durable, one per retry delay: messages wait `s`
//!   seconds (TTL), then dead-letter back into `<p>.import` through the default exchange.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};

use crate::imports::config::QueueNames;

/// Deliveries of one message before the broker dead-letters it (crash loops end there).
pub const DELIVERY_LIMIT: i64 = 10;

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value.as_bytes().to_vec()))
}

/// Declares the exchange and queues; safe to repeat.
pub async fn declare(channel: &Channel, names: &QueueNames) -> Result<(), lapin::Error> {
    channel
        .exchange_declare(
            ShortString::from(names.dead_exchange.as_str()),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(
            ShortString::from(names.dead.as_str()),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            ShortString::from(names.dead.as_str()),
            ShortString::from(names.dead_exchange.as_str()),
            ShortString::from(""),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut work = FieldTable::default();
    work.insert("x-queue-type".into(), text("quorum"));
    work.insert("x-dead-letter-exchange".into(), text(&names.dead_exchange));
    work.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongLongInt(DELIVERY_LIMIT),
    );
    channel
        .queue_declare(
            ShortString::from(names.work.as_str()),
            QueueDeclareOptions::durable(),
            work,
        )
        .await?;
    Ok(())
}

/// Declares the delay queue of `seconds` and returns its name.
pub async fn delay_queue(
    channel: &Channel,
    names: &QueueNames,
    seconds: u64,
) -> Result<String, lapin::Error> {
    let name = format!("{}{seconds}", names.delay_prefix);
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-message-ttl".into(),
        AMQPValue::LongLongInt(i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)),
    );
    arguments.insert("x-dead-letter-exchange".into(), text(""));
    arguments.insert("x-dead-letter-routing-key".into(), text(&names.work));
    channel
        .queue_declare(
            ShortString::from(name.as_str()),
            QueueDeclareOptions::durable(),
            arguments,
        )
        .await?;
    Ok(name)
}

/// Messages waiting in `queue` (a passive declare: nothing is created).
pub async fn depth(channel: &Channel, queue: &str) -> Result<u32, lapin::Error> {
    let queue = channel
        .queue_declare(
            ShortString::from(queue),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok(queue.message_count())
}

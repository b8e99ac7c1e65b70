//! The simulator's clock: the wall clock plus an offset tests move (`POST /admin/clock`),
//! so seed expiry, token lifetime and certificate validity are testable without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Wall clock + offset.
#[derive(Debug)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock `offset_s` seconds ahead of the wall clock (behind when negative).
    pub fn new(offset_s: i64) -> Clock {
        Clock {
            offset_ms: AtomicI64::new(offset_s.saturating_mul(1000)),
        }
    }

    /// Now, as the simulator sees it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Sets the offset.
    pub fn set_offset(&self, seconds: i64) {
        self.offset_ms
            .store(seconds.saturating_mul(1000), Ordering::Relaxed);
    }

    /// Moves the clock forward (or back) by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.offset_ms
            .fetch_add(seconds.saturating_mul(1000), Ordering::Relaxed);
    }

    /// The current offset in seconds.
    pub fn offset_s(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed) / 1000
    }
}

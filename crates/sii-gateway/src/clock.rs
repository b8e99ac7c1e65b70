//! The gateway's clock: the time the store records and the import logic schedules by.

use chrono::{NaiveDateTime, Timelike as _, Utc};

/// The current time in UTC, cut to the microseconds both backends keep, so a time written
/// and read back compares equal to the one in memory.
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.and_utc().timestamp_subsec_micros() * 1_000)
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_microseconds_only() {
        let t = now();
        assert_eq!(t.nanosecond() % 1_000, 0);
        assert!((Utc::now().naive_utc() - t).num_seconds() < 5);
    }
}

//! Times on the wire, as text, `""` when absent:
//!
//! * instants the platform records (job and declaration times, token expiry): RFC 3339 in UTC
//!   with milliseconds, `2024-12-02T10:00:00.000Z`; any RFC 3339 offset is read;
//! * SII's own times (reception, acknowledgement, `dcvFecModificacion`), which SII gives in
//!   Chilean local time without a zone: `YYYY-MM-DDTHH:MM:SS`, kept local;
//! * dates: `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

use super::{ConvertError, Problem};

const LOCAL_TIME: &str = "%Y-%m-%dT%H:%M:%S";
const DATE: &str = "%Y-%m-%d";

/// A recorded instant on the wire; `""` when absent.
pub fn instant(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// A recorded instant from `field` (any RFC 3339 offset, as UTC); `None` when empty.
pub fn instant_from_pb(field: &str, text: &str) -> Result<Option<DateTime<Utc>>, ConvertError> {
    parse(field, text, "an RFC 3339 time", |t| {
        DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.with_timezone(&Utc))
    })
}

/// One of SII's local times on the wire; `""` when absent. Sub-second digits are dropped
/// (SII gives none).
pub fn local_time(at: Option<NaiveDateTime>) -> String {
    at.map(|t| t.format(LOCAL_TIME).to_string())
        .unwrap_or_default()
}

/// One of SII's local times from `field`; `None` when empty.
pub fn local_time_from_pb(field: &str, text: &str) -> Result<Option<NaiveDateTime>, ConvertError> {
    parse(field, text, "a local time YYYY-MM-DDTHH:MM:SS", |t| {
        NaiveDateTime::parse_from_str(t, LOCAL_TIME).ok()
    })
}

/// A date on the wire; `""` when absent.
pub fn date(on: Option<NaiveDate>) -> String {
    on.map(|d| d.format(DATE).to_string()).unwrap_or_default()
}

/// A date from `field`; `None` when empty.
pub fn date_from_pb(field: &str, text: &str) -> Result<Option<NaiveDate>, ConvertError> {
    parse(field, text, "a date YYYY-MM-DD", |t| {
        NaiveDate::parse_from_str(t, DATE).ok()
    })
}

fn parse<T>(
    field: &str,
    text: &str,
    expected: &'static str,
    read: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ConvertError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    read(trimmed).map(Some).ok_or_else(|| {
        ConvertError::new(
            field,
            Problem::Format {
                value: text.to_owned(),
                expected,
            },
        )
    })
}

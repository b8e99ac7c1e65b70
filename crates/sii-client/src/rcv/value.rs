//! Reading SII's values tolerantly: numbers as numbers or strings, `-`/empty/`null` as
//! absent, dates `dd/mm/yyyy` and `dd/mm/yyyy hh:mm:ss`. Shared by the JSON and CSV paths;
//! hand-written because these run for every field of every row.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Whether SII means "nothing" by this text.
pub(crate) fn is_null(text: &str) -> bool {
    is_null_bytes(text.as_bytes())
}

/// [`is_null`] on bytes (non-ASCII bytes are never null).
#[inline]
pub(crate) fn is_null_bytes(bytes: &[u8]) -> bool {
    let t = bytes.trim_ascii();
    t.is_empty() || t == b"-" || t.eq_ignore_ascii_case(b"null")
}

/// A whole amount: optional sign, digits; a `.00`-style zero fraction is accepted, and
/// thousands separators never appear in SII's exports (a `.` with non-zero decimals is
/// refused rather than guessed at). `Ok(None)` when null.
pub(crate) fn int(text: &str) -> Result<Option<i64>, ()> {
    int_bytes(text.as_bytes())
}

/// [`int`] on bytes. Plain digits (nearly every amount) take a fast path.
#[inline]
pub(crate) fn int_bytes(bytes: &[u8]) -> Result<Option<i64>, ()> {
    if let Some(value) = digits(bytes) {
        return Ok(Some(value));
    }
    let t = bytes.trim_ascii();
    if is_null_bytes(t) {
        return Ok(None);
    }
    let (negative, rest) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let whole = match rest.iter().position(|b| *b == b'.' || *b == b',') {
        Some(dot) if rest[dot + 1..].iter().all(|b| *b == b'0') => &rest[..dot],
        Some(_) => return Err(()),
        None => rest,
    };
    let value = digits(whole).ok_or(())?;
    Ok(Some(if negative { -value } else { value }))
}

/// 1 to 18 ASCII digits as a number (18 digits always fit an `i64`).
#[inline]
fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 18 {
        return None;
    }
    let mut value: i64 = 0;
    for b in bytes {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value * 10 + i64::from(d);
    }
    Some(value)
}

/// A rate or other decimal (`19`, `19.00`, `18,5`).
pub(crate) fn decimal(text: &str) -> Result<Option<f64>, ()> {
    let t = text.trim();
    if is_null(t) {
        return Ok(None);
    }
    let normalised = t.replace(',', ".");
    match normalised.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(()),
    }
}

/// `dd/mm/yyyy` (also `yyyy-mm-dd`, which some exports use).
pub(crate) fn date(text: &str) -> Result<Option<NaiveDate>, ()> {
    date_bytes(text.as_bytes())
}

/// [`date`] on bytes.
#[inline]
pub(crate) fn date_bytes(bytes: &[u8]) -> Result<Option<NaiveDate>, ()> {
    let b = bytes.trim_ascii();
    if is_null_bytes(b) {
        return Ok(None);
    }
    let (d, m, y) = if b.len() == 10 && b[2] == b'/' && b[5] == b'/' {
        (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..10])?)
    } else if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        (num(&b[8..10])?, num(&b[5..7])?, num(&b[0..4])?)
    } else {
        return Err(());
    };
    NaiveDate::from_ymd_opt(y as i32, m, d).map(Some).ok_or(())
}

/// `dd/mm/yyyy hh:mm:ss` (a bare date means midnight; `hh:mm` is accepted).
pub(crate) fn datetime(text: &str) -> Result<Option<NaiveDateTime>, ()> {
    datetime_bytes(text.as_bytes())
}

/// [`datetime`] on bytes.
#[inline]
pub(crate) fn datetime_bytes(bytes: &[u8]) -> Result<Option<NaiveDateTime>, ()> {
    let t = bytes.trim_ascii();
    if is_null_bytes(t) {
        return Ok(None);
    }
    let (day, time) = match t.iter().position(|b| *b == b' ' || *b == b'T') {
        Some(at) => (&t[..at], t[at + 1..].trim_ascii()),
        None => (t, &b""[..]),
    };
    let Some(day) = date_bytes(day)? else {
        return Err(());
    };
    let time = if time.is_empty() {
        NaiveTime::MIN
    } else {
        let b = time;
        let (h, mi, s) = match b.len() {
            8 if b[2] == b':' && b[5] == b':' => (num(&b[0..2])?, num(&b[3..5])?, num(&b[6..8])?),
            5 if b[2] == b':' => (num(&b[0..2])?, num(&b[3..5])?, 0),
            _ => return Err(()),
        };
        NaiveTime::from_hms_opt(h, mi, s).ok_or(())?
    };
    Ok(Some(day.and_time(time)))
}

#[inline]
fn num(bytes: &[u8]) -> Result<u32, ()> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(());
    }
    Ok(bytes
        .iter()
        .fold(0, |acc, b| acc * 10 + u32::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(int("1750181"), Ok(Some(1_750_181)));
        assert_eq!(int(" -42 "), Ok(Some(-42)));
        assert_eq!(int("19.00"), Ok(Some(19)));
        assert_eq!(int("-"), Ok(None));
        assert_eq!(int(""), Ok(None));
        assert_eq!(int("NULL"), Ok(None));
        assert_eq!(int("1.234.567"), Err(()));
        assert_eq!(int("12a"), Err(()));
        assert_eq!(int("9999999999999999999999"), Err(()));
        assert_eq!(decimal("18,5"), Ok(Some(18.5)));
        assert_eq!(decimal("abc"), Err(()));
    }

    #[test]
    fn dates() {
        assert_eq!(
            date("13/12/2019"),
            Ok(NaiveDate::from_ymd_opt(2019, 12, 13))
        );
        assert_eq!(
            date("2019-12-13"),
            Ok(NaiveDate::from_ymd_opt(2019, 12, 13))
        );
        assert_eq!(date("31/02/2019"), Err(()));
        assert_eq!(date("null"), Ok(None));
        let dt = datetime("14/12/2019 15:56:27").ok().flatten();
        assert_eq!(
            dt.map(|d| d.to_string()).as_deref(),
            Some("2019-12-14 15:56:27")
        );
        assert_eq!(datetime("14/12/2019 25:00:00"), Err(()));
        assert_eq!(
            datetime("14/12/2019")
                .ok()
                .flatten()
                .map(|d| d.to_string())
                .as_deref(),
            Some("2019-12-14 00:00:00")
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in ".{0,30}") {
            let _ = int(&text);
            let _ = decimal(&text);
            let _ = date(&text);
            let _ = datetime(&text);
        }
    }
}

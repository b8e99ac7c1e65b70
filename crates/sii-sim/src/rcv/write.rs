//! Writing numbers, dates and JSON strings straight into a `String`: the export of a
//! 200,000-document period is tens of megabytes, so this avoids `format!` per field.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// Appends an integer.
pub fn int(out: &mut String, value: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let negative = value < 0;
    let mut n = value.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        out.push('-');
    }
    for b in &buf[i..] {
        out.push(char::from(*b));
    }
}

/// Appends an integer, or nothing when it is zero (SII leaves optional amounts empty).
pub fn int_or_empty(out: &mut String, value: i64) {
    if value != 0 {
        int(out, value);
    }
}

fn two(out: &mut String, value: u32) {
    out.push(char::from(b'0' + (value / 10 % 10) as u8));
    out.push(char::from(b'0' + (value % 10) as u8));
}

/// `dd/mm/yyyy`.
pub fn date(out: &mut String, day: NaiveDate) {
    two(out, day.day());
    out.push('/');
    two(out, day.month());
    out.push('/');
    int(out, i64::from(day.year()));
}

/// `dd/mm/yyyy hh:mm:ss`.
pub fn datetime(out: &mut String, at: NaiveDateTime) {
    date(out, at.date());
    out.push(' ');
    two(out, at.hour());
    out.push(':');
    two(out, at.minute());
    out.push(':');
    two(out, at.second());
}

/// A rate as SII writes it (`18`, `31.5`).
pub fn rate(out: &mut String, value: f64) {
    use std::fmt::Write as _;
    let _ = write!(out, "{value}");
}

/// Appends `text` as the inside of a JSON string (no quotes).
pub fn json_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Appends a JSON string value, quotes included.
pub fn json_string(out: &mut String, text: &str) {
    out.push('"');
    json_text(out, text);
    out.push('"');
}

/// Appends a JSON string value or `null`.
pub fn json_opt_string(out: &mut String, text: Option<&str>) {
    match text {
        Some(t) => json_string(out, t),
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let mut s = String::new();
        int(&mut s, -1_234_567);
        s.push('|');
        int(&mut s, 0);
        s.push('|');
        int(&mut s, i64::MIN);
        assert_eq!(s, "-1234567|0|-9223372036854775808");
        let mut s = String::new();
        let at = NaiveDate::from_ymd_opt(2024, 3, 5)
            .and_then(|d| d.and_hms_opt(7, 8, 9))
            .unwrap_or_default();
        datetime(&mut s, at);
        s.push('|');
        rate(&mut s, 18.0);
        s.push('|');
        rate(&mut s, 31.5);
        s.push('|');
        json_string(&mut s, "a\"b\\c\u{1}ñ");
        assert_eq!(s, "05/03/2024 07:08:09|18|31.5|\"a\\\"b\\\\c\\u0001ñ\"");
    }
}

//! Cron expressions in the usual 5-field form (or 6 with seconds first), evaluated in UTC.
//!
//! The `cron` crate wants seconds first and numbers days of the week 1-7 from Sunday, while
//! everyone writes `0 2 * * 1-5` meaning Monday to Friday; numeric days are translated to
//! names so the expression means what a crontab would.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// Why a cron expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Not 5 (or 6) fields.
    #[error(
        "cron expression `{text}` has {fields} fields; expected 5 (minute hour day month weekday)"
    )]
    FieldCount {
        /// The expression.
        text: String,
        /// How many fields it has.
        fields: usize,
    },
    /// A numeric day of week above 7.
    #[error("day of week {0} is out of range 0-7")]
    DayOutOfRange(usize),
    /// The `cron` crate refused it.
    #[error("invalid cron expression `{text}`: {detail}")]
    Invalid {
        /// The expression.
        text: String,
        /// Why.
        detail: String,
    },
}

/// A parsed schedule.
#[derive(Clone)]
pub struct CronSchedule {
    text: String,
    schedule: cron::Schedule,
}

impl fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CronSchedule({})", self.text)
    }
}

impl CronSchedule {
    /// Parses a 5-field (minute first) or 6-field (second first) expression.
    pub fn parse(text: &str) -> Result<CronSchedule, CronError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let six = match fields.len() {
            5 => {
                let dow = translate_days(fields[4])?;
                format!(
                    "0 {} {} {} {} {}",
                    fields[0], fields[1], fields[2], fields[3], dow
                )
            }
            6 => {
                let dow = translate_days(fields[5])?;
                format!(
                    "{} {} {} {} {} {}",
                    fields[0], fields[1], fields[2], fields[3], fields[4], dow
                )
            }
            fields => {
                let text = text.to_owned();
                return Err(CronError::FieldCount { text, fields });
            }
        };
        let schedule = cron::Schedule::from_str(&six).map_err(|e| CronError::Invalid {
            text: text.to_owned(),
            detail: e.to_string(),
        })?;
        Ok(CronSchedule {
            text: text.to_owned(),
            schedule,
        })
    }

    /// The first firing strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.after(&after).next()
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

const DAYS: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

fn translate_days(field: &str) -> Result<String, CronError> {
    let day = |token: &str| match token.parse::<usize>() {
        Ok(n) if n < DAYS.len() => Ok(DAYS[n].to_owned()),
        Ok(n) => Err(CronError::DayOutOfRange(n)),
        Err(_) => Ok(token.to_owned()),
    };
    let mut items = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        let mut translated = range
            .split('-')
            .map(day)
            .collect::<Result<Vec<_>, _>>()?
            .join("-");
        if let Some(step) = step {
            translated = format!("{translated}/{step}");
        }
        items.push(translated);
    }
    Ok(items.join(","))
}

impl FromStr for CronSchedule {
    type Err = CronError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CronSchedule::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Timelike, Weekday};

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn five_fields_mean_what_crontab_means() {
        // 2026-11-21 is a Saturday: business days 1-5 skip to Monday.
        let s = CronSchedule::parse("0 9-18 * * 1-5");
        let next = s.ok().and_then(|s| s.next_after(at(2026, 11, 21, 12, 0)));
        assert_eq!(next.map(|n| n.weekday()), Some(Weekday::Mon));
        assert_eq!(next.map(|n| n.hour()), Some(9));
        let daily = CronSchedule::parse("0 2 * * *").ok();
        assert_eq!(
            daily.and_then(|s| s.next_after(at(2026, 1, 1, 2, 0))),
            Some(at(2026, 1, 2, 2, 0))
        );
        let sunday = CronSchedule::parse("30 3 * * 0").ok();
        assert_eq!(
            sunday
                .and_then(|s| s.next_after(at(2026, 11, 23, 0, 0)))
                .map(|n| n.weekday()),
            Some(Weekday::Sun)
        );
    }

    #[test]
    fn bad_expressions_are_explained() {
        let message = |text| {
            CronSchedule::parse(text)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert!(message("* * *").is_err_and(|e| e.contains("3 fields")));
        assert!(message("0 25 * * *").is_err());
        assert!(message("0 2 * * 9").is_err_and(|e| e.contains("out of range")));
    }
}

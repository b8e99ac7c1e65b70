//! The filing calendar: when each company's F29 of a period is due, how many days are left,
//! and which declarations are late in their life cycle.
//!
//! * [`holidays`]: Chile's public holidays, the days a due date moves over.
//! * [`due`]: the due date of a period (12th or 20th, next business day).
//!
//! Dates are Chilean: "today" is the date in America/Santiago, whatever the server's zone.

pub mod due;
pub mod holidays;

use chrono::{DateTime, NaiveDate, Utc};
use ofitec_domain::{Period, Rut};

use super::lifecycle::Status;
use due::{business_days_left, due_date};
use holidays::{HolidayError, HolidayTable};

/// How many business days before its due date a declaration should be `ready`.
pub const READY_BUSINESS_DAYS_BEFORE: i64 = 2;

/// The date in Chile at `now`.
pub fn today_in_chile(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&chrono_tz::America::Santiago)
        .date_naive()
}

/// The period whose F29 is due in the month of `today`: the month before (`None` outside
/// the years a period may have).
pub fn filing_period(today: NaiveDate) -> Option<Period> {
    use chrono::Datelike;
    Period::new(u32::try_from(today.year()).ok()?, today.month())
        .ok()?
        .previous()
}

/// A declaration's place in its life cycle, `None` before the first computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress(pub Option<Status>);

impl Progress {
    /// `none`, `draft`, `ready`, `sent` or `paid`.
    pub fn as_str(self) -> &'static str {
        self.0.map_or("none", Status::as_str)
    }

    /// Whether the declaration is at least `ready`.
    pub fn is_ready_or_later(self) -> bool {
        matches!(self.0, Some(Status::Ready | Status::Sent | Status::Paid))
    }
}

/// One company's line of the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The company.
    pub company: Rut,
    /// The period declared.
    pub period: Period,
    /// Where its declaration is.
    pub progress: Progress,
    /// Whether the company files as an electronic invoicer (due the 20th).
    pub e_invoicer: bool,
    /// When it is due.
    pub due: NaiveDate,
    /// Calendar days from today to the due date (negative once it passed).
    pub days_left: i64,
    /// Business days from today to the due date (negative once it passed).
    pub business_days_left: i64,
}

impl Entry {
    /// Computes the line of `company` for `period` as of `today`.
    pub fn new(
        company: Rut,
        period: Period,
        progress: Progress,
        e_invoicer: bool,
        today: NaiveDate,
        holidays: &HolidayTable,
    ) -> Result<Entry, HolidayError> {
        let due = due_date(period, e_invoicer, holidays)?;
        Ok(Entry {
            company,
            period,
            progress,
            e_invoicer,
            due,
            days_left: (due - today).num_days(),
            business_days_left: business_days_left(today, due, holidays)?,
        })
    }

    /// Whether the declaration is not ready while at most
    /// [`READY_BUSINESS_DAYS_BEFORE`] business days remain (or the date passed).
    pub fn needs_attention(&self) -> bool {
        !self.progress.is_ready_or_later() && self.business_days_left <= READY_BUSINESS_DAYS_BEFORE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn today_is_the_date_in_santiago() {
        // 02:30 UTC on 1 August 2026 is still 31 July in Santiago (UTC-4 in winter).
        let now = Utc
            .with_ymd_and_hms(2026, 8, 1, 2, 30, 0)
            .single()
            .expect("time");
        assert_eq!(today_in_chile(now), day("2026-07-31"));
        assert_eq!(
            filing_period(today_in_chile(now)).map(|p| p.to_string()),
            Some("2026-06".into())
        );
        // 03:30 UTC on 1 January 2027 is 00:30 in Santiago (UTC-3 in summer).
        let now = Utc
            .with_ymd_and_hms(2027, 1, 1, 3, 30, 0)
            .single()
            .expect("time");
        assert_eq!(today_in_chile(now), day("2027-01-01"));
        assert_eq!(
            filing_period(today_in_chile(now)).map(|p| p.to_string()),
            Some("2026-12".into())
        );
    }

    #[test]
    fn attention_two_business_days_before_unless_ready() {
        let holidays = HolidayTable::shipped().expect("holidays");
        let company = Rut::parse("76123456-0").expect("rut");
        let period = Period::parse("2026-08").expect("period");
        let at = |today: &str, status: Option<Status>| {
            Entry::new(
                company,
                period,
                Progress(status),
                true,
                day(today),
                &holidays,
            )
            .expect("entry")
        };
        // Due Monday 21 September 2026 (the 20th is a Sunday).
        let entry = at("2026-09-14", None);
        assert_eq!((entry.due, entry.days_left), (day("2026-09-21"), 7));
        assert!(!entry.needs_attention(), "4 business days left");
        assert!(at("2026-09-16", None).needs_attention(), "2 left");
        assert!(at("2026-09-16", Some(Status::Draft)).needs_attention());
        assert!(!at("2026-09-16", Some(Status::Ready)).needs_attention());
        assert!(!at("2026-09-16", Some(Status::Sent)).needs_attention());
        let late = at("2026-09-23", Some(Status::Draft));
        assert_eq!((late.days_left, late.business_days_left), (-2, -2));
        assert!(late.needs_attention());
        assert_eq!(Progress(None).as_str(), "none");
        assert_eq!(Progress(Some(Status::Paid)).as_str(), "paid");
    }
}

//! When an F29 is due.
//!
//! * DL 825 (Ley del IVA) art. 64: the taxes of a month are declared and paid up to the 12th
//!   of the following month.
//! * DS 1.001 (Hacienda, 2006), art. 1: taxpayers that issue electronic invoices (and those
//!   that issue only electronic boletas de honorarios, or no documents) and declare over the
//!   internet may do so up to the 20th.
//! * Código Tributario art. 10: a term that ends on a Saturday, Sunday or public holiday runs
//!   to the next business day.
//!
//! Sources and their wording are in docs/reference/f29.md#due-dates.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use ofitec_domain::Period;

use super::holidays::{HolidayError, HolidayTable};

/// The nominal due day for paper filers.
pub const DAY_PAPER: u32 = 12;
/// The nominal due day for electronic invoicers filing online.
pub const DAY_E_INVOICER: u32 = 20;

/// Whether `date` is a business day (not a weekend, not a holiday).
pub fn is_business_day(date: NaiveDate, holidays: &HolidayTable) -> Result<bool, HolidayError> {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return Ok(false);
    }
    Ok(!holidays.is_holiday(date)?)
}

/// The due date of the F29 of `period`: the 12th (or, for an electronic invoicer, the 20th)
/// of the following month, moved to the next business day.
pub fn due_date(
    period: Period,
    e_invoicer: bool,
    holidays: &HolidayTable,
) -> Result<NaiveDate, HolidayError> {
    let year_after = i32::try_from(period.year()).unwrap_or(i32::MAX - 1) + 1;
    let filed_in = period.next().ok_or(HolidayError::Missing(year_after))?;
    let day = if e_invoicer {
        DAY_E_INVOICER
    } else {
        DAY_PAPER
    };
    let year = i32::try_from(filed_in.year()).unwrap_or(i32::MAX);
    let mut date =
        NaiveDate::from_ymd_opt(year, filed_in.month(), day).ok_or(HolidayError::Missing(year))?;
    while !is_business_day(date, holidays)? {
        date += Duration::days(1);
    }
    Ok(date)
}

/// Business days from `today` to `due`: those in (today, due] when `due` is ahead (0 on the
/// due date itself), minus those in (due, today] when it has passed.
pub fn business_days_left(
    today: NaiveDate,
    due: NaiveDate,
    holidays: &HolidayTable,
) -> Result<i64, HolidayError> {
    let (from, to, sign) = if due >= today {
        (today, due, 1)
    } else {
        (due, today, -1)
    };
    let mut count = 0;
    let mut day = from;
    while day < to {
        day += Duration::days(1);
        if is_business_day(day, holidays)? {
            count += 1;
        }
    }
    Ok(sign * count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn period(text: &str) -> Period {
        Period::parse(text).expect("period")
    }

    fn shipped() -> HolidayTable {
        HolidayTable::shipped().expect("shipped holidays")
    }

    #[test]
    fn the_12th_or_the_20th_of_the_following_month() {
        let holidays = shipped();
        // June 2026 is filed in July: Sunday 12 and Monday 20 July.
        assert_eq!(
            due_date(period("2026-06"), false, &holidays),
            Ok(day("2026-07-13")),
            "Sunday 12 July moves to Monday 13"
        );
        assert_eq!(
            due_date(period("2026-06"), true, &holidays),
            Ok(day("2026-07-20"))
        );
        // October 2026: Thursday 12 and Friday 20 November, both business days.
        assert_eq!(
            due_date(period("2026-10"), false, &holidays),
            Ok(day("2026-11-12"))
        );
        assert_eq!(
            due_date(period("2026-10"), true, &holidays),
            Ok(day("2026-11-20"))
        );
    }

    #[test]
    fn a_weekend_moves_it_to_monday() {
        let holidays = shipped();
        // 20 December 2026 is a Sunday.
        assert_eq!(
            due_date(period("2026-11"), true, &holidays),
            Ok(day("2026-12-21"))
        );
        // 12 September 2026 is a Saturday.
        assert_eq!(
            due_date(period("2026-08"), false, &holidays),
            Ok(day("2026-09-14"))
        );
    }

    #[test]
    fn holidays_move_it_too() {
        let holidays = shipped();
        // Monday 12 October 2026 is a holiday (Encuentro de dos Mundos): September's paper
        // F29 is due Tuesday 13.
        assert_eq!(
            due_date(period("2026-09"), false, &holidays),
            Ok(day("2026-10-13"))
        );
        // Friday 20 September 2024 was a holiday (Fiestas Patrias, Código del Trabajo art. 35
        // ter), then the weekend: August 2024's e-invoicer F29 was due Monday 23.
        assert_eq!(
            due_date(period("2024-08"), true, &holidays),
            Ok(day("2024-09-23"))
        );
        // Fiestas Patrias 2026 (Friday 18, Saturday 19) and the weekend: on Thursday 17
        // September, August's F29 due Monday 21 is one business day away.
        let due = due_date(period("2026-08"), true, &holidays).expect("known year");
        assert_eq!(due, day("2026-09-21"));
        assert_eq!(business_days_left(day("2026-09-17"), due, &holidays), Ok(1));
        assert_eq!(business_days_left(day("2026-09-16"), due, &holidays), Ok(2));
        assert_eq!(business_days_left(day("2026-09-15"), due, &holidays), Ok(3));
    }

    #[test]
    fn over_the_year_end() {
        let holidays = shipped();
        // December 2026 is filed in January 2027: Tuesday 12 and Wednesday 20.
        assert_eq!(
            due_date(period("2026-12"), false, &holidays),
            Ok(day("2027-01-12"))
        );
        assert_eq!(
            due_date(period("2026-12"), true, &holidays),
            Ok(day("2027-01-20"))
        );
        // December 2025 → 12 January 2026 is a Monday, 20 January a Tuesday.
        assert_eq!(
            due_date(period("2025-12"), false, &holidays),
            Ok(day("2026-01-12"))
        );
        // Counting business days across the year end skips 1 January and the weekend.
        assert_eq!(
            business_days_left(day("2026-12-30"), day("2027-01-05"), &holidays),
            Ok(3),
            "31 Dec (Thu), 4 Jan (Mon), 5 Jan (Tue)"
        );
        // A year the table does not have is an error, not a guess.
        assert_eq!(
            due_date(period("2027-12"), true, &holidays),
            Err(HolidayError::Missing(2028))
        );
    }

    #[test]
    fn business_days_left_counts_both_ways() {
        let holidays = shipped();
        // Due Monday 20 July 2026.
        let due = day("2026-07-20");
        assert_eq!(business_days_left(day("2026-07-20"), due, &holidays), Ok(0));
        assert_eq!(business_days_left(day("2026-07-17"), due, &holidays), Ok(1));
        assert_eq!(business_days_left(day("2026-07-16"), due, &holidays), Ok(2));
        assert_eq!(
            business_days_left(day("2026-07-15"), due, &holidays),
            Ok(2),
            "16 July 2026 (Virgen del Carmen) is a holiday"
        );
        assert_eq!(business_days_left(day("2026-07-14"), due, &holidays), Ok(3));
        assert_eq!(
            business_days_left(day("2026-07-22"), due, &holidays),
            Ok(-2)
        );
    }
}

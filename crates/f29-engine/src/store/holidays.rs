//! The stored holiday table, a whole year at a time. Seeded from the shipped file like the
//! UTM: a year the database lacks is added, a year a seed wrote is replaced when the shipped
//! one differs, a year an operator set is kept.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use ofitec_platform::db::DbConnection;

use super::schema::{holiday_years, holidays};
use super::utm::SEED_ACTOR;
use super::{StoreError, naive, utc};
use crate::domain::calendar::holidays::{Holiday, HolidayTable, check_year};

/// One stored year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredYear {
    /// The year.
    pub year: i32,
    /// Its holidays, by date.
    pub holidays: Vec<Holiday>,
    /// Whether a seed wrote it.
    pub seeded: bool,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub set_at: DateTime<Utc>,
}

/// What a seed changed, in years.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeededYears {
    /// Years the database lacked.
    pub added: usize,
    /// Seeded years replaced by a different shipped list.
    pub corrected: usize,
    /// Years an operator set differently (left as they are).
    pub kept: usize,
}

/// Every stored year (or only `year`), oldest first.
pub fn list(conn: &mut DbConnection, only: Option<i32>) -> Result<Vec<StoredYear>, StoreError> {
    let mut years_query = holiday_years::table
        .order(holiday_years::year.asc())
        .select((
            holiday_years::year,
            holiday_years::seeded,
            holiday_years::set_by,
            holiday_years::set_at,
        ))
        .into_boxed();
    let mut days_query = holidays::table
        .order(holidays::day.asc())
        .select((
            holidays::day,
            holidays::year,
            holidays::name,
            holidays::source,
        ))
        .into_boxed();
    if let Some(year) = only {
        years_query = years_query.filter(holiday_years::year.eq(year));
        days_query = days_query.filter(holidays::year.eq(year));
    }
    let years: Vec<(i32, bool, String, chrono::NaiveDateTime)> = years_query.load(conn)?;
    let days: Vec<(String, i32, String, String)> = days_query.load(conn)?;
    let mut by_year: BTreeMap<i32, Vec<Holiday>> = BTreeMap::new();
    for (day, year, name, source) in days {
        let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("holidays.day `{day}`: {e}")))?;
        by_year
            .entry(year)
            .or_default()
            .push(Holiday { date, name, source });
    }
    Ok(years
        .into_iter()
        .map(|(year, seeded, set_by, set_at)| StoredYear {
            year,
            holidays: by_year.remove(&year).unwrap_or_default(),
            seeded,
            set_by,
            set_at: utc(set_at),
        })
        .collect())
}

/// The stored years as the table due dates are computed with.
pub fn table(conn: &mut DbConnection) -> Result<HolidayTable, StoreError> {
    Ok(HolidayTable::from_years(
        list(conn, None)?.into_iter().map(|y| (y.year, y.holidays)),
    ))
}

fn replace(
    conn: &mut DbConnection,
    year: i32,
    list: &[Holiday],
    seeded: bool,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::delete(holidays::table.filter(holidays::year.eq(year))).execute(conn)?;
    diesel::delete(holiday_years::table.find(year)).execute(conn)?;
    diesel::insert_into(holiday_years::table)
        .values((
            holiday_years::year.eq(year),
            holiday_years::seeded.eq(seeded),
            holiday_years::set_by.eq(by),
            holiday_years::set_at.eq(naive(at)),
        ))
        .execute(conn)?;
    for holiday in list {
        diesel::insert_into(holidays::table)
            .values((
                holidays::day.eq(holiday.date.format("%Y-%m-%d").to_string()),
                holidays::year.eq(year),
                holidays::name.eq(&holiday.name),
                holidays::source.eq(&holiday.source),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn same(a: &[Holiday], b: &[Holiday]) -> bool {
    let key = |list: &[Holiday]| -> Vec<(NaiveDate, String, String)> {
        let mut v: Vec<_> = list
            .iter()
            .map(|h| (h.date, h.name.clone(), h.source.clone()))
            .collect();
        v.sort();
        v
    };
    key(a) == key(b)
}

/// Adds the seed's years the database lacks and replaces seeded years that differ.
pub fn seed(
    conn: &mut DbConnection,
    seed: &HolidayTable,
    at: DateTime<Utc>,
) -> Result<SeededYears, StoreError> {
    conn.transaction(|conn| {
        let stored: BTreeMap<i32, StoredYear> =
            list(conn, None)?.into_iter().map(|y| (y.year, y)).collect();
        let mut outcome = SeededYears::default();
        for (year, list) in seed.years() {
            match stored.get(&year) {
                None => {
                    replace(conn, year, list, true, SEED_ACTOR, at)?;
                    outcome.added += 1;
                }
                Some(s) if same(&s.holidays, list) => {}
                Some(s) if s.seeded => {
                    replace(conn, year, list, true, SEED_ACTOR, at)?;
                    outcome.corrected += 1;
                }
                Some(_) => outcome.kept += 1,
            }
        }
        Ok(outcome)
    })
}

/// Replaces the years of `table` (each checked already) as set by `by`, all or none.
pub fn put(
    conn: &mut DbConnection,
    table: &HolidayTable,
    by: &str,
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    conn.transaction(|conn| {
        let mut written = 0;
        for (year, list) in table.years() {
            // The domain checked it; checking again here keeps the store safe on its own.
            check_year(year, list, |i| Some(i + 1))?;
            replace(conn, year, list, false, by, at)?;
            written += 1;
        }
        Ok(written)
    })
}

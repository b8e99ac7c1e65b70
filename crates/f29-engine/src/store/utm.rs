//! The stored UTM table. The shipped file seeds it (months the database lacks, and months an
//! earlier seed wrote whose shipped value changed); an operator's month — from the import
//! command or the admin API — is never overwritten by a seed. Every operator write is
//! checked against the stored neighbours inside its transaction and lands whole or not at all.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ofitec_domain::Period;
use ofitec_platform::db::DbConnection;

use super::schema::utm_values;
use super::{StoreError, naive, utc};
use crate::domain::utm::series::check_with;
use crate::domain::utm::{UtmEntry, UtmTable};

/// Who a seed is recorded as.
pub const SEED_ACTOR: &str = "seed";

/// One stored month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUtm {
    /// The month.
    pub period: Period,
    /// Pesos.
    pub pesos: i64,
    /// Where the value came from (`shipped data/utm.yaml`, a file name, `api`).
    pub source: String,
    /// Whether a seed wrote it (and a later seed may correct it).
    pub seeded: bool,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub set_at: DateTime<Utc>,
}

/// What a seed changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Months the database lacked.
    pub added: usize,
    /// Seeded months whose value the seed corrected.
    pub corrected: usize,
    /// Months an operator set to another value than the seed's (left as they are).
    pub kept: usize,
}

type Row = (String, i64, String, bool, String, chrono::NaiveDateTime);

fn decode((month, pesos, source, seeded, set_by, set_at): Row) -> Result<StoredUtm, StoreError> {
    Ok(StoredUtm {
        period: Period::parse(&month)
            .map_err(|e| StoreError::Corrupt(format!("utm_values.month `{month}`: {e}")))?,
        pesos,
        source,
        seeded,
        set_by,
        set_at: utc(set_at),
    })
}

/// Every stored month, oldest first.
pub fn list(conn: &mut DbConnection) -> Result<Vec<StoredUtm>, StoreError> {
    let rows: Vec<Row> = utm_values::table
        .order(utm_values::month.asc())
        .select((
            utm_values::month,
            utm_values::pesos,
            utm_values::source,
            utm_values::seeded,
            utm_values::set_by,
            utm_values::set_at,
        ))
        .load(conn)?;
    rows.into_iter().map(decode).collect()
}

/// The stored months as the table a computation reads.
pub fn table(conn: &mut DbConnection) -> Result<UtmTable, StoreError> {
    let rows: Vec<(String, i64)> = utm_values::table
        .select((utm_values::month, utm_values::pesos))
        .load(conn)?;
    let months = rows
        .into_iter()
        .map(|(month, pesos)| {
            Period::parse(&month)
                .map(|p| (p, pesos))
                .map_err(|e| StoreError::Corrupt(format!("utm_values.month `{month}`: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UtmTable::from_months(months))
}

/// The latest month known, if any.
pub fn latest(conn: &mut DbConnection) -> Result<Option<Period>, StoreError> {
    let month: Option<String> = utm_values::table
        .select(diesel::dsl::max(utm_values::month))
        .first(conn)?;
    month
        .map(|m| {
            Period::parse(&m)
                .map_err(|e| StoreError::Corrupt(format!("utm_values.month `{m}`: {e}")))
        })
        .transpose()
}

fn upsert(
    conn: &mut DbConnection,
    period: Period,
    pesos: i64,
    source: &str,
    seeded: bool,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let month = period.to_string();
    // Delete then insert: the portable upsert for both backends.
    diesel::delete(utm_values::table.find(&month)).execute(conn)?;
    diesel::insert_into(utm_values::table)
        .values((
            utm_values::month.eq(&month),
            utm_values::pesos.eq(pesos),
            utm_values::source.eq(source),
            utm_values::seeded.eq(seeded),
            utm_values::set_by.eq(by),
            utm_values::set_at.eq(naive(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds the months of `seed` the database lacks and corrects the seeded ones whose value
/// differs; an operator's month is kept (and counted, so the start can log it).
pub fn seed(
    conn: &mut DbConnection,
    seed: &UtmTable,
    source: &str,
    at: DateTime<Utc>,
) -> Result<Seeded, StoreError> {
    conn.transaction(|conn| {
        let stored: std::collections::BTreeMap<Period, StoredUtm> =
            list(conn)?.into_iter().map(|s| (s.period, s)).collect();
        let mut outcome = Seeded::default();
        for (period, pesos) in seed.months() {
            match stored.get(&period) {
                None => {
                    upsert(conn, period, pesos, source, true, SEED_ACTOR, at)?;
                    outcome.added += 1;
                }
                Some(s) if s.pesos == pesos => {}
                Some(s) if s.seeded => {
                    upsert(conn, period, pesos, source, true, SEED_ACTOR, at)?;
                    outcome.corrected += 1;
                }
                Some(_) => outcome.kept += 1,
            }
        }
        Ok(outcome)
    })
}

/// Stores `entries` as set by `by`: refused whole (nothing written) when they break a rule
/// of [`check_with`] against the stored table. Returns how many months were written.
pub fn put(
    conn: &mut DbConnection,
    entries: &[UtmEntry],
    source: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<usize, StoreError> {
    conn.transaction(|conn| {
        let known = table(conn)?;
        check_with(&known, entries)?;
        for entry in entries {
            upsert(conn, entry.period, entry.pesos, source, false, by, at)?;
        }
        Ok(entries.len())
    })
}

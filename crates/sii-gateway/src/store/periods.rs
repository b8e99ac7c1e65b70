//! When a register was last imported and what SII's `dcvFecModificacion` was then.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ofitec_core::db::DbConnection;
use ofitec_core::rcv::Operation;
use ofitec_core::{Period, Rut};

use super::documents::now;
use super::error::StoreError;
use super::schema::period_imports;

/// One register's import facts.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = period_imports)]
pub struct PeriodImport {
    /// Company.
    pub company: String,
    /// Period.
    pub period: String,
    /// `compra` / `venta`.
    pub operation: String,
    /// Last successful import.
    pub last_imported_at: NaiveDateTime,
    /// SII's modification time at that import (`dd/mm/yyyy hh:mm:ss` as SII sends it, or "").
    pub sii_modified_at: String,
    /// Job that did it.
    pub last_job_id: String,
}

/// Records a successful import.
pub fn record(
    conn: &mut DbConnection,
    company: &Rut,
    period: &Period,
    operation: Operation,
    sii_modified_at: &str,
    job_id: &str,
) -> Result<(), StoreError> {
    use period_imports::dsl as p;
    let row = PeriodImport {
        company: company.to_string(),
        period: period.to_string(),
        operation: operation.as_str().to_owned(),
        last_imported_at: now(),
        sii_modified_at: sii_modified_at.to_owned(),
        last_job_id: job_id.to_owned(),
    };
    let updated =
        diesel::update(p::period_imports.find((&row.company, &row.period, &row.operation)))
            .set(&row)
            .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(p::period_imports)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// Import facts of a company, optionally for one period.
pub fn list(
    conn: &mut DbConnection,
    company: &Rut,
    period: Option<&Period>,
) -> Result<Vec<PeriodImport>, StoreError> {
    use period_imports::dsl as p;
    let mut query = p::period_imports
        .filter(p::company.eq(company.to_string()))
        .into_boxed::<ofitec_core::db::MultiBackend>();
    if let Some(period) = period {
        query = query.filter(p::period.eq(period.to_string()));
    }
    Ok(query
        .order((p::period, p::operation))
        .select(PeriodImport::as_select())
        .load(conn)?)
}

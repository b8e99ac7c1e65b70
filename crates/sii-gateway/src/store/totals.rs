//! Totals of the stored documents, kept at import time. Each store of a register replaces
//! that register's rows with one aggregation of what it just wrote, inside the same
//! transaction, so the totals can never disagree with the documents. The summary, the F29
//! engine's sales history and a listing's total read a few rows instead of aggregating a
//! 200,000-document period on every call.

use diesel::prelude::*;
use ofitec_domain::rcv::Operation;
use ofitec_domain::{Period, Rut};
use ofitec_platform::db::{DbConnection, MultiBackend};

use super::error::StoreError;
use super::schema::rcv_totals;

/// One kept row: the listed documents of a (period, register, tipo DTE, state, anulado).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = rcv_totals)]
pub struct TotalRow {
    /// Period `YYYY-MM`.
    pub period: String,
    /// `compra` / `venta`.
    pub operation: String,
    /// Tipo DTE.
    pub tipo_dte: i32,
    /// Purchase state, empty for sales.
    pub state: String,
    /// 1 for cancelled sales.
    pub anulado: i16,
    /// Documents (a summary line counts as the documents it stands for).
    pub documents: i64,
    /// Stored rows.
    pub lines: i64,
    /// Σ exento.
    pub exento: i64,
    /// Σ neto.
    pub neto: i64,
    /// Σ IVA.
    pub iva: i64,
    /// Σ total.
    pub total: i64,
}

/// Re-aggregates one register after its documents were stored, in the caller's transaction.
pub fn refresh(
    conn: &mut DbConnection,
    company: Rut,
    period: Period,
    operation: Operation,
) -> Result<(), StoreError> {
    use diesel::sql_types::Text;
    use rcv_totals::dsl as t;
    let (company, period) = (company.to_string(), period.to_string());
    diesel::delete(
        t::rcv_totals
            .filter(t::company.eq(&company))
            .filter(t::period.eq(&period))
            .filter(t::operation.eq(operation.as_str())),
    )
    .execute(conn)?;
    let (first, second, third) = match conn {
        DbConnection::Pg(_) => ("$1", "$2", "$3"),
        DbConnection::Sqlite(_) => ("?", "?", "?"),
    };
    // One INSERT … SELECT: the aggregation never leaves the database. The SUMs are cast
    // because SUM(BIGINT) is NUMERIC on PostgreSQL.
    let sql = format!(
        "INSERT INTO rcv_totals \
         SELECT company, period, operation, tipo_dte, state, anulado, \
         CAST(SUM(document_count) AS BIGINT), COUNT(*), CAST(SUM(exento) AS BIGINT), \
         CAST(SUM(neto) AS BIGINT), CAST(SUM(iva) AS BIGINT), CAST(SUM(total) AS BIGINT) \
         FROM rcv_documents \
         WHERE company = {first} AND period = {second} AND operation = {third} AND vanished = 0 \
         GROUP BY company, period, operation, tipo_dte, state, anulado"
    );
    ofitec_platform::on_backend!(conn, c => diesel::sql_query(&sql)
        .bind::<Text, _>(&company)
        .bind::<Text, _>(&period)
        .bind::<Text, _>(operation.as_str())
        .execute(c))?;
    Ok(())
}

/// The kept rows of a company, of one period or all, in a stable order.
pub fn read(
    conn: &mut DbConnection,
    company: Rut,
    period: Option<Period>,
) -> Result<Vec<TotalRow>, StoreError> {
    use rcv_totals::dsl as t;
    let mut query = t::rcv_totals
        .filter(t::company.eq(company.to_string()))
        .into_boxed::<MultiBackend>();
    if let Some(period) = period {
        query = query.filter(t::period.eq(period.to_string()));
    }
    Ok(query
        .order((t::period, t::operation, t::tipo_dte, t::state, t::anulado))
        .select(TotalRow::as_select())
        .load(conn)?)
}

//! When a register was last imported, what SII's `dcvFecModificacion` was then, and SII's
//! own totals (`getResumen`) at that import.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ofitec_platform::db::DbConnection;
use std::collections::BTreeMap;

use ofitec_domain::rcv::{Operation, PurchaseState};
use ofitec_domain::{Period, Rut};
use ofitec_platform::on_backend;
use sii_client::rcv::response::SummaryRow;

use super::error::StoreError;
use super::schema::{period_imports, sii_summaries};
use crate::clock::now;

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
        .into_boxed::<ofitec_platform::db::MultiBackend>();
    if let Some(period) = period {
        query = query.filter(p::period.eq(period.to_string()));
    }
    Ok(query
        .order((p::period, p::operation))
        .select(PeriodImport::as_select())
        .load(conn)?)
}

/// SII's own totals for one (register, tipo DTE, state), as `getResumen` gave them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sii_summaries)]
pub struct SiiSummary {
    /// Company.
    pub company: String,
    /// Period.
    pub period: String,
    /// `compra` / `venta`.
    pub operation: String,
    /// Purchase state, "" for sales.
    pub state: String,
    /// Tipo DTE.
    pub tipo_dte: i32,
    /// `rsmnTotDoc`.
    pub documents: i64,
    /// `rsmnMntExe`.
    pub exento: i64,
    /// `rsmnMntNeto`.
    pub neto: i64,
    /// `rsmnMntIVA`.
    pub iva: i64,
    /// `rsmnMntTotal`.
    pub total: i64,
}

/// Replaces SII's totals of one register with those of this import. SII should not repeat a
/// (state, tipo) line; if it does, the lines are added up rather than one being lost.
pub fn record_sii_summary(
    conn: &mut DbConnection,
    company: &Rut,
    period: &Period,
    operation: Operation,
    rows: &[(Option<PurchaseState>, SummaryRow)],
) -> Result<(), StoreError> {
    use sii_summaries::dsl as s;
    let (company, period) = (company.to_string(), period.to_string());
    diesel::delete(
        s::sii_summaries
            .filter(s::company.eq(&company))
            .filter(s::period.eq(&period))
            .filter(s::operation.eq(operation.as_str())),
    )
    .execute(conn)?;
    let mut lines: BTreeMap<(&str, i32), SiiSummary> = BTreeMap::new();
    for (state, row) in rows {
        let state = state.map(PurchaseState::as_str).unwrap_or_default();
        let tipo = i32::from(row.tipo_dte);
        let line = lines.entry((state, tipo)).or_insert_with(|| SiiSummary {
            company: company.clone(),
            period: period.clone(),
            operation: operation.as_str().to_owned(),
            state: state.to_owned(),
            tipo_dte: tipo,
            documents: 0,
            exento: 0,
            neto: 0,
            iva: 0,
            total: 0,
        });
        line.documents += i64::from(row.document_count);
        line.exento += row.exento;
        line.neto += row.neto;
        line.iva += row.iva;
        line.total += row.total;
    }
    let lines: Vec<SiiSummary> = lines.into_values().collect();
    if !lines.is_empty() {
        // Multi-row INSERTs are backend-specific in diesel.
        on_backend!(conn, c => diesel::insert_into(s::sii_summaries).values(&lines).execute(c))?;
    }
    Ok(())
}

/// SII's totals of a company's registers, optionally for one period, in a stable order.
pub fn list_sii_summary(
    conn: &mut DbConnection,
    company: &Rut,
    period: Option<&Period>,
) -> Result<Vec<SiiSummary>, StoreError> {
    use sii_summaries::dsl as s;
    let mut query = s::sii_summaries
        .filter(s::company.eq(company.to_string()))
        .into_boxed::<ofitec_platform::db::MultiBackend>();
    if let Some(period) = period {
        query = query.filter(s::period.eq(period.to_string()));
    }
    Ok(query
        .order((s::period, s::operation, s::tipo_dte, s::state))
        .select(SiiSummary::as_select())
        .load(conn)?)
}

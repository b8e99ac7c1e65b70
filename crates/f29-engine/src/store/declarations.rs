//! Declarations, their versions and their status transitions.
//!
//! Every write is one transaction whose update is conditioned on the status and version it
//! read: a recomputation racing a "sent", or two status changes racing each other, cannot
//! both succeed — the loser gets [`StoreError::Conflict`]. Sent and paid declarations are
//! refused before anything is written ([`check_recompute`], [`check_transition`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ofitec_domain::{Period, Rut};
use ofitec_platform::db::DbConnection;

use super::schema::{declaration_transitions, declaration_versions, declarations};
use super::{StoreError, naive, parse_status, utc};
use crate::domain::compute::Details;
use crate::domain::context::Previous;
use crate::domain::export::CodeLine;
use crate::domain::form::{Finding, Severity};
use crate::domain::inputs::Inputs;
use crate::domain::lifecycle::{Status, check_recompute, check_transition};
use crate::domain::mapping::codigo;

/// A computation to store as a new version.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// Company.
    pub company: Rut,
    /// Period.
    pub period: Period,
    /// Códigos with glosas.
    pub codes: Vec<CodeLine>,
    /// Inputs used.
    pub inputs: Inputs,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Explanations (options, factor, remanente, document groups).
    pub details: Details,
    /// The mapping YAML used.
    pub mapping: String,
    /// Documents considered.
    pub documents: u64,
    /// Who computed it.
    pub computed_by: String,
    /// When.
    pub computed_at: DateTime<Utc>,
}

/// One stored version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    /// Version number, from 1.
    pub version: u32,
    /// Códigos with glosas.
    pub codes: Vec<CodeLine>,
    /// Inputs used.
    pub inputs: Inputs,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Explanations.
    pub details: Details,
    /// Mapping YAML used.
    pub mapping: String,
    /// Documents considered.
    pub documents: u64,
    /// When.
    pub computed_at: DateTime<Utc>,
    /// Who.
    pub computed_by: String,
}

/// A status change as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Status entered.
    pub status: Status,
    /// Version the declaration was at.
    pub version: u32,
    /// Who.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A declaration's current state.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    /// Status.
    pub status: Status,
    /// Latest version.
    pub latest: StoredVersion,
    /// Status history, oldest first.
    pub transitions: Vec<Transition>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = declarations)]
struct DeclarationRow {
    status: String,
    latest_version: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = declaration_versions)]
struct VersionRow {
    version: i32,
    codes: String,
    inputs: String,
    findings: String,
    details: String,
    mapping: String,
    documents: i64,
    computed_at: chrono::NaiveDateTime,
    computed_by: String,
}

impl VersionRow {
    fn decode(self) -> Result<StoredVersion, StoreError> {
        let json = |what: &str, e: serde_json::Error| {
            StoreError::Corrupt(format!("version {} {what}: {e}", self.version))
        };
        Ok(StoredVersion {
            version: u32::try_from(self.version).unwrap_or(0),
            codes: serde_json::from_str(&self.codes).map_err(|e| json("codes", e))?,
            inputs: serde_json::from_str(&self.inputs).map_err(|e| json("inputs", e))?,
            findings: serde_json::from_str(&self.findings).map_err(|e| json("findings", e))?,
            details: serde_json::from_str(&self.details).map_err(|e| json("details", e))?,
            mapping: self.mapping,
            documents: u64::try_from(self.documents).unwrap_or(0),
            computed_at: utc(self.computed_at),
            computed_by: self.computed_by,
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn current(
    conn: &mut DbConnection,
    company: &str,
    period: &str,
) -> Result<Option<DeclarationRow>, StoreError> {
    Ok(declarations::table
        .find((company, period))
        .select(DeclarationRow::as_select())
        .first(conn)
        .optional()?)
}

fn insert_transition(
    conn: &mut DbConnection,
    company: &str,
    period: &str,
    status: Status,
    version: i32,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(declaration_transitions::table)
        .values((
            declaration_transitions::company.eq(company),
            declaration_transitions::period.eq(period),
            declaration_transitions::status.eq(status.as_str()),
            declaration_transitions::version.eq(version),
            declaration_transitions::changed_by.eq(by),
            declaration_transitions::changed_at.eq(naive(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores a computation as the next version. A new declaration starts as `draft`; a `ready`
/// one goes back to `draft` (its numbers changed); a sent or paid one is refused.
pub fn save_version(conn: &mut DbConnection, new: &NewVersion) -> Result<u32, StoreError> {
    let company = new.company.to_string();
    let period = new.period.to_string();
    conn.transaction(|conn| {
        let now = naive(new.computed_at);
        let version = match current(conn, &company, &period)? {
            None => {
                diesel::insert_into(declarations::table)
                    .values((
                        declarations::company.eq(&company),
                        declarations::period.eq(&period),
                        declarations::status.eq(Status::Draft.as_str()),
                        declarations::latest_version.eq(1),
                        declarations::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                insert_transition(
                    conn,
                    &company,
                    &period,
                    Status::Draft,
                    1,
                    &new.computed_by,
                    new.computed_at,
                )?;
                1
            }
            Some(row) => {
                let status = parse_status(&row.status)?;
                check_recompute(status)?;
                let next = row.latest_version + 1;
                let updated = diesel::update(
                    declarations::table
                        .find((&company, &period))
                        .filter(declarations::status.eq(&row.status))
                        .filter(declarations::latest_version.eq(row.latest_version)),
                )
                .set((
                    declarations::latest_version.eq(next),
                    declarations::status.eq(Status::Draft.as_str()),
                    declarations::updated_at.eq(now),
                ))
                .execute(conn)?;
                if updated != 1 {
                    return Err(StoreError::Conflict);
                }
                if status != Status::Draft {
                    insert_transition(
                        conn,
                        &company,
                        &period,
                        Status::Draft,
                        next,
                        &new.computed_by,
                        new.computed_at,
                    )?;
                }
                next
            }
        };
        diesel::insert_into(declaration_versions::table)
            .values((
                declaration_versions::company.eq(&company),
                declaration_versions::period.eq(&period),
                declaration_versions::version.eq(version),
                declaration_versions::codes.eq(to_json(&new.codes)?),
                declaration_versions::inputs.eq(to_json(&new.inputs)?),
                declaration_versions::findings.eq(to_json(&new.findings)?),
                declaration_versions::details.eq(to_json(&new.details)?),
                declaration_versions::mapping.eq(&new.mapping),
                declaration_versions::documents
                    .eq(i64::try_from(new.documents).unwrap_or(i64::MAX)),
                declaration_versions::computed_at.eq(now),
                declaration_versions::computed_by.eq(&new.computed_by),
            ))
            .execute(conn)?;
        Ok(u32::try_from(version).unwrap_or(0))
    })
}

/// The status of a declaration, if it exists (a cheap check before fetching documents).
pub fn status(
    conn: &mut DbConnection,
    company: Rut,
    period: Period,
) -> Result<Option<Status>, StoreError> {
    current(conn, &company.to_string(), &period.to_string())?
        .map(|row| parse_status(&row.status))
        .transpose()
}

fn version_rows(
    conn: &mut DbConnection,
    company: &str,
    period: &str,
    only: Option<i32>,
) -> Result<Vec<StoredVersion>, StoreError> {
    let mut query = declaration_versions::table
        .filter(declaration_versions::company.eq(company))
        .filter(declaration_versions::period.eq(period))
        .select(VersionRow::as_select())
        .order(declaration_versions::version.desc())
        .into_boxed();
    if let Some(v) = only {
        query = query.filter(declaration_versions::version.eq(v));
    }
    query
        .load::<VersionRow>(conn)?
        .into_iter()
        .map(VersionRow::decode)
        .collect()
}

fn transitions(
    conn: &mut DbConnection,
    company: &str,
    period: &str,
) -> Result<Vec<Transition>, StoreError> {
    let rows: Vec<(String, i32, String, chrono::NaiveDateTime)> = declaration_transitions::table
        .filter(declaration_transitions::company.eq(company))
        .filter(declaration_transitions::period.eq(period))
        .order(declaration_transitions::id.asc())
        .select((
            declaration_transitions::status,
            declaration_transitions::version,
            declaration_transitions::changed_by,
            declaration_transitions::changed_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(status, version, by, at)| {
            Ok(Transition {
                status: parse_status(&status)?,
                version: u32::try_from(version).unwrap_or(0),
                by,
                at: utc(at),
            })
        })
        .collect()
}

/// The declaration with its latest version and history.
pub fn get(
    conn: &mut DbConnection,
    company: Rut,
    period: Period,
) -> Result<Option<Declaration>, StoreError> {
    let (c, p) = (company.to_string(), period.to_string());
    let Some(row) = current(conn, &c, &p)? else {
        return Ok(None);
    };
    let latest = version_rows(conn, &c, &p, Some(row.latest_version))?
        .into_iter()
        .next()
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "{c} {p}: latest version {} is missing",
                row.latest_version
            ))
        })?;
    Ok(Some(Declaration {
        status: parse_status(&row.status)?,
        latest,
        transitions: transitions(conn, &c, &p)?,
    }))
}

/// A declaration's status, every version (newest first) and history.
pub type History = (Status, Vec<StoredVersion>, Vec<Transition>);

/// Every version, newest first, with the declaration's status and history.
pub fn versions(
    conn: &mut DbConnection,
    company: Rut,
    period: Period,
) -> Result<Option<History>, StoreError> {
    let (c, p) = (company.to_string(), period.to_string());
    let Some(row) = current(conn, &c, &p)? else {
        return Ok(None);
    };
    Ok(Some((
        parse_status(&row.status)?,
        version_rows(conn, &c, &p, None)?,
        transitions(conn, &c, &p)?,
    )))
}

/// Moves the declaration to `to`, recording who and when.
pub fn set_status(
    conn: &mut DbConnection,
    company: Rut,
    period: Period,
    to: Status,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Declaration, StoreError> {
    let (c, p) = (company.to_string(), period.to_string());
    conn.transaction(|conn| {
        let row = current(conn, &c, &p)?.ok_or_else(|| StoreError::NotFound {
            company: c.clone(),
            period: p.clone(),
        })?;
        let from = parse_status(&row.status)?;
        let findings: String = declaration_versions::table
            .find((&c, &p, row.latest_version))
            .select(declaration_versions::findings)
            .first(conn)?;
        let findings: Vec<Finding> =
            serde_json::from_str(&findings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        check_transition(from, to, errors)?;
        let updated = diesel::update(
            declarations::table
                .find((&c, &p))
                .filter(declarations::status.eq(&row.status))
                .filter(declarations::latest_version.eq(row.latest_version)),
        )
        .set((
            declarations::status.eq(to.as_str()),
            declarations::updated_at.eq(naive(at)),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(StoreError::Conflict);
        }
        insert_transition(conn, &c, &p, to, row.latest_version, by, at)?;
        Ok(())
    })?;
    get(conn, company, period)?.ok_or(StoreError::NotFound {
        company: c,
        period: p,
    })
}

/// Código 77 of the latest version of `period`'s declaration, for the next period's 504.
pub fn previous(
    conn: &mut DbConnection,
    company: Rut,
    period: Period,
) -> Result<Option<Previous>, StoreError> {
    let Some(declaration) = get(conn, company, period)? else {
        return Ok(None);
    };
    let remanente = declaration
        .latest
        .codes
        .iter()
        .find(|l| l.codigo == codigo::REMANENTE)
        .map_or(0, |l| l.valor.int());
    Ok(Some(Previous {
        remanente,
        status: declaration.status.as_str().to_owned(),
        version: declaration.latest.version,
    }))
}

/// Declarations by status (every status present, zero when none), for the gauge.
pub fn count_by_status(conn: &mut DbConnection) -> Result<BTreeMap<Status, i64>, StoreError> {
    let rows: Vec<String> = declarations::table
        .select(declarations::status)
        .load(conn)?;
    let mut counts: BTreeMap<Status, i64> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    for status in rows {
        *counts.entry(parse_status(&status)?).or_insert(0) += 1;
    }
    Ok(counts)
}

/// Every company with at least one stored declaration (any period), in RUT order: the
/// companies the engine knows.
pub fn companies(conn: &mut DbConnection) -> Result<Vec<Rut>, StoreError> {
    let rows: Vec<String> = declarations::table
        .select(declarations::company)
        .distinct()
        .load(conn)?;
    let mut companies = rows
        .iter()
        .map(|c| {
            Rut::parse(c)
                .map_err(|e| StoreError::Corrupt(format!("declarations.company `{c}`: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    companies.sort();
    Ok(companies)
}

/// The status of each of `companies`' declarations of `period` (absent: none computed).
pub fn statuses(
    conn: &mut DbConnection,
    companies: &[Rut],
    period: Period,
) -> Result<BTreeMap<Rut, Status>, StoreError> {
    let names: Vec<String> = companies.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, String)> = declarations::table
        .filter(declarations::period.eq(period.to_string()))
        .filter(declarations::company.eq_any(&names))
        .select((declarations::company, declarations::status))
        .load(conn)?;
    rows.into_iter()
        .map(|(company, status)| {
            let rut = Rut::parse(&company).map_err(|e| {
                StoreError::Corrupt(format!("declarations.company `{company}`: {e}"))
            })?;
            Ok((rut, parse_status(&status)?))
        })
        .collect()
}

//! GetCalendar, and the count behind `f29_declarations_due_not_ready`.
//!
//! Which companies: a caller limited to some companies sees exactly those; a caller of every
//! company (`*`) sees the companies the engine knows — those with at least one stored
//! declaration, of any period. A company whose registers were imported but never computed is
//! not known to the engine yet (sii-gateway has no list of companies to ask); its first
//! computation adds it.

use chrono::{DateTime, NaiveDate, Utc};
use ofitec_domain::identity::{CompanyScope, Role};
use ofitec_domain::{Period, Rut};
use ofitec_proto::f29::v1 as pb;
use tonic::{Request, Status};

use super::{F29EngineService, errors, guard};
use crate::domain::calendar::{Entry, Progress, filing_period, today_in_chile};
use crate::store::{self, declarations, holidays};

/// The calendar lines of `companies` for `period`, as of `today`.
async fn entries(
    service: &F29EngineService,
    companies: Option<Vec<Rut>>,
    period: Period,
    today: NaiveDate,
) -> Result<Vec<Entry>, Status> {
    let (companies, statuses, holidays) = store::run(&service.inner.db, move |conn| {
        let companies = match companies {
            Some(list) => list,
            None => declarations::companies(conn)?,
        };
        let statuses = declarations::statuses(conn, &companies, period)?;
        Ok((companies, statuses, holidays::table(conn)?))
    })
    .await
    .map_err(errors::store)?;
    let filers = &service.inner.settings.filers;
    companies
        .into_iter()
        .map(|company| {
            Entry::new(
                company,
                period,
                Progress(statuses.get(&company).copied()),
                filers.e_invoicer(company),
                today,
                &holidays,
            )
            .map_err(errors::holidays)
        })
        .collect()
}

fn entry_to_pb(entry: &Entry) -> pb::CalendarEntry {
    pb::CalendarEntry {
        company: entry.company.to_string(),
        status: entry.progress.as_str().to_owned(),
        due_date: entry.due.format("%Y-%m-%d").to_string(),
        days_left: i32::try_from(entry.days_left).unwrap_or(i32::MIN),
        business_days_left: i32::try_from(entry.business_days_left).unwrap_or(i32::MIN),
        e_invoicer: entry.e_invoicer,
        needs_attention: entry.needs_attention(),
    }
}

/// GetCalendar.
pub async fn get(
    service: &F29EngineService,
    request: Request<pb::GetCalendarRequest>,
) -> Result<pb::Calendar, Status> {
    let context = guard::context(&request)?;
    guard::allow(&context, None, Role::Viewer)?;
    let today = today_in_chile(Utc::now());
    let text = request.get_ref().period.trim();
    let period = if text.is_empty() {
        filing_period(today).ok_or_else(|| {
            ofitec_platform::grpc::status::internal(
                "calendar",
                &format!("no period before {today}"),
            )
        })?
    } else {
        guard::period(text)?
    };
    let companies = match context.caller.as_ref().map(|c| &c.companies) {
        Some(CompanyScope::Only(set)) => Some(set.iter().copied().collect()),
        _ => None,
    };
    let entries = entries(service, companies, period, today).await?;
    Ok(pb::Calendar {
        period: period.to_string(),
        today: today.format("%Y-%m-%d").to_string(),
        entries: entries.iter().map(entry_to_pb).collect(),
    })
}

/// How many of the known companies' declarations of the period due this month are not ready
/// with at most two business days left (or past their due date) at `now`.
pub async fn due_not_ready(service: &F29EngineService, now: DateTime<Utc>) -> Result<i64, Status> {
    let today = today_in_chile(now);
    let Some(period) = filing_period(today) else {
        return Ok(0);
    };
    let entries = entries(service, None, period, today).await?;
    Ok(entries
        .iter()
        .filter(|e| e.needs_attention())
        .count()
        .try_into()
        .unwrap_or(i64::MAX))
}

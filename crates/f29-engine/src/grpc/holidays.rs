//! ListHolidays / SetHolidays: the public holidays due dates move over, one year at a time.

use chrono::NaiveDate;
use ofitec_domain::ErrorCode;
use ofitec_domain::identity::Role;
use ofitec_platform::grpc::status;
use ofitec_proto::f29::v1 as pb;
use tonic::{Request, Status};

use super::{F29EngineService, errors, guard};
use crate::domain::calendar::holidays::{Holiday, HolidayTable, check_year};
use crate::store::{self, holidays};

fn year_to_pb(stored: holidays::StoredYear) -> pb::HolidayYear {
    pb::HolidayYear {
        year: stored.year,
        holidays: stored
            .holidays
            .into_iter()
            .map(|h| pb::Holiday {
                date: h.date.format("%Y-%m-%d").to_string(),
                name: h.name,
                source: h.source,
            })
            .collect(),
        set_by: stored.set_by,
        set_at: stored
            .set_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// ListHolidays: every stored year, or one.
pub async fn list(
    service: &F29EngineService,
    request: Request<pb::ListHolidaysRequest>,
) -> Result<pb::ListHolidaysResponse, Status> {
    let context = guard::context(&request)?;
    guard::allow(&context, None, Role::Viewer)?;
    let year = request.get_ref().year;
    let only = (year != 0).then_some(year);
    let years = store::run(&service.inner.db, move |conn| holidays::list(conn, only))
        .await
        .map_err(errors::store)?;
    Ok(pb::ListHolidaysResponse {
        years: years.into_iter().map(year_to_pb).collect(),
    })
}

/// The holidays of a request, each entry named by its 1-based position when wrong.
fn from_pb(year: i32, given: Vec<pb::Holiday>) -> Result<Vec<Holiday>, Status> {
    let list = given
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            let date = NaiveDate::parse_from_str(h.date.trim(), "%Y-%m-%d").map_err(|e| {
                status::error(
                    ErrorCode::HolidaysInvalid,
                    format!(
                        "holiday {}: `{}` is not a date YYYY-MM-DD: {e}",
                        i + 1,
                        h.date
                    ),
                )
            })?;
            Ok(Holiday {
                date,
                name: h.name.trim().to_owned(),
                source: h.source.trim().to_owned(),
            })
        })
        .collect::<Result<Vec<_>, Status>>()?;
    check_year(year, &list, |i| Some(i + 1)).map_err(errors::holidays)?;
    Ok(list)
}

/// SetHolidays: replaces one year, checked whole first.
pub async fn set(
    service: &F29EngineService,
    request: Request<pb::SetHolidaysRequest>,
) -> Result<pb::HolidayYear, Status> {
    let context = guard::context(&request)?;
    guard::allow_everyone(&context, Role::Admin)?;
    let message = request.into_inner();
    let year = message.year;
    let list = from_pb(year, message.holidays)?;
    if list.is_empty() {
        return Err(status::error(
            ErrorCode::HolidaysInvalid,
            format!("no holiday given for {year}: every year has some (1 January at least)"),
        ));
    }
    let by = guard::actor(&context);
    let now = chrono::Utc::now();
    let table = HolidayTable::from_years([(year, list)]);
    let stored = store::run(&service.inner.db, move |conn| {
        holidays::put(conn, &table, &by, now)?;
        holidays::list(conn, Some(year))
    })
    .await
    .map_err(errors::store)?;
    service.refresh_gauge().await;
    tracing::info!(year, by = %guard::actor(&context), "holiday year set");
    stored.into_iter().next().map(year_to_pb).ok_or_else(|| {
        errors::store(store::StoreError::Corrupt(format!(
            "holidays of {year} missing right after they were stored"
        )))
    })
}

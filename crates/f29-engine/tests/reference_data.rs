//! The UTM table and the holidays as the running engine keeps them (seeded from the shipped
//! files, changed through the admin RPCs), the computations that read them, and the filing
//! calendar with its gauges — the real engine over gRPC, on the backend `OFITEC_TEST_BACKEND`
//! selects.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, NaiveDate, Utc};
use common::platform::{Platform, metrics_text};
use f29_engine::domain::calendar::holidays::HolidayTable;
use f29_engine::domain::calendar::{due::due_date, today_in_chile};
use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_domain::{ErrorCode, Period, Rut};
use ofitec_platform::grpc::status::error_code;
use ofitec_platform::grpc::{CallContext, RequestId};
use ofitec_proto::f29::v1 as pb;
use tonic::{Code, Request};

const COMPANY: &str = "76123456-0";
const OTHER: &str = "12345678-5";

fn as_caller<T>(message: T, role: Role, companies: CompanyScope) -> Request<T> {
    CallContext {
        request_id: RequestId("reference-data-test".into()),
        caller: Some(Caller {
            sub: "ana@example.cl".into(),
            role,
            companies,
        }),
    }
    .request(message)
}

fn only(rut: &str) -> CompanyScope {
    CompanyScope::Only([Rut::parse(rut).unwrap()].into_iter().collect())
}

fn code(d: &pb::Declaration, codigo: i32) -> Option<i64> {
    d.codes.iter().find(|c| c.codigo == codigo).map(|c| c.valor)
}

fn inputs() -> pb::DeclarationInputs {
    pb::DeclarationInputs {
        ppm_rate: "0.2".into(),
        impuesto_unico: Some(0),
        honorarios_withholding: Some(0),
        ..Default::default()
    }
}

/// Computes `period` with nothing imported and a 500,000 adjustment to 520, so código 77
/// (the remanente the next period carries) is 500,000.
async fn compute_with_remanente(p: &mut Platform, period: &str) -> pb::Declaration {
    let mut given = inputs();
    given.previous_remanente = Some(0);
    given.adjustments = vec![pb::Adjustment {
        codigo: 520,
        delta: 500_000,
        reason: "factura en papel no registrada en el RCV".into(),
    }];
    let declaration = p
        .engine
        .compute(compute_request(period, Some(given)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(code(&declaration, 77), Some(500_000));
    declaration
}

fn compute_request(period: &str, inputs: Option<pb::DeclarationInputs>) -> pb::ComputeRequest {
    pb::ComputeRequest {
        key: Some(pb::DeclarationKey {
            company: COMPANY.into(),
            period: period.into(),
        }),
        inputs,
        requested_by: String::new(),
    }
}

fn set_utm(period: &str, pesos: i64) -> pb::SetUtmRequest {
    pb::SetUtmRequest {
        period: period.into(),
        pesos,
    }
}

#[tokio::test]
async fn june_2026_carries_may_remanente_with_the_shipped_table() {
    let mut p = Platform::start().await;
    compute_with_remanente(&mut p, "2026-05").await;
    let june = p
        .engine
        .compute(compute_request("2026-06", Some(inputs())))
        .await
        .expect("UTM of June and July 2026 are shipped")
        .into_inner();
    // June's return is filed in July: 500,000 / 71,506 (UTM 2026-06) = 6.99 UTM
    // × 71,649 (UTM 2026-07) = 500,826.51 → 500,827.
    assert_eq!(code(&june, 504), Some(500_827));
    let explanation: serde_json::Value = serde_json::from_str(&june.explanation_json).unwrap();
    assert_eq!(explanation["remanente"]["utm_from"], 71_506);
    assert_eq!(explanation["remanente"]["utm_to"], 71_649);
}

#[tokio::test]
async fn months_added_through_the_api_let_november_2026_compute() {
    let mut p = Platform::start().await;
    compute_with_remanente(&mut p, "2026-10").await;

    // Not shipped yet: the error says how to add the month.
    let err = p
        .engine
        .compute(compute_request("2026-11", Some(inputs())))
        .await
        .expect_err("no UTM for 2026-11");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::FailedPrecondition, Some(ErrorCode::UtmMissing))
    );
    for needle in [
        "2026-11",
        "f29-engine utm import FILE",
        "PUT /api/f29/utm/2026-11",
    ] {
        assert!(
            err.message().contains(needle),
            "{needle}: {}",
            err.message()
        );
    }

    // Values for this test only: SII's August–December 2026 could not be checked against any
    // source, so they are not shipped. Each month must follow the last one known.
    let months = [
        ("2026-08", 71_649),
        ("2026-09", 71_721),
        ("2026-10", 72_151),
        ("2026-11", 72_367),
        ("2026-12", 72_584),
    ];
    for (period, pesos) in months {
        let stored = p
            .engine
            .set_utm(set_utm(period, pesos))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((stored.period.as_str(), stored.pesos), (period, pesos));
        assert_eq!(
            (stored.source.as_str(), stored.set_by.as_str()),
            ("api", "tests")
        );
    }
    let november = p
        .engine
        .compute(compute_request("2026-11", Some(inputs())))
        .await
        .expect("the months are known now")
        .into_inner();
    // 500,000 / 72,367 = 6.91 UTM × 72,584 = 501,555.44 → 501,555.
    assert_eq!(code(&november, 504), Some(501_555));

    let table = p
        .engine
        .list_utm(pb::ListUtmRequest {})
        .await
        .unwrap()
        .into_inner();
    let first = table.months.first().unwrap();
    assert_eq!((first.period.as_str(), first.pesos), ("2019-01", 48_353));
    assert_eq!(first.set_by, "seed");
    assert_eq!(first.source, "shipped data/utm.yaml");
    assert_eq!(table.months.last().unwrap().period, "2026-12");
    assert_eq!(table.months.len(), 96, "2019-01 … 2026-12, no gap");
}

#[tokio::test]
async fn bad_utm_values_are_refused_whole_and_named() {
    let mut p = Platform::start().await;
    let refused = |err: tonic::Status| {
        assert_eq!(
            (err.code(), error_code(&err)),
            (Code::InvalidArgument, Some(ErrorCode::UtmInvalid)),
            "{}",
            err.message()
        );
        err.message().to_owned()
    };
    // A gap: the table ends in July 2026.
    let message = refused(
        p.engine
            .set_utm(set_utm("2026-10", 72_151))
            .await
            .unwrap_err(),
    );
    assert!(message.contains("2026-08, 2026-09 missing"), "{message}");
    // A jump of more than 5 % from July (71,649).
    let message = refused(
        p.engine
            .set_utm(set_utm("2026-08", 80_000))
            .await
            .unwrap_err(),
    );
    assert!(message.contains("more than 5 %"), "{message}");
    // Not positive.
    let message = refused(p.engine.set_utm(set_utm("2026-08", 0)).await.unwrap_err());
    assert!(message.contains("positive"), "{message}");
    // Nothing was written.
    let table = p
        .engine
        .list_utm(pb::ListUtmRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(table.months.last().unwrap().period, "2026-07");

    // Reference data is everyone's: an operator, or an admin of some companies, may not.
    let err = p
        .engine
        .set_utm(as_caller(
            set_utm("2026-08", 71_649),
            Role::Operator,
            CompanyScope::All,
        ))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), Some(ErrorCode::ForbiddenRole));
    let err = p
        .engine
        .set_utm(as_caller(
            set_utm("2026-08", 71_649),
            Role::Admin,
            only(COMPANY),
        ))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), Some(ErrorCode::ForbiddenCompany));
    // A viewer reads it.
    let table = p
        .engine
        .list_utm(as_caller(
            pb::ListUtmRequest {},
            Role::Viewer,
            only(COMPANY),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(table.months.len(), 91);
}

#[tokio::test]
async fn the_latest_utm_month_is_a_gauge() {
    let mut p = Platform::start().await;
    let metrics = metrics_text(p.engine_metrics).await;
    assert!(metrics.contains("f29_utm_latest_month 202607"), "{metrics}");
    p.engine.set_utm(set_utm("2026-08", 71_649)).await.unwrap();
    let metrics = metrics_text(p.engine_metrics).await;
    assert!(metrics.contains("f29_utm_latest_month 202608"), "{metrics}");
    assert!(
        metrics.contains("f29_declarations_due_not_ready "),
        "{metrics}"
    );
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn the_calendar_lists_the_callers_companies_with_status_and_due_date() {
    let mut p = Platform::start_configured(
        |_| {},
        |engine| {
            // The other company files on paper: due the 12th.
            engine
                .calendar
                .e_invoicer_by_company
                .insert(OTHER.into(), false);
        },
    )
    .await;
    compute_with_remanente(&mut p, "2026-08").await;
    let calendar = |period: &str, companies: CompanyScope| {
        as_caller(
            pb::GetCalendarRequest {
                period: period.into(),
            },
            Role::Viewer,
            companies,
        )
    };
    let today = today_in_chile(Utc::now());

    // A caller of both companies sees both; one never computed is "none".
    let both = CompanyScope::Only(
        [COMPANY, OTHER]
            .iter()
            .map(|r| Rut::parse(r).unwrap())
            .collect(),
    );
    let answer = p
        .engine
        .get_calendar(calendar("2026-08", both))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.period, "2026-08");
    assert_eq!(answer.today, today.format("%Y-%m-%d").to_string());
    let lines: Vec<(&str, &str, &str, bool)> = answer
        .entries
        .iter()
        .map(|e| {
            (
                e.company.as_str(),
                e.status.as_str(),
                e.due_date.as_str(),
                e.e_invoicer,
            )
        })
        .collect();
    // 20 September 2026 is a Sunday; 12 September a Saturday.
    assert_eq!(
        lines,
        vec![
            (OTHER, "none", "2026-09-14", false),
            (COMPANY, "draft", "2026-09-21", true),
        ]
    );
    let entry = &answer.entries[1];
    assert_eq!(
        i64::from(entry.days_left),
        (day("2026-09-21") - today).num_days()
    );

    // A caller of one company sees that one only.
    let answer = p
        .engine
        .get_calendar(calendar("2026-08", only(OTHER)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.entries.len(), 1);
    assert_eq!(answer.entries[0].company, OTHER);

    // A caller of every company sees the companies the engine knows (a stored declaration).
    let answer = p
        .engine
        .get_calendar(calendar("2026-09", CompanyScope::All))
        .await
        .unwrap()
        .into_inner();
    let companies: Vec<(&str, &str)> = answer
        .entries
        .iter()
        .map(|e| (e.company.as_str(), e.status.as_str()))
        .collect();
    assert_eq!(companies, vec![(COMPANY, "none")]);
    // Monday 12 October 2026 is a holiday, but this company files on the 20th (a Tuesday).
    assert_eq!(answer.entries[0].due_date, "2026-10-20");

    // Without a period: the one due this month.
    let answer = p
        .engine
        .get_calendar(calendar("", CompanyScope::All))
        .await
        .unwrap()
        .into_inner();
    let this_month = Period::new(u32::try_from(today.year()).unwrap(), today.month()).unwrap();
    assert_eq!(answer.period, this_month.previous().unwrap().to_string());

    // A year the holiday table does not have is a clear error until an admin adds it.
    let err = p
        .engine
        .get_calendar(calendar("2027-12", CompanyScope::All))
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::FailedPrecondition, Some(ErrorCode::HolidaysMissing))
    );
    assert!(
        err.message().contains("PUT /api/f29/holidays/2028"),
        "{}",
        err.message()
    );
    let year = p
        .engine
        .set_holidays(pb::SetHolidaysRequest {
            year: 2028,
            holidays: vec![
                pb::Holiday {
                    date: "2028-01-01".into(),
                    name: "Año Nuevo".into(),
                    source: "Ley 2.977".into(),
                },
                // A test holiday on Thursday 20 January 2028.
                pb::Holiday {
                    date: "2028-01-20".into(),
                    name: "test".into(),
                    source: String::new(),
                },
            ],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((year.year, year.holidays.len()), (2028, 2));
    assert_eq!(year.set_by, "tests");
    let answer = p
        .engine
        .get_calendar(calendar("2027-12", CompanyScope::All))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.entries[0].due_date, "2028-01-21");
}

#[tokio::test]
async fn a_holiday_outside_its_year_is_refused() {
    let mut p = Platform::start().await;
    let err = p
        .engine
        .set_holidays(pb::SetHolidaysRequest {
            year: 2028,
            holidays: vec![
                pb::Holiday {
                    date: "2028-01-01".into(),
                    name: "Año Nuevo".into(),
                    source: String::new(),
                },
                pb::Holiday {
                    date: "2029-01-01".into(),
                    name: "Año Nuevo".into(),
                    source: String::new(),
                },
            ],
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::InvalidArgument, Some(ErrorCode::HolidaysInvalid))
    );
    assert!(err.message().contains("line 2"), "{}", err.message());
    assert!(
        err.message().contains("listed under 2028"),
        "{}",
        err.message()
    );
    let years = p
        .engine
        .list_holidays(pb::ListHolidaysRequest { year: 2028 })
        .await
        .unwrap()
        .into_inner();
    assert!(years.years.is_empty(), "nothing written");
    let shipped = p
        .engine
        .list_holidays(pb::ListHolidaysRequest { year: 0 })
        .await
        .unwrap()
        .into_inner();
    let expected = HolidayTable::shipped().unwrap();
    assert_eq!(shipped.years.len(), expected.years().count());
    assert!(shipped.years.iter().all(|y| y.set_by == "seed"));
}

#[tokio::test]
async fn the_due_not_ready_gauge_counts_this_months_declarations() {
    let mut p = Platform::start().await;
    // A declaration of the period due this month, left in draft.
    let today = today_in_chile(Utc::now());
    let this_month = Period::new(u32::try_from(today.year()).unwrap(), today.month()).unwrap();
    let filing = this_month.previous().unwrap();
    compute_with_remanente(&mut p, &filing.to_string()).await;
    let holidays = HolidayTable::shipped().unwrap();
    let due = due_date(filing, true, &holidays).unwrap();
    let entry = f29_engine::domain::calendar::Entry::new(
        Rut::parse(COMPANY).unwrap(),
        filing,
        f29_engine::domain::calendar::Progress(Some(f29_engine::domain::lifecycle::Status::Draft)),
        true,
        today,
        &holidays,
    )
    .unwrap();
    assert_eq!(entry.due, due);
    let expected = i64::from(entry.needs_attention());
    let metrics = metrics_text(p.engine_metrics).await;
    assert!(
        metrics.contains(&format!("f29_declarations_due_not_ready {expected}")),
        "due {due}, today {today}: {metrics}"
    );
}

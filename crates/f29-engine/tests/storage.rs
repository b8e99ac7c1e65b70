//! The f29-engine tables on the backend selected by `OFITEC_TEST_BACKEND` (make test runs both).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use f29_engine::domain::compute::Details;
use f29_engine::domain::export::CodeLine;
use f29_engine::domain::fingerprint::DocumentsFingerprint;
use f29_engine::domain::form::{Finding, Valor};
use f29_engine::domain::inputs::{Adjustment, Inputs};
use f29_engine::domain::lifecycle::{Status, TransitionError};
use f29_engine::domain::options::ComputeOptions;
use f29_engine::store::declarations::{self, NewVersion};
use f29_engine::store::{self, MIGRATIONS, StoreError, mappings};
use ofitec_domain::{Period, Rut};
use ofitec_platform::db::{DatabaseConfig, Db};
use ofitec_testkit::TestDatabase;

#[tokio::test]
async fn migrations_create_revert_and_recreate_every_table() {
    ofitec_testkit::check_migrations(
        f29_engine::store::MIGRATIONS,
        &[
            "declarations",
            "declaration_versions",
            "declaration_transitions",
            "mappings",
            "utm_values",
            "holiday_years",
            "holidays",
        ],
    )
    .await;
}

async fn open(database: &TestDatabase) -> Db {
    Db::connect(&DatabaseConfig::new(database.url()), MIGRATIONS)
        .await
        .expect("database")
}

fn company() -> Rut {
    Rut::parse("76123456-0").unwrap()
}

fn period() -> Period {
    Period::parse("2024-11").unwrap()
}

fn at(minute: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 12, 2, 10, 0, 0).unwrap() + Duration::minutes(minute)
}

fn version(remanente: i64, findings: Vec<Finding>, by: &str, minute: i64) -> NewVersion {
    NewVersion {
        company: company(),
        period: period(),
        codes: vec![
            CodeLine {
                codigo: 538,
                glosa: "Total débitos".into(),
                valor: Valor::Int(3_800),
            },
            CodeLine {
                codigo: 77,
                glosa: "Remanente".into(),
                valor: Valor::Int(remanente),
            },
            CodeLine {
                codigo: 115,
                glosa: "Tasa PPM".into(),
                valor: Valor::Rate(f29_engine::domain::decimal::Decimal::parse("0.125").unwrap()),
            },
        ],
        inputs: Inputs {
            impuesto_unico: Some(12_345),
            adjustments: vec![Adjustment {
                codigo: 502,
                delta: -100,
                reason: "nota fuera de plazo".into(),
            }],
            ..Inputs::default()
        },
        findings,
        details: Details {
            options: ComputeOptions::default(),
            uso_comun: None,
            remanente: None,
            groups: Vec::new(),
            // Kept with the version, so a reconciliation can tell the documents changed.
            documents_fingerprint: Some(DocumentsFingerprint {
                documents: 5,
                sha256: "ab".repeat(32),
            }),
        },
        mapping: "version: 1\n".into(),
        documents: 5,
        computed_by: by.into(),
        computed_at: at(minute),
    }
}

#[tokio::test]
async fn every_computation_is_a_version_with_its_inputs() {
    let database = TestDatabase::new();
    let db = open(&database).await;
    let first = version(43_700, vec![], "ana", 0);
    let second = version(40_000, vec![], "luis", 5);
    let (a, b) = store::run(&db, move |conn| {
        Ok((
            declarations::save_version(conn, &first)?,
            declarations::save_version(conn, &second)?,
        ))
    })
    .await
    .unwrap();
    assert_eq!((a, b), (1, 2));

    let got = store::run(&db, |conn| declarations::get(conn, company(), period()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.status, Status::Draft);
    assert_eq!(got.latest.version, 2);
    assert_eq!(got.latest.computed_by, "luis");
    assert_eq!(got.latest.computed_at, at(5));
    assert_eq!(got.latest.inputs.impuesto_unico, Some(12_345));
    assert_eq!(
        got.latest.inputs.adjustments[0].reason,
        "nota fuera de plazo"
    );
    assert_eq!(got.latest.codes[2].valor.to_string(), "0.125");
    assert_eq!(got.latest.documents, 5);
    // The first computation created the draft; the second did not add a transition.
    assert_eq!(got.transitions.len(), 1);
    assert_eq!(
        (got.transitions[0].status, got.transitions[0].by.as_str()),
        (Status::Draft, "ana")
    );

    let (status, versions, _) = store::run(&db, |conn| {
        declarations::versions(conn, company(), period())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(status, Status::Draft);
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(versions[1].codes[1].valor, Valor::Int(43_700));

    let previous = store::run(&db, |conn| {
        declarations::previous(conn, company(), period())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        (
            previous.remanente,
            previous.status.as_str(),
            previous.version
        ),
        (40_000, "draft", 2)
    );
    let none = store::run(&db, |conn| {
        declarations::get(conn, company(), Period::parse("2024-10").unwrap())
    })
    .await
    .unwrap();
    assert!(none.is_none());
}

#[tokio::test]
async fn life_cycle_records_who_and_when_and_freezes() {
    let database = TestDatabase::new();
    let db = open(&database).await;
    let first = version(0, vec![], "ana", 0);
    store::run(&db, move |conn| declarations::save_version(conn, &first))
        .await
        .unwrap();

    let set = |to: Status, by: &'static str, minute: i64| {
        let db = db.clone();
        async move {
            store::run(&db, move |conn| {
                declarations::set_status(conn, company(), period(), to, by, at(minute))
            })
            .await
        }
    };
    assert_eq!(
        set(Status::Ready, "ana", 1).await.unwrap().status,
        Status::Ready
    );
    // Recomputing a ready declaration brings it back to draft, recorded.
    let again = version(0, vec![], "luis", 2);
    store::run(&db, move |conn| declarations::save_version(conn, &again))
        .await
        .unwrap();
    assert_eq!(
        set(Status::Ready, "ana", 3).await.unwrap().status,
        Status::Ready
    );
    assert_eq!(
        set(Status::Sent, "bea", 4).await.unwrap().status,
        Status::Sent
    );

    // Sent: never recomputed, never changed except to paid.
    let late = version(1, vec![], "luis", 5);
    let refused = store::run(&db, move |conn| declarations::save_version(conn, &late)).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Transition(TransitionError::Frozen(
                Status::Sent
            )))
        ),
        "{refused:?}"
    );
    assert!(matches!(
        set(Status::Draft, "luis", 6).await,
        Err(StoreError::Transition(TransitionError::Frozen(
            Status::Sent
        )))
    ));
    let paid = set(Status::Paid, "caja", 7).await.unwrap();
    assert_eq!(paid.status, Status::Paid);
    assert_eq!(paid.latest.version, 2);
    assert!(matches!(
        set(Status::Sent, "x", 8).await,
        Err(StoreError::Transition(TransitionError::Frozen(
            Status::Paid
        )))
    ));

    let history: Vec<(Status, u32, String, chrono::DateTime<Utc>)> = paid
        .transitions
        .iter()
        .map(|t| (t.status, t.version, t.by.clone(), t.at))
        .collect();
    assert_eq!(
        history,
        vec![
            (Status::Draft, 1, "ana".into(), at(0)),
            (Status::Ready, 1, "ana".into(), at(1)),
            (Status::Draft, 2, "luis".into(), at(2)),
            (Status::Ready, 2, "ana".into(), at(3)),
            (Status::Sent, 2, "bea".into(), at(4)),
            (Status::Paid, 2, "caja".into(), at(7)),
        ]
    );
    let counts = store::run(&db, declarations::count_by_status)
        .await
        .unwrap();
    assert_eq!(counts.get(&Status::Paid), Some(&1));
    assert_eq!(counts.get(&Status::Draft), Some(&0));
}

#[tokio::test]
async fn ready_needs_a_version_without_errors() {
    let database = TestDatabase::new();
    let db = open(&database).await;
    let bad = version(
        0,
        vec![Finding::error("chain_mismatch", "538 is wrong", Some(538))],
        "ana",
        0,
    );
    store::run(&db, move |conn| declarations::save_version(conn, &bad))
        .await
        .unwrap();
    let refused = store::run(&db, |conn| {
        declarations::set_status(conn, company(), period(), Status::Ready, "ana", at(1))
    })
    .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Transition(TransitionError::ValidationFailed(1)))
        ),
        "{refused:?}"
    );
    let skipped = store::run(&db, |conn| {
        declarations::set_status(conn, company(), period(), Status::Sent, "ana", at(1))
    })
    .await;
    assert!(matches!(
        skipped,
        Err(StoreError::Transition(TransitionError::NotAllowed { .. }))
    ));
    let missing = store::run(&db, |conn| {
        declarations::set_status(
            conn,
            company(),
            Period::parse("2020-01").unwrap(),
            Status::Ready,
            "ana",
            at(1),
        )
    })
    .await;
    assert!(matches!(missing, Err(StoreError::NotFound { .. })));
}

#[tokio::test]
async fn mapping_documents_by_scope() {
    let database = TestDatabase::new();
    let db = open(&database).await;
    let none = store::run(&db, |conn| mappings::get(conn, ""))
        .await
        .unwrap();
    assert!(none.is_none());
    store::run(&db, |conn| {
        mappings::put(conn, "", "version: 1 # default\n", "admin", at(0))
    })
    .await
    .unwrap();
    store::run(&db, |conn| {
        mappings::put(conn, "76123456-0", "version: 1 # first\n", "admin", at(1))
    })
    .await
    .unwrap();
    store::run(&db, |conn| {
        mappings::put(conn, "76123456-0", "version: 1 # second\n", "root", at(2))
    })
    .await
    .unwrap();
    let company = store::run(&db, |conn| mappings::get(conn, "76123456-0"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            company.yaml.as_str(),
            company.updated_by.as_str(),
            company.updated_at
        ),
        ("version: 1 # second\n", "root", at(2))
    );
    assert!(
        store::run(&db, |conn| mappings::delete(conn, "76123456-0"))
            .await
            .unwrap()
    );
    assert!(
        !store::run(&db, |conn| mappings::delete(conn, "76123456-0"))
            .await
            .unwrap()
    );
    let default = store::run(&db, |conn| mappings::get(conn, ""))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(default.yaml, "version: 1 # default\n");
}

fn month(text: &str) -> Period {
    Period::parse(text).unwrap()
}

fn utm_entry(period: &str, pesos: i64, line: usize) -> f29_engine::domain::utm::UtmEntry {
    f29_engine::domain::utm::UtmEntry {
        period: month(period),
        pesos,
        line: Some(line),
    }
}

#[tokio::test]
async fn utm_seed_never_overwrites_an_operators_month() {
    use f29_engine::domain::utm::UtmTable;
    use f29_engine::store::utm;
    let database = TestDatabase::new();
    let db = open(&database).await;
    let seed = UtmTable::from_months([(month("2026-06"), 71_506), (month("2026-07"), 71_649)]);
    let outcome = store::run(&db, move |conn| {
        let first = utm::seed(conn, &seed, "shipped", at(0))?;
        // An operator corrects July; a new release ships another value for June and July.
        utm::put(
            conn,
            &[utm_entry("2026-07", 71_650, 1)],
            "api",
            "ana",
            at(1),
        )?;
        let corrected =
            UtmTable::from_months([(month("2026-06"), 71_500), (month("2026-07"), 71_649)]);
        let second = utm::seed(conn, &corrected, "shipped", at(2))?;
        Ok((first, second, utm::list(conn)?))
    })
    .await
    .unwrap();
    let (first, second, stored) = outcome;
    assert_eq!((first.added, first.corrected, first.kept), (2, 0, 0));
    assert_eq!((second.added, second.corrected, second.kept), (0, 1, 1));
    let values: Vec<(String, i64, bool, &str)> = stored
        .iter()
        .map(|s| (s.period.to_string(), s.pesos, s.seeded, s.set_by.as_str()))
        .collect();
    assert_eq!(
        values,
        vec![
            ("2026-06".into(), 71_500, true, "seed"),
            ("2026-07".into(), 71_650, false, "ana"),
        ]
    );
}

#[tokio::test]
async fn a_refused_utm_import_writes_nothing() {
    use f29_engine::domain::utm::{UtmError, UtmTable};
    use f29_engine::store::utm;
    let database = TestDatabase::new();
    let db = open(&database).await;
    let seed = UtmTable::from_months([(month("2026-07"), 71_649)]);
    let (err, stored) = store::run(&db, move |conn| {
        utm::seed(conn, &seed, "shipped", at(0))?;
        // August is fine, September jumps: neither is written.
        let err = utm::put(
            conn,
            &[
                utm_entry("2026-08", 71_649, 2),
                utm_entry("2026-09", 90_000, 3),
            ],
            "import utm2026.csv",
            "ana",
            at(1),
        )
        .expect_err("a jump");
        Ok((err, utm::list(conn)?))
    })
    .await
    .unwrap();
    assert!(
        matches!(
            &err,
            StoreError::Utm(UtmError::Invalid { line: Some(3), .. })
        ),
        "{err:?}"
    );
    assert_eq!(stored.len(), 1, "nothing half-imported");
}

#[tokio::test]
async fn holiday_years_are_replaced_whole_and_an_operators_year_is_kept() {
    use f29_engine::domain::calendar::holidays::HolidayTable;
    use f29_engine::store::holidays;
    let database = TestDatabase::new();
    let db = open(&database).await;
    let shipped = HolidayTable::parse(
        "\"2026\":\n  - {date: \"2026-01-01\", name: \"Año Nuevo\"}\n  - {date: \"2026-05-01\", name: \"Trabajo\"}\n\"2027\":\n  - {date: \"2027-01-01\", name: \"Año Nuevo\"}\n",
    )
    .unwrap();
    let operator = HolidayTable::parse(
        "\"2026\":\n  - {date: \"2026-01-01\", name: \"Año Nuevo\"}\n  - {date: \"2026-05-01\", name: \"Trabajo\"}\n  - {date: \"2026-06-07\", name: \"test: a new law\"}\n",
    )
    .unwrap();
    let (seeded, again, table) = store::run(&db, move |conn| {
        let seeded = holidays::seed(conn, &shipped, at(0))?;
        holidays::put(conn, &operator, "ana", at(1))?;
        let again = holidays::seed(conn, &shipped, at(2))?;
        Ok((seeded, again, holidays::list(conn, None)?))
    })
    .await
    .unwrap();
    assert_eq!((seeded.added, seeded.corrected, seeded.kept), (2, 0, 0));
    assert_eq!((again.added, again.corrected, again.kept), (0, 0, 1));
    let years: Vec<(i32, usize, &str)> = table
        .iter()
        .map(|y| (y.year, y.holidays.len(), y.set_by.as_str()))
        .collect();
    assert_eq!(years, vec![(2026, 3, "ana"), (2027, 1, "seed")]);
}

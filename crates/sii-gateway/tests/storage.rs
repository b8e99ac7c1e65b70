//! The gateway's storage on the backend selected by `OFITEC_TEST_BACKEND` (make test runs
//! both): idempotent document upserts, listings, summaries, the job life cycle, events.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use ofitec_domain::rcv::{
    DocumentReference, DocumentWarning, Operation, OtherReference, OtherTax, PurchaseState,
    RcvDocument, TransactionType,
};
use ofitec_domain::{Period, Rut};
use ofitec_platform::db::{DatabaseConfig, Db, DbError};
use ofitec_testkit::TestDatabase;
use sii_gateway::store::documents::{self, After, DocumentFilter, Start};
use sii_gateway::store::jobs::{self, Finish, Holder, JobStatus, NewJob};
use sii_gateway::store::{MIGRATIONS, StoreError, events};

#[tokio::test]
async fn migrations_create_revert_and_recreate_every_table() {
    ofitec_testkit::check_migrations(
        MIGRATIONS,
        &[
            "rcv_documents",
            "import_jobs",
            "import_events",
            "period_imports",
            "sii_summaries",
            "rcv_totals",
        ],
    )
    .await;
}

fn company() -> Rut {
    Rut::parse("76123456-0").unwrap()
}
fn period() -> Period {
    Period::parse("2024-11").unwrap()
}

fn purchase(folio: i64, neto: i64, state: PurchaseState) -> RcvDocument {
    let mut d = RcvDocument::new(
        company(),
        period(),
        Operation::Compra,
        33,
        Some(Rut::parse("12345678-5").unwrap()),
        folio,
    );
    d.counterpart_name = "Proveedor S.A.".to_owned();
    d.issued_on = chrono::NaiveDate::from_ymd_opt(2024, 11, 3);
    d.received_at =
        chrono::NaiveDate::from_ymd_opt(2024, 11, 4).and_then(|d| d.and_hms_opt(9, 30, 0));
    d.state = Some(state);
    d.transaction_type = Some(TransactionType::DelGiro);
    d.neto = neto;
    d.iva = (neto * 19 + 50) / 100;
    d.total = d.neto + d.iva;
    d
}

async fn db(database: &TestDatabase) -> Db {
    Db::connect(&DatabaseConfig::new(database.url()), MIGRATIONS)
        .await
        .unwrap()
}

async fn store(db: &Db, job: &str, docs: Vec<RcvDocument>) -> documents::StoreOutcome {
    let job = job.to_owned();
    db.run(move |c| {
        documents::store_period(c, &job, company(), period(), Operation::Compra, &docs)
            .map_err(to_db)
    })
    .await
    .unwrap()
}

async fn listed(db: &Db, include_vanished: bool) -> Vec<documents::StoredDocument> {
    db.run(move |c| {
        let filter = DocumentFilter {
            company: company(),
            period: period(),
            operation: None,
            tipo_dte: None,
            state: None,
            include_vanished,
        };
        documents::list(c, &filter, 1000, &documents::Start::Offset(0))
            .map(|(d, _)| d)
            .map_err(to_db)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn documents_round_trip_with_every_field() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let mut doc = purchase(1001, 100_000, PurchaseState::Registro);
    doc.exento = 5_000;
    doc.iva_no_recuperable = 1_234;
    doc.iva_no_recuperable_code = Some(2);
    doc.activo_fijo_neto = 7;
    doc.activo_fijo_iva = 8;
    doc.iva_uso_comun = 9;
    doc.sin_derecho_credito = 10;
    doc.iva_retenido_total = 11;
    doc.iva_retenido_parcial = 12;
    doc.iva_no_retenido = 13;
    doc.other_taxes = vec![OtherTax {
        codigo: 271,
        valor: 4_500,
        tasa: Some(18.0),
    }];
    doc.references = vec![DocumentReference {
        tipo_dte: 33,
        folio: 77,
    }];
    doc.other_references = vec![OtherReference {
        tipo: "HES".to_owned(),
        folio: "OC-2024-118".to_owned(),
    }];
    doc.warnings = vec![DocumentWarning {
        field: "TpoDocRef".to_owned(),
        message: "a reference type without its folio: 801".to_owned(),
    }];
    doc.receiver_event = Some("A".to_owned());
    doc.anulado = true;
    doc.tasa_iva = Some(19.0);
    doc.acknowledged_at =
        chrono::NaiveDate::from_ymd_opt(2024, 11, 5).and_then(|d| d.and_hms_opt(10, 0, 1));
    doc.claimed_at =
        chrono::NaiveDate::from_ymd_opt(2024, 11, 6).and_then(|d| d.and_hms_opt(11, 0, 2));
    doc.extra.insert("iva_propio".to_owned(), 321);
    let mut summary = RcvDocument::new(company(), period(), Operation::Compra, 39, None, 0);
    summary.document_count = 250;
    summary.total = 1_190_000;
    store(&db, "job-1", vec![doc.clone(), summary.clone()]).await;
    let stored = listed(&db, false).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].document, doc);
    assert_eq!(stored[1].document, summary);
    assert!(!stored[0].vanished);
}

#[tokio::test]
async fn a_document_sii_lists_twice_is_stored_and_counted_once_with_its_last_content() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let mut repeated = purchase(2, 99_000, PurchaseState::Registro);
    repeated.counterpart_name = "Listed again".to_owned();
    let docs = vec![
        purchase(1, 10_000, PurchaseState::Registro),
        purchase(2, 20_000, PurchaseState::Registro),
        repeated.clone(),
    ];
    let outcome = store(&db, "job-1", docs).await;
    let expected_total = purchase(1, 10_000, PurchaseState::Registro).total + repeated.total;
    assert_eq!(
        (outcome.fetched, outcome.duplicates, outcome.inserted),
        (2, 1, 2)
    );
    assert_eq!(outcome.total_amount, expected_total);
    assert_eq!(
        outcome.by_type.get(&(33, "REGISTRO".to_owned())),
        Some(&(2, 2))
    );
    let stored = listed(&db, false).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].document, repeated, "the last listing wins");
    assert_eq!(
        stored.iter().map(|d| d.document.total).sum::<i64>(),
        outcome.total_amount
    );
}

#[tokio::test]
async fn re_importing_updates_in_place_marks_vanished_and_never_duplicates() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let first: Vec<RcvDocument> = (1..=5)
        .map(|f| purchase(f, 10_000 * f, PurchaseState::Pendiente))
        .collect();
    let outcome = store(&db, "job-1", first.clone()).await;
    assert_eq!(
        (
            outcome.fetched,
            outcome.inserted,
            outcome.updated,
            outcome.vanished
        ),
        (5, 5, 0, 0)
    );
    assert_eq!(
        outcome.total_amount,
        first.iter().map(|d| d.total).sum::<i64>()
    );

    let again = store(&db, "job-2", first.clone()).await;
    assert_eq!(
        (
            again.inserted,
            again.updated,
            again.unchanged,
            again.vanished
        ),
        (0, 0, 5, 0),
        "a redelivered job writes nothing"
    );

    // SII accepted folio 2 (PENDIENTE → REGISTRO), changed folio 3's amount, dropped folio 5,
    // and a new folio 6 appeared.
    let mut second = first.clone();
    second[1].state = Some(PurchaseState::Registro);
    second[2].neto = 31_000;
    second.remove(4);
    second.push(purchase(6, 60_000, PurchaseState::Registro));
    let changed = store(&db, "job-3", second).await;
    assert_eq!(
        (
            changed.inserted,
            changed.updated,
            changed.unchanged,
            changed.vanished
        ),
        (1, 2, 2, 1)
    );

    let current = listed(&db, false).await;
    assert_eq!(
        current.iter().map(|d| d.document.folio).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 6]
    );
    assert_eq!(current[1].document.state, Some(PurchaseState::Registro));
    assert_eq!(current[2].document.neto, 31_000);
    let all = listed(&db, true).await;
    assert_eq!(all.len(), 6, "vanished documents are kept, flagged");
    assert!(
        all.iter()
            .find(|d| d.document.folio == 5)
            .is_some_and(|d| d.vanished)
    );

    // It comes back: no longer vanished.
    let back = store(&db, "job-4", first).await;
    assert_eq!(back.vanished, 1, "folio 6 vanishes now");
    assert!(
        listed(&db, false)
            .await
            .iter()
            .any(|d| d.document.folio == 5)
    );
}

#[tokio::test]
async fn documents_of_another_register_are_refused() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let mut wrong = purchase(1, 100, PurchaseState::Registro);
    wrong.period = Period::parse("2024-10").unwrap();
    let result = db
        .run(move |c| {
            Ok(documents::store_period(
                c,
                "j",
                company(),
                period(),
                Operation::Compra,
                &[wrong],
            ))
        })
        .await
        .unwrap();
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert!(listed(&db, true).await.is_empty(), "nothing written");
}

#[tokio::test]
async fn listing_pages_in_a_stable_order_and_summary_adds_up() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let mut docs: Vec<RcvDocument> = (1..=30)
        .rev()
        .map(|f| purchase(f, 1_000 * f, PurchaseState::Registro))
        .collect();
    docs[0].state = Some(PurchaseState::Pendiente); // folio 30
    let mut boletas = RcvDocument::new(company(), period(), Operation::Compra, 39, None, 0);
    boletas.document_count = 40;
    boletas.total = 99;
    docs.push(boletas);
    store(&db, "job", docs).await;

    let page = |offset| {
        let db = db.clone();
        async move {
            db.run(move |c| {
                let filter = DocumentFilter {
                    company: company(),
                    period: period(),
                    operation: Some(Operation::Compra),
                    tipo_dte: Some(33),
                    state: None,
                    include_vanished: false,
                };
                documents::list(c, &filter, 10, &documents::Start::Offset(offset)).map_err(to_db)
            })
            .await
            .unwrap()
        }
    };
    let (first, total) = page(0).await;
    assert_eq!(total, 30);
    assert_eq!(
        first.iter().map(|d| d.document.folio).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    let (third, _) = page(20).await;
    assert_eq!(third.last().map(|d| d.document.folio), Some(30));

    let rows = db
        .run(|c| documents::summary(c, company(), Some(period())).map_err(to_db))
        .await
        .unwrap();
    let registro = rows
        .iter()
        .find(|r| r.tipo_dte == 33 && r.state == "REGISTRO")
        .unwrap();
    assert_eq!(registro.count, 29);
    assert_eq!(registro.neto, (1..=29).map(|f| 1_000 * f).sum::<i64>());
    assert_eq!(
        registro.iva,
        (1..=29)
            .map(|f: i64| (1_000 * f * 19 + 50) / 100)
            .sum::<i64>()
    );
    let pendiente = rows
        .iter()
        .find(|r| r.tipo_dte == 33 && r.state == "PENDIENTE")
        .unwrap();
    assert_eq!((pendiente.count, pendiente.neto), (1, 30_000));
    let summary_line = rows.iter().find(|r| r.tipo_dte == 39).unwrap();
    assert_eq!(
        summary_line.count, 40,
        "a summary line counts as the documents it stands for"
    );
}

#[tokio::test]
async fn job_life_cycle_with_one_active_job_per_register() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let key = NewJob {
        company: company(),
        period: period(),
        operation: Operation::Venta,
    };
    let created = db
        .run({
            let key = key.clone();
            move |c| jobs::create(c, "batch-1", &[key.clone(), key], "ana", "req-1").map_err(to_db)
        })
        .await
        .unwrap();
    assert!(
        created[0].new && !created[1].new,
        "the second request returns the first job"
    );
    assert_eq!(created[0].job.id, created[1].job.id);
    let id = created[0].job.id.clone();

    let claimed = db
        .run({
            let id = id.clone();
            move |c| jobs::claim(c, &id, "worker-a", false).map_err(to_db)
        })
        .await
        .unwrap()
        .expect("queued job is claimed");
    assert_eq!(
        (claimed.status(), claimed.attempts, claimed.worker.as_str()),
        (JobStatus::Running, 1, "worker-a")
    );

    let succeeded = Finish::Succeeded {
        fetched: 10,
        stored: 9,
        vanished: 1,
        total_amount: 1_190,
    };
    // An attempt that does not hold the job (another worker, or an earlier attempt of this
    // one) records nothing.
    let holder = Holder::of(&claimed);
    for stale in [
        Holder {
            worker: "worker-b".to_owned(),
            ..holder.clone()
        },
        Holder {
            attempts: 0,
            ..holder.clone()
        },
        Holder {
            started_at: holder.started_at - chrono::Duration::seconds(1),
            ..holder.clone()
        },
    ] {
        let recorded = db
            .run({
                let (id, outcome) = (id.clone(), succeeded.clone());
                move |c| jobs::finish(c, &id, &stale, &outcome).map_err(to_db)
            })
            .await
            .unwrap();
        assert!(recorded.is_none(), "a stale holder records nothing");
    }
    let finished = db
        .run({
            let (id, holder, outcome) = (id.clone(), Holder::of(&claimed), succeeded.clone());
            move |c| jobs::finish(c, &id, &holder, &outcome).map_err(to_db)
        })
        .await
        .unwrap()
        .expect("the holder records its result");
    assert_eq!(
        (
            finished.status(),
            finished.documents_stored,
            finished.total_amount
        ),
        (JobStatus::Succeeded, 9, 1_190)
    );

    let reclaimed = db
        .run({
            let id = id.clone();
            move |c| jobs::claim(c, &id, "worker-b", true).map_err(to_db)
        })
        .await
        .unwrap();
    assert!(
        reclaimed.is_none(),
        "a redelivered finished job is not claimed again"
    );

    let retry = db
        .run({
            let id = id.clone();
            move |c| Ok(jobs::retry(c, &id))
        })
        .await
        .unwrap();
    assert!(
        matches!(retry, Err(StoreError::Conflict(_))),
        "succeeded jobs are not retried"
    );
    let late_cancel = db
        .run({
            let id = id.clone();
            move |c| Ok(jobs::cancel(c, &id))
        })
        .await
        .unwrap();
    assert!(
        matches!(late_cancel, Err(StoreError::Conflict(_))),
        "a succeeded job is not cancelled"
    );

    // A new job for the same register is allowed now; cancel it, then retrying the cancelled
    // one works while nothing else is active.
    let second = db
        .run(move |c| jobs::create(c, "batch-2", &[key], "ana", "req-2").map_err(to_db))
        .await
        .unwrap();
    assert!(second[0].new);
    let second_id = second[0].job.id.clone();
    let running = db
        .run({
            let id = second_id.clone();
            move |c| jobs::claim(c, &id, "worker-a", false).map_err(to_db)
        })
        .await
        .unwrap()
        .expect("queued job is claimed");
    let cancelled = db
        .run({
            let id = second_id.clone();
            move |c| jobs::cancel(c, &id).map_err(to_db)
        })
        .await
        .unwrap();
    assert_eq!(cancelled.status(), JobStatus::Cancelled);
    // An attempt that was running when the job was cancelled cannot record its result.
    let after_cancel = db
        .run({
            let id = second_id.clone();
            move |c| jobs::finish(c, &id, &Holder::of(&running), &succeeded).map_err(to_db)
        })
        .await
        .unwrap();
    assert!(after_cancel.is_none(), "a cancelled job stays cancelled");
    let requeued = db
        .run(move |c| jobs::retry(c, &second_id).map_err(to_db))
        .await
        .unwrap();
    assert_eq!(
        (requeued.status(), requeued.attempts),
        (JobStatus::Queued, 0)
    );
}

fn to_db(e: StoreError) -> DbError {
    DbError::Task(e.to_string())
}

#[tokio::test]
async fn events_are_numbered_filtered_by_company_and_pruned() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let other = Rut::parse("12345678-5").unwrap();
    let ids = db
        .run(move |c| {
            let mut ids = Vec::new();
            for i in 0..6 {
                let company = if i % 2 == 0 { company() } else { other };
                ids.push(
                    events::append(c, &format!("job-{i}"), &company, "queued", "{}")
                        .map_err(to_db)?,
                );
            }
            Ok(ids)
        })
        .await
        .unwrap();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let mine = db
        .run(move |c| events::after(c, ids[0], Some(&[company()]), 100).map_err(to_db))
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|e| e.job_id.as_str()).collect::<Vec<_>>(),
        vec!["job-2", "job-4"]
    );
    let removed = db
        .run(|c| events::prune(c, 2).map_err(to_db))
        .await
        .unwrap();
    assert_eq!(removed, 4);
}

fn whole_period() -> DocumentFilter {
    DocumentFilter {
        company: company(),
        period: period(),
        operation: None,
        tipo_dte: None,
        state: None,
        include_vanished: false,
    }
}

async fn store_sales(db: &Db, job: &str, docs: Vec<RcvDocument>) {
    let job = job.to_owned();
    db.run(move |c| {
        documents::store_period(c, &job, company(), period(), Operation::Venta, &docs)
            .map(|_| ())
            .map_err(to_db)
    })
    .await
    .unwrap()
}

fn sale(tipo: u16, folio: i64, neto: i64, anulado: bool) -> RcvDocument {
    let mut d = RcvDocument::new(
        company(),
        period(),
        Operation::Venta,
        tipo,
        Some(Rut::parse("11111111-1").unwrap()),
        folio,
    );
    d.neto = neto;
    d.iva = (neto * 19 + 50) / 100;
    d.total = d.neto + d.iva;
    d.anulado = anulado;
    d
}

/// What the summary must say: the listed documents added up now, from scratch.
fn fresh_aggregation(docs: &[documents::StoredDocument]) -> Vec<(String, i32, String, [i64; 5])> {
    let mut groups: std::collections::BTreeMap<(String, i32, String), [i64; 5]> =
        Default::default();
    for stored in docs {
        let d = &stored.document;
        let state = d.state.map(|s| s.as_str().to_owned()).unwrap_or_default();
        let sums = groups
            .entry((
                d.operation.as_str().to_owned(),
                i32::from(d.tipo_dte),
                state,
            ))
            .or_default();
        sums[0] += i64::from(d.document_count);
        sums[1] += d.exento;
        sums[2] += d.neto;
        sums[3] += d.iva;
        sums[4] += d.total;
    }
    groups
        .into_iter()
        .map(|((op, tipo, state), sums)| (op, tipo, state, sums))
        .collect()
}

async fn kept_summary(db: &Db) -> Vec<(String, i32, String, [i64; 5])> {
    db.run(|c| documents::summary(c, company(), Some(period())).map_err(to_db))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.operation,
                r.tipo_dte,
                r.state,
                [r.count, r.exento, r.neto, r.iva, r.total],
            )
        })
        .collect()
}

#[tokio::test]
async fn kept_summary_equals_a_fresh_aggregation_after_imports_re_imports_and_vanished_documents() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let first: Vec<RcvDocument> = (1..=40)
        .map(|f| {
            let state = if f % 3 == 0 {
                PurchaseState::Pendiente
            } else {
                PurchaseState::Registro
            };
            purchase(f, 1_000 * f, state)
        })
        .collect();
    store(&db, "j1", first.clone()).await;
    store_sales(
        &db,
        "s1",
        (1..=25).map(|f| sale(33, f, 500 * f, f == 7)).collect(),
    )
    .await;
    let check = |what: &'static str| {
        let db = db.clone();
        async move {
            let listed = listed(&db, false).await;
            let kept = kept_summary(&db).await;
            assert!(!kept.is_empty(), "{what}");
            assert_eq!(kept, fresh_aggregation(&listed), "{what}");
        }
    };
    check("first imports").await;

    // A re-import: amounts and states change, 10 documents vanish, 5 appear.
    let second: Vec<RcvDocument> = (11..=45)
        .map(|f| purchase(f, 2_000 * f, PurchaseState::Registro))
        .collect();
    store(&db, "j2", second.clone()).await;
    check("a re-import with changes and vanished documents").await;

    // The same register again (a redelivered job) changes nothing.
    store(&db, "j3", second).await;
    check("a redelivered import").await;

    // Vanished documents that come back count again; cancelled sales count in the summary
    // but not among the sales an F29 counts.
    store(&db, "j4", first).await;
    check("vanished documents coming back").await;
    let counted = db
        .run(|c| documents::counted_sales(c, company(), Some(period())).map_err(to_db))
        .await
        .unwrap();
    assert_eq!(counted.len(), 1);
    assert_eq!(counted[0].count, 24);
    assert_eq!(
        counted[0].neto,
        (1..=25).filter(|f| *f != 7).map(|f| 500 * f).sum::<i64>()
    );
}

async fn page_after(db: &Db, limit: i64, start: Start) -> Vec<documents::StoredDocument> {
    db.run(move |c| documents::page(c, &whole_period(), limit, &start).map_err(to_db))
        .await
        .unwrap()
}

#[tokio::test]
async fn cursor_pages_return_every_document_exactly_once_while_an_import_rewrites_the_period() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let docs: Vec<RcvDocument> = (1..=95)
        .map(|f| purchase(f, 100 * f, PurchaseState::Registro))
        .collect();
    store(&db, "j1", docs.clone()).await;
    store_sales(
        &db,
        "s1",
        (1..=30).map(|f| sale(39, f, 10 * f, false)).collect(),
    )
    .await;

    let mut seen = Vec::new();
    let mut start = Start::Offset(0);
    let mut pages = 0;
    loop {
        let page = page_after(&db, 10, start.clone()).await;
        let Some(last) = page.last() else { break };
        start = Start::After(After::of(&last.document));
        seen.extend(page.iter().map(|d| d.document.key()));
        pages += 1;
        if pages == 4 {
            // SII changed every purchase's amounts: the import rewrites all their rows.
            let changed: Vec<RcvDocument> = docs
                .iter()
                .map(|d| {
                    let mut d = d.clone();
                    d.neto += 1;
                    d.total += 1;
                    d
                })
                .collect();
            store(&db, "j2", changed).await;
        }
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 125, "every document once");
    assert_eq!(unique.len(), 125, "no document twice");
    let total = db
        .run(|c| documents::list(c, &whole_period(), 1, &Start::Offset(0)).map_err(to_db))
        .await
        .unwrap()
        .1;
    assert_eq!(total, 125);
}

#[tokio::test]
async fn a_period_read_in_pages_comes_from_one_snapshot() {
    let database = TestDatabase::new();
    let db = db(&database).await;
    let docs: Vec<RcvDocument> = (1..=50)
        .map(|f| purchase(f, 100 * f, PurchaseState::Registro))
        .collect();
    store(&db, "j1", docs.clone()).await;
    let writer = db.clone();
    let runtime = tokio::runtime::Handle::current();
    let read = db
        .run(move |c| {
            let mut neto = Vec::new();
            let mut pages = 0;
            documents::read_pages(c, &whole_period(), 20, |page| {
                pages += 1;
                neto.extend(page.iter().map(|d| d.document.neto));
                if pages == 1 {
                    // An import lands between the first and the second page.
                    let changed: Vec<RcvDocument> = docs
                        .iter()
                        .map(|d| {
                            let mut d = d.clone();
                            d.neto *= 2;
                            d
                        })
                        .collect();
                    std::thread::scope(|s| {
                        s.spawn(|| runtime.block_on(store(&writer, "j2", changed)));
                    });
                }
                true
            })
            .map(|()| (neto, pages))
            .map_err(to_db)
        })
        .await
        .unwrap();
    assert_eq!(read.1, 3);
    assert_eq!(
        read.0,
        (1..=50).map(|f| 100 * f).collect::<Vec<i64>>(),
        "the snapshot before the import"
    );
    let after = listed(&db, false).await;
    assert_eq!(
        after.iter().map(|d| d.document.neto).sum::<i64>(),
        2 * (1..=50).map(|f| 100 * f).sum::<i64>()
    );
}

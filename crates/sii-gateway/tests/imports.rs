//! Imports end to end: the real sii-sim over HTTP, the real gateway on port 0 (embedded worker
//! pool) on the backend `OFITEC_TEST_BACKEND` selects, driven over gRPC like edge-api does.
//! What is stored must equal what sii-sim serves, document for document and peso for peso.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt as _;
use ofitec_domain::identity::{CompanyScope, Role};
use ofitec_domain::{ErrorCode, Period, Rut};
use ofitec_platform::grpc::status::error_code;
use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use ofitec_testkit::{TestDatabase, as_caller, operator};
use serde_json::{Value, json};
use sii_gateway::{Application, Config};
use support::{Sim, cert_dir};
use tonic::transport::Channel;

struct Platform {
    sim: Sim,
    client: SiiGatewayClient<Channel>,
    metrics: std::net::SocketAddr,
    _db: TestDatabase,
    gateway_stop: ofitec_platform::shutdown::CancellationToken,
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.gateway_stop.cancel();
    }
}

fn company() -> Rut {
    Rut::parse("76123456-0").unwrap()
}

fn period() -> Period {
    Period::parse("2024-11").unwrap()
}

async fn start(max_attempts: u32) -> Platform {
    start_with(max_attempts, |_| {}).await
}

async fn start_with(max_attempts: u32, customize: impl FnOnce(&mut Config)) -> Platform {
    let sim = Sim::start(sii_sim::Config::for_tests()).await;
    let db = TestDatabase::new();
    let mut config = Config::for_tests_against_sim(
        db.url(),
        &sim.base,
        &cert_dir().join("valid.p12"),
        &cert_dir().join("password.txt"),
    );
    // Small enough that the larger types of the synthetic register go through the CSV export.
    config.sii.detail_sync_limit = 20;
    config.imports.max_attempts = max_attempts;
    customize(&mut config);
    let gateway = Application::build(config).await.expect("gateway builds");
    let address = gateway.address();
    let metrics = gateway.metrics_address();
    let gateway_stop = gateway.shutdown_token();
    tokio::spawn(gateway.run_until_stopped());
    let client = SiiGatewayClient::connect(format!("http://{address}"))
        .await
        .expect("gateway reachable");
    Platform {
        sim,
        client,
        metrics,
        _db: db,
        gateway_stop,
    }
}

impl Platform {
    async fn sim_admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.sim.admin(method, path, body).await
    }

    /// What sii-sim serves for a register: (tipo DTE → (lines, documents, Σ total)).
    async fn served(&self, operation: &str) -> BTreeMap<i64, (u64, u64, i64)> {
        let answer = self
            .sim_admin(
                reqwest::Method::GET,
                &format!(
                    "/documents?company={}&period={}&operation={operation}",
                    company(),
                    period()
                ),
                None,
            )
            .await;
        let mut out: BTreeMap<i64, (u64, u64, i64)> = BTreeMap::new();
        for doc in answer["documents"].as_array().expect("documents") {
            let entry = out.entry(doc["tipo_dte"].as_i64().unwrap()).or_default();
            entry.0 += 1;
            entry.1 += doc["document_count"].as_u64().unwrap_or(1);
            entry.2 += doc["total"].as_i64().unwrap();
        }
        out
    }

    /// What the gateway stored for a register, read page by page.
    async fn stored(&mut self, operation: pb::Operation) -> BTreeMap<i64, (u64, u64, i64)> {
        let mut out: BTreeMap<i64, (u64, u64, i64)> = BTreeMap::new();
        let mut offset = 0;
        loop {
            let page = self
                .client
                .list_documents(operator(pb::ListDocumentsRequest {
                    company: company().to_string(),
                    period: period().to_string(),
                    operation: operation as i32,
                    limit: 250,
                    offset,
                    ..Default::default()
                }))
                .await
                .expect("list documents")
                .into_inner();
            for doc in &page.documents {
                let entry = out.entry(i64::from(doc.tipo_dte)).or_default();
                entry.0 += 1;
                entry.1 += u64::from(doc.document_count);
                entry.2 += doc.total;
            }
            offset += page.documents.len() as u64;
            if page.documents.is_empty() || offset >= page.total {
                break;
            }
        }
        out
    }

    async fn start_import(&mut self, operations: Vec<pb::Operation>) -> pb::StartImportResponse {
        self.client
            .start_import(operator(pb::StartImportRequest {
                companies: vec![company().to_string()],
                from_period: period().to_string(),
                to_period: period().to_string(),
                operations: operations.into_iter().map(|o| o as i32).collect(),
                requested_by: String::new(),
                request_id: String::new(),
            }))
            .await
            .expect("start import")
            .into_inner()
    }

    /// Imports one register of the test company and month, and waits for its job to end.
    async fn import_one(&mut self, operation: pb::Operation) -> pb::ImportJob {
        let started = self.start_import(vec![operation]).await;
        self.wait_final(&started.jobs[0].id).await
    }

    /// What the gateway stored for `operation` is exactly what sii-sim serves (and not nothing).
    async fn assert_stored_as_served(&mut self, operation: pb::Operation) {
        let name = support::operation_name(operation as i32);
        let served = self.served(name).await;
        assert!(!served.is_empty(), "sii-sim serves no {name} documents");
        assert_eq!(self.stored(operation).await, served, "{name}");
    }

    /// Every job's events from now on.
    async fn watch(&mut self) -> tonic::Streaming<pb::ImportEvent> {
        self.client
            .watch_imports(operator(pb::WatchImportsRequest::default()))
            .await
            .expect("watch")
            .into_inner()
    }

    async fn wait_final(&mut self, id: &str) -> pb::ImportJob {
        let client = self.client.clone();
        let id = id.to_owned();
        ofitec_testkit::wait_until(
            "the import job to finish",
            Duration::from_secs(60),
            move || {
                let mut client = client.clone();
                let id = id.clone();
                async move {
                    let job = client
                        .get_import(operator(pb::GetImportRequest { id }))
                        .await
                        .ok()?
                        .into_inner();
                    let status = pb::JobStatus::try_from(job.status).ok()?;
                    (!matches!(status, pb::JobStatus::Queued | pb::JobStatus::Running))
                        .then_some(job)
                }
            },
        )
        .await
    }
}

/// Job `id`'s events other than progress, as (kind, error code), read from `events` (opened
/// before the job was requested) until its last one.
async fn lifecycle(
    events: &mut tonic::Streaming<pb::ImportEvent>,
    id: &str,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(30), events.next())
            .await
            .expect("an event within 30 s")
            .expect("stream open")
            .expect("event");
        let Some(job) = event.job.filter(|j| j.id == id) else {
            continue;
        };
        if event.kind == "progress" {
            continue;
        }
        let last = matches!(event.kind.as_str(), "completed" | "failed" | "cancelled");
        out.push((event.kind, job.last_error_code));
        if last {
            return out;
        }
    }
}

/// The kinds of a [`lifecycle`].
fn kinds(lifecycle: &[(String, String)]) -> Vec<&str> {
    lifecycle.iter().map(|(kind, _)| kind.as_str()).collect()
}

#[tokio::test]
async fn an_import_stores_exactly_what_sii_serves_with_live_events() {
    let mut p = start(3).await;
    let mut events = p
        .client
        .watch_imports(operator(pb::WatchImportsRequest::default()))
        .await
        .expect("watch")
        .into_inner();
    let started = p
        .start_import(vec![pb::Operation::Compra, pb::Operation::Venta])
        .await;
    assert_eq!(started.jobs.len(), 2);
    for job in &started.jobs {
        let done = p.wait_final(&job.id).await;
        assert_eq!(
            done.status,
            pb::JobStatus::Succeeded as i32,
            "{}: {} {}",
            done.operation,
            done.last_error_code,
            done.last_error_message
        );
        assert_eq!(done.attempts, 1);
    }
    for (operation, name) in [
        (pb::Operation::Compra, "compra"),
        (pb::Operation::Venta, "venta"),
    ] {
        let served = p.served(name).await;
        assert!(!served.is_empty(), "sii-sim serves a {name} register");
        assert_eq!(p.stored(operation).await, served, "{name}: stored = served");
    }

    // The summary agrees with the documents and records SII's modification time.
    let summary = p
        .client
        .get_summary(operator(pb::GetSummaryRequest {
            company: company().to_string(),
            period: period().to_string(),
        }))
        .await
        .unwrap()
        .into_inner();
    let compras = p.served("compra").await;
    let summed: i64 = summary
        .rows
        .iter()
        .filter(|r| r.operation == pb::Operation::Compra as i32)
        .map(|r| r.total)
        .sum();
    assert_eq!(summed, compras.values().map(|v| v.2).sum::<i64>());
    // SII's own totals (getResumen) are kept with the import; sii-sim's agree with the
    // documents it serves, so they equal the stored totals line for line.
    let line = |r: &pb::SummaryRow| (r.operation, r.tipo_dte, r.state, r.count, r.iva, r.total);
    let sii: Vec<_> = summary
        .sii_rows
        .iter()
        .filter(|r| r.count > 0)
        .map(line)
        .collect();
    let mut stored: Vec<_> = summary.rows.iter().map(line).collect();
    let mut sii_sorted = sii.clone();
    sii_sorted.sort_unstable();
    stored.sort_unstable();
    assert!(!sii.is_empty());
    assert_eq!(sii_sorted, stored);
    assert_eq!(summary.imports.len(), 2);
    assert!(
        summary
            .imports
            .iter()
            .all(|i| !i.sii_modified_at.is_empty())
    );

    // Every job went queued → started → progress… → completed, in id order.
    let mut kinds: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut last_id = 0;
    while kinds
        .values()
        .filter(|k| k.last().is_some_and(|k| k == "completed"))
        .count()
        < 2
    {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event within 10 s")
            .expect("stream open")
            .expect("event");
        assert!(event.id > last_id, "ids grow: {} after {last_id}", event.id);
        last_id = event.id;
        let job = event.job.expect("job");
        kinds.entry(job.id).or_default().push(event.kind);
    }
    for (job, kinds) in &kinds {
        assert_eq!(
            kinds.first().map(String::as_str),
            Some("queued"),
            "{job}: {kinds:?}"
        );
        assert_eq!(
            kinds.get(1).map(String::as_str),
            Some("started"),
            "{job}: {kinds:?}"
        );
        assert!(kinds.iter().any(|k| k == "progress"), "{job}: {kinds:?}");
        assert_eq!(
            kinds.last().map(String::as_str),
            Some("completed"),
            "{job}: {kinds:?}"
        );
    }
}

#[tokio::test]
async fn a_reimport_updates_changed_documents_in_place() {
    let mut p = start(3).await;
    let first = p.start_import(vec![pb::Operation::Compra]).await;
    let first = p.wait_final(&first.jobs[0].id).await;
    assert_eq!(first.status, pb::JobStatus::Succeeded as i32);
    assert_eq!(first.documents_stored, first.documents_fetched);

    // SII changes the register (states move, documents appear and vanish).
    p.sim_admin(
        reqwest::Method::POST,
        "/revisions",
        Some(json!({"company": company().to_string(), "period": period().to_string(), "operation": "compra"})),
    )
    .await;
    let second = p.start_import(vec![pb::Operation::Compra]).await;
    let second = p.wait_final(&second.jobs[0].id).await;
    assert_eq!(second.status, pb::JobStatus::Succeeded as i32);
    assert!(
        second.documents_stored < second.documents_fetched,
        "only the changed documents are written again ({} of {})",
        second.documents_stored,
        second.documents_fetched
    );
    assert!(
        second.documents_stored > 0,
        "the revision changed something"
    );
    p.assert_stored_as_served(pb::Operation::Compra).await;
}

#[tokio::test]
async fn sii_faults_retry_when_that_helps_and_fail_with_the_right_code_otherwise() {
    let mut p = start(2).await;
    // SII's maintenance page on every summary call: retried, then dead after 2 attempts.
    p.sim_admin(
        reqwest::Method::POST,
        "/faults",
        Some(json!({"endpoint": "resumen", "kind": "html_503"})),
    )
    .await;
    let job = p.start_import(vec![pb::Operation::Venta]).await;
    let job = p.wait_final(&job.jobs[0].id).await;
    assert_eq!(job.status, pb::JobStatus::Dead as i32, "{job:?}");
    assert_eq!(job.attempts, 2);
    assert_eq!(job.last_error_code, "sii_unavailable");

    // Retrying after SII recovers succeeds.
    p.sim_admin(reqwest::Method::DELETE, "/faults", None).await;
    let retried = p
        .client
        .retry_import(operator(pb::GetImportRequest { id: job.id.clone() }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried.status, pb::JobStatus::Queued as i32);
    let job = p.wait_final(&job.id).await;
    assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");

    // An answer retrying cannot fix fails at once with SII's code.
    p.sim_admin(
        reqwest::Method::POST,
        "/faults",
        Some(json!({"endpoint": "resumen", "kind": "cod_respuesta", "code": "2", "message": "Error de parametros"})),
    )
    .await;
    let job = p.start_import(vec![pb::Operation::Compra]).await;
    let job = p.wait_final(&job.jobs[0].id).await;
    assert_eq!(job.status, pb::JobStatus::Failed as i32, "{job:?}");
    assert_eq!(job.attempts, 1);
    assert_eq!(job.last_error_code, "sii_rcv_bad_request", "{job:?}");
    assert_eq!(
        p.sim
            .requests("resumen", Some("fault_cod_respuesta_2"))
            .await,
        1,
        "sii-client does not repeat a refused request either"
    );
}

// sii-client's deadline is 1 s here and it tries each call twice (`sii.max_attempts` = 2 in
// the test configuration); a hang of 3 s is a timeout every time.

#[tokio::test]
async fn a_detail_hanging_past_the_deadline_every_time_ends_dead_with_sii_timeout() {
    let mut p = start_with(2, |c| c.sii.timeout_s = 1).await;
    p.sim
        .fault(json!({"endpoint": "detalle", "kind": "timeout", "ms": 3000}))
        .await;
    let mut events = p.watch().await;
    let started = p.start_import(vec![pb::Operation::Venta]).await;
    let id = started.jobs[0].id.clone();
    let job = p.wait_final(&id).await;
    assert_eq!(job.status, pb::JobStatus::Dead as i32, "{job:?}");
    assert_eq!(job.attempts, 2, "{job:?}");
    assert_eq!(job.last_error_code, "sii_timeout", "{job:?}");
    let lifecycle = lifecycle(&mut events, &id).await;
    assert_eq!(
        kinds(&lifecycle),
        ["queued", "started", "retrying", "started", "failed"],
        "{lifecycle:?}"
    );
    assert_eq!(lifecycle[2].1, "sii_timeout", "{lifecycle:?}");
    // Two tries of the first detail in each of the two attempts; a hang never costs a token.
    assert_eq!(p.sim.requests("detalle", Some("fault_timeout")).await, 4);
    assert_eq!(p.sim.requests("token", None).await, 1);
    assert!(p.stored(pb::Operation::Venta).await.is_empty());
}

#[tokio::test]
async fn a_detail_hanging_a_few_times_is_retried_and_the_register_stored_exactly() {
    let mut p = start_with(2, |c| c.sii.timeout_s = 1).await;

    // One hang: sii-client's second try answers, within the job's first attempt.
    p.sim
        .fault(json!({"endpoint": "detalle", "kind": "timeout", "ms": 3000, "times": 1}))
        .await;
    let job = p.import_one(pb::Operation::Venta).await;
    assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
    assert_eq!(job.attempts, 1, "{job:?}");
    assert_eq!(job.last_error_code, "", "{job:?}");
    assert_eq!(p.sim.requests("detalle", Some("fault_timeout")).await, 1);
    p.assert_stored_as_served(pb::Operation::Venta).await;

    // Two hangs: both tries of the first attempt time out; the job's second attempt stores it.
    p.sim
        .fault(json!({"endpoint": "detalle", "kind": "timeout", "ms": 3000, "times": 2}))
        .await;
    let mut events = p.watch().await;
    let started = p.start_import(vec![pb::Operation::Compra]).await;
    let id = started.jobs[0].id.clone();
    let job = p.wait_final(&id).await;
    assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
    assert_eq!(job.attempts, 2, "{job:?}");
    assert_eq!(
        job.last_error_code, "",
        "a success clears the error: {job:?}"
    );
    let lifecycle = lifecycle(&mut events, &id).await;
    assert_eq!(
        kinds(&lifecycle),
        ["queued", "started", "retrying", "started", "completed"],
        "{lifecycle:?}"
    );
    assert_eq!(lifecycle[2].1, "sii_timeout", "{lifecycle:?}");
    assert_eq!(p.sim.requests("detalle", Some("fault_timeout")).await, 3);
    assert_eq!(p.sim.requests("token", None).await, 1);
    p.assert_stored_as_served(pb::Operation::Compra).await;
}

#[tokio::test]
async fn an_invalid_token_is_replaced_within_the_attempt_and_one_never_accepted_ends_dead() {
    let mut p = start(2).await;

    // SII kills every token in the middle of the download: sii-client gets one new token and
    // repeats the call, all inside the job's first attempt.
    p.sim
        .fault(json!({"endpoint": "detalle", "kind": "invalidate_tokens", "times": 1}))
        .await;
    let job = p.import_one(pb::Operation::Venta).await;
    assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
    assert_eq!(job.attempts, 1, "{job:?}");
    assert_eq!(job.last_error_code, "", "{job:?}");
    assert_eq!(
        p.sim
            .requests("detalle", Some("cod_respuesta_99_token"))
            .await,
        1
    );
    assert_eq!(
        p.sim.requests("token", None).await,
        2,
        "one re-authentication"
    );
    p.assert_stored_as_served(pb::Operation::Venta).await;

    // SII's "TOKEN NO EXISTE" where JSON was expected: the same, once.
    p.sim
        .fault(json!({"endpoint": "resumen", "kind": "token_no_existe", "times": 1}))
        .await;
    let job = p.import_one(pb::Operation::Compra).await;
    assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
    assert_eq!(job.attempts, 1, "{job:?}");
    assert_eq!(
        p.sim
            .requests("resumen", Some("fault_token_no_existe"))
            .await,
        1
    );
    assert_eq!(
        p.sim.requests("token", None).await,
        3,
        "one re-authentication"
    );
    p.assert_stored_as_served(pb::Operation::Compra).await;

    // A token SII refuses even fresh: one new token per attempt, then dead after the
    // attempts (sii-client calls it transient: a later attempt may get a token that works).
    p.sim
        .fault(
            json!({"endpoint": "resumen", "kind": "cod_respuesta", "code": "99",
                      "message": "El token no es valido"}),
        )
        .await;
    let job = p.import_one(pb::Operation::Venta).await;
    assert_eq!(job.status, pb::JobStatus::Dead as i32, "{job:?}");
    assert_eq!(job.attempts, 2, "{job:?}");
    assert_eq!(job.last_error_code, "sii_token_invalid", "{job:?}");
    assert_eq!(
        p.sim
            .requests("resumen", Some("fault_cod_respuesta_99"))
            .await,
        4,
        "each attempt: the call and its one repetition"
    );
    assert_eq!(p.sim.requests("token", None).await, 5);
    p.assert_stored_as_served(pb::Operation::Venta).await; // the dead import changed nothing
}

#[tokio::test]
async fn estado_errors_of_authentication_fail_or_are_retried_as_sii_client_classifies_them() {
    let mut p = start(2).await;

    // getToken ESTADO -3 (certificate rejected or RUT not enrolled): retrying cannot help, so
    // neither sii-client nor the job retries.
    p.sim
        .fault(json!({"endpoint": "token", "kind": "estado", "code": "-3"}))
        .await;
    let job = p.import_one(pb::Operation::Venta).await;
    assert_eq!(job.status, pb::JobStatus::Failed as i32, "{job:?}");
    assert_eq!(job.attempts, 1, "{job:?}");
    assert_eq!(job.last_error_code, "sii_token_error", "{job:?}");
    assert!(
        job.last_error_message.contains("ESTADO -3"),
        "{}",
        job.last_error_message
    );
    assert_eq!(p.sim.requests("token", Some("fault_estado_-3")).await, 1);
    assert_eq!(p.sim.requests("seed", None).await, 1);

    // getSeed ESTADO -2 (SII's internal error) every time: sii-client retries with backoff,
    // the job is retried, and ends dead with the seed error.
    p.sim.clear_faults().await;
    p.sim
        .fault(json!({"endpoint": "seed", "kind": "estado", "code": "-2"}))
        .await;
    let job = p.import_one(pb::Operation::Venta).await;
    assert_eq!(job.status, pb::JobStatus::Dead as i32, "{job:?}");
    assert_eq!(job.attempts, 2, "{job:?}");
    assert_eq!(job.last_error_code, "sii_seed_error", "{job:?}");
    assert!(
        job.last_error_message.contains("ESTADO -2"),
        "{}",
        job.last_error_message
    );
    assert_eq!(p.sim.requests("seed", Some("fault_estado_-2")).await, 4);
    assert_eq!(
        p.sim.requests("token", None).await,
        1,
        "no token without a seed"
    );

    // The same error twice only: the job's second attempt authenticates and stores it all.
    p.sim.clear_faults().await;
    p.sim
        .fault(json!({"endpoint": "seed", "kind": "estado", "code": "-2", "times": 2}))
        .await;
    let mut events = p.watch().await;
    let started = p.start_import(vec![pb::Operation::Venta]).await;
    let id = started.jobs[0].id.clone();
    let job = p.wait_final(&id).await;
    assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
    assert_eq!(job.attempts, 2, "{job:?}");
    let lifecycle = lifecycle(&mut events, &id).await;
    assert_eq!(
        kinds(&lifecycle),
        ["queued", "started", "retrying", "started", "completed"],
        "{lifecycle:?}"
    );
    assert_eq!(lifecycle[2].1, "sii_seed_error", "{lifecycle:?}");
    assert_eq!(p.sim.requests("seed", Some("fault_estado_-2")).await, 6);
    assert_eq!(p.sim.requests("token", Some("ok")).await, 1);
    p.assert_stored_as_served(pb::Operation::Venta).await;
}

#[tokio::test]
async fn other_companies_jobs_and_documents_are_invisible() {
    let mut p = start(3).await;
    let job = p.start_import(vec![pb::Operation::Venta]).await;
    let id = job.jobs[0].id.clone();
    p.wait_final(&id).await;
    let stranger = CompanyScope::Only([Rut::parse("12345678-5").unwrap()].into());
    let err = p
        .client
        .get_import(as_caller(
            pb::GetImportRequest { id: id.clone() },
            Role::Admin,
            stranger.clone(),
        ))
        .await
        .expect_err("another company's job");
    assert_eq!(err.code(), tonic::Code::NotFound);
    let listed = p
        .client
        .list_imports(as_caller(
            pb::ListImportsRequest::default(),
            Role::Admin,
            stranger.clone(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total, 0);
    let err = p
        .client
        .list_documents(as_caller(
            pb::ListDocumentsRequest {
                company: company().to_string(),
                period: period().to_string(),
                ..Default::default()
            },
            Role::Admin,
            stranger.clone(),
        ))
        .await
        .expect_err("another company's documents");
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    let err = p
        .client
        .start_import(as_caller(
            pb::StartImportRequest {
                companies: vec![company().to_string()],
                from_period: period().to_string(),
                ..Default::default()
            },
            Role::Admin,
            stranger,
        ))
        .await
        .expect_err("importing another company");
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    // A viewer of the right company may read but not import.
    let viewer = CompanyScope::Only([company()].into());
    let err = p
        .client
        .start_import(as_caller(
            pb::StartImportRequest {
                companies: vec![company().to_string()],
                from_period: period().to_string(),
                ..Default::default()
            },
            Role::Viewer,
            viewer,
        ))
        .await
        .expect_err("a viewer importing");
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
}

#[tokio::test]
async fn a_bulk_import_waits_for_the_pre_import_backup_and_its_failure_policy_holds() {
    use sii_gateway::imports::config::{OnFailure, PreImportBackup};
    // backup-agent unreachable: the backup fails.
    let unreachable = |on_failure| PreImportBackup {
        backup_agent: "http://127.0.0.1:1".into(),
        plan: "production".into(),
        min_jobs: 2,
        on_failure,
    };
    let bulk = || {
        operator(pb::StartImportRequest {
            companies: vec![company().to_string()],
            from_period: "2024-10".into(),
            to_period: period().to_string(),
            ..Default::default()
        })
    };
    let mut p = start_with(3, |c| {
        c.imports.pre_import_backup = Some(unreachable(OnFailure::Abort))
    })
    .await;
    // One job is below the size that needs a backup.
    let small = p.start_import(vec![pb::Operation::Venta]).await;
    assert_eq!(small.pre_import_backup, "");
    assert_eq!(
        p.wait_final(&small.jobs[0].id).await.status,
        pb::JobStatus::Succeeded as i32
    );
    // The answer does not wait for the backup; the jobs do, and the abort policy fails them
    // without any attempt.
    let started = p
        .client
        .start_import(bulk())
        .await
        .expect("the request is accepted")
        .into_inner();
    assert_eq!(
        (started.jobs.len(), started.pre_import_backup.as_str()),
        (4, "pending")
    );
    for job in &started.jobs {
        let job = p.wait_final(&job.id).await;
        assert_eq!(
            (
                job.status,
                job.last_error_code.as_str(),
                job.attempts,
                job.documents_fetched
            ),
            (
                pb::JobStatus::Failed as i32,
                "pre_import_backup_failed",
                0,
                0
            )
        );
    }

    // The warn policy lets them run once the backup has failed.
    let mut p = start_with(3, |c| {
        c.imports.pre_import_backup = Some(unreachable(OnFailure::Warn))
    })
    .await;
    let started = p
        .client
        .start_import(bulk())
        .await
        .expect("warn policy imports anyway")
        .into_inner();
    assert_eq!(
        (started.jobs.len(), started.pre_import_backup.as_str()),
        (4, "pending")
    );
    for job in &started.jobs {
        let job = p.wait_final(&job.id).await;
        assert_eq!(job.status, pb::JobStatus::Succeeded as i32, "{job:?}");
        assert!(job.documents_fetched > 0);
    }
}

#[tokio::test]
async fn a_job_cancelled_while_fetching_stores_nothing_and_its_retry_stores_the_register() {
    let mut p = start(3).await;
    p.sim_admin(
        reqwest::Method::POST,
        "/faults",
        Some(json!({"endpoint": "resumen", "kind": "latency", "ms": 1500, "times": 1})),
    )
    .await;
    let started = p.start_import(vec![pb::Operation::Compra]).await;
    let id = started.jobs[0].id.clone();
    let client = p.client.clone();
    let status_of = |id: &str| {
        let (mut client, id) = (client.clone(), id.to_owned());
        async move {
            client
                .get_import(operator(pb::GetImportRequest { id }))
                .await
                .ok()
                .map(|r| r.into_inner().status)
        }
    };
    ofitec_testkit::wait_until("the job to run", Duration::from_secs(20), || {
        let status = status_of(&id);
        async move { status.await.filter(|s| *s == pb::JobStatus::Running as i32) }
    })
    .await;
    let cancelled = p
        .client
        .cancel_import(operator(pb::GetImportRequest { id: id.clone() }))
        .await
        .expect("a running job is cancelled")
        .into_inner();
    assert_eq!(cancelled.status, pb::JobStatus::Cancelled as i32);
    // The attempt goes on fetching (SII answers after 1.5 s), then finds the job cancelled
    // and rolls its documents back: for a while after that, nothing is stored.
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(status_of(&id).await, Some(pb::JobStatus::Cancelled as i32));
        assert!(
            p.stored(pb::Operation::Compra).await.is_empty(),
            "a cancelled attempt stored documents"
        );
    }
    let err = p
        .client
        .cancel_import(operator(pb::GetImportRequest { id: id.clone() }))
        .await
        .expect_err("a cancelled job is final");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);

    let retried = p
        .client
        .retry_import(operator(pb::GetImportRequest { id: id.clone() }))
        .await
        .expect("a cancelled job is retried")
        .into_inner();
    assert_eq!(retried.status, pb::JobStatus::Queued as i32);
    let done = p.wait_final(&id).await;
    assert_eq!(
        (done.status, done.attempts),
        (pb::JobStatus::Succeeded as i32, 1)
    );
    p.assert_stored_as_served(pb::Operation::Compra).await;
}

#[tokio::test]
async fn a_storage_failure_mid_attempt_hands_the_job_back_and_the_next_attempt_stores_it() {
    use ofitec_platform::db::{DatabaseConfig, Db, DbError};
    let mut p = start_with(3, |c| c.imports.retry_delays_s = vec![3]).await;
    // SII is slow, so the job is still fetching when the documents table goes away.
    p.sim_admin(
        reqwest::Method::POST,
        "/faults",
        Some(json!({"endpoint": "resumen", "kind": "latency", "ms": 1500, "times": 1})),
    )
    .await;
    let raw = Db::connect(
        &DatabaseConfig::new(p._db.url()),
        sii_gateway::store::MIGRATIONS,
    )
    .await
    .unwrap();
    let rename = |from: &'static str, to: &'static str| {
        let raw = raw.clone();
        async move {
            raw.run(move |c| {
                diesel::connection::SimpleConnection::batch_execute(
                    c,
                    &format!("ALTER TABLE {from} RENAME TO {to}"),
                )
                .map_err(DbError::Query)
            })
            .await
            .unwrap();
        }
    };
    let started = p.start_import(vec![pb::Operation::Compra]).await;
    let id = started.jobs[0].id.clone();
    let job = |client: &SiiGatewayClient<Channel>, id: &str| {
        let (mut client, id) = (client.clone(), id.to_owned());
        async move {
            client
                .get_import(operator(pb::GetImportRequest { id }))
                .await
                .ok()
                .map(tonic::Response::into_inner)
        }
    };
    let client = p.client.clone();
    ofitec_testkit::wait_until("the job to run", Duration::from_secs(20), || {
        let get = job(&client, &id);
        async move {
            get.await
                .filter(|j| j.status == pb::JobStatus::Running as i32)
        }
    })
    .await;
    rename("rcv_documents", "rcv_documents_away").await;
    let handed_back = ofitec_testkit::wait_until(
        "the failed attempt to hand the job back",
        Duration::from_secs(20),
        || {
            let get = job(&client, &id);
            async move {
                get.await
                    .filter(|j| j.status == pb::JobStatus::Queued as i32)
            }
        },
    )
    .await;
    rename("rcv_documents_away", "rcv_documents").await;
    assert_eq!(
        (handed_back.last_error_code.as_str(), handed_back.attempts),
        ("database_error", 1)
    );
    let done = p.wait_final(&id).await;
    assert_eq!(
        (done.status, done.attempts),
        (pb::JobStatus::Succeeded as i32, 2)
    );
    p.assert_stored_as_served(pb::Operation::Compra).await;
}

#[tokio::test]
async fn a_watcher_resuming_beyond_the_replay_window_is_told_about_the_gap() {
    let mut p = start_with(3, |c| c.imports.event_window = 3).await;
    let started = p
        .start_import(vec![pb::Operation::Compra, pb::Operation::Venta])
        .await;
    for job in &started.jobs {
        p.wait_final(&job.id).await;
    }
    // The pool prunes every 10 s to the newest 3 events; then a client that last saw event
    // 1 has missed events it cannot be given.
    let client = p.client.clone();
    let (gap, next) = ofitec_testkit::wait_until(
        "old events to be pruned",
        Duration::from_secs(40),
        move || {
            let mut client = client.clone();
            async move {
                let mut stream = client
                    .watch_imports(operator(pb::WatchImportsRequest {
                        after_event_id: 1,
                        ..Default::default()
                    }))
                    .await
                    .ok()?
                    .into_inner();
                let first = stream.next().await?.ok()?;
                if first.kind != "gap" {
                    return None;
                }
                let next = stream.next().await?.ok()?;
                Some((first, next))
            }
        },
    )
    .await;
    assert!(
        gap.id > 1,
        "the gap says where the stream continues: {gap:?}"
    );
    assert!(gap.job.is_none());
    assert!(next.id > gap.id, "retained events follow the gap: {next:?}");
    assert_ne!(next.kind, "gap");

    // Resuming from the gap's id replays what is retained, with no second gap.
    let mut stream = p
        .client
        .watch_imports(operator(pb::WatchImportsRequest {
            after_event_id: gap.id,
            ..Default::default()
        }))
        .await
        .expect("watch")
        .into_inner();
    let first = stream.next().await.expect("an event").expect("event");
    assert_eq!(first.id, next.id);

    // An id beyond every event (a client of a restored database) is a gap too, and the
    // stream goes on from the newest event.
    let mut stream = p
        .client
        .watch_imports(operator(pb::WatchImportsRequest {
            after_event_id: 1_000_000,
            ..Default::default()
        }))
        .await
        .expect("watch")
        .into_inner();
    let first = stream.next().await.expect("an event").expect("event");
    assert_eq!(first.kind, "gap");
    assert!(first.id < 1_000_000 && first.id >= next.id, "{first:?}");
}

/// A counter of the gateway's metrics endpoint.
async fn counter(address: std::net::SocketAddr, name: &str) -> u64 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).await.unwrap();
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0)
}

fn listing(after: &str, offset: u64, limit: u32) -> tonic::Request<pb::ListDocumentsRequest> {
    operator(pb::ListDocumentsRequest {
        company: company().to_string(),
        period: period().to_string(),
        limit,
        offset,
        after: after.to_owned(),
        ..Default::default()
    })
}

#[tokio::test]
async fn cursor_pages_and_the_stream_return_every_stored_document_once_in_order() {
    let mut p = start(3).await;
    p.sim_admin(
        reqwest::Method::PUT,
        "/volume",
        Some(json!({"company": company().to_string(), "period": period().to_string(), "volume": 400})),
    )
    .await;
    p.import_one(pb::Operation::Compra).await;
    p.import_one(pb::Operation::Venta).await;

    let key = |d: &pb::RcvDocument| (d.operation, d.tipo_dte, d.counterpart_rut.clone(), d.folio);
    let mut by_cursor = Vec::new();
    let mut after = String::new();
    let total = loop {
        let page = p
            .client
            .list_documents(listing(&after, 0, 97))
            .await
            .unwrap()
            .into_inner();
        by_cursor.extend(page.documents.iter().map(key));
        if page.next.is_empty() {
            break page.total;
        }
        after = page.next;
    };
    assert!(total > 800, "{total} documents");
    assert_eq!(by_cursor.len() as u64, total, "every document once");
    let mut sorted = by_cursor.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, by_cursor, "in the listing order, none twice");

    let mut streamed = Vec::new();
    let mut pages = p
        .client
        .stream_documents(operator(pb::StreamDocumentsRequest {
            company: company().to_string(),
            period: period().to_string(),
            page_size: 100,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    while let Some(page) = pages.message().await.unwrap() {
        assert!(page.documents.len() <= 100);
        streamed.extend(page.documents.iter().map(key));
    }
    assert_eq!(
        streamed, by_cursor,
        "the stream reads the same documents in the same order"
    );

    // Offsets stay for compatibility, up to 10,000; a cursor is not combined with one and
    // must be one the API returned.
    let by_offset = p
        .client
        .list_documents(listing("", 97, 97))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        by_offset.documents.iter().map(key).collect::<Vec<_>>(),
        by_cursor[97..194]
    );
    for (after, offset, code) in [
        ("", 10_001, ErrorCode::OffsetInvalid),
        ("not-a-cursor", 0, ErrorCode::CursorInvalid),
        (by_offset.next.as_str(), 5, ErrorCode::CursorInvalid),
    ] {
        let refused = p
            .client
            .list_documents(listing(after, offset, 10))
            .await
            .unwrap_err();
        assert_eq!(error_code(&refused), Some(code), "{after} {offset}");
    }
}

#[tokio::test]
async fn a_stream_its_caller_drops_stops_reading_the_period() {
    let mut p = start(3).await;
    p.sim_admin(
        reqwest::Method::PUT,
        "/volume",
        Some(json!({"company": company().to_string(), "period": period().to_string(), "volume": 2000})),
    )
    .await;
    p.import_one(pb::Operation::Venta).await;
    let mut pages = p
        .client
        .stream_documents(operator(pb::StreamDocumentsRequest {
            company: company().to_string(),
            period: period().to_string(),
            page_size: 5,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(pages.message().await.unwrap().is_some());
    drop(pages);
    let metrics = p.metrics;
    ofitec_testkit::wait_until(
        "the gateway to notice",
        Duration::from_secs(10),
        || async move {
            (counter(metrics, "documents_streams_abandoned_total").await == 1).then_some(())
        },
    )
    .await;
    let sent = counter(metrics, "documents_streamed_pages_total").await;
    assert!(
        sent < 20,
        "{sent} of 400 pages read for a caller that left after one"
    );
}

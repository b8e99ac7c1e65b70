//! The real f29-engine over gRPC, reading documents from a stand-in sii-gateway: a real
//! local gRPC server answering ListDocuments (in small pages) and GetSummary from canned
//! documents, and recording the metadata it receives. (End-to-end tests through the real
//! sii-gateway come once it stores documents.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::gateway::{FakeGateway, Seen, UnimplementedGateway, serve_gateway, summarize, to_pb};
use common::start_engine;
use ofitec_core::grpc::status::error_code;
use ofitec_core::grpc::{CallContext, RequestId};
use ofitec_core::identity::{Caller, CompanyScope, Role};
use ofitec_core::rcv::RcvDocument;
use ofitec_proto::f29::v1 as pb;
use ofitec_proto::sii::v1 as sii;
use ofitec_testkit::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::{Code, Request};

struct Harness {
    client: common::Client,
    metrics: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    _database: TestDatabase,
}

async fn start(docs: &[RcvDocument]) -> Harness {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let imports = vec![
        sii::PeriodImportInfo {
            period: "2024-11".into(),
            operation: sii::Operation::Compra as i32,
            last_imported_at: "2024-12-02T10:00:00Z".into(),
            sii_modified_at: "2024-12-01T09:00:00Z".into(),
        },
        sii::PeriodImportInfo {
            period: "2024-11".into(),
            operation: sii::Operation::Venta as i32,
            last_imported_at: "2024-12-02T10:00:00Z".into(),
            sii_modified_at: "2024-12-01T09:00:00Z".into(),
        },
    ];
    let gateway = serve_gateway(FakeGateway {
        documents: docs.iter().map(to_pb).collect(),
        summary: summarize(docs),
        imports,
        seen: seen.clone(),
    })
    .await;
    let (client, metrics, database) = start_engine(gateway).await;
    Harness {
        client,
        metrics,
        seen,
        _database: database,
    }
}

fn key() -> pb::DeclarationKey {
    pb::DeclarationKey {
        company: "76123456-0".into(),
        period: "2024-11".into(),
    }
}

fn worked_inputs() -> pb::DeclarationInputs {
    pb::DeclarationInputs {
        ppm_rate: "0.2".into(),
        honorarios_gross: 100_000,
        honorarios_rate: "13.75".into(),
        impuesto_unico: Some(0),
        previous_remanente: Some(0),
        ..Default::default()
    }
}

fn with_caller<T>(message: T, role: Role, companies: CompanyScope, request_id: &str) -> Request<T> {
    as_user("ana@example.cl", message, role, companies, request_id)
}

fn as_user<T>(
    sub: &str,
    message: T,
    role: Role,
    companies: CompanyScope,
    request_id: &str,
) -> Request<T> {
    CallContext {
        request_id: RequestId(request_id.into()),
        caller: Some(Caller {
            sub: sub.into(),
            role,
            companies,
        }),
    }
    .request(message)
}

fn compute_request(inputs: Option<pb::DeclarationInputs>) -> pb::ComputeRequest {
    pb::ComputeRequest {
        key: Some(key()),
        inputs,
        requested_by: "tests".into(),
    }
}

fn code(d: &pb::Declaration, codigo: i32) -> Option<i64> {
    d.codes.iter().find(|c| c.codigo == codigo).map(|c| c.valor)
}

async fn metrics_text(address: SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).await.unwrap();
    body
}

#[tokio::test]
async fn computes_the_worked_example_from_the_gateway() {
    let (docs, _) = common::worked_example();
    let mut h = start(&docs).await;
    let all = CompanyScope::All;
    let declaration = h
        .client
        .compute(with_caller(
            compute_request(Some(worked_inputs())),
            Role::Operator,
            all,
            "req-42",
        ))
        .await
        .expect("compute")
        .into_inner();
    for (codigo, value) in [
        (503, 2),
        (502, 5_700),
        (510, 1_900),
        (538, 3_800),
        (520, 9_500),
        (525, 38_000),
        (537, 47_500),
        (89, 0),
        (77, 43_700),
        (151, 13_750),
        (563, 20_000),
        (62, 40),
        (91, 13_790),
    ] {
        assert_eq!(code(&declaration, codigo), Some(value), "código {codigo}");
    }
    let rate = declaration.codes.iter().find(|c| c.codigo == 115).unwrap();
    assert_eq!((rate.valor, rate.text.as_str()), (0, "0.2"));
    assert_eq!(declaration.version, 1);
    assert_eq!(declaration.status, pb::DeclarationStatus::Draft as i32);
    assert_eq!(declaration.documents, 5);
    assert_eq!(declaration.computed_by, "ana@example.cl");
    assert!(
        declaration.findings.iter().all(|f| f.severity != "error"),
        "{:?}",
        declaration.findings
    );
    assert_eq!(declaration.transitions.len(), 1);

    // The context travelled to sii-gateway, and the 5 documents came in pages of 2.
    {
        let seen = h.seen.lock().unwrap();
        assert!(
            seen.request_ids.contains("req-42"),
            "{:?}",
            seen.request_ids
        );
        assert!(seen.callers.contains("ana@example.cl"));
        assert_eq!(seen.list_calls, 3);
    }

    // Reading it back, every version, and the export.
    let got = h.client.get_declaration(key()).await.unwrap().into_inner();
    assert_eq!(got, declaration);
    let again = h
        .client
        .compute(compute_request(None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.version, 2);
    assert_eq!(
        again.inputs, declaration.inputs,
        "absent inputs reuse the latest version's"
    );
    assert_eq!(again.computed_by, "tests");
    let versions = h
        .client
        .list_versions(key())
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let export = h
        .client
        .export(pb::ExportRequest {
            key: Some(key()),
            format: "csv".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(export.file_name, "F29_76123456-0_202411.csv");
    assert_eq!(export.content_type, "text/csv; charset=utf-8");
    let golden = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/F29_76123456-0_202411.csv"
    ))
    .unwrap();
    assert_eq!(export.content, golden);
    let bad_format = h
        .client
        .export(pb::ExportRequest {
            key: Some(key()),
            format: "pdf".into(),
        })
        .await
        .expect_err("pdf");
    assert_eq!(error_code(&bad_format), Some("format_invalid"));

    let metrics = metrics_text(h.metrics).await;
    assert!(
        metrics.contains("f29_computations_total{result=\"ok\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("f29_declarations{status=\"draft\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("f29_compute_duration_seconds_count 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_sent_declaration_refuses_recompute() {
    let (docs, _) = common::worked_example();
    let mut h = start(&docs).await;
    h.client
        .compute(compute_request(Some(worked_inputs())))
        .await
        .unwrap();
    let set = |status: pb::DeclarationStatus| {
        let message = pb::SetStatusRequest {
            key: Some(key()),
            status: status as i32,
            by: "ignored: the caller identity wins".into(),
        };
        as_user(
            "bea",
            message,
            Role::Operator,
            CompanyScope::All,
            "r-status",
        )
    };
    let skipped = h
        .client
        .set_status(set(pb::DeclarationStatus::Sent))
        .await
        .expect_err("draft → sent");
    assert_eq!(
        (skipped.code(), error_code(&skipped)),
        (Code::FailedPrecondition, Some("transition_invalid"))
    );
    h.client
        .set_status(set(pb::DeclarationStatus::Ready))
        .await
        .unwrap();
    let sent = h
        .client
        .set_status(set(pb::DeclarationStatus::Sent))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.status, pb::DeclarationStatus::Sent as i32);
    let history: Vec<(i32, String)> = sent
        .transitions
        .iter()
        .map(|t| (t.status, t.by.clone()))
        .collect();
    assert_eq!(
        history,
        vec![
            (pb::DeclarationStatus::Draft as i32, "tests".into()),
            (pb::DeclarationStatus::Ready as i32, "bea".into()),
            (pb::DeclarationStatus::Sent as i32, "bea".into()),
        ]
    );
    assert!(sent.transitions.iter().all(|t| t.at.ends_with('Z')));

    let refused = h
        .client
        .compute(compute_request(None))
        .await
        .expect_err("frozen");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(error_code(&refused), Some("declaration_frozen"));
    let refused = h
        .client
        .set_status(set(pb::DeclarationStatus::Draft))
        .await
        .expect_err("frozen");
    assert_eq!(error_code(&refused), Some("declaration_frozen"));
    let paid = h
        .client
        .set_status(set(pb::DeclarationStatus::Paid))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.status, pb::DeclarationStatus::Paid as i32);
    assert_eq!(
        h.client
            .list_versions(key())
            .await
            .unwrap()
            .into_inner()
            .versions
            .len(),
        1
    );
}

#[tokio::test]
async fn requests_are_validated_and_scoped() {
    let mut h = start(&[]).await;
    let bad_rut = pb::DeclarationKey {
        company: "76123456-1".into(),
        period: "2024-11".into(),
    };
    let err = h.client.get_declaration(bad_rut).await.expect_err("rut");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::InvalidArgument, Some("rut_invalid"))
    );
    let bad_period = pb::DeclarationKey {
        company: "76123456-0".into(),
        period: "2024-13".into(),
    };
    let err = h
        .client
        .get_declaration(bad_period)
        .await
        .expect_err("period");
    assert_eq!(error_code(&err), Some("period_invalid"));
    let err = h
        .client
        .get_declaration(key())
        .await
        .expect_err("nothing computed");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::NotFound, Some("declaration_not_found"))
    );

    let other = ofitec_core::Rut::parse("12345678-5").unwrap();
    let elsewhere = CompanyScope::Only(BTreeSet::from([other]));
    let err = h
        .client
        .get_declaration(with_caller(key(), Role::Admin, elsewhere, "r1"))
        .await
        .expect_err("scope");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::PermissionDenied, Some("forbidden_company"))
    );
    let err = h
        .client
        .compute(with_caller(
            compute_request(None),
            Role::Viewer,
            CompanyScope::All,
            "r2",
        ))
        .await
        .expect_err("viewer");
    assert_eq!(error_code(&err), Some("forbidden_role"));

    let mut bad_inputs = worked_inputs();
    bad_inputs.adjustments = vec![pb::Adjustment {
        codigo: 538,
        delta: 1,
        reason: "x".into(),
    }];
    let err = h
        .client
        .compute(compute_request(Some(bad_inputs)))
        .await
        .expect_err("total");
    assert_eq!(error_code(&err), Some("inputs_invalid"));
    assert!(
        err.message().contains("adjust one of its terms"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn gateway_without_documents_yet_is_unavailable() {
    let gateway = serve_gateway(UnimplementedGateway).await;
    let (mut client, _, _database) = start_engine(gateway).await;
    let err = client
        .compute(compute_request(None))
        .await
        .expect_err("unimplemented");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::Unavailable, Some("sii_gateway_unavailable"))
    );
}

#[tokio::test]
async fn conciliation_lists_differences_with_their_documents() {
    let (docs, _) = common::worked_example();
    let mut h = start(&docs).await;
    h.client
        .compute(compute_request(Some(worked_inputs())))
        .await
        .unwrap();
    let proposal = r#"[{"codigo":"502","valor":"3800"},{"codigo":"538","valor":"1900"},{"codigo":"537","valor":"47500"},{"codigo":"115","valor":"0.2"}]"#;
    let response = h
        .client
        .conciliate(pb::ConciliateRequest {
            key: Some(key()),
            proposal_json: proposal.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let d502 = response
        .differences
        .iter()
        .find(|d| d.codigo == 502)
        .expect("502 differs");
    assert_eq!(
        (d502.source.as_str(), d502.ours, d502.theirs),
        ("proposal", 5_700, 3_800)
    );
    assert_eq!(d502.documents, vec!["33/1/12345678-5", "33/2/12345678-5"]);
    let d538 = response
        .differences
        .iter()
        .find(|d| d.codigo == 538)
        .expect("538 differs");
    assert_eq!(
        d538.documents.len(),
        3,
        "538's terms: two facturas and the NC"
    );
    assert!(
        response
            .differences
            .iter()
            .all(|d| d.codigo != 537 && d.codigo != 115)
    );
    // Códigos SII's proposal lacks are differences too (ours vs 0); the RCV summary agrees.
    assert!(
        response
            .differences
            .iter()
            .any(|d| d.codigo == 525 && d.theirs == 0)
    );
    assert!(
        response.differences.iter().all(|d| d.source == "proposal"),
        "{:?}",
        response.differences
    );

    let err = h
        .client
        .conciliate(pb::ConciliateRequest {
            key: Some(key()),
            proposal_json: "{".into(),
        })
        .await
        .expect_err("bad json");
    assert_eq!(error_code(&err), Some("proposal_invalid"));
}

#[tokio::test]
async fn mappings_are_validated_overridden_and_removed() {
    let mut h = start(&[]).await;
    let shipped = h
        .client
        .get_mapping(pb::GetMappingRequest {
            company: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shipped.source, "shipped");
    assert!(shipped.yaml.contains("Total débitos"));

    let broken = shipped.yaml.replacen("codigo: 502}", "codigo: 9999}", 1);
    let err = h
        .client
        .put_mapping(pb::Mapping {
            company: "76123456-0".into(),
            yaml: broken,
            ..Default::default()
        })
        .await
        .expect_err("invalid");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::InvalidArgument, Some("mapping_invalid"))
    );
    assert!(err.message().contains("line "), "{}", err.message());

    let own = shipped.yaml.replace("Total débitos", "Total de débitos");
    let stored = h
        .client
        .put_mapping(with_caller(
            pb::Mapping {
                company: "76123456-0".into(),
                yaml: own,
                ..Default::default()
            },
            Role::Admin,
            CompanyScope::All,
            "r3",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (stored.source.as_str(), stored.updated_by.as_str()),
        ("company", "ana@example.cl")
    );
    let err = h
        .client
        .put_mapping(with_caller(
            pb::Mapping::default(),
            Role::Operator,
            CompanyScope::All,
            "r4",
        ))
        .await
        .expect_err("operator");
    assert_eq!(error_code(&err), Some("forbidden_role"));

    // The override is what the company's computations use.
    let computed = h
        .client
        .compute(compute_request(Some(worked_inputs())))
        .await
        .unwrap()
        .into_inner();
    let glosa = computed
        .codes
        .iter()
        .find(|c| c.codigo == 538)
        .unwrap()
        .glosa
        .clone();
    assert_eq!(glosa, "Total de débitos");

    let removed = h
        .client
        .put_mapping(pb::Mapping {
            company: "76123456-0".into(),
            yaml: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(removed.source, "shipped");
}

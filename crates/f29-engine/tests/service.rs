//! The real f29-engine over gRPC, reading its documents from the real sii-gateway, which
//! imported them from the real sii-sim (`common::platform`). Expected códigos are worked out
//! in the test from what sii-sim serves (`common::expected`), never copied from the engine.
//! The worked example (docs/reference/f29.md#worked-example) with hand-picked documents is tested
//! on the pure engine (`src/domain/compute_tests.rs`, `tests/exports.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ofitec_domain::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};

use common::expected::{self, Expected};
use common::platform::{Platform, metrics_text};
use f29_engine::grpc::gateway::PAGE_SIZE;
use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument, TransactionType};
use ofitec_platform::grpc::status::error_code;
use ofitec_platform::grpc::{CallContext, RequestId};
use ofitec_proto::f29::v1 as pb;
use tonic::{Code, Request};

fn key() -> pb::DeclarationKey {
    pb::DeclarationKey {
        company: "76123456-0".into(),
        period: "2024-11".into(),
    }
}

/// The inputs `common::expected` assumes.
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

/// Every código against the expectation: the expected ones have their value (a código not
/// shown is 0), and the engine shows nothing the expectation does not know.
fn assert_codes(declaration: &pb::Declaration, expected: &Expected) {
    for (&codigo, &value) in &expected.codes {
        assert_eq!(
            code(declaration, i32::from(codigo)).unwrap_or(0),
            value,
            "código {codigo}"
        );
    }
    for c in &declaration.codes {
        let known = u16::try_from(c.codigo).is_ok_and(|k| expected.codes.contains_key(&k));
        assert!(
            known || c.valor == 0 || c.codigo == 115,
            "código {} = {} was not expected",
            c.codigo,
            c.valor
        );
    }
}

fn has_finding(declaration: &pb::Declaration, code: &str) -> bool {
    declaration.findings.iter().any(|f| f.code == code)
}

#[tokio::test]
async fn computes_the_imported_registers_as_plain_sums_of_what_sii_serves() {
    let mut p = Platform::start().await;
    // More documents than one streamed page holds (1,042 lines at this volume).
    p.set_volume(520).await;
    p.import().await;
    let compras = p.served(Operation::Compra).await;
    let ventas = p.served(Operation::Venta).await;
    let expected = expected::f29(&compras, &ventas);
    let served = (compras.len() + ventas.len()) as u64;
    assert!(
        served > u64::from(PAGE_SIZE),
        "{served} documents do not need two pages"
    );
    // The registers exercise every kind of document the expectation places.
    for codigo in [502, 510, 513, 111, 759, 20, 520, 528, 525, 535, 762, 521] {
        assert_ne!(expected.get(codigo), 0, "sii-sim's data gives no {codigo}");
    }

    let declaration = p
        .engine
        .compute(with_caller(
            compute_request(Some(worked_inputs())),
            Role::Operator,
            CompanyScope::All,
            "req-42",
        ))
        .await
        .expect("compute")
        .into_inner();
    assert_codes(&declaration, &expected);
    // The same documents fed directly to the engine give the same form, código by código.
    let (_, inputs) = common::worked_example();
    let all: Vec<RcvDocument> = compras.iter().chain(ventas.iter()).cloned().collect();
    let (direct, _) = common::compute_default(&all, &inputs);
    for c in &declaration.codes {
        let codigo = u16::try_from(c.codigo).unwrap();
        assert_eq!(c.valor, direct.form.get(codigo), "código {codigo}");
    }
    assert_eq!(direct.documents, served);
    let rate = declaration.codes.iter().find(|c| c.codigo == 115).unwrap();
    assert_eq!((rate.valor, rate.text.as_str()), (0, "0.2"));
    assert_eq!(declaration.version, 1);
    assert_eq!(declaration.status, pb::DeclarationStatus::Draft as i32);
    assert_eq!(
        declaration.documents, served,
        "every stored document was read"
    );
    assert_eq!(declaration.computed_by, "ana@example.cl");
    assert_eq!(declaration.transitions.len(), 1);
    assert!(
        declaration.findings.iter().all(|f| f.severity != "error"),
        "{:?}",
        declaration.findings
    );
    // Both registers were imported, after SII's last change.
    assert!(!has_finding(&declaration, "period_not_imported"));
    assert!(!has_finding(&declaration, "import_outdated"));
    let pending = compras
        .iter()
        .any(|d| d.state == Some(PurchaseState::Pendiente));
    assert_eq!(has_finding(&declaration, "pending_documents"), pending);
    assert_eq!(
        has_finding(&declaration, "unmapped_type"),
        expected.unmapped > 0
    );
    // The documents came in one stream of pages from one snapshot (the gateway refuses calls
    // without the caller, so the stream carried it), not page by page through listings.
    assert_eq!(p.gateway_calls("StreamDocuments").await, 1);
    assert_eq!(p.gateway_calls("ListDocuments").await, 0);

    // Reading it back, every version, and the export.
    let got = p.engine.get_declaration(key()).await.unwrap().into_inner();
    assert_eq!(got, declaration);
    let again = p
        .engine
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
    assert_codes(&again, &expected);
    let versions = p
        .engine
        .list_versions(key())
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let export = p
        .engine
        .export(pb::ExportRequest {
            key: Some(key()),
            format: "csv".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(export.file_name, "F29_76123456-0_202411.csv");
    assert_eq!(export.content_type, "text/csv; charset=utf-8");
    let csv = String::from_utf8(export.content).unwrap();
    assert!(csv.starts_with("codigo;glosa;valor\n"), "{csv}");
    for codigo in [538, 537, 91] {
        let line = format!("\n{codigo};");
        let row = csv[csv.find(&line).expect("código in the export") + 1..]
            .lines()
            .next()
            .unwrap();
        assert!(
            row.ends_with(&format!(";{}", expected.get(codigo))),
            "{row}"
        );
    }
    assert_eq!(csv.lines().count(), again.codes.len() + 1);
    let bad_format = p
        .engine
        .export(pb::ExportRequest {
            key: Some(key()),
            format: "pdf".into(),
        })
        .await
        .expect_err("pdf");
    assert_eq!(error_code(&bad_format), Some(ErrorCode::FormatInvalid));

    let metrics = metrics_text(p.engine_metrics).await;
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
    // The life cycle needs a computation, not particular documents: nothing is imported.
    let mut p = Platform::start().await;
    p.engine
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
    let skipped = p
        .engine
        .set_status(set(pb::DeclarationStatus::Sent))
        .await
        .expect_err("draft → sent");
    assert_eq!(
        (skipped.code(), error_code(&skipped)),
        (Code::FailedPrecondition, Some(ErrorCode::TransitionInvalid))
    );
    p.engine
        .set_status(set(pb::DeclarationStatus::Ready))
        .await
        .unwrap();
    let sent = p
        .engine
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

    let refused = p
        .engine
        .compute(compute_request(None))
        .await
        .expect_err("frozen");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(error_code(&refused), Some(ErrorCode::DeclarationFrozen));
    let refused = p
        .engine
        .set_status(set(pb::DeclarationStatus::Draft))
        .await
        .expect_err("frozen");
    assert_eq!(error_code(&refused), Some(ErrorCode::DeclarationFrozen));
    let paid = p
        .engine
        .set_status(set(pb::DeclarationStatus::Paid))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paid.status, pb::DeclarationStatus::Paid as i32);
    assert_eq!(
        p.engine
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
    let mut p = Platform::start().await;
    let bad_rut = pb::DeclarationKey {
        company: "76123456-1".into(),
        period: "2024-11".into(),
    };
    let err = p.engine.get_declaration(bad_rut).await.expect_err("rut");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::InvalidArgument, Some(ErrorCode::RutInvalid))
    );
    let bad_period = pb::DeclarationKey {
        company: "76123456-0".into(),
        period: "2024-13".into(),
    };
    let err = p
        .engine
        .get_declaration(bad_period)
        .await
        .expect_err("period");
    assert_eq!(error_code(&err), Some(ErrorCode::PeriodInvalid));
    let err = p
        .engine
        .get_declaration(key())
        .await
        .expect_err("nothing computed");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::NotFound, Some(ErrorCode::DeclarationNotFound))
    );

    let other = ofitec_domain::Rut::parse("12345678-5").unwrap();
    let elsewhere = CompanyScope::Only(BTreeSet::from([other]));
    let err = p
        .engine
        .get_declaration(with_caller(key(), Role::Admin, elsewhere, "r1"))
        .await
        .expect_err("scope");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::PermissionDenied, Some(ErrorCode::ForbiddenCompany))
    );
    let err = p
        .engine
        .compute(with_caller(
            compute_request(None),
            Role::Viewer,
            CompanyScope::All,
            "r2",
        ))
        .await
        .expect_err("viewer");
    assert_eq!(error_code(&err), Some(ErrorCode::ForbiddenRole));

    // Refused inputs: 400 `inputs_invalid`, with a message that names the problem.
    let mut refused = async |inputs: pb::DeclarationInputs, names: &str| {
        let err = p
            .engine
            .compute(compute_request(Some(inputs)))
            .await
            .expect_err(names);
        assert_eq!(
            (err.code(), error_code(&err)),
            (Code::InvalidArgument, Some(ErrorCode::InputsInvalid))
        );
        assert!(err.message().contains(names), "{}", err.message());
    };
    let mut bad_inputs = worked_inputs();
    bad_inputs.adjustments = vec![pb::Adjustment {
        codigo: 538,
        delta: 1,
        reason: "x".into(),
    }];
    refused(bad_inputs, "adjust one of its terms").await;
    // An amount no return can hold would overflow the sums: refused, naming the input.
    let mut huge = worked_inputs();
    huge.impuesto_unico = Some(i64::MAX);
    refused(huge, "impuesto_unico").await;
    let mut huge = worked_inputs();
    huge.adjustments = vec![pb::Adjustment {
        codigo: 502,
        delta: i64::MIN,
        reason: "typo".into(),
    }];
    refused(huge, "adjustments[0].delta").await;
    // A withholding given both ways: neither silently wins.
    let mut both = worked_inputs();
    both.honorarios_withholding = Some(1_000);
    refused(both, "not both").await;
    // Nothing was stored by the refused requests.
    let err = p
        .engine
        .get_declaration(key())
        .await
        .expect_err("nothing stored");
    assert_eq!(error_code(&err), Some(ErrorCode::DeclarationNotFound));
}

#[tokio::test]
async fn a_stopped_gateway_is_reported_unavailable() {
    let mut p = Platform::start().await;
    p.engine
        .compute(compute_request(Some(worked_inputs())))
        .await
        .expect("computes while sii-gateway runs");
    p.stop_gateway().await;
    let err = p
        .engine
        .compute(compute_request(None))
        .await
        .expect_err("sii-gateway is down");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::Unavailable, Some(ErrorCode::SiiGatewayUnavailable))
    );
    assert!(err.message().contains("sii-gateway"), "{}", err.message());
    // Nothing was stored from the failed attempt.
    let versions = p
        .engine
        .list_versions(key())
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(versions.len(), 1);
}

/// Keys (`tipo/folio/counterpart`, in key order) of the first 50 sales that `keep` selects.
fn first_keys(ventas: &[RcvDocument], keep: impl Fn(&RcvDocument) -> bool) -> Vec<String> {
    let keys: BTreeSet<_> = ventas.iter().filter(|d| keep(d)).map(|d| d.key()).collect();
    keys.iter().take(50).map(ToString::to_string).collect()
}

/// (register, tipo, state) → (lines, documents, exento, neto, IVA, total) of what SII serves.
type Groups = BTreeMap<(Operation, u16, Option<PurchaseState>), [i64; 6]>;

fn groups(registers: &[&[RcvDocument]]) -> Groups {
    let mut out = Groups::new();
    for d in registers.iter().flat_map(|r| r.iter()) {
        let g = out.entry((d.operation, d.tipo_dte, d.state)).or_default();
        for (slot, v) in g.iter_mut().zip([
            1,
            i64::from(d.document_count),
            d.exento,
            d.neto,
            d.iva,
            d.total,
        ]) {
            *slot += v;
        }
    }
    out
}

#[tokio::test]
async fn conciliation_lists_differences_with_their_documents() {
    let mut p = Platform::start().await;
    p.set_volume(30).await;
    p.import().await;
    let compras = p.served(Operation::Compra).await;
    let ventas = p.served(Operation::Venta).await;
    let expected = expected::f29(&compras, &ventas);
    p.engine
        .compute(compute_request(Some(worked_inputs())))
        .await
        .unwrap();
    // SII proposes another 502 and 538, agrees on 537 and 115, and lacks 503.
    let proposal = serde_json::json!([
        {"codigo": "502", "valor": (expected.get(502) - 1_000).to_string()},
        {"codigo": "538", "valor": (expected.get(538) - 1_000).to_string()},
        {"codigo": "537", "valor": expected.get(537).to_string()},
        {"codigo": "115", "valor": "0.2"},
    ])
    .to_string();
    let conciliate = |proposal: String| pb::ConciliateRequest {
        key: Some(key()),
        proposal_json: proposal,
    };
    let response = p
        .engine
        .conciliate(conciliate(proposal.clone()))
        .await
        .unwrap()
        .into_inner();
    let find = |codigo: i32| {
        response
            .differences
            .iter()
            .find(|d| d.codigo == codigo && d.source == "proposal")
    };
    let d502 = find(502).expect("502 differs");
    assert_eq!(
        (d502.ours, d502.theirs),
        (expected.get(502), expected.get(502) - 1_000)
    );
    // Behind 502: the facturas del giro sold.
    let facturas = |d: &RcvDocument| {
        d.tipo_dte == 33
            && d.transaction_type.unwrap_or(TransactionType::DelGiro) == TransactionType::DelGiro
            && d.iva != 0
    };
    assert_eq!(d502.documents, first_keys(&ventas, facturas));
    // Behind 538: its terms' documents, every sale with IVA but exports, exentas and
    // facturas de compra (notes of credit included).
    let d538 = find(538).expect("538 differs");
    assert_eq!(d538.ours, expected.get(538));
    let with_debit =
        |d: &RcvDocument| matches!(d.tipo_dte, 33 | 39 | 43 | 48 | 56 | 61) && d.iva != 0;
    assert_eq!(d538.documents, first_keys(&ventas, with_debit));
    assert!(find(537).is_none() && find(115).is_none());
    // Códigos SII's proposal lacks are differences too (ours vs 0).
    let d503 = find(503).expect("503 is not in the proposal");
    assert_eq!((d503.ours, d503.theirs), (expected.get(503), 0));
    // Nothing changed since the computation: the RCV summary agrees.
    assert!(
        response.differences.iter().all(|d| d.source == "proposal"),
        "{:?}",
        response.differences
    );

    // SII changes the registers and they are imported again: the types whose totals moved
    // are now differences against the RCV summary.
    p.revise_registers().await;
    p.import().await;
    let changed: BTreeSet<i32> = {
        let before = groups(&[&compras, &ventas]);
        let after = groups(&[
            &p.served(Operation::Compra).await,
            &p.served(Operation::Venta).await,
        ]);
        before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(k) != after.get(k))
            .map(|k| i32::from(k.1))
            .collect()
    };
    assert!(!changed.is_empty(), "the revision changed nothing");
    let response = p
        .engine
        .conciliate(conciliate(proposal))
        .await
        .unwrap()
        .into_inner();
    let summary: BTreeSet<i32> = response
        .differences
        .iter()
        .filter(|d| d.source == "rcv_summary")
        .map(|d| d.tipo_dte)
        .collect();
    assert_eq!(summary, changed);
    // The version says its documents are not those stored now (before the revision it
    // did not: every difference was a proposal one).
    let moved: Vec<&pb::Difference> = response
        .differences
        .iter()
        .filter(|d| d.source == "documents_changed")
        .collect();
    assert_eq!(moved.len(), 1, "{:?}", response.differences);
    assert_eq!(
        moved[0].ours,
        i64::try_from(compras.len() + ventas.len()).unwrap()
    );
    assert!(
        moved[0].message.contains("since version 1"),
        "{}",
        moved[0].message
    );
    // Behind each summary difference: the documents of that register, tipo and state now.
    let now: Vec<RcvDocument> = [
        p.served(Operation::Compra).await,
        p.served(Operation::Venta).await,
    ]
    .concat();
    for d in response
        .differences
        .iter()
        .filter(|d| d.source == "rcv_summary")
    {
        let group: BTreeSet<_> = now
            .iter()
            .filter(|x| {
                i32::from(x.tipo_dte) == d.tipo_dte
                    && x.operation.as_str() == d.operation
                    && x.state.map(|s| s.as_str()).unwrap_or_default() == d.state
            })
            .map(RcvDocument::key)
            .collect();
        let expected: Vec<String> = group.iter().take(50).map(ToString::to_string).collect();
        assert_eq!(d.documents, expected, "{}", d.message);
    }

    let err = p
        .engine
        .conciliate(conciliate("{".into()))
        .await
        .expect_err("bad json");
    assert_eq!(error_code(&err), Some(ErrorCode::ProposalInvalid));
}

#[tokio::test]
async fn mappings_are_validated_overridden_and_removed() {
    let mut p = Platform::start().await;
    let shipped = p
        .engine
        .get_mapping(pb::GetMappingRequest {
            company: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shipped.source, "shipped");
    assert!(shipped.yaml.contains("Total débitos"));

    let broken = shipped.yaml.replacen("codigo: 502}", "codigo: 9999}", 1);
    let err = p
        .engine
        .put_mapping(pb::Mapping {
            company: "76123456-0".into(),
            yaml: broken,
            ..Default::default()
        })
        .await
        .expect_err("invalid");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::InvalidArgument, Some(ErrorCode::MappingInvalid))
    );
    assert!(err.message().contains("line "), "{}", err.message());

    let own = shipped.yaml.replace("Total débitos", "Total de débitos");
    let stored = p
        .engine
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
    let err = p
        .engine
        .put_mapping(with_caller(
            pb::Mapping::default(),
            Role::Operator,
            CompanyScope::All,
            "r4",
        ))
        .await
        .expect_err("operator");
    assert_eq!(error_code(&err), Some(ErrorCode::ForbiddenRole));

    // The override is what the company's computations use.
    let computed = p
        .engine
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

    let removed = p
        .engine
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

fn key_of(period: ofitec_domain::Period) -> pb::DeclarationKey {
    pb::DeclarationKey {
        company: "76123456-0".into(),
        period: period.to_string(),
    }
}

#[tokio::test]
async fn the_uso_comun_factor_is_cumulated_from_january() {
    let mut p = Platform::start().await;
    let month = |m: &str| ofitec_domain::Period::parse(m).unwrap();
    let (january, february, march) = (month("2024-01"), month("2024-02"), month("2024-03"));
    for m in [january, february, march] {
        p.set_volume_of(m, 60).await;
    }
    let compute = |inputs: Option<pb::DeclarationInputs>| pb::ComputeRequest {
        key: Some(key_of(march)),
        inputs,
        requested_by: String::new(),
    };

    // Only March is imported: the factor is cumulated over what exists, and says what lacks.
    p.import_range(march, march).await;
    let compras = p.served_in(march, Operation::Compra).await;
    let ventas = p.served_in(march, Operation::Venta).await;
    assert!(
        expected::counted_purchases(&compras)
            .iter()
            .any(|d| d.transaction_type == Some(TransactionType::IvaUsoComun)
                && d.iva_uso_comun != 0),
        "sii-sim's March has purchases with IVA uso común"
    );
    let first = p
        .engine
        .compute(compute(Some(worked_inputs())))
        .await
        .unwrap()
        .into_inner();
    assert_codes(&first, &expected::f29(&compras, &ventas));
    let warning = first
        .findings
        .iter()
        .find(|f| f.code == "uso_comun_history_incomplete")
        .expect("January and February are missing");
    assert!(
        warning.message.contains("2024-01, 2024-02"),
        "{}",
        warning.message
    );

    // January and February imported: the factor is taxed / total sales of the three months.
    p.import_range(january, february).await;
    let mut split = (0, 0);
    for m in [january, february, march] {
        let (taxed, total) = expected::sales_split(&p.served_in(m, Operation::Venta).await);
        split = (split.0 + taxed, split.1 + total);
    }
    let cumulated = expected::f29_with_sales(&compras, &ventas, split);
    assert_ne!(
        cumulated.get(520),
        expected::f29(&compras, &ventas).get(520),
        "the cumulated factor credits another amount than March's alone"
    );
    let second = p.engine.compute(compute(None)).await.unwrap().into_inner();
    assert_codes(&second, &cumulated);
    assert!(!has_finding(&second, "uso_comun_history_incomplete"));
    assert!(!has_finding(&second, "uso_comun_factor_monthly"));

    // A given factor wins over the sales.
    let mut given = worked_inputs();
    given.iva_uso_comun_factor = "0".into();
    let third = p
        .engine
        .compute(compute(Some(given)))
        .await
        .unwrap()
        .into_inner();
    let uso_comun_credit = cumulated.get(520)
        - compras
            .iter()
            .filter(|d| d.state == Some(PurchaseState::Registro))
            .filter(|d| matches!(d.tipo_dte, 33 | 46))
            .filter(|d| {
                d.transaction_type.unwrap_or(TransactionType::DelGiro) == TransactionType::DelGiro
            })
            .map(|d| d.iva)
            .sum::<i64>();
    assert!(uso_comun_credit > 0);
    assert_eq!(
        code(&third, 520).unwrap_or(0),
        cumulated.get(520) - uso_comun_credit
    );
}

/// A cancelled factura is not a sale: the IVA uso común factor cumulated from sii-gateway's
/// stored sales leaves it out, as this period's own counted sales do.
#[tokio::test]
async fn a_cancelled_factura_does_not_change_the_uso_comun_factor() {
    let mut p = Platform::start().await;
    let mut uso = common::purchase(33, 1, TransactionType::IvaUsoComun, 10_000, 0);
    uso.iva_uso_comun = 1_900;
    uso.total = 11_900;
    let mut exempt = common::sale(34, 2, 0, 0);
    exempt.exento = 1_000;
    exempt.total = 1_000;
    let mut cancelled = common::sale(33, 3, 1_000_000, 190_000);
    cancelled.anulado = true;
    p.load_register(Operation::Compra, &[uso]).await;
    p.load_register(
        Operation::Venta,
        &[common::sale(33, 1, 3_000, 570), exempt, cancelled],
    )
    .await;
    p.import().await;
    assert!(
        p.served(Operation::Venta).await.iter().any(|d| d.anulado),
        "SII lists the cancelled factura"
    );

    let declaration = p
        .engine
        .compute(compute_request(Some(worked_inputs())))
        .await
        .unwrap()
        .into_inner();
    // Cumulated from the stored sales (no month-only fallback), without the cancelled one:
    // 3,000 / 4,000 of 1,900. Counting it would give 1,003,000 / 1,004,000 → 1,898.
    assert!(!has_finding(&declaration, "uso_comun_factor_monthly"));
    assert_eq!(code(&declaration, 520), Some(1_425));
    assert_eq!(code(&declaration, 502), Some(570));
    assert_eq!(code(&declaration, 503), Some(1));
}

#[tokio::test]
async fn a_register_with_absurd_amounts_is_refused_with_a_clear_error_and_nothing_stored() {
    let mut p = Platform::start().await;
    // SII (here sii-sim) lists a factura whose IVA is beyond any real company: the engine
    // must say so instead of overflowing its sums.
    let absurd = common::sale(33, 9, 1_000, 999_999_999_999_999_999);
    p.load_register(Operation::Venta, &[common::sale(33, 1, 3_000, 570), absurd])
        .await;
    p.import().await;
    let err = p
        .engine
        .compute(compute_request(Some(worked_inputs())))
        .await
        .expect_err("absurd amounts");
    assert_eq!(
        ofitec_platform::grpc::status::error_code(&err),
        Some(ErrorCode::AmountsOutOfRange)
    );
    assert!(
        err.message().contains("iva = 999999999999999999"),
        "{}",
        err.message()
    );
    let stored = p
        .engine
        .get_declaration(key())
        .await
        .expect_err("nothing was computed");
    assert_eq!(
        ofitec_platform::grpc::status::error_code(&stored),
        Some(ErrorCode::DeclarationNotFound)
    );
}

/// The shipped mapping without its boletas rule: a company override that drops a type.
fn without_boletas(shipped: &str) -> String {
    let rule = "  - name: boletas\n    operation: venta\n    tipo_dte: [39, 35]\n    count: 110\n    amounts:\n      - {field: iva, codigo: 111}\n      - {field: neto, codigo: 563}\n      - {field: exento, codigo: 563}\n";
    assert!(
        shipped.contains(rule),
        "the shipped mapping has the boletas rule"
    );
    shipped.replacen(rule, "", 1)
}

#[tokio::test]
async fn a_company_override_changes_the_numbers_and_unmapped_types_are_reported() {
    let mut p = Platform::start().await;
    p.set_volume(30).await;
    p.import().await;
    let compras = p.served(Operation::Compra).await;
    let ventas = p.served(Operation::Venta).await;
    let expected = expected::f29(&compras, &ventas);
    let boletas: u64 = ventas
        .iter()
        .filter(|d| matches!(d.tipo_dte, 39 | 35))
        .map(|d| u64::from(d.document_count))
        .sum();
    assert!(boletas > 0 && expected.get(111) > 0, "sii-sim sold boletas");

    let shipped = p
        .engine
        .get_mapping(pb::GetMappingRequest {
            company: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    p.engine
        .put_mapping(pb::Mapping {
            company: "76123456-0".into(),
            yaml: without_boletas(&shipped.yaml),
            ..Default::default()
        })
        .await
        .expect("a valid override");
    // Another company still reads the shipped mapping.
    let other = p
        .engine
        .get_mapping(pb::GetMappingRequest {
            company: "12345678-5".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(other.source, "shipped");

    let declaration = p
        .engine
        .compute(compute_request(Some(worked_inputs())))
        .await
        .unwrap()
        .into_inner();
    // The boletas are out of the form (111, 110 and their net in 563), never silently:
    assert_eq!(code(&declaration, 111), None);
    assert_eq!(code(&declaration, 110), None);
    assert_eq!(
        code(&declaration, 538),
        Some(expected.get(538) - expected.get(111))
    );
    let warning = declaration
        .findings
        .iter()
        .find(|f| f.code == "unmapped_type" && f.message.contains("tipo 39"))
        .expect("an unmapped_type warning for the boletas");
    assert_eq!(warning.severity, "warning");
    let boletas_39: u64 = ventas
        .iter()
        .filter(|d| d.tipo_dte == 39)
        .map(|d| u64::from(d.document_count))
        .sum();
    assert!(
        warning.message.starts_with(&format!("{boletas_39} venta")),
        "{}",
        warning.message
    );
    // … and counted in the metric, by tipo.
    let metrics = metrics_text(p.engine_metrics).await;
    assert!(
        metrics.contains(&format!(
            "f29_unmapped_documents_total{{tipo_dte=\"39\"}} {boletas_39}"
        )),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_missing_utm_month_is_a_clear_error_until_the_table_has_it() {
    // The table is a file the engine re-reads at every computation: adding a month needs no
    // release and no restart.
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("utm.yaml");
    std::fs::write(&table, "\"2024-11\": 66628\n").unwrap();
    let path = table.clone();
    let mut p =
        Platform::start_configured(|_| {}, move |engine| engine.utm_table = Some(path)).await;
    let mut inputs = worked_inputs();
    inputs.previous_remanente = Some(100_000);

    // 2024-10's remanente was filed in November and is used in December's filing.
    let err = p
        .engine
        .compute(compute_request(Some(inputs.clone())))
        .await
        .expect_err("no UTM for 2024-12");
    assert_eq!(
        (err.code(), error_code(&err)),
        (Code::FailedPrecondition, Some(ErrorCode::UtmMissing))
    );
    assert!(err.message().contains("2024-12"), "{}", err.message());
    let versions = p.engine.list_versions(key()).await;
    assert!(versions.is_err(), "nothing was stored");

    // No remanente to carry: no UTM needed.
    let mut no_remanente = inputs.clone();
    no_remanente.previous_remanente = Some(0);
    p.engine
        .compute(compute_request(Some(no_remanente)))
        .await
        .expect("a zero remanente needs no UTM");

    std::fs::write(&table, "\"2024-11\": 66628\n\"2024-12\": 67294\n").unwrap();
    let declaration = p
        .engine
        .compute(compute_request(Some(inputs.clone())))
        .await
        .expect("the month is known now")
        .into_inner();
    // 100,000 / 66,628 = 1.50 UTM (2 decimals) × 67,294 = 100,941.
    assert_eq!(code(&declaration, 504), Some(100_941));
    inputs.remanente_method = "exact".into();
    let exact = p
        .engine
        .compute(compute_request(Some(inputs)))
        .await
        .unwrap()
        .into_inner();
    // 100,000 × 67,294 / 66,628 = 100,999.58… → 101,000.
    assert_eq!(code(&exact, 504), Some(101_000));
}

#[tokio::test]
async fn the_remanente_comes_from_the_stored_previous_declaration() {
    // Nothing is imported: October's only numbers are an adjustment, which leaves a
    // remanente (77) for November.
    let mut p = Platform::start().await;
    let october = key_of(ofitec_domain::Period::parse("2024-10").unwrap());
    let mut october_inputs = worked_inputs();
    october_inputs.adjustments = vec![pb::Adjustment {
        codigo: 520,
        delta: 500_000,
        reason: "factura en papel no registrada en el RCV".into(),
    }];
    let filed = p
        .engine
        .compute(pb::ComputeRequest {
            key: Some(october.clone()),
            inputs: Some(october_inputs),
            requested_by: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(code(&filed, 77), Some(500_000));

    // November gives a different previous_remanente: the stored declaration wins, with a
    // warning, and another one because October is not filed yet.
    let mut inputs = worked_inputs();
    inputs.previous_remanente = Some(1);
    let november = p
        .engine
        .compute(compute_request(Some(inputs)))
        .await
        .unwrap()
        .into_inner();
    // 500,000 / 66,628 (UTM 2024-11) = 7.50 UTM × 67,294 (UTM 2024-12) = 504,705.
    assert_eq!(code(&november, 504), Some(504_705));
    assert_eq!(code(&november, 537), Some(504_705));
    assert!(has_finding(&november, "previous_remanente_input_ignored"));
    assert!(has_finding(&november, "previous_not_filed"));

    for status in [pb::DeclarationStatus::Ready, pb::DeclarationStatus::Sent] {
        p.engine
            .set_status(pb::SetStatusRequest {
                key: Some(october.clone()),
                status: status as i32,
                by: String::new(),
            })
            .await
            .unwrap();
    }
    let again = p
        .engine
        .compute(compute_request(None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(code(&again, 504), Some(504_705));
    assert!(!has_finding(&again, "previous_not_filed"));
}

#[tokio::test]
async fn registers_not_imported_are_flagged_until_imported() {
    let mut p = Platform::start().await;
    p.set_volume(20).await;
    let never = p
        .engine
        .compute(compute_request(Some(worked_inputs())))
        .await
        .unwrap()
        .into_inner();
    let not_imported: Vec<&str> = never
        .findings
        .iter()
        .filter(|f| f.code == "period_not_imported")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(not_imported.len(), 2, "{not_imported:?}");
    assert!(not_imported.iter().any(|m| m.contains("purchases")));
    assert!(not_imported.iter().any(|m| m.contains("sales")));

    p.import().await;
    let fresh = p
        .engine
        .compute(compute_request(None))
        .await
        .unwrap()
        .into_inner();
    assert!(!has_finding(&fresh, "period_not_imported"));
    assert!(!has_finding(&fresh, "import_outdated"));

    // SII changes the sales register after both were imported (SII states the time in
    // Chilean local time, to the second); the sales are imported again, and the purchases,
    // imported before SII's last change, are outdated.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let sales = p.served(Operation::Venta).await;
    let changed_at = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Santiago)
        .format("%d/%m/%Y %H:%M:%S")
        .to_string();
    p.load_register_changed_at(Operation::Venta, &sales, &changed_at)
        .await;
    p.import_registers(common::period(), common::period(), &[Operation::Venta])
        .await;
    let outdated = p
        .engine
        .compute(compute_request(None))
        .await
        .unwrap()
        .into_inner();
    let messages: Vec<&str> = outdated
        .findings
        .iter()
        .filter(|f| f.code == "import_outdated")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(messages.len(), 1, "{:?}", outdated.findings);
    assert!(messages[0].contains("purchases"), "{messages:?}");

    // Importing the purchases again clears it.
    p.import_registers(common::period(), common::period(), &[Operation::Compra])
        .await;
    let current = p
        .engine
        .compute(compute_request(None))
        .await
        .unwrap()
        .into_inner();
    assert!(
        !has_finding(&current, "import_outdated"),
        "{:?}",
        current.findings
    );
}

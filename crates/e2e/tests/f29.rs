//! The F29 over HTTP as the frontend uses it: import the RCV through edge-api, compute the
//! declaration, read it, export it in every format, reconcile it, move it through its life
//! and manage the mapping — the real edge-api, f29-engine, sii-gateway and sii-sim.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::collections::BTreeMap;
use std::time::Duration;

use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_e2e::{Platform, Running};
use ofitec_platform::grpc::{CallContext, RequestId};
use ofitec_proto::f29::v1 as pb;
use ofitec_proto::f29::v1::f29_engine_client::F29EngineClient;
use ofitec_testkit::TestDatabase;
use serde_json::{Value, json};

const COMPANY: &str = "76123456-0";
const OTHER_COMPANY: &str = "12345678-5";
const PERIOD: &str = "2024-11";

/// The platform with an f29-engine that reads its documents from the platform's own
/// sii-gateway, and an edge-api in front of it.
struct Rig {
    platform: Platform,
    f29: Running,
    edge: Running,
    _database: TestDatabase,
}

impl Rig {
    async fn start() -> Rig {
        let platform = Platform::start().await;
        let database = TestDatabase::new();
        let app = f29_engine::Application::build(
            f29_engine::Config::for_tests(database.url())
                .with_sii_gateway(platform.sii_gateway.url()),
        )
        .await
        .expect("build f29-engine");
        let f29 = Running::start(app.address(), app);
        let app = edge_api::Application::build(edge_api::Config::for_tests(
            platform.sii_gateway.url(),
            f29.url(),
            platform.backup_agent.url(),
        ))
        .await
        .expect("build edge-api");
        let edge = Running::start(app.address(), app);
        Rig {
            platform,
            f29,
            edge,
            _database: database,
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api{path}", self.edge.url())
    }

    fn token(&self, sub: &str, role: Role, companies: &[&str]) -> String {
        self.platform.token(sub, role, companies)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .request(method, self.api(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        json_of(self.send(reqwest::Method::GET, path, token, None).await).await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        json_of(
            self.send(reqwest::Method::POST, path, token, Some(body))
                .await,
        )
        .await
    }

    async fn put(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        json_of(
            self.send(reqwest::Method::PUT, path, token, Some(body))
                .await,
        )
        .await
    }

    /// Imports both registers of the period through edge-api and waits for the jobs.
    async fn import(&self, token: &str) {
        let (status, accepted) = self
            .post(
                "/sii/rcv/import",
                token,
                json!({"company": COMPANY, "year": 2024, "month": 11}),
            )
            .await;
        assert_eq!(status, 202, "{accepted}");
        let jobs: Vec<String> = accepted["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(jobs.len(), 2, "one job per register: {accepted}");
        for id in jobs {
            let job =
                ofitec_testkit::wait_until("the import to finish", Duration::from_secs(60), || {
                    let path = format!("/sii/imports/{id}");
                    async move {
                        let (_, job) = self.get(&path, token).await;
                        (job["status"] != "queued" && job["status"] != "running").then_some(job)
                    }
                })
                .await;
            assert_eq!(job["status"], "succeeded", "{job}");
        }
    }

    /// The declaration as f29-engine itself answers it over gRPC.
    async fn grpc_declaration(&self) -> pb::Declaration {
        let mut client = F29EngineClient::connect(self.f29.url())
            .await
            .expect("connect f29-engine");
        let context = CallContext {
            request_id: RequestId("e2e-f29".to_owned()),
            caller: Some(Caller {
                sub: "auditor".to_owned(),
                role: Role::Viewer,
                companies: CompanyScope::All,
            }),
        };
        client
            .get_declaration(context.request(pb::DeclarationKey {
                company: COMPANY.to_owned(),
                period: PERIOD.to_owned(),
            }))
            .await
            .expect("GetDeclaration")
            .into_inner()
    }
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// código → value text of an HTTP declaration.
fn codes(declaration: &Value) -> BTreeMap<i64, String> {
    declaration["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| {
            (
                c["codigo"].as_i64().unwrap(),
                c["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn valor(declaration: &Value, codigo: i64) -> i64 {
    declaration["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["codigo"] == codigo)
        .map_or(0, |c| c["valor"].as_i64().unwrap())
}

fn path(suffix: &str) -> String {
    format!("/f29/{COMPANY}/{PERIOD}{suffix}")
}

/// Σ `field` of the stored summary rows of one register, tipo DTE and (purchase) state.
fn summary_sum(
    summary: &Value,
    operation: &str,
    tipo: i64,
    state: Option<&str>,
    field: &str,
) -> i64 {
    summary["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| {
            r["operation"] == operation
                && r["tipo_dte"] == tipo
                && state.is_none_or(|s| r["state"] == s)
        })
        .map(|r| r[field].as_i64().unwrap())
        .sum()
}

async fn export(rig: &Rig, token: &str, format: &str) -> (u16, String, String, String) {
    let response = rig
        .send(
            reqwest::Method::GET,
            &path(&format!("/export?format={format}")),
            token,
            None,
        )
        .await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status().as_u16();
    (
        status,
        content_type,
        disposition,
        response.text().await.expect("body"),
    )
}

#[tokio::test]
async fn a_declaration_is_computed_from_the_imported_rcv_read_exported_and_filed() {
    let rig = Rig::start().await;
    let operator = rig.token("ana", Role::Operator, &[COMPANY]);
    let viewer = rig.token("vera", Role::Viewer, &[COMPANY]);
    let stranger = rig.token("eve", Role::Admin, &[OTHER_COMPANY]);

    // Nothing computed yet.
    let (status, body) = rig.get(&path(""), &viewer).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("declaration_not_found")),
        "{body}"
    );

    rig.import(&operator).await;
    let inputs = json!({"ppm_rate": "0.125", "impuesto_unico": 0, "honorarios_withholding": 0});

    // Computing needs the operator role and the company.
    let (status, body) = rig
        .post(&path("/compute"), &viewer, json!({"inputs": inputs}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_role"))
    );
    let (status, body) = rig
        .post(&path("/compute"), &stranger, json!({"inputs": inputs}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_company"))
    );
    let (status, body) = rig
        .post(
            &path("/compute"),
            &operator,
            json!({"inputs": {"ppm_rate": "abc"}}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("inputs_invalid")),
        "{body}"
    );

    // A remanente is readjusted with the UTM of both filing months; a month the UTM table
    // does not have (2099 never will) is a clear 409, never a zero.
    let (status, body) = rig
        .post(
            &format!("/f29/{COMPANY}/2099-01/compute"),
            &operator,
            json!({"inputs": {"previous_remanente": 1000}}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("utm_missing")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("2099"),
        "{body}"
    );

    let (status, computed) = rig
        .post(&path("/compute"), &operator, json!({"inputs": inputs}))
        .await;
    assert_eq!(status, 200, "{computed}");
    assert_eq!(computed["company"], COMPANY);
    assert_eq!(computed["period"], PERIOD);
    assert_eq!(computed["version"], 1);
    assert_eq!(computed["status"], "draft");
    assert_eq!(computed["computed_by"], "ana");
    assert_eq!(computed["inputs"]["ppm_rate"], "0.125");
    // Every number can be explained: the document groups behind the declaration are the
    // stored register's, group for group.
    let groups = computed["explanation"]["groups"]
        .as_array()
        .expect("groups");
    let (status, summary) = rig
        .get(
            &format!("/sii/summary?company={COMPANY}&period={PERIOD}"),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{summary}");
    let stored = summary["rows"].as_array().expect("summary rows");
    assert_eq!(groups.len(), stored.len(), "{groups:?} vs {stored:?}");
    let count = |rows: &[Value], field: &str| -> i64 {
        rows.iter().map(|r| r[field].as_i64().unwrap()).sum()
    };
    assert_eq!(count(groups, "documents"), count(stored, "count"));
    assert_eq!(count(groups, "total"), count(stored, "total"));

    // The same numbers f29-engine itself answers.
    let grpc = rig.grpc_declaration().await;
    let grpc_codes: BTreeMap<i64, String> = grpc
        .codes
        .iter()
        .map(|c| (i64::from(c.codigo), c.text.clone()))
        .collect();
    assert_eq!(codes(&computed), grpc_codes);
    assert_eq!(computed["documents"], grpc.documents);
    assert_eq!(
        computed["findings"].as_array().unwrap().len(),
        grpc.findings.len()
    );

    // And the numbers the stored RCV summary gives, peso for peso.
    let (status, summary) = rig
        .get(
            &format!("/sii/summary?company={COMPANY}&period={PERIOD}"),
            &viewer,
        )
        .await;
    assert_eq!(status, 200, "{summary}");
    let sales = |tipo, field| summary_sum(&summary, "venta", tipo, None, field);
    let registered = |tipo, field| summary_sum(&summary, "compra", tipo, Some("REGISTRO"), field);
    assert_eq!(valor(&computed, 111), sales(39, "iva"), "débito boletas");
    assert_eq!(valor(&computed, 110), sales(39, "count"));
    assert_eq!(
        valor(&computed, 759),
        sales(48, "iva"),
        "débito comprobantes de pago"
    );
    assert_eq!(valor(&computed, 758), sales(48, "count"));
    assert_eq!(
        valor(&computed, 513),
        sales(56, "iva"),
        "débito notas de débito"
    );
    assert_eq!(valor(&computed, 512), sales(56, "count"));
    assert_eq!(valor(&computed, 142), sales(34, "exento"), "ventas exentas");
    assert_eq!(valor(&computed, 20), sales(110, "exento"), "exportaciones");
    assert_eq!(
        valor(&computed, 502) + valor(&computed, 764) + valor(&computed, 717),
        sales(33, "iva"),
        "facturas emitidas split by transaction type"
    );
    assert_eq!(
        valor(&computed, 503) + valor(&computed, 763) + valor(&computed, 716),
        sales(33, "count")
    );
    assert_eq!(
        valor(&computed, 510) + valor(&computed, 734),
        sales(61, "iva"),
        "notas de crédito emitidas"
    );
    assert_eq!(
        valor(&computed, 532),
        registered(56, "iva"),
        "notas de débito recibidas"
    );
    assert_eq!(valor(&computed, 531), registered(56, "count"));
    assert_eq!(valor(&computed, 535), registered(914, "iva"), "DIN");
    assert!(valor(&computed, 538) > 0);
    assert_eq!(
        valor(&computed, 538) - valor(&computed, 537),
        valor(&computed, 89) - valor(&computed, 77)
    );
    // Purchases in PENDIENTE are not counted, and the declaration says so.
    let findings = computed["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "pending_documents" && f["severity"] == "warning"),
        "{findings:?}"
    );
    assert!(
        findings.iter().all(|f| f["severity"] == "warning"),
        "{findings:?}"
    );

    // Read back: the latest version; `{}` recomputes with the latest inputs.
    let (status, latest) = rig.get(&path(""), &viewer).await;
    assert_eq!(status, 200, "{latest}");
    assert_eq!(codes(&latest), codes(&computed));
    let (status, body) = rig.get(&path(""), &stranger).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_company"))
    );
    let (status, again) = rig.post(&path("/compute"), &operator, json!({})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["version"], 2);
    assert_eq!(again["inputs"]["ppm_rate"], "0.125");
    assert_eq!(codes(&again), codes(&computed));
    let (status, versions) = rig.get(&path("/versions"), &viewer).await;
    assert_eq!(status, 200, "{versions}");
    let numbers: Vec<i64> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![2, 1]);

    // Exports: the right type, an attachment named F29_<rut>_<yyyymm>.<ext>, the same values.
    let (status, content_type, disposition, csv) = export(&rig, &viewer, "csv").await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(
        disposition,
        "attachment; filename=\"F29_76123456-0_202411.csv\""
    );
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("codigo;glosa;valor"));
    let from_csv: BTreeMap<i64, String> = lines
        .map(|line| {
            let fields: Vec<&str> = line.split(';').collect();
            (
                fields[0].parse().unwrap(),
                fields[fields.len() - 1].to_owned(),
            )
        })
        .collect();
    assert_eq!(from_csv, codes(&computed));
    let (status, content_type, disposition, text) = export(&rig, &viewer, "json").await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(
        disposition,
        "attachment; filename=\"F29_76123456-0_202411.json\""
    );
    let document: Value = serde_json::from_str(&text).expect("JSON export");
    assert_eq!(document["company"], COMPANY);
    assert_eq!(document["period"], PERIOD);
    assert_eq!(document["version"], 2);
    let (status, content_type, disposition, xml) = export(&rig, &viewer, "xml").await;
    assert_eq!((status, content_type.as_str()), (200, "application/xml"));
    assert_eq!(
        disposition,
        "attachment; filename=\"F29_76123456-0_202411.xml\""
    );
    assert!(
        xml.contains("<F29 periodo=\"202411\" rut=\"76123456-0\" estado=\"draft\" version=\"2\">"),
        "{xml}"
    );
    assert!(xml.contains(&format!(">{}</Codigo>", valor(&computed, 538))));
    let (status, content_type, disposition, proposal) = export(&rig, &viewer, "proposal").await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(
        disposition,
        "attachment; filename=\"F29_76123456-0_202411.proposal.json\""
    );
    let (status, _, _, text) = export(&rig, &viewer, "pdf").await;
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("format_invalid")),
        "{text}"
    );

    // Reconciliation: a fresh import agrees with SII's summary; our own proposal agrees; a
    // proposal with one código changed shows exactly that difference.
    let (status, answer) = rig.post(&path("/conciliate"), &viewer, json!({})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["agrees"], true, "{answer}");
    let mut theirs: Value = serde_json::from_str(&proposal).expect("proposal JSON");
    let (status, answer) = rig
        .post(
            &path("/conciliate"),
            &viewer,
            json!({"proposal": theirs.clone()}),
        )
        .await;
    assert_eq!((status, &answer["agrees"]), (200, &json!(true)), "{answer}");
    let debits = valor(&computed, 538);
    for line in theirs.as_array_mut().unwrap() {
        if line["codigo"] == 538 {
            line["valor"] = json!((debits + 1000).to_string());
        }
    }
    let (status, answer) = rig
        .post(&path("/conciliate"), &viewer, json!({"proposal": theirs}))
        .await;
    assert_eq!(status, 200, "{answer}");
    let differences = answer["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1, "{answer}");
    assert_eq!(differences[0]["source"], "proposal");
    assert_eq!(differences[0]["codigo"], 538);
    assert_eq!(differences[0]["ours"], debits.to_string());
    assert_eq!(differences[0]["theirs"], (debits + 1000).to_string());
    // With the documents behind 538: the sales that moved its terms ("tipo/folio/rut").
    let behind = differences[0]["documents"].as_array().unwrap();
    assert!(!behind.is_empty() && behind.len() <= 50, "{answer}");
    assert!(
        behind.iter().all(|k| {
            let key = k.as_str().unwrap_or_default();
            ["33/", "39/", "43/", "48/", "56/", "61/"]
                .iter()
                .any(|t| key.starts_with(t))
        }),
        "{answer}"
    );
    let (status, body) = rig
        .post(
            &path("/conciliate"),
            &viewer,
            json!({"proposal": "not json"}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("proposal_invalid")),
        "{body}"
    );

    // Life cycle: draft → ready → sent → paid, recorded with who; frozen once sent.
    let status_to = |to: &str| json!({"status": to});
    let (status, body) = rig
        .post(&path("/status"), &operator, status_to("sent"))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("transition_invalid")),
        "{body}"
    );
    let (status, body) = rig
        .post(&path("/status"), &operator, status_to("filed"))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("status_invalid")),
        "{body}"
    );
    let (status, body) = rig
        .post(&path("/status"), &viewer, status_to("ready"))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_role"))
    );
    for to in ["ready", "sent"] {
        let (status, body) = rig.post(&path("/status"), &operator, status_to(to)).await;
        assert_eq!((status, &body["status"]), (200, &json!(to)), "{body}");
    }
    let (status, body) = rig.post(&path("/compute"), &operator, json!({})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("declaration_frozen")),
        "{body}"
    );
    let (status, body) = rig
        .post(&path("/status"), &operator, status_to("draft"))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("declaration_frozen")),
        "{body}"
    );
    let (status, paid) = rig
        .post(&path("/status"), &operator, status_to("paid"))
        .await;
    assert_eq!((status, &paid["status"]), (200, &json!("paid")), "{paid}");
    let history: Vec<(&str, &str)> = paid["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["status"].as_str().unwrap(), t["by"].as_str().unwrap()))
        .filter(|(s, _)| *s != "draft")
        .collect();
    assert_eq!(
        history,
        vec![("ready", "ana"), ("sent", "ana"), ("paid", "ana")]
    );
    assert_eq!(
        codes(&paid),
        codes(&computed),
        "filing never changes the numbers"
    );
}

#[tokio::test]
async fn the_mapping_is_for_administrators_validated_and_scoped() {
    let rig = Rig::start().await;
    let admin = rig.token("root", Role::Admin, &["*"]);
    let company_admin = rig.token("carla", Role::Admin, &[COMPANY]);
    let operator = rig.token("ana", Role::Operator, &["*"]);
    let stranger = rig.token("eve", Role::Admin, &[OTHER_COMPANY]);

    let (status, body) = rig.get("/f29/mapping", &operator).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_role"))
    );
    let (status, shipped) = rig.get("/f29/mapping", &admin).await;
    assert_eq!(status, 200, "{shipped}");
    assert_eq!(shipped["source"], "shipped");
    assert!(shipped.get("company").is_none_or(Value::is_null));
    let yaml = shipped["yaml"].as_str().unwrap().to_owned();
    assert!(yaml.contains("codigos:") && yaml.contains("rules:"));

    // A wrong document is refused, naming what is wrong.
    let (status, body) = rig
        .put(
            "/f29/mapping",
            &company_admin,
            json!({"company": COMPANY, "yaml": "version: 1\ncodigos: {99999: {glosa: x}}\nrules: []\n"}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("mapping_invalid")),
        "{body}"
    );
    // The message names the line (and the path) of the problem.
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("line 2"), "{body}");

    // A company override, by the company's administrator.
    let (status, stored) = rig
        .put(
            "/f29/mapping",
            &company_admin,
            json!({"company": COMPANY, "yaml": yaml}),
        )
        .await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["source"], "company");
    assert_eq!(stored["company"], COMPANY);
    assert_eq!(stored["updated_by"], "carla");
    let (status, read) = rig
        .get(&format!("/f29/mapping?company={COMPANY}"), &company_admin)
        .await;
    assert_eq!(
        (status, &read["source"]),
        (200, &json!("company")),
        "{read}"
    );
    let (status, body) = rig
        .get(&format!("/f29/mapping?company={COMPANY}"), &stranger)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_company"))
    );
    let (status, body) = rig
        .put(
            "/f29/mapping",
            &stranger,
            json!({"company": COMPANY, "yaml": ""}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_company"))
    );
    // Everyone's default needs access to every company.
    let (status, body) = rig
        .put("/f29/mapping", &company_admin, json!({"yaml": yaml}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_company")),
        "{body}"
    );
    let (status, body) = rig.put("/f29/mapping", &admin, json!({"yaml": yaml})).await;
    assert_eq!(
        (status, &body["source"]),
        (200, &json!("default")),
        "{body}"
    );

    // Empty documents remove what is stored: the company falls back to the default, then
    // everyone to the shipped mapping.
    let (status, body) = rig
        .put(
            "/f29/mapping",
            &company_admin,
            json!({"company": COMPANY, "yaml": ""}),
        )
        .await;
    assert_eq!(
        (status, &body["source"]),
        (200, &json!("default")),
        "{body}"
    );
    let (status, body) = rig.put("/f29/mapping", &admin, json!({"yaml": ""})).await;
    assert_eq!(
        (status, &body["source"]),
        (200, &json!("shipped")),
        "{body}"
    );
}

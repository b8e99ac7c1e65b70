//! gRPC between services over mutual TLS when certificates are configured.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::Path;
use std::time::Duration;

use ofitec_domain::identity::Role;
use ofitec_e2e::Running;
use ofitec_platform::grpc::tls::{ClientTls, ServerTls};
use ofitec_testkit::TestDatabase;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    /// A CA, a server certificate for 127.0.0.1/localhost and two client certificates: one
    /// from the CA, one from a stranger CA.
    fn new() -> Pki {
        let dir = tempfile::tempdir().expect("dir");
        let (ca_pem, ours) = ca("ofitec test CA");
        let (_, stranger) = ca("stranger CA");
        write(dir.path(), "ca.pem", &ca_pem);
        leaf(
            dir.path(),
            "server",
            &ours,
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        leaf(
            dir.path(),
            "client",
            &ours,
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        leaf(
            dir.path(),
            "stranger",
            &stranger,
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        Pki { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn client(&self, who: &str) -> ClientTls {
        ClientTls {
            ca_file: self.path("ca.pem"),
            cert_file: self.path(&format!("{who}.pem")),
            key_file: self.path(&format!("{who}.key")),
            domain: Some("localhost".to_owned()),
        }
    }
}

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("self-signed");
    (cert.pem(), Issuer::new(params, key))
}

fn leaf(dir: &Path, name: &str, issuer: &Issuer<'static, KeyPair>, usage: ExtendedKeyUsagePurpose) {
    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages.push(usage);
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, issuer).expect("signed");
    write(dir, &format!("{name}.pem"), &cert.pem());
    write(dir, &format!("{name}.key"), &key.serialize_pem());
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write pem");
}

async fn health_of_gateway(edge: &Running) -> (u16, serde_json::Value) {
    let token = ofitec_e2e::token("ops", Role::Viewer, &["*"]);
    let response = reqwest::Client::new()
        .get(format!("{}/api/health", edge.url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("health");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn edge_with(gateway: &str, tls: Option<ClientTls>) -> Running {
    let mut config =
        edge_api::Config::for_tests(gateway.to_owned(), gateway.to_owned(), gateway.to_owned());
    config.services.tls = tls;
    let app = edge_api::Application::build(config)
        .await
        .expect("edge-api");
    Running::start(app.address(), app)
}

#[tokio::test]
async fn only_clients_with_a_certificate_from_our_ca_reach_internal_services() {
    let pki = Pki::new();
    let db = TestDatabase::new();
    let mut config = sii_gateway::Config::for_tests(db.url());
    config.grpc.tls = Some(ServerTls {
        cert_file: pki.path("server.pem"),
        key_file: pki.path("server.key"),
        client_ca_file: pki.path("ca.pem"),
    });
    let app = sii_gateway::Application::build(config)
        .await
        .expect("gateway");
    let gateway = Running::start(app.address(), app);
    let url = format!("https://localhost:{}", gateway.address.port());

    let trusted = edge_with(&url, Some(pki.client("client"))).await;
    let body = ofitec_testkit::wait_until(
        "gateway serving over mTLS",
        Duration::from_secs(10),
        || async {
            let (_, body) = health_of_gateway(&trusted).await;
            (body["services"][0]["status"] == "SERVING").then_some(body)
        },
    )
    .await;
    assert_eq!(body["services"][0]["name"], "sii-gateway");

    let stranger = edge_with(&url, Some(pki.client("stranger"))).await;
    let (_, body) = health_of_gateway(&stranger).await;
    assert_eq!(
        body["services"][0]["status"], "UNREACHABLE",
        "a certificate from another CA is refused: {body}"
    );

    let plaintext = edge_with(
        &format!("http://127.0.0.1:{}", gateway.address.port()),
        None,
    )
    .await;
    let (_, body) = health_of_gateway(&plaintext).await;
    assert_eq!(
        body["services"][0]["status"], "UNREACHABLE",
        "plaintext is refused: {body}"
    );
}

#[tokio::test]
async fn a_missing_certificate_file_stops_start_up_with_its_path() {
    let db = TestDatabase::new();
    let mut config = sii_gateway::Config::for_tests(db.url());
    config.grpc.tls = Some(ServerTls {
        cert_file: "/nonexistent/server.pem".into(),
        key_file: "/nonexistent/server.key".into(),
        client_ca_file: "/nonexistent/ca.pem".into(),
    });
    let err = sii_gateway::Application::build(config)
        .await
        .err()
        .map(|e| format!("{e:#}"));
    assert!(
        err.as_deref()
            .is_some_and(|e| e.contains("/nonexistent/server.pem")),
        "{err:?}"
    );
}

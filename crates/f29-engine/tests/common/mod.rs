//! Shared by the integration tests: the worked example of docs/reference/f29.md#worked-example as
//! documents and inputs (for the pure engine), and the real platform the service tests run on.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

pub mod expected;
pub mod platform;

use f29_engine::domain::compute::{Computation, compute};
use f29_engine::domain::context::Context;
use f29_engine::domain::inputs::Inputs;
use f29_engine::domain::mapping::Mapping;
use f29_engine::domain::options::ComputeOptions;
use f29_engine::domain::utm::UtmTable;
use ofitec_domain::identity::{Caller, CompanyScope, Role};
use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument, TransactionType};
use ofitec_domain::{Period, Rut};
use ofitec_platform::grpc::metadata::CALLER_SUB;
use ofitec_platform::grpc::{CallContext, RequestId};
use ofitec_proto::f29::v1::f29_engine_client::F29EngineClient;
use ofitec_testkit::TestDatabase;
use std::net::SocketAddr;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Request, Status};

/// What adds the default caller to requests that carry none.
pub type DefaultCaller = fn(Request<()>) -> Result<Request<()>, Status>;

/// A client of the engine that identifies as `tests` (admin, every company) unless a
/// request names its own caller: internal services refuse calls without one.
pub type Client = F29EngineClient<InterceptedService<Channel, DefaultCaller>>;

fn default_caller(mut request: Request<()>) -> Result<Request<()>, Status> {
    if request.metadata().get(CALLER_SUB).is_none() {
        CallContext {
            request_id: RequestId::generate(),
            caller: Some(Caller {
                sub: "tests".into(),
                role: Role::Admin,
                companies: CompanyScope::All,
            }),
        }
        .apply(request.metadata_mut());
    }
    Ok(request)
}

pub fn company() -> Rut {
    Rut::parse("76123456-0").unwrap()
}

pub fn period() -> Period {
    Period::parse("2024-11").unwrap()
}

pub fn supplier() -> Rut {
    Rut::parse("12345678-5").unwrap()
}

pub fn sale(tipo: u16, folio: i64, neto: i64, iva: i64) -> RcvDocument {
    let mut d = RcvDocument::new(
        company(),
        period(),
        Operation::Venta,
        tipo,
        Some(supplier()),
        folio,
    );
    d.transaction_type = Some(TransactionType::DelGiro);
    d.neto = neto;
    d.iva = iva;
    d.total = neto + iva;
    d
}

pub fn purchase(tipo: u16, folio: i64, tx: TransactionType, neto: i64, iva: i64) -> RcvDocument {
    let mut d = RcvDocument::new(
        company(),
        period(),
        Operation::Compra,
        tipo,
        Some(supplier()),
        folio,
    );
    d.state = Some(PurchaseState::Registro);
    d.transaction_type = Some(tx);
    d.neto = neto;
    d.iva = iva;
    d.total = neto + iva;
    d
}

/// The worked example of docs/reference/f29.md#worked-example, on the tests' company and period.
pub fn worked_example() -> (Vec<RcvDocument>, Inputs) {
    f29_engine::domain::example::worked_example(company(), period(), supplier())
}

/// Computes `docs` with the shipped mapping, default options and table.
pub fn compute_default(docs: &[RcvDocument], inputs: &Inputs) -> (Computation, Mapping) {
    compute_for(period(), docs, inputs)
}

/// Computes `docs` of `period` with the shipped mapping, default options and table, as the
/// service does when no previous declaration and no sales history exist.
pub fn compute_for(
    period: Period,
    docs: &[RcvDocument],
    inputs: &Inputs,
) -> (Computation, Mapping) {
    let mapping = Mapping::default_mapping().unwrap();
    let options = ComputeOptions::default();
    let utm = UtmTable::shipped().unwrap();
    let computation = compute(
        docs,
        &Context {
            period,
            mapping: &mapping,
            options: &options,
            inputs,
            utm: &utm,
            previous: None,
            sales_history: None,
        },
    )
    .unwrap();
    (computation, mapping)
}

/// The real engine on port 0, reading documents from the sii-gateway at `gateway`, with its
/// test configuration adjusted by `adjust`.
pub async fn start_engine_with(
    gateway: SocketAddr,
    adjust: impl FnOnce(&mut f29_engine::Config),
) -> (Client, SocketAddr, TestDatabase) {
    let database = TestDatabase::new();
    let mut config =
        f29_engine::Config::for_tests(database.url()).with_sii_gateway(format!("http://{gateway}"));
    adjust(&mut config);
    let app = f29_engine::Application::build(config)
        .await
        .expect("engine builds");
    let (address, metrics) = (app.address(), app.metrics_address());
    tokio::spawn(app.run_until_stopped());
    let channel = Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .expect("engine reachable");
    let client = F29EngineClient::with_interceptor(channel, default_caller as DefaultCaller);
    (client, metrics, database)
}

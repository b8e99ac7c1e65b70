//! A stand-in sii-gateway: a real local gRPC server answering ListDocuments (in small
//! pages) and GetSummary from canned documents, recording the metadata it receives.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use ofitec_core::grpc::metadata::{CALLER_SUB, REQUEST_ID};
use ofitec_core::rcv::{Operation, PurchaseState, RcvDocument};
use ofitec_proto::sii::v1 as sii;
use ofitec_proto::sii::v1::sii_gateway_server::{SiiGateway, SiiGatewayServer};
use tonic::{Request, Response, Status};

/// Largest page the stand-in serves, so pagination is exercised.
pub const PAGE: usize = 2;

#[derive(Default)]
pub struct Seen {
    pub request_ids: BTreeSet<String>,
    pub callers: BTreeSet<String>,
    pub list_calls: usize,
}

pub struct FakeGateway {
    pub documents: Vec<sii::RcvDocument>,
    pub summary: Vec<sii::SummaryRow>,
    pub imports: Vec<sii::PeriodImportInfo>,
    pub seen: Arc<Mutex<Seen>>,
}

fn record<T>(seen: &Mutex<Seen>, request: &Request<T>) {
    let get = |k: &str| {
        request
            .metadata()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut seen = seen.lock().unwrap();
    seen.request_ids.extend(get(REQUEST_ID));
    seen.callers.extend(get(CALLER_SUB));
}

#[tonic::async_trait]
impl SiiGateway for FakeGateway {
    async fn list_documents(
        &self,
        request: Request<sii::ListDocumentsRequest>,
    ) -> Result<Response<sii::ListDocumentsResponse>, Status> {
        record(&self.seen, &request);
        self.seen.lock().unwrap().list_calls += 1;
        let r = request.into_inner();
        let matching: Vec<&sii::RcvDocument> = self
            .documents
            .iter()
            .filter(|d| d.company == r.company && d.period == r.period)
            .collect();
        let page = matching
            .iter()
            .skip(r.offset as usize)
            .take(PAGE.min(r.limit as usize))
            .map(|d| (*d).clone())
            .collect();
        Ok(Response::new(sii::ListDocumentsResponse {
            documents: page,
            total: matching.len() as u64,
        }))
    }

    async fn get_summary(
        &self,
        request: Request<sii::GetSummaryRequest>,
    ) -> Result<Response<sii::GetSummaryResponse>, Status> {
        record(&self.seen, &request);
        Ok(Response::new(sii::GetSummaryResponse {
            rows: self.summary.clone(),
            imports: self.imports.clone(),
        }))
    }
}

/// A gateway that implements nothing: what sii-gateway answers today.
pub struct UnimplementedGateway;

#[tonic::async_trait]
impl SiiGateway for UnimplementedGateway {}

pub fn to_pb(d: &RcvDocument) -> sii::RcvDocument {
    sii::RcvDocument {
        company: d.company.to_string(),
        period: d.period.to_string(),
        operation: match d.operation {
            Operation::Compra => sii::Operation::Compra,
            Operation::Venta => sii::Operation::Venta,
        } as i32,
        tipo_dte: i32::from(d.tipo_dte),
        counterpart_rut: d.counterpart.map(|r| r.to_string()).unwrap_or_default(),
        folio: d.folio,
        state: match d.state {
            Some(PurchaseState::Registro) => sii::PurchaseState::Registro,
            Some(PurchaseState::Pendiente) => sii::PurchaseState::Pendiente,
            Some(PurchaseState::NoIncluir) => sii::PurchaseState::NoIncluir,
            Some(PurchaseState::Reclamado) => sii::PurchaseState::Reclamado,
            None => sii::PurchaseState::Unspecified,
        } as i32,
        transaction_type: d.transaction_type.map_or(0, |t| i32::from(t.code())),
        exento: d.exento,
        neto: d.neto,
        iva: d.iva,
        total: d.total,
        activo_fijo_neto: d.activo_fijo_neto,
        activo_fijo_iva: d.activo_fijo_iva,
        document_count: d.document_count,
        ..Default::default()
    }
}

/// Summary rows as sii-gateway would total `docs`.
pub fn summarize(docs: &[RcvDocument]) -> Vec<sii::SummaryRow> {
    let mut rows: Vec<sii::SummaryRow> = Vec::new();
    for d in docs.iter().map(to_pb) {
        match rows
            .iter_mut()
            .find(|r| r.operation == d.operation && r.tipo_dte == d.tipo_dte && r.state == d.state)
        {
            Some(r) => {
                r.count += u64::from(d.document_count);
                r.exento += d.exento;
                r.neto += d.neto;
                r.iva += d.iva;
                r.total += d.total;
            }
            None => rows.push(sii::SummaryRow {
                period: d.period.clone(),
                operation: d.operation,
                tipo_dte: d.tipo_dte,
                state: d.state,
                count: u64::from(d.document_count),
                exento: d.exento,
                neto: d.neto,
                iva: d.iva,
                total: d.total,
            }),
        }
    }
    rows
}

pub async fn serve_gateway<S: SiiGateway>(gateway: S) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(SiiGatewayServer::new(gateway))
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );
    address
}

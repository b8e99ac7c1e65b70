//! The `ofitec.sii.v1.SiiGateway` gRPC service: thin handlers that check the caller, convert
//! the wire types and call the import machinery or the store.
//!
//! * `rows`: the gateway's own rows on the wire (the shared vocabulary is converted by
//!   `ofitec_proto::convert`).
//! * `events`: the import logic's events on the wire.
//! * `token`: token status, manual session, synchronous fetch.
//! * `imports`: start, get, list, retry, cancel and watch import jobs.
//! * `documents`: stored documents and summaries.

mod cursor;
mod documents;
mod errors;
pub mod events;
mod imports;
pub mod rows;
mod token;

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use ofitec_proto::sii::v1 as pb;
use ofitec_proto::sii::v1::sii_gateway_server::SiiGateway;
use tonic::{Request, Response, Status};

use crate::imports::Imports;

/// Serves the gateway contract.
#[derive(Debug, Clone)]
pub struct GatewayService {
    imports: Arc<Imports>,
}

impl GatewayService {
    /// A service over the import machinery (which holds the database and the SII client).
    pub fn new(imports: Arc<Imports>) -> GatewayService {
        GatewayService { imports }
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::ImportEvent, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl SiiGateway for GatewayService {
    type WatchImportsStream = EventStream;

    async fn get_token_status(
        &self,
        request: Request<pb::GetTokenStatusRequest>,
    ) -> Result<Response<pb::TokenStatus>, Status> {
        token::status(&self.imports, request).map(Response::new)
    }

    async fn set_manual_session(
        &self,
        request: Request<pb::SetManualSessionRequest>,
    ) -> Result<Response<pb::TokenStatus>, Status> {
        token::set_manual(&self.imports, request).map(Response::new)
    }

    async fn fetch_rcv(
        &self,
        request: Request<pb::FetchRcvRequest>,
    ) -> Result<Response<pb::FetchRcvResponse>, Status> {
        token::fetch(&self.imports, request)
            .await
            .map(Response::new)
    }

    async fn start_import(
        &self,
        request: Request<pb::StartImportRequest>,
    ) -> Result<Response<pb::StartImportResponse>, Status> {
        imports::start(&self.imports, request)
            .await
            .map(Response::new)
    }

    async fn get_import(
        &self,
        request: Request<pb::GetImportRequest>,
    ) -> Result<Response<pb::ImportJob>, Status> {
        imports::get(&self.imports, request)
            .await
            .map(Response::new)
    }

    async fn list_imports(
        &self,
        request: Request<pb::ListImportsRequest>,
    ) -> Result<Response<pb::ListImportsResponse>, Status> {
        imports::list(&self.imports, request)
            .await
            .map(Response::new)
    }

    async fn retry_import(
        &self,
        request: Request<pb::GetImportRequest>,
    ) -> Result<Response<pb::ImportJob>, Status> {
        imports::retry(&self.imports, request)
            .await
            .map(Response::new)
    }

    async fn cancel_import(
        &self,
        request: Request<pb::GetImportRequest>,
    ) -> Result<Response<pb::ImportJob>, Status> {
        imports::cancel(&self.imports, request)
            .await
            .map(Response::new)
    }

    async fn watch_imports(
        &self,
        request: Request<pb::WatchImportsRequest>,
    ) -> Result<Response<Self::WatchImportsStream>, Status> {
        imports::watch(&self.imports, request)
            .await
            .map(Response::new)
    }

    async fn list_documents(
        &self,
        request: Request<pb::ListDocumentsRequest>,
    ) -> Result<Response<pb::ListDocumentsResponse>, Status> {
        documents::list(&self.imports, request)
            .await
            .map(Response::new)
    }

    type StreamDocumentsStream = documents::PageStream;

    async fn stream_documents(
        &self,
        request: Request<pb::StreamDocumentsRequest>,
    ) -> Result<Response<Self::StreamDocumentsStream>, Status> {
        documents::stream(&self.imports, request)
            .await
            .map(Response::new)
    }

    async fn get_summary(
        &self,
        request: Request<pb::GetSummaryRequest>,
    ) -> Result<Response<pb::GetSummaryResponse>, Status> {
        documents::summary(&self.imports, request)
            .await
            .map(Response::new)
    }
}

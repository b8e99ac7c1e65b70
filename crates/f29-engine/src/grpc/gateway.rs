//! The client of sii-gateway: documents (`ListDocuments`, paginated) and stored totals with
//! import facts (`GetSummary`). The channel connects lazily, so the engine starts while
//! sii-gateway is down; every call carries the incoming request's id and caller.

use std::time::Duration;

use anyhow::Context as _;
use ofitec_domain::rcv::RcvDocument;
use ofitec_domain::{Period, Rut};
use ofitec_platform::grpc::CallContext;
use ofitec_proto::convert::ConvertError;
use ofitec_proto::sii::v1 as sii;
use ofitec_proto::sii::v1::sii_gateway_client::SiiGatewayClient;
use tonic::transport::{Channel, Endpoint};

/// Documents asked per page (sii-gateway caps it on its side too).
pub const PAGE_SIZE: u32 = 1_000;
/// How often a listing is restarted when the total changes under it (an import running).
const ATTEMPTS: usize = 3;

/// What fetching from sii-gateway can fail with.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Not reachable, too slow, or the method is not implemented there yet.
    #[error("sii-gateway is unavailable for {call}: {message}")]
    Unavailable {
        /// Which call.
        call: &'static str,
        /// Why.
        message: String,
    },
    /// sii-gateway answered with an error.
    #[error("sii-gateway refused {call}: {status:?} {message}")]
    Failed {
        /// Which call.
        call: &'static str,
        /// Its gRPC code.
        status: tonic::Code,
        /// Its message.
        message: String,
    },
    /// A document could not be read.
    #[error("sii-gateway sent an unreadable document ({what}): {source}")]
    BadDocument {
        /// Which document (`tipo/folio`).
        what: String,
        /// What is wrong.
        source: ConvertError,
    },
    /// The documents kept changing while being listed.
    #[error(
        "the documents of {company} {period} changed while being read ({attempts} attempts); an import is probably running, try again when it ends"
    )]
    Unstable {
        /// Company.
        company: Rut,
        /// Period.
        period: Period,
        /// Attempts made.
        attempts: usize,
    },
}

fn classify(call: &'static str, status: tonic::Status) -> GatewayError {
    use tonic::Code;
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Unimplemented | Code::Cancelled => {
            GatewayError::Unavailable {
                call,
                message: format!("{:?}: {}", status.code(), status.message()),
            }
        }
        code => GatewayError::Failed {
            call,
            status: code,
            message: status.message().to_owned(),
        },
    }
}

/// A lazily connected sii-gateway client.
#[derive(Debug, Clone)]
pub struct Gateway {
    channel: Channel,
}

impl Gateway {
    /// Prepares a lazy channel to `url`; nothing is dialled until the first call.
    pub fn connect_lazy(url: &str, timeout: Duration) -> anyhow::Result<Gateway> {
        let endpoint = Endpoint::from_shared(url.to_owned())
            .with_context(|| format!("invalid sii_gateway URL `{url}`"))?
            .connect_timeout(Duration::from_secs(2))
            .timeout(timeout)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_while_idle(true);
        Ok(Gateway {
            channel: endpoint.connect_lazy(),
        })
    }

    fn client(&self) -> SiiGatewayClient<Channel> {
        // Pages of 1,000 documents with every amount can exceed tonic's 4 MiB default.
        SiiGatewayClient::new(self.channel.clone()).max_decoding_message_size(64 * 1024 * 1024)
    }

    /// Every stored document (both registers, vanished ones excluded) of the period.
    pub async fn documents(
        &self,
        context: &CallContext,
        company: Rut,
        period: Period,
    ) -> Result<Vec<RcvDocument>, GatewayError> {
        for _ in 0..ATTEMPTS {
            if let Some(docs) = self.list_once(context, company, period).await? {
                return Ok(docs);
            }
        }
        Err(GatewayError::Unstable {
            company,
            period,
            attempts: ATTEMPTS,
        })
    }

    /// One full listing; `None` when the total changed between pages.
    async fn list_once(
        &self,
        context: &CallContext,
        company: Rut,
        period: Period,
    ) -> Result<Option<Vec<RcvDocument>>, GatewayError> {
        let mut client = self.client();
        let mut documents = Vec::new();
        let mut expected: Option<u64> = None;
        loop {
            let request = context.request(sii::ListDocumentsRequest {
                company: company.to_string(),
                period: period.to_string(),
                operation: sii::Operation::Unspecified as i32,
                tipo_dte: 0,
                state: sii::PurchaseState::Unspecified as i32,
                limit: PAGE_SIZE,
                offset: documents.len() as u64,
                include_vanished: false,
            });
            let page = client
                .list_documents(request)
                .await
                .map_err(|s| classify("ListDocuments", s))?
                .into_inner();
            match expected {
                None => expected = Some(page.total),
                Some(total) if total != page.total => return Ok(None),
                Some(_) => {}
            }
            let received = page.documents.len();
            for doc in page.documents {
                let what = format!("{}/{}", doc.tipo_dte, doc.folio);
                let doc = RcvDocument::try_from(doc)
                    .map_err(|source| GatewayError::BadDocument { what, source })?;
                documents.push(doc);
            }
            let total = expected.unwrap_or(0);
            if received == 0 || documents.len() as u64 >= total {
                return Ok((documents.len() as u64 == total).then_some(documents));
            }
        }
    }

    /// Stored totals and import facts: of `period`, or of every period when `None`.
    pub async fn summary(
        &self,
        context: &CallContext,
        company: Rut,
        period: Option<Period>,
    ) -> Result<sii::GetSummaryResponse, GatewayError> {
        let request = context.request(sii::GetSummaryRequest {
            company: company.to_string(),
            period: period.map(|p| p.to_string()).unwrap_or_default(),
        });
        Ok(self
            .client()
            .get_summary(request)
            .await
            .map_err(|s| classify("GetSummary", s))?
            .into_inner())
    }
}

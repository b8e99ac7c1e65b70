//! The client of sii-gateway: a period's documents (`StreamDocuments`, pages from one
//! snapshot, with a deadline sized from the period's count) and stored totals with import
//! facts (`GetSummary`). The channel connects lazily, so the engine starts while
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

/// Documents per streamed page (sii-gateway caps it on its side too).
pub const PAGE_SIZE: u32 = 1_000;
/// Deadline margin per document of a period read (see [`Gateway::read_deadline`]).
const PER_DOCUMENT: Duration = Duration::from_micros(50);

/// Documents a period holds according to its stored totals (summary lines count as the
/// documents they stand for, so this bounds the lines from above).
pub fn expected_documents(summary: &sii::GetSummaryResponse) -> u64 {
    summary.rows.iter().map(|row| row.count).sum()
}

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
    /// The ordinary deadline (`sii_gateway_timeout_ms`).
    timeout: Duration,
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
            timeout,
        })
    }

    fn client(&self) -> SiiGatewayClient<Channel> {
        // Pages of 1,000 documents with every amount can exceed tonic's 4 MiB default.
        SiiGatewayClient::new(self.channel.clone()).max_decoding_message_size(64 * 1024 * 1024)
    }

    /// How long reading a period of `expected` documents may take: the ordinary deadline
    /// plus a margin per document (a 200,000-document period reads in about a second; the
    /// margin is ten times that), so a large company is not cut off and a stuck read of a
    /// small one is.
    pub fn read_deadline(&self, expected: u64) -> Duration {
        self.timeout + PER_DOCUMENT * u32::try_from(expected).unwrap_or(u32::MAX)
    }

    /// Every stored document (both registers, vanished ones excluded) of the period, read
    /// from one snapshot in pages (`StreamDocuments`). `expected` (the period's document
    /// count, from the summary) sizes the deadline; past it the stream is dropped, which
    /// stops the gateway's reading too.
    pub async fn documents(
        &self,
        context: &CallContext,
        company: Rut,
        period: Period,
        expected: u64,
    ) -> Result<Vec<RcvDocument>, GatewayError> {
        let deadline = self.read_deadline(expected);
        let read = async {
            let request = context.request(sii::StreamDocumentsRequest {
                company: company.to_string(),
                period: period.to_string(),
                operation: sii::Operation::Unspecified as i32,
                include_vanished: false,
                page_size: PAGE_SIZE,
            });
            let mut pages = self
                .client()
                .stream_documents(request)
                .await
                .map_err(|s| classify("StreamDocuments", s))?
                .into_inner();
            let mut documents = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
            while let Some(page) = pages
                .message()
                .await
                .map_err(|s| classify("StreamDocuments", s))?
            {
                for doc in page.documents {
                    let what = format!("{}/{}", doc.tipo_dte, doc.folio);
                    let doc = RcvDocument::try_from(doc)
                        .map_err(|source| GatewayError::BadDocument { what, source })?;
                    documents.push(doc);
                }
            }
            Ok(documents)
        };
        tokio::time::timeout(deadline, read)
            .await
            .unwrap_or_else(|_| {
                Err(GatewayError::Unavailable {
                    call: "StreamDocuments",
                    message: format!("the period's documents were not read within {deadline:?}"),
                })
            })
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

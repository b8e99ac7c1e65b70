//! Conciliate: the latest version against SII's RCV summary (per register, tipo and state:
//! SII's own `getResumen` totals as sii-gateway kept them at the last import) and, when
//! given, SII's proposal. The documents behind each
//! difference are today's documents, explained with the mapping the version used; when they
//! are not the documents the version was computed from (the fingerprints differ), the first
//! difference says so (`documents_changed`).

use ofitec_domain::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};

use ofitec_domain::identity::Role;
use ofitec_domain::rcv::{DocumentKey, Operation, PurchaseState};
use ofitec_platform::grpc::status;
use ofitec_proto::f29::v1 as pb;
use tonic::{Request, Status};

use super::convert::{difference_to_pb, reconciliation_rows};
use super::gateway::expected_documents;
use super::{F29EngineService, errors, guard};
use crate::domain::compute::contributions;
use crate::domain::fingerprint::fingerprint;
use crate::domain::mapping::Mapping;
use crate::domain::reconcile::{
    compare_documents, compare_proposal, compare_summary, parse_proposal,
};
use crate::store::{self, StoreError, declarations};

/// Conciliate.
pub async fn conciliate(
    service: &F29EngineService,
    request: Request<pb::ConciliateRequest>,
) -> Result<pb::ConciliateResponse, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let (company, period) = guard::key(message.key.as_ref())?;
    guard::allow(&context, Some(company), Role::Viewer)?;
    let proposal = if message.proposal_json.trim().is_empty() {
        None
    } else {
        Some(
            parse_proposal(&message.proposal_json)
                .map_err(|e| status::error(ErrorCode::ProposalInvalid, e.to_string()))?,
        )
    };
    let inner = &service.inner;
    let declaration = store::run(&inner.db, move |conn| {
        declarations::get(conn, company, period)
    })
    .await
    .map_err(errors::store)?
    .ok_or_else(|| {
        errors::store(StoreError::NotFound {
            company: company.to_string(),
            period: period.to_string(),
        })
    })?;
    let mapping = Mapping::parse(&declaration.latest.mapping)
        .map_err(|e| status::internal("the version's stored mapping", &e))?;

    // The summary first: its count sizes the deadline of the documents' read.
    let summary = inner
        .gateway
        .summary(&context, company, Some(period))
        .await
        .map_err(errors::gateway)?;
    let documents = inner
        .gateway
        .documents(&context, company, period, expected_documents(&summary))
        .await
        .map_err(errors::gateway)?;

    let mut by_group: BTreeMap<(Operation, u16, Option<PurchaseState>), BTreeSet<DocumentKey>> =
        BTreeMap::new();
    for doc in &documents {
        by_group
            .entry((doc.operation, doc.tipo_dte, doc.state))
            .or_default()
            .insert(doc.key());
    }
    // A version computed before fingerprints existed cannot tell; it says nothing.
    let mut differences: Vec<_> = declaration
        .latest
        .details
        .documents_fingerprint
        .as_ref()
        .and_then(|then| {
            compare_documents(declaration.latest.version, then, &fingerprint(&documents))
        })
        .into_iter()
        .collect();
    differences.extend(compare_summary(
        &declaration.latest.details.groups,
        &reconciliation_rows(&summary, period),
        &by_group,
    ));
    if let Some(theirs) = proposal {
        let direct = contributions(&documents, &mapping);
        differences.extend(compare_proposal(
            &declaration.latest.codes,
            &theirs,
            &mapping,
            &direct,
        ));
    }
    Ok(pb::ConciliateResponse {
        differences: differences.iter().map(difference_to_pb).collect(),
    })
}

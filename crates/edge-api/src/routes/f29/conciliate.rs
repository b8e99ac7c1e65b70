//! `POST /api/f29/{company}/{period}/conciliate`: the latest version against SII.

use actix_web::{HttpResponse, post, web};
use ofitec_proto::f29::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::key;
use crate::auth::{Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// SII's proposal, when there is one to compare with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"proposal": [{"codigo": 538, "valor": "5700"}, {"codigo": 89, "valor": "1900"}]}))]
pub struct ConciliateBody {
    /// SII's proposal `[{codigo, valor}]` (values as strings or numbers), or that JSON pasted
    /// as one string. Absent: only SII's RCV summary is compared.
    #[schema(value_type = Option<Object>)]
    pub proposal: Option<serde_json::Value>,
}

/// One difference.
#[derive(Debug, Serialize, ToSchema)]
pub struct DifferenceBody {
    /// `proposal` (a código differs from SII's proposal), `rcv_summary` (a tipo DTE
    /// differs from SII's RCV summary) or `documents_changed` (the stored documents differ
    /// from those the version was computed from: compute again).
    pub source: String,
    /// Código (proposal differences).
    pub codigo: Option<i32>,
    /// Tipo DTE (summary differences).
    pub tipo_dte: Option<i32>,
    /// Register of a summary difference: `compra` or `venta`.
    pub operation: Option<String>,
    /// Purchase state of a summary difference.
    pub state: Option<String>,
    /// What differs: `valor`, or `documents`, `exento`, `neto`, `iva`, `total`.
    pub field: String,
    /// Our value (exact text; rates too).
    pub ours: String,
    /// SII's value.
    pub theirs: String,
    /// Documents behind it: `tipo/folio/counterpart` (at most 50).
    pub documents: Vec<String>,
    /// Explanation.
    pub message: String,
}

/// The reconciliation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConciliateAnswer {
    /// Whether nothing differs.
    pub agrees: bool,
    /// Every difference.
    pub differences: Vec<DifferenceBody>,
}

fn some(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn text(text: String, value: i64) -> String {
    if text.is_empty() {
        value.to_string()
    } else {
        text
    }
}

impl From<pb::Difference> for DifferenceBody {
    fn from(d: pb::Difference) -> DifferenceBody {
        DifferenceBody {
            source: d.source,
            codigo: (d.codigo != 0).then_some(d.codigo),
            tipo_dte: (d.tipo_dte != 0).then_some(d.tipo_dte),
            operation: some(d.operation),
            state: some(d.state),
            field: d.field,
            ours: text(d.ours_text, d.ours),
            theirs: text(d.theirs_text, d.theirs),
            documents: d.documents,
            message: d.message,
        }
    }
}

/// Compare the latest version with SII's RCV summary and, when given, SII's proposal; list
/// every difference with the documents behind it.
#[utoipa::path(
    operation_id = "conciliateDeclaration",
    tag = "f29",
    params(
        ("company" = String, Path, description = "Company RUT"),
        ("period" = String, Path, description = "Period `YYYY-MM`"),
    ),
    request_body = ConciliateBody,
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "The differences (none: the declaration agrees)", body = ConciliateAnswer),
        (status = 400, description = "Invalid company, period or proposal (`proposal_invalid`)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 404, description = "Nothing computed yet (`declaration_not_found`)", body = ErrorBody),
        (status = 503, description = "f29-engine or sii-gateway unavailable", body = ErrorBody),
    )
)]
#[post("/f29/{company}/{period}/conciliate")]
pub async fn post(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<ConciliateBody>,
) -> Result<HttpResponse, ApiError> {
    let key = key::declaration(&auth, path.into_inner())?;
    let proposal_json = match body.into_inner().proposal {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(pasted)) => pasted,
        Some(value) => value.to_string(),
    };
    let answer = state
        .upstreams
        .f29_long()
        .conciliate(auth.context().request(pb::ConciliateRequest {
            key: Some(key),
            proposal_json,
        }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    Ok(HttpResponse::Ok().json(ConciliateAnswer {
        agrees: answer.differences.is_empty(),
        differences: answer
            .differences
            .into_iter()
            .map(DifferenceBody::from)
            .collect(),
    }))
}

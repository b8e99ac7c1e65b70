//! A declaration as the API answers it, and the status names on the wire enum.

use ofitec_domain::ErrorCode;
use ofitec_proto::f29::v1 as pb;
use serde::Serialize;
use utoipa::ToSchema;

use super::inputs::InputsBody;
use crate::error::ApiError;

/// `draft`, `ready`, `sent`, `paid`.
pub fn status_name(value: i32) -> &'static str {
    match pb::DeclarationStatus::try_from(value) {
        Ok(pb::DeclarationStatus::Draft) => "draft",
        Ok(pb::DeclarationStatus::Ready) => "ready",
        Ok(pb::DeclarationStatus::Sent) => "sent",
        Ok(pb::DeclarationStatus::Paid) => "paid",
        _ => "unknown",
    }
}

/// A status name from `field` (any case).
pub fn status_from_name(field: &str, text: &str) -> Result<pb::DeclarationStatus, ApiError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "draft" => Ok(pb::DeclarationStatus::Draft),
        "ready" => Ok(pb::DeclarationStatus::Ready),
        "sent" => Ok(pb::DeclarationStatus::Sent),
        "paid" => Ok(pb::DeclarationStatus::Paid),
        other => Err(ApiError::new(
            ErrorCode::StatusInvalid,
            format!("{field}: `{other}` is not draft, ready, sent or paid"),
        )
        .with_field(field)),
    }
}

/// One código of the form.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeBody {
    /// Código number.
    #[schema(example = 538)]
    pub codigo: i32,
    /// Official glosa.
    pub glosa: String,
    /// Pesos (or a count); 0 for the rate código 115, whose value is in `text`.
    pub valor: i64,
    /// The value exactly as the exports write it (`"5700"`, `"0.125"`).
    pub text: String,
}

/// A validation finding.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingBody {
    /// Stable code (`pending_documents`, `unmapped_type`, `missing_input`, …).
    pub code: String,
    /// Human message.
    pub message: String,
    /// Código concerned.
    pub codigo: Option<i32>,
    /// `error` (blocks `ready`) or `warning`.
    pub severity: String,
}

/// A status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionBody {
    /// Status entered.
    pub status: &'static str,
    /// Who.
    pub by: String,
    /// When, RFC 3339.
    pub at: String,
}

/// One version of a declaration.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclarationBody {
    /// Company RUT.
    #[schema(example = "76123456-0")]
    pub company: String,
    /// Period `YYYY-MM`.
    #[schema(example = "2024-11")]
    pub period: String,
    /// Version number, from 1.
    pub version: u32,
    /// `draft`, `ready`, `sent` or `paid`.
    pub status: &'static str,
    /// Every código with a value, by código.
    pub codes: Vec<CodeBody>,
    /// Inputs this version used.
    pub inputs: InputsBody,
    /// Validation findings (errors and warnings).
    pub findings: Vec<FindingBody>,
    /// Status history.
    pub transitions: Vec<TransitionBody>,
    /// When computed, RFC 3339.
    pub computed_at: String,
    /// Who computed it.
    pub computed_by: String,
    /// Documents considered.
    pub documents: u64,
    /// How the numbers were obtained: `options`, `uso_comun` (factor and the sales behind
    /// it), `remanente` (previous 77, its source, the UTMs and method, the resulting 504) and
    /// `groups` (documents and sums per operation, tipo DTE and state).
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

impl From<pb::Declaration> for DeclarationBody {
    fn from(d: pb::Declaration) -> DeclarationBody {
        let key = d.key.unwrap_or_default();
        DeclarationBody {
            company: key.company,
            period: key.period,
            version: d.version,
            status: status_name(d.status),
            codes: d
                .codes
                .into_iter()
                .map(|c| CodeBody {
                    codigo: c.codigo,
                    glosa: c.glosa,
                    valor: c.valor,
                    text: c.text,
                })
                .collect(),
            inputs: d.inputs.map(InputsBody::from).unwrap_or_default(),
            findings: d
                .findings
                .into_iter()
                .map(|f| FindingBody {
                    code: f.code,
                    message: f.message,
                    codigo: (f.codigo != 0).then_some(f.codigo),
                    severity: f.severity,
                })
                .collect(),
            transitions: d
                .transitions
                .into_iter()
                .map(|t| TransitionBody {
                    status: status_name(t.status),
                    by: t.by,
                    at: t.at,
                })
                .collect(),
            computed_at: d.computed_at,
            computed_by: d.computed_by,
            documents: d.documents,
            explanation: serde_json::from_str(&d.explanation_json)
                .unwrap_or(serde_json::Value::Null),
        }
    }
}

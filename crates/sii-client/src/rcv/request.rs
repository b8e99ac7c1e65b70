//! Requests to the RCV facade, exactly per docs/reference/sii.md#facade-requests: the method in the
//! URL equals the one in `metaData.namespace`, `conversationId` is the token, a fresh
//! `transactionId`, the `Accept` value SII's server needs, and the token as the `TOKEN` cookie.

use std::fmt;

use ofitec_domain::rcv::{Operation, PurchaseState};
use ofitec_domain::{Period, Rut};
use serde_json::{Value, json};
use uuid::Uuid;

use super::FacadeMethod;
use crate::Environment;
use crate::auth::Token;
use crate::environment::RCV_FACADE_PATH;

/// Java package of the facade; `/<method>` follows it in `metaData.namespace`.
pub const NAMESPACE_PREFIX: &str = "cl.sii.sdi.lob.diii.consdcv.data.api.interfaces.FacadeService";
/// The reCAPTCHA token the web app itself sends (its reCAPTCHA service is a stub).
pub const RECAPTCHA_TOKEN: &str = "t-o-k-e-n-web";
/// `Accept` as the web app sends it: `application/json` alone gets HTTP 500.
pub const ACCEPT: &str = "application/json, text/plain, */*";

/// What to read: one company's register for one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RcvQuery {
    /// The taxpayer whose register is read (`rutEmisor`/`dvEmisor`), not the counterpart.
    pub company: Rut,
    /// `ptributario`.
    pub period: Period,
    /// Purchases or sales.
    pub operation: Operation,
    /// Purchases: the state (`estadoContab`), REGISTRO when `None`. Sales: ignored.
    pub state: Option<PurchaseState>,
    /// Document type (`codTipoDoc`): required by the detail methods; the summary ignores it;
    /// the export methods read every type when `None`.
    pub tipo_doc: Option<u16>,
}

/// Why a request cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A detail method without a document type (SII answers `codRespuesta 2`).
    #[error("{0} needs a document type (codTipoDoc)")]
    MissingDocumentType(FacadeMethod),
    /// The method reads the other register.
    #[error("{method} reads {expected} documents, the query asks for {asked}")]
    WrongOperation {
        /// The method.
        method: FacadeMethod,
        /// What it reads.
        expected: Operation,
        /// What the query says.
        asked: Operation,
    },
}

/// A ready request: POST `body` with `headers` to the environment's facade base + `/method`.
/// `Debug` hides the token (it is in a header and in the body).
#[derive(Clone, PartialEq, Eq)]
pub struct FacadeRequest {
    /// The method.
    pub method: FacadeMethod,
    /// `/consdcvinternetui/services/data/facadeService/<method>`.
    pub url_path: String,
    /// Header name and value pairs, `Cookie: TOKEN=…` included.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: String,
    /// The `transactionId` sent, for correlating logs.
    pub transaction_id: Uuid,
}

impl FacadeRequest {
    /// Full URL in `env`, or `None` where SII has no RCV (certification).
    pub fn url(&self, env: &Environment) -> Option<String> {
        env.rcv_facade_base()
            .map(|base| format!("{base}/{}", self.method.name()))
    }
}

impl fmt::Debug for FacadeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                if name.eq_ignore_ascii_case("cookie") {
                    (*name, "TOKEN=***")
                } else {
                    (*name, value.as_str())
                }
            })
            .collect();
        f.debug_struct("FacadeRequest")
            .field("method", &self.method)
            .field("url_path", &self.url_path)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .field("transaction_id", &self.transaction_id)
            .finish()
    }
}

/// Builds a request with a fresh uuid v4 `transactionId`.
pub fn build(
    method: FacadeMethod,
    token: &Token,
    query: &RcvQuery,
) -> Result<FacadeRequest, RequestError> {
    build_with_transaction_id(method, token, query, Uuid::new_v4())
}

/// [`build`] with a given `transactionId` (for reproducible tests).
pub fn build_with_transaction_id(
    method: FacadeMethod,
    token: &Token,
    query: &RcvQuery,
    transaction_id: Uuid,
) -> Result<FacadeRequest, RequestError> {
    if let Some(expected) = method.operation()
        && expected != query.operation
    {
        return Err(RequestError::WrongOperation {
            method,
            expected,
            asked: query.operation,
        });
    }
    let data = data(method, query)?;
    let body = json!({
        "metaData": {
            "namespace": format!("{NAMESPACE_PREFIX}/{}", method.name()),
            "conversationId": token.expose(),
            "transactionId": transaction_id.to_string(),
            "page": Value::Null,
        },
        "data": data,
    });
    Ok(FacadeRequest {
        method,
        url_path: format!("{RCV_FACADE_PATH}/{}", method.name()),
        headers: vec![
            ("Content-Type", "application/json".to_owned()),
            ("Accept", ACCEPT.to_owned()),
            ("Cookie", format!("TOKEN={}", token.expose())),
        ],
        body: body.to_string(),
        transaction_id,
    })
}

/// The `data` object. Purchases always carry a state (REGISTRO by default); sales send a
/// null `estadoContab`, which SII accepts.
fn data(method: FacadeMethod, query: &RcvQuery) -> Result<Value, RequestError> {
    let state = match query.operation {
        Operation::Compra => Value::from(query.state.unwrap_or(PurchaseState::Registro).as_str()),
        Operation::Venta => Value::Null,
    };
    let mut data = json!({
        "rutEmisor": query.company.body().to_string(),
        "dvEmisor": query.company.dv().to_string(),
        "ptributario": query.period.compact(),
        "operacion": query.operation.sii_name(),
        "estadoContab": state,
    });
    let accion = match query.operation {
        Operation::Compra => "RCV_DETC",
        Operation::Venta => "RCV_DETV",
    };
    let tipo = match (method, query.tipo_doc) {
        (FacadeMethod::GetResumen, _) => {
            data["busquedaInicial"] = Value::Bool(true);
            data["codTipoDoc"] = Value::Null;
            return Ok(data);
        }
        (FacadeMethod::GetDetalleCompra | FacadeMethod::GetDetalleVenta, None) => {
            return Err(RequestError::MissingDocumentType(method));
        }
        // The export reads every type at once with "0".
        (_, None) => "0".to_owned(),
        (_, Some(tipo)) => tipo.to_string(),
    };
    data["codTipoDoc"] = Value::from(tipo);
    data["accionRecaptcha"] = Value::from(accion);
    data["tokenRecaptcha"] = Value::from(RECAPTCHA_TOKEN);
    Ok(data)
}

#[cfg(test)]
mod tests;

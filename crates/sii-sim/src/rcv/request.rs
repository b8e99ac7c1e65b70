//! Checking a facade request the way SII does, in SII's order: the `Accept` quirk, the
//! `TOKEN` cookie, the body, `metaData.namespace` against the URL's method,
//! `conversationId` against the token, then the query itself.

use http::{HeaderMap, StatusCode, header};
use ofitec_domain::rcv::{Operation, PurchaseState};
use ofitec_domain::{Period, Rut};
use serde_json::Value;
use sii_client::rcv::FacadeMethod;
use sii_client::rcv::request::NAMESPACE_PREFIX;

use super::envelope::{self, TOKEN_INVALID};
use crate::faults::respond;
use crate::reply::{self, Reply};

/// A request that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacadeCall {
    /// The method (URL and namespace agree).
    pub method: FacadeMethod,
    /// `rutEmisor`/`dvEmisor`: whose register.
    pub company: Rut,
    /// `ptributario`.
    pub period: Period,
    /// `operacion`.
    pub operation: Operation,
    /// Purchases: `estadoContab` (REGISTRO when null); sales: `None`.
    pub state: Option<PurchaseState>,
    /// `codTipoDoc`; `None` for "every type" (summary, exports with null or "0").
    pub tipo: Option<u16>,
}

/// The method named in the URL.
pub fn method_from_name(name: &str) -> Option<FacadeMethod> {
    Some(match name {
        "getResumen" => FacadeMethod::GetResumen,
        "getDetalleCompra" => FacadeMethod::GetDetalleCompra,
        "getDetalleVenta" => FacadeMethod::GetDetalleVenta,
        "getDetalleCompraExport" => FacadeMethod::GetDetalleCompraExport,
        "getDetalleVentaExport" => FacadeMethod::GetDetalleVentaExport,
        _ => return None,
    })
}

/// `Accept: application/json` alone (SII's server answers HTTP 500 to it; the web app's
/// `application/json, text/plain, */*` works).
fn accept_is_json_only(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let types: Vec<&str> = value
        .split(',')
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .filter(|t| !t.is_empty())
        .collect();
    types.len() == 1 && types[0].eq_ignore_ascii_case("application/json")
}

/// The `TOKEN` cookie, from any `Cookie` header.
pub fn token_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim() == "TOKEN")
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

fn bad_request(message: &str) -> Reply {
    envelope::status(2, message, "cod_respuesta_2")
}

fn token_invalid() -> Reply {
    envelope::status(99, TOKEN_INVALID, "cod_respuesta_99_token")
}

/// Checks a request to `method`; `token_alive` says whether a token is current.
pub fn check(
    method: FacadeMethod,
    headers: &HeaderMap,
    body: &[u8],
    token_alive: impl Fn(&str) -> bool,
) -> Result<FacadeCall, Reply> {
    if accept_is_json_only(headers) {
        return Err(Reply::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            reply::HTML,
            respond::error_page(),
            "http_500_accept",
        ));
    }
    let Some(token) = token_cookie(headers) else {
        return Err(Reply::with_status(
            StatusCode::UNAUTHORIZED,
            reply::HTML,
            Vec::new(),
            "http_401",
        ));
    };
    if !token_alive(&token) {
        return Err(token_invalid());
    }
    let request: Value = serde_json::from_slice(body)
        .map_err(|_| bad_request("Error al leer la solicitud: el cuerpo no es JSON"))?;
    let meta = request
        .get("metaData")
        .ok_or_else(|| bad_request("Solicitud sin metaData"))?;
    let expected = format!("{NAMESPACE_PREFIX}/{}", method.name());
    if meta.get("namespace").and_then(Value::as_str) != Some(expected.as_str()) {
        return Err(bad_request(
            "El namespace de la solicitud no corresponde al servicio invocado",
        ));
    }
    if meta.get("conversationId").and_then(Value::as_str) != Some(token.as_str()) {
        return Err(token_invalid());
    }
    let data = request
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| bad_request("Solicitud sin data"))?;
    query(method, data).map_err(|m| bad_request(&m))
}

fn text(data: &Value, field: &str) -> Option<String> {
    match data.get(field)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn query(method: FacadeMethod, data: &Value) -> Result<FacadeCall, String> {
    let body = text(data, "rutEmisor")
        .and_then(|b| b.parse::<u32>().ok())
        .ok_or("rutEmisor inválido")?;
    let dv = text(data, "dvEmisor")
        .and_then(|d| {
            let mut chars = d.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c.to_ascii_uppercase()),
                _ => None,
            }
        })
        .ok_or("dvEmisor inválido")?;
    let company = Rut::from_parts(body, dv).map_err(|e| format!("RUT emisor inválido: {e}"))?;
    let period = text(data, "ptributario")
        .filter(|p| p.len() == 6)
        .and_then(|p| Period::parse(&p).ok())
        .ok_or("ptributario inválido (se espera AAAAMM)")?;
    let operation = match text(data, "operacion").as_deref() {
        Some("COMPRA") => Operation::Compra,
        Some("VENTA") => Operation::Venta,
        _ => return Err("operacion inválida (COMPRA o VENTA)".into()),
    };
    if let Some(expected) = method.operation()
        && expected != operation
    {
        return Err(format!(
            "La operación {} no corresponde al servicio {}",
            operation.sii_name(),
            method.name()
        ));
    }
    let state = match operation {
        Operation::Venta => None,
        Operation::Compra => Some(match text(data, "estadoContab") {
            None => PurchaseState::Registro,
            Some(s) => s
                .parse::<PurchaseState>()
                .map_err(|_| format!("estadoContab inválido: {s}"))?,
        }),
    };
    let tipo = match text(data, "codTipoDoc") {
        None => None,
        Some(t) => match t.parse::<u16>() {
            Ok(0) => None,
            Ok(t) => Some(t),
            Err(_) => return Err(format!("codTipoDoc inválido: {t}")),
        },
    };
    if matches!(
        method,
        FacadeMethod::GetDetalleCompra | FacadeMethod::GetDetalleVenta
    ) && tipo.is_none()
    {
        return Err("Debe indicar el tipo de documento (codTipoDoc)".into());
    }
    Ok(FacadeCall {
        method,
        company,
        period,
        operation,
        state,
        tipo: if method == FacadeMethod::GetResumen {
            None
        } else {
            tipo
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn accept_quirk_and_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(accept_is_json_only(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/plain, */*"),
        );
        assert!(!accept_is_json_only(&h));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; TOKEN=ABC123; b=2"),
        );
        assert_eq!(token_cookie(&h).as_deref(), Some("ABC123"));
        h.insert(header::COOKIE, HeaderValue::from_static("TOKEN="));
        assert_eq!(token_cookie(&h), None);
    }
}

//! `getDetalleCompra` / `getDetalleVenta` rows into `RcvDocument`, keeping every amount.

use ofitec_domain::Rut;
use ofitec_domain::rcv::{
    FOLIO_MAX, Operation, PurchaseState, RcvDocument, TransactionType, is_folio,
};
use serde_json::{Map, Value};

use super::RcvError;
use super::envelope::{self, Answer};
use super::names::{DETAIL_EXTRA, DETAIL_NOT_AMOUNTS, snake_case};
use super::summary::{json_int, text};
use crate::rcv::RowError;
use crate::rcv::reference::{self, ReferenceFields};
use crate::rcv::request::RcvQuery;
use crate::rcv::value;

/// A parsed detail answer: documents, and rows that could not be read.
pub type Detalle = Answer<DetailRows>;

/// The documents of a detail answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DetailRows {
    /// Readable documents, in SII's order.
    pub documents: Vec<RcvDocument>,
    /// Refused rows (`line` = position in `data`, 1-based).
    pub errors: Vec<RowError>,
}

/// Parses a detail answer for `query` (company, period, register, state: the file does not
/// repeat them).
pub fn parse_detalle(bytes: &[u8], query: &RcvQuery) -> Result<Detalle, RcvError> {
    let (answer, data) = envelope::read(bytes)?;
    let rows = envelope::rows(data)?;
    let mut out = DetailRows {
        documents: Vec::with_capacity(rows.len()),
        errors: Vec::new(),
    };
    for (index, row) in rows.iter().enumerate() {
        let line = index as u64 + 1;
        match row.as_object() {
            Some(map) => match document(map, query) {
                Ok(doc) => out.documents.push(doc),
                Err((column, message)) => out.errors.push(RowError {
                    line,
                    column: Some(column.to_owned()),
                    message,
                }),
            },
            None => out.errors.push(RowError {
                line,
                column: None,
                message: "detail row is not an object".into(),
            }),
        }
    }
    Ok(Answer {
        status: answer.status,
        modified_at: answer.modified_at,
        message: answer.message,
        items: out,
    })
}

type FieldError<'a> = (&'a str, String);

/// The detail rows' reference fields.
const REFERENCE_FIELDS: ReferenceFields = ReferenceFields {
    tipo: "detTipoDocRef",
    folio: "detFolioDocRef",
};

fn document<'a>(
    map: &'a Map<String, Value>,
    query: &RcvQuery,
) -> Result<RcvDocument, FieldError<'a>> {
    let mut doc = RcvDocument::new(query.company, query.period, query.operation, 0, None, 0);
    doc.state = match query.operation {
        Operation::Compra => Some(query.state.unwrap_or(PurchaseState::Registro)),
        Operation::Venta => None,
    };
    let (mut rut_body, mut rut_dv) = (None, None);
    let (mut ref_tipo, mut ref_folio) = (None, None);
    let (mut has_tipo, mut has_folio) = (false, false);

    for (key, v) in map {
        let key = key.as_str();
        let int = || json_int(v).map_err(|()| (key, format!("`{v}` is not a whole number")));
        let amount = || int().map(|o| o.unwrap_or(0));
        match key {
            "detTipoDoc" => {
                let t = int()?.unwrap_or(0);
                doc.tipo_dte = u16::try_from(t)
                    .ok()
                    .filter(|t| *t > 0)
                    .ok_or((key, format!("invalid document type {t}")))?;
                has_tipo = true;
            }
            "detRutDoc" => rut_body = int()?,
            "detDvDoc" => rut_dv = text(Some(v)),
            "detRznSoc" => doc.counterpart_name = text(Some(v)).unwrap_or_default(),
            "detNroDoc" => {
                doc.folio = int()
                    .map_err(|(key, _)| (key, format!("`{v}` is not a folio")))?
                    .ok_or((key, "missing folio".to_owned()))?;
                if !is_folio(doc.folio) {
                    return Err((
                        key,
                        format!("`{v}` is not a folio: SII's folios go from 1 to {FOLIO_MAX}"),
                    ));
                }
                has_folio = true;
            }
            "detFchDoc" => doc.issued_on = date(v, key)?,
            "detFecRecepcion" => doc.received_at = datetime(v, key)?,
            "detFecAcuse" => doc.acknowledged_at = datetime(v, key)?,
            "detFecReclamado" => doc.claimed_at = datetime(v, key)?,
            "detMntExe" => doc.exento = amount()?,
            "detMntNeto" => doc.neto = amount()?,
            "detMntIVA" => doc.iva = amount()?,
            "detMntTotal" => doc.total = amount()?,
            "detMntActFijo" => doc.activo_fijo_neto = amount()?,
            "detMntIVAActFijo" => doc.activo_fijo_iva = amount()?,
            "detMntIVANoRec" => doc.iva_no_recuperable = amount()?,
            "detMntCodNoRec" => {
                doc.iva_no_recuperable_code =
                    int()?.and_then(|c| u8::try_from(c).ok()).filter(|c| *c > 0)
            }
            "detMntSinCredito" => doc.sin_derecho_credito = amount()?,
            "detIVAUsoComun" => doc.iva_uso_comun = amount()?,
            "detIVARetTotal" => doc.iva_retenido_total = amount()?,
            "detIVARetParcial" => doc.iva_retenido_parcial = amount()?,
            "detIVANoRetenido" => doc.iva_no_retenido = amount()?,
            "detTasaImp" => {
                doc.tasa_iva = match v {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => {
                        value::decimal(s).map_err(|()| (key, format!("`{s}` is not a rate")))?
                    }
                    _ => None,
                }
            }
            "detTipoTransaccion" => {
                doc.transaction_type = match v {
                    Value::String(s) if int().is_err() => TransactionType::from_text(s),
                    _ => int()?
                        .and_then(|c| u8::try_from(c).ok())
                        .and_then(TransactionType::from_code),
                }
            }
            "detEventoReceptor" => doc.receiver_event = text(Some(v)),
            "dcvEstadoContab" => {
                if query.operation == Operation::Compra
                    && let Some(state) = text(Some(v)).and_then(|s| s.parse::<PurchaseState>().ok())
                {
                    doc.state = Some(state);
                }
            }
            "detAnulado" => doc.anulado = truthy(v),
            // Any text: references never refuse a document (see `rcv::reference`).
            "detTipoDocRef" => ref_tipo = text(Some(v)),
            "detFolioDocRef" => ref_folio = text(Some(v)),
            _ => {
                if let Some((_, name)) = DETAIL_EXTRA.iter().find(|(field, _)| *field == key) {
                    let n = amount()?;
                    if n != 0 {
                        doc.extra.insert((*name).to_owned(), n);
                    }
                } else if !DETAIL_NOT_AMOUNTS.contains(&key)
                    && let Value::Number(_) = v
                    && let Ok(Some(n)) = json_int(v)
                    && n != 0
                {
                    doc.extra.insert(snake_case(key), n);
                }
            }
        }
    }
    if !has_tipo {
        return Err(("detTipoDoc", "missing document type".into()));
    }
    if !has_folio {
        return Err(("detNroDoc", "missing folio".into()));
    }
    doc.counterpart = match (rut_body, rut_dv) {
        (Some(body), Some(dv)) => Some(counterpart(body, &dv)?),
        (Some(body), None) => Some(
            u32::try_from(body)
                .ok()
                .and_then(|b| Rut::from_body(b).ok())
                .ok_or(("detRutDoc", format!("invalid RUT {body}")))?,
        ),
        _ => return Err(("detRutDoc", "missing counterpart RUT".into())),
    };
    reference::read(
        &mut doc,
        ref_tipo.as_deref().unwrap_or_default(),
        ref_folio.as_deref().unwrap_or_default(),
        REFERENCE_FIELDS,
    );
    Ok(doc)
}

fn counterpart(body: i64, dv: &str) -> Result<Rut, FieldError<'static>> {
    let mut chars = dv.chars();
    let (Some(dv), None) = (chars.next(), chars.next()) else {
        return Err(("detDvDoc", format!("invalid check digit `{dv}`")));
    };
    let body = u32::try_from(body).map_err(|_| ("detRutDoc", format!("invalid RUT {body}")))?;
    Rut::from_parts(body, dv).map_err(|e| ("detDvDoc", e.to_string()))
}

fn date<'a>(v: &Value, key: &'a str) -> Result<Option<chrono::NaiveDate>, FieldError<'a>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => {
            value::date(s).map_err(|()| (key, format!("`{s}` is not a dd/mm/yyyy date")))
        }
        other => Err((key, format!("`{other}` is not a date"))),
    }
}

fn datetime<'a>(v: &Value, key: &'a str) -> Result<Option<chrono::NaiveDateTime>, FieldError<'a>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => value::datetime(s)
            .map_err(|()| (key, format!("`{s}` is not a dd/mm/yyyy hh:mm:ss time"))),
        other => Err((key, format!("`{other}` is not a date and time"))),
    }
}

/// SII's many spellings of "yes": `true`, `1`, `"S"`, `"SI"`, `"A"` (anulado).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
        Value::String(s) => matches!(
            s.trim().to_ascii_uppercase().as_str(),
            "S" | "SI" | "A" | "TRUE" | "1"
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests;

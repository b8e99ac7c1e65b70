//! The RCV vocabulary on the wire (`ofitec.sii.v1`): registers, purchase states, transaction
//! types and the document with its other taxes and references.
//!
//! The wire has no "absent" for scalars, so absence has a spelling: `0` for an enum or a code,
//! `""` for a text, `0.0` for the VAT rate. Those values therefore read back as absent
//! (`Some(0.0)` VAT rate, `Some("")` receiver event), and a `document_count` of 0 reads as
//! one document. Prost keeps enum fields as `i32`: the functions taking a field name read
//! them and refuse numbers the contract does not define.

use ofitec_domain::rcv::{
    DocumentReference, DocumentWarning, Operation, OtherReference, OtherTax, PurchaseState,
    RcvDocument, TransactionType,
};

use super::time::{date, date_from_pb, local_time, local_time_from_pb};
use super::values::{optional_rut, period, rut};
use super::{ConvertError, Problem};
use crate::sii::v1 as pb;

impl From<Operation> for pb::Operation {
    fn from(operation: Operation) -> pb::Operation {
        match operation {
            Operation::Compra => pb::Operation::Compra,
            Operation::Venta => pb::Operation::Venta,
        }
    }
}

impl TryFrom<pb::Operation> for Operation {
    type Error = ConvertError;

    /// Refuses `OPERATION_UNSPECIFIED`.
    fn try_from(value: pb::Operation) -> Result<Operation, ConvertError> {
        match value {
            pb::Operation::Compra => Ok(Operation::Compra),
            pb::Operation::Venta => Ok(Operation::Venta),
            pb::Operation::Unspecified => Err(ConvertError::new(
                "operation",
                Problem::Unspecified("Operation"),
            )),
        }
    }
}

impl From<PurchaseState> for pb::PurchaseState {
    fn from(state: PurchaseState) -> pb::PurchaseState {
        match state {
            PurchaseState::Registro => pb::PurchaseState::Registro,
            PurchaseState::Pendiente => pb::PurchaseState::Pendiente,
            PurchaseState::NoIncluir => pb::PurchaseState::NoIncluir,
            PurchaseState::Reclamado => pb::PurchaseState::Reclamado,
        }
    }
}

impl From<Option<PurchaseState>> for pb::PurchaseState {
    /// No state (sales) is `PURCHASE_STATE_UNSPECIFIED`.
    fn from(state: Option<PurchaseState>) -> pb::PurchaseState {
        state.map_or(pb::PurchaseState::Unspecified, pb::PurchaseState::from)
    }
}

impl TryFrom<pb::PurchaseState> for PurchaseState {
    type Error = ConvertError;

    /// Refuses `PURCHASE_STATE_UNSPECIFIED`.
    fn try_from(value: pb::PurchaseState) -> Result<PurchaseState, ConvertError> {
        match value {
            pb::PurchaseState::Registro => Ok(PurchaseState::Registro),
            pb::PurchaseState::Pendiente => Ok(PurchaseState::Pendiente),
            pb::PurchaseState::NoIncluir => Ok(PurchaseState::NoIncluir),
            pb::PurchaseState::Reclamado => Ok(PurchaseState::Reclamado),
            pb::PurchaseState::Unspecified => Err(ConvertError::new(
                "state",
                Problem::Unspecified("PurchaseState"),
            )),
        }
    }
}

fn unknown(field: &str, enumeration: &'static str, value: i32) -> ConvertError {
    ConvertError::new(field, Problem::UnknownEnum { enumeration, value })
}

/// The register in `field`; `None` when unspecified (a filter meaning "both").
pub fn operation(field: &str, value: i32) -> Result<Option<Operation>, ConvertError> {
    match pb::Operation::try_from(value) {
        Ok(pb::Operation::Unspecified) => Ok(None),
        Ok(wire) => Operation::try_from(wire).map(Some),
        Err(_) => Err(unknown(field, "Operation", value)),
    }
}

/// The register in `field`, which must be set.
pub fn required_operation(field: &str, value: i32) -> Result<Operation, ConvertError> {
    operation(field, value)?
        .ok_or_else(|| ConvertError::new(field, Problem::Unspecified("Operation")))
}

/// The purchase state in `field`; `None` when unspecified (sales, or "any" in a filter).
pub fn purchase_state(field: &str, value: i32) -> Result<Option<PurchaseState>, ConvertError> {
    match pb::PurchaseState::try_from(value) {
        Ok(pb::PurchaseState::Unspecified) => Ok(None),
        Ok(wire) => PurchaseState::try_from(wire).map(Some),
        Err(_) => Err(unknown(field, "PurchaseState", value)),
    }
}

/// SII's transaction type code in `field` (1 to 7); `None` for 0.
pub fn transaction_type(field: &str, value: i32) -> Result<Option<TransactionType>, ConvertError> {
    if value == 0 {
        return Ok(None);
    }
    u8::try_from(value)
        .ok()
        .and_then(TransactionType::from_code)
        .map(Some)
        .ok_or_else(|| unknown(field, "TransactionType", value))
}

/// A number of the wire that the domain keeps narrower (`u16` tipo DTE, `u8` code, …).
fn narrow<T: TryFrom<i32>>(
    field: &str,
    value: i32,
    range: &'static str,
) -> Result<T, ConvertError> {
    T::try_from(value).map_err(|_| {
        let value = i64::from(value);
        ConvertError::new(field, Problem::OutOfRange { value, range })
    })
}

const TIPO_DTE: &str = "0 to 65535";

impl From<&OtherTax> for pb::OtherTax {
    fn from(tax: &OtherTax) -> pb::OtherTax {
        pb::OtherTax {
            // SII's tax codes are three digits; the domain's u32 is wider than the wire.
            codigo: i32::try_from(tax.codigo).unwrap_or(i32::MAX),
            valor: tax.valor,
            tasa: tax.tasa,
        }
    }
}

impl TryFrom<pb::OtherTax> for OtherTax {
    type Error = ConvertError;

    fn try_from(tax: pb::OtherTax) -> Result<OtherTax, ConvertError> {
        Ok(OtherTax {
            codigo: narrow("codigo", tax.codigo, "0 to 2147483647")?,
            valor: tax.valor,
            tasa: tax.tasa,
        })
    }
}

impl From<&DocumentReference> for pb::DocumentReference {
    fn from(reference: &DocumentReference) -> pb::DocumentReference {
        pb::DocumentReference {
            tipo_dte: i32::from(reference.tipo_dte),
            folio: reference.folio,
        }
    }
}

impl TryFrom<pb::DocumentReference> for DocumentReference {
    type Error = ConvertError;

    fn try_from(reference: pb::DocumentReference) -> Result<DocumentReference, ConvertError> {
        Ok(DocumentReference {
            tipo_dte: narrow("tipo_dte", reference.tipo_dte, TIPO_DTE)?,
            folio: reference.folio,
        })
    }
}

impl From<&RcvDocument> for pb::RcvDocument {
    /// `vanished` is the gateway's storage fact, not the document's: false here.
    fn from(doc: &RcvDocument) -> pb::RcvDocument {
        pb::RcvDocument {
            company: doc.company.to_string(),
            period: doc.period.to_string(),
            operation: pb::Operation::from(doc.operation).into(),
            tipo_dte: i32::from(doc.tipo_dte),
            counterpart_rut: doc.counterpart.map(|r| r.to_string()).unwrap_or_default(),
            counterpart_name: doc.counterpart_name.clone(),
            folio: doc.folio,
            issued_on: date(doc.issued_on),
            received_at: local_time(doc.received_at),
            acknowledged_at: local_time(doc.acknowledged_at),
            claimed_at: local_time(doc.claimed_at),
            state: pb::PurchaseState::from(doc.state).into(),
            transaction_type: doc.transaction_type.map_or(0, |t| i32::from(t.code())),
            exento: doc.exento,
            neto: doc.neto,
            iva: doc.iva,
            iva_no_recuperable: doc.iva_no_recuperable,
            iva_no_recuperable_code: doc.iva_no_recuperable_code.map_or(0, i32::from),
            total: doc.total,
            activo_fijo_neto: doc.activo_fijo_neto,
            activo_fijo_iva: doc.activo_fijo_iva,
            iva_uso_comun: doc.iva_uso_comun,
            sin_derecho_credito: doc.sin_derecho_credito,
            other_taxes: doc.other_taxes.iter().map(pb::OtherTax::from).collect(),
            references: doc
                .references
                .iter()
                .map(pb::DocumentReference::from)
                .collect(),
            receiver_event: doc.receiver_event.clone().unwrap_or_default(),
            anulado: doc.anulado,
            vanished: false,
            iva_retenido_total: doc.iva_retenido_total,
            tasa_iva: doc.tasa_iva.unwrap_or(0.0),
            iva_retenido_parcial: doc.iva_retenido_parcial,
            iva_no_retenido: doc.iva_no_retenido,
            document_count: doc.document_count,
            extra: doc.extra.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            other_references: doc
                .other_references
                .iter()
                .map(|r| pb::OtherReference {
                    tipo: r.tipo.clone(),
                    folio: r.folio.clone(),
                })
                .collect(),
            warnings: doc
                .warnings
                .iter()
                .map(|w| pb::DocumentWarning {
                    field: w.field.clone(),
                    message: w.message.clone(),
                })
                .collect(),
        }
    }
}

impl TryFrom<pb::RcvDocument> for RcvDocument {
    type Error = ConvertError;

    /// Every field is checked: identity fields must be valid, dates must parse, enums and
    /// codes must be known. `vanished` is not part of the domain document and is dropped.
    fn try_from(d: pb::RcvDocument) -> Result<RcvDocument, ConvertError> {
        let mut doc = RcvDocument::new(
            rut("company", &d.company)?,
            period("period", &d.period)?,
            required_operation("operation", d.operation)?,
            narrow("tipo_dte", d.tipo_dte, TIPO_DTE)?,
            optional_rut("counterpart_rut", &d.counterpart_rut)?,
            d.folio,
        );
        doc.counterpart_name = d.counterpart_name;
        doc.issued_on = date_from_pb("issued_on", &d.issued_on)?;
        doc.received_at = local_time_from_pb("received_at", &d.received_at)?;
        doc.acknowledged_at = local_time_from_pb("acknowledged_at", &d.acknowledged_at)?;
        doc.claimed_at = local_time_from_pb("claimed_at", &d.claimed_at)?;
        doc.state = purchase_state("state", d.state)?;
        doc.transaction_type = transaction_type("transaction_type", d.transaction_type)?;
        doc.exento = d.exento;
        doc.neto = d.neto;
        doc.iva = d.iva;
        doc.iva_no_recuperable = d.iva_no_recuperable;
        doc.iva_no_recuperable_code = match d.iva_no_recuperable_code {
            0 => None,
            code => Some(narrow("iva_no_recuperable_code", code, "0 to 255")?),
        };
        doc.total = d.total;
        doc.activo_fijo_neto = d.activo_fijo_neto;
        doc.activo_fijo_iva = d.activo_fijo_iva;
        doc.iva_uso_comun = d.iva_uso_comun;
        doc.sin_derecho_credito = d.sin_derecho_credito;
        doc.other_taxes = d
            .other_taxes
            .into_iter()
            .enumerate()
            .map(|(i, t)| OtherTax::try_from(t).map_err(|e| e.within(&format!("other_taxes[{i}]"))))
            .collect::<Result<_, _>>()?;
        doc.references = d
            .references
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                DocumentReference::try_from(r).map_err(|e| e.within(&format!("references[{i}]")))
            })
            .collect::<Result<_, _>>()?;
        doc.receiver_event = Some(d.receiver_event).filter(|e| !e.trim().is_empty());
        doc.anulado = d.anulado;
        doc.iva_retenido_total = d.iva_retenido_total;
        doc.tasa_iva = Some(d.tasa_iva).filter(|t| *t != 0.0);
        doc.iva_retenido_parcial = d.iva_retenido_parcial;
        doc.iva_no_retenido = d.iva_no_retenido;
        // A sender that does not fill the count means one document.
        doc.document_count = d.document_count.max(1);
        doc.extra = d.extra.into_iter().collect();
        // Free text both: nothing to check.
        doc.other_references = d
            .other_references
            .into_iter()
            .map(|r| OtherReference {
                tipo: r.tipo,
                folio: r.folio,
            })
            .collect();
        doc.warnings = d
            .warnings
            .into_iter()
            .map(|w| DocumentWarning {
                field: w.field,
                message: w.message,
            })
            .collect();
        Ok(doc)
    }
}

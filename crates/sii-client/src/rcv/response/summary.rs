//! `getResumen` rows: totals per document type.

use std::collections::BTreeMap;

use ofitec_domain::rcv::RcvDocument;
use serde_json::Value;

use super::RcvError;
use super::envelope::{self, Answer};
use super::names::{SUMMARY_NOT_AMOUNTS, snake_case};
use crate::rcv::RowError;
use crate::rcv::request::RcvQuery;
use crate::rcv::value;

/// One summary row.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// `rsmnTipoDocInteger`.
    pub tipo_dte: u16,
    /// `dcvNombreTipoDoc`.
    pub name: String,
    /// `rsmnTotDoc`.
    pub document_count: u32,
    /// `rsmnMntExe`.
    pub exento: i64,
    /// `rsmnMntNeto`.
    pub neto: i64,
    /// `rsmnMntIVA`.
    pub iva: i64,
    /// `rsmnIVAUsoComun`.
    pub iva_uso_comun: i64,
    /// `rsmnMntIVANoRec`.
    pub iva_no_recuperable: i64,
    /// `rsmnMntTotal`.
    pub total: i64,
    /// `rsmnLink`: whether SII has a detail for this type (boletas and vouchers have none).
    pub link: Option<String>,
    /// `dcvTipoIngresoDoc` (`DET_ELE` electronic detail, `RES_…` summary-only, …).
    pub tipo_ingreso: Option<String>,
    /// Other amounts, by snake_case field name.
    pub extra: BTreeMap<String, i64>,
}

impl SummaryRow {
    /// The row as a summary line of the register (no counterpart, folio 0).
    pub fn to_document(&self, query: &RcvQuery) -> RcvDocument {
        let mut doc = RcvDocument::new(
            query.company,
            query.period,
            query.operation,
            self.tipo_dte,
            None,
            0,
        );
        doc.counterpart_name = self.name.clone();
        doc.state = match query.operation {
            ofitec_domain::rcv::Operation::Compra => Some(
                query
                    .state
                    .unwrap_or(ofitec_domain::rcv::PurchaseState::Registro),
            ),
            ofitec_domain::rcv::Operation::Venta => None,
        };
        doc.exento = self.exento;
        doc.neto = self.neto;
        doc.iva = self.iva;
        doc.iva_uso_comun = self.iva_uso_comun;
        doc.iva_no_recuperable = self.iva_no_recuperable;
        doc.total = self.total;
        doc.document_count = self.document_count;
        doc.extra = self.extra.clone();
        doc
    }
}

/// A parsed `getResumen` answer.
pub type Resumen = Answer<SummaryRows>;

/// The rows, and the ones that could not be read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SummaryRows {
    /// Readable rows.
    pub rows: Vec<SummaryRow>,
    /// Refused rows.
    pub errors: Vec<RowError>,
}

/// Parses a `getResumen` answer.
pub fn parse_resumen(bytes: &[u8]) -> Result<Resumen, RcvError> {
    let (answer, data) = envelope::read(bytes)?;
    let mut out = SummaryRows::default();
    for (index, row) in envelope::rows(data)?.into_iter().enumerate() {
        match summary_row(&row) {
            Ok(r) => out.rows.push(r),
            Err((column, message)) => out.errors.push(RowError {
                line: index as u64 + 1,
                column,
                message,
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

type FieldError = (Option<String>, String);

fn summary_row(row: &Value) -> Result<SummaryRow, FieldError> {
    let Some(map) = row.as_object() else {
        return Err((None, "summary row is not an object".into()));
    };
    let amount = |field: &str| -> Result<i64, FieldError> {
        match map.get(field) {
            None => Ok(0),
            Some(v) => json_int(v).map(|o| o.unwrap_or(0)).map_err(|()| {
                (
                    Some(field.to_owned()),
                    format!("`{v}` is not a whole amount"),
                )
            }),
        }
    };
    let tipo = amount("rsmnTipoDocInteger")?;
    let tipo_dte = u16::try_from(tipo).ok().filter(|t| *t > 0).ok_or_else(|| {
        (
            Some("rsmnTipoDocInteger".to_owned()),
            "missing or invalid document type".to_owned(),
        )
    })?;
    let count = amount("rsmnTotDoc")?;
    let mut extra = BTreeMap::new();
    for (key, v) in map {
        if matches!(
            key.as_str(),
            "rsmnMntExe"
                | "rsmnMntNeto"
                | "rsmnMntIVA"
                | "rsmnMntTotal"
                | "rsmnIVAUsoComun"
                | "rsmnMntIVANoRec"
        ) || SUMMARY_NOT_AMOUNTS.contains(&key.as_str())
        {
            continue;
        }
        if let Value::Number(_) = v
            && let Ok(Some(n)) = json_int(v)
            && n != 0
        {
            extra.insert(snake_case(key), n);
        }
    }
    Ok(SummaryRow {
        tipo_dte,
        name: text(map.get("dcvNombreTipoDoc")).unwrap_or_default(),
        document_count: u32::try_from(count).unwrap_or(0),
        exento: amount("rsmnMntExe")?,
        neto: amount("rsmnMntNeto")?,
        iva: amount("rsmnMntIVA")?,
        iva_uso_comun: amount("rsmnIVAUsoComun")?,
        iva_no_recuperable: amount("rsmnMntIVANoRec")?,
        total: amount("rsmnMntTotal")?,
        link: text(map.get("rsmnLink")),
        tipo_ingreso: text(map.get("dcvTipoIngresoDoc")),
        extra,
    })
}

/// A whole number sent as a number or a string; null is absent.
pub(super) fn json_int(v: &Value) -> Result<Option<i64>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Some(i)),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            _ => Err(()),
        },
        Value::String(s) => value::int(s),
        _ => Err(()),
    }
}

/// Text (trimmed; numbers rendered), `None` when null or empty.
pub(super) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !value::is_null(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

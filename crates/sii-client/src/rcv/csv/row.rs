//! One CSV record into a document, or into an "other tax" that continues the previous one.

use ofitec_domain::rcv::{FOLIO_MAX, OtherTax, RcvDocument, TransactionType, is_folio};
use ofitec_domain::{Period, Rut};

use super::layout::{Col, Layout};
use super::records::Record;
use super::text::{Encoding, ascii};
use crate::rcv::RowError;
use crate::rcv::reference::{self, ReferenceFields};
use crate::rcv::value;

/// The sales layout's reference columns.
const REFERENCE_FIELDS: ReferenceFields = ReferenceFields {
    tipo: "Tipo Docto. Referencia",
    folio: "Folio Docto. Referencia",
};

/// What a record turned out to be.
// Not boxed: it is built and moved once per row, and a box would add an allocation per
// row on the hot path.
#[allow(clippy::large_enum_variant)]
pub(super) enum Parsed {
    /// A document (its other taxes may continue on the next rows).
    Document(RcvDocument),
    /// A continuation row: one more other tax of the document with this key.
    Continuation {
        tipo_dte: u16,
        folio: i64,
        counterpart: Rut,
        tax: OtherTax,
    },
    /// Nothing in it (blank line).
    Blank,
}

/// Everything constant while reading one file.
pub(super) struct RowContext {
    pub layout: Layout,
    pub columns: Vec<(&'static str, Col)>,
    pub company: Rut,
    pub period: Period,
    pub state: Option<ofitec_domain::rcv::PurchaseState>,
    pub encoding: Encoding,
    /// Column positions of the fields that decide whether a row is a continuation.
    nro: usize,
    recepcion: usize,
    total: usize,
    /// The last "Tipo Compra"/"Tipo Venta" text read, and what it meant.
    last_type: (Vec<u8>, Option<TransactionType>),
}

impl RowContext {
    pub(super) fn new(
        layout: Layout,
        company: Rut,
        period: Period,
        state_hint: Option<ofitec_domain::rcv::PurchaseState>,
    ) -> RowContext {
        let columns = layout.columns();
        let position = |wanted: Col| columns.iter().position(|(_, c)| *c == wanted).unwrap_or(0);
        RowContext {
            nro: position(Col::Nro),
            recepcion: position(Col::FechaRecepcion),
            total: position(Col::Total),
            state: match layout.operation() {
                ofitec_domain::rcv::Operation::Compra => state_hint.or(layout.state()),
                ofitec_domain::rcv::Operation::Venta => None,
            },
            layout,
            columns,
            company,
            period,
            encoding: Encoding::default(),
            last_type: (Vec::new(), None),
        }
    }

    /// The purchase or sale type of `bytes`, remembered: nearly every row of a file
    /// repeats the last one's text.
    fn transaction_type(&mut self, bytes: &[u8]) -> Option<TransactionType> {
        if self.last_type.0 != bytes {
            let text = self.encoding.decode(bytes);
            let parsed = TransactionType::from_text(&text);
            self.last_type.0.clear();
            self.last_type.0.extend_from_slice(bytes);
            self.last_type.1 = parsed;
        }
        self.last_type.1
    }

    /// Parses one record.
    pub(super) fn parse(&mut self, record: &Record<'_>) -> Result<Parsed, Vec<RowError>> {
        let line = record.line;
        if record
            .fields()
            .all(|f| f.iter().all(u8::is_ascii_whitespace))
        {
            return Ok(Parsed::Blank);
        }
        if record.len() < self.columns.len() {
            return Err(vec![RowError {
                line,
                column: None,
                message: format!(
                    "{} fields, the {:?} layout has {}",
                    record.len(),
                    self.layout,
                    self.columns.len()
                ),
            }]);
        }
        let is_empty = |i: usize| value::is_null_bytes(record.field(i));
        let continuation = is_empty(self.nro) && is_empty(self.recepcion) && is_empty(self.total);

        let mut errors = Vec::new();
        let mut doc = RcvDocument::new(
            self.company,
            self.period,
            self.layout.operation(),
            0,
            None,
            0,
        );
        doc.state = self.state;
        let mut f = Fields::default();
        // By index: `read_field` needs `self` mutably (the encoding, the remembered type).
        for index in 0..self.columns.len() {
            let (name, col) = self.columns[index];
            let bytes = record.field(index);
            // An empty field is "no value" for every column (and the default of each).
            if bytes.is_empty() {
                continue;
            }
            if let Err(message) = self.read_field(col, bytes, &mut f, &mut doc) {
                errors.push(RowError {
                    line,
                    column: Some(name.to_owned()),
                    message,
                });
            }
        }

        let column_of = |wanted: Col| {
            self.columns
                .iter()
                .find(|(_, c)| *c == wanted)
                .map(|(name, _)| (*name).to_owned())
        };
        // The column name is only looked up (and allocated) when something is missing.
        let require = |present: bool, col: Col, errors: &mut Vec<RowError>| {
            if present {
                return;
            }
            let name = column_of(col);
            if !errors.iter().any(|e| e.column == name) {
                errors.push(RowError {
                    line,
                    column: name,
                    message: "required value missing".into(),
                });
            }
        };
        require(f.tipo.is_some(), Col::TipoDoc, &mut errors);
        require(f.rut.is_some(), Col::Rut, &mut errors);
        require(f.folio.is_some(), Col::Folio, &mut errors);
        if continuation {
            require(f.tax_code.is_some(), Col::OtroCodigo, &mut errors);
        } else {
            require(f.issued.is_some(), Col::FechaDocto, &mut errors);
            require(f.received.is_some(), Col::FechaRecepcion, &mut errors);
            require(f.total.is_some(), Col::Total, &mut errors);
        }
        let tax = match f.tax_code {
            Some(code) => match u32::try_from(code) {
                Ok(codigo) => Some(OtherTax {
                    codigo,
                    valor: f.tax_value.unwrap_or(0),
                    tasa: f.tax_rate,
                }),
                Err(_) => {
                    errors.push(RowError {
                        line,
                        column: column_of(Col::OtroCodigo),
                        message: format!("invalid tax code {code}"),
                    });
                    None
                }
            },
            None if f.tax_value.is_some_and(|v| v != 0) => {
                errors.push(RowError {
                    line,
                    column: column_of(Col::OtroValor),
                    message: "an other-tax amount without its code".into(),
                });
                None
            }
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(tipo_dte), Some(counterpart), Some(folio)) = (f.tipo, f.rut, f.folio) else {
            return Err(vec![RowError {
                line,
                column: None,
                message: "incomplete row".into(),
            }]);
        };
        if continuation {
            let Some(tax) = tax else {
                return Err(vec![RowError {
                    line,
                    column: None,
                    message: "continuation row without an other tax".into(),
                }]);
            };
            return Ok(Parsed::Continuation {
                tipo_dte,
                folio,
                counterpart,
                tax,
            });
        }
        doc.tipo_dte = tipo_dte;
        doc.counterpart = Some(counterpart);
        doc.folio = folio;
        doc.issued_on = f.issued;
        doc.received_at = f.received;
        doc.total = f.total.unwrap_or(0);
        doc.other_taxes.extend(tax);
        if !(f.ref_tipo.is_empty() && f.ref_folio.is_empty()) {
            let tipo = self.encoding.decode(f.ref_tipo);
            let folio = self.encoding.decode(f.ref_folio);
            reference::read(&mut doc, &tipo, &folio, REFERENCE_FIELDS);
        }
        Ok(Parsed::Document(doc))
    }

    /// Reads one non-empty field into `f` or `doc`; the error is the message for the row
    /// error. Parsers work on the bytes: text is only made to word an error.
    #[inline]
    fn read_field<'a>(
        &mut self,
        col: Col,
        bytes: &'a [u8],
        f: &mut Fields<'a>,
        doc: &mut RcvDocument,
    ) -> Result<(), String> {
        let whole =
            || value::int_bytes(bytes).map_err(|()| problem(bytes, "is not a whole number"));
        match col {
            // Free text: the only columns that may hold non-ASCII bytes.
            Col::RazonSocial => {
                doc.counterpart_name = self.encoding.decode(bytes).trim().to_owned();
            }
            // "Bienes Raíces", "IVA Uso Común": SII's own texts carry accents
            // (docs/reference/sii.md#type-texts).
            Col::TipoTransaccion => doc.transaction_type = self.transaction_type(bytes),
            // References may carry any text: read once the row is known to be valid.
            Col::TipoDocRef => f.ref_tipo = bytes,
            Col::FolioDocRef => f.ref_folio = bytes,
            Col::Ignore | Col::Nro => {}
            Col::TipoDoc => {
                f.tipo = match whole()? {
                    Some(t) => Some(
                        u16::try_from(t)
                            .ok()
                            .filter(|t| *t > 0)
                            .ok_or_else(|| problem(bytes, "is not a document type"))?,
                    ),
                    None => None,
                }
            }
            Col::Rut => match ascii(bytes) {
                Some(text) if value::is_null(text) => {}
                Some(text) => f.rut = Some(rut_fast(text).map_err(|e| e.to_string())?),
                None => return Err(problem(bytes, "")),
            },
            Col::Folio => f.folio = folio(bytes)?,
            Col::FechaDocto => {
                f.issued = value::date_bytes(bytes)
                    .map_err(|()| problem(bytes, "is not a dd/mm/yyyy date"))?
            }
            Col::FechaRecepcion | Col::FechaAcuse | Col::FechaReclamo => {
                let time = value::datetime_bytes(bytes)
                    .map_err(|()| problem(bytes, "is not a dd/mm/yyyy hh:mm:ss time"))?;
                match col {
                    Col::FechaRecepcion => f.received = time,
                    Col::FechaAcuse => doc.acknowledged_at = time,
                    _ => doc.claimed_at = time,
                }
            }
            Col::Total => f.total = whole()?,
            Col::CodIvaNoRec => {
                doc.iva_no_recuperable_code = whole()?
                    .and_then(|c| u8::try_from(c).ok())
                    .filter(|c| *c > 0)
            }
            Col::OtroCodigo => f.tax_code = whole()?,
            Col::OtroValor => f.tax_value = whole()?,
            Col::OtroTasa => {
                f.tax_rate = ascii(bytes)
                    .and_then(|text| value::decimal(text).ok())
                    .ok_or_else(|| problem(bytes, "is not a rate"))?
            }
            amount => {
                let v = whole()?.unwrap_or(0);
                match amount {
                    Col::Exento => doc.exento = v,
                    Col::Neto => doc.neto = v,
                    Col::Iva => doc.iva = v,
                    Col::IvaNoRec => doc.iva_no_recuperable = v,
                    Col::ActivoFijoNeto => doc.activo_fijo_neto = v,
                    Col::ActivoFijoIva => doc.activo_fijo_iva = v,
                    Col::IvaUsoComun => doc.iva_uso_comun = v,
                    Col::SinDerecho => doc.sin_derecho_credito = v,
                    Col::IvaNoRetenido => doc.iva_no_retenido = v,
                    Col::IvaRetTotal => doc.iva_retenido_total = v,
                    Col::IvaRetParcial => doc.iva_retenido_parcial = v,
                    Col::Extra(key) if v != 0 => {
                        doc.extra.insert(key.to_owned(), v);
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// The values of one row that are checked together once every field is read.
#[derive(Default)]
struct Fields<'a> {
    tipo: Option<u16>,
    rut: Option<Rut>,
    folio: Option<i64>,
    total: Option<i64>,
    issued: Option<chrono::NaiveDate>,
    received: Option<chrono::NaiveDateTime>,
    ref_tipo: &'a [u8],
    ref_folio: &'a [u8],
    tax_code: Option<i64>,
    tax_value: Option<i64>,
    tax_rate: Option<f64>,
}

/// A document's folio: a number in SII's range (docs/reference/sii.md#document-references).
fn folio(bytes: &[u8]) -> Result<Option<i64>, String> {
    match value::int_bytes(bytes) {
        Ok(Some(f)) if is_folio(f) => Ok(Some(f)),
        Ok(None) => Ok(None),
        // A number, but not one of SII's (digits beyond `int`'s reach included).
        Ok(Some(_)) | Err(())
            if bytes
                .trim_ascii()
                .iter()
                .all(|b| b.is_ascii_digit() || *b == b'-') =>
        {
            Err(problem(
                bytes,
                &format!("is not a folio: SII's folios go from 1 to {FOLIO_MAX}"),
            ))
        }
        _ => Err(problem(bytes, "is not a whole number")),
    }
}

/// "`text` is not …" for a field that could not be read; a field that is not ASCII is
/// "unexpected text" whatever the column (only names and references may hold other bytes).
#[cold]
fn problem(bytes: &[u8], is_not: &str) -> String {
    match ascii(bytes) {
        Some(text) => format!("`{text}` {is_not}"),
        None => format!(
            "unexpected text `{}`",
            Encoding::default().decode(bytes).trim()
        ),
    }
}

/// `12345678-5` without allocating (the common form); anything else (dots, lower-case k,
/// spaces) goes through [`Rut::parse`]. Runs once per row, so it matters.
fn rut_fast(text: &str) -> Result<Rut, ofitec_domain::RutError> {
    let b = text.as_bytes();
    if let Some(dash) = b.iter().position(|c| *c == b'-')
        && dash > 0
        && dash <= 8
        && b.len() == dash + 2
        && b[..dash].iter().all(u8::is_ascii_digit)
    {
        let body = b[..dash]
            .iter()
            .fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'));
        let dv = char::from(b[dash + 1]);
        if body > 0 && (dv.is_ascii_digit() || dv == 'K') {
            return Rut::from_parts(body, dv).map_err(|_| match Rut::parse(text) {
                Err(e) => e,
                Ok(_) => ofitec_domain::RutError::Malformed(text.to_owned()),
            });
        }
    }
    Rut::parse(text)
}

#[cfg(test)]
mod tests {
    use super::rut_fast;
    use ofitec_domain::Rut;

    #[test]
    fn fast_rut_agrees_with_the_full_parser() {
        for text in [
            "12345678-5",
            "76354771-K",
            "1-9",
            "12345678-6",
            "12.345.678-5",
            "76354771-k",
            "0-0",
            "123456789-2",
            "-5",
            "12345678-",
        ] {
            assert_eq!(
                rut_fast(text).map_err(|e| e.to_string()),
                Rut::parse(text).map_err(|e| e.to_string()),
                "{text}"
            );
        }
    }
}

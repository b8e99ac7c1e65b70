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
        let (mut tipo, mut rut, mut folio, mut total) = (None, None, None, None);
        let (mut issued, mut received) = (None, None);
        let (mut ref_tipo, mut ref_folio): (&[u8], &[u8]) = (b"", b"");
        let (mut tax_code, mut tax_value, mut tax_rate) = (None, None, None);

        for index in 0..self.columns.len() {
            let (name, col) = self.columns[index];
            let bytes = record.field(index);
            // An empty field is "no value" for every column (and the default of each).
            if bytes.is_empty() {
                continue;
            }
            let mut fail = |message: String| {
                errors.push(RowError {
                    line,
                    column: Some(name.to_owned()),
                    message,
                })
            };
            // Parsers work on the bytes; the text is only made to word an error (a field
            // that is not ASCII is "unexpected text" whatever the column).
            let fail_with =
                |fail: &mut dyn FnMut(String), what: &dyn Fn(&str) -> String| match ascii(bytes) {
                    Some(text) => fail(what(text)),
                    None => fail(format!(
                        "unexpected text `{}`",
                        Encoding::default().decode(bytes).trim()
                    )),
                };
            let whole = |fail: &mut dyn FnMut(String)| match value::int_bytes(bytes) {
                Ok(v) => v,
                Err(()) => {
                    fail_with(fail, &|text| format!("`{text}` is not a whole number"));
                    None
                }
            };
            match col {
                // Free text: the only columns that may hold non-ASCII bytes.
                Col::RazonSocial => {
                    doc.counterpart_name = self.encoding.decode(bytes).trim().to_owned();
                }
                // "Bienes Raíces", "IVA Uso Común": SII's own texts carry accents
                // (docs/reference/sii.md#type-texts).
                Col::TipoTransaccion => doc.transaction_type = self.transaction_type(bytes),
                // References may carry any text: read once the row is known to be valid.
                Col::TipoDocRef => ref_tipo = bytes,
                Col::FolioDocRef => ref_folio = bytes,
                Col::Ignore | Col::Nro => {}
                Col::TipoDoc => {
                    tipo = whole(&mut fail).and_then(|t| match u16::try_from(t) {
                        Ok(t) if t > 0 => Some(t),
                        _ => {
                            fail_with(&mut fail, &|text| {
                                format!("`{text}` is not a document type")
                            });
                            None
                        }
                    })
                }
                Col::Rut => match ascii(bytes) {
                    Some(text) if value::is_null(text) => {}
                    Some(text) => match rut_fast(text) {
                        Ok(r) => rut = Some(r),
                        Err(e) => fail(e.to_string()),
                    },
                    None => fail_with(&mut fail, &|_| String::new()),
                },
                Col::Folio => {
                    folio = match value::int_bytes(bytes) {
                        Ok(Some(f)) if is_folio(f) => Some(f),
                        Ok(None) => None,
                        // Digits beyond `int`'s reach are out of range too.
                        Ok(Some(_)) | Err(())
                            if bytes
                                .trim_ascii()
                                .iter()
                                .all(|b| b.is_ascii_digit() || *b == b'-') =>
                        {
                            fail_with(&mut fail, &|text| {
                                format!(
                                    "`{text}` is not a folio: SII's folios go from 1 to {FOLIO_MAX}"
                                )
                            });
                            None
                        }
                        _ => {
                            fail_with(&mut fail, &|text| format!("`{text}` is not a whole number"));
                            None
                        }
                    }
                }
                Col::FechaDocto => match value::date_bytes(bytes) {
                    Ok(d) => issued = d,
                    Err(()) => fail_with(&mut fail, &|text| {
                        format!("`{text}` is not a dd/mm/yyyy date")
                    }),
                },
                Col::FechaRecepcion | Col::FechaAcuse | Col::FechaReclamo => {
                    match value::datetime_bytes(bytes) {
                        Ok(t) => match col {
                            Col::FechaRecepcion => received = t,
                            Col::FechaAcuse => doc.acknowledged_at = t,
                            _ => doc.claimed_at = t,
                        },
                        Err(()) => fail_with(&mut fail, &|text| {
                            format!("`{text}` is not a dd/mm/yyyy hh:mm:ss time")
                        }),
                    }
                }
                Col::Total => total = whole(&mut fail),
                Col::CodIvaNoRec => {
                    doc.iva_no_recuperable_code = whole(&mut fail)
                        .and_then(|c| u8::try_from(c).ok())
                        .filter(|c| *c > 0)
                }
                Col::OtroCodigo => tax_code = whole(&mut fail),
                Col::OtroValor => tax_value = whole(&mut fail),
                Col::OtroTasa => match ascii(bytes).map(value::decimal) {
                    Some(Ok(r)) => tax_rate = r,
                    _ => fail_with(&mut fail, &|text| format!("`{text}` is not a rate")),
                },
                amount => {
                    let v = whole(&mut fail).unwrap_or(0);
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
        require(tipo.is_some(), Col::TipoDoc, &mut errors);
        require(rut.is_some(), Col::Rut, &mut errors);
        require(folio.is_some(), Col::Folio, &mut errors);
        if continuation {
            require(tax_code.is_some(), Col::OtroCodigo, &mut errors);
        } else {
            require(issued.is_some(), Col::FechaDocto, &mut errors);
            require(received.is_some(), Col::FechaRecepcion, &mut errors);
            require(total.is_some(), Col::Total, &mut errors);
        }
        let tax = match tax_code {
            Some(code) => match u32::try_from(code) {
                Ok(codigo) => Some(OtherTax {
                    codigo,
                    valor: tax_value.unwrap_or(0),
                    tasa: tax_rate,
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
            None if tax_value.is_some_and(|v| v != 0) => {
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
        let (Some(tipo_dte), Some(counterpart), Some(folio)) = (tipo, rut, folio) else {
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
        doc.issued_on = issued;
        doc.received_at = received;
        doc.total = total.unwrap_or(0);
        doc.other_taxes.extend(tax);
        if !(ref_tipo.is_empty() && ref_folio.is_empty()) {
            let tipo = self.encoding.decode(ref_tipo);
            let folio = self.encoding.decode(ref_folio);
            reference::read(&mut doc, &tipo, &folio, REFERENCE_FIELDS);
        }
        Ok(Parsed::Document(doc))
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

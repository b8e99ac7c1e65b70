//! How large the documents' amounts may be. The engine adds amounts in `i64`; documents come
//! from outside (SII's registers, a user's CSV files), and a corrupt or hostile file with
//! absurd amounts must get a clear error, not an overflow (a panic in debug builds, a silent
//! wrap in release builds). The bounds are far above any real company — Chile's yearly GDP is
//! about 3·10^14 pesos — and far below `i64::MAX` (≈ 9.2·10^18), so every código and total,
//! each a signed sum of document amounts and bounded inputs, fits.

use ofitec_domain::rcv::RcvDocument;

use super::inputs::MAX_PESOS;

/// Largest sum, over every document, of the absolute values of all its amounts.
pub const MAX_TOTAL: i128 = 100_000_000_000_000_000;

/// The documents' amounts are beyond what the engine accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountsOutOfRange {
    /// One amount of one document.
    #[error(
        "document {document}: {field} = {value} is beyond the largest amount accepted ({MAX_PESOS} in absolute value)"
    )]
    Document {
        /// `tipo/folio/counterpart`.
        document: String,
        /// Which amount.
        field: String,
        /// The amount.
        value: i64,
    },
    /// All documents together.
    #[error(
        "the documents' amounts add up to more than {MAX_TOTAL} pesos in absolute value; the register is not plausible"
    )]
    Total,
}

/// Checks every amount of every document, and their sum.
pub fn check(docs: &[RcvDocument]) -> Result<(), AmountsOutOfRange> {
    let mut total: i128 = 0;
    for doc in docs {
        for (field, value) in amounts(doc) {
            if value.unsigned_abs() > MAX_PESOS.unsigned_abs() {
                return Err(AmountsOutOfRange::Document {
                    document: doc.key().to_string(),
                    field,
                    value,
                });
            }
            total += i128::from(value).abs();
        }
        if total > MAX_TOTAL {
            return Err(AmountsOutOfRange::Total);
        }
    }
    Ok(())
}

/// Every amount a document carries, named.
fn amounts(doc: &RcvDocument) -> impl Iterator<Item = (String, i64)> + '_ {
    let fixed = [
        ("exento", doc.exento),
        ("neto", doc.neto),
        ("iva", doc.iva),
        ("iva_no_recuperable", doc.iva_no_recuperable),
        ("total", doc.total),
        ("activo_fijo_neto", doc.activo_fijo_neto),
        ("activo_fijo_iva", doc.activo_fijo_iva),
        ("iva_uso_comun", doc.iva_uso_comun),
        ("sin_derecho_credito", doc.sin_derecho_credito),
        ("iva_retenido_total", doc.iva_retenido_total),
        ("iva_retenido_parcial", doc.iva_retenido_parcial),
        ("iva_no_retenido", doc.iva_no_retenido),
    ];
    fixed
        .into_iter()
        .map(|(field, value)| (field.to_owned(), value))
        .chain(
            doc.other_taxes
                .iter()
                .map(|t| (format!("other tax {}", t.codigo), t.valor)),
        )
        .chain(doc.extra.iter().map(|(k, v)| (k.clone(), *v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofitec_domain::rcv::{Operation, OtherTax};
    use ofitec_domain::{Period, Rut};

    fn doc(folio: i64, neto: i64) -> RcvDocument {
        let mut d = RcvDocument::new(
            Rut::parse("76123456-0").unwrap(),
            Period::parse("2024-11").unwrap(),
            Operation::Venta,
            33,
            Some(Rut::parse("12345678-5").unwrap()),
            folio,
        );
        d.neto = neto;
        d
    }

    #[test]
    fn plausible_registers_pass_even_at_the_bounds() {
        let docs: Vec<RcvDocument> = (1..=100).map(|f| doc(f, MAX_PESOS)).collect();
        assert_eq!(check(&docs), Ok(()));
        assert_eq!(check(&[doc(1, -MAX_PESOS)]), Ok(()));
    }

    #[test]
    fn one_absurd_amount_is_named() {
        let mut bad = doc(7, 1_000);
        bad.other_taxes = vec![OtherTax {
            codigo: 271,
            valor: MAX_PESOS + 1,
            tasa: None,
        }];
        let err = check(&[doc(1, 10), bad]).unwrap_err();
        assert_eq!(
            err,
            AmountsOutOfRange::Document {
                document: "33/7/12345678-5".to_owned(),
                field: "other tax 271".to_owned(),
                value: MAX_PESOS + 1,
            }
        );
        assert!(
            check(&[doc(1, i64::MIN)]).is_err(),
            "i64::MIN has no absolute value"
        );
    }

    #[test]
    fn amounts_that_would_overflow_together_are_refused() {
        // Each is allowed; 101 of them add up beyond the total.
        let docs: Vec<RcvDocument> = (1..=101).map(|f| doc(f, MAX_PESOS)).collect();
        assert_eq!(check(&docs), Err(AmountsOutOfRange::Total));
    }
}

//! A document's reference fields (`Tipo Docto. Referencia` / `Folio Docto. Referencia` in the
//! sales CSV, `detTipoDocRef` / `detFolioDocRef` in the facade's detail rows), shared by both
//! formats (docs/reference/sii.md#document-references).
//!
//! These fields never refuse a document: a DTE's reference may point at a purchase order,
//! a HES or a contract whose folio is text of up to 18 characters, so whatever is there is
//! kept — as a [`DocumentReference`] when it can name a DTE, as an [`OtherReference`]
//! otherwise — and a half-given reference (a type without a folio, or a folio without a
//! type) becomes a [`DocumentWarning`] on the document instead of vanishing.

use ofitec_domain::rcv::{
    DocumentReference, DocumentWarning, OtherReference, RcvDocument, is_folio,
};

use super::value;

/// The longest folio a DTE reference may carry (`FolioRef`, 18 characters).
pub(crate) const REFERENCE_FOLIO_MAX_CHARS: usize = 18;

/// Field names of the reference pair in one format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReferenceFields {
    /// The type's field.
    pub tipo: &'static str,
    /// The folio's field.
    pub folio: &'static str,
}

/// `0`, `-`, empty or `null`: SII's ways of saying "no reference".
fn absent(text: &str) -> bool {
    let t = text.trim();
    value::is_null(t) || t.bytes().all(|b| b == b'0')
}

/// Reads the pair into `doc`. A numeric type's folios may be joined by `-` (`506-508`); any
/// other text is one folio (`OC-4500A`, or `2019-77` for a type like `HES`).
pub(crate) fn read(doc: &mut RcvDocument, tipo: &str, folio: &str, fields: ReferenceFields) {
    let (tipo, folio) = (tipo.trim(), folio.trim());
    match (absent(tipo), absent(folio)) {
        (true, true) => {}
        (false, true) => doc.warnings.push(DocumentWarning {
            field: fields.folio.to_owned(),
            message: format!("a reference to a document of type `{tipo}` without its folio"),
        }),
        (true, false) => doc.warnings.push(DocumentWarning {
            field: fields.tipo.to_owned(),
            message: format!("a reference to folio `{folio}` without its document type"),
        }),
        (false, false) => {
            let tipo_dte = tipo.parse::<u16>().ok().filter(|t| *t > 0);
            // Only a numeric type's folios are numbers joined by `-`; a `HES` reference's
            // `2019-77` is one folio.
            let numbers = tipo_dte.is_some()
                && folio
                    .split('-')
                    .map(str::trim)
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if numbers {
                for part in folio.split('-').map(str::trim) {
                    push(doc, tipo, tipo_dte, part, fields);
                }
            } else {
                push(doc, tipo, tipo_dte, folio, fields);
            }
        }
    }
}

/// One folio: a DTE reference when the type is a DTE code and the folio is in SII's range,
/// an other reference otherwise.
fn push(
    doc: &mut RcvDocument,
    tipo: &str,
    tipo_dte: Option<u16>,
    folio: &str,
    fields: ReferenceFields,
) {
    let number = folio.parse::<i64>().ok().filter(|f| is_folio(*f));
    if let (Some(tipo_dte), Some(folio)) = (tipo_dte, number) {
        doc.references.push(DocumentReference { tipo_dte, folio });
        return;
    }
    if folio.chars().count() > REFERENCE_FOLIO_MAX_CHARS {
        doc.warnings.push(DocumentWarning {
            field: fields.folio.to_owned(),
            message: format!(
                "the referenced folio `{folio}` is longer than the {REFERENCE_FOLIO_MAX_CHARS} characters SII allows; kept as given"
            ),
        });
    }
    doc.other_references.push(OtherReference {
        tipo: tipo.to_owned(),
        folio: folio.to_owned(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofitec_domain::rcv::Operation;
    use ofitec_domain::{Period, Rut};

    const FIELDS: ReferenceFields = ReferenceFields {
        tipo: "Tipo Docto. Referencia",
        folio: "Folio Docto. Referencia",
    };

    fn read_pair(tipo: &str, folio: &str) -> RcvDocument {
        let (Ok(company), Ok(period)) = (Rut::parse("76123456-0"), Period::parse("2024-11")) else {
            panic!("fixtures")
        };
        let mut doc = RcvDocument::new(company, period, Operation::Venta, 61, None, 9);
        read(&mut doc, tipo, folio, FIELDS);
        doc
    }

    fn other(tipo: &str, folio: &str) -> OtherReference {
        OtherReference {
            tipo: tipo.into(),
            folio: folio.into(),
        }
    }

    #[test]
    fn nothing_when_both_are_absent() {
        for (tipo, folio) in [("", ""), ("0", ""), ("0", "0"), ("-", "null"), (" ", " 0 ")] {
            let doc = read_pair(tipo, folio);
            assert!(
                doc.references.is_empty()
                    && doc.other_references.is_empty()
                    && doc.warnings.is_empty(),
                "{tipo:?} {folio:?}: {doc:?}"
            );
        }
    }

    #[test]
    fn dte_folios_become_references() {
        let doc = read_pair("33", " 506-508 ");
        assert_eq!(
            doc.references,
            vec![
                DocumentReference {
                    tipo_dte: 33,
                    folio: 506
                },
                DocumentReference {
                    tipo_dte: 33,
                    folio: 508
                }
            ]
        );
        assert!(doc.other_references.is_empty() && doc.warnings.is_empty());
    }

    #[test]
    fn alphanumeric_and_out_of_range_folios_are_kept_as_given() {
        let doc = read_pair("801", "OC-4500A");
        assert_eq!(doc.other_references, vec![other("801", "OC-4500A")]);
        assert!(doc.references.is_empty() && doc.warnings.is_empty());

        // 18 digits: a purchase order number, not a DTE folio.
        let doc = read_pair("801", "450000000000000001");
        assert_eq!(
            doc.other_references,
            vec![other("801", "450000000000000001")]
        );
        assert!(doc.warnings.is_empty());

        // A type that is no DTE code keeps even a numeric folio as text.
        let doc = read_pair("HES", "1234");
        assert_eq!(doc.other_references, vec![other("HES", "1234")]);

        // Mixed parts: one folio, not two.
        let doc = read_pair("33", "506-A");
        assert_eq!(doc.other_references, vec![other("33", "506-A")]);
        assert!(doc.references.is_empty());

        // Only a numeric type's folios are split.
        let doc = read_pair("HES", "2019-77");
        assert_eq!(doc.other_references, vec![other("HES", "2019-77")]);
    }

    #[test]
    fn half_references_and_overlong_folios_are_warnings() {
        let doc = read_pair("33", "");
        assert_eq!(doc.warnings.len(), 1);
        assert_eq!(doc.warnings[0].field, FIELDS.folio);
        assert!(doc.warnings[0].message.contains("type `33`"));

        let doc = read_pair("0", "ABC123");
        assert_eq!(doc.warnings.len(), 1);
        assert_eq!(doc.warnings[0].field, FIELDS.tipo);
        assert!(doc.warnings[0].message.contains("`ABC123`"));
        assert!(doc.other_references.is_empty());

        let long = "X".repeat(19);
        let doc = read_pair("801", &long);
        assert_eq!(doc.other_references, vec![other("801", &long)]);
        assert_eq!(doc.warnings.len(), 1);
        assert!(doc.warnings[0].message.contains("18 characters"));
    }
}

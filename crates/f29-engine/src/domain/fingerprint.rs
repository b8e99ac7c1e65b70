//! A fingerprint of the documents a version was computed from, so a later reconciliation can
//! say that SII's register changed since (the version explains its numbers with the
//! documents stored *now*, which are only the same documents if the fingerprints agree).
//!
//! Each document is hashed on its own (SHA-256 over its identity and everything a mapping
//! rule or the admission can read), the digests are sorted and hashed again: the order the
//! documents came in does not matter, a repeated document does. Dates and names are left
//! out: they move no código.

use ofitec_domain::rcv::RcvDocument;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What identifies the set of documents behind a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentsFingerprint {
    /// Document lines fetched (a summary line is one).
    pub documents: u64,
    /// SHA-256 (hex) of the sorted per-document digests.
    pub sha256: String,
}

/// The fingerprint of `docs`, in any order.
pub fn fingerprint(docs: &[RcvDocument]) -> DocumentsFingerprint {
    let mut digests: Vec<[u8; 32]> = docs.iter().map(document_digest).collect();
    digests.sort_unstable();
    let mut all = Sha256::new();
    all.update((digests.len() as u64).to_le_bytes());
    for digest in &digests {
        all.update(digest);
    }
    DocumentsFingerprint {
        documents: docs.len() as u64,
        sha256: hex::encode(all.finalize()),
    }
}

/// Length-prefixed fields, so no two different documents write the same bytes.
struct Record(Sha256);

impl Record {
    fn int(&mut self, value: i64) {
        self.0.update(value.to_le_bytes());
    }

    fn text(&mut self, value: &str) {
        self.int(value.len() as i64);
        self.0.update(value.as_bytes());
    }
}

fn document_digest(d: &RcvDocument) -> [u8; 32] {
    let mut r = Record(Sha256::new());
    r.text(&d.company.to_string());
    r.text(&d.period.to_string());
    r.text(d.operation.as_str());
    r.int(i64::from(d.tipo_dte));
    r.text(&d.counterpart.map(|c| c.to_string()).unwrap_or_default());
    r.int(d.folio);
    r.text(d.state.map(|s| s.as_str()).unwrap_or_default());
    r.int(d.transaction_type.map_or(0, |t| i64::from(t.code())));
    r.int(i64::from(d.anulado));
    r.int(i64::from(d.document_count));
    for amount in [
        d.exento,
        d.neto,
        d.iva,
        d.iva_no_recuperable,
        d.total,
        d.activo_fijo_neto,
        d.activo_fijo_iva,
        d.iva_uso_comun,
        d.sin_derecho_credito,
        d.iva_retenido_total,
        d.iva_retenido_parcial,
        d.iva_no_retenido,
    ] {
        r.int(amount);
    }
    r.int(d.other_taxes.len() as i64);
    for tax in &d.other_taxes {
        r.int(i64::from(tax.codigo));
        r.int(tax.valor);
    }
    r.int(d.references.len() as i64);
    for reference in &d.references {
        r.int(i64::from(reference.tipo_dte));
        r.int(reference.folio);
    }
    r.int(d.extra.len() as i64);
    for (name, value) in &d.extra {
        r.text(name);
        r.int(*value);
    }
    r.0.finalize().into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use ofitec_domain::rcv::{DocumentReference, Operation, PurchaseState};
    use ofitec_domain::{Period, Rut};

    fn doc(tipo: u16, folio: i64, iva: i64) -> RcvDocument {
        let mut d = RcvDocument::new(
            Rut::parse("76123456-0").unwrap(),
            Period::parse("2024-11").unwrap(),
            Operation::Compra,
            tipo,
            Some(Rut::parse("12345678-5").unwrap()),
            folio,
        );
        d.state = Some(PurchaseState::Registro);
        d.iva = iva;
        d
    }

    #[test]
    fn order_does_not_matter_content_does() {
        let docs = vec![doc(33, 1, 190), doc(33, 2, 380), doc(61, 3, 19)];
        let base = fingerprint(&docs);
        assert_eq!(base.documents, 3);
        assert_eq!(base.sha256.len(), 64);
        let reversed: Vec<RcvDocument> = docs.iter().rev().cloned().collect();
        assert_eq!(fingerprint(&reversed), base);

        type Change = Box<dyn Fn(&mut RcvDocument)>;
        let changes: Vec<(&str, Change)> = vec![
            ("an amount", Box::new(|d| d.iva += 1)),
            (
                "the state",
                Box::new(|d| d.state = Some(PurchaseState::Pendiente)),
            ),
            ("cancelled", Box::new(|d| d.anulado = true)),
            (
                "a reference",
                Box::new(|d| {
                    d.references.push(DocumentReference {
                        tipo_dte: 33,
                        folio: 1,
                    })
                }),
            ),
            ("the folio", Box::new(|d| d.folio = 4)),
        ];
        for (what, change) in changes {
            let mut changed = docs.clone();
            change(&mut changed[2]);
            assert_ne!(fingerprint(&changed), base, "{what}");
        }
        // A repeated document is another set.
        let mut twice = docs.clone();
        twice.push(docs[0].clone());
        assert_ne!(fingerprint(&twice).sha256, base.sha256);
        // Names and dates move no código.
        let mut renamed = docs;
        renamed[0].counterpart_name = "Otra S.A.".into();
        assert_eq!(fingerprint(&renamed), base);
    }
}

//! Reconciliation ("conciliar"): the declaration against (a) SII's RCV summary per document
//! type and (b) SII's proposal `[{codigo, valor}]`. Every difference is listed with the
//! documents behind it, so the accountant sees *why* the numbers differ.

use std::collections::{BTreeMap, BTreeSet};

use ofitec_domain::rcv::{DocumentKey, Operation, PurchaseState};
use serde::Deserialize;

use super::accumulate::GroupStats;
use super::decimal::Decimal;
use super::export::CodeLine;
use super::fingerprint::DocumentsFingerprint;
use super::form::Valor;
use super::mapping::{Formula, Mapping, Step};

/// Most document keys listed per difference; the message says how many more there are.
pub const MAX_LISTED: usize = 50;

/// Which comparison found the difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A código differs from SII's proposal.
    Proposal,
    /// A (register, tipo DTE, state) differs from SII's RCV summary.
    RcvSummary,
    /// The stored documents are no longer those the version was computed from.
    DocumentsChanged,
}

impl Source {
    /// `proposal` / `rcv_summary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Proposal => "proposal",
            Source::RcvSummary => "rcv_summary",
            Source::DocumentsChanged => "documents_changed",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Which comparison.
    pub source: Source,
    /// Código (proposal differences).
    pub codigo: Option<u16>,
    /// Register (summary differences).
    pub operation: Option<Operation>,
    /// Tipo DTE (summary differences).
    pub tipo_dte: Option<u16>,
    /// Purchase state (summary differences).
    pub state: Option<PurchaseState>,
    /// Which amount differs (`documents`, `neto`, `iva`, … for summaries; `valor` for códigos).
    pub field: String,
    /// Our value (0 for a rate; see `ours_text`).
    pub ours: i64,
    /// SII's value.
    pub theirs: i64,
    /// Our value as text (exact for rates).
    pub ours_text: String,
    /// SII's value as text.
    pub theirs_text: String,
    /// Documents behind it (at most [`MAX_LISTED`]).
    pub documents: Vec<String>,
    /// For people.
    pub message: String,
}

/// A difference when the documents stored now are not those version `version` was computed
/// from (their fingerprints differ); `None` when they are.
pub fn compare_documents(
    version: u32,
    then: &DocumentsFingerprint,
    now: &DocumentsFingerprint,
) -> Option<Difference> {
    if then == now {
        return None;
    }
    Some(Difference {
        source: Source::DocumentsChanged,
        codigo: None,
        operation: None,
        tipo_dte: None,
        state: None,
        field: "documents".to_owned(),
        ours: i64::try_from(then.documents).unwrap_or(i64::MAX),
        theirs: i64::try_from(now.documents).unwrap_or(i64::MAX),
        ours_text: then.sha256.clone(),
        theirs_text: now.sha256.clone(),
        documents: Vec::new(),
        message: format!(
            "the documents changed since version {version} was computed ({} document lines then, {} now, and their content differs): the documents listed here are today's; compute again to declare what is stored now",
            then.documents, now.documents
        ),
    })
}

/// Why a proposal could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposalError {
    /// Not JSON of the expected shape.
    #[error("the proposal is not a JSON array of {{codigo, valor}}: {0}")]
    Shape(String),
    /// A código or a value is not a number.
    #[error("proposal item {index}: {message}")]
    Item {
        /// Position in the array.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Int(i64),
    Float(f64),
    Text(String),
}

#[derive(Deserialize)]
struct Item {
    codigo: Scalar,
    valor: Scalar,
}

fn scalar_text(s: &Scalar) -> String {
    match s {
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Text(t) => t.trim().to_owned(),
    }
}

/// Reads SII's proposal: `[{"codigo": "538", "valor": "123"}]`; códigos and values may be
/// strings (SII's shape) or numbers. A value with a fraction is a rate (115).
pub fn parse_proposal(json: &str) -> Result<BTreeMap<u16, Valor>, ProposalError> {
    let items: Vec<Item> =
        serde_json::from_str(json).map_err(|e| ProposalError::Shape(e.to_string()))?;
    let mut out = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let item_error = |message: String| ProposalError::Item { index, message };
        let code_text = scalar_text(&item.codigo);
        let codigo: u16 = code_text
            .parse()
            .map_err(|_| item_error(format!("código `{code_text}` is not a number")))?;
        let text = scalar_text(&item.valor);
        let valor = if text.is_empty() {
            Valor::Int(0)
        } else if let Ok(v) = text.parse::<i64>() {
            Valor::Int(v)
        } else {
            Valor::Rate(
                Decimal::parse(&text)
                    .map_err(|e| item_error(format!("value of código {codigo}: {e}")))?,
            )
        };
        if out.insert(codigo, valor).is_some() {
            return Err(item_error(format!("código {codigo} appears twice")));
        }
    }
    Ok(out)
}

/// The documents behind `codigo`: its own, or for a derived código those of its terms.
pub fn documents_behind(
    codigo: u16,
    mapping: &Mapping,
    direct: &BTreeMap<u16, Vec<DocumentKey>>,
) -> BTreeSet<DocumentKey> {
    let mut out = BTreeSet::new();
    let mut stack = vec![codigo];
    let mut seen = BTreeSet::new();
    while let Some(code) = stack.pop() {
        if !seen.insert(code) {
            continue;
        }
        if let Some(keys) = direct.get(&code) {
            out.extend(keys.iter().copied());
        }
        for step in mapping.order() {
            match *step {
                Step::Total(i) if mapping.totals()[i].codigo == code => {
                    let t = &mapping.totals()[i];
                    stack.extend(t.plus.iter().chain(&t.minus));
                }
                Step::Formula(f) if f.codigo() == code => stack.extend(f.inputs()),
                _ => {}
            }
        }
    }
    out
}

fn listed(keys: &BTreeSet<DocumentKey>) -> (Vec<String>, String) {
    let documents: Vec<String> = keys
        .iter()
        .take(MAX_LISTED)
        .map(ToString::to_string)
        .collect();
    let more = keys.len().saturating_sub(MAX_LISTED);
    let note = if more > 0 {
        format!(
            " ({} documents behind it, first {MAX_LISTED} listed)",
            keys.len()
        )
    } else {
        String::new()
    };
    (documents, note)
}

/// Every código whose value differs from SII's proposal (absent counts as 0).
pub fn compare_proposal(
    ours: &[CodeLine],
    theirs: &BTreeMap<u16, Valor>,
    mapping: &Mapping,
    direct: &BTreeMap<u16, Vec<DocumentKey>>,
) -> Vec<Difference> {
    let ours_by_code: BTreeMap<u16, Valor> = ours.iter().map(|l| (l.codigo, l.valor)).collect();
    let codes: BTreeSet<u16> = ours_by_code.keys().chain(theirs.keys()).copied().collect();
    let mut out = Vec::new();
    for code in codes {
        let a = ours_by_code.get(&code).copied().unwrap_or(Valor::Int(0));
        let b = theirs.get(&code).copied().unwrap_or(Valor::Int(0));
        let equal = match (a, b) {
            (Valor::Int(x), Valor::Int(y)) => x == y,
            (Valor::Rate(x), Valor::Rate(y)) => x == y,
            (Valor::Rate(x), Valor::Int(y)) | (Valor::Int(y), Valor::Rate(x)) => {
                y >= 0 && x == Decimal::new(i128::from(y), 0)
            }
        };
        if equal {
            continue;
        }
        let (documents, note) = listed(&documents_behind(code, mapping, direct));
        let glosa = mapping.glosa(code);
        let hint = if is_formula(code) { " (derived)" } else { "" };
        out.push(Difference {
            source: Source::Proposal,
            codigo: Some(code),
            operation: None,
            tipo_dte: None,
            state: None,
            field: "valor".to_owned(),
            ours: a.int(),
            theirs: b.int(),
            ours_text: a.to_string(),
            theirs_text: b.to_string(),
            documents,
            message: format!("código {code}{hint} {glosa}: ours {a}, SII's proposal {b}{note}"),
        });
    }
    out
}

fn is_formula(code: u16) -> bool {
    Formula::ALL.iter().any(|f| f.codigo() == code)
}

/// One row of SII's RCV summary, per (register, tipo DTE, state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// Register.
    pub operation: Operation,
    /// Tipo DTE.
    pub tipo_dte: u16,
    /// Purchase state (none for sales).
    pub state: Option<PurchaseState>,
    /// Documents.
    pub documents: u64,
    /// Σ exento.
    pub exento: i64,
    /// Σ neto.
    pub neto: i64,
    /// Σ IVA.
    pub iva: i64,
    /// Σ total.
    pub total: i64,
}

type GroupKey = (Operation, u16, Option<PurchaseState>);

/// Differences between what the declaration was computed from (`ours`, per group) and SII's
/// summary, with the current documents of each differing group.
pub fn compare_summary(
    ours: &[GroupStats],
    theirs: &[SummaryRow],
    documents: &BTreeMap<GroupKey, BTreeSet<DocumentKey>>,
) -> Vec<Difference> {
    let ours_by: BTreeMap<GroupKey, [i64; 5]> = ours
        .iter()
        .map(|g| {
            (
                (g.operation, g.tipo_dte, g.state),
                [g.documents as i64, g.exento, g.neto, g.iva, g.total],
            )
        })
        .collect();
    let theirs_by: BTreeMap<GroupKey, [i64; 5]> = theirs
        .iter()
        .map(|r| {
            (
                (r.operation, r.tipo_dte, r.state),
                [r.documents as i64, r.exento, r.neto, r.iva, r.total],
            )
        })
        .collect();
    let keys: BTreeSet<GroupKey> = ours_by.keys().chain(theirs_by.keys()).copied().collect();
    const FIELDS: [&str; 5] = ["documents", "exento", "neto", "iva", "total"];
    let mut out = Vec::new();
    for key in keys {
        let a = ours_by.get(&key).copied().unwrap_or_default();
        let b = theirs_by.get(&key).copied().unwrap_or_default();
        let empty = BTreeSet::new();
        let (listed_docs, note) = listed(documents.get(&key).unwrap_or(&empty));
        let (op, tipo, state) = key;
        let group = match state {
            Some(s) => format!("{op} tipo {tipo} {s}"),
            None => format!("{op} tipo {tipo}"),
        };
        for (i, field) in FIELDS.iter().enumerate() {
            if a[i] == b[i] {
                continue;
            }
            out.push(Difference {
                source: Source::RcvSummary,
                codigo: None,
                operation: Some(op),
                tipo_dte: Some(tipo),
                state,
                field: (*field).to_owned(),
                ours: a[i],
                theirs: b[i],
                ours_text: a[i].to_string(),
                theirs_text: b[i].to_string(),
                documents: listed_docs.clone(),
                message: format!(
                    "{group}: {field} {} when computed, {} in SII's RCV summary now{note}",
                    a[i], b[i]
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ofitec_domain::rcv::RcvDocument;
    use ofitec_domain::{Period, Rut};

    fn key(folio: i64) -> DocumentKey {
        let company = Rut::parse("76123456-0").expect("rut");
        let supplier = Rut::parse("12345678-5").expect("rut");
        let period = Period::parse("2024-11").expect("period");
        RcvDocument::new(company, period, Operation::Venta, 33, Some(supplier), folio).key()
    }

    #[test]
    fn reads_sii_strings_and_numbers() {
        let parsed = parse_proposal(r#"[{"codigo":"538","valor":"3800"},{"codigo":115,"valor":"0.125"},{"codigo":91,"valor":13790}]"#)
            .expect("proposal");
        assert_eq!(parsed.get(&538), Some(&Valor::Int(3_800)));
        assert_eq!(
            parsed.get(&115).map(|v| v.to_string()),
            Some("0.125".to_owned())
        );
        assert_eq!(parsed.get(&91), Some(&Valor::Int(13_790)));
        assert!(matches!(parse_proposal("{}"), Err(ProposalError::Shape(_))));
        assert!(matches!(
            parse_proposal(r#"[{"codigo":"x","valor":"1"}]"#),
            Err(ProposalError::Item { index: 0, .. })
        ));
    }

    #[test]
    fn proposal_differences_list_documents_of_terms() {
        let mapping = Mapping::default_mapping().expect("mapping");
        let ours = vec![
            CodeLine {
                codigo: 502,
                glosa: String::new(),
                valor: Valor::Int(5_700),
            },
            CodeLine {
                codigo: 538,
                glosa: String::new(),
                valor: Valor::Int(5_700),
            },
        ];
        let theirs = BTreeMap::from([(502, Valor::Int(3_800)), (538, Valor::Int(3_800))]);
        let direct = BTreeMap::from([(502, vec![key(1), key(2)])]);
        let diffs = compare_proposal(&ours, &theirs, &mapping, &direct);
        assert_eq!(diffs.len(), 2);
        assert_eq!(diffs[0].codigo, Some(502));
        assert_eq!(
            diffs[0].documents,
            vec!["33/1/12345678-5", "33/2/12345678-5"]
        );
        // 538 is a total: the documents behind its terms explain it.
        assert_eq!(diffs[1].codigo, Some(538));
        assert_eq!(diffs[1].documents.len(), 2);
        assert_eq!((diffs[1].ours, diffs[1].theirs), (5_700, 3_800));
    }

    #[test]
    fn summary_differences_by_field() {
        let ours = vec![GroupStats {
            operation: Operation::Venta,
            tipo_dte: 33,
            state: None,
            documents: 2,
            exento: 0,
            neto: 30_000,
            iva: 5_700,
            total: 35_700,
        }];
        let theirs = vec![SummaryRow {
            operation: Operation::Venta,
            tipo_dte: 33,
            state: None,
            documents: 3,
            exento: 0,
            neto: 40_000,
            iva: 7_600,
            total: 47_600,
        }];
        let diffs = compare_summary(&ours, &theirs, &BTreeMap::new());
        let fields: Vec<&str> = diffs.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, vec!["documents", "neto", "iva", "total"]);
        assert!(
            compare_summary(
                &ours,
                &[SummaryRow {
                    documents: 2,
                    neto: 30_000,
                    iva: 5_700,
                    total: 35_700,
                    ..theirs[0].clone()
                }],
                &BTreeMap::new()
            )
            .is_empty()
        );
    }

    #[test]
    fn changed_documents_are_one_difference() {
        use crate::domain::fingerprint::DocumentsFingerprint;
        let then = DocumentsFingerprint {
            documents: 10,
            sha256: "a".repeat(64),
        };
        assert_eq!(compare_documents(2, &then, &then.clone()), None);
        let now = DocumentsFingerprint {
            documents: 10,
            sha256: "b".repeat(64),
        };
        let d = compare_documents(2, &then, &now).expect("a difference");
        assert_eq!(d.source.as_str(), "documents_changed");
        assert_eq!((d.ours, d.theirs), (10, 10));
        assert_eq!(
            (d.ours_text.as_str(), d.theirs_text.as_str()),
            (then.sha256.as_str(), now.sha256.as_str())
        );
        assert!(d.message.contains("since version 2"), "{}", d.message);
    }
}

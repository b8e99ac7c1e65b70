//! The computation: RCV documents and the declaration's inputs → every código of the form.
//!
//! A pure function ([`compute`]): no I/O, no clock, the same documents in any order give the
//! same form. One pass over the documents accumulates amounts into a dense array indexed by
//! código (the mapping's index makes each document a single lookup), then the inputs are
//! applied and the derived códigos evaluated in the mapping's dependency order.
//!
//! Which documents count (docs/reference/f29.md#which-documents-count): purchases only in
//! `REGISTRO` (a credit or debit note that references an excluded invoice is excluded too), sales
//! unless cancelled (`anulado`). Débitos and créditos sum each document's IVA as the RCV states it.

use std::collections::{BTreeMap, HashSet};

use ofitec_domain::rcv::{DocumentKey, RcvDocument, TransactionType};
use serde::{Deserialize, Serialize};

use super::accumulate::{
    Accumulated, Admission, GroupStats, Tally, accumulate, admit, excluded_invoices,
};
use super::bounds::{self, AmountsOutOfRange};
use super::context::Context;
use super::decimal::{Rounding, div_round};
use super::fingerprint::DocumentsFingerprint;
use super::form::{Finding, Form, Valor};
use super::inputs::{InputError, Inputs};
use super::mapping::{Formula, Kind, Mapping, Step, codigo};
use super::options::{ComputeOptions, PpmBase};
use super::remanente::{self, PreviousSource, RemanenteDetail};
use super::uso_comun::UsoComunDetail;
use super::uso_comun::apply_uso_comun;
use super::utm::UtmError;

/// Why nothing could be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComputeError {
    /// A UTM value needed for 504 is missing.
    #[error(transparent)]
    Utm(#[from] UtmError),
    /// The inputs are invalid.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The documents' amounts are absurd (a corrupt register or file).
    #[error(transparent)]
    Amounts(#[from] AmountsOutOfRange),
    /// The configuration names a código the mapping cannot take.
    #[error(
        "compute.uso_comun_non_credited_codigo = {0} is not an amount código of the mapping that rules or totals leave free"
    )]
    NonCreditedCodigo(u16),
}

/// What explains the numbers beyond the documents and inputs; stored with the version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// The options the version was computed with.
    pub options: ComputeOptions,
    /// IVA uso común, when any document had it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uso_comun: Option<UsoComunDetail>,
    /// How 504 was obtained, when there was a previous remanente.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remanente: Option<RemanenteDetail>,
    /// Fetched documents by (operation, tipo, state), for the reconciliation.
    #[serde(default)]
    pub groups: Vec<GroupStats>,
    /// Which documents the version was computed from (set by the service; absent in the
    /// CLI and in versions stored before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents_fingerprint: Option<DocumentsFingerprint>,
}

/// The result of a computation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computation {
    /// Every código with a value.
    pub form: Form,
    /// What the computation noticed (unmapped types, pending documents, missing inputs…).
    pub findings: Vec<Finding>,
    /// Document lines considered (fetched).
    pub documents: u64,
    /// Unmapped documents by tipo DTE (for `f29_unmapped_documents_total`).
    pub unmapped: BTreeMap<u16, u64>,
    /// Explanations.
    pub details: Details,
}

/// Computes the form for `docs` (any order) under `ctx`.
pub fn compute(docs: &[RcvDocument], ctx: &Context<'_>) -> Result<Computation, ComputeError> {
    let mapping = ctx.mapping;
    let inputs = ctx.inputs;
    inputs.check(mapping)?;
    bounds::check(docs)?;
    if let Some(code) = ctx.options.uso_comun_non_credited_codigo {
        let usable = mapping.codigo(code).is_some_and(|d| d.kind == Kind::Amount)
            && !mapping.is_derived(code);
        if !usable {
            return Err(ComputeError::NonCreditedCodigo(code));
        }
    }

    let Accumulated {
        mut acc,
        uso_comun,
        period_sales,
        groups,
        tally,
    } = accumulate(docs, mapping);

    let mut findings = document_findings(&tally);
    let uso_detail = apply_uso_comun(&mut acc, &uso_comun, period_sales, ctx, &mut findings);
    let remanente = apply_inputs(&mut acc, ctx, &mut findings)?;
    if ctx.options.ppm_base == PpmBase::SiiProposal {
        let iva = acc[usize::from(codigo::DEBITO_FACTURAS)]
            + acc[usize::from(codigo::DEBITO_BOLETAS)]
            + acc[usize::from(codigo::DEBITO_VOUCHERS)];
        acc[usize::from(codigo::PPM_BASE)] =
            i64::try_from(div_round(i128::from(iva) * 100, 19, Rounding::HalfUp)).unwrap_or(0);
    }
    for adjustment in &inputs.adjustments {
        acc[usize::from(adjustment.codigo)] += adjustment.delta;
    }
    evaluate_derived(&mut acc, mapping, ctx.options, inputs);

    let mut shown: HashSet<u16> = HashSet::new();
    if inputs.ppm_rate.is_some() {
        shown.extend([codigo::PPM_TASA, codigo::PPM_BASE, codigo::PPM]);
    }
    if remanente.is_some() {
        shown.insert(codigo::REMANENTE_ANTERIOR);
    }
    let mut form = Form::default();
    for (&code, def) in mapping.codigos() {
        if code == codigo::PPM_TASA {
            if let Some(rate) = inputs.ppm_rate {
                form.codes.insert(code, Valor::Rate(rate));
            }
            continue;
        }
        let value = acc[usize::from(code)];
        // 94 is the late-payment total: on time it stays blank, whatever 91 is.
        if code == codigo::TOTAL_CON_RECARGO
            && codigo::RECARGOS.iter().all(|&c| acc[usize::from(c)] == 0)
        {
            continue;
        }
        if value != 0 || def.always || shown.contains(&code) {
            form.codes.insert(code, Valor::Int(value));
        }
    }

    let unmapped = tally
        .unmapped
        .iter()
        .fold(BTreeMap::new(), |mut by_tipo, ((_, tipo, _), n)| {
            *by_tipo.entry(*tipo).or_insert(0) += n;
            by_tipo
        });
    Ok(Computation {
        form,
        findings,
        documents: docs.len() as u64,
        unmapped,
        details: Details {
            options: ctx.options.clone(),
            uso_comun: uso_detail,
            remanente,
            groups,
            documents_fingerprint: None,
        },
    })
}

fn tx_name(tx: Option<TransactionType>) -> String {
    tx.and_then(|t| serde_json::to_value(t).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "without transaction type".to_owned())
}

fn document_findings(tally: &Tally) -> Vec<Finding> {
    let mut findings = Vec::new();
    if tally.pending > 0 {
        findings.push(Finding::warning(
            "pending_documents",
            format!(
                "{} purchase document(s) in PENDIENTE (IVA {}) are not counted: SII counts only REGISTRO; accept or claim them first",
                tally.pending,
                ofitec_domain::Clp(tally.pending_iva)
            ),
            None,
        ));
    }
    if tally.no_state > 0 {
        findings.push(Finding::warning(
            "purchase_state_missing",
            format!(
                "{} purchase document(s) have no register state and are not counted",
                tally.no_state
            ),
            None,
        ));
    }
    for key in &tally.references_excluded {
        findings.push(Finding::warning(
            "note_on_excluded_invoice",
            format!("{key} references an invoice outside REGISTRO and is not counted, as SII does"),
            None,
        ));
    }
    if !tally.unreferenced_notes.is_empty() {
        let shown: Vec<String> = tally
            .unreferenced_notes
            .iter()
            .take(10)
            .map(ToString::to_string)
            .collect();
        let more = tally.unreferenced_notes.len() - shown.len();
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        findings.push(Finding::warning(
            "note_references_unknown",
            format!(
                "{} purchase note(s) are counted without references while their supplier has purchases outside REGISTRO in this period ({}{more}): SII leaves out a note that corrects an excluded invoice, and registers read from SII's CSV export carry no references; check these notes",
                tally.unreferenced_notes.len(),
                shown.join(", "),
            ),
            None,
        ));
    }
    for ((op, tipo, tx), n) in &tally.unmapped {
        findings.push(Finding::warning(
            "unmapped_type",
            format!(
                "{n} {op} document(s) of tipo {tipo} ({}) match no mapping rule and are not in the form; add a rule (or an ignore rule) to the mapping",
                tx_name(*tx)
            ),
            None,
        ));
    }
    if tally.activo_fijo_without_iva > 0 {
        findings.push(Finding::warning(
            "activo_fijo_iva_missing",
            format!(
                "{} fixed-asset purchase(s) carry IVA but no \"IVA Activo Fijo\"; 525 reads that column",
                tally.activo_fijo_without_iva
            ),
            Some(codigo::ACTIVO_FIJO),
        ));
    }
    if tally.sales_retained > 0 {
        findings.push(Finding::warning(
            "sales_iva_retained",
            format!(
                "{} sale(s) had their IVA retained by the customer; check the débito declared for them",
                tally.sales_retained
            ),
            None,
        ));
    }
    if tally.liquidaciones > 0 {
        findings.push(Finding::warning(
            "check_liquidaciones",
            format!(
                "{} liquidación-factura document(s): SII asks the taxpayer to confirm código 501",
                tally.liquidaciones
            ),
            Some(501),
        ));
    }
    findings
}

fn apply_inputs(
    acc: &mut [i64],
    ctx: &Context<'_>,
    findings: &mut Vec<Finding>,
) -> Result<Option<RemanenteDetail>, ComputeError> {
    let inputs = ctx.inputs;
    if inputs.ppm_rate.is_none() {
        findings.push(Finding::warning(
            "missing_input",
            "PPM rate (115) not given: PPM (62) is 0",
            Some(codigo::PPM_TASA),
        ));
    }
    acc[usize::from(codigo::PPM_CREDITO)] += inputs.ppm_credit;
    match inputs.impuesto_unico {
        Some(v) => acc[usize::from(codigo::IMPUESTO_UNICO)] += v,
        None => findings.push(Finding::warning(
            "missing_input",
            "impuesto único (48) not given: taken as 0",
            Some(codigo::IMPUESTO_UNICO),
        )),
    }
    let honorarios = match (inputs.honorarios_gross, inputs.honorarios_rate) {
        (Some(gross), Some(rate)) if gross > 0 => Some(rate.percent_of(gross, Rounding::HalfUp)),
        _ => inputs.honorarios_withholding,
    };
    match honorarios {
        Some(v) => acc[usize::from(codigo::HONORARIOS)] += v,
        None => findings.push(Finding::warning(
            "missing_input",
            "honorarios withholding (151) not given: taken as 0",
            Some(codigo::HONORARIOS),
        )),
    }
    for (&code, &value) in &inputs.other {
        acc[usize::from(code)] += value;
    }

    let previous_label = ctx
        .period
        .previous()
        .map_or_else(|| "the previous period".to_owned(), |p| p.to_string());
    let previous = match (&ctx.previous, inputs.previous_remanente) {
        (Some(stored), given) => {
            if given.is_some_and(|g| g != stored.remanente) {
                findings.push(Finding::warning(
                    "previous_remanente_input_ignored",
                    format!(
                        "previous_remanente input ignored: the stored declaration of {previous_label} (version {}) has 77 = {}",
                        stored.version, stored.remanente
                    ),
                    Some(codigo::REMANENTE_ANTERIOR),
                ));
            }
            if !matches!(stored.status.as_str(), "sent" | "paid") {
                findings.push(Finding::warning(
                    "previous_not_filed",
                    format!(
                        "504 comes from the declaration of {previous_label}, which is still {}",
                        stored.status
                    ),
                    Some(codigo::REMANENTE_ANTERIOR),
                ));
            }
            Some((stored.remanente, PreviousSource::Stored))
        }
        (None, Some(given)) => Some((given, PreviousSource::Input)),
        (None, None) => {
            findings.push(Finding::warning(
                "missing_input",
                format!(
                    "previous remanente unknown: no stored declaration of {previous_label} and no previous_remanente input; 504 taken as 0"
                ),
                Some(codigo::REMANENTE_ANTERIOR),
            ));
            None
        }
    };
    let detail = match previous {
        Some((amount, source)) if amount > 0 => {
            let detail = remanente::for_period(
                ctx.period,
                amount,
                source,
                inputs.remanente_method,
                ctx.utm,
            )?;
            acc[usize::from(codigo::REMANENTE_ANTERIOR)] += detail.value;
            Some(detail)
        }
        _ => None,
    };
    Ok(detail)
}

/// Evaluates totals and formulas in dependency order.
fn evaluate_derived(acc: &mut [i64], mapping: &Mapping, options: &ComputeOptions, inputs: &Inputs) {
    for step in mapping.order() {
        let (code, value) = match *step {
            Step::Total(i) => {
                let total = &mapping.totals()[i];
                let plus: i64 = total.plus.iter().map(|&c| acc[usize::from(c)]).sum();
                let minus: i64 = total.minus.iter().map(|&c| acc[usize::from(c)]).sum();
                (total.codigo, plus - minus)
            }
            Step::Formula(f) => (f.codigo(), formula(f, acc, options, inputs)),
        };
        acc[usize::from(code)] = value;
    }
}

/// The value of a built-in formula from the current values.
pub fn formula(f: Formula, values: &[i64], options: &ComputeOptions, inputs: &Inputs) -> i64 {
    let v = |c: u16| values[usize::from(c)];
    match f {
        Formula::IvaDeterminado => (v(codigo::DEBITOS) - v(codigo::CREDITOS)).max(0),
        Formula::Remanente => (v(codigo::CREDITOS) - v(codigo::DEBITOS)).max(0),
        Formula::Ppm => match inputs.ppm_rate {
            Some(rate) => (rate.percent_of(v(codigo::PPM_BASE), options.ppm_rounding)
                - v(codigo::PPM_CREDITO))
            .max(0),
            None => 0,
        },
        Formula::CreditoElectronico => {
            let base =
                v(codigo::FACTURAS_RECIBIDAS) - v(codigo::NC_RECIBIDAS) + v(codigo::ND_RECIBIDAS);
            if options.credito_511_includes_525_762 {
                base + v(codigo::ACTIVO_FIJO) + v(codigo::SUPERMERCADO)
            } else {
                base
            }
        }
    }
}

/// The documents behind each código: every counted document that moved it (a nonzero
/// amount, or a count). Used by the reconciliation to explain differences.
pub fn contributions(docs: &[RcvDocument], mapping: &Mapping) -> BTreeMap<u16, Vec<DocumentKey>> {
    let excluded = excluded_invoices(docs);
    let mut behind: BTreeMap<u16, Vec<DocumentKey>> = BTreeMap::new();
    for doc in docs {
        if admit(doc, &excluded) != Admission::Counted {
            continue;
        }
        let Some(slot) = mapping.slot(doc.operation, doc.tipo_dte, doc.transaction_type) else {
            continue;
        };
        let mut moved: Vec<u16> = Vec::new();
        for c in &slot.counts {
            if c.when.as_ref().is_none_or(|f| f.value(doc) != 0) {
                moved.push(c.codigo);
            }
        }
        for a in &slot.amounts {
            if a.when.as_ref().is_none_or(|f| f.value(doc) != 0) && a.field.value(doc) != 0 {
                moved.push(a.codigo);
            }
        }
        moved.sort_unstable();
        moved.dedup();
        for code in moved {
            behind.entry(code).or_default().push(doc.key());
        }
    }
    behind
}

#[cfg(test)]
#[path = "compute_tests.rs"]
mod tests;

//! Validation of a computed form: the chain's internal consistency, the rules of the form
//! (89 and 77 never both positive, no negative where the form forbids it) and the state of
//! the import the documents came from. Errors block the `ready` status; warnings do not.

use chrono::{DateTime, Utc};
use ofitec_domain::Period;

use super::compute::formula;
use super::form::{Finding, Form};
use super::inputs::Inputs;
use super::mapping::{MAX_CODIGO, Mapping, Step, codigo};
use super::options::ComputeOptions;

/// When one register of the period was imported, and what SII said then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportInfo {
    /// Last successful import.
    pub last_imported_at: Option<DateTime<Utc>>,
    /// SII's `dcvFecModificacion` at that import.
    pub sii_modified_at: Option<DateTime<Utc>>,
}

/// Import facts for the period, per register (`None`: never imported).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportFacts {
    /// Purchases.
    pub compra: Option<ImportInfo>,
    /// Sales.
    pub venta: Option<ImportInfo>,
}

/// Every finding of the form itself (chain, signs) plus, when known, of the import.
pub fn validate(
    form: &Form,
    mapping: &Mapping,
    options: &ComputeOptions,
    inputs: &Inputs,
    period: Period,
    imports: Option<&ImportFacts>,
) -> Vec<Finding> {
    let mut findings = check_chain(form, mapping, options, inputs);
    findings.extend(check_signs(form, mapping));
    if let Some(imports) = imports {
        findings.extend(check_imports(imports, period));
    }
    findings
}

/// Each total equals its terms; each formula its definition; 89 and 77 exclusive.
pub fn check_chain(
    form: &Form,
    mapping: &Mapping,
    options: &ComputeOptions,
    inputs: &Inputs,
) -> Vec<Finding> {
    let mut values = vec![0_i64; usize::from(MAX_CODIGO) + 1];
    for (&code, valor) in &form.codes {
        if let Some(slot) = values.get_mut(usize::from(code)) {
            *slot = valor.int();
        }
    }
    let mut findings = Vec::new();
    for step in mapping.order() {
        let (code, expected, terms) = match *step {
            Step::Total(i) => {
                let t = &mapping.totals()[i];
                let plus: i64 = t.plus.iter().map(|&c| values[usize::from(c)]).sum();
                let minus: i64 = t.minus.iter().map(|&c| values[usize::from(c)]).sum();
                let terms = format!(
                    "{}{}",
                    join(&t.plus, " + "),
                    if t.minus.is_empty() {
                        String::new()
                    } else {
                        format!(" − {}", join(&t.minus, " − "))
                    }
                );
                (t.codigo, plus - minus, terms)
            }
            Step::Formula(f) => (
                f.codigo(),
                formula(f, &values, options, inputs),
                format!("its formula over {}", join(f.inputs(), ", ")),
            ),
        };
        // A total the form leaves blank (94 when paid on time) is not declared, so there is
        // nothing to contradict; every total with a value is always in the form.
        let declared =
            form.codes.contains_key(&code) || mapping.codigo(code).is_some_and(|d| d.always);
        let actual = values[usize::from(code)];
        if declared && actual != expected {
            findings.push(Finding::error(
                "chain_mismatch",
                format!("código {code} is {actual} but {terms} gives {expected}"),
                Some(code),
            ));
        }
    }
    let (iva, remanente) = (
        form.get(codigo::IVA_DETERMINADO),
        form.get(codigo::REMANENTE),
    );
    if iva > 0 && remanente > 0 {
        findings.push(Finding::error(
            "iva_and_remanente_positive",
            format!("89 ({iva}) and 77 ({remanente}) cannot both be positive"),
            Some(codigo::IVA_DETERMINADO),
        ));
    }
    findings
}

fn join(codes: &[u16], separator: &str) -> String {
    codes
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Negative values where the form allows none.
pub fn check_signs(form: &Form, mapping: &Mapping) -> Vec<Finding> {
    form.codes
        .iter()
        .filter(|(code, valor)| {
            valor.int() < 0 && !mapping.codigo(**code).is_some_and(|d| d.signed)
        })
        .map(|(&code, valor)| {
            Finding::error(
                "negative_value",
                format!(
                    "código {code} ({}) is {valor}; the form does not allow a negative value there",
                    mapping.glosa(code)
                ),
                Some(code),
            )
        })
        .collect()
}

/// A register never imported, or imported before SII's last change of the period.
pub fn check_imports(imports: &ImportFacts, period: Period) -> Vec<Finding> {
    let mut findings = Vec::new();
    let latest_change = [imports.compra, imports.venta]
        .iter()
        .flatten()
        .filter_map(|i| i.sii_modified_at)
        .max();
    for (name, info) in [("purchases", imports.compra), ("sales", imports.venta)] {
        match info.and_then(|i| i.last_imported_at.map(|at| (i, at))) {
            None => findings.push(Finding::warning(
                "period_not_imported",
                format!("the {name} register of {period} has not been imported from SII"),
                None,
            )),
            Some((_, imported_at)) => {
                if let Some(changed) = latest_change.filter(|c| *c > imported_at) {
                    findings.push(Finding::warning(
                        "import_outdated",
                        format!(
                            "the {name} register of {period} was imported at {} but SII changed the RCV at {}: import it again",
                            imported_at.to_rfc3339(),
                            changed.to_rfc3339()
                        ),
                        None,
                    ));
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::form::{Severity, Valor};

    fn mapping() -> Mapping {
        Mapping::default_mapping().expect("mapping")
    }

    fn form(values: &[(u16, i64)]) -> Form {
        let mut f = Form::default();
        for &(c, v) in values {
            f.codes.insert(c, Valor::Int(v));
        }
        f
    }

    #[test]
    fn consistent_chain_has_no_findings() {
        let f = form(&[
            (502, 100),
            (538, 100),
            (537, 0),
            (89, 100),
            (595, 100),
            (547, 100),
            (91, 100),
            (94, 100),
        ]);
        let findings = validate(
            &f,
            &mapping(),
            &ComputeOptions::default(),
            &Inputs::default(),
            Period::parse("2024-11").expect("p"),
            None,
        );
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn broken_total_and_both_positive_are_errors() {
        let f = form(&[
            (502, 100),
            (538, 90),
            (537, 10),
            (89, 80),
            (77, 5),
            (595, 80),
            (547, 80),
            (91, 80),
            (94, 80),
        ]);
        let findings = check_chain(
            &f,
            &mapping(),
            &ComputeOptions::default(),
            &Inputs::default(),
        );
        let codes: Vec<(&str, Option<u16>)> = findings
            .iter()
            .map(|x| (x.code.as_str(), x.codigo))
            .collect();
        assert!(codes.contains(&("chain_mismatch", Some(538))), "{codes:?}");
        assert!(codes.contains(&("chain_mismatch", Some(77))), "{codes:?}");
        assert!(
            codes.contains(&("iva_and_remanente_positive", Some(89))),
            "{codes:?}"
        );
        assert!(findings.iter().all(|x| x.severity == Severity::Error));
    }

    #[test]
    fn negatives_only_where_allowed() {
        let f = form(&[(538, -5), (510, -1)]);
        let findings = check_signs(&f, &mapping());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].codigo, Some(510));
    }

    #[test]
    fn imports_missing_or_outdated_are_warnings() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .ok()
        };
        let period = Period::parse("2024-11").expect("p");
        let facts = ImportFacts {
            compra: Some(ImportInfo {
                last_imported_at: at("2024-12-02T10:00:00Z"),
                sii_modified_at: at("2024-12-01T09:00:00Z"),
            }),
            venta: Some(ImportInfo {
                last_imported_at: at("2024-12-05T10:00:00Z"),
                sii_modified_at: at("2024-12-04T09:00:00Z"),
            }),
        };
        let findings = check_imports(&facts, period);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].code, "import_outdated");
        assert!(findings[0].message.contains("purchases"));
        let none = check_imports(&ImportFacts::default(), period);
        assert_eq!(
            none.iter()
                .filter(|f| f.code == "period_not_imported")
                .count(),
            2
        );
    }
}

//! The terminal rendering: códigos in aligned columns, pesos with thousands dots, then the
//! findings.

use std::fmt::Write as _;

use ofitec_domain::Clp;

use crate::domain::export::Declared;
use crate::domain::form::{Finding, Valor};
use crate::domain::mapping::{Kind, Mapping};

/// The declaration as a text table; `mapping` says which códigos are counts (no `$`).
pub fn render_table(
    declared: &Declared<'_>,
    mapping: &Mapping,
    documents: u64,
    findings: &[Finding],
) -> Vec<u8> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "F29 {} {} ({} document lines)\n",
        declared.company, declared.period, documents
    );
    let width = declared
        .lines
        .iter()
        .map(|l| l.glosa.chars().count())
        .max()
        .unwrap_or(0);
    for line in declared.lines {
        let count = mapping
            .codigo(line.codigo)
            .is_some_and(|d| d.kind == Kind::Count);
        let value = match line.valor {
            // Counts print like pesos without the sign: the same thousands dots.
            Valor::Int(v) if count => Clp(v).to_string().replacen('$', "", 1),
            Valor::Int(v) => Clp(v).to_string(),
            Valor::Rate(d) => format!("{d} %"),
        };
        let pad = width.saturating_sub(line.glosa.chars().count());
        let _ = writeln!(
            out,
            "{:>4}  {}{}  {:>16}",
            line.codigo,
            line.glosa,
            " ".repeat(pad),
            value
        );
    }
    if !findings.is_empty() {
        out.push('\n');
        for f in findings {
            let _ = writeln!(out, "{:<7} {} ({})", f.severity.as_str(), f.message, f.code);
        }
    }
    out.into_bytes()
}

//! `--ventas-resumen`: the sales SII keeps only as totals. Boletas (39, 35), boletas exentas
//! (41, 38), vales (47) and electronic payment vouchers (48) have no detail in the RCV, so
//! the CSV files a user downloads do not hold them; the RCV's "Resumen" screen does. Without
//! them 110/111, 758/759 and the PPM base would silently miss every retail sale, so the CLI
//! takes those totals from a small YAML file, one entry per tipo, as the screen shows them:
//!
//! ```yaml
//! - {tipo_dte: 39, documentos: 1250, exento: 0, neto: 10500000, iva: 1995000, total: 12495000}
//! - {tipo_dte: 48, documentos: 310, neto: 2100000, iva: 399000, total: 2499000}
//! ```
//!
//! Each entry becomes one summary line, exactly what sii-gateway stores from `getResumen`
//! for those types, so the CLI and the service compute the same thing.

use std::collections::BTreeSet;
use std::path::Path;

use ofitec_domain::rcv::{Operation, RcvDocument};
use ofitec_domain::{Period, Rut};
use serde::Deserialize;

use super::compute::CliError;

/// Sales types SII totals without detail (the same list sii-client treats as summary-only).
pub const SUMMARY_ONLY_TYPES: [u16; 6] = [35, 38, 39, 41, 47, 48];

/// One row of the RCV's sales summary.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResumenRow {
    /// Document type (one of [`SUMMARY_ONLY_TYPES`]).
    pub tipo_dte: u16,
    /// "Total Documentos".
    pub documentos: u32,
    /// "Monto Exento".
    #[serde(default)]
    pub exento: i64,
    /// "Monto Neto".
    #[serde(default)]
    pub neto: i64,
    /// "Monto IVA".
    #[serde(default)]
    pub iva: i64,
    /// "Monto Total".
    #[serde(default)]
    pub total: i64,
}

fn usage(path: &Path, message: impl std::fmt::Display) -> CliError {
    CliError::Usage(format!("{}: {message}", path.display()))
}

/// Reads the file and turns each row into a summary line of the sales register.
///
/// `detailed` are the sales types already read from CSV files: a summary for one of them
/// would count those documents twice, so it is refused.
pub fn read(
    path: &Path,
    company: Rut,
    period: Period,
    detailed: &BTreeSet<u16>,
) -> Result<Vec<RcvDocument>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    let rows: Vec<ResumenRow> = serde_yaml::from_str(&text).map_err(|e| usage(path, e))?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let entry = i + 1;
        if !SUMMARY_ONLY_TYPES.contains(&row.tipo_dte) {
            return Err(usage(
                path,
                format!(
                    "entry {entry}: tipo {} has detail in the RCV: give its documents in a --ventas CSV (only {SUMMARY_ONLY_TYPES:?} are summary-only)",
                    row.tipo_dte
                ),
            ));
        }
        if detailed.contains(&row.tipo_dte) {
            return Err(usage(
                path,
                format!(
                    "entry {entry}: tipo {} is also in a --ventas CSV; it would be counted twice",
                    row.tipo_dte
                ),
            ));
        }
        if !seen.insert(row.tipo_dte) {
            return Err(usage(
                path,
                format!("entry {entry}: tipo {} appears twice", row.tipo_dte),
            ));
        }
        if [row.exento, row.neto, row.iva, row.total]
            .iter()
            .any(|v| *v < 0)
        {
            return Err(usage(
                path,
                format!("entry {entry}: amounts are positive pesos"),
            ));
        }
        // A summary line: no counterpart, folio 0, the count of documents it totals.
        let mut doc = RcvDocument::new(company, period, Operation::Venta, row.tipo_dte, None, 0);
        doc.document_count = row.documentos;
        doc.exento = row.exento;
        doc.neto = row.neto;
        doc.iva = row.iva;
        doc.total = row.total;
        out.push(doc);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (Rut, Period) {
        (
            Rut::parse("76123456-0").expect("rut"),
            Period::parse("2024-11").expect("period"),
        )
    }

    fn read_text(text: &str, detailed: &[u16]) -> Result<Vec<RcvDocument>, CliError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("resumen.yaml");
        std::fs::write(&path, text).expect("write");
        let (company, period) = key();
        read(
            &path,
            company,
            period,
            &detailed.iter().copied().collect::<BTreeSet<u16>>(),
        )
    }

    #[test]
    fn rows_become_summary_lines() {
        let docs = read_text(
            "- {tipo_dte: 39, documentos: 25, neto: 10000, iva: 1900, total: 11900}\n- {tipo_dte: 41, documentos: 3, exento: 500, total: 500}\n",
            &[33],
        )
        .expect("valid");
        assert_eq!(docs.len(), 2);
        assert!(docs.iter().all(RcvDocument::is_summary));
        assert_eq!(
            (docs[0].tipo_dte, docs[0].document_count, docs[0].iva),
            (39, 25, 1_900)
        );
        assert_eq!((docs[1].exento, docs[1].operation), (500, Operation::Venta));
    }

    #[test]
    fn detailed_duplicated_or_negative_rows_are_refused() {
        let message = |r: Result<Vec<RcvDocument>, CliError>| match r {
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
        assert!(
            message(read_text("- {tipo_dte: 33, documentos: 1}\n", &[])).contains("has detail")
        );
        assert!(
            message(read_text("- {tipo_dte: 39, documentos: 1}\n", &[39]))
                .contains("counted twice")
        );
        assert!(
            message(read_text(
                "- {tipo_dte: 39, documentos: 1}\n- {tipo_dte: 39, documentos: 2}\n",
                &[]
            ))
            .contains("appears twice")
        );
        assert!(
            message(read_text("- {tipo_dte: 48, documentos: 1, iva: -5}\n", &[]))
                .contains("positive")
        );
        assert!(message(read_text("- {tipo_dte: 48, folios: 1}\n", &[])).contains("unknown field"));
    }
}

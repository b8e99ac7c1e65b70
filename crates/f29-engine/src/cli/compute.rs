//! The `compute` subcommand: read the CSV files and inputs, compute, validate, render.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use ofitec_domain::rcv::{Operation, RcvDocument};
use ofitec_domain::{Period, Rut};
use sii_client::rcv::csv::parse_reader;

use super::refused::RefusedRows;
use super::resumen;
use super::table::render_table;
use crate::config::Config;
use crate::domain::compute::{ComputeError, compute};
use crate::domain::context::Context;
use crate::domain::export::{Declared, Format, lines, render};
use crate::domain::form::{Finding, Severity};
use crate::domain::inputs::Inputs;
use crate::domain::lifecycle::Status;
use crate::domain::mapping::Mapping;
use crate::domain::options::ComputeOptions;
use crate::domain::utm::UtmTable;
use crate::domain::validate::validate;

/// How the result is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for a terminal, findings below.
    Table,
    /// `codigo;glosa;valor`.
    Csv,
    /// Period, company, status, version and códigos.
    Json,
    /// `<F29 periodo rut estado>`.
    Xml,
    /// SII's proposal shape `[{codigo, valor}]`.
    Proposal,
}

/// Arguments of `f29-engine compute`.
#[derive(Debug, Clone, Args)]
pub struct ComputeArgs {
    /// Company RUT ("76123456-0").
    #[arg(long)]
    pub company: String,
    /// Tax period, YYYY-MM (or YYYYMM).
    #[arg(long)]
    pub period: String,
    /// A purchases CSV from SII (REGISTRO, PENDIENTE, NO_INCLUIR or RECLAMADO); repeatable.
    #[arg(long)]
    pub compras: Vec<PathBuf>,
    /// A sales CSV from SII; repeatable.
    #[arg(long)]
    pub ventas: Vec<PathBuf>,
    /// YAML with the RCV's summary totals of the sales SII keeps without detail (boletas,
    /// vouchers): `[{tipo_dte, documentos, exento, neto, iva, total}]`.
    #[arg(long)]
    pub ventas_resumen: Option<PathBuf>,
    /// YAML file with the declaration's inputs.
    #[arg(long)]
    pub inputs: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the result here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Mapping YAML replacing the configured or shipped one.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// UTM table YAML replacing the configured or shipped one.
    #[arg(long)]
    pub utm_table: Option<PathBuf>,
    /// Succeed even when rows of the CSV files were refused (they are still listed at the
    /// end); without it the command fails with exit code 3.
    #[arg(long)]
    pub allow_refused: bool,
}

/// Why the command could not produce a declaration.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A wrong argument or input file (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The computation itself failed (exit code 1).
    #[error("{0}")]
    Failed(String),
    /// The declaration was computed and written, but rows of the CSV files were refused and
    /// `--allow-refused` was not given (exit code 3).
    #[error("{0}")]
    Refused(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
            CliError::Refused(_) => 3,
        }
    }
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

/// What reading the CSV files adds to the declaration's findings and the final summary.
struct Reading {
    findings: Vec<Finding>,
    refused: RefusedRows,
}

/// Reads one CSV file; row errors become warnings naming the file and line (and are kept
/// for the summary), and so do the documents' own warnings.
fn read_csv(
    path: &Path,
    expected: Operation,
    company: Rut,
    period: Period,
    reading: &mut Reading,
) -> Result<Vec<RcvDocument>, CliError> {
    let file =
        File::open(path).map_err(|e| usage(format!("cannot open {}: {e}", path.display())))?;
    let outcome = parse_reader(BufReader::new(file), company, period, None)
        .map_err(|e| usage(format!("{}: {e}", path.display())))?;
    if outcome.layout.operation() != expected {
        return Err(usage(format!(
            "{} holds the {} register, but was given as --{}",
            path.display(),
            outcome.layout.operation(),
            match expected {
                Operation::Compra => "compras",
                Operation::Venta => "ventas",
            }
        )));
    }
    reading.refused.add(path, &outcome.errors);
    let findings = &mut reading.findings;
    for error in &outcome.errors {
        findings.push(Finding::warning(
            "csv_row_refused",
            format!(
                "{}: {error}; that row is not in the computation",
                path.display()
            ),
            None,
        ));
    }
    for doc in &outcome.documents {
        for warning in &doc.warnings {
            findings.push(Finding::warning(
                "csv_document_warning",
                format!(
                    "{}: document {}, column `{}`: {}",
                    path.display(),
                    doc.key(),
                    warning.field,
                    warning.message
                ),
                None,
            ));
        }
    }
    Ok(outcome.documents)
}

fn read_yaml<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {what} {}: {e}", path.display())))?;
    serde_yaml::from_str(&text).map_err(|e| usage(format!("{what} {}: {e}", path.display())))
}

/// Runs `compute` and writes the result; `config` is the `--config` file, if any.
pub fn run(args: &ComputeArgs, config: Option<&Path>) -> Result<(), CliError> {
    let company = Rut::parse(&args.company).map_err(|e| usage(format!("--company: {e}")))?;
    let period = Period::parse(&args.period).map_err(|e| usage(format!("--period: {e}")))?;
    if args.compras.is_empty() && args.ventas.is_empty() && args.ventas_resumen.is_none() {
        return Err(usage(
            "give at least one --compras, --ventas or --ventas-resumen file",
        ));
    }
    // Only the computation's settings matter offline: the OPEN points and the two files.
    let (options, mapping_file, utm_file) = match config {
        Some(path) => {
            let config = Config::load(Some(path)).map_err(|e| usage(e.to_string()))?;
            (config.compute, config.mapping_file, config.utm_table)
        }
        None => (ComputeOptions::default(), None, None),
    };
    let mapping_path = args.mapping.as_ref().or(mapping_file.as_ref());
    let mapping = match mapping_path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("cannot read mapping {}: {e}", path.display())))?;
            Mapping::parse(&text).map_err(|e| usage(format!("{}: {e}", path.display())))?
        }
        None => Mapping::default_mapping().map_err(|e| CliError::Failed(e.to_string()))?,
    };
    let utm = match args.utm_table.as_ref().or(utm_file.as_ref()) {
        Some(path) => UtmTable::load(path),
        None => UtmTable::shipped(),
    }
    .map_err(|e| usage(e.to_string()))?;
    let inputs: Inputs = match &args.inputs {
        Some(path) => read_yaml(path, "inputs")?,
        None => Inputs::default(),
    };
    inputs.check(&mapping).map_err(|e| usage(e.to_string()))?;

    let mut reading = Reading {
        findings: Vec::new(),
        refused: RefusedRows::default(),
    };
    let mut documents = Vec::new();
    for path in &args.compras {
        documents.extend(read_csv(
            path,
            Operation::Compra,
            company,
            period,
            &mut reading,
        )?);
    }
    for path in &args.ventas {
        documents.extend(read_csv(
            path,
            Operation::Venta,
            company,
            period,
            &mut reading,
        )?);
    }
    let Reading {
        mut findings,
        refused,
    } = reading;
    if let Some(path) = &args.ventas_resumen {
        let detailed: BTreeSet<u16> = documents
            .iter()
            .filter(|d| d.operation == Operation::Venta)
            .map(|d| d.tipo_dte)
            .collect();
        documents.extend(resumen::read(path, company, period, &detailed)?);
    } else if !args.ventas.is_empty() {
        findings.push(Finding::warning(
            "ventas_resumen_missing",
            "no --ventas-resumen: sales SII keeps without detail (boletas, vouchers) are not in the form; give their totals from the RCV's Resumen if the company issued any",
            None,
        ));
    }

    let computation = compute(
        &documents,
        &Context {
            period,
            mapping: &mapping,
            options: &options,
            inputs: &inputs,
            utm: &utm,
            previous: None,
            sales_history: None,
        },
    )
    .map_err(|e| match e {
        // The files given hold absurd amounts: a wrong input, like a malformed file.
        ComputeError::Amounts(_) => CliError::Usage(e.to_string()),
        e => CliError::Failed(e.to_string()),
    })?;
    findings.extend(computation.findings.iter().cloned());
    findings.extend(validate(
        &computation.form,
        &mapping,
        &options,
        &inputs,
        period,
        None,
    ));

    let codes = lines(&computation.form, &mapping);
    let declared = Declared {
        company,
        period,
        status: Status::Draft,
        version: 0,
        lines: &codes,
    };
    let (body, findings_inline) = match args.format {
        OutputFormat::Table => (
            render_table(&declared, &mapping, computation.documents, &findings),
            true,
        ),
        other => {
            let format = match other {
                OutputFormat::Csv => Format::Csv,
                OutputFormat::Json => Format::Json,
                OutputFormat::Xml => Format::Xml,
                _ => Format::Proposal,
            };
            (render(format, &declared).content, false)
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, &body)
            .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?,
        None => std::io::stdout()
            .write_all(&body)
            .map_err(|e| CliError::Failed(format!("cannot write the result: {e}")))?,
    }
    // Machine formats keep stdout clean: findings go to stderr.
    if !findings_inline || args.output.is_some() {
        let mut stderr = std::io::stderr();
        for f in &findings {
            let _ = writeln!(
                stderr,
                "{}: {} ({})",
                f.severity.as_str(),
                f.message,
                f.code
            );
        }
    }
    // Last, so that it is what a terminal shows at the end.
    if let Some(summary) = refused.summary(args.allow_refused) {
        let _ = std::io::stderr().write_all(summary.as_bytes());
    }
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return Err(CliError::Failed(
            "the declaration has validation errors (listed above)".into(),
        ));
    }
    if refused.count() > 0 && !args.allow_refused {
        return Err(CliError::Refused(format!(
            "{} CSV row(s) refused (listed above): the declaration is incomplete",
            refused.count()
        )));
    }
    Ok(())
}

//! `f29-engine compute` on SII's real CSV layouts (`../testdata/sii/rcv-csv`): the
//! expected códigos, the same export as the engine the service runs computing the same
//! documents, and clear refusals. (The service itself is tested from documents it reads
//! from the real sii-gateway, in `service.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Output};

use f29_engine::domain::decimal::Decimal;
use f29_engine::domain::export::{Declared, Format, lines, render};
use f29_engine::domain::inputs::Inputs;
use f29_engine::domain::lifecycle::Status;
use ofitec_domain::{Period, Rut};
use sii_client::rcv::csv::parse_reader;

const COMPANY: &str = "76123456-0";
const PERIOD: &str = "2019-06";

fn testdata(name: &str) -> PathBuf {
    ofitec_testkit::sii_testdata("rcv-csv").join(name)
}

fn compras() -> Vec<PathBuf> {
    ["registro", "pendiente", "no_incluir", "reclamado"]
        .iter()
        .map(|state| {
            testdata(&format!(
                "RCV-compra-{state}-rz_leading_trailing_whitespace.csv"
            ))
        })
        .collect()
}

fn ventas() -> PathBuf {
    testdata("RCV-venta-rz_leading_trailing_whitespace.csv")
}

fn run(args: &[&str], files: &[(&str, PathBuf)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_f29-engine"));
    command.args(["compute", "--company", COMPANY, "--period", PERIOD]);
    command.args(args);
    for (flag, path) in files {
        command.arg(flag).arg(path);
    }
    command.env_remove("OFITEC_CONFIG");
    command.output().expect("f29-engine runs")
}

fn all_files() -> Vec<(&'static str, PathBuf)> {
    let mut files: Vec<(&str, PathBuf)> = compras().into_iter().map(|p| ("--compras", p)).collect();
    files.push(("--ventas", ventas()));
    files
}

fn csv_codes(text: &str) -> BTreeMap<u16, String> {
    text.lines()
        .skip(1)
        .map(|line| {
            let mut parts = line.split(';');
            let code = parts.next().unwrap().parse().unwrap();
            let value = parts.next_back().unwrap().to_owned();
            (code, value)
        })
        .collect()
}

#[test]
fn computes_the_expected_codigos_from_sii_csv_files() {
    let output = run(&["--format", "csv"], &all_files());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let codes = csv_codes(&String::from_utf8(output.stdout).unwrap());
    let expected: BTreeMap<u16, String> = [
        // Two facturas 33 sold: IVA 332,534 + 419,823; nets 1,750,181 + 2,209,597.
        (503, "2"),
        (502, "752357"),
        (563, "3959778"),
        // Two facturas 33 del giro in REGISTRO: IVA 45,632 + 5,198. PENDIENTE,
        // NO_INCLUIR and RECLAMADO files count for nothing.
        (519, "2"),
        (520, "50830"),
        (511, "50830"),
        (538, "752357"),
        (537, "50830"),
        (89, "701527"),
        (77, "0"),
        (595, "701527"),
        (547, "701527"),
        (91, "701527"),
    ]
    .into_iter()
    .map(|(c, v)| (c, v.to_owned()))
    .collect();
    assert_eq!(codes, expected);
    // Findings go to stderr, so stdout stays a clean CSV.
    assert!(stderr.contains("pending_documents"), "{stderr}");
    assert!(
        stderr.contains("2 purchase document(s) in PENDIENTE"),
        "{stderr}"
    );
}

#[test]
fn agrees_with_the_engine_computing_the_same_documents() {
    let company = Rut::parse(COMPANY).unwrap();
    let period = Period::parse(PERIOD).unwrap();
    let mut documents = Vec::new();
    for path in compras().into_iter().chain([ventas()]) {
        let outcome = parse_reader(File::open(&path).unwrap(), company, period, None).unwrap();
        assert!(
            outcome.errors.is_empty(),
            "{}: {:?}",
            path.display(),
            outcome.errors
        );
        documents.extend(outcome.documents);
    }
    assert_eq!(documents.len(), 10);
    let inputs = Inputs {
        ppm_rate: Some(Decimal::parse("0.125").unwrap()),
        ..Inputs::default()
    };
    let (computation, mapping) = common::compute_for(period, &documents, &inputs);
    let codes = lines(&computation.form, &mapping);
    let engine = render(
        Format::Csv,
        &Declared {
            company,
            period,
            status: Status::Draft,
            version: 1,
            lines: &codes,
        },
    );

    let dir = tempfile::tempdir().unwrap();
    let inputs_file = dir.path().join("inputs.yaml");
    std::fs::write(&inputs_file, "ppm_rate: \"0.125\"\n").unwrap();
    let output = run(
        &["--format", "csv", "--inputs", inputs_file.to_str().unwrap()],
        &all_files(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(engine.content).unwrap()
    );
}

#[test]
fn other_formats_and_the_table() {
    let output = run(&["--format", "json"], &all_files());
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["company"], COMPANY);
    assert_eq!(json["period"], PERIOD);
    assert_eq!(json["status"], "draft");

    let output = run(&["--format", "xml"], &all_files());
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(
        xml.contains("<F29 periodo=\"201906\" rut=\"76123456-0\" estado=\"draft\" version=\"0\">"),
        "{xml}"
    );

    let output = run(&[], &all_files());
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("Débito facturas emitidas"), "{table}");
    assert!(table.contains("$752.357"), "{table}");
    assert!(
        table.contains("pending_documents"),
        "findings are part of the table: {table}"
    );

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("F29.csv");
    let output = run(
        &["--format", "csv", "--output", target.to_str().unwrap()],
        &all_files(),
    );
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    assert!(
        std::fs::read_to_string(target)
            .unwrap()
            .starts_with("codigo;glosa;valor\n")
    );
}

#[test]
fn refused_rows_are_reported_and_wrong_files_refused() {
    // `--allow-refused`: without it refused rows fail the command (see
    // `refused_rows_fail_the_command_unless_allowed`).
    let output = run(
        &["--format", "csv", "--allow-refused"],
        &[(
            "--ventas",
            testdata("RCV-venta-missing-required-fields.csv"),
        )],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("csv_row_refused"), "{stderr}");
    assert!(
        stderr.contains("RCV-venta-missing-required-fields.csv"),
        "{stderr}"
    );

    let output = run(&[], &[("--ventas", compras().remove(0))]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds the compra register"));

    let mut command = Command::new(env!("CARGO_BIN_EXE_f29-engine"));
    let output = command
        .args([
            "compute",
            "--company",
            "76123456-1",
            "--period",
            PERIOD,
            "--ventas",
        ])
        .arg(ventas())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--company"));

    let dir = tempfile::tempdir().unwrap();
    let bad_inputs = dir.path().join("inputs.yaml");
    std::fs::write(
        &bad_inputs,
        "adjustments: [{codigo: 502, delta: 5, reason: \"\"}]\n",
    )
    .unwrap();
    let output = run(
        &["--inputs", bad_inputs.to_str().unwrap()],
        &[("--ventas", ventas())],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("reason"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn refused_rows_fail_the_command_unless_allowed() {
    let files = [
        (
            "--compras",
            testdata("RCV-compra-registro-folio-out-of-range.csv"),
        ),
        ("--ventas", testdata("RCV-venta-folio-out-of-range.csv")),
    ];
    let output = run(&["--format", "csv"], &files);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    // The declaration is still written, so that the user sees what it would be.
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("codigo;glosa;valor\n"),
        "{stderr}"
    );
    // The summary comes at the end, one line per refused row, naming file, line and column.
    let summary = stderr
        .split_once("2 rows refused in 2 files; they are not in the declaration:\n")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let lines: Vec<&str> = summary.lines().collect();
    assert!(
        lines[0].ends_with(
            "RCV-compra-registro-folio-out-of-range.csv: line 3, column `Folio`: `99999999999` is not a folio: SII's folios go from 1 to 9999999999"
        ),
        "{summary}"
    );
    assert!(
        lines[1].ends_with(
            "RCV-venta-folio-out-of-range.csv: line 3, column `Folio`: `12345678901` is not a folio: SII's folios go from 1 to 9999999999"
        ),
        "{summary}"
    );
    assert!(lines[2].contains("--allow-refused"), "{summary}");
    assert!(
        lines[3].starts_with("f29-engine compute: 2 CSV row(s) refused"),
        "{summary}"
    );
    assert_eq!(lines.len(), 4, "{summary}");

    // Allowed: the same summary, and success.
    let output = run(&["--format", "csv", "--allow-refused"], &files);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("2 rows refused in 2 files; they are not in the declaration:\n"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("--allow-refused: computed without them.\n"),
        "{stderr}"
    );

    // The table format shows the declaration on stdout and still ends with the summary.
    let output = run(&[], &files);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("2 rows refused in 2 files"), "{stderr}");
}

#[test]
fn references_keep_their_documents_and_half_references_are_warnings() {
    let output = run(
        &["--format", "csv"],
        &[("--ventas", testdata("RCV-venta-references.csv"))],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("refused"), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("(csv_document_warning)"))
        .collect();
    assert_eq!(warnings.len(), 2, "{stderr}");
    assert!(
        warnings[0].contains("document 33/510/12345678-5, column `Folio Docto. Referencia`"),
        "{stderr}"
    );
    assert!(
        warnings[1].contains("document 33/511/12345678-5, column `Tipo Docto. Referencia`"),
        "{stderr}"
    );
    // Every document counts: six facturas 33 and a credit note. Sales IVA (502) is the
    // facturas' minus the note's: 332,534 + 5 × 419,823.
    let codes = csv_codes(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(codes.get(&503).map(String::as_str), Some("6"), "{codes:?}");
    assert_eq!(
        codes.get(&502).map(String::as_str),
        Some("2431649"),
        "{codes:?}"
    );
}

#[test]
fn a_file_with_absurd_amounts_is_refused_instead_of_overflowing() {
    // 18 digits still parse as a peso amount; a handful of them would overflow the sums.
    let original = std::fs::read_to_string(ventas()).unwrap();
    let absurd = original.replacen(";0;1750181;332534;", ";0;999999999999999999;332534;", 1);
    assert_ne!(
        absurd, original,
        "the first factura's Monto Neto is replaced"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ventas.csv");
    std::fs::write(&path, absurd).unwrap();
    let output = run(&[], &[("--ventas", path)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("33/506/12345678-5: neto = 999999999999999999"),
        "{stderr}"
    );
}

#[test]
fn boletas_and_vouchers_come_from_the_ventas_resumen() {
    let without = run(&["--format", "csv"], &all_files());
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("ventas_resumen_missing"),
        "a sales CSV without the summary is flagged"
    );
    let before = csv_codes(&String::from_utf8(without.stdout).unwrap());

    let dir = tempfile::tempdir().unwrap();
    let resumen = dir.path().join("resumen.yaml");
    std::fs::write(
        &resumen,
        "- {tipo_dte: 39, documentos: 25, neto: 100000, iva: 19000, total: 119000}\n- {tipo_dte: 48, documentos: 4, neto: 20000, iva: 3800, total: 23800}\n",
    )
    .unwrap();
    let mut files = all_files();
    files.push(("--ventas-resumen", resumen));
    let output = run(&["--format", "csv"], &files);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("ventas_resumen_missing"), "{stderr}");
    let codes = csv_codes(&String::from_utf8(output.stdout).unwrap());
    let get = |c: u16| codes.get(&c).map(String::as_str);
    assert_eq!(
        (get(110), get(111), get(758), get(759)),
        (Some("25"), Some("19000"), Some("4"), Some("3800"))
    );
    // 538 = 752,357 + 19,000 + 3,800; 563 = 3,959,778 + 100,000 + 20,000.
    assert_eq!(get(538), Some("775157"));
    assert_eq!(get(563), Some("4079778"));
    assert_eq!(get(89), Some("724327"));
    // Purchases did not move.
    assert_eq!(get(537), before.get(&537).map(String::as_str));

    // A type with detail is refused: its documents belong in the CSV.
    std::fs::write(&files[5].1, "- {tipo_dte: 33, documentos: 1, iva: 19}\n").unwrap();
    let output = run(&["--format", "csv"], &files);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("has detail"));
}

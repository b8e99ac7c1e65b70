//! The offline CLI and the service agree: sii-sim holds a period, sii-gateway imports it,
//! the service computes it; a user downloads the same period's CSV files (and the summary
//! of boletas and vouchers) from the same sii-sim, and `f29-engine compute` on those files
//! gives the very same export, byte for byte.
//!
//! The same holds for the committed SII files in `testdata/sii/rcv-csv`: sii-sim is loaded
//! with exactly their documents, the gateway imports them, and the CLI on the files agrees
//! with the service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::platform::Platform;
use ofitec_domain::rcv::PurchaseState;
use ofitec_proto::f29::v1 as pb;

fn key() -> pb::DeclarationKey {
    pb::DeclarationKey {
        company: common::company().to_string(),
        period: common::period().to_string(),
    }
}

fn csv_codes(text: &str) -> BTreeMap<i64, String> {
    text.lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(';').collect();
            (
                fields[0].parse().unwrap(),
                fields[fields.len() - 1].to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_cli_on_the_downloaded_files_agrees_with_the_service() {
    // SII's CSV export carries less than its JSON detail (no purchase references, so a note
    // on an excluded invoice cannot be recognised): the gateway takes the export path for
    // every type with more than one document, so both sides read what the CSV carries.
    let mut p = Platform::start_with(|gateway| gateway.sii.detail_sync_limit = 1).await;
    p.set_volume(60).await;
    p.import().await;
    let inputs = pb::DeclarationInputs {
        ppm_rate: "0.125".into(),
        impuesto_unico: Some(120_000),
        honorarios_gross: 100_000,
        honorarios_rate: "14.5".into(),
        previous_remanente: Some(0),
        ..Default::default()
    };
    let declaration = p
        .engine
        .compute(pb::ComputeRequest {
            key: Some(key()),
            inputs: Some(inputs),
            requested_by: String::new(),
        })
        .await
        .expect("compute")
        .into_inner();
    let service_export = p
        .engine
        .export(pb::ExportRequest {
            key: Some(key()),
            format: "csv".into(),
        })
        .await
        .expect("export")
        .into_inner();
    let service_csv = String::from_utf8(service_export.content).unwrap();

    let files = p.download().await;
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_f29-engine"));
    command.env_remove("OFITEC_CONFIG").args([
        "compute",
        "--company",
        &common::company().to_string(),
        "--period",
        &common::period().to_string(),
        "--format",
        "csv",
    ]);
    for (state, csv) in &files.compras {
        let path = dir
            .path()
            .join(format!("RCV_COMPRA_{}.csv", state.as_str()));
        std::fs::write(&path, csv).unwrap();
        command.arg("--compras").arg(path);
    }
    let ventas = dir.path().join("RCV_VENTA.csv");
    std::fs::write(&ventas, &files.ventas).unwrap();
    command.arg("--ventas").arg(&ventas);
    assert!(
        !files.resumen_yaml.is_empty(),
        "sii-sim's sales include boletas or vouchers"
    );
    let resumen = dir.path().join("resumen.yaml");
    std::fs::write(&resumen, &files.resumen_yaml).unwrap();
    command.arg("--ventas-resumen").arg(&resumen);
    let inputs_file = dir.path().join("inputs.yaml");
    std::fs::write(
        &inputs_file,
        "ppm_rate: \"0.125\"\nimpuesto_unico: 120000\nhonorarios_gross: 100000\nhonorarios_rate: \"14.5\"\nprevious_remanente: 0\n",
    )
    .unwrap();
    command.arg("--inputs").arg(&inputs_file);
    let output = command.output().expect("f29-engine runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let cli_csv = String::from_utf8(output.stdout).unwrap();

    // The registers are not trivial: sales and purchases of many kinds, boletas from the
    // summary, documents outside REGISTRO that must not count.
    let codes = csv_codes(&service_csv);
    for codigo in [502, 510, 111, 520, 528, 538, 537, 563, 62, 48, 151, 91] {
        let value = codes.get(&codigo).map_or("0", String::as_str);
        assert_ne!(value, "0", "código {codigo} is 0 in {service_csv}");
    }
    assert!(
        files
            .compras
            .iter()
            .any(|(state, csv)| *state != PurchaseState::Registro && csv.lines().count() > 1),
        "some purchases are outside REGISTRO"
    );
    // Every código, peso for peso, and the same file.
    assert_eq!(csv_codes(&cli_csv), codes);
    assert_eq!(cli_csv, service_csv);
    assert_eq!(
        declaration.codes.len(),
        codes.len(),
        "the export holds every código of the declaration"
    );
}

fn testdata(name: &str) -> std::path::PathBuf {
    ofitec_testkit::sii_testdata("rcv-csv").join(name)
}

#[tokio::test]
async fn the_cli_on_the_committed_sii_files_agrees_with_the_service_on_the_same_documents() {
    use ofitec_domain::rcv::{Operation, RcvDocument};
    let compras: Vec<_> = ["registro", "pendiente", "no_incluir", "reclamado"]
        .iter()
        .map(|s| {
            testdata(&format!(
                "RCV-compra-{s}-rz_leading_trailing_whitespace.csv"
            ))
        })
        .collect();
    let ventas = testdata("RCV-venta-rz_leading_trailing_whitespace.csv");
    let parse = |path: &std::path::Path| -> Vec<RcvDocument> {
        let file = std::fs::File::open(path).unwrap();
        let outcome =
            sii_client::rcv::csv::parse_reader(file, common::company(), common::period(), None)
                .unwrap();
        assert!(outcome.errors.is_empty(), "{path:?}: {:?}", outcome.errors);
        outcome.documents
    };
    let purchases: Vec<RcvDocument> = compras.iter().flat_map(|p| parse(p)).collect();
    let sales = parse(&ventas);

    // SII holds exactly the files' documents; the gateway reads them through SII's CSV
    // export, as the user's download did.
    let mut p = Platform::start_with(|gateway| gateway.sii.detail_sync_limit = 0).await;
    p.load_register(Operation::Compra, &purchases).await;
    p.load_register(Operation::Venta, &sales).await;
    p.import().await;
    assert_eq!(p.served(Operation::Compra).await.len(), purchases.len());
    let inputs = pb::DeclarationInputs {
        ppm_rate: "0.125".into(),
        previous_remanente: Some(0),
        ..Default::default()
    };
    p.engine
        .compute(pb::ComputeRequest {
            key: Some(key()),
            inputs: Some(inputs),
            requested_by: String::new(),
        })
        .await
        .expect("compute");
    let service_csv = String::from_utf8(
        p.engine
            .export(pb::ExportRequest {
                key: Some(key()),
                format: "csv".into(),
            })
            .await
            .expect("export")
            .into_inner()
            .content,
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let inputs_file = dir.path().join("inputs.yaml");
    std::fs::write(&inputs_file, "ppm_rate: \"0.125\"\nprevious_remanente: 0\n").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_f29-engine"));
    command.env_remove("OFITEC_CONFIG").args([
        "compute",
        "--company",
        &common::company().to_string(),
        "--period",
        &common::period().to_string(),
        "--format",
        "csv",
    ]);
    for path in &compras {
        command.arg("--compras").arg(path);
    }
    command.arg("--ventas").arg(&ventas);
    command.arg("--inputs").arg(&inputs_file);
    let output = command.output().expect("f29-engine runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cli_csv = String::from_utf8(output.stdout).unwrap();

    let codes = csv_codes(&service_csv);
    for codigo in [502, 538, 520, 537] {
        let value = codes.get(&codigo).map_or("0", String::as_str);
        assert_ne!(value, "0", "código {codigo} is 0 in {service_csv}");
    }
    assert_eq!(csv_codes(&cli_csv), codes);
    assert_eq!(cli_csv, service_csv);
}

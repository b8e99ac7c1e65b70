//! Every file in testdata/sii/rcv-csv parses to what a person reads in it.
// Helpers outside #[test] functions panic too: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::sii_file;
use ofitec_domain::rcv::{Operation, PurchaseState, RcvDocument, TransactionType};
use ofitec_domain::{Period, Rut};
use sii_client::rcv::csv::{CsvOutcome, Layout, parse_reader};

fn company() -> Rut {
    Rut::parse("76354771-K").expect("rut")
}

fn period() -> Period {
    Period::parse("2019-06").expect("period")
}

fn parse(file: &str) -> CsvOutcome {
    parse_reader(
        sii_file(&format!("rcv-csv/{file}")).as_slice(),
        company(),
        period(),
        None,
    )
    .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%d/%m/%Y").ok()
}

fn time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%d/%m/%Y %H:%M:%S").ok()
}

/// What a person reads in a row: type, supplier, name, folio, dates, amounts.
struct Row {
    tipo: u16,
    rut: &'static str,
    name: &'static str,
    folio: i64,
    issued: &'static str,
    received: &'static str,
    exento: i64,
    neto: i64,
    iva: i64,
    total: i64,
}

fn check(doc: &RcvDocument, row: &Row) {
    let key = format!("folio {}", row.folio);
    assert_eq!(doc.company, company(), "{key}");
    assert_eq!(doc.period, period(), "{key}");
    assert_eq!(doc.tipo_dte, row.tipo, "{key}");
    assert_eq!(
        doc.counterpart,
        Some(Rut::parse(row.rut).expect("rut")),
        "{key}"
    );
    assert_eq!(doc.counterpart_name, row.name, "{key}: names are trimmed");
    assert_eq!(doc.folio, row.folio);
    assert_eq!(doc.issued_on, date(row.issued), "{key}");
    assert_eq!(doc.received_at, time(row.received), "{key}");
    assert_eq!(
        (doc.exento, doc.neto, doc.iva, doc.total),
        (row.exento, row.neto, row.iva, row.total),
        "{key}"
    );
    assert_eq!(doc.document_count, 1);
    assert!(
        doc.other_taxes.is_empty() && doc.references.is_empty(),
        "{key}"
    );
}

#[test]
fn compras_registro() {
    let out = parse("RCV-compra-registro-rz_leading_trailing_whitespace.csv");
    assert_eq!(out.layout, Layout::CompraRegistro);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.documents.len(), 2);
    check(
        &out.documents[0],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 23084,
            issued: "21/06/2019",
            received: "24/06/2019 09:55:53",
            exento: 0,
            neto: 240_169,
            iva: 45_632,
            total: 285_801,
        },
    );
    check(
        &out.documents[1],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 31_000_097,
            issued: "02/07/2019",
            received: "03/07/2019 00:15:30",
            exento: 0,
            neto: 27_356,
            iva: 5_198,
            total: 32_554,
        },
    );
    for doc in &out.documents {
        assert_eq!(doc.operation, Operation::Compra);
        assert_eq!(doc.state, Some(PurchaseState::Registro));
        assert_eq!(doc.transaction_type, Some(TransactionType::DelGiro));
        assert_eq!(doc.acknowledged_at, None);
        assert_eq!(
            (doc.iva_no_recuperable, doc.iva_no_recuperable_code),
            (0, None)
        );
        assert!(
            doc.extra.is_empty(),
            "zero tobacco/NCE amounts are not stored: {:?}",
            doc.extra
        );
    }
}

#[test]
fn compras_no_incluir() {
    let out = parse("RCV-compra-no_incluir-rz_leading_trailing_whitespace.csv");
    assert_eq!(out.layout, Layout::CompraNoIncluir);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    check(
        &out.documents[0],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 19_000_035,
            issued: "13/12/2019",
            received: "14/12/2019 15:56:27",
            exento: 0,
            neto: 87_699,
            iva: 0,
            total: 104_362,
        },
    );
    check(
        &out.documents[1],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 19_000_036,
            issued: "13/12/2019",
            received: "14/12/2019 15:56:27",
            exento: 0,
            neto: 155_473,
            iva: 0,
            total: 185_013,
        },
    );
    // Here the IVA is non-recoverable, code 9.
    assert_eq!(
        out.documents
            .iter()
            .map(|d| (d.iva_no_recuperable, d.iva_no_recuperable_code))
            .collect::<Vec<_>>(),
        vec![(16_663, Some(9)), (29_540, Some(9))]
    );
    for doc in &out.documents {
        assert_eq!(doc.state, Some(PurchaseState::NoIncluir));
        assert_eq!(doc.transaction_type, Some(TransactionType::NoIncluir));
    }
}

#[test]
fn compras_pendiente() {
    let out = parse("RCV-compra-pendiente-rz_leading_trailing_whitespace.csv");
    assert_eq!(out.layout, Layout::CompraPendiente);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    check(
        &out.documents[0],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 9_800_042,
            issued: "28/06/2019",
            received: "01/07/2019 13:21:32",
            exento: 0,
            neto: 41_838,
            iva: 7_949,
            total: 49_787,
        },
    );
    check(
        &out.documents[1],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 380_007,
            issued: "01/07/2019",
            received: "02/07/2019 17:34:28",
            exento: 0,
            neto: 54_411,
            iva: 10_338,
            total: 64_749,
        },
    );
    assert!(
        out.documents
            .iter()
            .all(|d| d.state == Some(PurchaseState::Pendiente))
    );
}

#[test]
fn compras_reclamado() {
    let out = parse("RCV-compra-reclamado-rz_leading_trailing_whitespace.csv");
    assert_eq!(out.layout, Layout::CompraReclamado);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    check(
        &out.documents[0],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 1_000_055,
            issued: "05/06/2019",
            received: "05/06/2019 21:58:49",
            exento: 0,
            neto: 970_894,
            iva: 184_470,
            total: 1_155_364,
        },
    );
    check(
        &out.documents[1],
        &Row {
            tipo: 61,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 70_013,
            issued: "24/06/2019",
            received: "24/06/2019 15:24:41",
            exento: 0,
            neto: 1_652_840,
            iva: 314_040,
            total: 1_966_880,
        },
    );
    assert_eq!(out.documents[0].claimed_at, time("12/06/2019 09:47:23"));
    assert_eq!(out.documents[1].claimed_at, None, "`null` is no claim date");
    assert!(
        out.documents
            .iter()
            .all(|d| d.state == Some(PurchaseState::Reclamado))
    );
}

#[test]
fn ventas() {
    let out = parse("RCV-venta-rz_leading_trailing_whitespace.csv");
    assert_eq!(out.layout, Layout::Venta);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    check(
        &out.documents[0],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 506,
            issued: "04/06/2019",
            received: "18/06/2019 17:01:06",
            exento: 0,
            neto: 1_750_181,
            iva: 332_534,
            total: 2_082_715,
        },
    );
    check(
        &out.documents[1],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 508,
            issued: "28/06/2019",
            received: "01/07/2019 13:49:42",
            exento: 0,
            neto: 2_209_597,
            iva: 419_823,
            total: 2_629_420,
        },
    );
    for doc in &out.documents {
        assert_eq!(doc.operation, Operation::Venta);
        assert_eq!(doc.state, None);
        assert_eq!(doc.transaction_type, Some(TransactionType::DelGiro));
        assert_eq!(
            (
                doc.iva_retenido_total,
                doc.iva_retenido_parcial,
                doc.iva_no_retenido
            ),
            (0, 0, 0)
        );
    }
}

#[test]
fn ventas_with_missing_required_fields_keeps_the_valid_rows() {
    let out = parse("RCV-venta-missing-required-fields.csv");
    assert_eq!(out.layout, Layout::Venta);
    let errors: Vec<(u64, Option<&str>)> = out
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        errors,
        vec![(2, Some("Tipo Doc")), (2, Some("Fecha Recepcion"))],
        "{:?}",
        out.errors
    );
    assert_eq!(
        out.errors[0].to_string(),
        "line 2, column `Tipo Doc`: required value missing"
    );
    assert_eq!(out.documents.len(), 2);
    check(
        &out.documents[0],
        &Row {
            tipo: 33,
            rut: "12345678-5",
            name: "Fake Company S.A.",
            folio: 508,
            issued: "28/06/2019",
            received: "01/07/2019 13:49:42",
            exento: 0,
            neto: 2_209_597,
            iva: 419_823,
            total: 2_629_420,
        },
    );
    check(
        &out.documents[1],
        &Row {
            tipo: 30,
            rut: "4954153-8",
            name: "Faker Company",
            folio: 88,
            issued: "04/08/2017",
            received: "13/09/2017 10:18:59",
            exento: 0,
            neto: 15_915_315,
            iva: 3_023_910,
            total: 18_939_225,
        },
    );
}

#[test]
fn the_same_files_in_latin1_and_streamed() {
    // Re-encode one file with a non-ASCII name in Latin-1: the parser detects it.
    let text = String::from_utf8(sii_file(
        "rcv-csv/RCV-venta-rz_leading_trailing_whitespace.csv",
    ))
    .expect("utf-8")
    .replace("Fake Company S.A. ", "Compañía Ñandú Ltda. ");
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let out = parse_reader(latin1.as_ref(), company(), period(), None).expect("parses");
    assert_eq!(out.documents[0].counterpart_name, "Compañía Ñandú Ltda.");
    let out = parse_reader(text.as_bytes(), company(), period(), None).expect("parses");
    assert_eq!(out.documents[0].counterpart_name, "Compañía Ñandú Ltda.");

    // The iterator form yields the same documents.
    let bytes = sii_file("rcv-csv/RCV-venta-missing-required-fields.csv");
    let reader = sii_client::rcv::csv::CsvReader::new(bytes.as_slice(), company(), period(), None)
        .expect("header");
    let items: Vec<_> = reader.collect();
    assert_eq!(items.len(), 4, "two errors, two documents");
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 2);
}

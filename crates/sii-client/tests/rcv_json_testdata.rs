//! The captured getResumen answer (testdata/sii/rcv-api) and an export answer.
// Helpers outside #[test] functions panic too: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sii_file;
use ofitec_domain::rcv::{Operation, PurchaseState};
use ofitec_domain::{Period, Rut};
use sii_client::rcv::request::RcvQuery;
use sii_client::rcv::response::{RcvStatus, parse_export_documents, parse_resumen};

fn query(operation: Operation) -> RcvQuery {
    RcvQuery {
        company: Rut::parse("76123456-0").expect("rut"),
        period: Period::parse("202607").expect("period"),
        operation,
        state: Some(PurchaseState::Registro),
        tipo_doc: None,
    }
}

#[test]
fn captured_get_resumen() {
    let resumen = parse_resumen(&sii_file("rcv-api/getResumen_response.json")).expect("parses");
    assert_eq!(resumen.status, RcvStatus::Ok);
    assert_eq!(
        resumen.modified_at.map(|t| t.to_string()).as_deref(),
        Some("2026-08-03 00:47:45")
    );
    assert!(resumen.items.errors.is_empty());
    assert_eq!(resumen.items.rows.len(), 1);
    let row = &resumen.items.rows[0];
    assert_eq!(row.tipo_dte, 43);
    assert_eq!(row.name, "Liquidación-Factura Electrónica");
    assert_eq!(row.document_count, 4);
    assert_eq!(
        (row.exento, row.neto, row.iva, row.total),
        (0, 510_544, 96_999, 607_543)
    );

    let doc = row.to_document(&query(Operation::Compra));
    assert!(doc.is_summary());
    assert_eq!(
        (doc.tipo_dte, doc.document_count, doc.total),
        (43, 4, 607_543)
    );
    assert_eq!(doc.state, Some(PurchaseState::Registro));
}

#[test]
fn export_lines_go_through_the_csv_parser() {
    let header = sii_client::rcv::csv::Layout::CompraRegistro.header();
    let body = serde_json::json!({
        "data": [
            header,
            "1;33;Del Giro;12345678-5;Fake Company S.A. ;23084;21/06/2019;24/06/2019 09:55:53;;0;240169;45632;;;285801;;;;;0;;;;0;;;;",
        ],
        "dataCabecera": null,
        "respEstado": {"codRespuesta": 0, "msgeRespuesta": null, "codError": null}
    })
    .to_string();
    let answer =
        parse_export_documents(body.as_bytes(), &query(Operation::Compra)).expect("parses");
    let outcome = answer.items.expect("lines");
    assert_eq!(outcome.documents.len(), 1);
    assert_eq!(outcome.documents[0].total, 285_801);
    assert_eq!(outcome.documents[0].folio, 23_084);

    let empty = r#"{"data":[],"respEstado":{"codRespuesta":3,"msgeRespuesta":"sin RCV"}}"#;
    let answer =
        parse_export_documents(empty.as_bytes(), &query(Operation::Venta)).expect("parses");
    assert_eq!(answer.status, RcvStatus::EmptyPeriod);
    assert!(answer.items.is_none());
}
